// SPDX-License-Identifier: GPL-2.0
/*
 * Info-leak canary: every buffer the module writes to is filled with 0xA5
 * first. Reserved and padding bytes must come back zero, bytes past what
 * the module reports writing must come back untouched, and output fields
 * must hold what the call produced, never old kernel memory. The same
 * holds for what the control channel returns: the fixed headers of world
 * files, card files, key blobs and audit records (reserved fields zero,
 * names NUL-padded), and the alignment padding of every reply attribute.
 *
 * Debian's kernels zero heap allocations (init_on_alloc=1) and the stack
 * (CONFIG_INIT_STACK_ALL_ZERO) by default, which hides such leaks:
 * scripts/check runs this test once more in a guest booted with
 * init_on_alloc=0. The stack initialisation is a build option and stays.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/khsm.h>

#include "kselftest_harness.h"
#include "keyutil.h"
#include "nlpol.h"

#define CANARY 0xA5
#define CANARY64 0xA5A5A5A5A5A5A5A5ULL

static size_t untouched_from(const unsigned char *p, size_t from, size_t len)
{
	size_t i;

	for (i = from; i < len; i++)
		if (p[i] != CANARY)
			return i;
	return len;
}

static bool all_zero(const void *p, size_t len)
{
	const unsigned char *c = p;

	while (len--)
		if (*c++)
			return false;
	return true;
}

/* A fixed-size name: NUL-terminated, and nothing but zero after it. */
static bool nul_padded(const char *s, size_t len)
{
	size_t n = strnlen(s, len);

	return n < len && all_zero(s + n, len - n);
}

FIXTURE(leak) {
	struct nlraw nl;
	struct np_conn c;
	struct np_family f;
	struct ku_files world, sc;
	struct ku_blob ec, aes;
	uint64_t token;
	int fd;
};

