// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control channel. Each action builds one request the way a client
 * would (the world -> cards -> tokens -> keys chain: card files, tokens and
 * key blobs come from earlier replies), with values drawn from the learned
 * policy, and then may break it: attributes dropped, repeated, retyped,
 * resized or replaced by random bytes, nests without NLA_F_NESTED or
 * nested deep, unknown attribute types, headers truncated or lying about
 * their length, odd flags, several messages in one datagram. Replies are
 * read without ever blocking (genetlink answers within send(); a dump goes
 * on as it is read) and what they carry goes to the pools.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "fz.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int nl_socket_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, one = 1, size = 1 << 20;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -errno;
	}
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

/* ---- what a request was, so its reply can be filed ---- */

struct req {
	uint8_t cmd;
	bool dump;
	uint32_t seq;
	int16_t pp[KHSM_MAX_CARDS + 1];	/* card index -> passphrase byte */
	uint8_t k;			/* the set's (or ACS's) quorum */
	uint8_t set_type;
	uint32_t key_type, ops, mechs;
	uint64_t token;
	uint64_t world_tag;		/* ACS cards: the world they open */
	int slot;			/* CARD_INSERT, CARD_REMOVE */
};


/* ---- message builder ---- */

#define MB_DEPTH	40

struct mb {
	struct worker *w;
	uint8_t *b;
	size_t cap, off;
	bool mutate;			/* mutations allowed */
	unsigned int rate;		/* one attribute in @rate is broken */
	int depth;
	size_t nest[MB_DEPTH];
	const struct fz_policy *pol[MB_DEPTH + 1];
	bool array[MB_DEPTH + 1];	/* the nest at this depth is an array */
	struct req *req;
};

static struct rng *R(struct mb *m)
{
	return &m->w->r;
}

static void mb_start(struct mb *m, struct worker *w, struct req *req,
		     uint8_t cmd)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)w->msg;
	struct genlmsghdr *g = NLMSG_DATA(nlh);

	memset(m, 0, sizeof(*m));
	m->w = w;
	m->b = w->msg;
	m->cap = w->msg_cap;
	m->req = req;
	memset(req, 0, sizeof(*req));
	for (int i = 0; i <= KHSM_MAX_CARDS; i++)
		req->pp[i] = -1;
	req->cmd = cmd;
	req->seq = ++w->seq;
	memset(nlh, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = fam.id;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = req->seq;
	g->cmd = cmd;
	g->version = KHSM_GENL_VERSION;
	m->off = NLMSG_HDRLEN + GENL_HDRLEN;
	m->pol[0] = fz_cmd_policy(cmd);
	/* Two in five requests go out as built: they take the state on. */
	m->mutate = !one_in(&w->r, 5) && rnd(&w->r, 5) >= 2;
	m->rate = 2 + rnd(&w->r, 12);
}

static const struct fz_policy *cur_pol(struct mb *m)
{
	return m->pol[m->depth];
}

static void raw_put(struct mb *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)(m->b + m->off);
	size_t total = NLA_ALIGN(NLA_HDRLEN + len);

	if (m->off + total > m->cap || NLA_HDRLEN + len > 0xffff)
		return;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len && data)
		memcpy((uint8_t *)a + NLA_HDRLEN, data, len);
	else if (len)
		rnd_bytes(R(m), (uint8_t *)a + NLA_HDRLEN, len);
	memset((uint8_t *)a + NLA_HDRLEN + len, 0, total - NLA_HDRLEN - len);
	m->off += total;
}

/* A type the current policy does not know. */
static uint16_t unknown_type(struct mb *m)
{
	const struct fz_policy *p = cur_pol(m);
	uint32_t max = p ? p->maxtype : fam.maxattr;

	switch (rnd(R(m), 4)) {
	case 0:
		return 0;
	case 1:
		return (uint16_t)(max + 1 + rnd(R(m), 4));
	case 2:
		return (uint16_t)rnd(R(m), NLA_TYPE_MASK + 1);
	default:	/* a type that exists, but not here */
		return (uint16_t)rnd(R(m), max + 2);
	}
}

/* One attribute, maybe broken; @data NULL means random bytes. */
static void put(struct mb *m, uint16_t type, const void *data, size_t len)
{
	uint8_t tmp[512];

	if (!m->mutate || !one_in(R(m), m->rate)) {
		raw_put(m, type, data, len);
		return;
	}
	switch (rnd(R(m), 12)) {
	case 0:		/* left out */
		return;
	case 1:		/* twice */
		raw_put(m, type, data, len);
		raw_put(m, type, data, len);
		return;
	case 2:		/* one short */
		raw_put(m, type, data, len ? len - 1 : 0);
		return;
	case 3:		/* one long */
		if (len + 1 <= sizeof(tmp)) {
			if (data)
				memcpy(tmp, data, len);
			else
				rnd_bytes(R(m), tmp, len);
			tmp[len] = (uint8_t)rnd(R(m), 256);
			raw_put(m, type, tmp, len + 1);
		}
		return;
	case 4:		/* empty */
		raw_put(m, type, NULL, 0);
		return;
	case 5:		/* random length and bytes */
		raw_put(m, type, NULL, one_in(R(m), 8) ? 65000 - m->off % 4096 :
			rnd(R(m), 300));
		return;
	case 6:		/* a type that is not this one */
		raw_put(m, unknown_type(m), data, len);
		return;
	case 7:		/* flag bits on a plain attribute */
		raw_put(m, type | (one_in(R(m), 2) ? NLA_F_NESTED :
				   NLA_F_NET_BYTEORDER), data, len);
		return;
	case 8:		/* same length, random bytes */
		raw_put(m, type, NULL, len);
		return;
	case 9:		/* an unknown attribute next to it */
		raw_put(m, type, data, len);
		raw_put(m, unknown_type(m), NULL, rnd(R(m), 16));
		return;
	case 10:	/* a bit flipped */
		if (data && len && len <= sizeof(tmp)) {
			memcpy(tmp, data, len);
			tmp[rnd(R(m), len)] ^= (uint8_t)(1u << rnd(R(m), 8));
			raw_put(m, type, tmp, len);
			return;
		}
		raw_put(m, type, data, len);
		return;
	default:	/* wrapped in a nest it does not belong in */
		{
			size_t at = m->off;

			raw_put(m, unknown_type(m) | NLA_F_NESTED, NULL, 0);
			raw_put(m, type, data, len);
			if (at + NLA_HDRLEN <= m->cap)
				((struct nlattr *)(m->b + at))->nla_len =
					(uint16_t)MIN(m->off - at, 0xffffu);
		}
		return;
	}
}

static void put_u8(struct mb *m, uint16_t t, uint8_t v) { put(m, t, &v, 1); }
static void put_u32(struct mb *m, uint16_t t, uint32_t v) { put(m, t, &v, 4); }
static void put_u64(struct mb *m, uint16_t t, uint64_t v) { put(m, t, &v, 8); }
static void put_flag(struct mb *m, uint16_t t) { put(m, t, NULL, 0); }

static void put_str(struct mb *m, uint16_t t, const char *s)
{
	put(m, t, s, strlen(s) + 1);
}

static void nest_start(struct mb *m, uint16_t type)
{
	const struct fz_pattr *pa = fz_attr(cur_pol(m), type);
	const struct fz_policy *inner = NULL;
	uint16_t flag = NLA_F_NESTED;

	if (m->depth >= MB_DEPTH - 1 || m->off + NLA_HDRLEN > m->cap)
		return;
	/* An array's entries each take the array's policy. */
	if (m->array[m->depth])
		inner = cur_pol(m);
	else if (pa && pa->nested >= 0 && pa->nested < FZ_MAX_POL)
		inner = &fam.pol[pa->nested];
	if (m->mutate && one_in(R(m), m->rate * 2))
		flag = 0;		/* the kernel's strict check wants it */
	if (m->mutate && one_in(R(m), m->rate * 4))
		type = unknown_type(m);
	m->nest[m->depth++] = m->off;
	m->pol[m->depth] = inner;
	m->array[m->depth] = !m->array[m->depth - 1] && pa &&
			     pa->type == NL_ATTR_TYPE_NESTED_ARRAY;
	raw_put(m, type | flag, NULL, 0);
}

static void nest_end(struct mb *m)
{
	struct nlattr *a;
	size_t len;

	if (!m->depth)
		return;
	a = (struct nlattr *)(m->b + m->nest[--m->depth]);
	len = m->off - m->nest[m->depth];
	if (len > 0xffff)
		len = 0xffff;
	a->nla_len = (uint16_t)len;
	if (m->mutate && one_in(R(m), m->rate * 4))	/* lies about its size */
		a->nla_len = (uint16_t)(one_in(R(m), 2) ? NLA_HDRLEN +
					rnd(R(m), len) : len + 1 + rnd(R(m), 64));
}

/* ---- values from the policy ---- */

