// SPDX-License-Identifier: GPL-2.0
/*
 * The Security World through the raw control channel: creation with its
 * invariants and recommendations, loading from cards and from a host
 * binding key, quorums, passphrase delays, ACS authorisation, replacement,
 * and every refusal leaving the loaded state as it was. Runs as root in the
 * guest with khsm.ko loaded and no world.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/genetlink.h>
#include <linux/keyctl.h>
#include <linux/khsm.h>

#include "kselftest_harness.h"
#include "keyutil.h"
#include "nlraw.h"

#define MAXFILE 4096

struct card {
	unsigned char data[MAXFILE];
	size_t len;
};

struct made {
	unsigned char world[MAXFILE];
	size_t world_len;
	struct card cards[KHSM_MAX_CARDS];
	unsigned int ncards;
	unsigned int warnings;
	unsigned char world_id[KHSM_WORLD_ID_LEN];
};

/* World options for a request; 0 fields are left out. */
struct opts {
	__u8 k, n, lw, kr, pr, no_kr, strict;
	__u32 retry_base_ms, retry_max_ms, lockout, nso_timeout;
};

struct buf {
	unsigned char b[65536];
	size_t off;
};

static void put(struct buf *b, __u16 type, const void *d, size_t len)
{
	nlraw_put(b->b, sizeof(b->b), &b->off, type, d, len);
}

static void put_u8(struct buf *b, __u16 type, __u8 v) { put(b, type, &v, 1); }
static void put_u32(struct buf *b, __u16 type, __u32 v) { put(b, type, &v, 4); }

static struct nlattr *nest_start(struct buf *b, __u16 type)
{
	struct nlattr *nla = (void *)(b->b + b->off);

	put(b, type | NLA_F_NESTED, NULL, 0);
	return nla;
}

static void nest_end(struct buf *b, struct nlattr *nla)
{
	nla->nla_len = (unsigned char *)b->b + b->off - (unsigned char *)nla;
}

static void put_opts(struct buf *b, const struct opts *o)
{
	struct nlattr *n = nest_start(b, KHSM_A_WORLD_OPTS);

	if (o->k) put_u8(b, KHSM_A_OPT_ACS_K, o->k);
	if (o->n) put_u8(b, KHSM_A_OPT_ACS_N, o->n);
	if (o->lw) put_u8(b, KHSM_A_OPT_LOAD_QUORUM, o->lw);
	if (o->no_kr) put_u8(b, KHSM_A_OPT_KEY_RECOVERY, 0);
	if (o->kr) put_u8(b, KHSM_A_OPT_KR_QUORUM, o->kr);
	if (o->pr) {
		put_u8(b, KHSM_A_OPT_PP_RECOVERY, 1);
		put_u8(b, KHSM_A_OPT_PR_QUORUM, o->pr);
	}
	if (o->strict) put_u8(b, KHSM_A_OPT_STRICT, 1);
	if (o->retry_base_ms) put_u32(b, KHSM_A_OPT_RETRY_BASE_MS, o->retry_base_ms);
	if (o->retry_max_ms) put_u32(b, KHSM_A_OPT_RETRY_MAX_MS, o->retry_max_ms);
	if (o->lockout) put_u32(b, KHSM_A_OPT_LOCKOUT, o->lockout);
	if (o->nso_timeout) put_u32(b, KHSM_A_OPT_NSO_TIMEOUT, o->nso_timeout);
	nest_end(b, n);
}

/* Cards 1..n; card i has passphrase key pp[i-1] when pp is given. */
static void put_cards(struct buf *b, unsigned int n, const __u8 *pp,
		      unsigned int dup_index)
{
	static const __u8 salt[KHSM_PP_SALT_LEN] = { 1, 2, 3 };
	struct nlattr *arr = nest_start(b, KHSM_A_CARDS), *e;
	unsigned int i;
	char name[32];
	__u8 key[KHSM_PP_KEY_LEN];

	for (i = 1; i <= n; i++) {
		e = nest_start(b, KHSM_A_CARD_ENTRY);
		put_u8(b, KHSM_A_CARD_INDEX, dup_index && i == n ? dup_index : i);
		snprintf(name, sizeof(name), "card-%u", i);
		put(b, KHSM_A_CARD_NAME, name, strlen(name) + 1);
		if (pp) {
			memset(key, pp[i - 1], sizeof(key));
			put(b, KHSM_A_CARD_PP_SALT, salt, sizeof(salt));
			put(b, KHSM_A_CARD_PP_KEY, key, sizeof(key));
			put_u32(b, KHSM_A_CARD_PBKDF2_ITER, 1000);
		}
		nest_end(b, e);
	}
	nest_end(b, arr);
}


/* Card files out of a KHSM_A_CARDS nest, by index. */
static void parse_cards(const struct nlattr *arr, struct made *m)
{
	size_t pos = 0, ipos;
	const struct nlattr *e, *a;
	unsigned int index = 0;

	while ((e = ku_next_attr(KU_PAYLOAD(arr), KU_PLEN(arr), &pos))) {
		ipos = 0;
		while ((a = ku_next_attr(KU_PAYLOAD(e), KU_PLEN(e), &ipos))) {
			if (a->nla_type == KHSM_A_CARD_INDEX)
				index = *KU_PAYLOAD(a);
			if (a->nla_type == KHSM_A_CARD_FILE && index &&
			    KU_PLEN(a) <= MAXFILE) {
				memcpy(m->cards[index - 1].data, KU_PAYLOAD(a),
				       KU_PLEN(a));
				m->cards[index - 1].len = KU_PLEN(a);
				m->ncards++;
			}
		}
	}
}