FIXTURE_SETUP(leak)
{
	struct ku_keyspec s;

	self->fd = -1;
	ASSERT_EQ(0, nlraw_open(&self->nl, KHSM_GENL_NAME));
	ASSERT_EQ(0, np_open(&self->c));
	ASSERT_EQ(0, np_learn(&self->c, KHSM_GENL_NAME, &self->f));
	self->c.family = self->f.id;
	ASSERT_EQ(0, ku_world_fresh(&self->nl, &self->world))
		TH_LOG("world: %s", self->nl.extack);
	ASSERT_EQ(0, ku_softcard_create(&self->nl, "canary-set", 4, &self->sc));
	ASSERT_EQ(0, ku_card_insert(&self->nl, 2, &self->sc, 4, &self->token));
	s = ku_spec(KHSM_KEY_EC_P256, BIT(KHSM_OP_SIGN) | BIT(KHSM_OP_VERIFY) |
		    BIT(KHSM_OP_EXPORT_PUBLIC),
		    BIT(KHSM_MECH_ECDSA_P256_SHA256), 0);
	s.app = "canary";
	s.ident = "ec";
	ASSERT_EQ(0, ku_key_generate(&self->nl, &s, &self->ec))
		TH_LOG("ec key: %s", self->nl.extack);
	s = ku_spec(KHSM_KEY_AES, BIT(KHSM_OP_ENCRYPT) | BIT(KHSM_OP_DECRYPT),
		    BIT(KHSM_MECH_AES_GCM), 0);
	s.len = 32;
	s.protection = KHSM_PROTECT_SOFTCARD;
	s.token_id = self->token;
	ASSERT_EQ(0, ku_key_generate(&self->nl, &s, &self->aes))
		TH_LOG("aes key: %s", self->nl.extack);
	self->fd = ku_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(leak)
{
	if (self->fd >= 0)
		close(self->fd);
	ku_world_unload(&self->nl);
	nlraw_close(&self->nl);
	np_close(&self->c);
}

/* LOAD with its outputs (and a zero tail past the struct) as canaries. */
static uint64_t load(struct __test_metadata *_metadata, int fd,
		     const struct ku_blob *blob, uint32_t type)
{
	struct {
		struct khsm_ioc_load l;
		unsigned char tail[16];
	} a;

	memset(&a, CANARY, sizeof(a));
	memset(a.tail, 0, sizeof(a.tail));
	a.l.size = sizeof(a);
	a.l.flags = 0;
	a.l.blob_len = blob->len;
	a.l.__reserved = 0;
	a.l.blob_uptr = (uintptr_t)blob->data;
	a.l.token_id = 0;
	EXPECT_EQ(0, ku_ioc(fd, KHSM_IOC_LOAD, &a));
	EXPECT_NE(CANARY64, a.l.out_handle);
	EXPECT_NE(0, a.l.out_handle);
	EXPECT_EQ(type, a.l.out_type);
	EXPECT_NE(0xA5A5A5A5u, a.l.out_ops);
	EXPECT_EQ(0, a.l.__reserved);
	EXPECT_TRUE(all_zero(a.tail, sizeof(a.tail)));
	return a.l.out_handle;
}

TEST_F(leak, ioctl_info)
{
	struct {
		struct khsm_ioc_info i;
		unsigned char tail[24];
	} a;

	memset(&a, CANARY, sizeof(a));
	memset(a.tail, 0, sizeof(a.tail));
	a.i.size = sizeof(a.i);
	a.i.flags = 0;
	a.i.__reserved = 0;
	ASSERT_EQ(0, ku_ioc(self->fd, KHSM_IOC_INFO, &a.i));
	EXPECT_EQ(KHSM_ABI_VERSION, a.i.out_abi_version);
	EXPECT_EQ(KHSM_SELFTEST_PASSED, a.i.out_selftest_state);
	EXPECT_GT(16u, a.i.out_world_state);
	EXPECT_EQ(0, a.i.__reserved);
	/* A larger caller struct: the tail the module does not know stays. */
	a.i.size = sizeof(a);
	ASSERT_EQ(0, ku_ioc(self->fd, KHSM_IOC_INFO, &a));
	EXPECT_EQ(0, a.i.__reserved);
	EXPECT_TRUE(all_zero(a.tail, sizeof(a.tail)));
}

TEST_F(leak, ioctl_random)
{
	unsigned char out[64];
	struct khsm_ioc_random r;

	memset(&r, CANARY, sizeof(r));
	memset(out, CANARY, sizeof(out));
	r.size = sizeof(r);
	r.flags = 0;
	r.len = 16;
	r.__reserved = 0;
	r.out_uptr = (uintptr_t)out;
	ASSERT_EQ(0, ku_ioc(self->fd, KHSM_IOC_RANDOM, &r));
	EXPECT_EQ(16, r.len);
	EXPECT_EQ(0, r.__reserved);
	EXPECT_EQ(sizeof(out), untouched_from(out, 16, sizeof(out)));
	/* A refused call writes nothing. */
	memset(out, CANARY, sizeof(out));
	r.len = 0;
	EXPECT_EQ(EINVAL, ku_ioc(self->fd, KHSM_IOC_RANDOM, &r));
	EXPECT_EQ(sizeof(out), untouched_from(out, 0, sizeof(out)));
}

TEST_F(leak, ioctl_load_and_destroy)
{
	struct khsm_ioc_destroy d, copy;
	struct khsm_ioc_load l;
	uint64_t h;

	h = load(_metadata, self->fd, &self->ec, KHSM_KEY_EC_P256);
	/* DESTROY has no output: its struct comes back as it went. */
	memset(&d, CANARY, sizeof(d));
	d.size = sizeof(d);
	d.flags = 0;
	d.handle = h;
	copy = d;
	EXPECT_EQ(0, ku_ioc(self->fd, KHSM_IOC_DESTROY, &d));
	EXPECT_EQ(0, memcmp(&d, &copy, sizeof(d)));
	/* A refused LOAD writes nothing back. */
	memset(&l, CANARY, sizeof(l));
	l.size = sizeof(l);
	l.flags = 0;
	l.__reserved = 0;
	l.blob_len = self->ec.len - 1;
	l.blob_uptr = (uintptr_t)self->ec.data;
	l.token_id = 0;
	EXPECT_EQ(EBADMSG, ku_ioc(self->fd, KHSM_IOC_LOAD, &l));
	EXPECT_EQ(CANARY64, l.out_handle);
	EXPECT_EQ(0xA5A5A5A5u, l.out_type);
	EXPECT_EQ(0xA5A5A5A5u, l.out_ops);
}

/* An OP whose pure outputs (out_status, out_handle) start as canaries. */
static void op_init(struct khsm_ioc_op *op, uint64_t h, uint32_t opn,
		    uint32_t mech)
{
	ku_op_init(op, h, opn, mech);
	op->out_status = (int32_t)0xA5A5A5A5;
	op->out_handle = CANARY64;
}

TEST_F(leak, ioctl_op_sign_and_pubkey)
{
	unsigned char msg[32] = { 7 }, sig[256], pub[160];
	struct khsm_ioc_pubkey pk;
	struct khsm_ioc_op op;
	uint64_t h;

	h = load(_metadata, self->fd, &self->ec, KHSM_KEY_EC_P256);
	memset(sig, CANARY, sizeof(sig));
	op_init(&op, h, KHSM_OP_SIGN, KHSM_MECH_ECDSA_P256_SHA256);
	ku_op_io(&op, msg, sizeof(msg), sig, sizeof(sig));
	ASSERT_EQ(0, ku_op(self->fd, &op));
	EXPECT_EQ(0, op.out_status);
	EXPECT_LT(60u, op.out_len);
	EXPECT_GE(72u, op.out_len);
	EXPECT_TRUE(op.out_handle == 0 || op.out_handle == CANARY64)
		TH_LOG("SIGN wrote out_handle %#llx",
		       (unsigned long long)op.out_handle);
	EXPECT_EQ(sizeof(sig), untouched_from(sig, op.out_len, sizeof(sig)));
	/* Too small a buffer: the size needed, the buffer untouched. */
	memset(sig, CANARY, sizeof(sig));
	op_init(&op, h, KHSM_OP_SIGN, KHSM_MECH_ECDSA_P256_SHA256);
	ku_op_io(&op, msg, sizeof(msg), sig, 8);
	EXPECT_EQ(EMSGSIZE, ku_op(self->fd, &op));
	EXPECT_EQ(-EMSGSIZE, op.out_status);
	EXPECT_LT(8u, op.out_len);
	EXPECT_EQ(sizeof(sig), untouched_from(sig, 0, sizeof(sig)));

	memset(&pk, CANARY, sizeof(pk));
	memset(pub, CANARY, sizeof(pub));
	pk.size = sizeof(pk);
	pk.flags = 0;
	pk.handle = h;
	pk.out_len = sizeof(pub);
	pk.__reserved = 0;
	pk.out_uptr = (uintptr_t)pub;
	ASSERT_EQ(0, ku_ioc(self->fd, KHSM_IOC_PUBKEY, &pk));
	EXPECT_EQ(65u, pk.out_len);
	EXPECT_EQ(0x04, pub[0]);
	EXPECT_EQ(0, pk.__reserved);
	EXPECT_EQ(sizeof(pub), untouched_from(pub, 65, sizeof(pub)));
}

TEST_F(leak, ioctl_op_gcm)
{
	unsigned char pt[40], ct[128], iv[32], back[128];
	struct khsm_ioc_op op;
	uint64_t h;

	memset(pt, 0x3c, sizeof(pt));
	h = load(_metadata, self->fd, &self->aes, KHSM_KEY_AES);
	memset(ct, CANARY, sizeof(ct));
	memset(iv, CANARY, sizeof(iv));
	op_init(&op, h, KHSM_OP_ENCRYPT, KHSM_MECH_AES_GCM);
	ku_op_io(&op, pt, sizeof(pt), ct, sizeof(ct));
	op.iv_len = 12;
	op.iv_uptr = (uintptr_t)iv;
	ASSERT_EQ(0, ku_op(self->fd, &op));
	EXPECT_EQ(0, op.out_status);
	EXPECT_EQ(sizeof(pt) + 16, op.out_len);
	EXPECT_EQ(sizeof(ct), untouched_from(ct, op.out_len, sizeof(ct)));
	EXPECT_EQ(sizeof(iv), untouched_from(iv, 12, sizeof(iv)));
	/* A wrong tag: EBADMSG and nothing written. */
	ct[0] ^= 1;
	memset(back, CANARY, sizeof(back));
	op_init(&op, h, KHSM_OP_DECRYPT, KHSM_MECH_AES_GCM);
	ku_op_io(&op, ct, sizeof(pt) + 16, back, sizeof(back));
	op.iv_len = 12;
	op.iv_uptr = (uintptr_t)iv;
	EXPECT_EQ(EBADMSG, ku_op(self->fd, &op));
	EXPECT_EQ(sizeof(back), untouched_from(back, 0, sizeof(back)));
	ct[0] ^= 1;
	op_init(&op, h, KHSM_OP_DECRYPT, KHSM_MECH_AES_GCM);
	ku_op_io(&op, ct, sizeof(pt) + 16, back, sizeof(back));
	op.iv_len = 12;
	op.iv_uptr = (uintptr_t)iv;
	ASSERT_EQ(0, ku_op(self->fd, &op));
	EXPECT_EQ(sizeof(pt), op.out_len);
	EXPECT_EQ(0, memcmp(back, pt, sizeof(pt)));
	EXPECT_EQ(sizeof(back), untouched_from(back, sizeof(pt), sizeof(back)));
}

TEST_F(leak, ioctl_op_batch)
{
	unsigned char msg[32] = { 1 }, sig[2][128];
	struct khsm_ioc_op ops[2];
	struct khsm_ioc_batch b;
	uint64_t h;

	h = load(_metadata, self->fd, &self->ec, KHSM_KEY_EC_P256);
	memset(sig, CANARY, sizeof(sig));
	op_init(&ops[0], h, KHSM_OP_SIGN, KHSM_MECH_ECDSA_P256_SHA256);
	ku_op_io(&ops[0], msg, sizeof(msg), sig[0], sizeof(sig[0]));
	/* The second fails: a handle nobody has. */
	op_init(&ops[1], h ^ 1, KHSM_OP_SIGN, KHSM_MECH_ECDSA_P256_SHA256);
	ku_op_io(&ops[1], msg, sizeof(msg), sig[1], sizeof(sig[1]));
	memset(&b, CANARY, sizeof(b));
	b.size = sizeof(b);
	b.flags = 0;
	b.count = 2;
	b.op_size = sizeof(ops[0]);
	b.ops_uptr = (uintptr_t)ops;
	b.__reserved = 0;
	ASSERT_EQ(0, ku_ioc(self->fd, KHSM_IOC_OP_BATCH, &b));
	EXPECT_EQ(1u, b.out_done);
	EXPECT_EQ(0, b.__reserved);
	EXPECT_EQ(0, ops[0].out_status);
	EXPECT_EQ(-ENOENT, ops[1].out_status);
	EXPECT_EQ(sizeof(sig[0]),
		  untouched_from(sig[0], ops[0].out_len, sizeof(sig[0])));
	EXPECT_EQ(sizeof(sig[1]), untouched_from(sig[1], 0, sizeof(sig[1])));
	EXPECT_TRUE(ops[1].out_handle == 0 || ops[1].out_handle == CANARY64);
}

/* --- the control channel --- */

TEST_F(leak, world_file_header)
{
	const struct khsm_world_hdr *h = (const void *)self->world.world;
	const struct khsm_world_keyslot *ks;
	int i;

	ASSERT_LE(sizeof(*h), self->world.world_len);
	EXPECT_TRUE(all_zero(h->__reserved, sizeof(h->__reserved)));
	EXPECT_EQ(0, h->__reserved2);
	EXPECT_TRUE(all_zero(h->opts.__reserved0, sizeof(h->opts.__reserved0)));
	ks = (const void *)(self->world.world + h->hdr_len);
	for (i = 0; i < h->nkeyslots; i++) {
		ASSERT_LE(h->hdr_len + (i + 1) * sizeof(*ks),
			  self->world.world_len);
		EXPECT_TRUE(all_zero(ks[i].__reserved, sizeof(ks[i].__reserved)))
			TH_LOG("key slot %d", i);
	}
}

TEST_F(leak, card_file_header)
{
	const struct khsm_card_hdr *h = (const void *)self->sc.card;

	ASSERT_LE(sizeof(*h), self->sc.card_len);
	EXPECT_TRUE(nul_padded(h->set_name, sizeof(h->set_name)));
	EXPECT_TRUE(nul_padded(h->card_name, sizeof(h->card_name)));
	EXPECT_STREQ("canary-set", h->set_name);
}

TEST_F(leak, key_blob_header)
{
	const struct ku_blob *blobs[] = { &self->ec, &self->aes };
	size_t i;

	for (i = 0; i < 2; i++) {
		const struct khsm_key_hdr *h = (const void *)blobs[i]->data;

		ASSERT_LE(sizeof(*h), blobs[i]->len);
		EXPECT_TRUE(all_zero(h->__reserved1, sizeof(h->__reserved1)));
		EXPECT_TRUE(all_zero(h->__reserved0, sizeof(h->__reserved0)));
		EXPECT_EQ(0, h->acl.__reserved0);
		EXPECT_TRUE(all_zero(h->acl.__reserved,
				     sizeof(h->acl.__reserved)));
		EXPECT_TRUE(nul_padded(h->app, sizeof(h->app)));
		EXPECT_TRUE(nul_padded(h->ident, sizeof(h->ident)));
		ASSERT_GE(sizeof(h->pubkey), h->pub_len);
		EXPECT_TRUE(all_zero(h->pubkey + h->pub_len,
				     sizeof(h->pubkey) - h->pub_len))
			TH_LOG("blob %zu: bytes past the public key", i);
	}
}

/* Padding after every attribute, nested ones too, is zero. */
static int bad_padding(const unsigned char *p, size_t len)
{
	size_t pos = 0;
	int bad = 0;

	while (pos + NLA_HDRLEN <= len) {
		const struct nlattr *a = (const void *)(p + pos);
		size_t end = pos + a->nla_len, al = pos + NLA_ALIGN(a->nla_len);

		if (a->nla_len < NLA_HDRLEN || end > len)
			return bad + 1;
		for (; end < al && end < len; end++)
			bad += p[end] != 0;
		if (a->nla_type & NLA_F_NESTED)
			bad += bad_padding(p + pos + NLA_HDRLEN,
					   a->nla_len - NLA_HDRLEN);
		pos = al;
	}
	return bad;
}

TEST_F(leak, reply_padding)
{
	static const uint8_t cmds[] = { KHSM_CMD_GET_INFO, KHSM_CMD_SLOT_LIST,
					KHSM_CMD_TOKEN_LIST,
					KHSM_CMD_AUDIT_STATUS };
	struct ku_keyspec s = ku_spec(KHSM_KEY_HMAC, BIT(KHSM_OP_MAC_GENERATE),
				      BIT(KHSM_MECH_HMAC_SHA256), 0);
	struct ku_files sc;
	struct ku_blob blob;
	uint64_t tok;
	size_t i;

	s.len = 32;
	for (i = 0; i < sizeof(cmds); i++) {
		ASSERT_EQ(0, np_request(&self->c, cmds[i], 0, 0, NULL, 0));
		EXPECT_LT(0u, self->c.data_len);
		EXPECT_EQ(0, bad_padding(self->c.data, self->c.data_len))
			TH_LOG("command %u", cmds[i]);
	}
	/* The replies that carry card files and key blobs: */
	ASSERT_EQ(0, ku_softcard_create(&self->nl, "pad-set", 6, &sc));
	EXPECT_EQ(0, bad_padding(self->nl.reply + NLMSG_HDRLEN + GENL_HDRLEN,
				 self->nl.reply_len - NLMSG_HDRLEN - GENL_HDRLEN));
	s.app = "pad";	/* odd lengths, so padding follows */
	s.ident = "k1";
	ASSERT_EQ(0, ku_key_generate(&self->nl, &s, &blob));
	EXPECT_EQ(0, bad_padding(self->nl.reply + NLMSG_HDRLEN + GENL_HDRLEN,
				 self->nl.reply_len - NLMSG_HDRLEN - GENL_HDRLEN));
	/* And the reply that says a token was loaded. */
	ASSERT_EQ(0, ku_card_insert(&self->nl, 5, &sc, 6, &tok));
	EXPECT_EQ(0, bad_padding(self->nl.reply + NLMSG_HDRLEN + GENL_HDRLEN,
				 self->nl.reply_len - NLMSG_HDRLEN - GENL_HDRLEN));
}

/* Every audit record: header reserved zero, comm NUL-padded, padding zero. */
TEST_F(leak, audit_records)
{
	const unsigned char *p;
	size_t pos = 0;
	int records = 0;

	ASSERT_EQ(0, np_request(&self->c, KHSM_CMD_AUDIT_GET, NLM_F_DUMP, 0,
				NULL, 0)) TH_LOG("%s", self->c.msg);
	p = self->c.data;
	EXPECT_EQ(0, bad_padding(p, self->c.data_len));
	while (pos + NLA_HDRLEN <= self->c.data_len) {
		const struct nlattr *a = (const void *)(p + pos), *r;
		size_t in = pos + NLA_HDRLEN;

		if (a->nla_len < NLA_HDRLEN)
			break;
		while (in + NLA_HDRLEN <= pos + a->nla_len) {
			r = (const void *)(p + in);
			if (r->nla_len < NLA_HDRLEN)
				break;
			if ((r->nla_type & NLA_TYPE_MASK) == KHSM_A_AUDIT_RECORD &&
			    r->nla_len - NLA_HDRLEN >= sizeof(struct khsm_audit_hdr)) {
				const struct khsm_audit_hdr *h =
					(const void *)(p + in + NLA_HDRLEN);

				records++;
				EXPECT_EQ(0, h->__reserved);
				EXPECT_TRUE(nul_padded(h->comm, sizeof(h->comm)))
					TH_LOG("record %llu",
					       (unsigned long long)h->seq);
			}
			in += NLA_ALIGN(r->nla_len);
		}
		pos += NLA_ALIGN(a->nla_len);
	}
	EXPECT_LT(3, records);
	TH_LOG("%d audit records checked", records);
}

TEST_HARNESS_MAIN
