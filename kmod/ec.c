// SPDX-License-Identifier: GPL-2.0
/*
 * ECDSA and ECDH on NIST P-256 and P-384 (see ec.h), built only on what
 * ecc.ko exports: 6.1 has no ecdsa akcipher, and going through the same
 * helpers on both kernels means one code path to review and test.
 *
 * Numbers in this file are "vli"s, ecc.ko's little-endian arrays of u64
 * digits (4 for P-256, 6 for P-384), what vli_*() and
 * ecc_point_mult_shamir() work on. ecc.ko's key functions differ:
 *  - public points, in and out, are "wire" X || Y: the big-endian bytes of
 *    each coordinate, stored in a u64 array (they byte-swap inside);
 *  - private scalars (ecc_gen_privkey() out, ecc_make_pub_key() and
 *    crypto_ecdh_shared_secret() in) were wire bytes too up to 6.9, and
 *    are vlis from 6.10 on ("crypto: ecdh - Initialize ctx->private_key in
 *    proper byte order", which came with ecc_digits_from_bytes()). Only
 *    ec_priv_to_ecc() and ec_priv_from_ecc() know which; should a kernel
 *    disagree with its version number, the pairwise and ECDH self-tests
 *    fail and the module refuses work.
 * Both curves have a whole number of bytes per scalar (32, 48) and digits
 * of 8 bytes, so a wire scalar is exactly ndigits u64s.
 *
 * Secret scalars live in kzalloc'd scratch freed with kfree_sensitive(),
 * or on the stack and wiped with memzero_explicit().
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/version.h>
#include <crypto/algapi.h>
#include <crypto/ecdh.h>
#include <crypto/hash.h>
#include <crypto/internal/ecc.h>
#include <linux/khsm.h>

#include "ec.h"

#define EC_MAX_DIGITS	(KHSM_EC_MAX_BYTES / sizeof(u64))

/*
 * ecc_gen_privkey() draws ndigits * 64 bits and fails with -EINVAL when
 * they fall outside [2, n - 3]: for P-256 and P-384 that happens with
 * probability below 2^-32, so a few tries mean a broken DRBG, not bad luck.
 * Signing retries for r == 0 or s == 0 (probability ~2^-256) likewise.
 */
#define EC_RANDOM_TRIES	8
#define EC_SIGN_TRIES	8

#define DER_SEQUENCE	0x30
#define DER_INTEGER	0x02

struct ec_curve {
	unsigned int id;	/* ECC_CURVE_NIST_* of <crypto/ecdh.h> */
	unsigned int nd;	/* u64 digits of a scalar or coordinate */
	unsigned int bytes;	/* bytes of a scalar or coordinate */
	const struct ecc_curve *c;
};

static int ec_curve_get(u32 type, struct ec_curve *ec)
{
	switch (type) {
	case KHSM_KEY_EC_P256:
		ec->id = ECC_CURVE_NIST_P256;
		ec->nd = ECC_CURVE_NIST_P256_DIGITS;
		break;
	case KHSM_KEY_EC_P384:
		ec->id = ECC_CURVE_NIST_P384;
		ec->nd = ECC_CURVE_NIST_P384_DIGITS;
		break;
	default:
		return -EINVAL;
	}
	ec->bytes = ec->nd * sizeof(u64);
	ec->c = ecc_get_curve(ec->id);
	return ec->c ? 0 : -EINVAL;
}

unsigned int khsm_ec_bytes(u32 type)
{
	struct ec_curve ec;

	return ec_curve_get(type, &ec) ? 0 : ec.bytes;
}

/* ecc.ko exports vli_from_be64() but not its inverse. */
static void ec_vli_to_be(const struct ec_curve *ec, const u64 *v, u8 *out)
{
	unsigned int i;

	for (i = 0; i < ec->nd; i++)
		put_unaligned_be64(v[ec->nd - 1 - i], out + i * sizeof(u64));
}

/* 1 <= v <= n - 1: a private key, a nonce, or a signature's r or s. */
static bool ec_scalar_ok(const struct ec_curve *ec, const u64 *v)
{
	return !vli_is_zero(v, ec->nd) && vli_cmp(v, ec->c->n, ec->nd) < 0;
}

/* v mod n for v < 2n, which holds for coordinates (p < 2n) and digests. */
static void ec_reduce_once(const struct ec_curve *ec, u64 *v)
{
	if (vli_cmp(v, ec->c->n, ec->nd) >= 0)
		vli_sub(v, v, ec->c->n, ec->nd);
}

/*
 * r = a + b mod n for a, b < n. ecc.ko keeps vli_mod_add() static. This
 * one is on secret values (r*d + e while signing), so it subtracts n
 * unconditionally and picks the result with a mask instead of a branch.
 */
static void ec_mod_n_add(const struct ec_curve *ec, u64 *r, const u64 *a,
			 const u64 *b)
{
	u64 t[EC_MAX_DIGITS];
	u64 carry = 0, borrow, mask;
	unsigned int i;

	for (i = 0; i < ec->nd; i++) {
		u64 sum = a[i] + carry;

		carry = sum < carry;
		sum += b[i];
		carry += sum < b[i];
		r[i] = sum;
	}
	borrow = vli_sub(t, r, ec->c->n, ec->nd);
	/* Keep r - n when the sum overflowed or was not below n. */
	mask = -(carry | (borrow ^ 1));
	for (i = 0; i < ec->nd; i++)
		r[i] = (t[i] & mask) | (r[i] & ~mask);
	memzero_explicit(t, sizeof(t));
}

