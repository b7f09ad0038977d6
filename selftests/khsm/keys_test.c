// SPDX-License-Identifier: GPL-2.0
/*
 * The key data path's contract (ABI 3), through raw netlink (KEY_GENERATE,
 * KEY_IMPORT, tokens) and raw /dev/khsm ioctls (LOAD, DESTROY, OP,
 * OP_BATCH, PUBKEY): handles and where they work, ACLs, usage limits,
 * validity windows, key blobs and their tampering, token-protected keys
 * and the token going under a running operation, every ioctl's bad input,
 * and interoperability with OpenSSL.
 *
 * Errnos are the ones include/uapi/linux/khsm.h and Documentation/abi.md
 * document: an operation, mechanism or flag the key's ACL does not grant
 * is EPERM (E_ACL below); a batch operation's out_status is its negative
 * errno.
 *
 * Runs as root in the guest with khsm.ko loaded; makes its own worlds.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <linux/khsm.h>

#include "kselftest_harness.h"
#include "keyutil.h"

/* An ACL that does not grant the operation, mechanism, caller IV or wrap. */
#define E_ACL EPERM

static const unsigned char msg16[16] = "sixteen byte msg";

FIXTURE(keys) {
	struct nlraw nl;
	int fd;
	long page;
	struct ku_files files;
};

FIXTURE_SETUP(keys)
{
	self->fd = -1;
	self->page = sysconf(_SC_PAGESIZE);
	ASSERT_EQ(0, nlraw_open(&self->nl, KHSM_GENL_NAME));
	ASSERT_EQ(0, ku_world_fresh(&self->nl, &self->files))
		TH_LOG("world: %s", self->nl.extack);
	self->fd = ku_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", KU_DEV, strerror(errno));
}

FIXTURE_TEARDOWN(keys)
{
	if (self->fd >= 0)
		close(self->fd);
	ku_world_unload(&self->nl);
	nlraw_close(&self->nl);
}

/* --- key specs used throughout --- */

static struct ku_keyspec aes_spec(void)
{
	return ku_spec(KHSM_KEY_AES, BIT(KHSM_OP_ENCRYPT) | BIT(KHSM_OP_DECRYPT),
		       BIT(KHSM_MECH_AES_GCM), 0);
}

static struct ku_keyspec hmac_spec(void)
{
	return ku_spec(KHSM_KEY_HMAC,
		       BIT(KHSM_OP_MAC_GENERATE) | BIT(KHSM_OP_MAC_VERIFY),
		       BIT(KHSM_MECH_HMAC_SHA256), 0);
}

static struct ku_keyspec ec_spec(uint32_t type)
{
	uint32_t mech = type == KHSM_KEY_EC_P256 ? KHSM_MECH_ECDSA_P256_SHA256 :
						   KHSM_MECH_ECDSA_P384_SHA384;

	return ku_spec(type, BIT(KHSM_OP_SIGN) | BIT(KHSM_OP_VERIFY) |
			     BIT(KHSM_OP_EXPORT_PUBLIC), BIT(mech), 0);
}

/* KEY_GENERATE into @b; asserts success. */
static void gen(struct __test_metadata *_metadata, FIXTURE_DATA(keys) *self,
		const struct ku_keyspec *s, struct ku_blob *b)
{
	int err = ku_key_generate(&self->nl, s, b);

	ASSERT_EQ(0, err) TH_LOG("generate type %u: %s", s->type,
				 self->nl.extack);
	ASSERT_LT(sizeof(struct khsm_key_hdr), b->len);
}

static uint64_t load(struct __test_metadata *_metadata, int fd,
		     const struct ku_blob *b)
{
	uint64_t h = 0;

	ASSERT_EQ(0, ku_load(fd, b->data, b->len, 0, &h));
	ASSERT_NE(0, h);
	return h;
}

static uint64_t gen_load(struct __test_metadata *_metadata,
			 FIXTURE_DATA(keys) *self, const struct ku_keyspec *s)
{
	struct ku_blob b;

	gen(_metadata, self, s, &b);
	return load(_metadata, self->fd, &b);
}

static int mac(int fd, uint64_t h, unsigned char out[32])
{
	struct khsm_ioc_op op;

	ku_op_init(&op, h, KHSM_OP_MAC_GENERATE, KHSM_MECH_HMAC_SHA256);
	ku_op_io(&op, msg16, sizeof(msg16), out, 32);
	return ku_op(fd, &op);
}

static int mac_any(int fd, uint64_t h)
{
	unsigned char out[32];

	return mac(fd, h, out);
}

static int sign(int fd, uint64_t h, uint32_t mech, const void *in,
		size_t in_len, unsigned char *sig, size_t *sig_len)
{
	struct khsm_ioc_op op;
	int err;

	ku_op_init(&op, h, KHSM_OP_SIGN, mech);
	ku_op_io(&op, in, in_len, sig, *sig_len);
	err = ku_op(fd, &op);
	*sig_len = op.out_len;
	return err;
}

static int verify(int fd, uint64_t h, uint32_t mech, const void *in,
		  size_t in_len, const unsigned char *sig, size_t sig_len)
{
	struct khsm_ioc_op op;

	ku_op_init(&op, h, KHSM_OP_VERIFY, mech);
	ku_op_io(&op, in, in_len, NULL, 0);
	op.aux_uptr = (uintptr_t)sig;
	op.aux_len = sig_len;
	return ku_op(fd, &op);
}

/* GCM encrypt of msg16; the module's IV into @iv unless @caller_iv. */
static int gcm_encrypt(int fd, uint64_t h, int caller_iv, unsigned char iv[12],
		       const void *aad, size_t aad_len, const void *in,
		       size_t in_len, unsigned char *out, size_t *out_len)
{
	struct khsm_ioc_op op;
	int err;

	ku_op_init(&op, h, KHSM_OP_ENCRYPT, KHSM_MECH_AES_GCM);
	if (caller_iv)
		op.flags = KHSM_OP_F_CALLER_IV;
	ku_op_io(&op, in, in_len, out, *out_len);
	op.iv_uptr = (uintptr_t)iv;
	op.iv_len = 12;
	op.aad_uptr = (uintptr_t)aad;
	op.aad_len = aad_len;
	err = ku_op(fd, &op);
	*out_len = op.out_len;
	return err;
}

static int gcm_decrypt(int fd, uint64_t h, const unsigned char iv[12],
		       const void *aad, size_t aad_len, const void *in,
		       size_t in_len, unsigned char *out, size_t *out_len)
{
	struct khsm_ioc_op op;
	int err;

	ku_op_init(&op, h, KHSM_OP_DECRYPT, KHSM_MECH_AES_GCM);
	ku_op_io(&op, in, in_len, out, *out_len);
	op.iv_uptr = (uintptr_t)iv;
	op.iv_len = 12;
	op.aad_uptr = (uintptr_t)aad;
	op.aad_len = aad_len;
	err = ku_op(fd, &op);
	*out_len = op.out_len;
	return err;
}

static int pubkey(int fd, uint64_t h, unsigned char *out, size_t *len)
{
	struct khsm_ioc_pubkey p;
	int err;

	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.handle = h;
	p.out_len = *len;
	p.out_uptr = (uintptr_t)out;
	err = ku_ioc(fd, KHSM_IOC_PUBKEY, &p);
	*len = p.out_len;
	return err;
}

/* Runs @fn in a child process; its exit status (an errno, or 255). */
static int in_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg) & 0xff);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* --- handles --- */

TEST_F_TIMEOUT(keys, generate_load_distinct_handles, 120)
{
	const struct {
		struct ku_keyspec s;
		uint32_t len;
	} kinds[] = {
		{ aes_spec(), 32 },
		{ hmac_spec(), 48 },
		{ ec_spec(KHSM_KEY_EC_P256), 0 },
		{ ec_spec(KHSM_KEY_EC_P384), 0 },
	};
	uint64_t h[ARRAY_SIZE(kinds) * 2];
	struct khsm_ioc_load l;
	struct ku_blob b;
	struct ku_keyspec s;
	const struct khsm_key_hdr *hdr = (const void *)b.data;
	unsigned char out[128], iv[12];
	size_t i, j, n = 0, len;

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		s = kinds[i].s;
		s.len = kinds[i].len;
		gen(_metadata, self, &s, &b);
		EXPECT_EQ(0, memcmp(hdr->magic, KHSM_KEY_MAGIC, 8));
		EXPECT_EQ(s.type, hdr->type);
		EXPECT_EQ(KHSM_PROTECT_MODULE, hdr->protection);
		EXPECT_EQ(0, memcmp(hdr->key_hash, b.hash, KHSM_KEY_HASH_LEN));
		if (kinds[i].len)
			EXPECT_EQ(kinds[i].len, hdr->secret_len);
		for (j = 0; j < 2; j++) {
			memset(&l, 0, sizeof(l));
			l.size = sizeof(l);
			l.blob_len = b.len;
			l.blob_uptr = (uintptr_t)b.data;
			ASSERT_EQ(0, ku_ioc(self->fd, KHSM_IOC_LOAD, &l));
			EXPECT_NE(0, l.out_handle);
			EXPECT_EQ(s.type, l.out_type);
			EXPECT_EQ(s.acl.ops, l.out_ops);
			h[n++] = l.out_handle;
		}
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			EXPECT_NE(h[i], h[j]) TH_LOG("handles %zu and %zu", i, j);
	/* Each works. */
	len = sizeof(out);
	EXPECT_EQ(0, gcm_encrypt(self->fd, h[0], 0, iv, NULL, 0, msg16,
				 sizeof(msg16), out, &len));
	EXPECT_EQ(sizeof(msg16) + 16, len);
	EXPECT_EQ(0, mac_any(self->fd, h[2]));
	len = sizeof(out);
	EXPECT_EQ(0, sign(self->fd, h[4], KHSM_MECH_ECDSA_P256_SHA256, msg16,
			  sizeof(msg16), out, &len));
	EXPECT_EQ(0, verify(self->fd, h[5], KHSM_MECH_ECDSA_P256_SHA256, msg16,
			    sizeof(msg16), out, len));
	len = sizeof(out);
	EXPECT_EQ(0, sign(self->fd, h[6], KHSM_MECH_ECDSA_P384_SHA384, msg16,
			  sizeof(msg16), out, &len));
	EXPECT_EQ(0, verify(self->fd, h[7], KHSM_MECH_ECDSA_P384_SHA384, msg16,
			    sizeof(msg16), out, len));
	/* Two HMAC handles of one blob are one key. */
	{
		unsigned char m1[32], m2[32];

		ASSERT_EQ(0, mac(self->fd, h[2], m1));
		ASSERT_EQ(0, mac(self->fd, h[3], m2));
		EXPECT_EQ(0, memcmp(m1, m2, 32));
	}
	/* Two generated keys are not. */
	{
		unsigned char m1[32], m2[32];
		uint64_t other;

		s = hmac_spec();
		s.len = 48;
		other = gen_load(_metadata, self, &s);
		ASSERT_EQ(0, mac(self->fd, h[2], m1));
		ASSERT_EQ(0, mac(self->fd, other, m2));
		EXPECT_NE(0, memcmp(m1, m2, 32));
	}
}

struct child_op {
	int fd;		/* -1: open a descriptor of its own */
	uint64_t h;
	uid_t uid;	/* non-zero: setuid first */
	int ngroups;	/* >= 0: setgroups(groups) and setgid(65534) first */
	gid_t groups[2];
};

static int child_mac(void *arg)
{
	struct child_op *c = arg;
	int fd = c->fd;

	if (fd < 0)
		fd = ku_open();
	if (fd < 0)
		return 254;
	if (c->ngroups >= 0 &&
	    (setgroups(c->ngroups, c->groups) || setgid(65534)))
		return 252;
	if (c->uid && setuid(c->uid))
		return 253;
	return mac_any(fd, c->h);
}

TEST_F(keys, handle_works_only_on_its_descriptor)
{
	struct ku_keyspec s = hmac_spec();
	struct child_op c;
	uint64_t h = gen_load(_metadata, self, &s);
	int fd2 = ku_open();

	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, mac_any(self->fd, h));
	EXPECT_EQ(ENOENT, mac_any(fd2, h));
	EXPECT_EQ(ENOENT, ku_destroy(fd2, h));
	close(fd2);
	/* A forked child opening its own descriptor: not its handle. */
	c = (struct child_op){ .fd = -1, .h = h, .ngroups = -1 };
	EXPECT_EQ(ENOENT, in_child(child_mac, &c));
	/* The inherited descriptor is the same open file: it works. */
	c.fd = self->fd;
	EXPECT_EQ(0, in_child(child_mac, &c));
	EXPECT_EQ(0, mac_any(self->fd, h));
}

TEST_F(keys, destroy_then_use_enoent)
{
	struct ku_keyspec s = hmac_spec();
	uint64_t h = gen_load(_metadata, self, &s);
	uint64_t h2 = gen_load(_metadata, self, &s);

	EXPECT_EQ(0, ku_destroy(self->fd, h));
	EXPECT_EQ(ENOENT, mac_any(self->fd, h));
	EXPECT_EQ(ENOENT, ku_destroy(self->fd, h));
	EXPECT_EQ(ENOENT, ku_destroy(self->fd, 0));
	/* The other handle of the same blob lives on. */
	EXPECT_EQ(0, mac_any(self->fd, h2));
}

TEST_F(keys, closing_destroys_the_handles)
{
	struct ku_keyspec s = hmac_spec();
	struct ku_blob b;
	uint64_t h;
	int a, d, c;

	gen(_metadata, self, &s, &b);
	a = ku_open();
	ASSERT_LE(0, a);
	h = load(_metadata, a, &b);
	/* Handles belong to the open file, not to a descriptor number. */
	d = dup(a);
	ASSERT_LE(0, d);
	close(a);
	EXPECT_EQ(0, mac_any(d, h));
	close(d);
	c = ku_open();
	ASSERT_LE(0, c);
	EXPECT_EQ(ENOENT, mac_any(c, h));
	close(c);
}