static void parse_made(const struct nlraw *nl, struct made *m)
{
	size_t pos = NLMSG_HDRLEN + GENL_HDRLEN;
	const struct nlattr *a;

	memset(m, 0, sizeof(*m));
	while ((a = ku_next_attr(nl->reply, nl->reply_len, &pos))) {
		switch (a->nla_type & NLA_TYPE_MASK) {
		case KHSM_A_WORLD_FILE:
			memcpy(m->world, KU_PAYLOAD(a), KU_PLEN(a));
			m->world_len = KU_PLEN(a);
			break;
		case KHSM_A_WORLD_ID:
			memcpy(m->world_id, KU_PAYLOAD(a), KHSM_WORLD_ID_LEN);
			break;
		case KHSM_A_CARDS:
			parse_cards(a, m);
			break;
		case KHSM_A_WARNING:
			m->warnings++;
			break;
		}
	}
}

static int request(struct nlraw *nl, __u8 cmd, const struct buf *b)
{
	return nlraw_request(nl, cmd, KHSM_GENL_VERSION, 0, b ? b->b : NULL,
			     b ? b->off : 0);
}

static int world_new(struct nlraw *nl, const struct opts *o, const __u8 *pp,
		     const char *bind_desc, struct made *m)
{
	struct buf *b = calloc(1, sizeof(*b));
	int err;

	put_opts(b, o);
	put_cards(b, o->n ?: 1, pp, 0);
	if (bind_desc) {
		put(b, KHSM_A_BIND_KEY_TYPE, "logon", 6);
		put(b, KHSM_A_BIND_KEY_DESC, bind_desc, strlen(bind_desc) + 1);
	}
	err = request(nl, KHSM_CMD_WORLD_NEW, b);
	if (!err && m)
		parse_made(nl, m);
	free(b);
	return err;
}

static int world_load(struct nlraw *nl, const void *file, size_t len,
		      const char *bind_desc)
{
	struct buf *b = calloc(1, sizeof(*b));
	int err;

	put(b, KHSM_A_WORLD_FILE, file, len);
	if (bind_desc) {
		put(b, KHSM_A_BIND_KEY_TYPE, "logon", 6);
		put(b, KHSM_A_BIND_KEY_DESC, bind_desc, strlen(bind_desc) + 1);
	}
	err = request(nl, KHSM_CMD_WORLD_LOAD, b);
	free(b);
	return err;
}

static int insert(struct nlraw *nl, __u8 slot, const struct card *c, int pp)
{
	struct buf *b = calloc(1, sizeof(*b));
	__u8 key[KHSM_PP_KEY_LEN];
	int err;

	put_u8(b, KHSM_A_SLOT, slot);
	put(b, KHSM_A_CARD_IMAGE, c->data, c->len);
	if (pp >= 0) {
		memset(key, pp, sizeof(key));
		put(b, KHSM_A_PP_KEY, key, sizeof(key));
	}
	err = request(nl, KHSM_CMD_CARD_INSERT, b);
	free(b);
	return err;
}

static int slot_remove(struct nlraw *nl, __u8 slot)
{
	struct buf b = { .off = 0 };

	put_u8(&b, KHSM_A_SLOT, slot);
	return request(nl, KHSM_CMD_CARD_REMOVE, &b);
}

static __u32 world_state(struct nlraw *nl)
{
	return ku_info_u32(nl, KHSM_A_INFO_WORLD_STATE);
}

static int policy_set_nso(struct nlraw *nl, __u32 timeout)
{
	struct buf b = { .off = 0 };
	struct opts o = { .nso_timeout = timeout };

	put_opts(&b, &o);
	return request(nl, KHSM_CMD_POLICY_SET, &b);
}

static void unload_any(struct nlraw *nl)
{
	request(nl, KHSM_CMD_WORLD_UNLOAD, NULL);
}

static void msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

FIXTURE(world) {
	struct nlraw nl;
	struct made m;
};

FIXTURE_SETUP(world)
{
	ASSERT_EQ(0, nlraw_open(&self->nl, KHSM_GENL_NAME));
	unload_any(&self->nl);
}

FIXTURE_TEARDOWN(world)
{
	unload_any(&self->nl);
	nlraw_close(&self->nl);
}

TEST_F(world, create_reports_and_refuses_a_second)
{
	struct opts o = { .k = 2, .n = 3, .lw = 1, .kr = 2 };

	ASSERT_EQ(0, world_new(&self->nl, &o, NULL, NULL, &self->m))
		TH_LOG("%s", self->nl.extack);
	EXPECT_EQ(3, self->m.ncards);
	EXPECT_LT(sizeof(struct khsm_world_hdr), self->m.world_len);
	EXPECT_EQ(KHSM_WORLD_OPERATIONAL, world_state(&self->nl));
	EXPECT_EQ(2, ku_info_u32(&self->nl, KHSM_A_INFO_GENERATION) + 1);
	/* A new world authorises nothing by itself. */
	EXPECT_EQ(0, ku_info_u32(&self->nl, KHSM_A_INFO_ACS_AUTH));
	EXPECT_EQ(EEXIST, world_new(&self->nl, &o, NULL, NULL, NULL));
}