/*
 * e of FIPS 186-5 6.4.1: the leftmost bits of the digest, as many as n
 * has. Both curves' n has a whole number of bytes, so that is the leftmost
 * bytes of a longer digest, and a shorter digest is simply an integer
 * (left-padded with zeros). e < 2^bits(n) < 2n, so one subtraction
 * reduces it mod n.
 */
static void ec_digest_to_e(const struct ec_curve *ec, const u8 *digest,
			   size_t len, u64 *e)
{
	u8 buf[KHSM_EC_MAX_BYTES] = { 0 };

	len = min_t(size_t, len, ec->bytes);
	memcpy(buf + ec->bytes - len, digest, len);
	vli_from_be64(e, buf, ec->nd);
	ec_reduce_once(ec, e);
}

/* How ecc.ko takes private scalars (see the top of the file). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define EC_PRIV_IS_VLI	true
#else
#define EC_PRIV_IS_VLI	false
#endif

static void ec_priv_to_ecc(const struct ec_curve *ec, const u64 *v, u64 *out)
{
	if (EC_PRIV_IS_VLI)
		memcpy(out, v, ec->bytes);
	else
		ec_vli_to_be(ec, v, (u8 *)out);
}

static void ec_priv_from_ecc(const struct ec_curve *ec, const u64 *in, u64 *v)
{
	if (EC_PRIV_IS_VLI)
		memcpy(v, in, ec->bytes);
	else
		vli_from_be64(v, in, ec->nd);
}

/*
 * A uniform scalar in [2, n - 3] from the kernel DRBG, through ecc.ko so
 * the key-generation method is the one FIPS reviews of it cover.
 */
static int ec_random_scalar(const struct ec_curve *ec, u64 *v)
{
	u64 t[EC_MAX_DIGITS];
	int tries, err;

	for (tries = 0; tries < EC_RANDOM_TRIES; tries++) {
		err = ecc_gen_privkey(ec->id, ec->nd, t);
		if (err != -EINVAL)
			break;
	}
	if (!err)
		ec_priv_from_ecc(ec, t, v);
	memzero_explicit(t, sizeof(t));
	return err;
}

/*
 * ecc.ko's ladder (ecc_point_mult(), behind ecc_make_pub_key() and
 * crypto_ecdh_shared_secret()) runs on k + n or k + 2n and meets the
 * point at infinity on the way for k = 1, n - 2 and n - 1: ecc.ko itself
 * only feeds it keys in [2, n - 3]. Imported keys and peers may be
 * anything in [1, n - 1], so those three get their own path. Comparing
 * against n - 3 first tells a random scalar apart by its top digit only.
 */
static bool ec_ladder_ok(const struct ec_curve *ec, const u64 *k)
{
	u64 lim[EC_MAX_DIGITS] = { 3 };

	vli_sub(lim, ec->c->n, lim, ec->nd);
	if (vli_cmp(k, lim, ec->nd) > 0)
		return false;
	memset(lim, 0, sizeof(lim));
	lim[0] = 2;
	return vli_cmp(k, lim, ec->nd) >= 0;
}

/* Whether @v is 1. */
static bool ec_is_one(const struct ec_curve *ec, const u64 *v)
{
	return v[0] == 1 && vli_is_zero(v + 1, ec->nd - 1);
}

/* @k * G as wire X || Y for @k in [2, n - 3]. */
static int ec_ladder_g(const struct ec_curve *ec, const u64 *k, u64 *wire)
{
	u64 t[EC_MAX_DIGITS];
	int err;

	ec_priv_to_ecc(ec, k, t);
	/* It also checks the result is a valid point. */
	err = ecc_make_pub_key(ec->id, ec->nd, t, wire);
	memzero_explicit(t, sizeof(t));
	/*
	 * For k in [2, n - 3] the point is valid; ecc.ko answers -EAGAIN as
	 * well when its check could not allocate, which is all it can mean
	 * here (fail-nth showed KEY_GENERATE passing it on as "try again").
	 */
	return err == -EAGAIN ? -ENOMEM : err;
}

/* @k * G for @k in {1, n - 2, n - 1}: +-G or -2G. */
static int ec_edge_g(const struct ec_curve *ec, const u64 *k, u64 *wire)
{
	const struct ecc_curve *c = ec->c;
	u8 *wy = (u8 *)(wire + ec->nd);
	u64 m[EC_MAX_DIGITS], y[EC_MAX_DIGITS];
	bool neg = !ec_is_one(ec, k);
	int err = 0;

	if (neg)
		vli_sub(m, c->n, k, ec->nd);	/* (n - m) G = -(m G) */
	else
		memcpy(m, k, ec->bytes);
	if (ec_is_one(ec, m)) {
		ec_vli_to_be(ec, c->g.x, (u8 *)wire);
		ec_vli_to_be(ec, c->g.y, wy);
	} else {
		err = ec_ladder_g(ec, m, wire);
	}
	if (!err && neg) {
		vli_from_be64(y, wy, ec->nd);
		vli_sub(y, c->p, y, ec->nd);
		ec_vli_to_be(ec, y, wy);
	}
	return err;
}

/* @k * G as wire X || Y, for any @k in [1, n - 1]. */
static int ec_mul_g(const struct ec_curve *ec, const u64 *k, u64 *wire)
{
	if (ec_ladder_ok(ec, k))
		return ec_ladder_g(ec, k, wire);
	return ec_edge_g(ec, k, wire);
}

/* ---- Points ---- */