TEST_F_TIMEOUT(keys, handles_max_per_descriptor, 300)
{
	struct ku_keyspec s = hmac_spec();
	struct ku_blob b;
	uint64_t h = 0, first = 0;
	unsigned int i, n = 0;
	int err = 0, fd, round;

	gen(_metadata, self, &s, &b);
	for (round = 0; round < 2; round++) {
		fd = ku_open();
		ASSERT_LE(0, fd);
		for (i = 0, n = 0; i <= KHSM_HANDLES_MAX; i++) {
			err = ku_load(fd, b.data, b.len, 0, &h);
			if (err)
				break;
			if (!n++)
				first = h;
		}
		EXPECT_EQ(ENOSPC, err);
		EXPECT_EQ(KHSM_HANDLES_MAX, n);
		/* One destroyed makes room for one. */
		EXPECT_EQ(0, ku_destroy(fd, first));
		EXPECT_EQ(0, ku_load(fd, b.data, b.len, 0, &h));
		EXPECT_EQ(ENOSPC, ku_load(fd, b.data, b.len, 0, &h));
		/* Closing frees them all: the second round starts from zero. */
		close(fd);
	}
}

/* --- ACLs --- */

TEST_F(keys, ops_outside_the_acl_refused)
{
	struct ku_keyspec s;
	struct khsm_ioc_op op;
	unsigned char out[256], iv[12] = { 0 };
	uint64_t aes, hm, ec, kek, target;
	size_t len;

	/* AES with GCM and CMAC allowed, only ENCRYPT granted. */
	s = ku_spec(KHSM_KEY_AES, BIT(KHSM_OP_ENCRYPT),
		    BIT(KHSM_MECH_AES_GCM) | BIT(KHSM_MECH_AES_CMAC), 0);
	aes = gen_load(_metadata, self, &s);
	len = sizeof(out);
	ASSERT_EQ(0, gcm_encrypt(self->fd, aes, 0, iv, NULL, 0, msg16,
				 sizeof(msg16), out, &len));
	len = sizeof(out);
	EXPECT_EQ(E_ACL, gcm_decrypt(self->fd, aes, iv, NULL, 0, out, 32, out,
				     &len));
	ku_op_init(&op, aes, KHSM_OP_MAC_GENERATE, KHSM_MECH_AES_CMAC);
	ku_op_io(&op, msg16, sizeof(msg16), out, sizeof(out));
	EXPECT_EQ(E_ACL, ku_op(self->fd, &op));
	ku_op_init(&op, aes, KHSM_OP_MAC_VERIFY, KHSM_MECH_AES_CMAC);
	ku_op_io(&op, msg16, sizeof(msg16), NULL, 0);
	op.aux_uptr = (uintptr_t)out;
	op.aux_len = 16;
	EXPECT_EQ(E_ACL, ku_op(self->fd, &op));

	/* HMAC with MAC_GENERATE only; and a mechanism it was not made for. */
	s = ku_spec(KHSM_KEY_HMAC, BIT(KHSM_OP_MAC_GENERATE),
		    BIT(KHSM_MECH_HMAC_SHA256), 0);
	hm = gen_load(_metadata, self, &s);
	ASSERT_EQ(0, mac(self->fd, hm, out));
	ku_op_init(&op, hm, KHSM_OP_MAC_VERIFY, KHSM_MECH_HMAC_SHA256);
	ku_op_io(&op, msg16, sizeof(msg16), NULL, 0);
	op.aux_uptr = (uintptr_t)out;
	op.aux_len = 32;
	EXPECT_EQ(E_ACL, ku_op(self->fd, &op));
	ku_op_init(&op, hm, KHSM_OP_MAC_GENERATE, KHSM_MECH_HMAC_SHA384);
	ku_op_io(&op, msg16, sizeof(msg16), out, sizeof(out));
	EXPECT_EQ(E_ACL, ku_op(self->fd, &op));

	/* EC P-256 that may only sign: no verify, derive or public export. */
	s = ku_spec(KHSM_KEY_EC_P256, BIT(KHSM_OP_SIGN),
		    BIT(KHSM_MECH_ECDSA_P256_SHA256) | BIT(KHSM_MECH_ECDH_P256),
		    0);
	ec = gen_load(_metadata, self, &s);
	len = sizeof(out);
	ASSERT_EQ(0, sign(self->fd, ec, KHSM_MECH_ECDSA_P256_SHA256, msg16,
			  sizeof(msg16), out, &len));
	EXPECT_EQ(E_ACL, verify(self->fd, ec, KHSM_MECH_ECDSA_P256_SHA256,
				msg16, sizeof(msg16), out, len));
	{
		unsigned char point[65];
		struct khsm_acl acl = { .ops = BIT(KHSM_OP_MAC_GENERATE),
					.mechs = BIT(KHSM_MECH_HMAC_SHA256) };
		size_t plen = sizeof(point);
		struct ku_keyspec s2 = ec_spec(KHSM_KEY_EC_P256);
		uint64_t other = gen_load(_metadata, self, &s2);

		ASSERT_EQ(0, pubkey(self->fd, other, point, &plen));
		ku_op_init(&op, ec, KHSM_OP_DERIVE, KHSM_MECH_ECDH_P256);
		ku_op_io(&op, point, sizeof(point), NULL, 0);
		op.new_type = KHSM_KEY_HMAC;
		op.new_len = 32;
		op.acl_uptr = (uintptr_t)&acl;
		EXPECT_EQ(E_ACL, ku_op(self->fd, &op));
		EXPECT_EQ(0, op.out_handle);
		plen = sizeof(point);
		EXPECT_EQ(E_ACL, pubkey(self->fd, ec, point, &plen));
	}

	/* A wrap key that may not unwrap, and an unwrap key that may not wrap. */
	s = ku_spec(KHSM_KEY_AES, BIT(KHSM_OP_WRAP), BIT(KHSM_MECH_AES_KW), 0);
	kek = gen_load(_metadata, self, &s);
	s = aes_spec();
	s.acl.flags = KHSM_ACL_F_WRAPPABLE;
	target = gen_load(_metadata, self, &s);
	ku_op_init(&op, kek, KHSM_OP_WRAP, KHSM_MECH_AES_KW);
	ku_op_io(&op, NULL, 0, out, sizeof(out));
	op.key2 = target;
	ASSERT_EQ(0, ku_op(self->fd, &op));
	EXPECT_EQ(40, op.out_len);
	len = op.out_len;
	{
		struct khsm_acl acl = { .ops = BIT(KHSM_OP_ENCRYPT),
					.mechs = BIT(KHSM_MECH_AES_GCM) };
		uint64_t h;

		EXPECT_EQ(E_ACL, ku_unwrap(self->fd, kek, KHSM_MECH_AES_KW, out,
					   len, KHSM_KEY_AES, &acl, &h));
	}
	/* The key to wrap may not wrap itself into anything: not a wrap key. */
	ku_op_init(&op, target, KHSM_OP_WRAP, KHSM_MECH_AES_KW);
	ku_op_io(&op, NULL, 0, out, sizeof(out));
	op.key2 = target;
	EXPECT_EQ(E_ACL, ku_op(self->fd, &op));
}

TEST_F(keys, acls_that_cannot_hold_refused_at_creation)
{
	struct ku_keyspec s;
	int err;

	/* A wrap key with decrypt, an unwrap key with encrypt. */
	s = ku_spec(KHSM_KEY_AES, BIT(KHSM_OP_WRAP) | BIT(KHSM_OP_DECRYPT),
		    BIT(KHSM_MECH_AES_KW) | BIT(KHSM_MECH_AES_GCM), 0);
	EXPECT_EQ(EINVAL, ku_key_generate(&self->nl, &s, NULL));
	TH_LOG("%s", self->nl.extack);
	s = ku_spec(KHSM_KEY_AES, BIT(KHSM_OP_UNWRAP) | BIT(KHSM_OP_ENCRYPT),
		    BIT(KHSM_MECH_AES_KW) | BIT(KHSM_MECH_AES_GCM), 0);
	EXPECT_EQ(EINVAL, ku_key_generate(&self->nl, &s, NULL));
	s = ku_spec(KHSM_KEY_AES, BIT(KHSM_OP_WRAP) | BIT(KHSM_OP_MAC_GENERATE),
		    BIT(KHSM_MECH_AES_KW) | BIT(KHSM_MECH_AES_CMAC), 0);
	EXPECT_EQ(EINVAL, ku_key_generate(&self->nl, &s, NULL));
	/* Wrap and unwrap together are one kind of key. */
	s = ku_spec(KHSM_KEY_AES, BIT(KHSM_OP_WRAP) | BIT(KHSM_OP_UNWRAP),
		    BIT(KHSM_MECH_AES_KW), 0);
	EXPECT_EQ(0, ku_key_generate(&self->nl, &s, NULL));
	/* A mechanism that does not fit the key type. */
	s = ku_spec(KHSM_KEY_AES, BIT(KHSM_OP_SIGN),
		    BIT(KHSM_MECH_ECDSA_P256_SHA256), 0);
	EXPECT_EQ(EINVAL, ku_key_generate(&self->nl, &s, NULL));
	s = ku_spec(KHSM_KEY_EC_P384, BIT(KHSM_OP_SIGN),
		    BIT(KHSM_MECH_ECDSA_P256_SHA256), 0);
	EXPECT_EQ(EINVAL, ku_key_generate(&self->nl, &s, NULL));
	/* An operation no mechanism of the ACL performs. */
	s = ku_spec(KHSM_KEY_AES, BIT(KHSM_OP_ENCRYPT) | BIT(KHSM_OP_MAC_GENERATE),
		    BIT(KHSM_MECH_AES_GCM), 0);
	EXPECT_EQ(EINVAL, ku_key_generate(&self->nl, &s, NULL));
	/* Empty ops or mechs, unknown bits. */
	s = ku_spec(KHSM_KEY_AES, 0, BIT(KHSM_MECH_AES_GCM), 0);
	EXPECT_EQ(EINVAL, ku_key_generate(&self->nl, &s, NULL));
	s = ku_spec(KHSM_KEY_AES, BIT(KHSM_OP_ENCRYPT), 0, 0);
	EXPECT_EQ(EINVAL, ku_key_generate(&self->nl, &s, NULL));
	/*
	 * Unknown bits: EINVAL, or ERANGE (the control channel's "value
	 * outside an attribute's range"); for a mechanism, EPERM too (the
	 * policy allows no such mechanism).
	 */
	s = aes_spec();
	s.acl.ops |= BIT(KHSM_OP__COUNT);
	err = ku_key_generate(&self->nl, &s, NULL);
	EXPECT_TRUE(err == EINVAL || err == ERANGE) TH_LOG("%s", strerror(err));
	s = aes_spec();
	s.acl.mechs |= BIT(KHSM_MECH__COUNT);
	err = ku_key_generate(&self->nl, &s, NULL);
	EXPECT_TRUE(err == EINVAL || err == ERANGE || err == EPERM)
		TH_LOG("%s", strerror(err));
	s = aes_spec();
	s.acl.flags = KHSM_ACL_F__ALL + 1;
	EXPECT_EQ(EINVAL, ku_key_generate(&self->nl, &s, NULL));
	s = aes_spec();
	s.acl.__reserved[3] = 1;
	EXPECT_EQ(EINVAL, ku_key_generate(&self->nl, &s, NULL));
	/* Key lengths a type does not have. */
	s = aes_spec();
	s.len = 20;
	EXPECT_EQ(EINVAL, ku_key_generate(&self->nl, &s, NULL));
	/* Outside KHSM_A_KEY_LEN's 16..KHSM_HMAC_KEY_MAX: EINVAL or ERANGE. */
	s = hmac_spec();
	s.len = 15;
	err = ku_key_generate(&self->nl, &s, NULL);
	EXPECT_TRUE(err == EINVAL || err == ERANGE) TH_LOG("%s", strerror(err));
	s.len = KHSM_HMAC_KEY_MAX + 1;
	err = ku_key_generate(&self->nl, &s, NULL);
	EXPECT_TRUE(err == EINVAL || err == ERANGE) TH_LOG("%s", strerror(err));
	s.len = KHSM_HMAC_KEY_MAX;
	EXPECT_EQ(0, ku_key_generate(&self->nl, &s, NULL));
}

TEST_F(keys, wrap_needs_wrappable)
{
	struct ku_keyspec s;
	struct ku_blob b1, b2;
	struct khsm_ioc_op op;
	unsigned char out[128];
	uint64_t kek, plain, wrappable, only;

	s = ku_spec(KHSM_KEY_AES, BIT(KHSM_OP_WRAP), BIT(KHSM_MECH_AES_KW), 0);
	kek = gen_load(_metadata, self, &s);
	s = aes_spec();
	plain = gen_load(_metadata, self, &s);
	s.acl.flags = KHSM_ACL_F_WRAPPABLE;
	gen(_metadata, self, &s, &b1);
	wrappable = load(_metadata, self->fd, &b1);

	ku_op_init(&op, kek, KHSM_OP_WRAP, KHSM_MECH_AES_KW);
	ku_op_io(&op, NULL, 0, out, sizeof(out));
	op.key2 = plain;
	EXPECT_EQ(E_ACL, ku_op(self->fd, &op));
	op.key2 = wrappable;
	op.out_len = sizeof(out);
	EXPECT_EQ(0, ku_op(self->fd, &op));
	EXPECT_EQ(40, op.out_len);
	/* key2 must be a handle of this descriptor. */
	op.key2 = wrappable ^ 1;
	op.out_len = sizeof(out);
	EXPECT_EQ(ENOENT, ku_op(self->fd, &op));

	/* A wrap key bound to one key hash wraps that key only. */
	s = ku_spec(KHSM_KEY_AES, BIT(KHSM_OP_WRAP), BIT(KHSM_MECH_AES_KW), 0);
	memcpy(s.acl.wrap_key_hash, b1.hash, KHSM_KEY_HASH_LEN);
	only = gen_load(_metadata, self, &s);
	s = aes_spec();
	s.acl.flags = KHSM_ACL_F_WRAPPABLE;
	gen(_metadata, self, &s, &b2);
	ku_op_init(&op, only, KHSM_OP_WRAP, KHSM_MECH_AES_KW);
	ku_op_io(&op, NULL, 0, out, sizeof(out));
	op.key2 = wrappable;
	EXPECT_EQ(0, ku_op(self->fd, &op));
	op.key2 = load(_metadata, self->fd, &b2);
	op.out_len = sizeof(out);
	EXPECT_EQ(E_ACL, ku_op(self->fd, &op));
}