TEST_F(world, hard_invariants_refused)
{
	const struct opts bad[] = {
		{ .k = 3, .n = 2 },		/* K > N */
		{ .k = 5, .n = 3, .lw = 2 },	/* K > N, quorum below */
		{ .k = 2, .n = 3, .lw = 4 },	/* quorum above N */
		{ .k = 2, .n = 3, .no_kr = 1, .kr = 2 }, /* quorum, disabled */
		{ .k = 2, .n = 3, .retry_base_ms = 500, .retry_max_ms = 100 },
	};
	size_t i;

	/* Out of the policy's range: the core says ERANGE. */
	const struct opts range = { .k = 1, .n = 65 };

	EXPECT_EQ(ERANGE, world_new(&self->nl, &range, NULL, NULL, NULL));
	EXPECT_NE(0, self->nl.extack[0]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(EINVAL, world_new(&self->nl, &bad[i], NULL, NULL, NULL))
			TH_LOG("case %zu", i);
		EXPECT_NE(0, self->nl.extack[0]);
		TH_LOG("case %zu: %s", i, self->nl.extack);
		EXPECT_EQ(KHSM_WORLD_UNINITIALISED, world_state(&self->nl));
	}
}

TEST_F(world, card_list_must_match_n)
{
	struct buf *b = calloc(1, sizeof(*b));
	struct opts o = { .k = 2, .n = 3 };

	put_opts(b, &o);
	put_cards(b, 2, NULL, 0);
	EXPECT_EQ(EINVAL, request(&self->nl, KHSM_CMD_WORLD_NEW, b));
	b->off = 0;
	put_opts(b, &o);
	put_cards(b, 3, NULL, 1);	/* index 1 twice */
	EXPECT_EQ(EINVAL, request(&self->nl, KHSM_CMD_WORLD_NEW, b));
	TH_LOG("%s", self->nl.extack);
	EXPECT_EQ(KHSM_WORLD_UNINITIALISED, world_state(&self->nl));
	free(b);
}

TEST_F(world, recommendations_warn_and_strict_refuses)
{
	struct opts loose = { .k = 1, .n = 3 };	/* N >= 2K, LW = K, KR = 1 */
	struct opts strict = loose;
	struct opts good = { .k = 3, .n = 5, .lw = 2, .kr = 2 };

	strict.strict = 1;
	EXPECT_EQ(EINVAL, world_new(&self->nl, &strict, NULL, NULL, NULL));
	TH_LOG("strict: %s", self->nl.extack);
	ASSERT_EQ(0, world_new(&self->nl, &loose, NULL, NULL, &self->m));
	EXPECT_EQ(3, self->m.warnings);
	unload_any(&self->nl);
	ASSERT_EQ(0, world_new(&self->nl, &good, NULL, NULL, &self->m));
	EXPECT_EQ(0, self->m.warnings);
}

/* Load from cards: the load-world quorum, smaller than the ACS quorum. */
TEST_F(world, load_with_load_world_quorum)
{
	struct opts o = { .k = 3, .n = 5, .lw = 2, .kr = 2 };
	struct made *m = &self->m;
	__u32 remaining;

	ASSERT_EQ(0, world_new(&self->nl, &o, NULL, NULL, m));
	unload_any(&self->nl);
	ASSERT_EQ(0, world_load(&self->nl, m->world, m->world_len, NULL));
	EXPECT_EQ(KHSM_WORLD_LOADING, world_state(&self->nl));
	EXPECT_EQ(0, insert(&self->nl, 0, &m->cards[3], -1));
	EXPECT_EQ(KHSM_WORLD_LOADING, world_state(&self->nl));
	EXPECT_EQ(0, slot_remove(&self->nl, 0));
	/* The same card again counts once; removing it undid nothing. */
	EXPECT_EQ(EEXIST, insert(&self->nl, 0, &m->cards[3], -1));
	EXPECT_EQ(0, insert(&self->nl, 1, &m->cards[0], -1));
	EXPECT_EQ(KHSM_WORLD_OPERATIONAL, world_state(&self->nl));
	/* Two cards load the world but do not authorise the officer. */
	EXPECT_EQ(EACCES, policy_set_nso(&self->nl, 300));
	TH_LOG("%s", self->nl.extack);
	EXPECT_EQ(0, insert(&self->nl, 2, &m->cards[4], -1));
	EXPECT_EQ(0, policy_set_nso(&self->nl, 300));
	/* The authorisation keeps the timeout it was granted with (600 s). */
	remaining = ku_info_u32(&self->nl, KHSM_A_INFO_ACS_AUTH_REMAINING);
	EXPECT_GE(600000, remaining);
	EXPECT_LT(590000, remaining);
	EXPECT_EQ(0, request(&self->nl, KHSM_CMD_ACS_LOGOUT, NULL));
	EXPECT_EQ(EACCES, policy_set_nso(&self->nl, 200));
	/*
	 * Logging out forgets the shares this connection collected: the
	 * same cards authorise again, none of them counted twice.
	 */
	EXPECT_EQ(0, slot_remove(&self->nl, 1));
	EXPECT_EQ(0, slot_remove(&self->nl, 2));
	EXPECT_EQ(0, insert(&self->nl, 0, &m->cards[3], -1));
	EXPECT_EQ(0, insert(&self->nl, 1, &m->cards[0], -1));
	EXPECT_EQ(EACCES, policy_set_nso(&self->nl, 200));
	EXPECT_EQ(0, insert(&self->nl, 2, &m->cards[4], -1));
	EXPECT_EQ(0, policy_set_nso(&self->nl, 200));
}

TEST_F(world, closing_the_connection_abandons_a_load)
{
	struct opts o = { .k = 2, .n = 3, .lw = 2, .kr = 2 };
	struct nlraw other;

	ASSERT_EQ(0, world_new(&self->nl, &o, NULL, NULL, &self->m));
	unload_any(&self->nl);
	ASSERT_EQ(0, nlraw_open(&other, KHSM_GENL_NAME));
	ASSERT_EQ(0, world_load(&other, self->m.world, self->m.world_len, NULL));
	ASSERT_EQ(0, insert(&other, 5, &self->m.cards[0], -1));
	/* Another connection may not add cards to that load. */
	EXPECT_EQ(EBUSY, insert(&self->nl, 0, &self->m.cards[1], -1));
	nlraw_close(&other);
	EXPECT_EQ(KHSM_WORLD_UNINITIALISED, world_state(&self->nl));
}

