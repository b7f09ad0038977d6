// SPDX-License-Identifier: GPL-2.0
/*
 * AES key wrap. RFC 3394 (KW) runs on the kernel's kw(aes) template. RFC
 * 5649 (KWP) cannot: kw(aes) always starts from the fixed A6A6... value
 * and its decrypt refuses any other final A, while KWP's initial value
 * carries the message length. So KWP runs the same wrapping process W over
 * the crypto API's single-block AES cipher, as RFC 5649 section 4.1 says.
 *
 * Every operation works on a private kmalloc'd copy, freed with
 * kfree_sensitive(): scatterlists need linear memory, callers may pass
 * stack buffers, and an unwrap that fails never leaves unauthenticated
 * plaintext in the caller's buffer.
 */
#include <crypto/aes.h>
#include <crypto/algapi.h>
#include <crypto/internal/cipher.h>
#include <crypto/skcipher.h>
#include <linux/align.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "wrap.h"

/* crypto_cipher_* (the single-block API KWP needs) is namespaced. */
MODULE_IMPORT_NS(CRYPTO_INTERNAL);

#define KW_SEMI		8
/*
 * Keys are at most a few KiB. The cap bounds the allocation and the
 * 6 * n block operations done in one go, and keeps lengths in 32 bits.
 */
#define KW_MAX_IN	SZ_1M

/* RFC 5649 section 3: the first half of the alternative initial value */
static const u8 kwp_aiv[4] = { 0xa6, 0x59, 0x59, 0xa6 };

/*
 * The MLI field of KWP's A, big-endian. Through memcpy: the unaligned
 * helpers' header moved between 6.1 and 6.12.
 */
static void kwp_put_mli(u8 *a, u32 mli)
{
	__be32 v = cpu_to_be32(mli);

	memcpy(a + sizeof(kwp_aiv), &v, sizeof(v));
}

static u32 kwp_get_mli(const u8 *a)
{
	__be32 v;

	memcpy(&v, a + sizeof(kwp_aiv), sizeof(v));
	return be32_to_cpu(v);
}

/* A || R, the block W encrypts at each step */
struct kw_block {
	__be64 a;
	__be64 r;
};

size_t khsm_aes_wrap_len(bool pad, size_t len)
{
	if (!len || len > KW_MAX_IN)
		return 0;
	if (pad)
		return round_up(len, KW_SEMI) + KW_SEMI;
	/* RFC 3394 wraps n >= 2 whole semiblocks */
	if (len < 2 * KW_SEMI || !IS_ALIGNED(len, KW_SEMI))
		return 0;
	return len + KW_SEMI;
}

static bool kek_len_ok(size_t kek_len)
{
	return kek_len == AES_KEYSIZE_128 || kek_len == AES_KEYSIZE_192 ||
	       kek_len == AES_KEYSIZE_256;
}

/* Lengths a wrap of an acceptable input produces, and only those. */
static bool unwrap_len_ok(bool pad, size_t len)
{
	if (!IS_ALIGNED(len, KW_SEMI) || len > KW_MAX_IN + KW_SEMI)
		return false;
	return len >= (pad ? 2 : 3) * KW_SEMI;
}

/*
 * RFC 3394 through kw(aes), in place on @buf = A || R1..Rn (@len bytes).
 * The template takes A in the IV: it ignores it on encrypt and writes the
 * final A back there; on decrypt it starts from it and returns -EBADMSG
 * when the recovered A is not A6A6....
 */
static int kw_run(const u8 *kek, size_t kek_len, u8 *buf, size_t len,
		  bool enc)
{
	DECLARE_CRYPTO_WAIT(wait);
	struct crypto_skcipher *tfm;
	struct skcipher_request *req;
	struct scatterlist sg;
	int err;

	tfm = crypto_alloc_skcipher("kw(aes)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	err = crypto_skcipher_setkey(tfm, kek, kek_len);
	if (err)
		goto out_tfm;
	err = -ENOMEM;
	req = skcipher_request_alloc(tfm, GFP_KERNEL);
	if (!req)
		goto out_tfm;

	sg_init_one(&sg, buf + KW_SEMI, len - KW_SEMI);
	skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP |
				      CRYPTO_TFM_REQ_MAY_BACKLOG,
				      crypto_req_done, &wait);
	skcipher_request_set_crypt(req, &sg, &sg, len - KW_SEMI, buf);
	err = crypto_wait_req(enc ? crypto_skcipher_encrypt(req) :
				    crypto_skcipher_decrypt(req), &wait);
	skcipher_request_free(req);
out_tfm:
	crypto_free_skcipher(tfm);
	return err;
}