TEST_F(keys, usage_limit_over_all_handles)
{
	struct ku_keyspec s = hmac_spec();
	struct ku_blob b;
	uint64_t h1, h2, h3;
	int i, fd2;

	s.acl.usage_limit = 5;
	gen(_metadata, self, &s, &b);
	h1 = load(_metadata, self->fd, &b);
	h2 = load(_metadata, self->fd, &b);
	fd2 = ku_open();
	ASSERT_LE(0, fd2);
	h3 = load(_metadata, fd2, &b);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, mac_any(self->fd, h1)) TH_LOG("op %d", i);
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, mac_any(self->fd, h2)) TH_LOG("op %d", 3 + i);
	EXPECT_EQ(EDQUOT, mac_any(self->fd, h1));
	EXPECT_EQ(EDQUOT, mac_any(self->fd, h2));
	/* Loaded anywhere: another descriptor's handle shares the count. */
	EXPECT_EQ(EDQUOT, mac_any(fd2, h3));
	/* A fresh handle while the others are loaded does not reset it. */
	EXPECT_EQ(EDQUOT, mac_any(self->fd, load(_metadata, self->fd, &b)));
	close(fd2);
}

static uint64_t now_s(void)
{
	return (uint64_t)time(NULL);
}

TEST_F(keys, validity_window)
{
	struct ku_keyspec s = hmac_spec();
	uint64_t h, t;

	/* not_after in the past */
	s.acl.not_after = now_s() - 3600;
	h = gen_load(_metadata, self, &s);
	EXPECT_EQ(EKEYEXPIRED, mac_any(self->fd, h));
	/* not_before in the future */
	s = hmac_spec();
	s.acl.not_before = now_s() + 3600;
	h = gen_load(_metadata, self, &s);
	EXPECT_EQ(EKEYEXPIRED, mac_any(self->fd, h));
	/* inside the window */
	s.acl.not_before = now_s() - 60;
	s.acl.not_after = now_s() + 3600;
	h = gen_load(_metadata, self, &s);
	EXPECT_EQ(0, mac_any(self->fd, h));
	/* the window closing under a loaded handle */
	t = now_s();
	s = hmac_spec();
	s.acl.not_after = t + 2;
	h = gen_load(_metadata, self, &s);
	EXPECT_EQ(0, mac_any(self->fd, h));
	while (now_s() <= t + 2)
		usleep(100 * 1000);
	EXPECT_EQ(EKEYEXPIRED, mac_any(self->fd, h));
	/* and opening */
	t = now_s();
	s = hmac_spec();
	s.acl.not_before = t + 2;
	h = gen_load(_metadata, self, &s);
	EXPECT_EQ(EKEYEXPIRED, mac_any(self->fd, h));
	while (now_s() < t + 3)
		usleep(100 * 1000);
	EXPECT_EQ(0, mac_any(self->fd, h));
}

TEST_F(keys, uid_restriction)
{
	struct ku_keyspec s = hmac_spec();
	struct child_op c;
	uint64_t root_only, free_key, nobody;

	s.acl.flags = KHSM_ACL_F_UID;
	s.acl.uid = 0;
	root_only = gen_load(_metadata, self, &s);
	s.acl.uid = 65534;
	nobody = gen_load(_metadata, self, &s);
	s = hmac_spec();
	free_key = gen_load(_metadata, self, &s);

	EXPECT_EQ(0, mac_any(self->fd, root_only));
	EXPECT_EQ(EACCES, mac_any(self->fd, nobody));
	/* The descriptor passed to a child that drops to uid 65534. */
	c = (struct child_op){ .fd = self->fd, .h = root_only, .uid = 65534,
			       .ngroups = -1 };
	EXPECT_EQ(EACCES, in_child(child_mac, &c));
	c.h = nobody;
	EXPECT_EQ(0, in_child(child_mac, &c));
	c.h = free_key;
	EXPECT_EQ(0, in_child(child_mac, &c));
	/* The refusals used nothing up: root still may. */
	EXPECT_EQ(0, mac_any(self->fd, root_only));
}

TEST_F(keys, gid_restriction)
{
	struct ku_keyspec s = hmac_spec();
	struct child_op c;
	uint64_t h;

	s.acl.flags = KHSM_ACL_F_GID;
	s.acl.gid = 4270;
	h = gen_load(_metadata, self, &s);
	/* uid 65534 in group 4270 as a supplementary group: may. */
	c = (struct child_op){ .fd = self->fd, .h = h, .uid = 65534,
			       .ngroups = 1, .groups = { 4270 } };
	EXPECT_EQ(0, in_child(child_mac, &c));
	/* Without it: refused. */
	c.ngroups = 0;
	EXPECT_EQ(EACCES, in_child(child_mac, &c));
	c.ngroups = 2;
	c.groups[0] = 100;
	c.groups[1] = 4271;
	EXPECT_EQ(EACCES, in_child(child_mac, &c));
}

/* --- AES-GCM IVs --- */

TEST_F(keys, gcm_module_iv_returned_and_decrypts)
{
	struct ku_keyspec s = aes_spec();
	static const unsigned char aad[] = "header";
	unsigned char iv1[12], iv2[12], ct1[64], ct2[64], pt[64];
	struct khsm_ioc_op op;
	size_t l1 = sizeof(ct1), l2 = sizeof(ct2), lp;
	uint64_t h = gen_load(_metadata, self, &s);
	int err;

	memset(iv1, 0, sizeof(iv1));
	memset(iv2, 0, sizeof(iv2));
	ASSERT_EQ(0, gcm_encrypt(self->fd, h, 0, iv1, aad, sizeof(aad), msg16,
				 sizeof(msg16), ct1, &l1));
	ASSERT_EQ(0, gcm_encrypt(self->fd, h, 0, iv2, aad, sizeof(aad), msg16,
				 sizeof(msg16), ct2, &l2));
	EXPECT_EQ(sizeof(msg16) + 16, l1);
	EXPECT_NE(0, memcmp(iv1, iv2, 12));
	EXPECT_NE(0, memcmp(ct1, ct2, l1));
	lp = sizeof(pt);
	ASSERT_EQ(0, gcm_decrypt(self->fd, h, iv1, aad, sizeof(aad), ct1, l1, pt,
				 &lp));
	EXPECT_EQ(sizeof(msg16), lp);
	EXPECT_EQ(0, memcmp(pt, msg16, sizeof(msg16)));
	/* Wrong IV, AAD or tag: EBADMSG and nothing written. */
	memset(pt, 0x5c, sizeof(pt));
	lp = sizeof(pt);
	EXPECT_EQ(EBADMSG, gcm_decrypt(self->fd, h, iv2, aad, sizeof(aad), ct1,
				       l1, pt, &lp));
	lp = sizeof(pt);
	EXPECT_EQ(EBADMSG, gcm_decrypt(self->fd, h, iv1, aad, 3, ct1, l1, pt,
				       &lp));
	ct1[l1 - 1] ^= 1;
	lp = sizeof(pt);
	EXPECT_EQ(EBADMSG, gcm_decrypt(self->fd, h, iv1, aad, sizeof(aad), ct1,
				       l1, pt, &lp));
	EXPECT_EQ(0x5c, pt[0]);
	EXPECT_EQ(0x5c, pt[15]);
	/* Shorter than a tag: malformed or unauthentic, never plaintext. */
	lp = sizeof(pt);
	err = gcm_decrypt(self->fd, h, iv1, NULL, 0, ct1, 15, pt, &lp);
	EXPECT_TRUE(err == EINVAL || err == EBADMSG) TH_LOG("%s", strerror(err));
	/* The module's IV: iv_len must say 12. */
	ku_op_init(&op, h, KHSM_OP_ENCRYPT, KHSM_MECH_AES_GCM);
	ku_op_io(&op, msg16, sizeof(msg16), ct1, sizeof(ct1));
	op.iv_uptr = (uintptr_t)iv1;
	op.iv_len = 8;
	EXPECT_EQ(EINVAL, ku_op(self->fd, &op));
}

TEST_F(keys, caller_iv_needs_the_acl_flag)
{
	struct ku_keyspec s = aes_spec();
	unsigned char iv[12] = { 1, 2, 3 }, ct[64], ct2[64], pt[64];
	size_t l = sizeof(ct), l2 = sizeof(ct2), lp = sizeof(pt);
	uint64_t h = gen_load(_metadata, self, &s), hc;

	EXPECT_EQ(E_ACL, gcm_encrypt(self->fd, h, 1, iv, NULL, 0, msg16,
				     sizeof(msg16), ct, &l));
	s.acl.flags = KHSM_ACL_F_CALLER_IV;
	hc = gen_load(_metadata, self, &s);
	l = sizeof(ct);
	ASSERT_EQ(0, gcm_encrypt(self->fd, hc, 1, iv, NULL, 0, msg16,
				 sizeof(msg16), ct, &l));
	/* The caller's IV is used as given: the same IV, the same output. */
	ASSERT_EQ(0, gcm_encrypt(self->fd, hc, 1, iv, NULL, 0, msg16,
				 sizeof(msg16), ct2, &l2));
	EXPECT_EQ(0, memcmp(ct, ct2, l));
	EXPECT_EQ(1, iv[0]);
	EXPECT_EQ(0, gcm_decrypt(self->fd, hc, iv, NULL, 0, ct, l, pt, &lp));
	EXPECT_EQ(0, memcmp(pt, msg16, sizeof(msg16)));
}

TEST_F(keys, mac_verify_takes_8_bytes_up_to_the_full_mac)
{
	struct ku_keyspec s = hmac_spec();
	struct khsm_ioc_op op;
	unsigned char full[64];
	uint64_t h;
	size_t n;
	int err;

	h = gen_load(_metadata, self, &s);
	ASSERT_EQ(0, mac(self->fd, h, full));
	for (n = 0; n <= 33; n++) {
		ku_op_init(&op, h, KHSM_OP_MAC_VERIFY, KHSM_MECH_HMAC_SHA256);
		ku_op_io(&op, msg16, sizeof(msg16), NULL, 0);
		op.aux_uptr = (uintptr_t)full;
		op.aux_len = n;
		err = ku_op(self->fd, &op);
		if (n < 8 || n > 32) {
			/* Not a MAC of this mechanism at all. */
			EXPECT_TRUE(err == EINVAL || err == EBADMSG)
				TH_LOG("%zu-byte MAC: %s", n, strerror(err));
			continue;
		}
		EXPECT_EQ(0, err) TH_LOG("%zu-byte prefix", n);
		full[n - 1] ^= 0x80;
		EXPECT_EQ(EBADMSG, ku_op(self->fd, &op)) TH_LOG("%zu bytes", n);
		full[n - 1] ^= 0x80;
	}
}

/* Insert the world's ACS card for an authorisation, then POLICY_SET. */
static int policy_set(FIXTURE_DATA(keys) *self, int no_import,
		      uint32_t protections, uint32_t mechanisms)
{
	struct ku_buf b = { .off = 0 };
	void *o;

	ku_card_insert(&self->nl, 7, &self->files, -1, NULL);
	o = ku_nest_start(&b, KHSM_A_WORLD_OPTS);
	if (no_import >= 0)
		ku_put_u8(&b, KHSM_A_OPT_NO_IMPORT, no_import);
	if (protections)
		ku_put_u32(&b, KHSM_A_OPT_PROTECTIONS, protections);
	if (mechanisms)
		ku_put_u32(&b, KHSM_A_OPT_MECHANISMS, mechanisms);
	ku_nest_end(&b, o);
	return ku_request(&self->nl, KHSM_CMD_POLICY_SET, &b);
}

TEST_F(keys, policy_limits_new_keys)
{
	static const unsigned char secret[32] = { 1, 2, 3 };
	struct softcard_files { struct ku_files card; uint64_t token; } sc;
	struct ku_keyspec s;

	ASSERT_EQ(0, ku_softcard_create(&self->nl, "pol", 0x11, &sc.card));
	ASSERT_EQ(0, ku_card_insert(&self->nl, 0, &sc.card, 0x11, &sc.token));

	/* import = no */
	ASSERT_EQ(0, policy_set(self, 1, 0, 0)) TH_LOG("%s", self->nl.extack);
	s = hmac_spec();
	s.secret = secret;
	s.secret_len = sizeof(secret);
	EXPECT_EQ(EPERM, ku_key_import(&self->nl, &s, NULL));
	s = ku_spec(KHSM_KEY_EC_P256, BIT(KHSM_OP_VERIFY),
		    BIT(KHSM_MECH_ECDSA_P256_SHA256), 0);
	{
		unsigned char pt[65];
		size_t len = sizeof(pt);
		struct ku_keyspec e = ec_spec(KHSM_KEY_EC_P256);
		uint64_t h = gen_load(_metadata, self, &e);

		ASSERT_EQ(0, pubkey(self->fd, h, pt, &len));
		s.pub = pt;
		s.pub_len = len;
		EXPECT_EQ(EPERM, ku_key_import(&self->nl, &s, NULL));
	}
	s = hmac_spec();
	EXPECT_EQ(0, ku_key_generate(&self->nl, &s, NULL));
	ASSERT_EQ(0, policy_set(self, 0, 0, 0));
	s.secret = secret;
	s.secret_len = sizeof(secret);
	EXPECT_EQ(0, ku_key_import(&self->nl, &s, NULL));

	/* A mechanism the policy leaves out, alone or among others. */
	ASSERT_EQ(0, policy_set(self, -1, 0,
				KHSM_MECH__ALL & ~BIT(KHSM_MECH_AES_GCM)));
	s = aes_spec();
	EXPECT_EQ(EPERM, ku_key_generate(&self->nl, &s, NULL));
	s.acl.mechs |= BIT(KHSM_MECH_AES_CMAC);
	s.acl.ops = BIT(KHSM_OP_MAC_GENERATE);
	EXPECT_EQ(EPERM, ku_key_generate(&self->nl, &s, NULL));
	s.acl.mechs = BIT(KHSM_MECH_AES_CMAC);
	EXPECT_EQ(0, ku_key_generate(&self->nl, &s, NULL));

	/* A protection the policy leaves out. */
	ASSERT_EQ(0, policy_set(self, -1, BIT(KHSM_PROTECT_MODULE), 0));
	s = hmac_spec();
	s.protection = KHSM_PROTECT_SOFTCARD;
	s.token_id = sc.token;
	EXPECT_EQ(EPERM, ku_key_generate(&self->nl, &s, NULL));
	s.protection = KHSM_PROTECT_MODULE;
	s.token_id = 0;
	EXPECT_EQ(0, ku_key_generate(&self->nl, &s, NULL));
}

static int ossl_verify(EVP_PKEY *pk, const EVP_MD *md, int prehashed,
		       const void *msg, size_t msg_len,
		       const unsigned char *sig, size_t sig_len);