static uint64_t pol_uint(struct mb *m, const struct fz_pattr *pa, uint64_t max)
{
	uint64_t lo = 0, hi = max;

	if (pa && pa->has_mask) {
		uint64_t v = rnd64(R(m)) & pa->mask;

		return v ? v : pa->mask;
	}
	if (pa && pa->has_u) {
		lo = pa->min_u;
		hi = pa->max_u;
	}
	if (hi <= lo)
		return lo;
	if (one_in(R(m), 4))	/* edges are where the checks are */
		return one_in(R(m), 2) ? lo : hi;
	if (hi - lo < 0xffffffffULL)
		return lo + rnd(R(m), (uint32_t)(hi - lo + 1));
	return lo + rnd64(R(m)) % (hi - lo);
}

/* An integer one past the policy's range (or any value without one). */
static uint64_t pol_bad_uint(struct mb *m, const struct fz_pattr *pa)
{
	if (pa && pa->has_mask)
		return ~pa->mask & (rnd64(R(m)) | (1ULL << rnd(R(m), 32)));
	if (pa && pa->has_u)
		return one_in(R(m), 2) ? pa->max_u + 1 :
		       pa->min_u ? pa->min_u - 1 : pa->max_u + 1 + rnd(R(m), 9);
	return rnd_edge32(R(m));
}

/* A value for attribute @type of the current policy, by its type alone. */
static void gen_by_policy(struct mb *m, uint16_t type, int depth);

static void gen_nested(struct mb *m, uint16_t type, bool array, int depth)
{
	const struct fz_policy *inner;
	unsigned int n = 1 + rnd(R(m), 3), i, t;

	nest_start(m, type);
	inner = cur_pol(m);
	if (!inner)
		depth = 99;	/* a nest we know nothing of: random inside */
	for (i = 0; i < (array ? n : 1); i++) {
		if (array)
			nest_start(m, (uint16_t)(i + 1));
		for (t = 1; inner && t <= inner->maxtype; t++)
			if (inner->a[t].present && !one_in(R(m), 3))
				gen_by_policy(m, (uint16_t)t, depth + 1);
		if (array)
			nest_end(m);
	}
	nest_end(m);
}

static void gen_by_policy(struct mb *m, uint16_t type, int depth)
{
	const struct fz_pattr *pa = fz_attr(cur_pol(m), type);
	bool bad = m->mutate && one_in(R(m), m->rate);
	uint8_t buf[600];
	uint32_t len;
	uint64_t v;

	if (!pa || depth > 6) {
		put(m, type, NULL, rnd(R(m), 32));
		return;
	}
	v = bad ? pol_bad_uint(m, pa) : pol_uint(m, pa, ~0ULL);
	switch (pa->type) {
	case NL_ATTR_TYPE_FLAG:
		put_flag(m, type);
		break;
	case NL_ATTR_TYPE_U8:
	case NL_ATTR_TYPE_S8:
		put_u8(m, type, (uint8_t)v);
		break;
	case NL_ATTR_TYPE_U16:
	case NL_ATTR_TYPE_S16:
		put(m, type, &v, 2);
		break;
	case NL_ATTR_TYPE_U32:
	case NL_ATTR_TYPE_S32:
		put_u32(m, type, (uint32_t)v);
		break;
	case NL_ATTR_TYPE_U64:
	case NL_ATTR_TYPE_S64:
		put_u64(m, type, v);
		break;
	case NL_ATTR_TYPE_NESTED:
		gen_nested(m, type, false, depth);
		break;
	case NL_ATTR_TYPE_NESTED_ARRAY:
		gen_nested(m, type, true, depth);
		break;
	case NL_ATTR_TYPE_STRING:
	case NL_ATTR_TYPE_NUL_STRING:
		len = pa->has_len && pa->max_len ? pa->max_len : 64;
		len = MIN(bad ? len + 1 : rnd(R(m), len + 1), sizeof(buf) - 1);
		memset(buf, 'a' + rnd(R(m), 26), len);
		buf[len] = 0;
		put(m, type, buf, len + (bad && one_in(R(m), 2) ? 0 : 1));
		break;
	default:	/* binary */
		len = pa->has_len ? (pa->min_len == pa->max_len ? pa->min_len :
			pa->min_len + rnd(R(m), MIN(pa->max_len - pa->min_len + 1,
						    512u))) : rnd(R(m), 64);
		if (bad)
			len = pa->has_len ? pa->max_len + 1 : 300;
		put(m, type, NULL, MIN(len, (uint32_t)sizeof(buf) * 100));
		break;
	}
}

/* ---- semantic pieces ---- */

static void put_name(struct mb *m, uint16_t type, const char *prefix)
{
	char s[80];

	snprintf(s, sizeof(s), "%s-%u", prefix, rnd(R(m), 1000));
	if (m->mutate && one_in(R(m), m->rate)) {
		/* Characters and lengths the module refuses. */
		size_t n = one_in(R(m), 2) ? 70 : 1 + rnd(R(m), 10);

		memset(s, one_in(R(m), 2) ? '/' : 0x80 + rnd(R(m), 100),
		       MIN(n, sizeof(s) - 1));
		s[MIN(n, sizeof(s) - 1)] = 0;
	}
	put_str(m, type, s);
}

/* A card entry of a new set: its index and name, maybe a passphrase. */
static void put_card_entry(struct mb *m, uint8_t index, bool pp)
{
	uint8_t salt[KHSM_PP_SALT_LEN], key[KHSM_PP_KEY_LEN];
	/* The passphrase key is 32 copies of one byte, 1..254. */
	uint8_t b = (uint8_t)(1 + rnd(R(m), 254));

	nest_start(m, KHSM_A_CARD_ENTRY);
	put_u8(m, KHSM_A_CARD_INDEX, index);
	put_name(m, KHSM_A_CARD_NAME, "card");
	if (pp) {
		memset(salt, b ^ 0x5a, sizeof(salt));
		memset(key, b, sizeof(key));
		put(m, KHSM_A_CARD_PP_SALT, salt, sizeof(salt));
		put(m, KHSM_A_CARD_PP_KEY, key, sizeof(key));
		put_u32(m, KHSM_A_CARD_PBKDF2_ITER, 1000 + rnd(R(m), 3) * 1000);
		m->req->pp[index] = b;
	}
	nest_end(m);
}

/* N entries, indexes 1..N in an order; sometimes one missing or twice. */
static void put_cards(struct mb *m, uint8_t n, int pp_mode)
{
	uint8_t i;

	nest_start(m, KHSM_A_CARDS);
	for (i = 1; i <= n; i++) {
		bool pp = pp_mode > 0 || (pp_mode == 0 && one_in(R(m), 3));

		put_card_entry(m, i, pp);
	}
	if (m->mutate && one_in(R(m), m->rate))
		put_card_entry(m, one_in(R(m), 2) ? n + 1 : 1, false);
	nest_end(m);
}

/* A quorum: mostly small, sometimes all the way up. */
static void pick_kn(struct rng *r, uint8_t *k, uint8_t *n)
{
	switch (rnd(r, 8)) {
	case 0: case 1: case 2: case 3:
		*k = *n = 1;
		break;
	case 4: case 5:
		*n = (uint8_t)(2 + rnd(r, 3));
		*k = (uint8_t)(1 + rnd(r, *n));
		break;
	case 6:
		*n = (uint8_t)(1 + rnd(r, 16));
		*k = (uint8_t)(1 + rnd(r, *n));
		break;
	default:
		*n = (uint8_t)(1 + rnd(r, KHSM_MAX_CARDS));
		*k = (uint8_t)(1 + rnd(r, *n));
		break;
	}
}

