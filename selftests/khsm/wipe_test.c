// SPDX-License-Identifier: GPL-2.0
/*
 * Secrets a request carries do not outlive it in the kernel's copy of the
 * message: passphrase keys (KHSM_A_PP_KEY, KHSM_A_CARD_PP_KEY in card
 * entries) and imported key material (KHSM_A_KEY_SECRET).
 *
 * What the module wipes is observable: without NETLINK_CAP_ACK an error
 * ack carries the request back to its sender as the kernel holds it after
 * the command ran. Each case sends a request that fails (refused before it
 * ran, or failing while it ran) with a recognisable secret, and looks for
 * it in the echo; a non-secret attribute of the same request must come
 * back intact, so that an echo that lost everything cannot pass.
 *
 * Runs as root in the guest with khsm.ko loaded; makes its own worlds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/khsm.h>

#include "kselftest_harness.h"
#include "keyutil.h"

#define SECRET_BYTE	0xc3
#define MARK		"not-a-secret-marker"

struct echo {
	int error;		/* the ack's errno (positive) */
	unsigned char msg[16384];
	size_t len;		/* the echoed request, headers included */
};

/* One request with NLM_F_ACK and full echo; fills @e from the error ack. */
static int echo_request(struct nlraw *nl, uint8_t cmd, const struct ku_buf *b,
			struct echo *e)
{
	static unsigned char buf[32768];
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
	} *hdr = (void *)buf;
	const struct nlmsgerr *err;
	struct nlmsghdr *ans;
	int zero = 0, one = 1;
	ssize_t n;
	size_t len;

	len = NLMSG_HDRLEN + GENL_HDRLEN + (b ? b->off : 0);
	memset(buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	hdr->n.nlmsg_len = len;
	hdr->n.nlmsg_type = nl->family;
	hdr->n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	hdr->n.nlmsg_seq = ++nl->seq;
	hdr->g.cmd = cmd;
	hdr->g.version = KHSM_GENL_VERSION;
	if (b)
		memcpy(buf + NLMSG_HDRLEN + GENL_HDRLEN, b->b, b->off);
	if (setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &zero, sizeof(zero)))
		return -errno;
	n = send(nl->fd, buf, len, 0) == (ssize_t)len ?
	    recv(nl->fd, buf, sizeof(buf), 0) : -1;
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (n < 0)
		return -errno;
	ans = (void *)buf;
	if (n < (ssize_t)NLMSG_HDRLEN || ans->nlmsg_type != NLMSG_ERROR)
		return -EPROTO;
	err = NLMSG_DATA(ans);
	e->error = -err->error;
	if (!e->error || err->msg.nlmsg_len > sizeof(e->msg) ||
	    (char *)&err->msg + err->msg.nlmsg_len > (char *)buf + n)
		return -EPROTO;
	e->len = err->msg.nlmsg_len;
	memcpy(e->msg, &err->msg, e->len);
	return 0;
}

static int has(const struct echo *e, const void *p, size_t len)
{
	return memmem(e->msg, e->len, p, len) != NULL;
}

static void secret(unsigned char *p, size_t len, unsigned char v)
{
	memset(p, v, len);
}

FIXTURE(wipe) {
	struct nlraw nl;
	struct ku_files world;
	unsigned char pp[KHSM_PP_KEY_LEN];
};

FIXTURE_SETUP(wipe)
{
	ASSERT_EQ(0, nlraw_open(&self->nl, KHSM_GENL_NAME));
	ASSERT_EQ(0, ku_world_fresh(&self->nl, &self->world))
		TH_LOG("world: %s", self->nl.extack);
	secret(self->pp, sizeof(self->pp), SECRET_BYTE);
}

FIXTURE_TEARDOWN(wipe)
{
	ku_world_unload(&self->nl);
	nlraw_close(&self->nl);
}

