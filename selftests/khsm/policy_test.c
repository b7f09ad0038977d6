// SPDX-License-Identifier: GPL-2.0
/*
 * The control channel's ABI against hostile input, learnt from the kernel
 * rather than from the header: the family's policy dump is audited (every
 * op has a policy, every attribute is typed and bounded, nests have their
 * policy, the family stays in the initial network namespace, its group
 * needs CAP_SYS_ADMIN), then every command and every attribute of its
 * policy, nested ones included, gets the bad-input matrix of
 * ../shared/TESTPLAN.md: each case must get the errno Documentation/abi.md
 * gives for its class with an extended ack, and the module's state, as its
 * query commands report it, must be the same afterwards. A command or an
 * attribute added later is covered without a change here; the table of
 * required attributes must name every command the kernel has.
 */
#include <errno.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/khsm.h>

#include "kselftest_harness.h"
#include "keyutil.h"
#include "nlpol.h"
#include "statedigest.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif


/* An errno decided by the command's handler, not by the policy. */
#define BY_HANDLER	(-1)

static const char *const type_name[] = {
	[NL_ATTR_TYPE_INVALID] = "invalid", [NL_ATTR_TYPE_FLAG] = "flag",
	[NL_ATTR_TYPE_U8] = "u8", [NL_ATTR_TYPE_U16] = "u16",
	[NL_ATTR_TYPE_U32] = "u32", [NL_ATTR_TYPE_U64] = "u64",
	[NL_ATTR_TYPE_S8] = "s8", [NL_ATTR_TYPE_S16] = "s16",
	[NL_ATTR_TYPE_S32] = "s32", [NL_ATTR_TYPE_S64] = "s64",
	[NL_ATTR_TYPE_BINARY] = "binary", [NL_ATTR_TYPE_STRING] = "string",
	[NL_ATTR_TYPE_NUL_STRING] = "nul-string",
	[NL_ATTR_TYPE_NESTED] = "nested",
	[NL_ATTR_TYPE_NESTED_ARRAY] = "nested-array",
	[NL_ATTR_TYPE_BITFIELD32] = "bitfield32",
};

static const char *tname(uint32_t t)
{
	return t < sizeof(type_name) / sizeof(type_name[0]) && type_name[t] ?
	       type_name[t] : "?";
}

static int int_width(uint32_t t)
{
	switch (t) {
	case NL_ATTR_TYPE_U8: case NL_ATTR_TYPE_S8: return 1;
	case NL_ATTR_TYPE_U16: case NL_ATTR_TYPE_S16: return 2;
	case NL_ATTR_TYPE_U32: case NL_ATTR_TYPE_S32: return 4;
	case NL_ATTR_TYPE_U64: case NL_ATTR_TYPE_S64: return 8;
	}
	return 0;
}

static bool is_nest(uint32_t t)
{
	return t == NL_ATTR_TYPE_NESTED || t == NL_ATTR_TYPE_NESTED_ARRAY;
}

/*
 * The attributes each command cannot do without (GENL_REQ_ATTR_CHECK in
 * kmod/): a request without one is EINVAL with the missing type in the
 * extended ack, unless the command wants an ACS authorisation, which is
 * checked first (EACCES: none is held while the matrix runs). Every
 * command of the kernel must be listed, so a new one makes this test fail
 * until someone says what it requires.
 */
static const struct {
	uint8_t cmd;
	uint16_t req[2];
	int err;	/* 0: EINVAL naming the attribute */
} required[] = {
	{ KHSM_CMD_GET_INFO, {}, 0 },
	{ KHSM_CMD_WORLD_NEW, { KHSM_A_CARDS }, 0 },
	{ KHSM_CMD_WORLD_LOAD, { KHSM_A_WORLD_FILE }, 0 },
	{ KHSM_CMD_WORLD_UNLOAD, {}, 0 },
	{ KHSM_CMD_CARD_INSERT, { KHSM_A_SLOT, KHSM_A_CARD_IMAGE }, 0 },
	{ KHSM_CMD_CARD_REMOVE, { KHSM_A_SLOT }, 0 },
	{ KHSM_CMD_SLOT_LIST, {}, 0 },
	{ KHSM_CMD_ACS_LOGOUT, {}, 0 },
	{ KHSM_CMD_ACS_REPLACE, { KHSM_A_CARDS }, EACCES },
	{ KHSM_CMD_WORLD_BIND, {}, 0 },
	{ KHSM_CMD_POLICY_SET, { KHSM_A_WORLD_OPTS }, 0 },
	{ KHSM_CMD_CLEAR, {}, 0 },
	{ KHSM_CMD_CARDSET_CREATE, { KHSM_A_CARDSET, KHSM_A_CARDS }, 0 },
	{ KHSM_CMD_TOKEN_LIST, {}, 0 },
	{ KHSM_CMD_TOKEN_UNLOAD, { KHSM_A_TOKEN_ID }, 0 },
	{ KHSM_CMD_KEY_GENERATE, { KHSM_A_KEY }, 0 },
	{ KHSM_CMD_KEY_IMPORT, { KHSM_A_KEY }, 0 },
	{ KHSM_CMD_KEY_RECOVER, { KHSM_A_KEY, KHSM_A_TOKEN_ID }, 0 },
	{ KHSM_CMD_CARD_PASSPHRASE, { KHSM_A_CARD_IMAGE, KHSM_A_CARDS }, 0 },
	{ KHSM_CMD_AUDIT_GET, {}, 0 },
	{ KHSM_CMD_AUDIT_ACK, { KHSM_A_AUDIT }, 0 },
	{ KHSM_CMD_AUDIT_CHECKPOINT, {}, 0 },
	{ KHSM_CMD_AUDIT_STATUS, {}, 0 },
};