/* World options: K and N, and a random handful of the rest. */
static void put_opts(struct mb *m, uint8_t k, uint8_t n, bool quorums)
{
	const struct fz_policy *p;
	bool kr = true, pr = false;
	uint32_t t, base;

	nest_start(m, KHSM_A_WORLD_OPTS);
	p = cur_pol(m);
	if (quorums) {
		put_u8(m, KHSM_A_OPT_ACS_K, k);
		put_u8(m, KHSM_A_OPT_ACS_N, n);
		/* The recovery switches, and their quorums only when on. */
		if (one_in(R(m), 4)) {
			kr = one_in(R(m), 2);
			put_u8(m, KHSM_A_OPT_KEY_RECOVERY, kr);
		}
		if (one_in(R(m), 4)) {
			pr = one_in(R(m), 2);
			put_u8(m, KHSM_A_OPT_PP_RECOVERY, pr);
		}
		if (one_in(R(m), 4))
			put_u8(m, KHSM_A_OPT_LOAD_QUORUM, (uint8_t)(1 + rnd(R(m), k)));
		if (kr && one_in(R(m), 4))
			put_u8(m, KHSM_A_OPT_KR_QUORUM, (uint8_t)(1 + rnd(R(m), k)));
		if (pr && one_in(R(m), 4))
			put_u8(m, KHSM_A_OPT_PR_QUORUM, (uint8_t)(1 + rnd(R(m), k)));
	}
	if (one_in(R(m), 6)) {
		base = 1 + rnd(R(m), 50);
		put_u32(m, KHSM_A_OPT_RETRY_BASE_MS, base);
		put_u32(m, KHSM_A_OPT_RETRY_MAX_MS, base + rnd(R(m), 100));
	}
	for (t = KHSM_A_OPT_ACS_N + 1; p && t <= p->maxtype; t++) {
		if (!p->a[t].present || !one_in(R(m), 6))
			continue;
		switch (t) {
		case KHSM_A_OPT_LOAD_QUORUM:
		case KHSM_A_OPT_KEY_RECOVERY:
		case KHSM_A_OPT_KR_QUORUM:
		case KHSM_A_OPT_PP_RECOVERY:
		case KHSM_A_OPT_PR_QUORUM:
		case KHSM_A_OPT_RETRY_BASE_MS:
		case KHSM_A_OPT_RETRY_MAX_MS:
			/* Done above; once in a while anyway, any value. */
			if (m->mutate && one_in(R(m), 8))
				gen_by_policy(m, (uint16_t)t, 1);
			break;
		case KHSM_A_OPT_FORCED_AUDIT:
			/* Forced audit with nobody acknowledging stalls
			 * everything: the audit actions ack, but keep it rare. */
			if (one_in(R(m), 8))
				put_u8(m, (uint16_t)t, 1);
			break;
		case KHSM_A_OPT_OPERATOR_GID:
		case KHSM_A_OPT_USER_GID:
			put_u32(m, (uint16_t)t, one_in(R(m), 2) ? opt.khsm_gid :
				rnd(R(m), 3) * 1000);
			break;
		default:
			gen_by_policy(m, (uint16_t)t, 1);
			break;
		}
	}
	nest_end(m);
}

/* Keys we put in the session keyring for WORLD_NEW and WORLD_BIND. */
static const char *const bind_descs[] = { "khsm-fuzz-bind", "khsm-fuzz-bind2" };

static void put_bind(struct mb *m)
{
	static const char *const types[] = { "user", "logon", "trusted",
					      "encrypted", "keyring" };

	put_str(m, KHSM_A_BIND_KEY_TYPE, one_in(R(m), 3) ?
		types[rnd(R(m), ARRAY_SIZE(types))] : "user");
	put_str(m, KHSM_A_BIND_KEY_DESC, one_in(R(m), 5) ? "khsm-fuzz-none" :
		bind_descs[rnd(R(m), ARRAY_SIZE(bind_descs))]);
}

static void add_bind_keys(void)
{
	static const uint8_t key[32] = "khsm-fuzz binding key material!";
	unsigned int i;

	/* The user keyring: every thread and child of ours searches it. */
	for (i = 0; i < ARRAY_SIZE(bind_descs); i++)
		syscall(SYS_add_key, "user", bind_descs[i], key,
			sizeof(key) - i * 8, -4 /* KEY_SPEC_USER_KEYRING */);
}

/* ---- ACLs (the ioctl side makes them too) ---- */

#define BIT(n) (1u << (n))

static const struct {
	uint32_t type, mechs;
} type_mechs[] = {
	{ KHSM_KEY_AES, BIT(KHSM_MECH_AES_GCM) | BIT(KHSM_MECH_AES_KW) |
		BIT(KHSM_MECH_AES_KWP) | BIT(KHSM_MECH_AES_CMAC) },
	{ KHSM_KEY_HMAC, BIT(KHSM_MECH_HMAC_SHA256) | BIT(KHSM_MECH_HMAC_SHA384) |
		BIT(KHSM_MECH_HMAC_SHA512) },
	{ KHSM_KEY_EC_P256, BIT(KHSM_MECH_ECDSA_P256_SHA256) |
		BIT(KHSM_MECH_ECDH_P256) },
	{ KHSM_KEY_EC_P384, BIT(KHSM_MECH_ECDSA_P384_SHA384) },
};

uint32_t fz_mech_ops(uint32_t mech)
{
	switch (mech) {
	case KHSM_MECH_AES_GCM:
		return BIT(KHSM_OP_ENCRYPT) | BIT(KHSM_OP_DECRYPT);
	case KHSM_MECH_AES_KW:
	case KHSM_MECH_AES_KWP:
		return BIT(KHSM_OP_WRAP) | BIT(KHSM_OP_UNWRAP);
	case KHSM_MECH_HMAC_SHA256:
	case KHSM_MECH_HMAC_SHA384:
	case KHSM_MECH_HMAC_SHA512:
	case KHSM_MECH_AES_CMAC:
		return BIT(KHSM_OP_MAC_GENERATE) | BIT(KHSM_OP_MAC_VERIFY);
	case KHSM_MECH_ECDSA_P256_SHA256:
	case KHSM_MECH_ECDSA_P384_SHA384:
		return BIT(KHSM_OP_SIGN) | BIT(KHSM_OP_VERIFY);
	case KHSM_MECH_ECDH_P256:
		return BIT(KHSM_OP_DERIVE);
	}
	return 0;
}

/*
 * An ACL that fits @type most of the time: mechanisms of the type and the
 * operations they do (a wrap key does nothing else), flags now and then.
 */
void fz_make_acl(struct rng *r, uint32_t type, struct khsm_acl *acl)
{
	uint32_t all = 0, mechs = 0, ops = 0, m;
	unsigned int i;

	memset(acl, 0, sizeof(*acl));
	for (i = 0; i < ARRAY_SIZE(type_mechs); i++)
		if (type_mechs[i].type == type)
			all = type_mechs[i].mechs;
	if (!all || one_in(r, 40))
		all = KHSM_MECH__ALL;
	while (!mechs)
		mechs = (uint32_t)rnd64(r) & all;
	if ((mechs & (BIT(KHSM_MECH_AES_KW) | BIT(KHSM_MECH_AES_KWP))) &&
	    !one_in(r, 8))
		mechs &= BIT(KHSM_MECH_AES_KW) | BIT(KHSM_MECH_AES_KWP);
	for (m = 0; m < KHSM_MECH__COUNT; m++)
		if (mechs & BIT(m))
			ops |= fz_mech_ops(m);
	if (!one_in(r, 4))	/* all it can do, or part of it */
		ops &= (uint32_t)rnd64(r) | BIT(__builtin_ctz(ops));
	if (type == KHSM_KEY_EC_P256 || type == KHSM_KEY_EC_P384)
		if (!one_in(r, 3))
			ops |= BIT(KHSM_OP_EXPORT_PUBLIC);
	if (one_in(r, 40))
		ops = (uint32_t)rnd64(r) & (KHSM_OP__ALL | (one_in(r, 4) ? ~0u : 0));
	acl->ops = ops;
	acl->mechs = mechs;
	if (!one_in(r, 3))
		acl->flags |= KHSM_ACL_F_WRAPPABLE;
	if ((ops & BIT(KHSM_OP_ENCRYPT)) ? one_in(r, 3) : one_in(r, 60))
		acl->flags |= KHSM_ACL_F_CALLER_IV;
	if (one_in(r, 20)) {
		acl->flags |= KHSM_ACL_F_UID;
		acl->uid = one_in(r, 2) ? 0 : 65534;
	}
	if (one_in(r, 20)) {
		acl->flags |= KHSM_ACL_F_GID;
		acl->gid = one_in(r, 2) ? opt.khsm_gid : 0;
	}
	if (one_in(r, 8))
		acl->usage_limit = 1 + rnd(r, 20);
	if (one_in(r, 30))
		acl->not_before = one_in(r, 2) ? 1 : 4000000000ULL;
	if (one_in(r, 30))
		acl->not_after = one_in(r, 2) ? 1 : 4000000000ULL;
	if ((ops & BIT(KHSM_OP_WRAP)) ? one_in(r, 10) : one_in(r, 80))
		rnd_bytes(r, acl->wrap_key_hash, sizeof(acl->wrap_key_hash));
	if (one_in(r, 50))
		acl->flags |= 1u << rnd(r, 32);
	if (one_in(r, 50))
		acl->__reserved[rnd(r, sizeof(acl->__reserved))] = 1;
}

/* ---- the commands ---- */

static uint8_t pick_protection(struct rng *r)
{
	return (uint8_t)(one_in(r, 2) ? KHSM_PROTECT_MODULE :
			 1 + rnd(r, 2));
}