static int kw_wrap(const u8 *kek, size_t kek_len, const u8 *in,
		   size_t in_len, u8 *out, size_t *out_len)
{
	size_t len = in_len + KW_SEMI;
	u8 *buf;
	int err;

	/* A needs no value: kw(aes) encrypt always starts from A6A6... */
	buf = kzalloc(len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	memcpy(buf + KW_SEMI, in, in_len);
	err = kw_run(kek, kek_len, buf, len, true);
	if (!err) {
		memcpy(out, buf, len);
		*out_len = len;
	}
	kfree_sensitive(buf);
	return err;
}

static int kw_unwrap(const u8 *kek, size_t kek_len, const u8 *in,
		     size_t in_len, u8 *out, size_t *out_len)
{
	u8 *buf;
	int err;

	buf = kmemdup(in, in_len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	err = kw_run(kek, kek_len, buf, in_len, false);
	if (!err) {
		memcpy(out, buf + KW_SEMI, in_len - KW_SEMI);
		*out_len = in_len - KW_SEMI;
	}
	kfree_sensitive(buf);
	return err;
}

static struct crypto_cipher *kwp_cipher(const u8 *kek, size_t kek_len)
{
	struct crypto_cipher *tfm;
	int err;

	tfm = crypto_alloc_cipher("aes", 0, 0);
	if (IS_ERR(tfm))
		return tfm;
	err = crypto_cipher_setkey(tfm, kek, kek_len);
	if (err) {
		crypto_free_cipher(tfm);
		return ERR_PTR(err);
	}
	return tfm;
}

/* RFC 3394 section 2.2.1, index-based: W on @buf = A || R1..Rn, n >= 2. */
static void kw_forward(struct crypto_cipher *tfm, u8 *buf, size_t n)
{
	struct kw_block b;
	u64 t = 1;
	size_t i;
	int j;

	memcpy(&b.a, buf, KW_SEMI);
	for (j = 0; j < 6; j++) {
		for (i = 1; i <= n; i++, t++) {
			memcpy(&b.r, buf + i * KW_SEMI, KW_SEMI);
			crypto_cipher_encrypt_one(tfm, (u8 *)&b, (u8 *)&b);
			b.a ^= cpu_to_be64(t);
			memcpy(buf + i * KW_SEMI, &b.r, KW_SEMI);
		}
		cond_resched();
	}
	memcpy(buf, &b.a, KW_SEMI);
	memzero_explicit(&b, sizeof(b));
}

/* RFC 3394 section 2.2.2, W^-1: leaves the recovered A in buf[0..7]. */
static void kw_inverse(struct crypto_cipher *tfm, u8 *buf, size_t n)
{
	struct kw_block b;
	u64 t = 6 * (u64)n;
	size_t i;
	int j;

	memcpy(&b.a, buf, KW_SEMI);
	for (j = 0; j < 6; j++) {
		for (i = n; i > 0; i--, t--) {
			b.a ^= cpu_to_be64(t);
			memcpy(&b.r, buf + i * KW_SEMI, KW_SEMI);
			crypto_cipher_decrypt_one(tfm, (u8 *)&b, (u8 *)&b);
			memcpy(buf + i * KW_SEMI, &b.r, KW_SEMI);
		}
		cond_resched();
	}
	memcpy(buf, &b.a, KW_SEMI);
	memzero_explicit(&b, sizeof(b));
}

static int kwp_wrap(const u8 *kek, size_t kek_len, const u8 *in,
		    size_t in_len, u8 *out, size_t *out_len)
{
	size_t len = khsm_aes_wrap_len(true, in_len);
	struct crypto_cipher *tfm;
	u8 *buf;
	int err = 0;

	tfm = kwp_cipher(kek, kek_len);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	/* zeroed: the padding RFC 5649 asks for */
	buf = kzalloc(len, GFP_KERNEL);
	if (!buf) {
		err = -ENOMEM;
		goto out_tfm;
	}
	memcpy(buf, kwp_aiv, sizeof(kwp_aiv));
	kwp_put_mli(buf, in_len);
	memcpy(buf + KW_SEMI, in, in_len);
	/* One semiblock of P: W needs two, so a single ECB block instead. */
	if (len == 2 * KW_SEMI)
		crypto_cipher_encrypt_one(tfm, buf, buf);
	else
		kw_forward(tfm, buf, len / KW_SEMI - 1);
	memcpy(out, buf, len);
	*out_len = len;
	kfree_sensitive(buf);
out_tfm:
	crypto_free_cipher(tfm);
	return err;
}

/*
 * RFC 5649 section 3's checks on @buf = A || P1..Pn, folded into one flag
 * without branching on the decrypted data, so nothing observable tells
 * which check failed: no oracle on the padding or the length.
 */
static u64 kwp_bad(const u8 *buf, size_t n)
{
	u32 mli = kwp_get_mli(buf);
	u64 lo = 8 * (u64)(n - 1);	/* MLI must lie in (lo, lo + 8] */
	const u8 *last = buf + n * KW_SEMI;
	u64 bad, pad;
	u8 zero = 0;
	int k;

	bad = crypto_memneq(buf, kwp_aiv, sizeof(kwp_aiv));
	/* mli - lo - 1 is in [0, 8) exactly when MLI is in range */
	bad |= ((u64)mli - lo - 1) >> 3;
	/*
	 * Padding can only sit in the last semiblock. A byte at offset
	 * lo + k of P is padding when lo + k >= mli, i.e. when the
	 * subtraction does not wrap (both are far below 2^63).
	 */
	for (k = 0; k < KW_SEMI; k++) {
		pad = 1 ^ ((lo + k - mli) >> 63);
		zero |= last[k] & (u8)(0 - pad);
	}
	return bad | zero;
}

static int kwp_unwrap(const u8 *kek, size_t kek_len, const u8 *in,
		      size_t in_len, u8 *out, size_t *out_len)
{
	size_t n = in_len / KW_SEMI - 1;
	struct crypto_cipher *tfm;
	u8 *buf;
	int err = 0;

	tfm = kwp_cipher(kek, kek_len);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	buf = kmemdup(in, in_len, GFP_KERNEL);
	if (!buf) {
		err = -ENOMEM;
		goto out_tfm;
	}
	if (n == 1)
		crypto_cipher_decrypt_one(tfm, buf, buf);
	else
		kw_inverse(tfm, buf, n);
	if (kwp_bad(buf, n)) {
		err = -EBADMSG;
		goto out_buf;
	}
	*out_len = kwp_get_mli(buf);
	memcpy(out, buf + KW_SEMI, *out_len);
out_buf:
	kfree_sensitive(buf);
out_tfm:
	crypto_free_cipher(tfm);
	return err;
}

int khsm_aes_wrap(const u8 *kek, size_t kek_len, bool pad, const u8 *in,
		  size_t in_len, u8 *out, size_t *out_len)
{
	if (!kek_len_ok(kek_len) || !khsm_aes_wrap_len(pad, in_len))
		return -EINVAL;
	if (pad)
		return kwp_wrap(kek, kek_len, in, in_len, out, out_len);
	return kw_wrap(kek, kek_len, in, in_len, out, out_len);
}

int khsm_aes_unwrap(const u8 *kek, size_t kek_len, bool pad, const u8 *in,
		    size_t in_len, u8 *out, size_t *out_len)
{
	if (!kek_len_ok(kek_len) || !unwrap_len_ok(pad, in_len))
		return -EINVAL;
	if (pad)
		return kwp_unwrap(kek, kek_len, in, in_len, out, out_len);
	return kw_unwrap(kek, kek_len, in, in_len, out, out_len);
}

/* Known answers: RFC 3394 section 4, RFC 5649 section 6. */
struct wrap_kat {
	const char *name;
	bool pad;
	u8 kek_len;
	u8 key_len;
	u8 kek[32];
	u8 key[32];
	u8 wrapped[40];
};

#define KAT_KEK_128 { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, \
		      0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f }
#define KAT_KEK_5649 { 0x58, 0x40, 0xdf, 0x6e, 0x29, 0xb0, 0x2a, 0xf1, \
		       0xab, 0x49, 0x3b, 0x70, 0x5b, 0xf1, 0x6e, 0xa1, \
		       0xae, 0x83, 0x38, 0xf4, 0xdc, 0xc1, 0x76, 0xa8 }