/* Commands that only read: a request they accept changes nothing. */
static bool is_query(int cmd)
{
	return cmd == KHSM_CMD_GET_INFO || cmd == KHSM_CMD_SLOT_LIST ||
	       cmd == KHSM_CMD_TOKEN_LIST || cmd == KHSM_CMD_AUDIT_GET ||
	       cmd == KHSM_CMD_AUDIT_STATUS;
}

/* The errnos Documentation/abi.md lists for the control channel. */
static bool documented(int err)
{
	switch (err) {
	case EINVAL: case ERANGE: case EOPNOTSUPP: case ENOKEY: case EEXIST:
	case EBUSY: case EACCES: case EAGAIN: case EPERM: case EXDEV:
	case EBADMSG: case EPROTONOSUPPORT: case ESTALE:
		return true;
	}
	return false;
}

static int learn(struct np_conn *c, struct np_family *f)
{
	int err = np_open(c);

	if (err)
		return err;
	err = np_learn(c, KHSM_GENL_NAME, f);
	c->family = f->id;
	return err;
}

/* The policy of @cmd as its requests are checked: do, or dump. */
static int cmd_policy(const struct np_family *f, int cmd)
{
	return (f->cmd[cmd].flags & GENL_CMD_CAP_DO) ? f->cmd[cmd].do_pol :
							 f->cmd[cmd].dump_pol;
}

static uint16_t cmd_nlflags(const struct np_family *f, int cmd)
{
	return (f->cmd[cmd].flags & GENL_CMD_CAP_DO) ? 0 : NLM_F_DUMP;
}

/* ---------------------------------------------------------------- audit */

TEST(every_command_has_a_policy)
{
	struct np_conn c;
	struct np_family f;
	int cmd, n = 0;

	ASSERT_EQ(0, learn(&c, &f));
	EXPECT_EQ(KHSM_A_MAX, f.maxattr);
	for (cmd = 1; cmd < NP_MAX_CMD; cmd++) {
		if (!f.cmd[cmd].present)
			continue;
		n++;
		EXPECT_NE(0, f.cmd[cmd].flags & GENL_CMD_CAP_HASPOL)
			TH_LOG("command %d has no policy", cmd);
		if (f.cmd[cmd].flags & GENL_CMD_CAP_DO)
			EXPECT_LE(0, f.cmd[cmd].do_pol)
				TH_LOG("command %d: no do policy in the dump", cmd);
		if (f.cmd[cmd].flags & GENL_CMD_CAP_DUMP)
			EXPECT_LE(0, f.cmd[cmd].dump_pol)
				TH_LOG("command %d: no dump policy", cmd);
	}
	/* The header and the kernel agree on the commands. */
	EXPECT_EQ(KHSM_CMD_MAX, n);
	for (cmd = 1; cmd <= KHSM_CMD_MAX; cmd++)
		EXPECT_TRUE(f.cmd[cmd].present) TH_LOG("command %d missing", cmd);
	np_close(&c);
}

TEST(required_table_names_every_command)
{
	struct np_conn c;
	struct np_family f;
	size_t i;
	int cmd;

	ASSERT_EQ(0, learn(&c, &f));
	for (cmd = 1; cmd < NP_MAX_CMD; cmd++) {
		bool listed = false;

		for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
			listed |= required[i].cmd == cmd;
		if (f.cmd[cmd].present)
			EXPECT_TRUE(listed)
				TH_LOG("command %d is not in required[]", cmd);
	}
	np_close(&c);
}

/*
 * Every attribute the policies name is typed and bounded. Attributes a
 * policy leaves NLA_UNSPEC are not in the dump at all (the kernel skips
 * them): the matrix below sends each such type and expects EINVAL, which
 * is what strict validation does with NLA_UNSPEC.
 */
TEST(every_attribute_is_bounded)
{
	struct np_conn c;
	struct np_family f;
	int p, t, checked = 0;

	ASSERT_EQ(0, learn(&c, &f));
	for (p = 0; p < NP_MAX_POL; p++) {
		for (t = 0; t < NP_MAX_ATTR && f.pol[p].present; t++) {
			const struct np_attr *a = &f.pol[p].a[t];

			if (!a->present)
				continue;
			checked++;
			EXPECT_NE(0, t) TH_LOG("policy %d lists type 0", p);
			EXPECT_NE(NL_ATTR_TYPE_INVALID, a->type)
				TH_LOG("policy %d attr %d untyped", p, t);
			EXPECT_NE(NL_ATTR_TYPE_STRING, a->type)
				TH_LOG("policy %d attr %d: NLA_STRING, not NUL_STRING",
				       p, t);
			if (a->type == NL_ATTR_TYPE_BINARY)
				EXPECT_TRUE(a->has_max_len && a->max_len > 0)
					TH_LOG("policy %d attr %d: unbounded binary",
					       p, t);
			if (a->type == NL_ATTR_TYPE_NUL_STRING)
				EXPECT_TRUE(a->has_max_len && a->max_len > 0)
					TH_LOG("policy %d attr %d: string without a maximum",
					       p, t);
			if (is_nest(a->type)) {
				EXPECT_LE(0, a->nested)
					TH_LOG("policy %d attr %d: nest without a policy",
					       p, t);
				EXPECT_LT(0, a->nested_maxtype);
			}
		}
	}
	EXPECT_LT(20, checked);
	np_close(&c);
}