/* The order n of P-256. */
static const unsigned char p256_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

static int import_ec(FIXTURE_DATA(keys) *self, uint32_t type,
		     const void *secret, size_t secret_len, const void *pub,
		     size_t pub_len, struct ku_blob *b)
{
	uint32_t mech = type == KHSM_KEY_EC_P256 ? KHSM_MECH_ECDSA_P256_SHA256 :
						   KHSM_MECH_ECDSA_P384_SHA384;
	struct ku_keyspec s = ku_spec(type, BIT(KHSM_OP_VERIFY) |
				      (secret ? BIT(KHSM_OP_SIGN) : 0),
				      BIT(mech), 0);

	s.secret = secret;
	s.secret_len = secret_len;
	s.has_secret = secret != NULL;
	s.pub = pub;
	s.pub_len = pub_len;
	return ku_key_import(&self->nl, &s, b);
}

TEST_F(keys, import_refuses_bad_key_material)
{
	unsigned char k[64], pt[KHSM_PUBKEY_MAX], sig[128];
	struct ku_keyspec s;
	struct ku_blob b;
	EVP_PKEY *pk;
	BIGNUM *d = NULL;
	unsigned char *enc = NULL;
	size_t len, slen;
	uint64_t h, pubh;
	int i, err;

	/* AES lengths other than 16/24/32, HMAC outside 16..128 bytes. */
	memset(k, 0x42, sizeof(k));
	s = aes_spec();
	s.secret = k;
	s.has_secret = 1;
	for (len = 0; len <= 40; len++) {
		s.secret_len = len;
		err = ku_key_import(&self->nl, &s, NULL);
		EXPECT_EQ(len == 16 || len == 24 || len == 32 ? 0 : EINVAL, err)
			TH_LOG("%zu-byte AES key", len);
	}
	s = hmac_spec();
	s.secret = k;
	s.secret_len = 15;
	EXPECT_EQ(EINVAL, ku_key_import(&self->nl, &s, NULL));
	/* A secret key with a public point, or neither. */
	s = aes_spec();
	s.secret = k;
	s.secret_len = 32;
	s.pub = k;
	s.pub_len = 65;
	EXPECT_EQ(EINVAL, ku_key_import(&self->nl, &s, NULL));
	s = aes_spec();
	EXPECT_EQ(EINVAL, ku_key_import(&self->nl, &s, NULL));

	/* EC scalars 0, n, n + 1, all ones; a short one. */
	memset(k, 0, 32);
	EXPECT_EQ(EINVAL, import_ec(self, KHSM_KEY_EC_P256, k, 32, NULL, 0, NULL));
	memcpy(k, p256_n, 32);
	EXPECT_EQ(EINVAL, import_ec(self, KHSM_KEY_EC_P256, k, 32, NULL, 0, NULL));
	k[31]++;
	EXPECT_EQ(EINVAL, import_ec(self, KHSM_KEY_EC_P256, k, 32, NULL, 0, NULL));
	memset(k, 0xff, 32);
	EXPECT_EQ(EINVAL, import_ec(self, KHSM_KEY_EC_P256, k, 32, NULL, 0, NULL));
	k[0] = 1;
	EXPECT_EQ(EINVAL, import_ec(self, KHSM_KEY_EC_P256, k, 31, NULL, 0, NULL));
	/* n - 1 and 1 are keys. */
	memcpy(k, p256_n, 32);
	k[31]--;
	EXPECT_EQ(0, import_ec(self, KHSM_KEY_EC_P256, k, 32, NULL, 0, NULL));
	memset(k, 0, 32);
	k[31] = 1;
	EXPECT_EQ(0, import_ec(self, KHSM_KEY_EC_P256, k, 32, NULL, 0, NULL));

	/* An OpenSSL key: its scalar imports, signs, and matches its point. */
	pk = EVP_EC_gen("P-256");
	ASSERT_NE(NULL, pk);
	ASSERT_EQ(1, EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &d));
	ASSERT_EQ(32, BN_bn2binpad(d, k, 32));
	len = EVP_PKEY_get1_encoded_public_key(pk, &enc);
	ASSERT_EQ(65, len);
	ASSERT_EQ(0, import_ec(self, KHSM_KEY_EC_P256, k, 32, enc, len, &b))
		TH_LOG("%s", self->nl.extack);
	h = load(_metadata, self->fd, &b);
	slen = sizeof(sig);
	ASSERT_EQ(0, sign(self->fd, h, KHSM_MECH_ECDSA_P256_SHA256, msg16,
			  sizeof(msg16), sig, &slen));
	EXPECT_TRUE(ossl_verify(pk, EVP_sha256(), 0, msg16, sizeof(msg16), sig,
				slen));
	/* The same scalar with another point: refused. */
	enc[64] ^= 1;
	EXPECT_EQ(EINVAL, import_ec(self, KHSM_KEY_EC_P256, k, 32, enc, len,
				    NULL));
	enc[64] ^= 1;

	/* Public points: off the curve, compressed, infinity, wrong length. */
	memcpy(pt, enc, 65);
	EXPECT_EQ(0, import_ec(self, KHSM_KEY_EC_P256, NULL, 0, pt, 65, &b));
	pubh = load(_metadata, self->fd, &b);
	EXPECT_EQ(0, verify(self->fd, pubh, KHSM_MECH_ECDSA_P256_SHA256, msg16,
			    sizeof(msg16), sig, slen));
	pt[64] ^= 1;
	EXPECT_EQ(EINVAL, import_ec(self, KHSM_KEY_EC_P256, NULL, 0, pt, 65, NULL));
	pt[64] ^= 1;
	pt[0] = 2 + (pt[64] & 1);
	EXPECT_EQ(EINVAL, import_ec(self, KHSM_KEY_EC_P256, NULL, 0, pt, 33, NULL));
	EXPECT_EQ(EINVAL, import_ec(self, KHSM_KEY_EC_P256, NULL, 0, pt, 65, NULL));
	pt[0] = 0;
	EXPECT_EQ(EINVAL, import_ec(self, KHSM_KEY_EC_P256, NULL, 0, pt, 1, NULL));
	memset(pt, 0, sizeof(pt));
	pt[0] = 4;
	EXPECT_EQ(EINVAL, import_ec(self, KHSM_KEY_EC_P256, NULL, 0, pt, 65, NULL));
	memcpy(pt, enc, 65);
	EXPECT_EQ(EINVAL, import_ec(self, KHSM_KEY_EC_P384, NULL, 0, pt, 65, NULL));
	EXPECT_EQ(EINVAL, import_ec(self, KHSM_KEY_EC_P256, NULL, 0, pt, 64, NULL));
	/* x >= p, with y of the point: refused, not reduced. */
	for (i = 1; i <= 32; i++)
		pt[i] = 0xff;
	EXPECT_EQ(EINVAL, import_ec(self, KHSM_KEY_EC_P256, NULL, 0, pt, 65, NULL));
	/* A public-only key cannot be given SIGN. */
	{
		struct ku_keyspec e = ku_spec(KHSM_KEY_EC_P256,
					      BIT(KHSM_OP_SIGN) | BIT(KHSM_OP_VERIFY),
					      BIT(KHSM_MECH_ECDSA_P256_SHA256), 0);

		e.pub = enc;
		e.pub_len = 65;
		EXPECT_EQ(EINVAL, ku_key_import(&self->nl, &e, NULL));
	}
	OPENSSL_free(enc);
	BN_free(d);
	EVP_PKEY_free(pk);
}

/* --- key blobs --- */

static const char *hdr_field(size_t off)
{
#define F(name) { offsetof(struct khsm_key_hdr, name), \
		  sizeof(((struct khsm_key_hdr *)0)->name), #name }
	static const struct { size_t off, len; const char *name; } f[] = {
		F(magic), F(version), F(hdr_len), F(type), F(protection),
		F(flags), F(secret_len), F(pub_len), F(world_id), F(key_id),
		F(set_id), F(__reserved1), F(created), F(acl), F(key_hash),
		F(pubkey), F(__reserved0), F(app), F(ident), F(body_len),
		F(rec_len),
	};
#undef F
	size_t i;

	for (i = 0; i < ARRAY_SIZE(f); i++)
		if (off >= f[i].off && off < f[i].off + f[i].len)
			return f[i].name;
	return off < sizeof(struct khsm_key_hdr) ? "(padding)" : "body";
}

/* LOAD of a damaged copy: the errno; *handle_written if it wrote one. */
static int load_damaged(int fd, const unsigned char *blob, size_t len,
			int *handle_written)
{
	struct khsm_ioc_load l;
	int err;

	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	l.blob_len = len;
	l.blob_uptr = (uintptr_t)blob;
	l.out_handle = 0;
	err = ku_ioc(fd, KHSM_IOC_LOAD, &l);
	*handle_written = l.out_handle != 0;
	return err;
}

/*
 * Flips every byte in [from, to) of the blob: LOAD must refuse each with
 * EBADMSG (a changed world id may say EXDEV, a changed version
 * EPROTONOSUPPORT, as for world files) and load nothing.
 */
static void flip_range(struct __test_metadata *_metadata, int fd,
		       const struct ku_blob *b, size_t from, size_t to)
{
	unsigned char *copy = malloc(b->len);
	size_t i, bad = 0;
	int err, written;
	const char *field;

	ASSERT_NE(NULL, copy);
	for (i = from; i < to; i++) {
		memcpy(copy, b->data, b->len);
		copy[i] ^= 0xff;
		err = load_damaged(fd, copy, b->len, &written);
		field = hdr_field(i);
		if (err == EBADMSG ||
		    (err == EXDEV && !strcmp(field, "world_id")) ||
		    (err == EPROTONOSUPPORT && !strcmp(field, "version"))) {
			if (!written)
				continue;
		}
		if (bad++ < 40)
			TH_LOG("byte %zu (%s) flipped: LOAD %s%s", i, field,
			       err ? strerror(err) : "accepted it",
			       written ? ", a handle written back" : "");
	}
	EXPECT_EQ(0, bad) TH_LOG("%zu of %zu flipped bytes not refused right",
				 bad, to - from);
	free(copy);
}

TEST_F_TIMEOUT(keys, blob_every_byte_flipped_refused, 120)
{
	struct ku_keyspec s = hmac_spec();
	struct ku_blob b;
	const struct khsm_key_hdr *hdr = (const void *)b.data;
	uint64_t h;

	s.recovery = 0;
	gen(_metadata, self, &s, &b);
	EXPECT_EQ(0, hdr->flags & KHSM_KEY_F_RECOVERY);
	EXPECT_EQ(sizeof(*hdr), hdr->hdr_len);
	EXPECT_EQ(hdr->secret_len + 28, hdr->body_len);
	EXPECT_EQ(b.len, hdr->hdr_len + hdr->body_len + hdr->rec_len);
	flip_range(_metadata, self->fd, &b, 0, b.len);
	/* The intact blob still loads. */
	EXPECT_EQ(0, ku_load(self->fd, b.data, b.len, 0, &h));
	EXPECT_EQ(0, mac_any(self->fd, h));
}

TEST_F_TIMEOUT(keys, blob_recovery_copy_damage_refused, 120)
{
	struct ku_keyspec s = hmac_spec();
	struct ku_blob b;
	const struct khsm_key_hdr *hdr = (const void *)b.data;

	s.recovery = 1;
	gen(_metadata, self, &s, &b);
	ASSERT_EQ(KHSM_KEY_F_RECOVERY, hdr->flags & KHSM_KEY_F_RECOVERY);
	ASSERT_EQ(hdr->body_len, hdr->rec_len);
	ASSERT_EQ(b.len, hdr->hdr_len + hdr->body_len + hdr->rec_len);
	/* The recovery copy is part of the blob: damaging it damages the blob. */
	flip_range(_metadata, self->fd, &b, hdr->hdr_len + hdr->body_len, b.len);
}

TEST_F(keys, blob_truncated_or_extended_refused)
{
	struct ku_keyspec s = ec_spec(KHSM_KEY_EC_P256);
	struct ku_blob b;
	unsigned char *big;
	size_t len, bad = 0;
	int err, written;

	gen(_metadata, self, &s, &b);
	err = load_damaged(self->fd, b.data, 0, &written);
	EXPECT_TRUE(err == EINVAL || err == EBADMSG) TH_LOG("empty: %s",
							    strerror(err));
	for (len = 1; len < b.len; len++) {
		err = load_damaged(self->fd, b.data, len, &written);
		if (err != EBADMSG || written) {
			if (bad++ < 20)
				TH_LOG("%zu of %zu bytes: %s", len, b.len,
				       err ? strerror(err) : "loaded");
		}
	}
	EXPECT_EQ(0, bad);
	big = calloc(1, b.len + 16);
	ASSERT_NE(NULL, big);
	memcpy(big, b.data, b.len);
	EXPECT_EQ(EBADMSG, load_damaged(self->fd, big, b.len + 1, &written));
	EXPECT_EQ(EBADMSG, load_damaged(self->fd, big, b.len + 16, &written));
	free(big);
}

/*
 * A blob shorter than its header: the module must not read the header's
 * fields past what it copied in. Such a read is silent to this program;
 * KFENCE (Debian's kernels have it) may catch it, and vm-run fails the run
 * on its report. KFENCE samples one allocation per interval, so the short
 * LOAD is repeated after pauses longer than the default 100 ms interval.
 */
TEST_F_TIMEOUT(keys, blob_shorter_than_its_header, 60)
{
	struct ku_keyspec s = hmac_spec();
	struct ku_blob b;
	static const size_t lens[] = { 1, 12, 16, 100, 122, 250, 400,
				       sizeof(struct khsm_key_hdr) - 1 };
	int i, written;

	gen(_metadata, self, &s, &b);
	for (i = 0; i < 40; i++) {
		usleep(120 * 1000);
		EXPECT_EQ(EBADMSG, load_damaged(self->fd, b.data,
						lens[i % ARRAY_SIZE(lens)],
						&written))
			TH_LOG("%zu bytes", lens[i % ARRAY_SIZE(lens)]);
		EXPECT_EQ(0, written);
	}
}