static void build_key(struct mb *m, bool import)
{
	static const uint32_t types[] = { KHSM_KEY_AES, KHSM_KEY_HMAC,
					  KHSM_KEY_EC_P256, KHSM_KEY_EC_P384 };
	struct req *q = m->req;
	struct khsm_acl acl;
	uint8_t secret[KHSM_SECRET_MAX + 1];
	uint32_t len = 0;
	uint8_t prot;

	/* EC keys cost a key pair and a pair-wise test: fewer of them. */
	q->key_type = types[one_in(R(m), 3) ? 2 + rnd(R(m), 2) : rnd(R(m), 2)];
	if (q->key_type == KHSM_KEY_AES)
		len = 16 + 8 * rnd(R(m), 3);
	else if (q->key_type == KHSM_KEY_HMAC)
		len = 16 + rnd(R(m), KHSM_HMAC_KEY_MAX - 15);
	fz_make_acl(R(m), q->key_type, &acl);
	q->ops = acl.ops;
	q->mechs = acl.mechs;
	prot = pick_protection(R(m));
	if (prot != KHSM_PROTECT_MODULE || one_in(R(m), 10))
		q->token = token_pick(R(m));
	if (!q->token && prot != KHSM_PROTECT_MODULE && !one_in(R(m), 8))
		prot = KHSM_PROTECT_MODULE;	/* no token to protect it with */

	nest_start(m, KHSM_A_KEY);
	put_u32(m, KHSM_A_KEY_TYPE, q->key_type);
	if (len && !import && !one_in(R(m), 4))
		put_u32(m, KHSM_A_KEY_LEN, len);
	put_u8(m, KHSM_A_KEY_PROTECTION, prot);
	put(m, KHSM_A_KEY_ACL, &acl, sizeof(acl));
	put_name(m, KHSM_A_KEY_APP, "app");
	put_name(m, KHSM_A_KEY_IDENT, "key");
	if (one_in(R(m), 3))
		put_u8(m, KHSM_A_KEY_RECOVERY, (uint8_t)rnd(R(m), 2));
	if (import) {
		struct fz_blob pt;
		bool pub = (q->key_type == KHSM_KEY_EC_P256 ||
			    q->key_type == KHSM_KEY_EC_P384) && one_in(R(m), 3) &&
			   pool_pick(P_POINT, R(m), &pt);

		if (pub) {
			put(m, KHSM_A_KEY_PUBLIC, pt.data, pt.len);
			blob_free(&pt);
		} else {
			if (q->key_type == KHSM_KEY_EC_P256)
				len = 32;
			else if (q->key_type == KHSM_KEY_EC_P384)
				len = 48;
			rnd_bytes(R(m), secret, sizeof(secret));
			secret[0] &= 0x7f;	/* below the curve's order */
			put(m, KHSM_A_KEY_SECRET, secret, len);
		}
	}
	nest_end(m);
	if (q->token)
		put_u64(m, KHSM_A_TOKEN_ID, q->token);
}

static bool build_insert(struct mb *m)
{
	struct req *q = m->req;
	struct fz_blob card;
	uint8_t key[KHSM_PP_KEY_LEN];
	bool acs = one_in(R(m), 3);

	if (!pool_pick_world(acs ? P_ACS : P_CARD, R(m), &card) &&
	    !pool_pick_world(acs ? P_CARD : P_ACS, R(m), &card))
		return false;
	q->slot = (int)rnd(R(m), one_in(R(m), 16) ? 80 : opt.slots);
	put_u8(m, KHSM_A_SLOT, (uint8_t)q->slot);
	put(m, KHSM_A_CARD_IMAGE, card.data, card.len);
	if (card.pp >= 0 || one_in(R(m), 10)) {
		memset(key, card.pp >= 0 ? card.pp : 0, sizeof(key));
		if (one_in(R(m), 12))	/* a wrong passphrase */
			key[rnd(R(m), sizeof(key))] ^= 1;
		put(m, KHSM_A_PP_KEY, key, sizeof(key));
	}
	if (one_in(R(m), 10))
		put_flag(m, KHSM_A_VERIFY_ONLY);
	if (one_in(R(m), 6))
		put_u32(m, KHSM_A_SHARE_GID, one_in(R(m), 2) ? opt.khsm_gid :
			rnd_edge32(R(m)));
	q->set_type = (uint8_t)card.type;
	blob_free(&card);
	return true;
}

/* K ACS cards of the current world on this socket: the officer's login. */
static void acs_login(struct worker *w);

static bool build_card_passphrase(struct mb *m)
{
	struct fz_blob card;
	uint8_t key[KHSM_PP_KEY_LEN];
	int pool = one_in(R(m), 4) ? P_ACS : P_CARD;

	if (!pool_pick_world(pool, R(m), &card))
		return false;
	put(m, KHSM_A_CARD_IMAGE, card.data, card.len);
	if (card.pp >= 0) {
		memset(key, card.pp, sizeof(key));
		put(m, KHSM_A_PP_KEY, key, sizeof(key));
	}
	nest_start(m, KHSM_A_CARDS);
	/* The card's own index, from its header (now and then another). */
	put_card_entry(m, card.len >= sizeof(struct khsm_card_hdr) &&
		       !one_in(R(m), 10) ?
		       card.data[offsetof(struct khsm_card_hdr, index)] :
		       (uint8_t)(1 + rnd(R(m), 4)), !one_in(R(m), 5));
	nest_end(m);
	m->req->set_type = (uint8_t)card.type;
	m->req->k = card.k;
	m->req->world_tag = card.world;
	blob_free(&card);
	return true;
}

static void build_cardset(struct mb *m)
{
	struct req *q = m->req;
	bool soft = one_in(R(m), 2);
	uint8_t k, n;

	pick_kn(R(m), &k, &n);
	if (soft || n > 8)	/* sets stay small: every card costs */
		k = n = soft ? 1 : (uint8_t)MIN(n, 8);
	q->k = k;
	q->set_type = soft ? KHSM_SET_SOFTCARD : KHSM_SET_OCS;
	nest_start(m, KHSM_A_CARDSET);
	put_u8(m, KHSM_A_CARDSET_TYPE, q->set_type);
	put_name(m, KHSM_A_CARDSET_NAME, soft ? "soft" : "ocs");
	put_u8(m, KHSM_A_CARDSET_K, k);
	put_u8(m, KHSM_A_CARDSET_N, n);
	if (one_in(R(m), 2))
		put_u8(m, KHSM_A_CARDSET_PERSISTENT, (uint8_t)rnd(R(m), 2));
	if (one_in(R(m), 6))
		put_u32(m, KHSM_A_CARDSET_TIMEOUT, one_in(R(m), 2) ?
			1 + rnd(R(m), 3) : rnd(R(m), 2592001));
	if (one_in(R(m), 3))
		put_u8(m, KHSM_A_CARDSET_RECOVERY, (uint8_t)rnd(R(m), 2));
	if (one_in(R(m), 5))
		put_u8(m, KHSM_A_CARDSET_PP_RECOVERY, (uint8_t)rnd(R(m), 2));
	nest_end(m);
	put_cards(m, n, soft ? 1 : 0);
}

static void build_world_new(struct mb *m)
{
	uint8_t k, n;

	pick_kn(R(m), &k, &n);
	m->req->k = k;
	put_opts(m, k, n, true);
	put_cards(m, n, one_in(R(m), 3) ? 0 : -1);
	if (one_in(R(m), 6))
		put_bind(m);
}

static bool build_world_load(struct mb *m)
{
	struct fz_blob wf;

	if (!pool_pick(P_WORLD, R(m), &wf))
		return false;
	put(m, KHSM_A_WORLD_FILE, wf.data, wf.len);
	if (one_in(R(m), 3))
		put_bind(m);
	m->req->world_tag = wf.world;
	m->req->k = wf.k;
	blob_free(&wf);
	return true;
}

static void build_audit(struct mb *m, bool ack)
{
	uint8_t inst[KHSM_AUDIT_INSTANCE_LEN];
	uint64_t seq;

	pthread_mutex_lock(&ids.lock);
	memcpy(inst, ids.audit_instance, sizeof(inst));
	seq = ids.audit_next ? ids.audit_next - 1 : 0;
	pthread_mutex_unlock(&ids.lock);
	if (!ack && one_in(R(m), 2))
		return;
	nest_start(m, KHSM_A_AUDIT);
	if (ack) {
		if (one_in(R(m), 20))
			inst[0] ^= 1;
		put(m, KHSM_A_AUDIT_INSTANCE, inst, sizeof(inst));
	}
	if (one_in(R(m), 10))
		seq = one_in(R(m), 2) ? seq + 1 + rnd(R(m), 100) : rnd64(R(m));
	else if (!ack)
		seq = seq > 50 ? seq - rnd(R(m), 50) : 0;
	put_u64(m, KHSM_A_AUDIT_SEQ, seq);
	nest_end(m);
}

/* Any command, attributes from its learned policy alone. */
static void build_generic(struct mb *m)
{
	const struct fz_policy *p = cur_pol(m);
	uint32_t t;

	for (t = 1; p && t <= p->maxtype; t++)
		if (p->a[t].present && !one_in(R(m), 3))
			gen_by_policy(m, (uint16_t)t, 0);
	if (!p && m->mutate && one_in(R(m), 2))	/* takes nothing: give it some */
		put(m, unknown_type(m), NULL, rnd(R(m), 16));
}

/* ---- sending and reading ---- */