/* netnsok is false: another network namespace does not see the family. */
TEST(only_in_the_initial_netns)
{
	struct np_conn c;
	struct np_family f;
	int status;
	pid_t pid;

	ASSERT_EQ(0, learn(&c, &f));
	np_close(&c);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct np_family g;
		int err;

		if (unshare(CLONE_NEWNET))
			_exit(10);
		if (np_open(&c))
			_exit(11);
		err = np_learn(&c, KHSM_GENL_NAME, &g);
		if (err != -ENOENT)
			_exit(12);
		/* Nor does the id learnt outside answer inside. */
		c.family = f.id;
		err = np_request(&c, KHSM_CMD_GET_INFO, 0, 0, NULL, 0);
		_exit(err == ENOENT ? 0 : 13);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

static int join(int group)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	int err = 0;

	if (fd < 0)
		return errno;
	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
		       sizeof(group)))
		err = errno;
	close(fd);
	return err;
}

/* Drops one capability from the effective set, keeping the rest. */
static int drop_cap(int cap)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[cap / 32].effective &= ~(1U << (cap % 32));
	return syscall(SYS_capset, &h, d);
}

/* Each multicast group needs CAP_SYS_ADMIN; CAP_NET_ADMIN is not enough. */
TEST(groups_need_cap_sys_admin)
{
	struct np_conn c;
	struct np_family f;
	struct passwd *op = getpwnam("khsmop");
	int i, status;
	pid_t pid;

	ASSERT_EQ(0, learn(&c, &f));
	np_close(&c);
	ASSERT_LT(0, f.ngroups);
	for (i = 0; i < f.ngroups; i++) {
		TH_LOG("group %s (%u)", f.group_name[i], f.group_id[i]);
		EXPECT_EQ(0, join(f.group_id[i]));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			if (drop_cap(CAP_SYS_ADMIN))
				_exit(10);
			_exit(join(f.group_id[i]) == EPERM ? 0 : 11);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_EQ(0, WEXITSTATUS(status))
			TH_LOG("without CAP_SYS_ADMIN: exit %d", WEXITSTATUS(status));
		if (!op)
			continue;
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			if (setgid(op->pw_gid) || setuid(op->pw_uid))
				_exit(10);
			_exit(join(f.group_id[i]) == EPERM ? 0 : 11);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_EQ(0, WEXITSTATUS(status))
			TH_LOG("as a khsm operator: exit %d", WEXITSTATUS(status));
	}
}

/* --------------------------------------------------------------- matrix */

/* How to reach an attribute: the nests around it, outermost first. */
struct path {
	int n;
	struct {
		uint16_t type;
		bool array;	/* a nested array: add an entry */
	} e[8];
};

FIXTURE(mx) {
	struct np_conn c;
	struct np_family f;
	struct nlraw nl;
	struct ku_files world, sc;
	struct ku_blob key;
	uint64_t token, handle;
	int fd;
	struct np_buf *b;
	unsigned char *before;
	size_t before_len;
	int cases, refused_by[256], handler_cases;
	char cur[96];	/* the command or attribute under test */
};

FIXTURE_SETUP(mx)
{
	struct ku_keyspec s;

	self->fd = -1;
	self->b = calloc(1, sizeof(*self->b));
	ASSERT_NE(NULL, self->b);
	ASSERT_EQ(0, learn(&self->c, &self->f));
	ASSERT_EQ(0, nlraw_open(&self->nl, KHSM_GENL_NAME));
	ASSERT_EQ(0, ku_world_fresh(&self->nl, &self->world))
		TH_LOG("world: %s", self->nl.extack);
	/* A softcard's token in slot 1, a module key and a softcard key. */
	ASSERT_EQ(0, ku_softcard_create(&self->nl, "matrix", 5, &self->sc))
		TH_LOG("softcard: %s", self->nl.extack);
	ASSERT_EQ(0, ku_card_insert(&self->nl, 1, &self->sc, 5, &self->token))
		TH_LOG("insert: %s", self->nl.extack);
	s = ku_spec(KHSM_KEY_EC_P256, BIT(KHSM_OP_SIGN) | BIT(KHSM_OP_VERIFY),
		    BIT(KHSM_MECH_ECDSA_P256_SHA256), 0);
	ASSERT_EQ(0, ku_key_generate(&self->nl, &s, &self->key))
		TH_LOG("key: %s", self->nl.extack);
	s.protection = KHSM_PROTECT_SOFTCARD;
	s.token_id = self->token;
	{
		struct ku_blob sk;

		ASSERT_EQ(0, ku_key_generate(&self->nl, &s, &sk))
			TH_LOG("softcard key: %s", self->nl.extack);
	}
	self->fd = ku_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ku_load(self->fd, self->key.data, self->key.len, 0,
			     &self->handle));
	/*
	 * No ACS authorisation is held while the matrix runs, so the quorum
	 * commands stop at EACCES rather than act on a request the policy
	 * let through.
	 */
	ASSERT_EQ(0, ku_request(&self->nl, KHSM_CMD_ACS_LOGOUT, NULL));
}