TEST_F(keys, blob_of_another_world_exdev)
{
	struct ku_keyspec s = hmac_spec();
	struct ku_blob b;
	uint64_t h;

	gen(_metadata, self, &s, &b);
	ASSERT_EQ(0, ku_world_unload(&self->nl));
	EXPECT_EQ(ENOKEY, ku_load(self->fd, b.data, b.len, 0, &h));
	ASSERT_EQ(0, ku_world_fresh(&self->nl, NULL));
	EXPECT_EQ(EXDEV, ku_load(self->fd, b.data, b.len, 0, &h));
	/* The first world back: its blob loads again. */
	ASSERT_EQ(0, ku_world_unload(&self->nl));
	ASSERT_EQ(0, ku_world_load(&self->nl, &self->files))
		TH_LOG("%s", self->nl.extack);
	EXPECT_EQ(0, ku_load(self->fd, b.data, b.len, 0, &h));
	EXPECT_EQ(0, mac_any(self->fd, h));
}

/* --- token-protected keys --- */

struct softcard {
	struct ku_files card;
	uint64_t token;
};

#define PP 0x3c

static void softcard_up(struct __test_metadata *_metadata,
			FIXTURE_DATA(keys) *self, struct softcard *sc)
{
	ASSERT_EQ(0, ku_card_insert(&self->nl, 0, &sc->card, PP, &sc->token))
		TH_LOG("insert: %s", self->nl.extack);
	ASSERT_NE(0, sc->token);
	/* Softcards are persistent: the card may leave its slot. */
	ASSERT_EQ(0, ku_card_remove(&self->nl, 0));
}

static void softcard_new(struct __test_metadata *_metadata,
			 FIXTURE_DATA(keys) *self, struct softcard *sc)
{
	ASSERT_EQ(0, ku_softcard_create(&self->nl, "sc", PP, &sc->card))
		TH_LOG("softcard: %s", self->nl.extack);
	softcard_up(_metadata, self, sc);
}

TEST_F(keys, softcard_key_needs_its_token)
{
	struct softcard sc;
	struct ku_keyspec s = hmac_spec();
	struct ku_blob b;
	const struct khsm_key_hdr *hdr = (const void *)b.data;
	uint64_t h, old_token;
	int err;

	softcard_new(_metadata, self, &sc);
	s.protection = KHSM_PROTECT_SOFTCARD;
	/* No token named: no token (or a request missing its attribute). */
	err = ku_key_generate(&self->nl, &s, NULL);
	EXPECT_TRUE(err == ENOKEY || err == EINVAL) TH_LOG("%s", strerror(err));
	s.token_id = sc.token ^ 0x5a5a;
	EXPECT_EQ(ENOKEY, ku_key_generate(&self->nl, &s, NULL));
	s.token_id = sc.token;
	gen(_metadata, self, &s, &b);
	EXPECT_EQ(KHSM_PROTECT_SOFTCARD, hdr->protection);

	ASSERT_EQ(0, ku_token_unload(&self->nl, sc.token));
	EXPECT_EQ(ENOKEY, ku_load(self->fd, b.data, b.len, 0, &h));
	EXPECT_EQ(ENOKEY, ku_load(self->fd, b.data, b.len, sc.token, &h));

	old_token = sc.token;
	softcard_up(_metadata, self, &sc);
	EXPECT_NE(old_token, sc.token);
	ASSERT_EQ(0, ku_load(self->fd, b.data, b.len, 0, &h));
	EXPECT_EQ(0, mac_any(self->fd, h));
	ASSERT_EQ(0, ku_load(self->fd, b.data, b.len, sc.token, &h));
	EXPECT_EQ(0, mac_any(self->fd, h));
	EXPECT_EQ(ENOKEY, ku_load(self->fd, b.data, b.len, sc.token ^ 1, &h));

	ASSERT_EQ(0, ku_token_unload(&self->nl, sc.token));
	EXPECT_EQ(EKEYREVOKED, mac_any(self->fd, h));
	/* A new token of the same softcard does not bring the handle back. */
	softcard_up(_metadata, self, &sc);
	EXPECT_EQ(EKEYREVOKED, mac_any(self->fd, h));
	/* The handle still exists until destroyed. */
	EXPECT_EQ(0, ku_destroy(self->fd, h));
	EXPECT_EQ(ENOENT, mac_any(self->fd, h));
}

TEST_F(keys, softcard_key_of_another_softcard)
{
	struct softcard a, b2;
	struct ku_keyspec s = hmac_spec();
	struct ku_blob b;
	uint64_t h;

	softcard_new(_metadata, self, &a);
	ASSERT_EQ(0, ku_softcard_create(&self->nl, "other", PP, &b2.card));
	ASSERT_EQ(0, ku_card_insert(&self->nl, 1, &b2.card, PP, &b2.token));
	ASSERT_EQ(0, ku_card_remove(&self->nl, 1));
	s.protection = KHSM_PROTECT_SOFTCARD;
	s.token_id = a.token;
	gen(_metadata, self, &s, &b);
	/* Naming the other softcard's token: the wrong token. */
	EXPECT_EQ(EBADMSG, ku_load(self->fd, b.data, b.len, b2.token, &h));
	ASSERT_EQ(0, ku_token_unload(&self->nl, a.token));
	/* Only the other softcard's token is loaded: none of the key's set. */
	EXPECT_EQ(ENOKEY, ku_load(self->fd, b.data, b.len, 0, &h));
}

static uint64_t boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * A token with a timeout is gone at its expiry time, not when the
 * module's expiry work runs (a timer-wheel tick and a scheduling delay
 * later): from that time a key made under it is refused as under an
 * unloaded token. The module takes the expiry time before it answers
 * CARD_INSERT, so the answer + 1 s is at or after it.
 */
TEST_F_TIMEOUT(keys, generate_under_an_expired_token_refused, 60)
{
	struct ku_keyspec s = hmac_spec();
	struct ku_files card;
	struct timespec at;
	uint64_t token, expiry;
	unsigned int tries = 0;
	int err;

	ASSERT_EQ(0, ku_cardset_create_timeout(&self->nl, KHSM_SET_SOFTCARD,
					       "timed", 1, PP, 1, &card))
		TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, ku_card_insert(&self->nl, 0, &card, PP, &token));
	expiry = boottime_ns() + 1000000000ULL;
	ASSERT_EQ(0, ku_card_remove(&self->nl, 0));
	s.protection = KHSM_PROTECT_SOFTCARD;
	s.token_id = token;
	at.tv_sec = expiry / 1000000000ULL;
	at.tv_nsec = expiry % 1000000000ULL;
	ASSERT_EQ(0, clock_nanosleep(CLOCK_BOOTTIME, TIMER_ABSTIME, &at, NULL));
	/* Tries for 100 ms, longer than the expiry work's delay. */
	do {
		err = ku_key_generate(&self->nl, &s, NULL);
		ASSERT_EQ(ENOKEY, err)
			TH_LOG("generate %u after the expiry: %s", tries,
			       err ? strerror(err) : "a key was made");
		tries++;
	} while (boottime_ns() < expiry + 100000000ULL);
	TH_LOG("%u generates after the expiry, all refused", tries);
}

struct race {
	int fd;
	uint64_t hmac, ec;
	int use_ec;
	atomic_uint ops;
	atomic_int go;
	unsigned int ok, revoked, other;
	int other_errno;
};

static void *race_thread(void *arg)
{
	struct race *r = arg;
	unsigned char sig[128];
	size_t len;
	int err, n = 0;

	while (!atomic_load(&r->go))
		sched_yield();
	for (;;) {
		if (r->use_ec) {
			len = sizeof(sig);
			err = sign(r->fd, r->ec, KHSM_MECH_ECDSA_P256_SHA256,
				   msg16, sizeof(msg16), sig, &len);
		} else {
			err = mac_any(r->fd, r->hmac);
		}
		atomic_fetch_add(&r->ops, 1);
		if (!err) {
			r->ok++;
		} else if (err == EKEYREVOKED) {
			/* Once revoked it stays revoked. */
			if (++r->revoked >= 3)
				break;
		} else {
			r->other++;
			r->other_errno = err;
			break;
		}
		if (++n > 1000000)
			break;
	}
	return NULL;
}

TEST_F_TIMEOUT(keys, token_unload_races_operations, 600)
{
	struct softcard sc;
	struct ku_keyspec s;
	struct ku_blob bh, be;
	struct race r;
	pthread_t th;
	struct timespec t0, t1;
	unsigned int i, iters = 1000, wait_ops, total_ok = 0, lasted_ok = 0;
	double per;

	softcard_new(_metadata, self, &sc);
	s = hmac_spec();
	s.protection = KHSM_PROTECT_SOFTCARD;
	s.token_id = sc.token;
	gen(_metadata, self, &s, &bh);
	s = ec_spec(KHSM_KEY_EC_P256);
	s.protection = KHSM_PROTECT_SOFTCARD;
	s.token_id = sc.token;
	gen(_metadata, self, &s, &be);
	ASSERT_EQ(0, ku_token_unload(&self->nl, sc.token));

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < iters; i++) {
		memset(&r, 0, sizeof(r));
		r.fd = self->fd;
		r.use_ec = i % 8 == 7;
		softcard_up(_metadata, self, &sc);
		ASSERT_EQ(0, ku_load(self->fd, bh.data, bh.len, 0, &r.hmac));
		ASSERT_EQ(0, ku_load(self->fd, be.data, be.len, 0, &r.ec));
		ASSERT_EQ(0, pthread_create(&th, NULL, race_thread, &r));
		/* Unload after 0..3 operations have finished. */
		wait_ops = i % 4;
		atomic_store(&r.go, 1);
		while (atomic_load(&r.ops) < wait_ops)
			sched_yield();
		ASSERT_EQ(0, ku_token_unload(&self->nl, sc.token));
		pthread_join(th, NULL);
		EXPECT_EQ(0, r.other) TH_LOG("iteration %u: an operation failed with %s",
					     i, strerror(r.other_errno));
		EXPECT_EQ(3, r.revoked) TH_LOG("iteration %u", i);
		EXPECT_EQ(EKEYREVOKED, mac_any(self->fd, r.hmac));
		total_ok += r.ok;
		lasted_ok += r.ok > wait_ops;
		EXPECT_EQ(0, ku_destroy(self->fd, r.hmac));
		EXPECT_EQ(0, ku_destroy(self->fd, r.ec));
		if (!_metadata->passed)
			break;
		if (i == 9) {
			/* Keep the run reasonable under TCG: ~120 s at most. */
			clock_gettime(CLOCK_MONOTONIC, &t1);
			per = (t1.tv_sec - t0.tv_sec) +
			      (t1.tv_nsec - t0.tv_nsec) / 1e9;
			per /= 10;
			if (per * iters > 120) {
				iters = 120 / per;
				if (iters < 100)
					iters = 100;
				ksft_print_msg("one iteration takes %.3f s: %u iterations\n",
					       per, iters);
				fflush(stdout);
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ksft_print_msg("token race: %u iterations in %.1f s, %u operations succeeded, %u iterations with one past the unload request\n",
		       i, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
		       total_ok, lasted_ok);
	fflush(stdout);
}

/*
 * A non-persistent OCS token goes with its last card: every handle that
 * depends on it is revoked at once, also while another thread is in an
 * operation on it (issue 4's concurrency test, with the card removed).
 */
TEST_F_TIMEOUT(keys, ocs_last_card_out_revokes_while_in_use, 600)
{
	struct ku_files ocs;
	struct ku_keyspec s = hmac_spec();
	struct ku_blob b;
	struct timespec t0, t1;
	unsigned int i, iters = 1000, total_ok = 0;
	uint64_t token, h;
	struct race r;
	pthread_t th;
	double per;

	ASSERT_EQ(0, ku_cardset_create(&self->nl, KHSM_SET_OCS, "ocs", 0, PP,
				       &ocs)) TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, ku_card_insert(&self->nl, 3, &ocs, PP, &token));
	ASSERT_NE(0, token);
	s.protection = KHSM_PROTECT_OCS;
	s.token_id = token;
	gen(_metadata, self, &s, &b);
	ASSERT_EQ(0, ku_load(self->fd, b.data, b.len, 0, &h));
	EXPECT_EQ(0, mac_any(self->fd, h));
	ASSERT_EQ(0, ku_card_remove(&self->nl, 3));
	EXPECT_EQ(EKEYREVOKED, mac_any(self->fd, h));
	EXPECT_EQ(ENOKEY, ku_load(self->fd, b.data, b.len, 0, &h));

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < iters; i++) {
		memset(&r, 0, sizeof(r));
		r.fd = self->fd;
		ASSERT_EQ(0, ku_card_insert(&self->nl, 3, &ocs, PP, &token));
		ASSERT_EQ(0, ku_load(self->fd, b.data, b.len, 0, &r.hmac));
		ASSERT_EQ(0, pthread_create(&th, NULL, race_thread, &r));
		atomic_store(&r.go, 1);
		while (atomic_load(&r.ops) < i % 3)
			sched_yield();
		ASSERT_EQ(0, ku_card_remove(&self->nl, 3));
		pthread_join(th, NULL);
		EXPECT_EQ(0, r.other) TH_LOG("iteration %u: an operation failed with %s",
					     i, strerror(r.other_errno));
		EXPECT_EQ(3, r.revoked) TH_LOG("iteration %u", i);
		total_ok += r.ok;
		EXPECT_EQ(0, ku_destroy(self->fd, r.hmac));
		if (!_metadata->passed)
			break;
		if (i == 9) {
			/* Keep the run reasonable under TCG: ~120 s at most. */
			clock_gettime(CLOCK_MONOTONIC, &t1);
			per = ((t1.tv_sec - t0.tv_sec) +
			       (t1.tv_nsec - t0.tv_nsec) / 1e9) / 10;
			if (per * iters > 120) {
				iters = 120 / per < 100 ? 100 : 120 / per;
				ksft_print_msg("one iteration takes %.3f s: %u iterations\n",
					       per, iters);
			}
		}
	}
	ksft_print_msg("card race: %u iterations, %u operations succeeded\n",
		       i, total_ok);
	fflush(stdout);
}