/* Damage done to the message as a whole, after it is built. */
static size_t finish(struct mb *m, uint8_t cmd)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->b;
	struct genlmsghdr *g = NLMSG_DATA(nlh);
	size_t len;

	while (m->depth)
		nest_end(m);
	len = m->off;
	nlh->nlmsg_len = (uint32_t)len;
	if (cmd == KHSM_CMD_AUDIT_GET)
		nlh->nlmsg_flags |= NLM_F_DUMP;
	if (!m->mutate || !one_in(R(m), 3))
		return len;
	switch (rnd(R(m), 14)) {
	case 0:		/* cut short, header saying so */
		len = rnd(R(m), (uint32_t)len + 1);
		if (len >= sizeof(*nlh))
			nlh->nlmsg_len = (uint32_t)len;
		break;
	case 1:		/* cut short, header not saying so */
		len = NLMSG_HDRLEN + rnd(R(m), (uint32_t)(len - NLMSG_HDRLEN + 1));
		break;
	case 2:		/* header longer than what follows */
		nlh->nlmsg_len += 1 + rnd(R(m), 64);
		break;
	case 3:		/* header shorter than the genl header */
		nlh->nlmsg_len = NLMSG_HDRLEN + rnd(R(m), GENL_HDRLEN);
		break;
	case 4:
		g->version = (uint8_t)rnd(R(m), 256);
		break;
	case 5:
		g->reserved = (uint16_t)(1 + rnd(R(m), 0xffff));
		break;
	case 6:		/* no ack wanted, or odd flags */
		nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | (rnd64(R(m)) &
			(one_in(R(m), 2) ? 0xffff : NLM_F_ECHO | NLM_F_ACK |
			 NLM_F_ROOT | NLM_F_MATCH | NLM_F_ATOMIC)));
		break;
	case 7:		/* a dump of a command that has none */
		nlh->nlmsg_flags |= NLM_F_DUMP;
		break;
	case 8:		/* trailing garbage, unaligned */
		len = MIN(len + 1 + rnd(R(m), 40), m->cap);
		rnd_bytes(R(m), m->b + m->off, len - m->off);
		nlh->nlmsg_len = (uint32_t)len;
		break;
	case 9:		/* attributes nested deeper than anything allows */
		{
			unsigned int d = 8 + rnd(R(m), 30), i;
			size_t at = m->off, starts[40] = { 0 };

			for (i = 0; i < d && m->off + 8 < m->cap; i++) {
				starts[i] = m->off;
				raw_put(m, (uint16_t)(1 + rnd(R(m), 8)) |
					NLA_F_NESTED, NULL, 0);
			}
			raw_put(m, 1, NULL, 4);
			while (i--)
				((struct nlattr *)(m->b + starts[i]))->nla_len =
					(uint16_t)(m->off - starts[i]);
			(void)at;
			len = m->off;
			nlh->nlmsg_len = (uint32_t)len;
		}
		break;
	case 10:	/* the whole payload random */
		rnd_bytes(R(m), m->b + NLMSG_HDRLEN + GENL_HDRLEN,
			  len - NLMSG_HDRLEN - GENL_HDRLEN);
		break;
	case 11:	/* another command number */
		g->cmd = (uint8_t)(one_in(R(m), 2) ? rnd(R(m), KHSM_CMD_MAX + 4) :
				   rnd(R(m), 256));
		/* Not too often one that tears the world down. */
		if ((g->cmd == KHSM_CMD_WORLD_UNLOAD || g->cmd == KHSM_CMD_CLEAR) &&
		    !one_in(R(m), 8))
			g->cmd = KHSM_CMD_SLOT_LIST;
		break;
	case 12:	/* a control message type: the kernel skips it */
		nlh->nlmsg_type = (uint16_t)rnd(R(m), NLMSG_MIN_TYPE);
		break;
	default:	/* a second message after this one, in one datagram */
		{
			size_t at = NLMSG_ALIGN(len);
			struct nlmsghdr *n2;
			struct genlmsghdr *g2;

			if (at + 64 > m->cap)
				break;
			memset(m->b + len, 0, at - len);
			n2 = (struct nlmsghdr *)(m->b + at);
			g2 = NLMSG_DATA(n2);
			memset(n2, 0, NLMSG_HDRLEN + GENL_HDRLEN);
			n2->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
			n2->nlmsg_type = fam.id;
			n2->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
			n2->nlmsg_seq = m->req->seq;
			g2->cmd = (uint8_t)(1 + rnd(R(m), KHSM_CMD_MAX));
			g2->version = KHSM_GENL_VERSION;
			len = at + n2->nlmsg_len;
		}
		break;
	}
	return len;
}

/*
 * Bugs khsm-fuzz found that the module still has: a run steers around
 * them (unless --no-avoid) in avoid_known(), so that it gets past them to
 * whatever else there is, and names them when it starts. Each has its
 * reproducer, selftests/khsm/repro_*.c. Once the module is fixed, the
 * entry and its steering go, and the reproducer runs in make check
 * (fuzz_test.sh runs every build/fuzz/repro_*). None now: the first,
 * repro_recover_token0 (KEY_RECOVER with token id 0), was fixed in
 * kmod/tokens.c.
 */
static const struct {
	const char *what, *repro;
} known_bugs[] = {
	{ NULL, NULL },
};

/* The reproducers of the known bugs, one per line (--list-known). */
void nl_list_known(void)
{
	size_t i;

	for (i = 0; known_bugs[i].what; i++)
		printf("%s\n", known_bugs[i].repro);
}

void nl_print_known(void)
{
	size_t i;

	for (i = 0; known_bugs[i].what; i++)
		fz_log("%s known bug: %s (%s)", opt.no_avoid ? "not avoiding" :
		       "steering around", known_bugs[i].what,
		       known_bugs[i].repro);
}

/*
 * The message as it goes out, with the known bugs' triggers defused: an
 * attribute's value changed, say, right before send() (every request
 * passes here, whatever built or broke it).
 */
static void avoid_known(uint8_t *b, size_t len)
{
	if (opt.no_avoid || !known_bugs[0].what)
		return;
	(void)b;
	(void)len;
}

static unsigned int count_msgs(const uint8_t *b, size_t len)
{
	const struct nlmsghdr *nlh = (const void *)b;
	int rem = (int)len;
	unsigned int n = 0;

	for (; NLMSG_OK(nlh, rem); nlh = NLMSG_NEXT(nlh, rem))
		n++;
	return n ? n : 1;
}

/* Attributes of a reply: the first of @type at the top, or in a nest. */
#define AD(a)	((const uint8_t *)(a) + NLA_HDRLEN)
#define AL(a)	((int)(a)->nla_len - NLA_HDRLEN)

/* Attribute payloads are only 4-byte aligned: u64s by memcpy. */
static uint64_t get_u64(const struct nlattr *a)
{
	uint64_t v;

	memcpy(&v, AD(a), sizeof(v));
	return v;
}

static uint32_t get_u32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, AD(a), sizeof(v));
	return v;
}

static const struct nlattr *find(const uint8_t *p, int len, uint16_t type)
{
	const struct nlattr *a = (const void *)p;

	while (len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= len) {
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		len -= NLA_ALIGN(a->nla_len);
		a = (const void *)((const uint8_t *)a + NLA_ALIGN(a->nla_len));
	}
	return NULL;
}

/* Each entry of a nested array, in turn. */
static const struct nlattr *next_entry(const struct nlattr *arr,
				       const struct nlattr *prev)
{
	const uint8_t *end = AD(arr) + AL(arr);
	const struct nlattr *a = prev ? (const void *)((const uint8_t *)prev +
				 NLA_ALIGN(prev->nla_len)) : (const void *)AD(arr);

	if ((const uint8_t *)a + NLA_HDRLEN > end || a->nla_len < NLA_HDRLEN ||
	    (const uint8_t *)a + a->nla_len > end)
		return NULL;
	return a;
}

static void harvest_cards(struct worker *w, const struct req *q,
			  const struct nlattr *cards, enum pool_id pool)
{
	const struct nlattr *e = NULL, *idx, *file;

	while ((e = next_entry(cards, e))) {
		struct fz_blob meta = { 0 };

		idx = find(AD(e), AL(e), KHSM_A_CARD_INDEX);
		file = find(AD(e), AL(e), KHSM_A_CARD_FILE);
		if (!idx || !file || AL(idx) < 1)
			continue;
		meta.pp = q->pp[*AD(idx) <= KHSM_MAX_CARDS ? *AD(idx) : 0];
		meta.type = pool == P_ACS ? KHSM_SET_ACS : q->set_type;
		meta.k = q->k;
		meta.world = pool == P_ACS ? q->world_tag : ids.world;
		pool_add(pool, &w->r, AD(file), AL(file), &meta);
		save_seed("card", AD(file), AL(file));
	}
}

static void harvest_key(struct worker *w, const struct req *q,
			const struct nlattr *key)
{
	const struct nlattr *blob = find(AD(key), AL(key), KHSM_A_KEY_BLOB);
	struct fz_blob meta = { .type = q->key_type, .ops = q->ops,
				.mechs = q->mechs, .token = q->token, .pp = -1,
				.world = ids.world };

	if (!blob)
		return;
	pool_add(P_BLOB, &w->r, AD(blob), AL(blob), &meta);
	save_seed("keyblob", AD(blob), AL(blob));
}