TEST_F(world, world_file_damage_is_refused)
{
	struct opts o = { .k = 1, .n = 1 };
	unsigned char *copy;
	size_t i, len;
	int err;

	ASSERT_EQ(0, world_new(&self->nl, &o, NULL, NULL, &self->m));
	unload_any(&self->nl);
	len = self->m.world_len;
	copy = malloc(len);
	for (i = 0; i < len; i++) {
		memcpy(copy, self->m.world, len);
		copy[i] ^= 0x10;
		err = world_load(&self->nl, copy, len, NULL);
		if (!err) {
			/* The header may parse; the cards must then not open it. */
			err = insert(&self->nl, 0, &self->m.cards[0], -1);
			unload_any(&self->nl);
		}
		EXPECT_NE(0, err) TH_LOG("bit flip at byte %zu accepted", i);
		EXPECT_EQ(KHSM_WORLD_UNINITIALISED, world_state(&self->nl));
	}
	for (i = 0; i < len; i += 64)
		EXPECT_EQ(EBADMSG, world_load(&self->nl, self->m.world, i, NULL));
	/* A format this module does not know is named as such. */
	memcpy(copy, self->m.world, len);
	((struct khsm_world_hdr *)copy)->version = 2;
	EXPECT_EQ(EPROTONOSUPPORT, world_load(&self->nl, copy, len, NULL));
	EXPECT_EQ(0, world_load(&self->nl, self->m.world, len, NULL));
	EXPECT_EQ(0, insert(&self->nl, 0, &self->m.cards[0], -1));
	EXPECT_EQ(KHSM_WORLD_OPERATIONAL, world_state(&self->nl));
	free(copy);
}

TEST_F(world, foreign_and_damaged_cards_refused)
{
	struct opts o = { .k = 2, .n = 2, .lw = 1, .kr = 1 };
	struct made *other = malloc(sizeof(*other));
	struct card bad;

	ASSERT_EQ(0, world_new(&self->nl, &o, NULL, NULL, other));
	unload_any(&self->nl);
	ASSERT_EQ(0, world_new(&self->nl, &o, NULL, NULL, &self->m));
	EXPECT_EQ(EXDEV, insert(&self->nl, 0, &other->cards[0], -1));
	TH_LOG("%s", self->nl.extack);
	bad = self->m.cards[1];
	bad.data[bad.len - 40] ^= 1;
	EXPECT_EQ(EBADMSG, insert(&self->nl, 0, &bad, -1));
	bad = self->m.cards[1];
	bad.len -= 1;
	EXPECT_EQ(EBADMSG, insert(&self->nl, 0, &bad, -1));
	EXPECT_EQ(0, insert(&self->nl, 0, &self->m.cards[1], -1));
	free(other);
}

TEST_F(world, wrong_passphrase_delays_and_right_one_works)
{
	const __u8 pp[2] = { 0x11, 0x22 };
	struct opts o = { .k = 1, .n = 2, .lw = 1, .kr = 1,
			  .retry_base_ms = 300, .retry_max_ms = 1200 };

	ASSERT_EQ(0, world_new(&self->nl, &o, pp, NULL, &self->m));
	EXPECT_EQ(EACCES, insert(&self->nl, 0, &self->m.cards[0], -1));
	EXPECT_EQ(EACCES, insert(&self->nl, 0, &self->m.cards[0], 0x33));
	TH_LOG("%s", self->nl.extack);
	/* Even the right passphrase waits out the delay. */
	EXPECT_EQ(EAGAIN, insert(&self->nl, 0, &self->m.cards[0], 0x11));
	TH_LOG("%s", self->nl.extack);
	msleep(350);
	EXPECT_EQ(EACCES, insert(&self->nl, 0, &self->m.cards[0], 0x44));
	/* The delay doubled: 350 ms later it is still running. */
	msleep(350);
	EXPECT_EQ(EAGAIN, insert(&self->nl, 0, &self->m.cards[0], 0x11));
	msleep(300);
	EXPECT_EQ(0, insert(&self->nl, 0, &self->m.cards[0], 0x11));
	/* Success reset it: a wrong attempt now waits the base delay again. */
	EXPECT_EQ(0, slot_remove(&self->nl, 0));
	EXPECT_EQ(0, request(&self->nl, KHSM_CMD_ACS_LOGOUT, NULL));
}

TEST_F(world, lockout_after_failures)
{
	const __u8 pp[1] = { 0x11 };
	struct opts o = { .k = 1, .n = 1, .retry_base_ms = 1,
			  .retry_max_ms = 1, .lockout = 2 };

	ASSERT_EQ(0, world_new(&self->nl, &o, pp, NULL, &self->m));
	EXPECT_EQ(EACCES, insert(&self->nl, 0, &self->m.cards[0], 0x01));
	msleep(5);
	EXPECT_EQ(EACCES, insert(&self->nl, 0, &self->m.cards[0], 0x02));
	msleep(5);
	EXPECT_EQ(EPERM, insert(&self->nl, 0, &self->m.cards[0], 0x11));
	TH_LOG("%s", self->nl.extack);
}

