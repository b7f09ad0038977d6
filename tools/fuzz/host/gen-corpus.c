// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writes the seed corpora of the libFuzzer targets: a few well-formed
 * inputs of each kind, laid out as <linux/khsm.h> says (files) or as the
 * module sends them (netlink replies, built with libnl the way
 * kmod/netlink.c does). The fuzzers then mutate from valid inputs instead
 * of having to discover a magic, a header length and a nest layout.
 *
 *   gen-corpus DIR     writes DIR/<target>/<name> for every target
 *
 * Seeds from the real module (tools/fuzz/khsm-fuzz --save-seeds) sit next
 * to these under guest-* names. Output is deterministic but for the EC
 * keys, made afresh each run.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <linux/khsm.h>

static const char *outdir;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void put_file(const char *target, const char *name, const void *p,
		     size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, target);
	if (mkdir(path, 0755) && errno != EEXIST)
		die(path);
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	f = fopen(path, "wb");
	if (!f || (len && fwrite(p, 1, len, f) != len) || fclose(f))
		die(path);
}

static void put_text(const char *target, const char *name, const char *s)
{
	put_file(target, name, s, strlen(s));
}

/* With a selector byte in front (the multiplexed targets). */
static void put_sel(const char *target, const char *name, uint8_t sel,
		    const void *p, size_t len)
{
	uint8_t *b = malloc(len + 1);

	if (!b)
		die("malloc");
	b[0] = sel;
	memcpy(b + 1, p, len);
	put_file(target, name, b, len + 1);
	free(b);
}

/* Filler that is not all zeroes, so no field reads as "absent" by luck. */
static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 37);
}

/* ---- files ---- */

static size_t card(uint8_t *buf, uint8_t type, uint8_t index, uint8_t k,
		   uint8_t n, int pp, uint32_t escrow, const char *set)
{
	struct khsm_card_hdr *h = (void *)buf;
	uint32_t body = 12 + 16 + 96;
	size_t total = sizeof(*h) + body + escrow + 32;

	memset(h, 0, sizeof(*h));
	memcpy(h->magic, KHSM_CARD_MAGIC, 8);
	h->version = htole16(KHSM_CARD_VERSION);
	h->hdr_len = htole16(sizeof(*h));
	h->body_len = htole32(body);
	h->created = htole64(1732380000);
	fill(h->world_id, sizeof(h->world_id), 1);
	fill(h->set_id, sizeof(h->set_id), 2);
	h->set_type = type;
	h->index = index;
	h->k = k;
	h->n = n;
	if (pp) {
		h->flags = htole32(KHSM_CARD_F_PASSPHRASE);
		h->pbkdf2_iter = htole32(200000);
		fill(h->pp_salt, sizeof(h->pp_salt), 3);
	}
	snprintf(h->set_name, sizeof(h->set_name), "%s", set);
	snprintf(h->card_name, sizeof(h->card_name), "card-%u", index);
	h->escrow_len = htole32(escrow);
	fill(buf + sizeof(*h), total - sizeof(*h), 4);
	return total;
}

static size_t world(uint8_t *buf, int bound, uint8_t k, uint8_t n)
{
	struct khsm_world_hdr *h = (void *)buf;
	struct khsm_world_keyslot *ks = (void *)(buf + sizeof(*h));
	uint32_t body = 12 + 16 + 200;
	size_t total;

	memset(h, 0, sizeof(*h));
	memcpy(h->magic, KHSM_WORLD_MAGIC, 8);
	h->version = htole16(KHSM_WORLD_VERSION);
	h->hdr_len = htole16(sizeof(*h));
	h->generation = htole32(3);
	fill(h->world_id, sizeof(h->world_id), 1);
	fill(h->acs_set_id, sizeof(h->acs_set_id), 5);
	h->created = htole64(1732380000);
	h->opts.acs_k = k;
	h->opts.acs_n = n;
	h->opts.load_quorum = k;
	h->opts.kr_quorum = k;
	h->opts.audit_checkpoint = htole16(64);
	h->opts.flags = htole32(KHSM_WORLD_F_STRICT);
	h->opts.nso_timeout = htole32(600);
	h->opts.retry_base_ms = htole32(1000);
	h->opts.retry_max_ms = htole32(60000);
	h->opts.pbkdf2_iter = htole32(200000);
	h->opts.protections = htole32(KHSM_PROTECT__ALL);
	h->opts.mechanisms = htole32(KHSM_MECH__ALL);
	fill(h->acs_salt, sizeof(h->acs_salt), 6);
	fill(&h->token_check[0][0], sizeof(h->token_check), 7);
	fill(h->audit_pubkey, sizeof(h->audit_pubkey), 8);
	h->audit_pubkey[0] = 0x04;
	h->nkeyslots = bound ? 2 : 1;
	h->body_len = htole32(body);
	memset(ks, 0, sizeof(*ks) * h->nkeyslots);
	ks[0].type = KHSM_KEYSLOT_ACS;
	if (bound)
		ks[1].type = KHSM_KEYSLOT_BIND;
	total = sizeof(*h) + sizeof(*ks) * h->nkeyslots + body;
	fill(buf + sizeof(*h) + sizeof(*ks) * h->nkeyslots,
	     body, 9);
	return total;
}