/*
 * Parses an uncompressed SEC1 point into vli coordinates and validates it
 * fully (SP 800-56A 5.6.2.3.3): not infinity, coordinates below p, on the
 * curve, n Q = O. -EINVAL for any invalid encoding or point. The last
 * check adds nothing here: both curves have cofactor 1, so every point on
 * them has order n (and ecc.ko's ladder cannot tell, see ec_ladder_ok()).
 */
static int ec_load_point(const struct ec_curve *ec, const u8 *pub,
			 size_t len, u64 *x, u64 *y)
{
	struct ecc_point q = ECC_POINT_INIT(x, y, ec->nd);
	int err;

	if (len != 1 + 2 * ec->bytes || pub[0] != 0x04)
		return -EINVAL;
	vli_from_be64(x, pub + 1, ec->nd);
	vli_from_be64(y, pub + 1 + ec->bytes, ec->nd);
	/* ecc.ko checks this too; say it here, where the format is parsed. */
	if (vli_cmp(x, ec->c->p, ec->nd) >= 0 ||
	    vli_cmp(y, ec->c->p, ec->nd) >= 0)
		return -EINVAL;
	err = ecc_is_pubkey_valid_full(ec->c, &q);
	if (err == -ENOMEM)
		return err;
	return err ? -EINVAL : 0;
}

int khsm_ec_check_public(u32 type, const u8 *pub, size_t len)
{
	u64 x[EC_MAX_DIGITS], y[EC_MAX_DIGITS];
	struct ec_curve ec;
	int err;

	err = ec_curve_get(type, &ec);
	if (err)
		return err;
	return ec_load_point(&ec, pub, len, x, y);
}

/* SEC1 uncompressed point from ecc_make_pub_key()'s wire X || Y. */
static void ec_put_point(const struct ec_curve *ec, const u64 *wire, u8 *pub)
{
	pub[0] = 0x04;
	memcpy(pub + 1, wire, 2 * ec->bytes);
}

int khsm_ec_generate(u32 type, u8 *priv, u8 *pub)
{
	u64 d[EC_MAX_DIGITS], q[2 * EC_MAX_DIGITS];
	struct ec_curve ec;
	int err;

	err = ec_curve_get(type, &ec);
	if (err)
		return err;
	err = ec_random_scalar(&ec, d);
	if (err)
		goto out;
	err = ec_mul_g(&ec, d, q);
	if (err)
		goto out;
	ec_vli_to_be(&ec, d, priv);
	ec_put_point(&ec, q, pub);
out:
	memzero_explicit(d, sizeof(d));
	return err;
}

int khsm_ec_public_from_private(u32 type, const u8 *priv, u8 *pub)
{
	u64 d[EC_MAX_DIGITS], q[2 * EC_MAX_DIGITS];
	struct ec_curve ec;
	int err;

	err = ec_curve_get(type, &ec);
	if (err)
		return err;
	vli_from_be64(d, priv, ec.nd);
	err = -EINVAL;
	if (!ec_scalar_ok(&ec, d))
		goto out;
	err = ec_mul_g(&ec, d, q);
	if (!err)
		ec_put_point(&ec, q, pub);
out:
	memzero_explicit(d, sizeof(d));
	return err;
}

struct ecdh_ctx {
	u64 d[EC_MAX_DIGITS];		/* private key, then the scalar used */
	u64 t[EC_MAX_DIGITS];		/* scratch */
	u64 px[EC_MAX_DIGITS];		/* the peer's point P */
	u64 py[EC_MAX_DIGITS];
	u64 rx[EC_MAX_DIGITS];		/* 2 P */
	u64 ry[EC_MAX_DIGITS];
	u64 wire[2 * EC_MAX_DIGITS];	/* P as wire X || Y */
	u64 z[EC_MAX_DIGITS];		/* x(d P), wire */
};

/*
 * P := 2 P and d := d / 2 mod n, for the same d P. The ladder ends by
 * dividing by x(P), so it fails for the two valid points with x = 0.
 * P is public: the variable-time ecc_point_mult_shamir() may double it
 * (2 P + 0 G).
 */
static void ecdh_double_base(const struct ec_curve *ec, struct ecdh_ctx *x)
{
	const struct ecc_curve *c = ec->c;
	u64 two[EC_MAX_DIGITS] = { 2 }, zero[EC_MAX_DIGITS] = { 0 };
	struct ecc_point p = ECC_POINT_INIT(x->px, x->py, ec->nd);
	struct ecc_point r = ECC_POINT_INIT(x->rx, x->ry, ec->nd);

	ecc_point_mult_shamir(&r, two, &p, zero, &c->g, c);
	memcpy(x->px, x->rx, ec->bytes);
	memcpy(x->py, x->ry, ec->bytes);
	vli_mod_inv(x->t, two, c->n, ec->nd);
	vli_mod_mult_slow(x->d, x->d, x->t, c->n, ec->nd);
}

static int ecdh_compute(const struct ec_curve *ec, struct ecdh_ctx *x,
			u8 *secret)
{
	int err;

	if (vli_is_zero(x->px, ec->nd))
		ecdh_double_base(ec, x);
	if (!ec_ladder_ok(ec, x->d)) {
		/* x(d P) = x(-d P): fold n - 2, n - 1 onto 2, 1. */
		if (!ec_is_one(ec, x->d))
			vli_sub(x->d, ec->c->n, x->d, ec->nd);
		if (ec_is_one(ec, x->d)) {
			ec_vli_to_be(ec, x->px, secret);
			return 0;
		}
	}
	ec_vli_to_be(ec, x->px, (u8 *)x->wire);
	ec_vli_to_be(ec, x->py, (u8 *)(x->wire + ec->nd));
	ec_priv_to_ecc(ec, x->d, x->t);
	err = crypto_ecdh_shared_secret(ec->id, ec->nd, x->t, x->wire, x->z);
	if (!err)
		memcpy(secret, x->z, ec->bytes);
	return err;
}