TEST_F(world, closing_removes_the_cards)
{
	struct opts o = { .k = 2, .n = 3, .lw = 2, .kr = 2 };
	struct nlraw other;

	ASSERT_EQ(0, world_new(&self->nl, &o, NULL, NULL, &self->m));
	ASSERT_EQ(0, nlraw_open(&other, KHSM_GENL_NAME));
	ASSERT_EQ(0, insert(&other, 3, &self->m.cards[0], -1));
	EXPECT_EQ(EBUSY, insert(&self->nl, 3, &self->m.cards[1], -1));
	EXPECT_EQ(EPERM, slot_remove(&self->nl, 3));
	nlraw_close(&other);
	EXPECT_EQ(0, insert(&self->nl, 3, &self->m.cards[1], -1));
	EXPECT_EQ(ENODATA, slot_remove(&self->nl, 4));
	EXPECT_EQ(EINVAL, slot_remove(&self->nl, 60));
}

static long add_logon_key(const char *desc, const void *payload, size_t len)
{
	return syscall(SYS_add_key, "logon", desc, payload, len,
		       KEY_SPEC_USER_KEYRING);
}

/*
 * GET_INFO's KHSM_A_INFO_BIND_KEY_TYPE: the type, "" when absent, or
 * "(no reply)". BOUND in *bound.
 */
static const char *bind_type(struct nlraw *nl, int *bound)
{
	static char type[32];
	const struct nlattr *info, *a;

	*bound = -1;
	if (ku_request(nl, KHSM_CMD_GET_INFO, NULL) ||
	    !(info = ku_reply_attr(nl, KHSM_A_INFO)))
		return "(no reply)";
	*bound = ku_nested_attr(info, KHSM_A_INFO_BOUND) != NULL;
	a = ku_nested_attr(info, KHSM_A_INFO_BIND_KEY_TYPE);
	if (!a)
		return "";
	snprintf(type, sizeof(type), "%.*s", (int)KU_PLEN(a),
		 (const char *)KU_PAYLOAD(a));
	return type;
}

TEST_F(world, bind_key_loads_without_people)
{
	static const char payload[32] = "0123456789abcdef0123456789abcde";
	struct opts o = { .k = 2, .n = 3, .lw = 2, .kr = 2 };
	int bound;
	long key;

	key = add_logon_key("khsm:test-bind", payload, sizeof(payload));
	ASSERT_LT(0, key);
	ASSERT_EQ(0, world_new(&self->nl, &o, NULL, "khsm:test-bind", &self->m));
	EXPECT_NE(~0u, ku_info_u32(&self->nl, KHSM_A_INFO_SLOTS));
	/* GET_INFO names the type, for host-check's bind-key check. */
	EXPECT_STREQ("logon", bind_type(&self->nl, &bound));
	EXPECT_EQ(1, bound);
	unload_any(&self->nl);
	EXPECT_EQ(ENOKEY, world_load(&self->nl, self->m.world,
				     self->m.world_len, "khsm:no-such-key"));
	EXPECT_EQ(KHSM_WORLD_UNINITIALISED, world_state(&self->nl));
	ASSERT_EQ(0, world_load(&self->nl, self->m.world, self->m.world_len,
				"khsm:test-bind"));
	EXPECT_EQ(KHSM_WORLD_OPERATIONAL, world_state(&self->nl));
	EXPECT_STREQ("logon", bind_type(&self->nl, &bound));
	unload_any(&self->nl);
	/* Loaded with the ACS: bound, and the module cannot tell to what. */
	ASSERT_EQ(0, world_load(&self->nl, self->m.world, self->m.world_len,
				NULL));
	ASSERT_EQ(0, insert(&self->nl, 0, &self->m.cards[0], -1));
	ASSERT_EQ(0, insert(&self->nl, 1, &self->m.cards[1], -1));
	EXPECT_EQ(KHSM_WORLD_OPERATIONAL, world_state(&self->nl));
	EXPECT_STREQ("", bind_type(&self->nl, &bound));
	EXPECT_EQ(1, bound);
	unload_any(&self->nl);
	/* Another key under the same name does not open it. */
	ASSERT_LT(0, add_logon_key("khsm:test-bind", "another key, 32 bytes long.....",
				   32));
	EXPECT_EQ(EBADMSG, world_load(&self->nl, self->m.world,
				      self->m.world_len, "khsm:test-bind"));
	EXPECT_EQ(KHSM_WORLD_UNINITIALISED, world_state(&self->nl));
	syscall(SYS_keyctl, KEYCTL_INVALIDATE, key);
}

TEST_F(world, acs_replace_retires_the_old_cards)
{
	struct opts o = { .k = 1, .n = 2, .lw = 1, .kr = 1 };
	struct opts o2 = { .k = 2, .n = 3, .lw = 1, .kr = 1 };
	struct made *m2 = malloc(sizeof(*m2));
	struct buf *b = calloc(1, sizeof(*b));

	ASSERT_EQ(0, world_new(&self->nl, &o, NULL, NULL, &self->m));
	put_opts(b, &o2);
	put_cards(b, 3, NULL, 0);
	EXPECT_EQ(EACCES, request(&self->nl, KHSM_CMD_ACS_REPLACE, b));
	ASSERT_EQ(0, insert(&self->nl, 0, &self->m.cards[0], -1));
	ASSERT_EQ(0, request(&self->nl, KHSM_CMD_ACS_REPLACE, b));
	parse_made(&self->nl, m2);
	EXPECT_EQ(3, m2->ncards);
	EXPECT_EQ(0, memcmp(m2->world_id, self->m.world_id, KHSM_WORLD_ID_LEN));
	/* Replacing ended the authorisation and emptied the slots. */
	EXPECT_EQ(0, ku_info_u32(&self->nl, KHSM_A_INFO_ACS_AUTH));
	EXPECT_EQ(EXDEV, insert(&self->nl, 1, &self->m.cards[1], -1));
	unload_any(&self->nl);
	/* The new file with the old cards: refused. With the new: loads. */
	ASSERT_EQ(0, world_load(&self->nl, m2->world, m2->world_len, NULL));
	EXPECT_EQ(EXDEV, insert(&self->nl, 0, &self->m.cards[0], -1));
	EXPECT_EQ(0, insert(&self->nl, 0, &m2->cards[2], -1));
	EXPECT_EQ(KHSM_WORLD_OPERATIONAL, world_state(&self->nl));
	free(m2);
	free(b);
}