static size_t keyblob(uint8_t *buf, uint32_t type, uint8_t secret,
		      uint8_t pub, uint8_t protection, int recovery,
		      uint32_t ops, uint32_t mechs)
{
	struct khsm_key_hdr *h = (void *)buf;
	uint32_t body = secret ? secret + 28u : 0;
	size_t total = sizeof(*h) + body + (recovery ? body : 0);

	memset(h, 0, sizeof(*h));
	memcpy(h->magic, KHSM_KEY_MAGIC, 8);
	h->version = htole16(KHSM_KEY_VERSION);
	h->hdr_len = htole16(sizeof(*h));
	h->type = htole32(type);
	h->protection = protection;
	h->flags = recovery ? KHSM_KEY_F_RECOVERY : 0;
	h->secret_len = secret;
	h->pub_len = pub;
	fill(h->world_id, sizeof(h->world_id), 1);
	fill(h->key_id, sizeof(h->key_id), 10);
	if (protection != KHSM_PROTECT_MODULE)
		fill(h->set_id, sizeof(h->set_id), 2);
	h->created = htole64(1732380000);
	h->acl.ops = htole32(ops);
	h->acl.mechs = htole32(mechs);
	h->acl.flags = htole32(KHSM_ACL_F_WRAPPABLE);
	fill(h->key_hash, sizeof(h->key_hash), 11);
	if (pub) {
		fill(h->pubkey, pub, 12);
		h->pubkey[0] = 0x04;
	}
	strcpy(h->app, "payments");
	strcpy(h->ident, "signing-key_1");
	h->body_len = htole32(body);
	h->rec_len = htole32(recovery ? body : 0);
	fill(buf + sizeof(*h), total - sizeof(*h), 13);
	return total;
}

static void files(void)
{
	static uint8_t buf[KHSM_FILE_MAX];
	size_t n;

	n = card(buf, KHSM_SET_ACS, 1, 1, 1, 0, 0, "acs");
	put_file("card", "gen-acs-1of1", buf, n);
	n = card(buf, KHSM_SET_ACS, 2, 3, 5, 1, 0, "acs");
	put_file("card", "gen-acs-3of5-pp", buf, n);
	n = card(buf, KHSM_SET_OCS, 4, 2, 64, 1, 12 + 16 + 96, "payments-ocs");
	put_file("card", "gen-ocs-escrow", buf, n);
	n = card(buf, KHSM_SET_SOFTCARD, 1, 1, 1, 1, 0, "app_softcard");
	put_file("card", "gen-softcard", buf, n);

	n = world(buf, 0, 1, 1);
	put_file("world", "gen-acs-only", buf, n);
	n = world(buf, 1, 3, 5);
	put_file("world", "gen-bound-3of5", buf, n);

	n = keyblob(buf, KHSM_KEY_AES, 32, 0, KHSM_PROTECT_MODULE, 0,
		    1U << KHSM_OP_ENCRYPT | 1U << KHSM_OP_DECRYPT,
		    1U << KHSM_MECH_AES_GCM);
	put_file("keyblob", "gen-aes256-module", buf, n);
	n = keyblob(buf, KHSM_KEY_HMAC, 64, 0, KHSM_PROTECT_SOFTCARD, 1,
		    1U << KHSM_OP_MAC_GENERATE | 1U << KHSM_OP_MAC_VERIFY,
		    1U << KHSM_MECH_HMAC_SHA512);
	put_file("keyblob", "gen-hmac-softcard-recovery", buf, n);
	n = keyblob(buf, KHSM_KEY_EC_P256, 32, 65, KHSM_PROTECT_OCS, 0,
		    1U << KHSM_OP_SIGN | 1U << KHSM_OP_EXPORT_PUBLIC,
		    1U << KHSM_MECH_ECDSA_P256_SHA256);
	put_file("keyblob", "gen-p256-ocs", buf, n);
	n = keyblob(buf, KHSM_KEY_EC_P384, 0, 97, KHSM_PROTECT_MODULE, 0,
		    1U << KHSM_OP_VERIFY, 1U << KHSM_MECH_ECDSA_P384_SHA384);
	put_file("keyblob", "gen-p384-public", buf, n);
}

/* ---- netlink replies ---- */

/* Selector bytes: tools/fuzz/host/fuzz_reply.c's enum which. */
enum { R_WORLD, R_INSERT, R_SLOTS, R_CARDSET, R_TOKENS, R_KEY, R_INFO,
       R_WORLD_INFO, R_CARD_FILE, R_AUDIT_STATUS, R_AUDIT_RECORD, R_AUDIT_SEQ,
       R_AUDIT_GROUP, R__COUNT };

/* A recv() buffer being filled with messages. */
struct rbuf {
	uint8_t b[65536];
	size_t len;
};

static struct nl_msg *reply(uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc_size(32768);

	if (!m || !genlmsg_put(m, 4242, 7, 0x1d, 0, 0, cmd, KHSM_GENL_VERSION))
		die("genlmsg_put");
	return m;
}

static void add(struct rbuf *r, struct nl_msg *m)
{
	struct nlmsghdr *h = nlmsg_hdr(m);
	size_t n = NLMSG_ALIGN(h->nlmsg_len);

	if (r->len + n > sizeof(r->b))
		die("rbuf");
	memcpy(r->b + r->len, h, h->nlmsg_len);
	memset(r->b + r->len + h->nlmsg_len, 0, n - h->nlmsg_len);
	r->len += n;
	nlmsg_free(m);
}