int khsm_ecdh(u32 type, const u8 *priv, const u8 *peer, size_t peer_len,
	      u8 *secret)
{
	struct ecdh_ctx *x;
	struct ec_curve ec;
	int err;

	err = ec_curve_get(type, &ec);
	if (err)
		return err;
	x = kzalloc(sizeof(*x), GFP_KERNEL);
	if (!x)
		return -ENOMEM;
	/*
	 * crypto_ecdh_shared_secret() only does the partial check; an
	 * invalid peer point is how invalid-curve attacks get at d.
	 */
	err = ec_load_point(&ec, peer, peer_len, x->px, x->py);
	if (err)
		goto out;
	vli_from_be64(x->d, priv, ec.nd);
	err = -EINVAL;
	if (!ec_scalar_ok(&ec, x->d))
		goto out;
	err = ecdh_compute(&ec, x, secret);
out:
	kfree_sensitive(x);
	return err;
}

/* ---- Strict DER: ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } */

struct der_cursor {
	const u8 *p;
	size_t left;
};

/*
 * Takes one TLV with tag @tag off @c into @val. Only DER is accepted: a
 * definite length in the fewest bytes (short form below 128, long form
 * without leading zero bytes), not running past the buffer. Lengths past
 * 0xffff cannot occur in a signature and are refused.
 */
static int der_get(struct der_cursor *c, u8 tag, struct der_cursor *val)
{
	size_t len, nlen, i;

	if (c->left < 2 || c->p[0] != tag)
		return -EBADMSG;
	len = c->p[1];
	c->p += 2;
	c->left -= 2;
	if (len & 0x80) {
		nlen = len & 0x7f;
		/* 0x80 is BER's indefinite length. */
		if (!nlen || nlen > 2 || c->left < nlen || !c->p[0])
			return -EBADMSG;
		for (len = 0, i = 0; i < nlen; i++)
			len = len << 8 | c->p[i];
		if (len < 0x80)
			return -EBADMSG;
		c->p += nlen;
		c->left -= nlen;
	}
	if (len > c->left)
		return -EBADMSG;
	val->p = c->p;
	val->left = len;
	c->p += len;
	c->left -= len;
	return 0;
}

/* An INTEGER in [1, n - 1], minimally encoded and non-negative. */
static int der_get_scalar(const struct ec_curve *ec, struct der_cursor *c,
			  u64 *v)
{
	u8 buf[KHSM_EC_MAX_BYTES] = { 0 };
	struct der_cursor i;

	if (der_get(c, DER_INTEGER, &i) || !i.left)
		return -EBADMSG;
	if (i.p[0] & 0x80)
		return -EBADMSG;
	if (!i.p[0] && i.left > 1) {
		/* A leading zero is there only to clear the sign bit. */
		if (!(i.p[1] & 0x80))
			return -EBADMSG;
		i.p++;
		i.left--;
	}
	if (i.left > ec->bytes)
		return -EBADMSG;
	memcpy(buf + ec->bytes - i.left, i.p, i.left);
	vli_from_be64(v, buf, ec->nd);
	return ec_scalar_ok(ec, v) ? 0 : -EBADMSG;
}

static int ecdsa_der_decode(const struct ec_curve *ec, const u8 *sig,
			    size_t len, u64 *r, u64 *s)
{
	struct der_cursor c = { sig, len }, seq;

	if (der_get(&c, DER_SEQUENCE, &seq) || c.left)
		return -EBADMSG;
	if (der_get_scalar(ec, &seq, r) || der_get_scalar(ec, &seq, s) ||
	    seq.left)
		return -EBADMSG;
	return 0;
}

/* Minimal INTEGER: no leading zero bytes but one to clear the sign bit. */
static size_t der_put_scalar(const struct ec_curve *ec, const u64 *v, u8 *out)
{
	u8 buf[KHSM_EC_MAX_BYTES];
	unsigned int skip = 0, len, pad;

	ec_vli_to_be(ec, v, buf);
	while (skip < ec->bytes - 1 && !buf[skip])
		skip++;
	len = ec->bytes - skip;
	pad = buf[skip] >> 7;
	out[0] = DER_INTEGER;
	out[1] = len + pad;
	out[2] = 0;
	memcpy(out + 2 + pad, buf + skip, len);
	return 2 + pad + len;
}

static size_t ecdsa_der_encode(const struct ec_curve *ec, const u64 *r,
			       const u64 *s, u8 *sig)
{
	size_t len;

	/* Two INTEGERs of at most 2 + 1 + 48 bytes: short-form lengths. */
	BUILD_BUG_ON(2 * (2 + 1 + KHSM_EC_MAX_BYTES) > 127);
	len = der_put_scalar(ec, r, sig + 2);
	len += der_put_scalar(ec, s, sig + 2 + len);
	sig[0] = DER_SEQUENCE;
	sig[1] = len;
	return 2 + len;
}

/* ---- ECDSA ---- */

struct ecdsa_sign_ctx {
	u64 d[EC_MAX_DIGITS];	/* private key */
	u64 e[EC_MAX_DIGITS];	/* digest as a scalar */
	u64 k[EC_MAX_DIGITS];	/* nonce, then its inverse */
	u64 b[EC_MAX_DIGITS];	/* blinding factor of the inversion */
	u64 t[EC_MAX_DIGITS];	/* scratch */
	u64 r[EC_MAX_DIGITS];
	u64 s[EC_MAX_DIGITS];
	u64 kg[2 * EC_MAX_DIGITS];	/* k * G as wire X || Y */
};