TEST_F(world, clear_ends_authorisation_and_keeps_the_world)
{
	struct opts o = { .k = 1, .n = 1 };

	ASSERT_EQ(0, world_new(&self->nl, &o, NULL, NULL, &self->m));
	ASSERT_EQ(0, insert(&self->nl, 0, &self->m.cards[0], -1));
	EXPECT_EQ(1u << KHSM_TOKEN_ACS,
		  ku_info_u32(&self->nl, KHSM_A_INFO_ACS_AUTH) & (1u << KHSM_TOKEN_ACS));
	EXPECT_EQ(0, request(&self->nl, KHSM_CMD_CLEAR, NULL));
	EXPECT_EQ(0, ku_info_u32(&self->nl, KHSM_A_INFO_ACS_AUTH));
	EXPECT_EQ(KHSM_WORLD_OPERATIONAL, world_state(&self->nl));
	/* The card left its slot with the clear: it can be read again. */
	EXPECT_EQ(0, insert(&self->nl, 0, &self->m.cards[0], -1));
}

TEST_F(world, nso_timeout_expires)
{
	struct opts o = { .k = 1, .n = 1, .nso_timeout = 1 };

	ASSERT_EQ(0, world_new(&self->nl, &o, NULL, NULL, &self->m));
	ASSERT_EQ(0, insert(&self->nl, 0, &self->m.cards[0], -1));
	EXPECT_EQ(0, policy_set_nso(&self->nl, 1));
	msleep(1100);
	EXPECT_EQ(EACCES, policy_set_nso(&self->nl, 1));
	TH_LOG("%s", self->nl.extack);
}

TEST_F(world, unload_forgets)
{
	struct opts o = { .k = 1, .n = 1 };

	ASSERT_EQ(0, world_new(&self->nl, &o, NULL, NULL, &self->m));
	EXPECT_EQ(0, request(&self->nl, KHSM_CMD_WORLD_UNLOAD, NULL));
	EXPECT_EQ(KHSM_WORLD_UNINITIALISED, world_state(&self->nl));
	EXPECT_EQ(ENOKEY, request(&self->nl, KHSM_CMD_WORLD_UNLOAD, NULL));
	EXPECT_EQ(ENOKEY, insert(&self->nl, 0, &self->m.cards[0], -1));
	EXPECT_EQ(ENOKEY, policy_set_nso(&self->nl, 30));
}

/* Every subset of a 3-of-5 set: three or more cards load, fewer never. */
TEST_F(world, every_subset_of_five_cards)
{
	struct opts o = { .k = 3, .n = 5, .lw = 3, .kr = 2 };
	unsigned int set, i, used;
	__u32 state;

	ASSERT_EQ(0, world_new(&self->nl, &o, NULL, NULL, &self->m));
	for (set = 1; set < 32; set++) {
		unload_any(&self->nl);
		ASSERT_EQ(0, world_load(&self->nl, self->m.world,
					self->m.world_len, NULL));
		for (i = used = 0; i < 5; i++) {
			if (!(set & (1u << i)))
				continue;
			EXPECT_EQ(0, insert(&self->nl, i, &self->m.cards[i], -1));
			used++;
		}
		state = world_state(&self->nl);
		EXPECT_EQ(used >= 3 ? KHSM_WORLD_OPERATIONAL : KHSM_WORLD_LOADING,
			  state) TH_LOG("card set 0x%x", set);
	}
}

/* The ceremonies the reference recommends, created and loaded back. */
TEST_F(world, ceremonies_load_back_from_k_cards)
{
	const struct opts sets[] = {
		{ .k = 1, .n = 1 },
		{ .k = 2, .n = 3, .lw = 2, .kr = 2 },
		{ .k = 3, .n = 5, .lw = 3, .kr = 2 },
		{ .k = 5, .n = 9, .lw = 5, .kr = 3 },
	};
	unsigned int s, i;

	for (s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		unload_any(&self->nl);
		ASSERT_EQ(0, world_new(&self->nl, &sets[s], NULL, NULL, &self->m));
		EXPECT_EQ(sets[s].n, self->m.ncards);
		unload_any(&self->nl);
		ASSERT_EQ(0, world_load(&self->nl, self->m.world,
					self->m.world_len, NULL));
		/* the last K cards, to use other shares than the first */
		for (i = sets[s].n - sets[s].k; i < sets[s].n; i++)
			EXPECT_EQ(0, insert(&self->nl, i % 8, &self->m.cards[i], -1));
		EXPECT_EQ(KHSM_WORLD_OPERATIONAL, world_state(&self->nl))
			TH_LOG("%u/%u", sets[s].k, sets[s].n);
		/* K cards also met the full ACS quorum. */
		EXPECT_EQ(0, policy_set_nso(&self->nl, 600));
	}
}