/* CARD_INSERT of a damaged card: fails while it runs. */
TEST_F(wipe, card_insert_pp_key)
{
	struct ku_buf b = { .off = 0 };
	unsigned char bad[64];
	struct echo e;

	memset(bad, 0, sizeof(bad));
	memcpy(bad, MARK, sizeof(MARK));
	ku_put_u8(&b, KHSM_A_SLOT, 1);
	ku_put(&b, KHSM_A_CARD_IMAGE, bad, sizeof(bad));
	ku_put(&b, KHSM_A_PP_KEY, self->pp, sizeof(self->pp));
	ASSERT_EQ(0, echo_request(&self->nl, KHSM_CMD_CARD_INSERT, &b, &e));
	EXPECT_NE(0, e.error);
	EXPECT_EQ(b.off + NLMSG_HDRLEN + GENL_HDRLEN, e.len);
	EXPECT_TRUE(has(&e, MARK, sizeof(MARK)));
	EXPECT_FALSE(has(&e, self->pp, sizeof(self->pp)));
}

/* The same with no world: refused before it runs (pre_doit). */
TEST_F(wipe, card_insert_refused_before_running)
{
	struct ku_buf b = { .off = 0 };
	unsigned char bad[64];
	struct echo e;

	ASSERT_EQ(0, ku_world_unload(&self->nl));
	memset(bad, 0, sizeof(bad));
	memcpy(bad, MARK, sizeof(MARK));
	ku_put_u8(&b, KHSM_A_SLOT, 1);
	ku_put(&b, KHSM_A_CARD_IMAGE, bad, sizeof(bad));
	ku_put(&b, KHSM_A_PP_KEY, self->pp, sizeof(self->pp));
	ASSERT_EQ(0, echo_request(&self->nl, KHSM_CMD_CARD_INSERT, &b, &e));
	EXPECT_NE(0, e.error);
	EXPECT_TRUE(has(&e, MARK, sizeof(MARK)));
	EXPECT_FALSE(has(&e, self->pp, sizeof(self->pp)));
}

/* Two PP_KEYs: the parser keeps the last; both are wiped. */
TEST_F(wipe, duplicate_pp_keys)
{
	struct ku_buf b = { .off = 0 };
	unsigned char pp2[KHSM_PP_KEY_LEN], bad[64];
	struct echo e;

	secret(pp2, sizeof(pp2), SECRET_BYTE ^ 0xff);
	memset(bad, 0, sizeof(bad));
	memcpy(bad, MARK, sizeof(MARK));
	ku_put_u8(&b, KHSM_A_SLOT, 1);
	ku_put(&b, KHSM_A_PP_KEY, self->pp, sizeof(self->pp));
	ku_put(&b, KHSM_A_CARD_IMAGE, bad, sizeof(bad));
	ku_put(&b, KHSM_A_PP_KEY, pp2, sizeof(pp2));
	ASSERT_EQ(0, echo_request(&self->nl, KHSM_CMD_CARD_INSERT, &b, &e));
	EXPECT_NE(0, e.error);
	EXPECT_TRUE(has(&e, MARK, sizeof(MARK)));
	EXPECT_FALSE(has(&e, self->pp, sizeof(self->pp)));
	EXPECT_FALSE(has(&e, pp2, sizeof(pp2)));
}

/* CARDSET_CREATE whose card entries carry passphrase keys; K > N fails. */
TEST_F(wipe, cardset_card_pp_keys)
{
	static const unsigned char salt[KHSM_PP_SALT_LEN] = { 7, 7, 7 };
	struct ku_buf b = { .off = 0 };
	void *cs, *arr, *ent;
	struct echo e;
	int i;

	cs = ku_nest_start(&b, KHSM_A_CARDSET);
	ku_put_u8(&b, KHSM_A_CARDSET_TYPE, KHSM_SET_OCS);
	ku_put(&b, KHSM_A_CARDSET_NAME, MARK, sizeof(MARK));
	ku_put_u8(&b, KHSM_A_CARDSET_K, 3);
	ku_put_u8(&b, KHSM_A_CARDSET_N, 2);
	ku_nest_end(&b, cs);
	arr = ku_nest_start(&b, KHSM_A_CARDS);
	for (i = 1; i <= 2; i++) {
		ent = ku_nest_start(&b, KHSM_A_CARD_ENTRY);
		ku_put_u8(&b, KHSM_A_CARD_INDEX, i);
		ku_put(&b, KHSM_A_CARD_NAME, "card", 5);
		ku_put(&b, KHSM_A_CARD_PP_SALT, salt, sizeof(salt));
		ku_put(&b, KHSM_A_CARD_PP_KEY, self->pp, sizeof(self->pp));
		ku_put_u32(&b, KHSM_A_CARD_PBKDF2_ITER, 1000);
		ku_nest_end(&b, ent);
	}
	ku_nest_end(&b, arr);
	ASSERT_EQ(0, echo_request(&self->nl, KHSM_CMD_CARDSET_CREATE, &b, &e));
	EXPECT_NE(0, e.error);
	EXPECT_TRUE(has(&e, MARK, sizeof(MARK)));
	EXPECT_TRUE(has(&e, salt, sizeof(salt)));
	EXPECT_FALSE(has(&e, self->pp, sizeof(self->pp)));
}