/*
 * One signing attempt: -EAGAIN asks for another nonce (r or s was 0).
 * k * G comes from ecc_make_pub_key(), ecc.ko's constant-time ladder.
 * vli_mod_inv() is not constant time, so it inverts k * b for a random
 * b and multiplies by b afterwards: what its timing can show is about
 * k * b, which is uniform and independent of k.
 */
static int ecdsa_sign_once(const struct ec_curve *ec, struct ecdsa_sign_ctx *x)
{
	const u64 *n = ec->c->n;
	unsigned int nd = ec->nd;
	int err;

	err = ec_random_scalar(ec, x->k);
	if (err)
		return err;
	err = ec_mul_g(ec, x->k, x->kg);
	if (err)
		return err;
	vli_from_be64(x->r, x->kg, nd);
	ec_reduce_once(ec, x->r);
	if (vli_is_zero(x->r, nd))
		return -EAGAIN;

	err = ec_random_scalar(ec, x->b);
	if (err)
		return err;
	vli_mod_mult_slow(x->t, x->k, x->b, n, nd);	/* k b */
	vli_mod_inv(x->s, x->t, n, nd);			/* (k b)^-1 */
	vli_mod_mult_slow(x->k, x->s, x->b, n, nd);	/* k^-1 */

	vli_mod_mult_slow(x->t, x->r, x->d, n, nd);	/* r d */
	ec_mod_n_add(ec, x->t, x->t, x->e);		/* e + r d */
	vli_mod_mult_slow(x->s, x->k, x->t, n, nd);	/* k^-1 (e + r d) */
	return vli_is_zero(x->s, nd) ? -EAGAIN : 0;
}

int khsm_ecdsa_sign(u32 type, const u8 *priv, const u8 *digest,
		    size_t digest_len, u8 *sig, size_t *sig_len)
{
	struct ecdsa_sign_ctx *x;
	struct ec_curve ec;
	int tries, err;

	err = ec_curve_get(type, &ec);
	if (err)
		return err;
	if (!digest_len)
		return -EINVAL;
	x = kzalloc(sizeof(*x), GFP_KERNEL);
	if (!x)
		return -ENOMEM;
	vli_from_be64(x->d, priv, ec.nd);
	err = -EINVAL;
	if (!ec_scalar_ok(&ec, x->d))
		goto out;
	ec_digest_to_e(&ec, digest, digest_len, x->e);
	for (tries = 0; tries < EC_SIGN_TRIES; tries++) {
		err = ecdsa_sign_once(&ec, x);
		if (err != -EAGAIN)
			break;
	}
	if (!err)
		*sig_len = ecdsa_der_encode(&ec, x->r, x->s, sig);
out:
	kfree_sensitive(x);
	return err;
}

struct ecdsa_verify_ctx {
	u64 r[EC_MAX_DIGITS];
	u64 s[EC_MAX_DIGITS];
	u64 e[EC_MAX_DIGITS];
	u64 w[EC_MAX_DIGITS];		/* s^-1, then scratch */
	u64 u1[EC_MAX_DIGITS];
	u64 u2[EC_MAX_DIGITS];
	u64 qx[EC_MAX_DIGITS];		/* the public key Q */
	u64 qy[EC_MAX_DIGITS];
	u64 gy[EC_MAX_DIGITS];		/* y of -G */
	u64 xx[EC_MAX_DIGITS];		/* u1 G + u2 Q */
	u64 xy[EC_MAX_DIGITS];
	u64 wire[2 * EC_MAX_DIGITS];
};

/*
 * Q = G or Q = -G: ecc_point_mult_shamir() first adds G and Q, which it
 * cannot do for equal x (it divides by zero and goes on with a point not
 * on the curve). Fold the two terms into one scalar instead:
 * (u1 +- u2) G, by the ladder; a zero sum is infinity.
 */
static int ecdsa_sum_on_g(const struct ec_curve *ec, struct ecdsa_verify_ctx *x)
{
	const struct ecc_curve *c = ec->c;
	unsigned int nd = ec->nd;

	if (vli_cmp(x->qy, c->g.y, nd))
		vli_sub(x->u2, c->n, x->u2, nd);	/* Q = -G: u2 Q = (n - u2) G */
	ec_mod_n_add(ec, x->w, x->u1, x->u2);
	if (vli_is_zero(x->w, nd))
		return -EBADMSG;
	if (ec_mul_g(ec, x->w, x->wire))
		return -EBADMSG;
	vli_from_be64(x->xx, x->wire, nd);
	vli_from_be64(x->xy, x->wire + nd, nd);
	return 0;
}

/*
 * X = u1 G + u2 Q into xx, xy; -EBADMSG when X is the point at infinity.
 *
 * ecc_point_mult_shamir() uses incomplete addition: if the running sum
 * meets the point being added (equal x), the Jacobian z becomes zero and
 * stays zero, and the result comes out as (0, 0) whatever X really is.
 * So (0, 0) means "infinity or that accident". Computing the same X as
 * (n - u1)(-G) + (n - u2)(-Q) walks other bit patterns; an accident in
 * both, or a real infinity, is refused. Once G + Q is right (x(Q) !=
 * x(G), see above) it never yields a wrong X other than (0, 0): every
 * step is either exact or zeroes z. Wycheproof has valid signatures that
 * need the second walk ("Edge case for Shamir multiplication", "extreme
 * value for k and s^-1").
 */