static void add_done(struct rbuf *r)
{
	struct nlmsghdr h = {
		.nlmsg_len = NLMSG_HDRLEN + 4, .nlmsg_type = NLMSG_DONE,
		.nlmsg_flags = NLM_F_MULTI, .nlmsg_seq = 7, .nlmsg_pid = 4242,
	};

	memcpy(r->b + r->len, &h, sizeof(h));
	memset(r->b + r->len + sizeof(h), 0, 4);
	r->len += NLMSG_HDRLEN + 4;
}

/* An NLMSG_ERROR with extack TLVs, as with NETLINK_CAP_ACK. */
static void add_error(struct rbuf *r, int err, const char *text,
		      uint32_t offs, uint32_t miss)
{
	uint8_t *p = r->b + r->len;
	struct nlmsghdr *h = (void *)p;
	struct nlmsgerr *e = (void *)(p + NLMSG_HDRLEN);
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*e));
	struct nlattr *a;

	memset(p, 0, 1024);
	e->error = err;
	e->msg.nlmsg_len = NLMSG_HDRLEN + 4;
	e->msg.nlmsg_type = 0x1d;
	e->msg.nlmsg_seq = 7;
	h->nlmsg_type = NLMSG_ERROR;
	h->nlmsg_flags = NLM_F_CAPPED | (text || miss ? NLM_F_ACK_TLVS : 0);
	h->nlmsg_seq = 7;
	if (text) {
		a = (void *)(p + off);
		a->nla_type = NLMSGERR_ATTR_MSG;
		a->nla_len = NLA_HDRLEN + strlen(text) + 1;
		memcpy(p + off + NLA_HDRLEN, text, strlen(text) + 1);
		off += NLA_ALIGN(a->nla_len);
		a = (void *)(p + off);
		a->nla_type = NLMSGERR_ATTR_OFFS;
		a->nla_len = NLA_HDRLEN + 4;
		memcpy(p + off + NLA_HDRLEN, &offs, 4);
		off += NLA_ALIGN(a->nla_len);
	}
	if (miss) {
		a = (void *)(p + off);
		a->nla_type = NLMSGERR_ATTR_MISS_TYPE;
		a->nla_len = NLA_HDRLEN + 4;
		memcpy(p + off + NLA_HDRLEN, &miss, 4);
		off += NLA_ALIGN(a->nla_len);
	}
	h->nlmsg_len = off;
	r->len += off;
}

static struct nlattr *nest(struct nl_msg *m, int type)
{
	struct nlattr *a = nla_nest_start(m, type | NLA_F_NESTED);

	if (!a)
		die("nla_nest_start");
	return a;
}

static void card_files(struct nl_msg *m, unsigned int n)
{
	struct nlattr *arr = nest(m, KHSM_A_CARDS), *e;
	uint8_t file[600];
	unsigned int i;

	for (i = 1; i <= n; i++) {
		size_t len = card(file, KHSM_SET_ACS, i, 1, n, 0, 0, "acs");

		(void)len;
		e = nest(m, KHSM_A_CARD_ENTRY);
		nla_put_u8(m, KHSM_A_CARD_INDEX, i);
		/* A short card: replies are what the parser looks at. */
		nla_put(m, KHSM_A_CARD_FILE, 64, file);
		nla_nest_end(m, e);
	}
	nla_nest_end(m, arr);
}

static void put_reply(const char *name, uint8_t sel, struct rbuf *r)
{
	put_sel("reply", name, sel, r->b, r->len);
	memset(r, 0, sizeof(*r));
}