/* In a child with another uid (and, if @gid >= 0, in that group): LOAD. */
static int load_as_other(int fd, const struct ku_blob *b, long gid)
{
	pid_t pid = fork();
	gid_t g = gid;
	uint64_t h;
	int st, err;

	if (pid < 0)
		return -errno;
	if (!pid) {
		if ((gid >= 0 ? setgroups(1, &g) : setgroups(0, NULL)) ||
		    setgid(65534) || setuid(65534))
			_exit(255);
		err = ku_load(fd, b->data, b->len, 0, &h);
		if (!err)
			err = mac_any(fd, h) ? 254 : 0;
		_exit(err);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -ECHILD;
	return WEXITSTATUS(st);
}

/* A token is its loading uid's, and its share group's: no one else's. */
TEST_F(keys, token_sharing_decides_who_loads)
{
	struct softcard sc;
	struct ku_keyspec s = hmac_spec();
	struct ku_blob b;
	const long g = 4271;

	softcard_new(_metadata, self, &sc);
	s.protection = KHSM_PROTECT_SOFTCARD;
	s.token_id = sc.token;
	gen(_metadata, self, &s, &b);

	EXPECT_EQ(EACCES, load_as_other(self->fd, &b, -1));
	EXPECT_EQ(EACCES, load_as_other(self->fd, &b, g));
	ASSERT_EQ(0, ku_token_unload(&self->nl, sc.token));

	ASSERT_EQ(0, ku_card_insert_shared(&self->nl, 0, &sc.card, PP, g,
					   &sc.token)) TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, ku_card_remove(&self->nl, 0));
	EXPECT_EQ(0, load_as_other(self->fd, &b, g));
	EXPECT_EQ(EACCES, load_as_other(self->fd, &b, -1));
	EXPECT_EQ(EACCES, load_as_other(self->fd, &b, g + 1));
}

TEST_F(keys, clear_and_world_unload_revoke_handles)
{
	struct ku_keyspec s = hmac_spec();
	struct ku_blob b;
	uint64_t h, h2;

	gen(_metadata, self, &s, &b);
	h = load(_metadata, self->fd, &b);
	EXPECT_EQ(0, mac_any(self->fd, h));
	ASSERT_EQ(0, ku_request(&self->nl, KHSM_CMD_CLEAR, NULL));
	EXPECT_EQ(EKEYREVOKED, mac_any(self->fd, h));
	/* The world stayed: the blob loads again. */
	h2 = load(_metadata, self->fd, &b);
	EXPECT_EQ(0, mac_any(self->fd, h2));
	EXPECT_EQ(EKEYREVOKED, mac_any(self->fd, h));
	ASSERT_EQ(0, ku_world_unload(&self->nl));
	EXPECT_EQ(EKEYREVOKED, mac_any(self->fd, h2));
	/* A new world does not bring the old keys' handles back. */
	ASSERT_EQ(0, ku_world_fresh(&self->nl, NULL));
	EXPECT_EQ(EKEYREVOKED, mac_any(self->fd, h2));
	EXPECT_EQ(0, ku_destroy(self->fd, h2));
	EXPECT_EQ(ENOENT, mac_any(self->fd, h2));
}

struct destroy_race {
	int fd;
	uint64_t h;
	atomic_uint ops;
	unsigned int ok, gone, other;
	int other_errno;
};

static void *destroy_thread(void *arg)
{
	struct destroy_race *r = arg;
	int err, n = 0;

	for (;;) {
		err = mac_any(r->fd, r->h);
		atomic_fetch_add(&r->ops, 1);
		if (!err) {
			r->ok++;
		} else if (err == ENOENT) {
			if (++r->gone >= 3)
				break;
		} else {
			r->other++;
			r->other_errno = err;
			break;
		}
		if (++n > 1000000)
			break;
	}
	return NULL;
}

TEST_F_TIMEOUT(keys, destroy_races_operations, 300)
{
	struct ku_keyspec s = hmac_spec();
	struct ku_blob b;
	struct destroy_race r;
	pthread_t th;
	unsigned int i;

	gen(_metadata, self, &s, &b);
	for (i = 0; i < 300; i++) {
		memset(&r, 0, sizeof(r));
		r.fd = self->fd;
		r.h = load(_metadata, self->fd, &b);
		ASSERT_EQ(0, pthread_create(&th, NULL, destroy_thread, &r));
		while (atomic_load(&r.ops) < i % 4)
			sched_yield();
		EXPECT_EQ(0, ku_destroy(self->fd, r.h));
		pthread_join(th, NULL);
		EXPECT_EQ(0, r.other) TH_LOG("iteration %u: %s", i,
					     strerror(r.other_errno));
		EXPECT_EQ(3, r.gone);
		if (!_metadata->passed)
			break;
	}
}

/* --- bad input to each ioctl --- */

/*
 * Fills @buf (two pages, zeroed) with a valid request of @size bytes for
 * the ioctl under test; returns 0 or skips.
 */
typedef void (*prep_fn)(FIXTURE_DATA(keys) *self, void *ctx, void *buf);

struct matrix_ctx {
	struct ku_blob blob;
	uint64_t hmac;
	uint64_t ec;
	unsigned char out[256];
	struct khsm_ioc_op ops[2];
};

static void prep_load(FIXTURE_DATA(keys) *self, void *ctx, void *buf)
{
	struct matrix_ctx *m = ctx;
	struct khsm_ioc_load *l = buf;

	(void)self;
	l->size = sizeof(*l);
	l->blob_len = m->blob.len;
	l->blob_uptr = (uintptr_t)m->blob.data;
}

static void prep_destroy(FIXTURE_DATA(keys) *self, void *ctx, void *buf)
{
	struct matrix_ctx *m = ctx;
	struct khsm_ioc_destroy *d = buf;
	uint64_t h = 0;

	/* A fresh handle each time: a successful call uses it up. */
	ku_load(self->fd, m->blob.data, m->blob.len, 0, &h);
	d->size = sizeof(*d);
	d->handle = h;
}

static void prep_op(FIXTURE_DATA(keys) *self, void *ctx, void *buf)
{
	struct matrix_ctx *m = ctx;
	struct khsm_ioc_op *op = buf;

	(void)self;
	ku_op_init(op, m->hmac, KHSM_OP_MAC_GENERATE, KHSM_MECH_HMAC_SHA256);
	ku_op_io(op, msg16, sizeof(msg16), m->out, sizeof(m->out));
}

static void prep_batch(FIXTURE_DATA(keys) *self, void *ctx, void *buf)
{
	struct matrix_ctx *m = ctx;
	struct khsm_ioc_batch *b = buf;

	prep_op(self, ctx, &m->ops[0]);
	prep_op(self, ctx, &m->ops[1]);
	b->size = sizeof(*b);
	b->count = 2;
	b->op_size = sizeof(struct khsm_ioc_op);
	b->ops_uptr = (uintptr_t)m->ops;
}

static void prep_pubkey(FIXTURE_DATA(keys) *self, void *ctx, void *buf)
{
	struct matrix_ctx *m = ctx;
	struct khsm_ioc_pubkey *p = buf;

	(void)self;
	p->size = sizeof(*p);
	p->handle = m->ec;
	p->out_len = sizeof(m->out);
	p->out_uptr = (uintptr_t)m->out;
}

/* The size-first rules every ioctl shares, and flags/reserved/NULL arg. */
static void size_matrix(struct __test_metadata *_metadata,
			FIXTURE_DATA(keys) *self, struct matrix_ctx *m,
			const char *name, unsigned long cmd, size_t sz,
			prep_fn prep, ssize_t reserved_off)
{
	size_t bufsz = self->page * 2, i;
	unsigned char *buf = malloc(bufsz);
	const size_t small[] = { 0, 1, 4, 8, sz - 8, sz - 1 };
	__u32 *size = (__u32 *)buf, *flags = (__u32 *)(buf + 4);

	ASSERT_NE(NULL, buf);
#define PREP() do { memset(buf, 0, bufsz); prep(self, m, buf); } while (0)
	for (i = 0; i < ARRAY_SIZE(small); i++) {
		PREP();
		*size = small[i];
		EXPECT_EQ(EINVAL, ku_ioc(self->fd, cmd, buf))
			TH_LOG("%s: size %zu", name, small[i]);
	}
	PREP();
	EXPECT_EQ(0, ku_ioc(self->fd, cmd, buf)) TH_LOG("%s: exact size", name);
	PREP();
	*size = sz + 16;
	EXPECT_EQ(0, ku_ioc(self->fd, cmd, buf)) TH_LOG("%s: zero tail", name);
	for (i = sz; i < sz + 16; i++)
		EXPECT_EQ(0, buf[i]) TH_LOG("%s: tail byte %zu written", name, i);
	PREP();
	*size = sz + 16;
	buf[sz + 15] = 1;
	EXPECT_EQ(E2BIG, ku_ioc(self->fd, cmd, buf))
		TH_LOG("%s: non-zero tail", name);
	PREP();
	*size = self->page + 8;
	EXPECT_EQ(E2BIG, ku_ioc(self->fd, cmd, buf))
		TH_LOG("%s: above the page size", name);
	PREP();
	*size = self->page;
	EXPECT_EQ(0, ku_ioc(self->fd, cmd, buf))
		TH_LOG("%s: exactly a page, zero tail", name);
	EXPECT_EQ(EFAULT, ku_ioc(self->fd, cmd, NULL)) TH_LOG("%s: NULL", name);
	PREP();
	*flags = 1U << 31;
	EXPECT_EQ(EINVAL, ku_ioc(self->fd, cmd, buf))
		TH_LOG("%s: unknown flag", name);
	if (reserved_off >= 0) {
		PREP();
		buf[reserved_off] = 1;
		EXPECT_EQ(EINVAL, ku_ioc(self->fd, cmd, buf))
			TH_LOG("%s: reserved field", name);
	}
#undef PREP
	free(buf);
}

static void matrix_setup(struct __test_metadata *_metadata,
			 FIXTURE_DATA(keys) *self, struct matrix_ctx *m)
{
	struct ku_keyspec s = hmac_spec();

	memset(m, 0, sizeof(*m));
	gen(_metadata, self, &s, &m->blob);
	m->hmac = load(_metadata, self->fd, &m->blob);
	s = ec_spec(KHSM_KEY_EC_P256);
	m->ec = gen_load(_metadata, self, &s);
}