FIXTURE_TEARDOWN(mx)
{
	if (self->fd >= 0)
		close(self->fd);
	ku_world_unload(&self->nl);
	nlraw_close(&self->nl);
	np_close(&self->c);
	free(self->before);
	free(self->b);
}

/* The state as a user sees it (statedigest.h). */
static unsigned char *digest(struct __test_metadata *_metadata,
			     FIXTURE_DATA(mx) *self, size_t *len)
{
	unsigned char *d = sd_digest(&self->c, self->fd, len);

	EXPECT_NE(NULL, d) TH_LOG("state digest: %s", strerror(errno));
	if (!d)
		*len = 0;
	return d;
}

static void snapshot(struct __test_metadata *_metadata, FIXTURE_DATA(mx) *self)
{
	free(self->before);
	self->before = digest(_metadata, self, &self->before_len);
}

static void same_state(struct __test_metadata *_metadata,
		       FIXTURE_DATA(mx) *self)
{
	unsigned char *now, sig[128], msg[32] = { 1 };
	struct khsm_ioc_op op;
	size_t len, i;

	now = digest(_metadata, self, &len);
	i = sd_differs(self->before, self->before_len, now, len);
	EXPECT_EQ(SD_SAME, i) TH_LOG("state digest differs at byte %zu after %s",
				     i, self->cur);
	free(now);
	ku_op_init(&op, self->handle, KHSM_OP_SIGN,
		   KHSM_MECH_ECDSA_P256_SHA256);
	ku_op_io(&op, msg, sizeof(msg), sig, sizeof(sig));
	EXPECT_EQ(0, ku_op(self->fd, &op)) TH_LOG("sign after %s", self->cur);
}

/*
 * One request and its verdict. @want is the errno, or BY_HANDLER: then
 * any documented refusal (or, for a query, success) will do, and it is
 * logged so the documentation can say what happens.
 */
static void check(struct __test_metadata *_metadata, FIXTURE_DATA(mx) *self,
		  int cmd, const char *what, int want, uint16_t reserved,
		  uint16_t extra_flags)
{
	int err = np_request(&self->c, cmd, cmd_nlflags(&self->f, cmd) |
			     extra_flags, reserved, self->b->b, self->b->off);
	bool ack = self->c.msg[0] || self->c.miss_type >= 0;

	self->cases++;
	if (err >= 0 && err < 256)
		self->refused_by[err]++;
	if (want == BY_HANDLER) {
		self->handler_cases++;
		TH_LOG("cmd %d %s %s: %s (%s)", cmd, self->cur, what,
		       err ? strerror(err) : "accepted", self->c.msg);
		if (!err && is_query(cmd))
			return;
		EXPECT_TRUE(err > 0 && documented(err))
			TH_LOG("cmd %d %s %s: errno %d", cmd, self->cur, what,
			       err);
	} else {
		EXPECT_EQ(want, err) TH_LOG("cmd %d %s %s: got %d (%s)", cmd,
					    self->cur, what, err, self->c.msg);
	}
	if (err > 0)
		EXPECT_TRUE(ack) TH_LOG("cmd %d %s %s: errno %d without an extended ack",
					cmd, self->cur, what, err);
}

static void open_path(struct np_buf *b, const struct path *p)
{
	int i;

	for (i = 0; i < p->n; i++) {
		np_nest(b, p->e[i].type | NLA_F_NESTED);
		if (p->e[i].array)
			np_nest(b, 1 | NLA_F_NESTED);
	}
}

static void close_path(struct np_buf *b, const struct path *p)
{
	int i;

	for (i = 0; i < p->n; i++) {
		np_end(b);
		if (p->e[i].array)
			np_end(b);
	}
}

/* Room for one attribute's payload inside the nests of @p. */
static size_t room(const struct path *p)
{
	size_t r = 0xffff - NLA_HDRLEN;
	int i;

	for (i = 0; i < p->n; i++)
		r -= NLA_HDRLEN * (p->e[i].array ? 2 : 1);
	return r & ~3UL;	/* no padding to push a nest past 64 KiB */
}