static void new_world(struct worker *w, struct req *q, const uint8_t *attrs,
		      int len)
{
	const struct nlattr *wf = find(attrs, len, KHSM_A_WORLD_FILE);
	const struct nlattr *cards = find(attrs, len, KHSM_A_CARDS);
	struct fz_blob meta = { .pp = -1, .k = q->k };

	if (!wf)
		return;
	pthread_mutex_lock(&ids.lock);
	q->world_tag = meta.world = ++ids.world_serial;
	ids.world = q->world_tag;
	ids.world_up = true;
	ids.world_k = q->k;
	pthread_mutex_unlock(&ids.lock);
	pool_add(P_WORLD, &w->r, AD(wf), AL(wf), &meta);
	save_seed("world", AD(wf), AL(wf));
	if (cards)
		harvest_cards(w, q, cards, P_ACS);
}

/* A reply to @q: file what it carries. */
static void harvest(struct worker *w, struct req *q, const struct nlmsghdr *nlh)
{
	const uint8_t *attrs = (const uint8_t *)NLMSG_DATA(nlh) + GENL_HDRLEN;
	int len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	const struct nlattr *a, *e = NULL;

	if (len < 0)
		return;
	switch (q->cmd) {
	case KHSM_CMD_WORLD_NEW:
	case KHSM_CMD_ACS_REPLACE:
		new_world(w, q, attrs, len);
		break;
	case KHSM_CMD_WORLD_BIND:
	case KHSM_CMD_POLICY_SET:
		a = find(attrs, len, KHSM_A_WORLD_FILE);
		if (a) {
			struct fz_blob meta = { .pp = -1, .k = ids.world_k,
						.world = ids.world };

			pool_add(P_WORLD, &w->r, AD(a), AL(a), &meta);
		}
		break;
	case KHSM_CMD_WORLD_LOAD:
		pthread_mutex_lock(&ids.lock);
		ids.world = q->world_tag;
		ids.world_k = q->k;
		pthread_mutex_unlock(&ids.lock);
		break;
	case KHSM_CMD_CARDSET_CREATE:
		a = find(attrs, len, KHSM_A_CARDS);
		if (a)
			harvest_cards(w, q, a, P_CARD);
		break;
	case KHSM_CMD_CARD_PASSPHRASE:
		a = find(attrs, len, KHSM_A_CARDS);
		if (a)
			harvest_cards(w, q, a, q->set_type == KHSM_SET_ACS ?
				      P_ACS : P_CARD);
		break;
	case KHSM_CMD_CARD_INSERT:
		a = find(attrs, len, KHSM_A_TOKEN_ID);
		if (a && AL(a) == 8)
			token_add(&w->r, get_u64(a));
		break;
	case KHSM_CMD_TOKEN_LIST:
		a = find(attrs, len, KHSM_A_TOKENS);
		while (a && (e = next_entry(a, e))) {
			const struct nlattr *id = find(AD(e), AL(e),
						       KHSM_A_TOKEN_TOKEN_ID);

			if (id && AL(id) == 8)
				token_add(&w->r, get_u64(id));
		}
		break;
	case KHSM_CMD_KEY_GENERATE:
	case KHSM_CMD_KEY_IMPORT:
	case KHSM_CMD_KEY_RECOVER:
		a = find(attrs, len, KHSM_A_KEY);
		if (a)
			harvest_key(w, q, a);
		break;
	case KHSM_CMD_GET_INFO:
		a = find(attrs, len, KHSM_A_INFO);
		if (a) {
			const struct nlattr *st = find(AD(a), AL(a),
						       KHSM_A_INFO_WORLD_STATE);

			if (st && AL(st) == 4)
				ids.world_up = get_u32(st) ==
					       KHSM_WORLD_OPERATIONAL;
		}
		break;
	case KHSM_CMD_AUDIT_STATUS:
		a = find(attrs, len, KHSM_A_AUDIT);
		if (a) {
			const struct nlattr *inst = find(AD(a), AL(a),
							 KHSM_A_AUDIT_INSTANCE);
			const struct nlattr *next = find(AD(a), AL(a),
							 KHSM_A_AUDIT_NEXT);

			pthread_mutex_lock(&ids.lock);
			if (inst && AL(inst) == KHSM_AUDIT_INSTANCE_LEN)
				memcpy(ids.audit_instance, AD(inst),
				       KHSM_AUDIT_INSTANCE_LEN);
			if (next && AL(next) == 8)
				ids.audit_next = get_u64(next);
			ids.have_audit = true;
			pthread_mutex_unlock(&ids.lock);
		}
		break;
	default:
		break;
	}
}

/* The selector byte fuzz_reply.c expects for replies to @cmd, or -1. */
static int reply_selector(uint8_t cmd)
{
	switch (cmd) {
	case KHSM_CMD_WORLD_NEW: case KHSM_CMD_ACS_REPLACE:
	case KHSM_CMD_WORLD_BIND: case KHSM_CMD_POLICY_SET:
		return 0;
	case KHSM_CMD_CARD_INSERT: return 1;
	case KHSM_CMD_SLOT_LIST: return 2;
	case KHSM_CMD_CARDSET_CREATE: return 3;
	case KHSM_CMD_TOKEN_LIST: return 4;
	case KHSM_CMD_KEY_GENERATE: case KHSM_CMD_KEY_IMPORT:
	case KHSM_CMD_KEY_RECOVER:
		return 5;
	case KHSM_CMD_GET_INFO: return 6;
	case KHSM_CMD_CARD_PASSPHRASE: return 8;
	}
	return -1;
}

/* A reply, for the host fuzzers' corpus: filed by the command it answers. */
static void seed_reply(const uint8_t *buf, size_t n)
{
	static int saved[KHSM_CMD_MAX + 1];
	uint8_t cmd, *b;
	int sel;

	if (!opt.save_seeds || n < NLMSG_HDRLEN + GENL_HDRLEN)
		return;
	cmd = ((const struct genlmsghdr *)(buf + NLMSG_HDRLEN))->cmd;
	sel = reply_selector(cmd);
	if (sel < 0 || cmd > KHSM_CMD_MAX ||
	    __atomic_fetch_add(&saved[cmd], 1, __ATOMIC_RELAXED) >= 2)
		return;
	b = malloc(n + 1);
	if (!b)
		return;
	b[0] = (uint8_t)sel;
	memcpy(b + 1, buf, n);
	save_seed("reply", b, n + 1);
	free(b);
}

/* -vv: the extack message of an error (NETLINK_CAP_ACK: right after it). */
static void print_extack(const struct nlmsghdr *nlh)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nlmsgerr));
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) ||
	    !(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off > nlh->nlmsg_len)
		return;
	a = find((const uint8_t *)nlh + off, (int)(nlh->nlmsg_len - off),
		 NLMSGERR_ATTR_MSG);
	if (a && AL(a) > 0)
		fprintf(stderr, "    extack: %.*s\n", AL(a), (const char *)AD(a));
}

/*
 * Reads what is queued on @fd without blocking. Returns the errno of
 * @q's NLMSG_ERROR (0 for its ack), or 1 if it did not come (no ack asked
 * for, a dump still going, a message the kernel dropped).
 */
static int recv_replies(struct worker *w, int fd, struct req *q)
{
	static __thread uint8_t buf[65536];
	int result = 1, spins = 0;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		struct nlmsghdr *nlh;
		int rem;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* ENOBUFS: replies were dropped; read on. */
			if (errno == ENOBUFS && ++spins < 4)
				continue;
			return result;
		}
		rem = (int)n;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, rem);
		     nlh = NLMSG_NEXT(nlh, rem)) {
			if (!q || nlh->nlmsg_seq != q->seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR &&
			    nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int)) {
				result = -((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
				if (result < 0)
					result = EPROTO;
				if (opt.verbose > 1)
					print_extack(nlh);
			} else if (nlh->nlmsg_type == NLMSG_DONE) {
				if (result == 1)
					result = 0;
			} else if (nlh->nlmsg_type == fam.id) {
				harvest(w, q, nlh);
				seed_reply((const uint8_t *)nlh, nlh->nlmsg_len);
			}
		}
		/* A dump goes on only while it is read: stop now and then. */
		if (q && q->dump && one_in(&w->r, 64))
			return result;
	}
}

