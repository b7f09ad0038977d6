// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control channel against the running kernel's nlctrl family, which
 * every kernel has: socket options, family resolution, and a kernel policy
 * error whose extended ack must reach khsm_errmsg(). With or without the
 * khsm module loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/socket.h>
#include <netlink/genl/genl.h>

#include "internal.h"
#include "unit.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/*
 * A handle whose socket is up whether or not the family resolved:
 * khsm_nl_open() leaves it so on failure. NULL (test skipped) where the
 * host has no netlink at all.
 */
static struct khsm *control_handle(int *ret)
{
	struct khsm *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->fd = -1;
	h->family = -ENOTCONN;
	*ret = khsm_nl_open(h);
	if (*ret == -EAFNOSUPPORT || *ret == -EPERM || *ret == -EACCES ||
	    !h->sk || nl_socket_get_fd(h->sk) < 0) {
		unit_skip("no generic netlink here");
		khsm_close(h);
		return NULL;
	}
	return h;
}

static int sockopt(struct khsm *h, int opt)
{
	socklen_t len = sizeof(int);
	int val = -1;

	if (getsockopt(nl_socket_get_fd(h->sk), SOL_NETLINK, opt, &val, &len))
		return -errno;
	return val;
}

static void socket_options(void)
{
	struct khsm *h;
	int ret;

	h = control_handle(&ret);
	if (!h)
		return;
	CHECK(ret == 0 || ret == -ENOENT);
	CHECK(fcntl(nl_socket_get_fd(h->sk), F_GETFD) & FD_CLOEXEC);
	CHECK_INT(sockopt(h, NETLINK_EXT_ACK), 1);
	CHECK_INT(sockopt(h, NETLINK_CAP_ACK), 1);
	khsm_close(h);
}

static int getfamily(struct khsm *h, const char *name)
{
	struct nl_msg *msg;
	int ret = -ENOMEM;

	msg = khsm_nl_request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	if (msg && !nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, name))
		ret = khsm_nl_transact(h, msg, NULL, NULL);
	nlmsg_free(msg);
	return ret;
}

/* The family name is NLA_NUL_STRING of at most GENL_NAMSIZ - 1 bytes. */
static void policy_error_reaches_errmsg(void)
{
	char name[GENL_NAMSIZ * 4];
	struct khsm *h;
	int ret;

	h = control_handle(&ret);
	if (!h)
		return;
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	CHECK_INT(getfamily(h, name), -EINVAL);
	CHECK(khsm_errmsg(h)[0] != '\0');
	/* Right after the nlmsghdr and genlmsghdr: our only attribute. */
	CHECK_INT(khsm_erroffset(h), NLMSG_HDRLEN + GENL_HDRLEN);

	/* The next request starts clean, and the socket is still in sync. */
	CHECK_INT(getfamily(h, "nlctrl"), 0);
	CHECK_STR(khsm_errmsg(h), "");
	CHECK_INT(khsm_erroffset(h), -1);
	khsm_close(h);
}

static void unknown_family_is_enoent(void)
{
	struct khsm *h;
	int ret;

	h = control_handle(&ret);
	if (!h)
		return;
	CHECK_INT(getfamily(h, "khsmnosuch"), -ENOENT);
	khsm_close(h);
}

/* Loaded or not, khsm_open() answers cleanly. */
static void open_control(void)
{
	struct khsm *h = NULL;
	int ret;

	ret = khsm_open(&h, KHSM_OPEN_CONTROL);
	if (ret == -EAFNOSUPPORT) {
		unit_skip("no generic netlink here");
		return;
	}
	CHECK(ret == 0 || ret == -ENOENT);
	CHECK(ret ? h == NULL : h != NULL);
	if (h) {
		CHECK(khsm_family_id(h) > 0);
		CHECK_INT(khsm_device_fd(h), -ENOTCONN);
	}
	khsm_close(h);
}

static const struct unit_test tests[] = {
	{ "socket options", socket_options },
	{ "policy error reaches khsm_errmsg", policy_error_reaches_errmsg },
	{ "unknown family is ENOENT", unknown_family_is_enoent },
	{ "khsm_open control", open_control },
};

UNIT_SUITE(netlink, tests);