static void audit_replies(struct rbuf *r)
{
	uint8_t inst[KHSM_AUDIT_INSTANCE_LEN], rec[64], dig[KHSM_AUDIT_DIGEST_LEN];
	struct nl_msg *m;
	struct nlattr *a, *g;
	int i;

	fill(inst, sizeof(inst), 3);
	m = reply(KHSM_CMD_AUDIT_STATUS);
	a = nest(m, KHSM_A_AUDIT);
	nla_put(m, KHSM_A_AUDIT_INSTANCE, sizeof(inst), inst);
	nla_put_u64(m, KHSM_A_AUDIT_FIRST, 1);
	nla_put_u64(m, KHSM_A_AUDIT_NEXT, 42);
	nla_put_u64(m, KHSM_A_AUDIT_ACKED, 40);
	nla_put_u32(m, KHSM_A_AUDIT_RING, 1024);
	nla_put_u64(m, KHSM_A_AUDIT_LAST_CHECKPOINT, 39);
	nla_put_u64(m, KHSM_A_AUDIT_LOST, 0);
	nla_put_flag(m, KHSM_A_AUDIT_FORCED);
	nla_nest_end(m, a);
	add(r, m);
	put_reply("gen-audit-status", R_AUDIT_STATUS, r);

	/* An AUDIT_GET dump of three records; the second seed stops at 2. */
	for (i = 0; i < 3; i++) {
		fill(rec, sizeof(rec), 10 + i);
		fill(dig, sizeof(dig), 20 + i);
		m = reply(KHSM_CMD_AUDIT_GET);
		nlmsg_hdr(m)->nlmsg_flags |= NLM_F_MULTI;
		a = nest(m, KHSM_A_AUDIT);
		nla_put_u64(m, KHSM_A_AUDIT_SEQ, 7 + i);
		nla_put(m, KHSM_A_AUDIT_RECORD, sizeof(rec), rec);
		nla_put(m, KHSM_A_AUDIT_DIGEST, sizeof(dig), dig);
		nla_nest_end(m, a);
		add(r, m);
	}
	add_done(r);
	put_sel("reply", "gen-audit-dump-stop-2", R_AUDIT_RECORD + 2 * R__COUNT,
		r->b, r->len);
	put_reply("gen-audit-dump", R_AUDIT_RECORD, r);

	m = reply(KHSM_CMD_AUDIT_CHECKPOINT);
	a = nest(m, KHSM_A_AUDIT);
	nla_put_u64(m, KHSM_A_AUDIT_SEQ, 43);
	nla_nest_end(m, a);
	add(r, m);
	put_reply("gen-audit-checkpoint", R_AUDIT_SEQ, r);

	/* The controller's family reply, as libkhsm reads the group id. */
	m = nlmsg_alloc_size(4096);
	if (!m || !genlmsg_put(m, 4242, 7, GENL_ID_CTRL, 0, 0,
			       CTRL_CMD_NEWFAMILY, 2))
		die("genlmsg_put");
	nla_put_string(m, CTRL_ATTR_FAMILY_NAME, KHSM_GENL_NAME);
	nla_put_u16(m, CTRL_ATTR_FAMILY_ID, 0x1d);
	a = nest(m, CTRL_ATTR_MCAST_GROUPS);
	g = nest(m, 1);
	nla_put_string(m, CTRL_ATTR_MCAST_GRP_NAME, KHSM_MCGRP_AUDIT);
	nla_put_u32(m, CTRL_ATTR_MCAST_GRP_ID, 15);
	nla_nest_end(m, g);
	nla_nest_end(m, a);
	add(r, m);
	put_reply("gen-audit-group", R_AUDIT_GROUP, r);
}