static const struct wrap_kat wrap_kats[] = {
	{
		.name = "RFC 3394 4.1", .pad = false,
		.kek_len = 16, .kek = KAT_KEK_128,
		.key_len = 16,
		.key = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
			 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff },
		.wrapped = { 0x1f, 0xa6, 0x8b, 0x0a, 0x81, 0x12, 0xb4, 0x47,
			     0xae, 0xf3, 0x4b, 0xd8, 0xfb, 0x5a, 0x7b, 0x82,
			     0x9d, 0x3e, 0x86, 0x23, 0x71, 0xd2, 0xcf, 0xe5 },
	}, {
		.name = "RFC 3394 4.6", .pad = false,
		.kek_len = 32,
		.kek = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
			 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
			 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
			 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f },
		.key_len = 32,
		.key = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
			 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
			 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
			 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f },
		.wrapped = { 0x28, 0xc9, 0xf4, 0x04, 0xc4, 0xb8, 0x10, 0xf4,
			     0xcb, 0xcc, 0xb3, 0x5c, 0xfb, 0x87, 0xf8, 0x26,
			     0x3f, 0x57, 0x86, 0xe2, 0xd8, 0x0e, 0xd3, 0x26,
			     0xcb, 0xc7, 0xf0, 0xe7, 0x1a, 0x99, 0xf4, 0x3b,
			     0xfb, 0x98, 0x8b, 0x9b, 0x7a, 0x02, 0xdd, 0x21 },
	}, {
		.name = "RFC 5649 6 (20 bytes)", .pad = true,
		.kek_len = 24, .kek = KAT_KEK_5649,
		.key_len = 20,
		.key = { 0xc3, 0x7b, 0x7e, 0x64, 0x92, 0x58, 0x43, 0x40,
			 0xbe, 0xd1, 0x22, 0x07, 0x80, 0x89, 0x41, 0x15,
			 0x50, 0x68, 0xf7, 0x38 },
		.wrapped = { 0x13, 0x8b, 0xde, 0xaa, 0x9b, 0x8f, 0xa7, 0xfc,
			     0x61, 0xf9, 0x77, 0x42, 0xe7, 0x22, 0x48, 0xee,
			     0x5a, 0xe6, 0xae, 0x53, 0x60, 0xd1, 0xae, 0x6a,
			     0x5f, 0x54, 0xf3, 0x73, 0xfa, 0x54, 0x3b, 0x6a },
	}, {
		.name = "RFC 5649 6 (7 bytes)", .pad = true,
		.kek_len = 24, .kek = KAT_KEK_5649,
		.key_len = 7,
		.key = { 0x46, 0x6f, 0x72, 0x50, 0x61, 0x73, 0x69 },
		.wrapped = { 0xaf, 0xbe, 0xb0, 0xf0, 0x7d, 0xfb, 0xf5, 0x41,
			     0x92, 0x00, 0xf2, 0xcc, 0xb5, 0x0b, 0xb2, 0x4f },
	},
};