/* A value the policy accepts. */
static void put_valid(struct np_buf *b, uint16_t t, const struct np_attr *a)
{
	unsigned char v[64] = { 0 };
	int w = int_width(a->type);

	if (w) {
		uint64_t u = a->has_u ? a->min_u : 0;
		int64_t s = a->has_s ? a->min_s : 0;

		if (a->type >= NL_ATTR_TYPE_S8 && a->type <= NL_ATTR_TYPE_S64)
			memcpy(v, &s, 8);
		else
			memcpy(v, &u, 8);
		np_put(b, t, v, w);	/* little-endian: the low bytes */
		return;
	}
	switch (a->type) {
	case NL_ATTR_TYPE_FLAG:
		np_put(b, t, NULL, 0);
		break;
	case NL_ATTR_TYPE_NUL_STRING:
		np_put(b, t, "x", 2);
		break;
	case NL_ATTR_TYPE_BINARY:
		np_put_fill(b, t, 0x11, a->has_min_len ? a->min_len : 1);
		break;
	case NL_ATTR_TYPE_BITFIELD32:
		np_put(b, t, v, 8);
		break;
	default:	/* nests: empty */
		np_put(b, t | NLA_F_NESTED, NULL, 0);
	}
}

/* One past the longest the policy accepts; returns the errno expected. */
static int put_long(struct np_buf *b, uint16_t t, const struct np_attr *a)
{
	static unsigned char big[70000];
	int w = int_width(a->type);

	if (w) {
		np_put(b, t, big, w + 1);
		return EINVAL;
	}
	switch (a->type) {
	case NL_ATTR_TYPE_FLAG:
		np_put(b, t, big, 1);
		return ERANGE;
	case NL_ATTR_TYPE_NUL_STRING:
		memset(big, 'a', a->max_len + 1);
		big[a->max_len + 1] = 0;
		np_put(b, t, big, a->max_len + 2);
		memset(big, 0, a->max_len + 2);
		return EINVAL;	/* no NUL within max + 1 bytes */
	case NL_ATTR_TYPE_BINARY:
		np_put_fill(b, t, 0x5a, a->max_len + 1);
		return ERANGE;
	default:	/* a nest with bytes left over after its attributes */
		np_put(b, t | NLA_F_NESTED, "\0\0\0\0\1\2\3\4", 8);
		return a->type == NL_ATTR_TYPE_NESTED ? EINVAL : BY_HANDLER;
	}
}

/*
 * The matrix for attribute @t of policy @pi, reached through @p, in
 * requests of @cmd. Recurses into nested policies.
 */
static void attr_cases(struct __test_metadata *_metadata,
		       FIXTURE_DATA(mx) *self, int cmd, int pi,
		       const struct path *p, uint16_t t)
{
	const struct np_attr *a = &self->f.pol[pi].a[t];
	struct np_buf *b = self->b;
	int w = int_width(a->type), want, i;
	size_t big = room(p);

	snprintf(self->cur, sizeof(self->cur), "policy %d attr %u (%s, depth %d)",
		 pi, t, tname(a->type), p->n);
#define CASE(_what, _want, _build) do {					\
		np_reset(b); open_path(b, p); _build; close_path(b, p);	\
		check(_metadata, self, cmd, _what, _want, 0, 0);	\
	} while (0)

	/* empty */
	if (a->type != NL_ATTR_TYPE_FLAG) {
		if (w || a->type == NL_ATTR_TYPE_NUL_STRING)
			want = EINVAL;
		else if (a->type == NL_ATTR_TYPE_BINARY)
			want = a->has_min_len && a->min_len ? ERANGE : BY_HANDLER;
		else
			want = BY_HANDLER;
		CASE("empty", want, np_put(b, t | (is_nest(a->type) ?
					     NLA_F_NESTED : 0), NULL, 0));
	}
	/* one short */
	if (w)
		CASE("one short", EINVAL, np_put_fill(b, t, 0, w - 1));
	else if (a->type == NL_ATTR_TYPE_NUL_STRING)
		CASE("one short (no NUL)", EINVAL,
		     np_put_fill(b, t, 'a', a->max_len));
	else if (a->type == NL_ATTR_TYPE_BINARY && a->has_min_len && a->min_len)
		CASE("one short", ERANGE, np_put_fill(b, t, 0x5a, a->min_len - 1));
	else if (a->type == NL_ATTR_TYPE_BINARY && a->max_len > 1)
		CASE("one short of the maximum", BY_HANDLER,
		     np_put_fill(b, t, 0xa5, a->max_len - 1));
	else if (is_nest(a->type))
		CASE("shorter than an attribute header", ERANGE,
		     np_put(b, t | NLA_F_NESTED, "\1\2\3", 3));
	/* one long with its NUL early: the length rule, not the NUL rule */
	if (a->type == NL_ATTR_TYPE_NUL_STRING)
		CASE("one long, NUL inside", ERANGE, {
			size_t at = b->off + NLA_HDRLEN;

			np_put_fill(b, t, 'a', a->max_len + 2);
			b->b[at + 1] = 0;
		});
	/* one long */
	np_reset(b); open_path(b, p); want = put_long(b, t, a); close_path(b, p);
	check(_metadata, self, cmd, "one long", want, 0, 0);
	/* the largest attribute the message can carry (64 KiB) */
	if (w || a->type == NL_ATTR_TYPE_NUL_STRING)
		want = EINVAL;
	else if (a->type == NL_ATTR_TYPE_FLAG || a->type == NL_ATTR_TYPE_BINARY)
		want = ERANGE;
	else
		want = a->type == NL_ATTR_TYPE_NESTED ? EINVAL : BY_HANDLER;
	CASE("64 KiB", want, np_put_fill(b, t | (is_nest(a->type) ?
				      NLA_F_NESTED : 0), 'a', big));
	/* wrong type: a nest where a value belongs, a value where a nest */
	if (!is_nest(a->type)) {
		CASE("marked nested", EINVAL, {
			size_t at = b->off;

			put_valid(b, t, a);
			((struct nlattr *)(b->b + at))->nla_type |= NLA_F_NESTED;
		});
	} else {
		CASE("a string for a nest",
		     a->type == NL_ATTR_TYPE_NESTED ? EINVAL : BY_HANDLER,
		     np_put(b, t | NLA_F_NESTED, "abcdefg", 8));
		CASE("missing NLA_F_NESTED", EINVAL, np_put(b, t, NULL, 0));
		/* deep nesting: 32 levels of nests inside */
		CASE("32 levels deep", EINVAL, {
			for (i = 0; i < 32; i++)
				np_nest(b, (i ? 1 : t) | NLA_F_NESTED);
			for (i = 0; i < 32; i++)
				np_end(b);
		});
	}
	/* duplicates: every copy is checked, not only the one kept */
	np_reset(b); open_path(b, p); put_valid(b, t, a); want = put_long(b, t, a);
	close_path(b, p);
	check(_metadata, self, cmd, "duplicate, the second bad", want, 0, 0);
	np_reset(b); open_path(b, p); want = put_long(b, t, a); put_valid(b, t, a);
	close_path(b, p);
	check(_metadata, self, cmd, "duplicate, the first bad", want, 0, 0);
	/* values outside the range or mask */
	if (w && a->has_u && a->min_u > 0) {
		uint64_t v = a->min_u - 1;

		CASE("below the minimum", ERANGE, np_put(b, t, &v, w));
	}
	if (w && a->has_u && w < 8 && a->max_u < (1ULL << (8 * w)) - 1) {
		uint64_t v = a->max_u + 1;

		CASE("above the maximum", ERANGE, np_put(b, t, &v, w));
	}
	if (w && a->has_mask && ~a->mask & ((1ULL << (8 * w)) - 1)) {
		uint64_t v = ~a->mask & ((1ULL << (8 * w)) - 1);

		CASE("bits outside the mask", EINVAL, np_put(b, t, &v, w));
	}