void nl_drain(int fd)
{
	static __thread uint8_t buf[65536];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/* The private socket of @w, reopened if chaos took it. */
static int private_nl(struct worker *w)
{
	int fd;

	if (w->nl >= 0)
		return w->nl;
	fd = nl_socket_open();
	if (fd < 0)
		return -1;
	/* Far above the shared fds, so their stale numbers do not hit it. */
	w->nl = fcntl(fd, F_DUPFD_CLOEXEC, 600 + w->id * 2);
	close(fd);
	w->acs_inserted = 0;
	w->slots = 0;
	return w->nl;
}

static int send_req(struct worker *w, int fd, struct mb *m, size_t len)
{
	unsigned int n = count_msgs(m->b, len);
	int ret, result;

	uint64_t t0;

	nl_drain(fd);	/* audit records and answers nobody waited for */
	avoid_known(m->b, len);
	t0 = now_us();
	ret = (int)send(fd, m->b, len, 0);
	cnt_add(&cnt->nl_msgs, n);
	cnt_add(&cnt->nl_sends, 1);
	if (ret < 0) {
		result = errno;
		if (fd == w->nl && (errno == EBADF || errno == ENOTSOCK ||
				    errno == ECONNREFUSED)) {
			/* Someone closed our number: a fresh socket. */
			close(w->nl);
			w->nl = -1;
		}
	} else {
		result = recv_replies(w, fd, m->req);
	}
	cnt_add(&cnt->nl_us[MIN(m->req->cmd, (uint8_t)(KHSM_CMD_MAX + 1))],
		now_us() - t0);
	trail_note(w, cmd_name(m->req->cmd), m->b, len, result);
	if (opt.verbose > 1)
		fprintf(stderr, "t%d%s %s len %zu mutated %d -> %d\n", w->id,
			w->forked ? "c" : "", cmd_name(m->req->cmd), len,
			m->mutate, result);
	if (opt.verbose > 2 && !m->mutate && result && result != 1) {
		size_t i;

		fprintf(stderr, "   ");
		for (i = 0; i < MIN(len, (size_t)2048); i++)
			fprintf(stderr, "%02x", m->b[i]);
		fprintf(stderr, "\n");
	}
	/* Slots this worker's own socket holds cards in. */
	if (fd == w->nl && m->req->slot < KHSM_MAX_CARDS &&
	    (result == 0 || result == ENODATA)) {
		if (m->req->cmd == KHSM_CMD_CARD_INSERT && !result)
			w->slots |= 1ULL << m->req->slot;
		else if (m->req->cmd == KHSM_CMD_CARD_REMOVE)
			w->slots &= ~(1ULL << m->req->slot);
	}
	/* What the answers say about the world. */
	if (!result && m->req->cmd == KHSM_CMD_WORLD_UNLOAD)
		ids.world_up = false;
	else if ((!result || result == EEXIST) &&
		 (m->req->cmd == KHSM_CMD_WORLD_NEW ||
		  m->req->cmd == KHSM_CMD_WORLD_LOAD))
		ids.world_up = true;
	if (result != 1) {
		cnt_add(&cnt->nl_err[MIN(m->req->cmd, (uint8_t)(KHSM_CMD_MAX + 1))]
			[errno_slot(result)], 1);
		if (result == ENOENT && !w->userns &&
		    ((struct nlmsghdr *)m->b)->nlmsg_type == fam.id)
			cnt_add(&cnt->enoent_nl, 1);
	}
	return result;
}

/* Build-and-send for commands with a semantic builder. */
static int do_cmd(struct worker *w, int fd, uint8_t cmd, bool clean)
{
	struct mb m;
	struct req q;
	size_t len;
	bool ok = true;

	mb_start(&m, w, &q, cmd);
	if (clean)
		m.mutate = false;
	switch (cmd) {
	case KHSM_CMD_GET_INFO:
		if (one_in(&w->r, 2))
			put_u32(&m, KHSM_A_INFO_SECTIONS,
				(uint32_t)pol_uint(&m, fz_attr(cur_pol(&m),
						KHSM_A_INFO_SECTIONS), 7));
		break;
	case KHSM_CMD_WORLD_NEW:
		build_world_new(&m);
		break;
	case KHSM_CMD_WORLD_LOAD:
		ok = build_world_load(&m);
		break;
	case KHSM_CMD_CARD_INSERT:
		ok = build_insert(&m);
		break;
	case KHSM_CMD_CARD_REMOVE:
		/* Mostly a slot this connection filled. */
		q.slot = (int)rnd(&w->r, opt.slots);
		if (w->slots && !one_in(&w->r, 4))
			while (!(w->slots & (1ULL << q.slot)))
				q.slot = (int)rnd(&w->r, KHSM_MAX_CARDS);
		else if (one_in(&w->r, 8))
			q.slot = (int)rnd(&w->r, 80);
		put_u8(&m, KHSM_A_SLOT, (uint8_t)q.slot);
		break;
	case KHSM_CMD_ACS_REPLACE:
		{
			uint8_t k, n;

			pick_kn(&w->r, &k, &n);
			if (n > 8)
				k = n = (uint8_t)MIN(n, 8);
			q.k = k;
			put_opts(&m, k, n, true);
			put_cards(&m, n, one_in(&w->r, 3) ? 0 : -1);
		}
		break;
	case KHSM_CMD_WORLD_BIND:
		put_bind(&m);
		break;
	case KHSM_CMD_POLICY_SET:
		put_opts(&m, ids.world_k ? ids.world_k : 1, 0, false);
		break;
	case KHSM_CMD_CARDSET_CREATE:
		build_cardset(&m);
		break;
	case KHSM_CMD_TOKEN_UNLOAD:
		put_u64(&m, KHSM_A_TOKEN_ID, one_in(&w->r, 10) ?
			rnd64(&w->r) : token_pick(&w->r));
		break;
	case KHSM_CMD_KEY_GENERATE:
	case KHSM_CMD_KEY_IMPORT:
		build_key(&m, cmd == KHSM_CMD_KEY_IMPORT);
		break;
	case KHSM_CMD_KEY_RECOVER:
		{
			struct fz_blob b;

			if (!pool_pick_world(P_BLOB, &w->r, &b)) {
				ok = false;
				break;
			}
			q.key_type = b.type;
			q.ops = b.ops;
			q.mechs = b.mechs;
			q.token = token_pick(&w->r);
			nest_start(&m, KHSM_A_KEY);
			put(&m, KHSM_A_KEY_BLOB, b.data, b.len);
			nest_end(&m);
			put_u64(&m, KHSM_A_TOKEN_ID, q.token);
			blob_free(&b);
		}
		break;
	case KHSM_CMD_CARD_PASSPHRASE:
		ok = build_card_passphrase(&m);
		break;
	case KHSM_CMD_AUDIT_GET:
		q.dump = true;
		build_audit(&m, false);
		break;
	case KHSM_CMD_AUDIT_ACK:
		build_audit(&m, true);
		break;
	case KHSM_CMD_WORLD_UNLOAD:
	case KHSM_CMD_SLOT_LIST:
	case KHSM_CMD_ACS_LOGOUT:
	case KHSM_CMD_CLEAR:
	case KHSM_CMD_TOKEN_LIST:
	case KHSM_CMD_AUDIT_CHECKPOINT:
	case KHSM_CMD_AUDIT_STATUS:
		if (m.mutate && one_in(&w->r, m.rate))
			put(&m, unknown_type(&m), NULL, rnd(&w->r, 12));
		break;
	default:
		build_generic(&m);
		break;
	}
	if (!ok)
		return -1;
	len = finish(&m, cmd);
	return send_req(w, fd, &m, len);
}

static void acs_login(struct worker *w)
{
	struct fz_blob card;
	uint8_t key[KHSM_PP_KEY_LEN];
	unsigned int want, tries;
	uint64_t world;
	int fd = private_nl(w);

	if (fd < 0)
		return;
	pthread_mutex_lock(&ids.lock);
	want = ids.world_k ? ids.world_k : 1;
	world = ids.world;
	pthread_mutex_unlock(&ids.lock);
	/* Cards of the world now loaded, each once, until its quorum. */
	for (tries = 0; tries < want * 3 && w->acs_inserted < want; tries++) {
		struct mb m;
		struct req q;
		size_t len;

		if (!pool_pick_world(P_ACS, &w->r, &card))
			return;
		if (card.world != world && !one_in(&w->r, 8)) {
			blob_free(&card);
			continue;
		}
		mb_start(&m, w, &q, KHSM_CMD_CARD_INSERT);
		m.mutate = false;
		q.slot = (int)rnd(&w->r, opt.slots);
		put_u8(&m, KHSM_A_SLOT, (uint8_t)q.slot);
		put(&m, KHSM_A_CARD_IMAGE, card.data, card.len);
		if (card.pp >= 0) {
			memset(key, card.pp, sizeof(key));
			put(&m, KHSM_A_PP_KEY, key, sizeof(key));
		}
		blob_free(&card);
		len = finish(&m, KHSM_CMD_CARD_INSERT);
		if (!send_req(w, fd, &m, len))
			w->acs_inserted++;
	}
}

/* What a worker does next, weighted by what the pools hold. */
enum {
	A_INFO, A_WORLD_NEW, A_WORLD_LOAD, A_WORLD_UNLOAD, A_INSERT, A_REMOVE,
	A_SLOTS, A_LOGOUT, A_ACS_REPLACE, A_BIND, A_POLICY, A_CLEAR,
	A_CARDSET, A_TOKENS, A_TOKEN_UNLOAD, A_KEYGEN, A_IMPORT, A_RECOVER,
	A_PASSPHRASE, A_AUDIT_GET, A_AUDIT_ACK, A_CHECKPOINT, A_AUDIT_STATUS,
	A_GENERIC, A_GARBAGE, A_MCAST, A_CLOSE_PRIVATE,
	A__COUNT
};

static const uint8_t action_cmd[A__COUNT] = {
	[A_INFO] = KHSM_CMD_GET_INFO, [A_WORLD_NEW] = KHSM_CMD_WORLD_NEW,
	[A_WORLD_LOAD] = KHSM_CMD_WORLD_LOAD,
	[A_WORLD_UNLOAD] = KHSM_CMD_WORLD_UNLOAD,
	[A_INSERT] = KHSM_CMD_CARD_INSERT, [A_REMOVE] = KHSM_CMD_CARD_REMOVE,
	[A_SLOTS] = KHSM_CMD_SLOT_LIST, [A_LOGOUT] = KHSM_CMD_ACS_LOGOUT,
	[A_ACS_REPLACE] = KHSM_CMD_ACS_REPLACE, [A_BIND] = KHSM_CMD_WORLD_BIND,
	[A_POLICY] = KHSM_CMD_POLICY_SET, [A_CLEAR] = KHSM_CMD_CLEAR,
	[A_CARDSET] = KHSM_CMD_CARDSET_CREATE, [A_TOKENS] = KHSM_CMD_TOKEN_LIST,
	[A_TOKEN_UNLOAD] = KHSM_CMD_TOKEN_UNLOAD,
	[A_KEYGEN] = KHSM_CMD_KEY_GENERATE, [A_IMPORT] = KHSM_CMD_KEY_IMPORT,
	[A_RECOVER] = KHSM_CMD_KEY_RECOVER,
	[A_PASSPHRASE] = KHSM_CMD_CARD_PASSPHRASE,
	[A_AUDIT_GET] = KHSM_CMD_AUDIT_GET, [A_AUDIT_ACK] = KHSM_CMD_AUDIT_ACK,
	[A_CHECKPOINT] = KHSM_CMD_AUDIT_CHECKPOINT,
	[A_AUDIT_STATUS] = KHSM_CMD_AUDIT_STATUS,
};

/* Per mille. The expensive ones (world and EC keys) are rare. */
static unsigned int weight(int a)
{
	uint32_t worlds = pools[P_WORLD].n, cards = pools[P_CARD].n;
	uint32_t blobs = pools[P_BLOB].n;

	switch (a) {
	case A_INFO: return 40;
	case A_WORLD_NEW: return ids.world_up ? 3 : worlds ? 60 : 150;
	case A_WORLD_LOAD: return ids.world_up ? 4 : 40;
	case A_WORLD_UNLOAD: return 2;
	case A_INSERT: return ids.ntokens < 4 ? 120 : 70;
	case A_REMOVE: return 40;
	case A_SLOTS: return 30;
	case A_LOGOUT: return 8;
	case A_ACS_REPLACE: return 2;
	case A_BIND: return 5;
	case A_POLICY: return 12;
	case A_CLEAR: return 2;
	case A_CARDSET: return cards < 8 ? 60 : 15;
	case A_TOKENS: return 30;
	case A_TOKEN_UNLOAD: return 15;
	case A_KEYGEN: return blobs < 16 ? 80 : 35;
	case A_IMPORT: return 30;
	case A_RECOVER: return 8;
	case A_PASSPHRASE: return 12;
	case A_AUDIT_GET: return 15;
	case A_AUDIT_ACK: return 25;
	case A_CHECKPOINT: return 6;
	case A_AUDIT_STATUS: return 25;
	case A_GENERIC: return 200;
	case A_GARBAGE: return 60;
	case A_MCAST: return 4;
	case A_CLOSE_PRIVATE: return 6;
	}
	return 0;
}

static int pick_action(struct rng *r)
{
	unsigned int total = 0, x, a;

	for (a = 0; a < A__COUNT; a++)
		total += weight((int)a);
	x = rnd(r, total);
	for (a = 0; a < A__COUNT; a++) {
		if (x < weight((int)a))
			return (int)a;
		x -= weight((int)a);
	}
	return A_INFO;
}

/* Bytes that are barely a message: the parser of the netlink core. */
static void garbage(struct worker *w, int fd)
{
	struct mb m;
	struct req q;
	size_t len;

	mb_start(&m, w, &q, (uint8_t)rnd(&w->r, KHSM_CMD_MAX + 2));
	m.mutate = true;
	len = m.off + rnd(&w->r, 200);
	rnd_bytes(&w->r, m.b + m.off, len - m.off);
	if (one_in(&w->r, 2))
		len = rnd(&w->r, (uint32_t)len);
	((struct nlmsghdr *)m.b)->nlmsg_len = one_in(&w->r, 4) ?
		(uint32_t)rnd64(&w->r) : (uint32_t)len;
	((struct nlmsghdr *)m.b)->nlmsg_type = fam.id;
	send_req(w, fd, &m, len);
}

/* Join or leave the audit group (root only), and leave it unread. */
static void mcast(struct worker *w, int fd)
{
	int g = (int)fam.audit_group;

	if (!g)
		return;
	setsockopt(fd, SOL_NETLINK, one_in(&w->r, 2) ?
		   NETLINK_ADD_MEMBERSHIP : NETLINK_DROP_MEMBERSHIP, &g,
		   sizeof(g));
}

void nl_action(struct worker *w)
{
	int a = pick_action(&w->r);
	int fd = private_nl(w);
	uint8_t cmd;

	/* A fifth of the traffic goes over the shared sockets. */
	if (one_in(&w->r, 5)) {
		int s = fd_pick(&w->r, FD_NL);

		if (s >= 0) {
			fd = s;
			nl_drain(fd);
		}
	}
	if (fd < 0)
		return;
	switch (a) {
	case A_GENERIC:
		cmd = (uint8_t)(1 + rnd(&w->r, FZ_MAX_CMD - 1));
		if (!fam.cmd[cmd].present && !one_in(&w->r, 16))
			cmd = (uint8_t)(1 + rnd(&w->r, KHSM_CMD_MAX));
		/* Commands that take no attribute and tear state down would
		 * go through at once: leave them to their own, rarer, actions. */
		if ((cmd == KHSM_CMD_WORLD_UNLOAD || cmd == KHSM_CMD_CLEAR ||
		     cmd == KHSM_CMD_ACS_LOGOUT) && !one_in(&w->r, 20))
			cmd = KHSM_CMD_GET_INFO;
		{
			struct mb m;
			struct req q;
			size_t len;

			mb_start(&m, w, &q, cmd);
			build_generic(&m);
			len = finish(&m, cmd);
			send_req(w, fd, &m, len);
		}
		return;
	case A_GARBAGE:
		garbage(w, fd);
		return;
	case A_MCAST:
		/* On a shared socket: a private one would fill up with
		 * records between our requests, and drop their answers. */
		if (fd != w->nl)
			mcast(w, fd);
		return;
	case A_CLOSE_PRIVATE:
		/* Closing ends this connection's cards, quorums, tokens. */
		if (w->nl >= 0 && !opt.no_chaos) {
			close(w->nl);
			w->nl = -1;
		}
		return;
	case A_ACS_REPLACE:
	case A_BIND:
	case A_POLICY:
	case A_RECOVER:
		/* Officer work wants the ACS quorum on this connection. */
		if (fd == w->nl && !one_in(&w->r, 4))
			acs_login(w);
		break;
	case A_AUDIT_ACK:
		if (!ids.have_audit || one_in(&w->r, 4))
			do_cmd(w, fd, KHSM_CMD_AUDIT_STATUS, true);
		break;
	}
	cmd = action_cmd[a];
	if (do_cmd(w, fd, cmd, false) < 0)	/* nothing to build it from */
		do_cmd(w, fd, KHSM_CMD_GET_INFO, false);
	if (a == A_WORLD_LOAD && fd == w->nl) {
		w->acs_inserted = 0;
		acs_login(w);	/* a LOADING world waits for its quorum */
	}
}

int nl_health(void)
{
	struct worker w;
	uint8_t buf[4096];
	struct mb m;
	struct req q;
	size_t len;
	int fd = nl_socket_open(), ret;

	if (fd < 0)
		return fd;
	memset(&w, 0, sizeof(w));
	w.msg = buf;
	w.msg_cap = sizeof(buf);
	w.nl = fd;
	rng_seed(&w.r, 1, 1);
	mb_start(&m, &w, &q, KHSM_CMD_GET_INFO);
	m.mutate = false;
	len = finish(&m, KHSM_CMD_GET_INFO);
	ret = send(fd, buf, len, 0) < 0 ? errno : recv_replies(&w, fd, &q);
	close(fd);
	return ret;
}

void nl_setup(void)
{
	add_bind_keys();
}