static int ecdsa_sum(const struct ec_curve *ec, struct ecdsa_verify_ctx *x)
{
	const struct ecc_curve *c = ec->c;
	unsigned int nd = ec->nd;
	struct ecc_point q = ECC_POINT_INIT(x->qx, x->qy, nd);
	struct ecc_point g = ECC_POINT_INIT(c->g.x, x->gy, nd);
	struct ecc_point res = ECC_POINT_INIT(x->xx, x->xy, nd);

	if (!vli_cmp(x->qx, c->g.x, nd))
		return ecdsa_sum_on_g(ec, x);
	/* u2 != 0 (r, w != 0), so the loop has a top bit to start from. */
	ecc_point_mult_shamir(&res, x->u1, &c->g, x->u2, &q, c);
	if (!ecc_point_is_zero(&res))
		return 0;

	vli_sub(x->gy, c->p, c->g.y, nd);
	vli_sub(x->qy, c->p, x->qy, nd);
	if (!vli_is_zero(x->u1, nd))
		vli_sub(x->u1, c->n, x->u1, nd);
	vli_sub(x->u2, c->n, x->u2, nd);
	ecc_point_mult_shamir(&res, x->u1, &g, x->u2, &q, c);
	return ecc_point_is_zero(&res) ? -EBADMSG : 0;
}

static int ecdsa_verify(const struct ec_curve *ec, struct ecdsa_verify_ctx *x,
			const u8 *pub, const u8 *digest, size_t digest_len,
			const u8 *sig, size_t sig_len)
{
	const u64 *n = ec->c->n;
	unsigned int nd = ec->nd;
	int err;

	err = ec_load_point(ec, pub, 1 + 2 * ec->bytes, x->qx, x->qy);
	if (err)
		return err;
	if (ecdsa_der_decode(ec, sig, sig_len, x->r, x->s))
		return -EBADMSG;
	ec_digest_to_e(ec, digest, digest_len, x->e);

	/* Everything here is public: no blinding needed. */
	vli_mod_inv(x->w, x->s, n, nd);
	vli_mod_mult_slow(x->u1, x->e, x->w, n, nd);
	vli_mod_mult_slow(x->u2, x->r, x->w, n, nd);
	err = ecdsa_sum(ec, x);
	if (err)
		return err;
	ec_reduce_once(ec, x->xx);
	return vli_cmp(x->xx, x->r, nd) ? -EBADMSG : 0;
}

int khsm_ecdsa_verify(u32 type, const u8 *pub, const u8 *digest,
		      size_t digest_len, const u8 *sig, size_t sig_len)
{
	struct ecdsa_verify_ctx *x;
	struct ec_curve ec;
	int err;

	err = ec_curve_get(type, &ec);
	if (err)
		return err;
	if (!digest_len)
		return -EINVAL;
	x = kzalloc(sizeof(*x), GFP_KERNEL);
	if (!x)
		return -ENOMEM;
	err = ecdsa_verify(&ec, x, pub, digest, digest_len, sig, sig_len);
	kfree(x);
	return err;
}

/* ---- Self-test ---- */

/* The message of the two ECDSA vectors below ("313233343030"). */
static const u8 kat_msg[] = "123400";

/* ecdsa_secp256r1_sha256_test.json (Wycheproof), tcId 3, valid */
static const u8 kat_p256_pub[65] = {
	0x04, 0x04, 0xaa, 0xec, 0x73, 0x63, 0x57, 0x26, 0xf2, 0x13, 0xfb, 0x8a,
	0x9e, 0x64, 0xda, 0x3b, 0x86, 0x32, 0xe4, 0x14, 0x95, 0xa9, 0x44, 0xd0,
	0x04, 0x5b, 0x52, 0x2e, 0xba, 0x72, 0x40, 0xfa, 0xd5, 0x87, 0xd9, 0x31,
	0x57, 0x98, 0xaa, 0xa3, 0xa5, 0xba, 0x01, 0x77, 0x57, 0x87, 0xce, 0xd0,
	0x5e, 0xaa, 0xf7, 0xb4, 0xe0, 0x9f, 0xc8, 0x1d, 0x6d, 0x1a, 0xa5, 0x46,
	0xe8, 0x36, 0x5d, 0x52, 0x5d,
};

static const u8 kat_p256_sig[72] = {
	0x30, 0x46, 0x02, 0x21, 0x00, 0xa8, 0xea, 0x15, 0x0c, 0xb8, 0x01, 0x25,
	0xd7, 0x38, 0x1c, 0x4c, 0x1f, 0x1d, 0xa8, 0xe9, 0xde, 0x27, 0x11, 0xf9,
	0x91, 0x70, 0x60, 0x40, 0x6a, 0x73, 0xd7, 0x90, 0x45, 0x19, 0xe5, 0x13,
	0x88, 0x02, 0x21, 0x00, 0xf3, 0xab, 0x9f, 0xa6, 0x8b, 0xd4, 0x79, 0x73,
	0xa7, 0x3b, 0x2d, 0x40, 0x48, 0x0c, 0x2b, 0xa5, 0x0c, 0x22, 0xc9, 0xd7,
	0x6e, 0xc2, 0x17, 0x25, 0x72, 0x88, 0x29, 0x32, 0x85, 0x44, 0x9b, 0x86,
};