#undef CASE
	if (is_nest(a->type) && a->nested >= 0 && p->n < 6) {
		struct path q = *p;
		const struct np_policy *np = &self->f.pol[a->nested];
		uint32_t u;

		q.e[q.n].type = t;
		q.e[q.n].array = a->type == NL_ATTR_TYPE_NESTED_ARRAY;
		q.n++;
		/* unknown and unlisted types inside the nest */
		for (u = 0; u <= a->nested_maxtype + 1 && u < NP_MAX_ATTR; u++) {
			uint32_t zero = 0;

			if (u && u <= a->nested_maxtype && np->a[u].present)
				continue;
			snprintf(self->cur, sizeof(self->cur),
				 "policy %d type %u (not in the policy)",
				 a->nested, u);
			np_reset(b);
			open_path(b, &q);
			np_put(b, u, &zero, 4);
			close_path(b, &q);
			check(_metadata, self, cmd, "unknown", EINVAL, 0, 0);
		}
		for (u = 1; u <= np->maxtype; u++)
			if (np->a[u].present)
				attr_cases(_metadata, self, cmd, a->nested, &q, u);
	}
}

/* Malformed messages: the headers, the attribute stream, unknown types. */
static void header_cases(struct __test_metadata *_metadata,
			 FIXTURE_DATA(mx) *self, int cmd)
{
	const struct np_policy *pol;
	struct np_buf *b = self->b;
	int pi = cmd_policy(&self->f, cmd);
	uint32_t t, zero = 0;

	snprintf(self->cur, sizeof(self->cur), "(headers)");
	np_reset(b);
	check(_metadata, self, cmd, "reserved genl field", EINVAL, 1, 0);
	check(_metadata, self, cmd, "reserved nlmsg flag", EINVAL, 0,
	      NLM_F_APPEND);
	np_raw(b, "\1\2\3", 3);
	check(_metadata, self, cmd, "trailing garbage", EINVAL, 0, 0);
	np_reset(b);
	np_raw(b, &(struct nlattr){ .nla_len = 200, .nla_type = 1 }, 4);
	np_raw(b, &zero, 4);
	check(_metadata, self, cmd, "attribute longer than the message",
	      EINVAL, 0, 0);
	/* every type the policy does not list, 0 and one past the maximum */
	pol = pi >= 0 ? &self->f.pol[pi] : NULL;
	for (t = 0; t <= self->f.maxattr + 1; t++) {
		if (pol && t && t < NP_MAX_ATTR && pol->a[t].present)
			continue;
		snprintf(self->cur, sizeof(self->cur), "type %u (not in the policy)", t);
		np_reset(b);
		np_put(b, t, &zero, 4);
		check(_metadata, self, cmd, "unknown", EINVAL, 0, 0);
	}
	snprintf(self->cur, sizeof(self->cur), "type 0x3fff");
	np_reset(b);
	np_put(b, 0x3fff, &zero, 4);
	check(_metadata, self, cmd, "unknown", EINVAL, 0, 0);
}