/* An unmapped page. */
static void *hole(long page)
{
	void *p = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

TEST_F_TIMEOUT(keys, bad_input_load, 60)
{
	struct matrix_ctx m;
	struct khsm_ioc_load l;
	unsigned char *big;
	void *nowhere = hole(self->page);

	ASSERT_NE(NULL, nowhere);
	matrix_setup(_metadata, self, &m);
	size_matrix(_metadata, self, &m, "LOAD", KHSM_IOC_LOAD,
		    sizeof(struct khsm_ioc_load), prep_load,
		    offsetof(struct khsm_ioc_load, __reserved));
	memset(&l, 0, sizeof(l));
	prep_load(self, &m, &l);
	l.blob_uptr = 0;
	EXPECT_EQ(EFAULT, ku_ioc(self->fd, KHSM_IOC_LOAD, &l));
	l.blob_uptr = (uintptr_t)nowhere;
	EXPECT_EQ(EFAULT, ku_ioc(self->fd, KHSM_IOC_LOAD, &l));
	EXPECT_EQ(0, l.out_handle);
	/* Above KHSM_BLOB_MAX: EMSGSIZE, as RANDOM says above its maximum. */
	big = calloc(1, KHSM_BLOB_MAX + 1);
	ASSERT_NE(NULL, big);
	memcpy(big, m.blob.data, m.blob.len);
	prep_load(self, &m, &l);
	l.blob_uptr = (uintptr_t)big;
	l.blob_len = KHSM_BLOB_MAX + 1;
	EXPECT_EQ(EMSGSIZE, ku_ioc(self->fd, KHSM_IOC_LOAD, &l));
	free(big);
	/* A non-zero output field on input is not an error: it is overwritten. */
	prep_load(self, &m, &l);
	l.out_handle = 42;
	EXPECT_EQ(0, ku_ioc(self->fd, KHSM_IOC_LOAD, &l));
	EXPECT_NE(42, l.out_handle);
	munmap(nowhere, self->page);
}

TEST_F(keys, bad_input_destroy)
{
	struct matrix_ctx m;

	matrix_setup(_metadata, self, &m);
	size_matrix(_metadata, self, &m, "DESTROY", KHSM_IOC_DESTROY,
		    sizeof(struct khsm_ioc_destroy), prep_destroy, -1);
	EXPECT_EQ(ENOENT, ku_destroy(self->fd, 0));
	EXPECT_EQ(ENOENT, ku_destroy(self->fd, ~0ULL));
}

TEST_F_TIMEOUT(keys, bad_input_op, 60)
{
	struct matrix_ctx m;
	struct khsm_ioc_op op;
	struct ku_keyspec s = aes_spec();
	unsigned char *huge, out[128], iv[12];
	void *nowhere = hole(self->page), *ro;
	uint64_t aes;
	size_t len, told;
	int err, i;

	ASSERT_NE(NULL, nowhere);
	ro = mmap(NULL, self->page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	matrix_setup(_metadata, self, &m);
	aes = gen_load(_metadata, self, &s);
	size_matrix(_metadata, self, &m, "OP", KHSM_IOC_OP,
		    sizeof(struct khsm_ioc_op), prep_op, -1);

	/* Unknown flags bit, op and mechanism. */
	prep_op(self, &m, &op);
	op.flags = KHSM_OP_F__ALL + 1;
	EXPECT_EQ(EINVAL, ku_op(self->fd, &op));
	prep_op(self, &m, &op);
	op.op = KHSM_OP__COUNT;
	EXPECT_EQ(EINVAL, ku_op(self->fd, &op));
	op.op = ~0U;
	EXPECT_EQ(EINVAL, ku_op(self->fd, &op));
	prep_op(self, &m, &op);
	op.mech = KHSM_MECH__COUNT;
	EXPECT_EQ(EINVAL, ku_op(self->fd, &op));
	op.mech = ~0U;
	EXPECT_EQ(EINVAL, ku_op(self->fd, &op));
	/* A mechanism that does not do the operation (nor fits the key). */
	prep_op(self, &m, &op);
	op.mech = KHSM_MECH_AES_GCM;
	err = ku_op(self->fd, &op);
	EXPECT_TRUE(err == EINVAL || err == E_ACL) TH_LOG("%s", strerror(err));
	/* The output field out_status is not input. */
	prep_op(self, &m, &op);
	op.out_status = 5;
	EXPECT_EQ(0, ku_op(self->fd, &op));
	EXPECT_EQ(0, op.out_status);

	/* NULL and unmapped data. */
	prep_op(self, &m, &op);
	op.in_uptr = 0;
	EXPECT_EQ(EFAULT, ku_op(self->fd, &op));
	op.in_uptr = (uintptr_t)nowhere;
	EXPECT_EQ(EFAULT, ku_op(self->fd, &op));
	prep_op(self, &m, &op);
	op.out_uptr = 0;
	EXPECT_EQ(EFAULT, ku_op(self->fd, &op));
	op.out_uptr = (uintptr_t)nowhere;
	EXPECT_EQ(EFAULT, ku_op(self->fd, &op));
	op.out_uptr = (uintptr_t)ro;
	EXPECT_EQ(EFAULT, ku_op(self->fd, &op));
	ku_op_init(&op, m.hmac, KHSM_OP_MAC_VERIFY, KHSM_MECH_HMAC_SHA256);
	ku_op_io(&op, msg16, sizeof(msg16), NULL, 0);
	op.aux_len = 32;
	op.aux_uptr = 0;
	EXPECT_EQ(EFAULT, ku_op(self->fd, &op));
	op.aux_uptr = (uintptr_t)nowhere;
	EXPECT_EQ(EFAULT, ku_op(self->fd, &op));
	/* GCM: the IV and AAD pointers. */
	ku_op_init(&op, aes, KHSM_OP_ENCRYPT, KHSM_MECH_AES_GCM);
	ku_op_io(&op, msg16, sizeof(msg16), out, sizeof(out));
	op.iv_len = 12;
	op.iv_uptr = (uintptr_t)ro;	/* the module writes its IV there */
	EXPECT_EQ(EFAULT, ku_op(self->fd, &op));
	op.iv_uptr = (uintptr_t)iv;
	op.aad_len = 8;
	op.aad_uptr = (uintptr_t)nowhere;
	EXPECT_EQ(EFAULT, ku_op(self->fd, &op));
	ku_op_init(&op, aes, KHSM_OP_DECRYPT, KHSM_MECH_AES_GCM);
	ku_op_io(&op, out, 32, out + 64, 64);
	op.iv_len = 12;
	op.iv_uptr = 0;
	EXPECT_EQ(EFAULT, ku_op(self->fd, &op));
	/* DERIVE and UNWRAP read the new key's ACL. */
	{
		unsigned char point[65];
		size_t plen = sizeof(point);
		struct ku_keyspec e = ku_spec(KHSM_KEY_EC_P256,
					      BIT(KHSM_OP_DERIVE),
					      BIT(KHSM_MECH_ECDH_P256), 0);
		uint64_t ecdh = gen_load(_metadata, self, &e);

		ASSERT_EQ(0, pubkey(self->fd, m.ec, point, &plen));
		ku_op_init(&op, ecdh, KHSM_OP_DERIVE, KHSM_MECH_ECDH_P256);
		ku_op_io(&op, point, sizeof(point), NULL, 0);
		op.new_type = KHSM_KEY_HMAC;
		op.new_len = 32;
		op.acl_uptr = 0;
		EXPECT_EQ(EFAULT, ku_op(self->fd, &op));
		op.acl_uptr = (uintptr_t)nowhere;
		EXPECT_EQ(EFAULT, ku_op(self->fd, &op));
		EXPECT_EQ(0, op.out_handle);
	}

	/* in_len and aad_len above KHSM_DATA_MAX. */
	huge = calloc(1, KHSM_DATA_MAX + 64);
	ASSERT_NE(NULL, huge);
	prep_op(self, &m, &op);
	op.in_uptr = (uintptr_t)huge;
	op.in_len = KHSM_DATA_MAX;
	EXPECT_EQ(0, ku_op(self->fd, &op));
	op.in_len = KHSM_DATA_MAX + 1;
	EXPECT_EQ(EMSGSIZE, ku_op(self->fd, &op));
	op.in_len = ~0U;
	EXPECT_EQ(EMSGSIZE, ku_op(self->fd, &op));
	ku_op_init(&op, aes, KHSM_OP_ENCRYPT, KHSM_MECH_AES_GCM);
	ku_op_io(&op, msg16, sizeof(msg16), out, sizeof(out));
	op.iv_len = 12;
	op.iv_uptr = (uintptr_t)iv;
	op.aad_uptr = (uintptr_t)huge;
	op.aad_len = KHSM_DATA_MAX + 1;
	EXPECT_EQ(EMSGSIZE, ku_op(self->fd, &op));
	free(huge);

	/* out_len too small: EMSGSIZE and the size needed. */
	prep_op(self, &m, &op);
	op.out_len = 31;
	EXPECT_EQ(EMSGSIZE, ku_op(self->fd, &op));
	EXPECT_EQ(32, op.out_len);
	EXPECT_EQ(0, ku_op(self->fd, &op));
	len = 16 + 15;
	EXPECT_EQ(EMSGSIZE, gcm_encrypt(self->fd, aes, 0, iv, NULL, 0, msg16,
					sizeof(msg16), out, &len));
	EXPECT_EQ(32, len);
	/*
	 * A signature's DER length varies (70..72 bytes for P-256): the size
	 * a too-small buffer is told must be enough for the next signature,
	 * whichever length it has. Twenty tries make a shortfall show.
	 */
	for (i = 0; i < 20; i++) {
		len = 10;
		EXPECT_EQ(EMSGSIZE, sign(self->fd, m.ec,
					 KHSM_MECH_ECDSA_P256_SHA256, msg16,
					 sizeof(msg16), out, &len));
		EXPECT_LE(70, len);
		EXPECT_GE(72, len);
		told = len;
		err = sign(self->fd, m.ec, KHSM_MECH_ECDSA_P256_SHA256, msg16,
			   sizeof(msg16), out, &len);
		EXPECT_EQ(0, err) TH_LOG("try %d: told %zu bytes, then %s (%zu needed)",
					 i, told, strerror(err), len);
		if (err)
			break;
	}

	/* The larger struct: outputs written, its tail left alone. */
	{
		unsigned char buf[sizeof(struct khsm_ioc_op) + 32];
		struct khsm_ioc_op *big = (void *)buf;

		memset(buf, 0, sizeof(buf));
		prep_op(self, &m, big);
		big->size = sizeof(buf);
		EXPECT_EQ(0, ku_ioc(self->fd, KHSM_IOC_OP, buf));
		EXPECT_EQ(32, big->out_len);
	}
	munmap(nowhere, self->page);
	munmap(ro, self->page);
}

TEST_F_TIMEOUT(keys, bad_input_op_batch, 60)
{
	struct matrix_ctx m;
	struct khsm_ioc_batch b;
	struct khsm_ioc_op *ops;
	struct ku_keyspec s = aes_spec();
	unsigned char outs[8][64], iv[12], *wide;
	unsigned int i;
	uint64_t aes, genonly;
	void *nowhere = hole(self->page);
	int err;

	ASSERT_NE(NULL, nowhere);
	matrix_setup(_metadata, self, &m);
	aes = gen_load(_metadata, self, &s);
	s = ku_spec(KHSM_KEY_HMAC, BIT(KHSM_OP_MAC_GENERATE),
		    BIT(KHSM_MECH_HMAC_SHA256), 0);
	genonly = gen_load(_metadata, self, &s);
	size_matrix(_metadata, self, &m, "OP_BATCH", KHSM_IOC_OP_BATCH,
		    sizeof(struct khsm_ioc_batch), prep_batch,
		    offsetof(struct khsm_ioc_batch, __reserved));

	ops = calloc(KHSM_BATCH_MAX + 1, sizeof(*ops));
	ASSERT_NE(NULL, ops);
	memset(&b, 0, sizeof(b));
	b.size = sizeof(b);
	b.op_size = sizeof(*ops);
	b.ops_uptr = (uintptr_t)ops;
	/* count 0 and above KHSM_BATCH_MAX */
	b.count = 0;
	EXPECT_EQ(EINVAL, ku_ioc(self->fd, KHSM_IOC_OP_BATCH, &b));
	for (i = 0; i <= KHSM_BATCH_MAX; i++) {
		prep_op(self, &m, &ops[i]);
		ops[i].out_uptr = (uintptr_t)outs[i % 8];
		ops[i].out_len = 32;
	}
	b.count = KHSM_BATCH_MAX + 1;
	EXPECT_EQ(EINVAL, ku_ioc(self->fd, KHSM_IOC_OP_BATCH, &b));
	/* KHSM_BATCH_MAX itself is fine. */
	b.count = KHSM_BATCH_MAX;
	EXPECT_EQ(0, ku_ioc(self->fd, KHSM_IOC_OP_BATCH, &b));
	EXPECT_EQ(KHSM_BATCH_MAX, b.out_done);
	/* op_size follows the size rules of one OP. */
	b.count = 2;
	b.op_size = 0;
	EXPECT_EQ(EINVAL, ku_ioc(self->fd, KHSM_IOC_OP_BATCH, &b));
	b.op_size = sizeof(*ops) - 8;
	EXPECT_EQ(EINVAL, ku_ioc(self->fd, KHSM_IOC_OP_BATCH, &b));
	b.op_size = self->page + 8;
	EXPECT_EQ(E2BIG, ku_ioc(self->fd, KHSM_IOC_OP_BATCH, &b));
	/* Wider elements with zero tails are accepted; a non-zero tail is not. */
	wide = calloc(2, sizeof(*ops) + 16);
	ASSERT_NE(NULL, wide);
	for (i = 0; i < 2; i++) {
		struct khsm_ioc_op *w = (void *)(wide + i * (sizeof(*ops) + 16));

		prep_op(self, &m, w);
		w->size = sizeof(*ops) + 16;
		w->out_uptr = (uintptr_t)outs[i];
		w->out_len = 32;
	}
	b.op_size = sizeof(*ops) + 16;
	b.ops_uptr = (uintptr_t)wide;
	EXPECT_EQ(0, ku_ioc(self->fd, KHSM_IOC_OP_BATCH, &b));
	EXPECT_EQ(2, b.out_done);
	/*
	 * A non-zero tail in the second: E2BIG for the call, or (the
	 * operation being what is malformed) for that operation alone.
	 */
	wide[2 * (sizeof(*ops) + 16) - 1] = 1;
	b.out_done = 0;
	err = ku_ioc(self->fd, KHSM_IOC_OP_BATCH, &b);
	if (err) {
		EXPECT_EQ(E2BIG, err);
	} else {
		struct khsm_ioc_op *w = (void *)(wide + sizeof(*ops) + 16);

		EXPECT_EQ(1, b.out_done);
		EXPECT_EQ(-E2BIG, w->out_status);
	}
	free(wide);
	/* The array itself unreadable. */
	b.op_size = sizeof(*ops);
	b.ops_uptr = 0;
	EXPECT_EQ(EFAULT, ku_ioc(self->fd, KHSM_IOC_OP_BATCH, &b));
	b.ops_uptr = (uintptr_t)nowhere;
	EXPECT_EQ(EFAULT, ku_ioc(self->fd, KHSM_IOC_OP_BATCH, &b));

	/* Good and bad operations mixed: each its own (negative) errno. */
	{
		unsigned char ct[64];
		struct khsm_ioc_op *o = ops;
		unsigned int n = 0;

		memset(ops, 0, 8 * sizeof(*ops));
		prep_op(self, &m, &o[n]);		/* 0: good MAC */
		o[n].out_uptr = (uintptr_t)outs[0];
		o[n++].out_len = 32;
		prep_op(self, &m, &o[n]);		/* 1: no such handle */
		o[n].handle = m.hmac ^ 1;
		o[n].out_uptr = (uintptr_t)outs[1];
		o[n++].out_len = 32;
		prep_op(self, &m, &o[n]);		/* 2: outside the ACL */
		o[n].handle = genonly;
		o[n].op = KHSM_OP_MAC_VERIFY;
		o[n].out_uptr = 0;
		o[n].out_len = 0;
		o[n].aux_uptr = (uintptr_t)outs[2];
		o[n++].aux_len = 32;
		ku_op_init(&o[n], aes, KHSM_OP_ENCRYPT,	/* 3: good GCM */
			   KHSM_MECH_AES_GCM);
		ku_op_io(&o[n], msg16, sizeof(msg16), ct, sizeof(ct));
		o[n].iv_uptr = (uintptr_t)iv;
		o[n++].iv_len = 12;
		prep_op(self, &m, &o[n]);		/* 4: unknown mech */
		o[n].mech = KHSM_MECH__COUNT;
		o[n++].out_uptr = (uintptr_t)outs[4];
		prep_op(self, &m, &o[n]);		/* 5: too much input */
		o[n++].in_len = KHSM_DATA_MAX + 1;
		prep_op(self, &m, &o[n]);		/* 6: output too small */
		o[n].out_uptr = (uintptr_t)outs[6];
		o[n++].out_len = 4;
		prep_op(self, &m, &o[n]);		/* 7: bad flag */
		o[n].flags = 1U << 30;
		o[n++].out_uptr = (uintptr_t)outs[7];

		for (i = 0; i < n; i++)
			o[i].out_status = 12345;
		b.count = n;
		b.op_size = sizeof(*ops);
		b.ops_uptr = (uintptr_t)ops;
		b.out_done = 77;
		ASSERT_EQ(0, ku_ioc(self->fd, KHSM_IOC_OP_BATCH, &b));
		EXPECT_EQ(2, b.out_done);
		EXPECT_EQ(0, o[0].out_status);
		EXPECT_EQ(32, o[0].out_len);
		EXPECT_EQ(-ENOENT, o[1].out_status);
		EXPECT_EQ(-E_ACL, o[2].out_status);
		EXPECT_EQ(0, o[3].out_status);
		EXPECT_EQ(32, o[3].out_len);
		EXPECT_EQ(-EINVAL, o[4].out_status);
		EXPECT_EQ(-EMSGSIZE, o[5].out_status);
		EXPECT_EQ(-EMSGSIZE, o[6].out_status);
		EXPECT_EQ(32, o[6].out_len);
		EXPECT_EQ(-EINVAL, o[7].out_status);
		/* The good ones did their work: same MAC as a single OP. */
		{
			unsigned char one[32], pt[32];
			size_t lp = sizeof(pt);

			ASSERT_EQ(0, mac(self->fd, m.hmac, one));
			EXPECT_EQ(0, memcmp(one, outs[0], 32));
			EXPECT_EQ(0, gcm_decrypt(self->fd, aes, iv, NULL, 0, ct,
						 32, pt, &lp));
			EXPECT_EQ(0, memcmp(pt, msg16, 16));
		}
	}
	/*
	 * An operation's own bad data pointer is that operation's EFAULT:
	 * only the array itself is the call's ("a failing operation does not
	 * stop the others").
	 */
	memset(ops, 0, 3 * sizeof(*ops));
	for (i = 0; i < 3; i++) {
		prep_op(self, &m, &ops[i]);
		ops[i].out_uptr = (uintptr_t)outs[i];
		ops[i].out_len = 32;
		ops[i].out_status = 12345;
	}
	ops[1].in_uptr = (uintptr_t)nowhere;
	b.count = 3;
	b.op_size = sizeof(*ops);
	b.ops_uptr = (uintptr_t)ops;
	b.out_done = 0;
	EXPECT_EQ(0, ku_ioc(self->fd, KHSM_IOC_OP_BATCH, &b));
	EXPECT_EQ(2, b.out_done);
	EXPECT_EQ(0, ops[0].out_status);
	EXPECT_EQ(-EFAULT, ops[1].out_status);
	EXPECT_EQ(0, ops[2].out_status);
	EXPECT_EQ(0, memcmp(outs[0], outs[2], 32));
	free(ops);
	munmap(nowhere, self->page);
}

TEST_F(keys, bad_input_pubkey)
{
	struct matrix_ctx m;
	struct ku_keyspec s = ec_spec(KHSM_KEY_EC_P384);
	unsigned char out[128];
	size_t len;
	uint64_t p384;
	void *nowhere = hole(self->page);
	struct khsm_ioc_pubkey p;

	ASSERT_NE(NULL, nowhere);
	matrix_setup(_metadata, self, &m);
	p384 = gen_load(_metadata, self, &s);
	size_matrix(_metadata, self, &m, "PUBKEY", KHSM_IOC_PUBKEY,
		    sizeof(struct khsm_ioc_pubkey), prep_pubkey,
		    offsetof(struct khsm_ioc_pubkey, __reserved));
	len = sizeof(out);
	EXPECT_EQ(0, pubkey(self->fd, m.ec, out, &len));
	EXPECT_EQ(65, len);
	EXPECT_EQ(4, out[0]);
	len = sizeof(out);
	EXPECT_EQ(0, pubkey(self->fd, p384, out, &len));
	EXPECT_EQ(97, len);
	len = 64;
	EXPECT_EQ(EMSGSIZE, pubkey(self->fd, m.ec, out, &len));
	EXPECT_EQ(65, len);
	len = 96;
	EXPECT_EQ(EMSGSIZE, pubkey(self->fd, p384, out, &len));
	EXPECT_EQ(97, len);
	EXPECT_EQ(ENOENT, pubkey(self->fd, m.ec ^ 1, out, &len));
	memset(&p, 0, sizeof(p));
	prep_pubkey(self, &m, &p);
	p.out_uptr = 0;
	EXPECT_EQ(EFAULT, ku_ioc(self->fd, KHSM_IOC_PUBKEY, &p));
	p.out_uptr = (uintptr_t)nowhere;
	EXPECT_EQ(EFAULT, ku_ioc(self->fd, KHSM_IOC_PUBKEY, &p));
	munmap(nowhere, self->page);
}

/* --- interoperability with OpenSSL --- */

static EVP_PKEY *ec_public(const char *group, const unsigned char *point,
			   size_t len)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *pk = NULL;

	if (!bld || !ctx ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					     group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
					      point, len) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pk = NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

/* 1 if OpenSSL verifies @sig over @msg (or over the digest @msg). */
static int ossl_verify(EVP_PKEY *pk, const EVP_MD *md, int prehashed,
		       const void *msg, size_t msg_len,
		       const unsigned char *sig, size_t sig_len)
{
	EVP_MD_CTX *mctx;
	EVP_PKEY_CTX *pctx;
	int ok;

	if (prehashed) {
		pctx = EVP_PKEY_CTX_new(pk, NULL);
		ok = pctx && EVP_PKEY_verify_init(pctx) > 0 &&
		     EVP_PKEY_verify(pctx, sig, sig_len, msg, msg_len) == 1;
		EVP_PKEY_CTX_free(pctx);
		return ok;
	}
	mctx = EVP_MD_CTX_new();
	ok = mctx && EVP_DigestVerifyInit(mctx, NULL, md, NULL, pk) > 0 &&
	     EVP_DigestVerify(mctx, sig, sig_len, msg, msg_len) == 1;
	EVP_MD_CTX_free(mctx);
	return ok;
}

static void ecdsa_interop(struct __test_metadata *_metadata,
			  FIXTURE_DATA(keys) *self, uint32_t type,
			  const char *group, const EVP_MD *md, uint32_t mech)
{
	struct ku_keyspec s = ec_spec(type);
	unsigned char point[KHSM_PUBKEY_MAX], sig[160], digest[64], msg[100];
	size_t plen = sizeof(point), slen, mdlen = EVP_MD_get_size(md);
	EVP_PKEY *pk, *mine;
	EVP_MD_CTX *mctx;
	uint64_t h = gen_load(_metadata, self, &s), imported;
	struct ku_blob b;
	int i;

	ASSERT_EQ(0, pubkey(self->fd, h, point, &plen));
	pk = ec_public(group, point, plen);
	ASSERT_NE(NULL, pk);
	for (i = 0; i < 8; i++) {
		RAND_bytes(msg, sizeof(msg));
		slen = sizeof(sig);
		ASSERT_EQ(0, sign(self->fd, h, mech, msg, i * 12, sig, &slen));
		EXPECT_TRUE(ossl_verify(pk, md, 0, msg, i * 12, sig, slen))
			TH_LOG("%s signature %d not verified by OpenSSL", group, i);
		/* The signature is DER and the module verifies it too. */
		EXPECT_EQ(0x30, sig[0]);
		EXPECT_EQ(0, verify(self->fd, h, mech, msg, i * 12, sig, slen));
		sig[slen - 1] ^= 1;
		EXPECT_EQ(EBADMSG, verify(self->fd, h, mech, msg, i * 12, sig,
					  slen));
	}
	/* KHSM_OP_F_PREHASHED: the input is the digest. */
	EVP_Digest(msg, sizeof(msg), digest, NULL, md, NULL);
	{
		struct khsm_ioc_op op;

		ku_op_init(&op, h, KHSM_OP_SIGN, mech);
		op.flags = KHSM_OP_F_PREHASHED;
		ku_op_io(&op, digest, mdlen, sig, sizeof(sig));
		ASSERT_EQ(0, ku_op(self->fd, &op));
		EXPECT_TRUE(ossl_verify(pk, md, 0, msg, sizeof(msg), sig,
					op.out_len));
		EXPECT_TRUE(ossl_verify(pk, md, 1, digest, mdlen, sig,
					op.out_len));
		/* A digest of the wrong length. */
		ku_op_init(&op, h, KHSM_OP_SIGN, mech);
		op.flags = KHSM_OP_F_PREHASHED;
		ku_op_io(&op, digest, mdlen - 1, sig, sizeof(sig));
		EXPECT_EQ(EINVAL, ku_op(self->fd, &op));
	}
	/* OpenSSL signs, the module verifies with the imported public key. */
	mine = EVP_EC_gen(group);
	ASSERT_NE(NULL, mine);
	{
		unsigned char *enc = NULL;

		plen = EVP_PKEY_get1_encoded_public_key(mine, &enc);
		ASSERT_EQ(type == KHSM_KEY_EC_P256 ? 65 : 97, plen);
		s = ku_spec(type, BIT(KHSM_OP_VERIFY), BIT(mech), 0);
		s.pub = enc;
		s.pub_len = plen;
		ASSERT_EQ(0, ku_key_import(&self->nl, &s, &b))
			TH_LOG("%s", self->nl.extack);
		OPENSSL_free(enc);
	}
	imported = load(_metadata, self->fd, &b);
	mctx = EVP_MD_CTX_new();
	slen = sizeof(sig);
	ASSERT_EQ(1, EVP_DigestSignInit(mctx, NULL, md, NULL, mine));
	ASSERT_EQ(1, EVP_DigestSign(mctx, sig, &slen, msg, sizeof(msg)));
	EXPECT_EQ(0, verify(self->fd, imported, mech, msg, sizeof(msg), sig,
			    slen));
	msg[0] ^= 1;
	EXPECT_EQ(EBADMSG, verify(self->fd, imported, mech, msg, sizeof(msg),
				  sig, slen));
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_free(mine);
	EVP_PKEY_free(pk);
}

TEST_F_TIMEOUT(keys, interop_ecdsa_p256, 120)
{
	ecdsa_interop(_metadata, self, KHSM_KEY_EC_P256, "P-256", EVP_sha256(),
		      KHSM_MECH_ECDSA_P256_SHA256);
}

TEST_F_TIMEOUT(keys, interop_ecdsa_p384, 180)
{
	ecdsa_interop(_metadata, self, KHSM_KEY_EC_P384, "P-384", EVP_sha384(),
		      KHSM_MECH_ECDSA_P384_SHA384);
}

static int ossl_gcm(int enc, const unsigned char *key, size_t key_len,
		    const unsigned char iv[12], const void *aad, size_t aad_len,
		    const unsigned char *in, size_t in_len, unsigned char *out)
{
	const EVP_CIPHER *c = key_len == 16 ? EVP_aes_128_gcm() :
			      key_len == 24 ? EVP_aes_192_gcm() :
					      EVP_aes_256_gcm();
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n, ok;
	size_t body = enc ? in_len : in_len - 16;

	ok = ctx && EVP_CipherInit_ex(ctx, c, NULL, key, iv, enc) == 1;
	if (ok && aad_len)
		ok = EVP_CipherUpdate(ctx, NULL, &n, aad, aad_len) == 1;
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16,
					 (void *)(in + body)) == 1;
	if (ok)
		ok = EVP_CipherUpdate(ctx, out, &n, in, body) == 1;
	if (ok)
		ok = EVP_CipherFinal_ex(ctx, out + n, &n) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16,
					 out + body) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

TEST_F(keys, interop_aes_gcm)
{
	static const size_t key_lens[] = { 16, 24, 32 };
	unsigned char key[32], iv[12], aad[20], pt[300], ct[320], out[320];
	struct ku_keyspec s;
	size_t k, n, len;
	uint64_t h;

	for (k = 0; k < ARRAY_SIZE(key_lens); k++) {
		RAND_bytes(key, sizeof(key));
		s = aes_spec();
		s.acl.flags = KHSM_ACL_F_CALLER_IV;
		s.secret = key;
		s.secret_len = key_lens[k];
		{
			struct ku_blob b;

			ASSERT_EQ(0, ku_key_import(&self->nl, &s, &b))
				TH_LOG("%s", self->nl.extack);
			h = load(_metadata, self->fd, &b);
		}
		for (n = 0; n < sizeof(pt); n += 37) {
			RAND_bytes(pt, n + 1);
			RAND_bytes(aad, sizeof(aad));
			/* Module encrypts with its own IV, OpenSSL decrypts. */
			len = sizeof(ct);
			ASSERT_EQ(0, gcm_encrypt(self->fd, h, 0, iv, aad, n % 21,
						 pt, n, ct, &len));
			ASSERT_EQ(n + 16, len);
			EXPECT_TRUE(ossl_gcm(0, key, key_lens[k], iv, aad, n % 21,
					     ct, len, out))
				TH_LOG("key %zu, %zu bytes", key_lens[k], n);
			EXPECT_EQ(0, memcmp(out, pt, n));
			/* OpenSSL encrypts, the module decrypts. */
			RAND_bytes(iv, sizeof(iv));
			ASSERT_TRUE(ossl_gcm(1, key, key_lens[k], iv, aad,
					     n % 21, pt, n, ct));
			len = sizeof(out);
			EXPECT_EQ(0, gcm_decrypt(self->fd, h, iv, aad, n % 21,
						 ct, n + 16, out, &len));
			EXPECT_EQ(n, len);
			EXPECT_EQ(0, memcmp(out, pt, n));
			/* With the caller's IV both give the same bytes. */
			len = sizeof(out);
			EXPECT_EQ(0, gcm_encrypt(self->fd, h, 1, iv, aad, n % 21,
						 pt, n, out, &len));
			EXPECT_EQ(0, memcmp(out, ct, n + 16));
		}
	}
}

TEST_F(keys, interop_hmac_and_cmac)
{
	unsigned char key[64], m[32], want[64], data[200];
	unsigned int wl;
	struct ku_keyspec s;
	struct ku_blob b;
	struct khsm_ioc_op op;
	uint64_t h;
	size_t wlen;
	EVP_MAC *cmac;
	EVP_MAC_CTX *cctx;
	OSSL_PARAM params[2];

	RAND_bytes(key, sizeof(key));
	RAND_bytes(data, sizeof(data));
	s = hmac_spec();
	s.secret = key;
	s.secret_len = 40;
	ASSERT_EQ(0, ku_key_import(&self->nl, &s, &b));
	h = load(_metadata, self->fd, &b);
	ku_op_init(&op, h, KHSM_OP_MAC_GENERATE, KHSM_MECH_HMAC_SHA256);
	ku_op_io(&op, data, sizeof(data), m, sizeof(m));
	ASSERT_EQ(0, ku_op(self->fd, &op));
	HMAC(EVP_sha256(), key, 40, data, sizeof(data), want, &wl);
	EXPECT_EQ(0, memcmp(m, want, 32));

	s = ku_spec(KHSM_KEY_AES,
		    BIT(KHSM_OP_MAC_GENERATE) | BIT(KHSM_OP_MAC_VERIFY),
		    BIT(KHSM_MECH_AES_CMAC), 0);
	s.secret = key;
	s.secret_len = 32;
	ASSERT_EQ(0, ku_key_import(&self->nl, &s, &b));
	h = load(_metadata, self->fd, &b);
	ku_op_init(&op, h, KHSM_OP_MAC_GENERATE, KHSM_MECH_AES_CMAC);
	ku_op_io(&op, data, sizeof(data), m, sizeof(m));
	ASSERT_EQ(0, ku_op(self->fd, &op));
	EXPECT_EQ(16, op.out_len);
	cmac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	ASSERT_NE(NULL, cmac);
	cctx = EVP_MAC_CTX_new(cmac);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER,
						     "AES-256-CBC", 0);
	params[1] = OSSL_PARAM_construct_end();
	ASSERT_EQ(1, EVP_MAC_init(cctx, key, 32, params));
	ASSERT_EQ(1, EVP_MAC_update(cctx, data, sizeof(data)));
	ASSERT_EQ(1, EVP_MAC_final(cctx, want, &wlen, sizeof(want)));
	EXPECT_EQ(16, wlen);
	EXPECT_EQ(0, memcmp(m, want, 16));
	EVP_MAC_CTX_free(cctx);
	EVP_MAC_free(cmac);
}

TEST_HARNESS_MAIN
