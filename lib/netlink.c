// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The control channel: a generic netlink socket driven through libnl.
 *
 * We make the socket ourselves rather than with genl_connect() so that
 * CLOEXEC, NETLINK_EXT_ACK and NETLINK_CAP_ACK are set by us, whatever the
 * libnl version does, and so that a failure keeps its errno (libnl folds
 * errnos into its own NLE_* codes). For the same reason every request,
 * family resolution included, goes through khsm_nl_transact() and its error
 * callback, which keeps the kernel's errno and extended-ack text.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>

#include "internal.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* One request in flight; lives on khsm_nl_transact()'s stack. */
struct request {
	struct khsm *h;
	khsm_parse_fn parse;
	void *arg;
	int err;
	bool done;
};

static int valid_cb(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;

	/*
	 * Keep reading after a reply we could not parse: the ACK behind it
	 * must not stay queued for the next request to trip over.
	 */
	if (!req->err && req->parse)
		req->err = req->parse(msg, req->arg);
	return NL_OK;
}

static int done_cb(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;

	(void)msg;
	req->done = true;
	return NL_STOP;
}

/*
 * libnl calls this for an NLMSG_ERROR with a non-zero error, after checking
 * the message is long enough for a struct nlmsgerr, and passes only that
 * struct: the header sits right before it, and nlmsg_len bytes of it were
 * received (libnl checked that with nlmsg_ok()).
 */
static int error_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	const struct nlmsghdr *nlh = (const void *)((char *)e - NLMSG_HDRLEN);
	struct request *req = arg;

	(void)nla;
	/* Best effort: a mangled extack must not hide the errno. */
	khsm_extack_parse(nlh, &req->h->ext);
	req->err = e->error < 0 ? e->error : -EPROTO;
	req->done = true;
	return NL_STOP;
}

/*
 * A request with room for @size bytes of attributes (0: libnl's default,
 * a page). Requests that carry a world or card file, or 64 cards, need
 * more than a page; libnl does not grow a message by itself.
 */
struct nl_msg *khsm_nl_request_size(int family, uint8_t cmd, uint8_t version,
				    size_t size)
{
	struct nl_msg *msg;

	if (size)
		msg = nlmsg_alloc_size(NLMSG_HDRLEN + GENL_HDRLEN + size);
	else
		msg = nlmsg_alloc();
	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
			 NLM_F_REQUEST | NLM_F_ACK, cmd, version)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct nl_msg *khsm_nl_request(int family, uint8_t cmd, uint8_t version)
{
	return khsm_nl_request_size(family, cmd, version, 0);
}

/*
 * Free a request that carried a secret (a passphrase key). The kernel never
 * echoes it back: NETLINK_CAP_ACK keeps our request out of error replies.
 */
void khsm_nl_free_wiped(struct nl_msg *msg)
{
	struct nlmsghdr *nlh;

	if (!msg)
		return;
	nlh = nlmsg_hdr(msg);
	explicit_bzero(nlh, nlh->nlmsg_len);
	nlmsg_free(msg);
}

/*
 * Send @msg (the caller still owns it) and read until its ACK or error,
 * handing each reply to @parse. Returns 0, the kernel's negative errno, the
 * first error @parse returned, or a transport error.
 */
int khsm_nl_transact(struct khsm *h, struct nl_msg *msg, khsm_parse_fn parse,
		     void *arg)
{
	struct request req = { .h = h, .parse = parse, .arg = arg };
	int ret;

	khsm_extack_clear(&h->ext);
	/* Only ever run under this function, so &req never dangles in use. */
	nl_cb_set(h->cb, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, &req);
	nl_cb_set(h->cb, NL_CB_FINISH, NL_CB_CUSTOM, done_cb, &req);
	nl_cb_set(h->cb, NL_CB_ACK, NL_CB_CUSTOM, done_cb, &req);
	nl_cb_err(h->cb, NL_CB_CUSTOM, error_cb, &req);

	ret = nl_send_auto(h->sk, msg);
	if (ret < 0)
		return khsm_nlerr_to_errno(ret);
	while (!req.done) {
		ret = nl_recvmsgs(h->sk, h->cb);
		/* After error_cb, ret is libnl's lossy copy of req.err. */
		/* cppcheck-suppress knownConditionTrueFalse ; the callbacks nl_recvmsgs() runs set req.done through the pointer nl_cb_set() took */
		if (ret < 0 && !req.done)
			return khsm_nlerr_to_errno(ret);
	}
	return req.err;
}

/* Kernels before 4.12 lack these: requests still work, only without text. */
static int enable_opt(int fd, int opt)
{
	int one = 1;

	if (!setsockopt(fd, SOL_NETLINK, opt, &one, sizeof(one)))
		return 0;
	return errno == ENOPROTOOPT ? 0 : -errno;
}

static int control_socket(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, ret;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	ret = enable_opt(fd, NETLINK_EXT_ACK);
	if (!ret)
		ret = enable_opt(fd, NETLINK_CAP_ACK);
	/* nl_pid 0: the kernel picks a free port id. */
	if (!ret && bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		ret = -errno;
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

static int family_parse(struct nl_msg *msg, void *arg)
{
	static const struct nla_policy policy[CTRL_ATTR_MAX + 1] = {
		[CTRL_ATTR_FAMILY_ID] = { .type = NLA_U16 },
	};
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	int *family = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, CTRL_ATTR_MAX, policy) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_ID])
		return -EPROTO;
	*family = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	return 0;
}

/* CTRL_CMD_GETFAMILY fails with ENOENT when the module is not loaded. */
static int resolve_family(struct khsm *h)
{
	struct nl_msg *msg;
	int family = -1;
	int ret = -ENOMEM;

	msg = khsm_nl_request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	if (!msg || nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, KHSM_GENL_NAME))
		goto out;
	ret = khsm_nl_transact(h, msg, family_parse, &family);
	if (ret)
		goto out;
	ret = -EPROTO;
	if (family <= 0)	/* ACKed without a reply */
		goto out;
	h->family = family;
	ret = 0;
out:
	nlmsg_free(msg);
	return ret;
}

/* On failure, h is left for khsm_nl_close() to release. */
int khsm_nl_open(struct khsm *h)
{
	int fd, ret;

	h->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!h->cb)
		return -ENOMEM;
	/* The socket shares our cb, so libnl's NLCB debug hooks stay off. */
	h->sk = nl_socket_alloc_cb(h->cb);
	if (!h->sk)
		return -ENOMEM;
	fd = control_socket();
	if (fd < 0)
		return fd;
	ret = nl_socket_set_fd(h->sk, NETLINK_GENERIC, fd);
	if (ret < 0) {
		close(fd);	/* still ours when nl_socket_set_fd() fails */
		return khsm_nlerr_to_errno(ret);
	}
	/*
	 * Replies outgrow a page: WORLD_NEW with 64 cards is some 30 KiB.
	 * With MSG_PEEK libnl asks the kernel for each message's size before
	 * reading it, so no reply is ever truncated, whatever its size.
	 */
	nl_socket_enable_msg_peek(h->sk);
	return resolve_family(h);
}

void khsm_nl_close(struct khsm *h)
{
	if (h->sk)
		nl_socket_free(h->sk);	/* closes the fd */
	if (h->cb)
		nl_cb_put(h->cb);
	h->sk = NULL;
	h->cb = NULL;
}