static void replies(void)
{
	static struct rbuf r;
	static uint8_t wf[KHSM_FILE_MAX];
	uint8_t id[16], pub[65], set_id[16];
	struct nl_msg *m;
	struct nlattr *a, *e;
	int i;

	fill(id, sizeof(id), 1);
	fill(pub, sizeof(pub), 8);
	pub[0] = 0x04;
	fill(set_id, sizeof(set_id), 2);
	world(wf, 0, 1, 1);

	m = reply(KHSM_CMD_WORLD_NEW);
	nla_put(m, KHSM_A_WORLD_ID, sizeof(id), id);
	nla_put(m, KHSM_A_AUDIT_PUBKEY, sizeof(pub), pub);
	nla_put(m, KHSM_A_WORLD_FILE, 120, wf);
	card_files(m, 3);
	nla_put_string(m, KHSM_A_WARNING, "N < 2K: losing half the cards loses the world");
	nla_put_string(m, KHSM_A_WARNING, "recovery quorum below K");
	add(&r, m);
	put_reply("gen-world-new", R_WORLD, &r);

	m = reply(KHSM_CMD_POLICY_SET);
	nla_put(m, KHSM_A_WORLD_FILE, 120, wf);
	add(&r, m);
	add_error(&r, 0, NULL, 0, 0);
	put_reply("gen-policy-set-ack", R_WORLD, &r);

	add_error(&r, -EACCES, "the ACS quorum is needed", 20, 0);
	put_reply("gen-error-extack", R_WORLD, &r);
	add_error(&r, -EINVAL, NULL, 0, KHSM_A_CARDS);
	put_reply("gen-error-miss-type", R_CARDSET, &r);

	m = reply(KHSM_CMD_CARD_INSERT);
	a = nest(m, KHSM_A_CARDS);
	e = nest(m, KHSM_A_CARD_ENTRY);
	nla_put_u8(m, KHSM_A_CARD_INDEX, 1);
	nla_put_string(m, KHSM_A_CARD_NAME, "card-1");
	nla_put_string(m, KHSM_A_CARD_SET_NAME, "acs");
	nla_put(m, KHSM_A_CARD_SET_ID, sizeof(set_id), set_id);
	nla_put_u8(m, KHSM_A_CARD_K, 2);
	nla_put_u8(m, KHSM_A_CARD_N, 3);
	nla_nest_end(m, e);
	nla_nest_end(m, a);
	a = nest(m, KHSM_A_QUORUM);
	for (i = 0; i < KHSM_TOKEN__COUNT; i++) {
		e = nest(m, KHSM_A_QUORUM_ENTRY);
		nla_put_u32(m, KHSM_A_QUORUM_TOKEN, i);
		nla_put_u8(m, KHSM_A_QUORUM_HAVE, 1);
		nla_put_u8(m, KHSM_A_QUORUM_NEED, 2);
		if (i == 1)
			nla_put_flag(m, KHSM_A_QUORUM_DONE);
		nla_nest_end(m, e);
	}
	nla_nest_end(m, a);
	add(&r, m);
	put_reply("gen-insert-acs", R_INSERT, &r);

	m = reply(KHSM_CMD_CARD_INSERT);
	a = nest(m, KHSM_A_CARDS);
	e = nest(m, KHSM_A_CARD_ENTRY);
	nla_put_u8(m, KHSM_A_CARD_INDEX, 1);
	nla_put_string(m, KHSM_A_CARD_SET_NAME, "softcard");
	nla_nest_end(m, e);
	nla_nest_end(m, a);
	a = nest(m, KHSM_A_QUORUM);
	e = nest(m, KHSM_A_QUORUM_ENTRY);
	nla_put(m, KHSM_A_QUORUM_SET_ID, sizeof(set_id), set_id);
	nla_put_u8(m, KHSM_A_QUORUM_HAVE, 1);
	nla_put_u8(m, KHSM_A_QUORUM_NEED, 1);
	nla_put_flag(m, KHSM_A_QUORUM_DONE);
	nla_nest_end(m, e);
	nla_nest_end(m, a);
	nla_put_u64(m, KHSM_A_TOKEN_ID, 0x1122334455667788ULL);
	add(&r, m);
	put_reply("gen-insert-token", R_INSERT, &r);

	for (i = 0; i < 2; i++) {
		int s;

		m = reply(KHSM_CMD_SLOT_LIST);
		a = nest(m, KHSM_A_SLOTS);
		for (s = 0; s < 2; s++) {
			e = nest(m, KHSM_A_SLOT_ENTRY);
			nla_put_u8(m, KHSM_A_SLOT_NUMBER, i * 2 + s);
			if (s) {
				nla_put_flag(m, KHSM_A_SLOT_OCCUPIED);
				nla_put_u8(m, KHSM_A_SLOT_CARD_INDEX, 2);
				nla_put_string(m, KHSM_A_SLOT_CARD_NAME, "card-2");
				nla_put_string(m, KHSM_A_SLOT_SET_NAME, "acs");
				nla_put_u32(m, KHSM_A_SLOT_OWNER_PID, 321);
			}
			nla_nest_end(m, e);
		}
		nla_nest_end(m, a);
		add(&r, m);
	}
	add_done(&r);
	put_reply("gen-slots-dump", R_SLOTS, &r);

	m = reply(KHSM_CMD_CARDSET_CREATE);
	a = nest(m, KHSM_A_CARDSET);
	nla_put_u8(m, KHSM_A_CARDSET_TYPE, KHSM_SET_OCS);
	nla_put_string(m, KHSM_A_CARDSET_NAME, "payments");
	nla_put_u8(m, KHSM_A_CARDSET_K, 2);
	nla_put_u8(m, KHSM_A_CARDSET_N, 3);
	nla_put_u8(m, KHSM_A_CARDSET_PERSISTENT, 1);
	nla_put_u32(m, KHSM_A_CARDSET_TIMEOUT, 3600);
	nla_put_u8(m, KHSM_A_CARDSET_RECOVERY, 1);
	nla_put_u8(m, KHSM_A_CARDSET_PP_RECOVERY, 0);
	nla_put(m, KHSM_A_CARDSET_SET_ID, sizeof(set_id), set_id);
	nla_nest_end(m, a);
	card_files(m, 3);
	add(&r, m);
	put_reply("gen-cardset-create", R_CARDSET, &r);

	for (i = 0; i < 2; i++) {
		m = reply(KHSM_CMD_TOKEN_LIST);
		a = nest(m, KHSM_A_TOKENS);
		e = nest(m, KHSM_A_TOKEN_ENTRY);
		nla_put_u64(m, KHSM_A_TOKEN_TOKEN_ID, 0x99 + i);
		nla_put(m, KHSM_A_TOKEN_SET_ID, sizeof(set_id), set_id);
		nla_put_string(m, KHSM_A_TOKEN_NAME, "payments");
		nla_put_u8(m, KHSM_A_TOKEN_TYPE, KHSM_SET_OCS);
		if (i)
			nla_put_flag(m, KHSM_A_TOKEN_PERSISTENT);
		nla_put_u32(m, KHSM_A_TOKEN_OWNER_UID, 1000);
		nla_put_u32(m, KHSM_A_TOKEN_SHARE_GID, 4270);
		nla_put_u32(m, KHSM_A_TOKEN_LOADER_PID, 77);
		nla_put_u32(m, KHSM_A_TOKEN_REMAINING_MS, 5000);
		nla_nest_end(m, e);
		nla_nest_end(m, a);
		add(&r, m);
	}
	add_done(&r);
	put_reply("gen-tokens-dump", R_TOKENS, &r);

	m = reply(KHSM_CMD_KEY_GENERATE);
	a = nest(m, KHSM_A_KEY);
	nla_put(m, KHSM_A_KEY_BLOB, 200, wf);
	nla_put(m, KHSM_A_KEY_HASH, 32, wf + 40);
	nla_nest_end(m, a);
	add(&r, m);
	put_reply("gen-key", R_KEY, &r);

	m = reply(KHSM_CMD_GET_INFO);
	a = nest(m, KHSM_A_INFO);
	nla_put_string(m, KHSM_A_INFO_MODULE_VERSION, "0.1.0-fuzz");
	nla_put_u32(m, KHSM_A_INFO_ABI_VERSION, KHSM_ABI_VERSION);
	nla_put_u32(m, KHSM_A_INFO_SELFTEST_STATE, KHSM_SELFTEST_FAILED);
	nla_put_string(m, KHSM_A_INFO_SELFTEST_REASON, "AES-GCM known answer");
	nla_put_u32(m, KHSM_A_INFO_WORLD_STATE, KHSM_WORLD_OPERATIONAL);
	nla_put(m, KHSM_A_INFO_WORLD_ID, sizeof(id), id);
	e = nest(m, KHSM_A_INFO_WORLD_OPTS);
	nla_put_u8(m, KHSM_A_OPT_ACS_K, 2);
	nla_put_u8(m, KHSM_A_OPT_ACS_N, 3);
	nla_put_u8(m, KHSM_A_OPT_KEY_RECOVERY, 1);
	nla_put_u32(m, KHSM_A_OPT_NSO_TIMEOUT, 600);
	nla_put_u32(m, KHSM_A_OPT_PROTECTIONS, KHSM_PROTECT__ALL);
	nla_put_u32(m, KHSM_A_OPT_AUDIT_CHECKPOINT, 64);
	nla_nest_end(m, e);
	nla_put(m, KHSM_A_INFO_ACS_SET_ID, sizeof(set_id), set_id);
	nla_put_u64(m, KHSM_A_INFO_CREATED, 1732380000ULL);
	nla_put_u32(m, KHSM_A_INFO_GENERATION, 3);
	nla_put(m, KHSM_A_INFO_AUDIT_PUBKEY, sizeof(pub), pub);
	nla_put_u32(m, KHSM_A_INFO_TOKENS_LOADED, 2);
	nla_put_u32(m, KHSM_A_INFO_ACS_AUTH, 1);
	nla_put_u32(m, KHSM_A_INFO_ACS_AUTH_REMAINING, 5000);
	nla_put_u32(m, KHSM_A_INFO_SLOTS, 4);
	nla_put_flag(m, KHSM_A_INFO_BOUND);
	nla_nest_end(m, a);
	add(&r, m);
	put_reply("gen-info", R_INFO, &r);

	m = reply(KHSM_CMD_GET_INFO);
	a = nest(m, KHSM_A_INFO);
	nla_put_u32(m, KHSM_A_INFO_WORLD_STATE, KHSM_WORLD_OPERATIONAL);
	e = nest(m, KHSM_A_INFO_WORLD_OPTS);
	nla_put_u8(m, KHSM_A_OPT_ACS_K, 1);
	nla_put_u8(m, KHSM_A_OPT_KR_QUORUM, 1);
	nla_nest_end(m, e);
	nla_put_u32(m, KHSM_A_INFO_SLOTS, 4);
	nla_nest_end(m, a);
	add(&r, m);
	put_reply("gen-world-info", R_WORLD_INFO, &r);

	m = reply(KHSM_CMD_CARD_PASSPHRASE);
	card_files(m, 1);
	add(&r, m);
	put_reply("gen-card-passphrase", R_CARD_FILE, &r);
	audit_replies(&r);
}