/* The genl header cut short: EINVAL from the core, which has no message. */
static void truncated_genl(struct __test_metadata *_metadata,
			   FIXTURE_DATA(mx) *self, int cmd)
{
	unsigned char m[NLMSG_HDRLEN + 4] = { 0 };
	struct nlmsghdr *nlh = (struct nlmsghdr *)m;
	int err;

	nlh->nlmsg_len = NLMSG_HDRLEN + 2;
	nlh->nlmsg_type = self->f.id;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++self->c.seq;
	m[NLMSG_HDRLEN] = cmd;
	m[NLMSG_HDRLEN + 1] = 1;
	err = np_xfer(&self->c, m, NLMSG_HDRLEN + 2, self->c.seq);
	EXPECT_EQ(EINVAL, err) TH_LOG("cmd %d: truncated genl header: %d",
				     cmd, err);
	self->cases++;
}

TEST_F_TIMEOUT(mx, every_command_every_attribute, 600)
{
	struct path top = { 0 };
	int cmd, pi, e;
	uint32_t t;

	snapshot(_metadata, self);
	for (cmd = 1; cmd < NP_MAX_CMD; cmd++) {
		if (!self->f.cmd[cmd].present)
			continue;
		header_cases(_metadata, self, cmd);
		truncated_genl(_metadata, self, cmd);
		pi = cmd_policy(&self->f, cmd);
		if (pi >= 0 && self->f.pol[pi].present)
			for (t = 1; t <= self->f.pol[pi].maxtype; t++)
				if (self->f.pol[pi].a[t].present)
					attr_cases(_metadata, self, cmd, pi,
						   &top, t);
		snprintf(self->cur, sizeof(self->cur), "command %d", cmd);
		same_state(_metadata, self);
	}
	TH_LOG("%d cases, %d decided by a handler", self->cases,
	       self->handler_cases);
	for (e = 0; e < 256; e++)
		if (self->refused_by[e])
			TH_LOG("  %s: %d", e ? strerror(e) : "accepted",
			       self->refused_by[e]);
	EXPECT_LT(500, self->cases);
}

/* A card set the policy and the handler accept (a 1-of-1 softcard). */
static void put_softcard_set(struct np_buf *b)
{
	uint8_t v;

	np_nest(b, KHSM_A_CARDSET | NLA_F_NESTED);
	v = KHSM_SET_SOFTCARD;
	np_put(b, KHSM_A_CARDSET_TYPE, &v, 1);
	np_put(b, KHSM_A_CARDSET_NAME, "mx-set", 7);
	v = 1;
	np_put(b, KHSM_A_CARDSET_K, &v, 1);
	np_put(b, KHSM_A_CARDSET_N, &v, 1);
	np_end(b);
}

static void put_one_card(struct np_buf *b)
{
	static const uint8_t salt[KHSM_PP_SALT_LEN] = { 9 };
	uint8_t key[KHSM_PP_KEY_LEN], idx = 1;
	uint32_t iter = 1000;

	memset(key, 3, sizeof(key));
	np_nest(b, KHSM_A_CARD_ENTRY | NLA_F_NESTED);
	np_put(b, KHSM_A_CARD_INDEX, &idx, 1);
	np_put(b, KHSM_A_CARD_NAME, "mx-card", 8);
	np_put(b, KHSM_A_CARD_PP_SALT, salt, sizeof(salt));
	np_put(b, KHSM_A_CARD_PP_KEY, key, sizeof(key));
	np_put(b, KHSM_A_CARD_PBKDF2_ITER, &iter, 4);
	np_end(b);
}

/*
 * The core does not look past the last entry of a nested array: bytes
 * left over after the card entries are the module's to refuse, in a
 * request that is otherwise good (the same request without them works).
 */
TEST_F(mx, card_array_trailing_bytes)
{
	static const uint8_t junk[8] = { 0, 0, 0, 0, 1, 2, 3, 4 };
	struct np_buf *b = self->b;
	int err;

	np_reset(b);
	put_softcard_set(b);
	np_nest(b, KHSM_A_CARDS | NLA_F_NESTED);
	put_one_card(b);
	np_raw(b, junk, sizeof(junk));
	np_end(b);
	err = np_request(&self->c, KHSM_CMD_CARDSET_CREATE, 0, 0, b->b, b->off);
	EXPECT_EQ(EINVAL, err) TH_LOG("trailing bytes: %d (%s)", err,
				      self->c.msg);
	EXPECT_NE(0, self->c.msg[0]);
	np_reset(b);
	put_softcard_set(b);
	np_nest(b, KHSM_A_CARDS | NLA_F_NESTED);
	put_one_card(b);
	np_end(b);
	err = np_request(&self->c, KHSM_CMD_CARDSET_CREATE, 0, 0, b->b, b->off);
	EXPECT_EQ(0, err) TH_LOG("without them: %d (%s)", err, self->c.msg);
}

/*
 * Content the policy lets through reaches the command's own checks: card
 * images that are empty, garbage, cut short or altered are EBADMSG; a
 * secret of the wrong size is EINVAL. Nothing changes.
 */