/* Wrap, unwrap, then a flipped bit in the wrapped form must be refused. */
static int wrap_kat_one(const struct wrap_kat *kat, const char **why)
{
	size_t len = khsm_aes_wrap_len(kat->pad, kat->key_len), got;
	u8 out[sizeof(kat->wrapped)], back[sizeof(kat->key)];
	int err;

	*why = "wrap failed";
	err = khsm_aes_wrap(kat->kek, kat->kek_len, kat->pad, kat->key,
			    kat->key_len, out, &got);
	if (err)
		goto out;
	err = -EINVAL;
	*why = "wrapped key mismatch";
	if (got != len || crypto_memneq(out, kat->wrapped, len))
		goto out;
	*why = "unwrap of the known answer failed";
	err = khsm_aes_unwrap(kat->kek, kat->kek_len, kat->pad, kat->wrapped,
			      len, back, &got);
	if (err)
		goto out;
	err = -EINVAL;
	*why = "unwrapped key mismatch";
	if (got != kat->key_len || crypto_memneq(back, kat->key, got))
		goto out;
	out[len / 2] ^= 1;
	err = khsm_aes_unwrap(kat->kek, kat->kek_len, kat->pad, out, len,
			      back, &got);
	*why = "a tampered wrapped key was accepted";
	err = err == -EBADMSG ? 0 : -EINVAL;
out:
	memzero_explicit(back, sizeof(back));
	return err;
}

int khsm_wrap_selftest(void)
{
	const char *why;
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(wrap_kats); i++) {
		err = wrap_kat_one(&wrap_kats[i], &why);
		if (err) {
			pr_err("aes key wrap: %s: %s (%d)\n",
			       wrap_kats[i].name, why, err);
			return err;
		}
	}
	return 0;
}