/* KEY_IMPORT of an AES key of a length no AES key has: fails while it runs. */
TEST_F(wipe, key_import_secret)
{
	struct ku_keyspec s = ku_spec(KHSM_KEY_AES, 1U << KHSM_OP_ENCRYPT,
				      1U << KHSM_MECH_AES_GCM, 0);
	struct ku_buf b = { .off = 0 };
	unsigned char key[33];
	struct echo e;
	void *n;

	secret(key, sizeof(key), SECRET_BYTE);
	n = ku_nest_start(&b, KHSM_A_KEY);
	ku_put_u32(&b, KHSM_A_KEY_TYPE, s.type);
	ku_put_u8(&b, KHSM_A_KEY_PROTECTION, KHSM_PROTECT_MODULE);
	ku_put(&b, KHSM_A_KEY_ACL, &s.acl, sizeof(s.acl));
	ku_put(&b, KHSM_A_KEY_APP, MARK, sizeof(MARK));
	ku_put(&b, KHSM_A_KEY_IDENT, "k", 2);
	ku_put(&b, KHSM_A_KEY_SECRET, key, sizeof(key));
	ku_nest_end(&b, n);
	ASSERT_EQ(0, echo_request(&self->nl, KHSM_CMD_KEY_IMPORT, &b, &e));
	EXPECT_NE(0, e.error);
	EXPECT_TRUE(has(&e, MARK, sizeof(MARK)));
	EXPECT_FALSE(has(&e, key, 16));
}

/* The same import by a caller without the role: refused before running. */
TEST_F(wipe, key_import_refused_role)
{
	struct ku_keyspec s = ku_spec(KHSM_KEY_AES, 1U << KHSM_OP_ENCRYPT,
				      1U << KHSM_MECH_AES_GCM, 0);
	struct ku_buf b = { .off = 0 };
	unsigned char key[32];
	struct echo e;
	pid_t pid;
	void *n;
	int st;

	secret(key, sizeof(key), SECRET_BYTE);
	n = ku_nest_start(&b, KHSM_A_KEY);
	ku_put_u32(&b, KHSM_A_KEY_TYPE, s.type);
	ku_put_u8(&b, KHSM_A_KEY_PROTECTION, KHSM_PROTECT_MODULE);
	ku_put(&b, KHSM_A_KEY_ACL, &s.acl, sizeof(s.acl));
	ku_put(&b, KHSM_A_KEY_APP, MARK, sizeof(MARK));
	ku_put(&b, KHSM_A_KEY_IDENT, "k", 2);
	ku_put(&b, KHSM_A_KEY_SECRET, key, sizeof(key));
	ku_nest_end(&b, n);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct nlraw nl;

		/* nobody, no groups: not an operator. */
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534) ||
		    nlraw_open(&nl, KHSM_GENL_NAME) ||
		    echo_request(&nl, KHSM_CMD_KEY_IMPORT, &b, &e))
			_exit(10);
		if (!e.error)
			_exit(11);
		if (!has(&e, MARK, sizeof(MARK)))
			_exit(12);
		_exit(has(&e, key, 16) ? 13 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st))
		TH_LOG("10: setup, 11: accepted, 12: echo lost, 13: secret echoed");
}

TEST_HARNESS_MAIN