TEST_F(mx, content_past_the_policy)
{
	unsigned char img[KU_FILE_MAX];
	struct ku_files bad = self->sc;
	struct ku_keyspec s;
	struct ku_blob out;
	static const unsigned char short_secret[15];
	size_t i;
	struct {
		const char *what;
		size_t len;
	} cases[] = {
		{ "empty card image", 0 },
		{ "garbage card image", KU_FILE_MAX - 1 },
		{ "card image one byte short", self->sc.card_len - 1 },
		{ "card image with a bit flipped", self->sc.card_len },
	};

	snapshot(_metadata, self);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(img, 0xa5, sizeof(img));
		if (i >= 2)
			memcpy(img, self->sc.card, self->sc.card_len);
		if (i == 3)
			img[1] ^= 0x10;	/* its magic */
		memcpy(bad.card, img, cases[i].len);
		bad.card_len = cases[i].len;
		EXPECT_EQ(EBADMSG, ku_card_insert(&self->nl, 3, &bad, 5, NULL))
			TH_LOG("%s: %s", cases[i].what, self->nl.extack);
		EXPECT_NE(0, self->nl.extack[0]);
	}
	s = ku_spec(KHSM_KEY_AES, BIT(KHSM_OP_ENCRYPT), BIT(KHSM_MECH_AES_GCM), 0);
	s.secret = short_secret;
	s.secret_len = sizeof(short_secret);
	s.has_secret = 1;
	EXPECT_EQ(EINVAL, ku_key_import(&self->nl, &s, &out))
		TH_LOG("15-byte AES secret: %s", self->nl.extack);
	EXPECT_NE(0, self->nl.extack[0]);
	snprintf(self->cur, sizeof(self->cur), "content past the policy");
	same_state(_metadata, self);
}

/* Each required attribute left out: EINVAL naming it. */
TEST_F(mx, missing_required_attribute)
{
	size_t i;
	int j, k;

	snapshot(_metadata, self);
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		int cmd = required[i].cmd, pi = cmd_policy(&self->f, cmd);

		for (j = 0; j < 2 && required[i].req[j]; j++) {
			/* all the others present and valid, this one not */
			np_reset(self->b);
			for (k = 0; k < 2 && required[i].req[k]; k++) {
				uint16_t t = required[i].req[k];

				if (k == j)
					continue;
				if (t == KHSM_A_CARDSET)
					put_softcard_set(self->b);
				else
					put_valid(self->b, t,
						  &self->f.pol[pi].a[t]);
			}
			snprintf(self->cur, sizeof(self->cur), "without attr %u",
				 required[i].req[j]);
			check(_metadata, self, cmd, "missing",
			      required[i].err ?: EINVAL, 0, 0);
			if (!required[i].err)
				EXPECT_EQ(required[i].req[j], self->c.miss_type)
				TH_LOG("cmd %d: missing type %d reported as %d",
				       cmd, required[i].req[j],
				       self->c.miss_type);
		}
	}
	snprintf(self->cur, sizeof(self->cur), "the missing cases");
	same_state(_metadata, self);
}

/* Reserved fields of a struct carried in an attribute: EINVAL. */
TEST_F(mx, acl_reserved_fields)
{
	struct ku_keyspec s = ku_spec(KHSM_KEY_AES, BIT(KHSM_OP_ENCRYPT),
				      BIT(KHSM_MECH_AES_GCM), 0);
	struct ku_blob out;

	snapshot(_metadata, self);
	s.acl.__reserved0 = 1;
	EXPECT_EQ(EINVAL, ku_key_generate(&self->nl, &s, &out));
	EXPECT_NE(0, self->nl.extack[0]);
	s.acl.__reserved0 = 0;
	s.acl.__reserved[15] = 0x80;
	EXPECT_EQ(EINVAL, ku_key_generate(&self->nl, &s, &out));
	EXPECT_NE(0, self->nl.extack[0]);
	s.acl.__reserved[15] = 0;
	EXPECT_EQ(0, ku_key_generate(&self->nl, &s, &out))
		TH_LOG("the same request with zero reserved fields: %s",
		       self->nl.extack);
	snprintf(self->cur, sizeof(self->cur), "ACL reserved fields");
	same_state(_metadata, self);
}

/*
 * An nlmsghdr cut short, or claiming more than was sent: the core drops
 * the message without an answer (netlink_rcv_skb), and the socket goes on
 * working.
 */
TEST_F(mx, truncated_netlink_header)
{
	struct nlmsghdr nlh = {
		.nlmsg_len = 8, .nlmsg_type = self->f.id,
		.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
	};
	unsigned char m[NLMSG_HDRLEN + GENL_HDRLEN] = { 0 };

	snapshot(_metadata, self);
	nlh.nlmsg_seq = ++self->c.seq;
	EXPECT_EQ(-ETIMEDOUT, np_xfer(&self->c, &nlh, 8, self->c.seq));
	nlh.nlmsg_len = 100;
	nlh.nlmsg_seq = ++self->c.seq;
	memcpy(m, &nlh, sizeof(nlh));
	m[NLMSG_HDRLEN] = KHSM_CMD_CLEAR;
	EXPECT_EQ(-ETIMEDOUT, np_xfer(&self->c, m, sizeof(m), self->c.seq));
	snprintf(self->cur, sizeof(self->cur), "truncated nlmsghdr");
	same_state(_metadata, self);
}

TEST_HARNESS_MAIN