/* ecdsa_secp384r1_sha384_test.json (Wycheproof), tcId 3, valid */
static const u8 kat_p384_pub[97] = {
	0x04, 0x29, 0xbd, 0xb7, 0x6d, 0x5f, 0xa7, 0x41, 0xbf, 0xd7, 0x02, 0x33,
	0xcb, 0x3a, 0x66, 0xcc, 0x7d, 0x44, 0xbe, 0xb3, 0xb0, 0x66, 0x3d, 0x92,
	0xa8, 0x13, 0x66, 0x50, 0x47, 0x8b, 0xce, 0xfb, 0x61, 0xef, 0x18, 0x2e,
	0x15, 0x5a, 0x54, 0x34, 0x5a, 0x5e, 0x8e, 0x5e, 0x88, 0xf0, 0x64, 0xe5,
	0xbc, 0x9a, 0x52, 0x5a, 0xb7, 0xf7, 0x64, 0xda, 0xd3, 0xda, 0xe1, 0x46,
	0x8c, 0x2b, 0x41, 0x9f, 0x3b, 0x62, 0xb9, 0xba, 0x91, 0x7d, 0x5e, 0x8c,
	0x4f, 0xb1, 0xec, 0x47, 0x40, 0x4a, 0x3f, 0xc7, 0x64, 0x74, 0xb2, 0x71,
	0x30, 0x81, 0xbe, 0x9d, 0xb4, 0xc0, 0x0e, 0x04, 0x3a, 0xda, 0x9f, 0xc4,
	0xa3,
};

static const u8 kat_p384_sig[103] = {
	0x30, 0x65, 0x02, 0x30, 0x23, 0x45, 0x03, 0xfc, 0xca, 0x57, 0x81, 0x21,
	0x98, 0x6d, 0x96, 0xbe, 0x07, 0xfb, 0xc8, 0xda, 0x5d, 0x89, 0x4e, 0xd8,
	0x58, 0x8c, 0x6d, 0xbc, 0xdb, 0xe9, 0x74, 0xb4, 0xb8, 0x13, 0xb2, 0x1c,
	0x52, 0xd2, 0x0a, 0x89, 0x28, 0xf2, 0xe2, 0xfd, 0xac, 0x14, 0x70, 0x5b,
	0x07, 0x05, 0x49, 0x8c, 0x02, 0x31, 0x00, 0xcd, 0x7b, 0x9b, 0x76, 0x6b,
	0x97, 0xb5, 0x3d, 0x1a, 0x80, 0xfc, 0x0b, 0x76, 0x0a, 0xf1, 0x6a, 0x11,
	0xbf, 0x4a, 0x59, 0xc7, 0xc3, 0x67, 0xc6, 0xc7, 0x27, 0x5d, 0xfb, 0x6e,
	0x18, 0xa8, 0x80, 0x91, 0xee, 0xd3, 0x73, 0x4b, 0xf5, 0xcf, 0x41, 0xb3,
	0xdc, 0x6f, 0xec, 0xd6, 0xd3, 0xba, 0xaf,
};

/*
 * ecdh_secp256r1_test.json (Wycheproof), tcId 1, valid. The peer is the
 * uncompressed point that ends the vector's SubjectPublicKeyInfo.
 */
static const u8 kat_ecdh_priv[32] = {
	0x06, 0x12, 0x46, 0x5c, 0x89, 0xa0, 0x23, 0xab, 0x17, 0x85, 0x5b, 0x0a,
	0x6b, 0xce, 0xbf, 0xd3, 0xfe, 0xbb, 0x53, 0xae, 0xf8, 0x41, 0x38, 0x64,
	0x7b, 0x53, 0x52, 0xe0, 0x2c, 0x10, 0xc3, 0x46,
};

static const u8 kat_ecdh_peer[65] = {
	0x04, 0x62, 0xd5, 0xbd, 0x33, 0x72, 0xaf, 0x75, 0xfe, 0x85, 0xa0, 0x40,
	0x71, 0x5d, 0x0f, 0x50, 0x24, 0x28, 0xe0, 0x70, 0x46, 0x86, 0x8b, 0x0b,
	0xfd, 0xfa, 0x61, 0xd7, 0x31, 0xaf, 0xe4, 0x4f, 0x26, 0xac, 0x33, 0x3a,
	0x93, 0xa9, 0xe7, 0x0a, 0x81, 0xcd, 0x5a, 0x95, 0xb5, 0xbf, 0x8d, 0x13,
	0x99, 0x0e, 0xb7, 0x41, 0xc8, 0xc3, 0x88, 0x72, 0xb4, 0xa0, 0x7d, 0x27,
	0x5a, 0x01, 0x4e, 0x30, 0xcf,
};

static const u8 kat_ecdh_shared[32] = {
	0x53, 0x02, 0x0d, 0x90, 0x8b, 0x02, 0x19, 0x32, 0x8b, 0x65, 0x8b, 0x52,
	0x5f, 0x26, 0x78, 0x0e, 0x3a, 0xe1, 0x2b, 0xcd, 0x95, 0x2b, 0xb2, 0x5a,
	0x93, 0xbc, 0x08, 0x95, 0xe1, 0x71, 0x42, 0x85,
};

struct ecdsa_kat {
	const char *curve;
	u32 type;
	const char *hash;	/* crypto API name of the vector's digest */
	const u8 *pub;
	const u8 *sig;
	size_t sig_len;
};

static const struct ecdsa_kat ecdsa_kats[] = {
	{ "P-256", KHSM_KEY_EC_P256, "sha256", kat_p256_pub, kat_p256_sig,
	  sizeof(kat_p256_sig) },
	{ "P-384", KHSM_KEY_EC_P384, "sha384", kat_p384_pub, kat_p384_sig,
	  sizeof(kat_p384_sig) },
};