TEST_F(world, policy_may_not_change_quorums)
{
	struct opts o = { .k = 1, .n = 1 };
	struct opts change = { .lw = 1, .no_kr = 1 };
	struct buf b = { .off = 0 };

	ASSERT_EQ(0, world_new(&self->nl, &o, NULL, NULL, &self->m));
	ASSERT_EQ(0, insert(&self->nl, 0, &self->m.cards[0], -1));
	put_opts(&b, &change);
	EXPECT_EQ(EINVAL, request(&self->nl, KHSM_CMD_POLICY_SET, &b));
	TH_LOG("%s", self->nl.extack);
	EXPECT_EQ(1, ku_info_u32(&self->nl, KHSM_A_INFO_GENERATION));
	/* The same values are not a change. */
	b.off = 0;
	change.no_kr = 0;
	put_opts(&b, &change);
	EXPECT_EQ(0, request(&self->nl, KHSM_CMD_POLICY_SET, &b));
	EXPECT_EQ(2, ku_info_u32(&self->nl, KHSM_A_INFO_GENERATION));
}

/* --- operator card sets, softcards and their tokens --- */

static int cardset_create(struct nlraw *nl, __u8 type, __u8 k, __u8 n,
			  int persistent, __u32 timeout, const __u8 *pp,
			  struct made *m)
{
	struct buf *b = calloc(1, sizeof(*b));
	struct nlattr *cs;
	int err;

	cs = nest_start(b, KHSM_A_CARDSET);
	put_u8(b, KHSM_A_CARDSET_TYPE, type);
	put(b, KHSM_A_CARDSET_NAME, "ops", 4);
	put_u8(b, KHSM_A_CARDSET_K, k);
	put_u8(b, KHSM_A_CARDSET_N, n);
	if (persistent)
		put_u8(b, KHSM_A_CARDSET_PERSISTENT, 1);
	if (timeout)
		put_u32(b, KHSM_A_CARDSET_TIMEOUT, timeout);
	nest_end(b, cs);
	put_cards(b, n, pp, 0);
	err = request(nl, KHSM_CMD_CARDSET_CREATE, b);
	if (!err && m)
		parse_made(nl, m);
	free(b);
	return err;
}

/* The token id a CARD_INSERT reply carries; 0 if none. */
static __u64 reply_token_id(const struct nlraw *nl)
{
	size_t pos = NLMSG_HDRLEN + GENL_HDRLEN;
	const struct nlattr *a;
	__u64 id = 0;

	while ((a = ku_next_attr(nl->reply, nl->reply_len, &pos)))
		if ((a->nla_type & NLA_TYPE_MASK) == KHSM_A_TOKEN_ID)
			memcpy(&id, KU_PAYLOAD(a), sizeof(id));
	return id;
}

static unsigned int token_count(struct nlraw *nl)
{
	return ku_info_u32(nl, KHSM_A_INFO_TOKENS_LOADED);
}

static int token_unload(struct nlraw *nl, __u64 id)
{
	struct buf b = { .off = 0 };

	put(&b, KHSM_A_TOKEN_ID, &id, sizeof(id));
	return request(nl, KHSM_CMD_TOKEN_UNLOAD, &b);
}

FIXTURE(tokens) {
	struct nlraw nl;
	struct made acs;
	struct made set;
};

FIXTURE_SETUP(tokens)
{
	struct opts o = { .k = 1, .n = 1, .retry_base_ms = 200,
			  .retry_max_ms = 400 };

	ASSERT_EQ(0, nlraw_open(&self->nl, KHSM_GENL_NAME));
	unload_any(&self->nl);
	ASSERT_EQ(0, world_new(&self->nl, &o, NULL, NULL, &self->acs));
}

FIXTURE_TEARDOWN(tokens)
{
	unload_any(&self->nl);
	nlraw_close(&self->nl);
}

TEST_F(tokens, k_cards_load_and_fewer_never)
{
	ASSERT_EQ(0, cardset_create(&self->nl, KHSM_SET_OCS, 2, 3, 0, 0, NULL,
				    &self->set));
	EXPECT_EQ(3, self->set.ncards);
	EXPECT_EQ(0, insert(&self->nl, 0, &self->set.cards[2], -1));
	EXPECT_EQ(0, reply_token_id(&self->nl));
	EXPECT_EQ(0, token_count(&self->nl));
	/* The same card again counts once. */
	EXPECT_EQ(EBUSY, insert(&self->nl, 0, &self->set.cards[2], -1));
	EXPECT_EQ(EEXIST, insert(&self->nl, 1, &self->set.cards[2], -1));
	EXPECT_EQ(0, insert(&self->nl, 1, &self->set.cards[0], -1));
	EXPECT_NE(0, reply_token_id(&self->nl));
	EXPECT_EQ(1, token_count(&self->nl));
}

TEST_F(tokens, non_persistent_goes_with_its_last_card)
{
	ASSERT_EQ(0, cardset_create(&self->nl, KHSM_SET_OCS, 2, 3, 0, 0, NULL,
				    &self->set));
	ASSERT_EQ(0, insert(&self->nl, 0, &self->set.cards[0], -1));
	ASSERT_EQ(0, insert(&self->nl, 1, &self->set.cards[1], -1));
	ASSERT_EQ(1, token_count(&self->nl));
	/* An earlier card leaving does not unload it. */
	EXPECT_EQ(0, slot_remove(&self->nl, 0));
	EXPECT_EQ(1, token_count(&self->nl));
	EXPECT_EQ(0, slot_remove(&self->nl, 1));
	EXPECT_EQ(0, token_count(&self->nl));
}