/* ---- texts ---- */

static const char full_policy[] =
	"# every key, as khsm_policy_format() writes them\r\n"
	"acs.quorum = 3/5\n"
	"load-world.quorum = 2\n"
	"key-recovery = on\n"
	"key-recovery.quorum = 3\n"
	"passphrase-recovery = on\n"
	"passphrase-recovery.quorum = 4\n"
	"nso-timeout = 600\n"
	"passphrase.min-length = 12\n"
	"passphrase.short = refuse\n"
	"retry.delay = 1000..60000\n"
	"retry.lockout = 10\n"
	"audit.forced = off\n"
	"pbkdf2.iterations = 200000\n"
	"strict = on\n"
	"protections = module,softcard,ocs\n"
	"mechanisms = aes-gcm,hmac-sha256,ecdsa-p256-sha256\n"
	"groups.operator = daemon\n"
	"groups.user = none\n"
	"import = no\n"
	"audit.checkpoint = 64\n"
	"audit.per-operation = on\n";

static const char record_text[] =
	"# khsm card set record (khsmctl(8), FILES); nothing secret\n"
	"format = 1\nname = payments\ntype = ocs\n"
	"set-id = 000102030405060708090a0b0c0d0e0f\n"
	"world-id = f0e0d0c0b0a090807060504030201000\n"
	"quorum = 2/3\npersistent = yes\ntimeout = 3600\nrecovery = on\n"
	"passphrase-recovery = off\ncreated = 1732380000\n"
	"card.1 = Alice's card\nholder.1 = Alice, room 4\ncard.3 = spare\n";

static void texts(void)
{
	put_text("policy", "gen-full", full_policy);
	put_text("policy", "gen-short", "acs.quorum = 1/1\nprotections = all\n");
	put_text("policy", "gen-empty", "   # nothing\n\n");
	put_sel("text", "gen-record", 0, record_text, strlen(record_text));
	put_sel("text", "gen-bind-key", 1, "user:khsm-bind", 14);
	put_sel("text", "gen-ops", 2, "sign,verify,export-public", 25);
	put_sel("text", "gen-mechs", 2, "aes-gcm,ecdsa-p384-sha384", 25);
	put_sel("text", "gen-key-type", 3, "ec-p256", 7);
}