/* Off the stack: the frame limit is 1024 bytes. */
struct ec_selftest_buf {
	u8 digest[KHSM_EC_MAX_BYTES];
	u8 sig[KHSM_ECDSA_SIG_MAX];
	u8 priv[KHSM_EC_MAX_BYTES];
	u8 pub[KHSM_EC_PUB_MAX];
	u8 pub2[KHSM_EC_PUB_MAX];
	u8 secret[KHSM_EC_MAX_BYTES];
};

/* A test that ran but gave the wrong answer. */
static int ec_st_fail(const char **why, const char *what)
{
	*why = what;
	return -EINVAL;
}

static int ec_st_hash(const char *alg, const u8 *msg, size_t len, u8 *out)
{
	struct crypto_shash *tfm;
	int err;

	tfm = crypto_alloc_shash(alg, 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	err = crypto_shash_tfm_digest(tfm, msg, len, out);
	crypto_free_shash(tfm);
	return err;
}

/* The vector verifies; a flipped bit in the signature or digest does not. */
static int ec_st_verify_kat(const struct ecdsa_kat *kat,
			    struct ec_selftest_buf *b, const char **why)
{
	unsigned int dlen = khsm_ec_bytes(kat->type);
	int err;

	*why = "hashing the message failed";
	err = ec_st_hash(kat->hash, kat_msg, sizeof(kat_msg) - 1, b->digest);
	if (err)
		return err;
	*why = "a known-good signature was rejected";
	err = khsm_ecdsa_verify(kat->type, kat->pub, b->digest, dlen,
				kat->sig, kat->sig_len);
	if (err)
		return err;
	memcpy(b->sig, kat->sig, kat->sig_len);
	b->sig[kat->sig_len - 1] ^= 0x01;
	err = khsm_ecdsa_verify(kat->type, kat->pub, b->digest, dlen,
				b->sig, kat->sig_len);
	if (err != -EBADMSG)
		return ec_st_fail(why, "a tampered signature was accepted");
	b->digest[dlen - 1] ^= 0x01;
	err = khsm_ecdsa_verify(kat->type, kat->pub, b->digest, dlen,
				kat->sig, kat->sig_len);
	b->digest[dlen - 1] ^= 0x01;
	if (err != -EBADMSG)
		return ec_st_fail(why, "a signature verified for another digest");
	return 0;
}

/*
 * A fresh key signs the vector's digest and verifies it, and importing
 * its private half gives back the same public point.
 */
static int ec_st_pairwise(const struct ecdsa_kat *kat,
			  struct ec_selftest_buf *b, const char **why)
{
	unsigned int dlen = khsm_ec_bytes(kat->type);
	size_t pub_len = 1 + 2 * dlen, sig_len;
	int err;

	*why = "key generation failed";
	err = khsm_ec_generate(kat->type, b->priv, b->pub);
	if (err)
		return err;
	*why = "public key from private key failed";
	err = khsm_ec_public_from_private(kat->type, b->priv, b->pub2);
	if (err)
		return err;
	if (memcmp(b->pub, b->pub2, pub_len))
		return ec_st_fail(why, "generated and derived public keys differ");
	*why = "signing failed";
	err = khsm_ecdsa_sign(kat->type, b->priv, b->digest, dlen, b->sig,
			      &sig_len);
	if (err)
		return err;
	*why = "a fresh signature was rejected";
	err = khsm_ecdsa_verify(kat->type, b->pub, b->digest, dlen, b->sig,
				sig_len);
	if (err)
		return err;
	b->digest[0] ^= 0x80;
	err = khsm_ecdsa_verify(kat->type, b->pub, b->digest, dlen, b->sig,
				sig_len);
	if (err != -EBADMSG)
		return ec_st_fail(why, "a fresh signature verified for another digest");
	return 0;
}

/* The vector's shared secret; the peer moved off the curve is refused. */
static int ec_st_ecdh(struct ec_selftest_buf *b, const char **why)
{
	int err;

	*why = "ECDH failed";
	err = khsm_ecdh(KHSM_KEY_EC_P256, kat_ecdh_priv, kat_ecdh_peer,
			sizeof(kat_ecdh_peer), b->secret);
	if (err)
		return err;
	if (crypto_memneq(b->secret, kat_ecdh_shared, sizeof(kat_ecdh_shared)))
		return ec_st_fail(why, "ECDH shared secret mismatch");
	memcpy(b->pub, kat_ecdh_peer, sizeof(kat_ecdh_peer));
	b->pub[sizeof(kat_ecdh_peer) - 1] ^= 0x01;
	err = khsm_ecdh(KHSM_KEY_EC_P256, kat_ecdh_priv, b->pub,
			sizeof(kat_ecdh_peer), b->secret);
	if (err != -EINVAL)
		return ec_st_fail(why, "ECDH accepted a point off the curve");
	return 0;
}

int khsm_ec_selftest(void)
{
	struct ec_selftest_buf *b;
	const char *why = "out of memory", *curve = "P-256";
	size_t i;
	int err = -ENOMEM;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		goto out;
	for (i = 0; i < ARRAY_SIZE(ecdsa_kats); i++) {
		curve = ecdsa_kats[i].curve;
		err = ec_st_verify_kat(&ecdsa_kats[i], b, &why);
		if (!err)
			err = ec_st_pairwise(&ecdsa_kats[i], b, &why);
		if (err)
			goto out;
	}
	curve = "P-256";
	err = ec_st_ecdh(b, &why);
out:
	if (err)
		pr_err("EC self-test, %s: %s (%d)\n", curve, why, err);
	kfree_sensitive(b);
	return err;
}