TEST_F(tokens, persistent_outlives_cards_not_its_connection)
{
	struct nlraw other;

	ASSERT_EQ(0, cardset_create(&self->nl, KHSM_SET_OCS, 1, 2, 1, 0, NULL,
				    &self->set));
	ASSERT_EQ(0, nlraw_open(&other, KHSM_GENL_NAME));
	ASSERT_EQ(0, insert(&other, 3, &self->set.cards[1], -1));
	EXPECT_NE(0, reply_token_id(&other));
	EXPECT_EQ(0, slot_remove(&other, 3));
	EXPECT_EQ(1, token_count(&self->nl));
	nlraw_close(&other);
	EXPECT_EQ(0, token_count(&self->nl));
}

TEST_F(tokens, explicit_unload)
{
	__u64 id;

	ASSERT_EQ(0, cardset_create(&self->nl, KHSM_SET_OCS, 1, 1, 1, 0, NULL,
				    &self->set));
	ASSERT_EQ(0, insert(&self->nl, 0, &self->set.cards[0], -1));
	id = reply_token_id(&self->nl);
	ASSERT_NE(0, id);
	EXPECT_EQ(ENOKEY, token_unload(&self->nl, id ^ 1));
	EXPECT_EQ(0, token_unload(&self->nl, id));
	EXPECT_EQ(0, token_count(&self->nl));
	EXPECT_EQ(ENOKEY, token_unload(&self->nl, id));
}

TEST_F(tokens, timeout_unloads_and_needs_the_cards_again)
{
	ASSERT_EQ(0, cardset_create(&self->nl, KHSM_SET_OCS, 1, 1, 1, 1, NULL,
				    &self->set));
	ASSERT_EQ(0, insert(&self->nl, 0, &self->set.cards[0], -1));
	ASSERT_EQ(1, token_count(&self->nl));
	msleep(1300);
	EXPECT_EQ(0, token_count(&self->nl));
	/* The card still in its slot cannot load it again... */
	EXPECT_EQ(EBUSY, insert(&self->nl, 0, &self->set.cards[0], -1));
	/* ...only taking it out and presenting it again does. */
	EXPECT_EQ(0, slot_remove(&self->nl, 0));
	EXPECT_EQ(0, insert(&self->nl, 0, &self->set.cards[0], -1));
	EXPECT_EQ(1, token_count(&self->nl));
}

TEST_F(tokens, softcard_needs_and_checks_its_passphrase)
{
	const __u8 pp[1] = { 0x5a };

	EXPECT_EQ(EINVAL, cardset_create(&self->nl, KHSM_SET_SOFTCARD, 1, 1, 0,
					 0, NULL, NULL));
	TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, cardset_create(&self->nl, KHSM_SET_SOFTCARD, 1, 1, 0, 0,
				    pp, &self->set));
	EXPECT_EQ(EACCES, insert(&self->nl, 0, &self->set.cards[0], 0x11));
	EXPECT_EQ(EAGAIN, insert(&self->nl, 0, &self->set.cards[0], 0x5a));
	msleep(250);
	EXPECT_EQ(0, insert(&self->nl, 0, &self->set.cards[0], 0x5a));
	EXPECT_NE(0, reply_token_id(&self->nl));
	/* Softcards are persistent: the card may go. */
	EXPECT_EQ(0, slot_remove(&self->nl, 0));
	EXPECT_EQ(1, token_count(&self->nl));
}

TEST_F(tokens, clear_and_unload_take_every_token)
{
	ASSERT_EQ(0, cardset_create(&self->nl, KHSM_SET_OCS, 1, 1, 1, 0, NULL,
				    &self->set));
	ASSERT_EQ(0, insert(&self->nl, 0, &self->set.cards[0], -1));
	EXPECT_EQ(0, request(&self->nl, KHSM_CMD_CLEAR, NULL));
	EXPECT_EQ(0, token_count(&self->nl));
	ASSERT_EQ(0, insert(&self->nl, 0, &self->set.cards[0], -1));
	EXPECT_EQ(1, token_count(&self->nl));
	unload_any(&self->nl);
	EXPECT_EQ(0, world_new(&self->nl, &(struct opts){ .k = 1, .n = 1 },
			       NULL, NULL, NULL));
	EXPECT_EQ(0, token_count(&self->nl));
}

TEST_F(tokens, policy_protections_are_enforced)
{
	struct buf b = { .off = 0 };
	struct nlattr *n;
	__u32 only_module = 1u << KHSM_PROTECT_MODULE;

	ASSERT_EQ(0, insert(&self->nl, 0, &self->acs.cards[0], -1));
	n = nest_start(&b, KHSM_A_WORLD_OPTS);
	put_u32(&b, KHSM_A_OPT_PROTECTIONS, only_module);
	nest_end(&b, n);
	ASSERT_EQ(0, request(&self->nl, KHSM_CMD_POLICY_SET, &b));
	EXPECT_EQ(EPERM, cardset_create(&self->nl, KHSM_SET_OCS, 1, 1, 0, 0,
					NULL, NULL));
	TH_LOG("%s", self->nl.extack);
}

TEST_F(tokens, cards_of_a_set_are_not_acs_cards)
{
	ASSERT_EQ(0, cardset_create(&self->nl, KHSM_SET_OCS, 1, 1, 0, 0, NULL,
				    &self->set));
	/* A set card presented to a load in progress: refused. */
	unload_any(&self->nl);
	ASSERT_EQ(0, world_load(&self->nl, self->acs.world,
				self->acs.world_len, NULL));
	EXPECT_EQ(EBUSY, insert(&self->nl, 0, &self->set.cards[0], -1));
	EXPECT_EQ(0, insert(&self->nl, 1, &self->acs.cards[0], -1));
	/* Once loaded, the same world accepts the set's card. */
	EXPECT_EQ(0, insert(&self->nl, 0, &self->set.cards[0], -1));
	EXPECT_EQ(1, token_count(&self->nl));
}

TEST_HARNESS_MAIN