/* ---- EC keys ---- */

static void eckey(const char *curve, const char *name)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
	unsigned char *der = NULL;
	char file[64];
	BIO *bio;
	char *pem;
	long n;
	int len;

	if (!k)
		die("EVP_PKEY_Q_keygen");
	len = i2d_PUBKEY(k, &der);
	if (len <= 0)
		die("i2d_PUBKEY");
	snprintf(file, sizeof(file), "gen-%s-spki.der", name);
	put_sel("eckey", file, 1, der, (size_t)len);
	OPENSSL_free(der);

	bio = BIO_new(BIO_s_mem());
	if (!bio || !PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL))
		die("PEM_write_bio_PrivateKey");
	n = BIO_get_mem_data(bio, &pem);
	snprintf(file, sizeof(file), "gen-%s-pkcs8.pem", name);
	put_sel("eckey", file, 0, pem, (size_t)n);
	BIO_free(bio);

	der = NULL;
	len = i2d_PrivateKey(k, &der);
	if (len <= 0)
		die("i2d_PrivateKey");
	snprintf(file, sizeof(file), "gen-%s-private.der", name);
	put_sel("eckey", file, 0, der, (size_t)len);
	OPENSSL_free(der);
	EVP_PKEY_free(k);
}

/* ---- Shamir ---- */

static void shamir(void)
{
	/* Raw: k = 2, x = 1 and 3, 4 bytes each. */
	static const uint8_t raw[] = { 0, 2, 1, 3, 1, 2, 3, 4, 5, 6, 7, 8 };
	/* Split 3 of 5, 16 bytes, then combine a permutation. */
	uint8_t split[1 + 3 + 16 + 32 + 8];

	put_file("shamir", "gen-raw-2", raw, sizeof(raw));
	split[0] = 1;
	split[1] = 2;		/* k = 3 */
	split[2] = 2;		/* n = 5 */
	split[3] = 16;
	fill(split + 4, sizeof(split) - 4, 21);
	put_file("shamir", "gen-split-3of5", split, sizeof(split));
}

/* ---- audit logs, as the module writes them (fuzz_audit) ---- */

struct alog {
	uint8_t buf[8192];
	size_t len;
	uint8_t prev[32];
	uint8_t instance[KHSM_AUDIT_INSTANCE_LEN];
	uint8_t world[KHSM_WORLD_ID_LEN];
	uint64_t seq, last_cp;
	EVP_PKEY *key;
};

static void sha2(const void *a, size_t alen, const void *b, size_t blen,
		 uint8_t out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(c, a, alen) || !EVP_DigestUpdate(c, b, blen) ||
	    !EVP_DigestFinal_ex(c, out, NULL))
		die("sha256");
	EVP_MD_CTX_free(c);
}

static void alog_init(struct alog *b, uint8_t tag, EVP_PKEY *key)
{
	static const char label[] = KHSM_AUDIT_GENESIS_LABEL;

	memset(b, 0, sizeof(*b));
	memset(b->instance, tag, sizeof(b->instance));
	memset(b->world, tag ^ 0x5a, sizeof(b->world));
	sha2(label, sizeof(label) - 1, b->instance, sizeof(b->instance),
	     b->prev);
	b->seq = 1;
	b->key = key;
}

/* A new module life in the same file: a new instance, its own chain. */
static void alog_restart(struct alog *b, uint8_t tag)
{
	static const char label[] = KHSM_AUDIT_GENESIS_LABEL;

	memset(b->instance, tag, sizeof(b->instance));
	sha2(label, sizeof(label) - 1, b->instance, sizeof(b->instance),
	     b->prev);
	b->seq = 1;
	b->last_cp = 0;
}

static void aput(uint8_t *rec, size_t *len, uint16_t tag, const void *v,
		 uint16_t vlen)
{
	uint16_t t = htole16(tag), l = htole16(vlen);

	memcpy(rec + *len, &t, 2);
	memcpy(rec + *len + 2, &l, 2);
	memcpy(rec + *len + 4, v, vlen);
	*len += 4u + vlen;
}

static size_t ahdr(uint8_t *rec, const struct alog *b, uint16_t event)
{
	struct khsm_audit_hdr h;

	memset(&h, 0, sizeof(h));
	h.version = KHSM_AUDIT_VERSION;
	h.event = htole16(event);
	h.hdr_len = htole16(sizeof(h));
	h.seq = htole64(b->seq);
	h.wall_ns = htole64(1700000000000000000ull + b->seq);
	h.boot_ns = htole64(b->seq * 1000);
	h.pid = htole32(42);
	memcpy(h.comm, "khsmctl", 7);
	memcpy(h.instance, b->instance, sizeof(h.instance));
	if (event != KHSM_AUDIT_MODULE_LOAD)
		memcpy(h.world_id, b->world, sizeof(h.world_id));
	memcpy(rec, &h, sizeof(h));
	return sizeof(h);
}

/* The record's length set, chained, and its digest after it. */
static void aappend(struct alog *b, uint8_t *rec, size_t len)
{
	uint16_t l = htole16((uint16_t)len);

	memcpy(rec + offsetof(struct khsm_audit_hdr, len), &l, 2);
	sha2(b->prev, 32, rec, len, b->prev);
	if (b->len + len + 32 > sizeof(b->buf))
		die("audit seed too long");
	memcpy(b->buf + b->len, rec, len);
	memcpy(b->buf + b->len + len, b->prev, 32);
	b->len += len + 32;
	b->seq++;
}

static void arecord(struct alog *b, uint16_t event, const char *reason)
{
	uint8_t rec[KHSM_AUDIT_REC_MAX];
	size_t len = ahdr(rec, b, event);

	if (reason)
		aput(rec, &len, KHSM_AUDIT_T_REASON, reason,
		     (uint16_t)strlen(reason));
	aappend(b, rec, len);
}

/* Signed as the module signs a checkpoint ("DOC: Audit records"). */
static void acheckpoint(struct alog *b)
{
	static const char label[] = KHSM_AUDIT_CHECKPOINT_LABEL;
	uint8_t rec[KHSM_AUDIT_REC_MAX], s[32], msg[sizeof(label) - 1 + 8 + 32];
	uint8_t sig[80];
	uint64_t first = htole64(b->last_cp + 1), seq = htole64(b->seq);
	size_t len = ahdr(rec, b, KHSM_AUDIT_CHECKPOINT), sig_len = sizeof(sig);
	uint16_t l16;
	EVP_PKEY_CTX *ctx;

	aput(rec, &len, KHSM_AUDIT_T_FIRST, &first, 8);
	l16 = htole16((uint16_t)len);
	memcpy(rec, &l16, 2);
	sha2(b->prev, 32, rec, len, s);
	memcpy(msg, label, sizeof(label) - 1);
	memcpy(msg + sizeof(label) - 1, &seq, 8);
	memcpy(msg + sizeof(label) - 1 + 8, s, 32);
	sha2(msg, sizeof(msg), NULL, 0, s);
	ctx = EVP_PKEY_CTX_new(b->key, NULL);
	if (!ctx || EVP_PKEY_sign_init(ctx) <= 0 ||
	    EVP_PKEY_sign(ctx, sig, &sig_len, s, 32) <= 0)
		die("checkpoint signature");
	EVP_PKEY_CTX_free(ctx);
	aput(rec, &len, KHSM_AUDIT_T_SIGNATURE, sig, (uint16_t)sig_len);
	b->last_cp = b->seq;
	aappend(b, rec, len);
}

/* fuzz_audit's input: switches, the key (point, world id), the log. */
static void put_audit(const char *name, const struct alog *b, uint8_t sw,
		      size_t len)
{
	static uint8_t in[1 + KHSM_AUDIT_PUBKEY_LEN + KHSM_WORLD_ID_LEN + 8192];
	size_t n = 1, plen = 0;

	in[0] = sw;
	if (sw & 1) {
		if (!EVP_PKEY_get_octet_string_param(b->key,
				OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, in + n,
				KHSM_AUDIT_PUBKEY_LEN, &plen) ||
		    plen != KHSM_AUDIT_PUBKEY_LEN)
			die("audit public key");
		n += KHSM_AUDIT_PUBKEY_LEN;
		memcpy(in + n, b->world, KHSM_WORLD_ID_LEN);
		n += KHSM_WORLD_ID_LEN;
	}
	memcpy(in + n, b->buf, len);
	put_file("audit", name, in, n + len);
}

static void audit_logs(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	static struct alog b;
	size_t one;

	if (!key)
		die("P-256 key");
	alog_init(&b, 0x11, key);
	arecord(&b, KHSM_AUDIT_MODULE_LOAD, NULL);
	one = b.len;
	put_audit("gen-one-record", &b, 0, one);
	arecord(&b, KHSM_AUDIT_SELFTEST, NULL);
	arecord(&b, KHSM_AUDIT_WORLD_CREATE, NULL);
	acheckpoint(&b);
	arecord(&b, KHSM_AUDIT_CARD_INSERT, "wrong passphrase");
	arecord(&b, KHSM_AUDIT_CARD_INSERT, NULL);
	arecord(&b, KHSM_AUDIT_TOKEN_LOAD, NULL);
	arecord(&b, KHSM_AUDIT_KEY_GENERATE, NULL);
	arecord(&b, KHSM_AUDIT_KEY_LOAD, NULL);
	acheckpoint(&b);
	put_audit("gen-verified", &b, 3, b.len);
	put_audit("gen-any-world-key", &b, 1, b.len);
	put_audit("gen-no-key", &b, 0, b.len);
	put_audit("gen-cut", &b, 3, b.len - 40);
	arecord(&b, KHSM_AUDIT_KEY_DESTROY, NULL);
	put_audit("gen-unsealed", &b, 3, b.len);
	alog_restart(&b, 0x22);
	arecord(&b, KHSM_AUDIT_MODULE_LOAD, NULL);
	arecord(&b, KHSM_AUDIT_WORLD_LOAD, NULL);
	acheckpoint(&b);
	put_audit("gen-two-lives", &b, 3, b.len);
	b.buf[one + 40] ^= 1;
	put_audit("gen-edited", &b, 3, b.len);
	EVP_PKEY_free(key);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen-corpus DIR\n");
		return 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) && errno != EEXIST)
		die(outdir);
	files();
	replies();
	texts();
	eckey("P-256", "p256");
	eckey("P-384", "p384");
	shamir();
	audit_logs();
	return 0;
}
