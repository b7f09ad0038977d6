// SPDX-License-Identifier: GPL-2.0
/*
 * Shamir secret sharing over GF(2^8) with the AES polynomial
 * x^8 + x^4 + x^3 + x + 1. Shares protect world keys, so the field
 * arithmetic is branch-free and table-free: timing must not depend on
 * secret bytes (a log/antilog table lookup would, through the cache).
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <string.h>
#define memzero_explicit(p, n) explicit_bzero(p, n)
#endif

#include "shamir.h"

static u8 gf_mul(u8 a, u8 b)
{
	u8 r = 0;
	int i;

	for (i = 0; i < 8; i++) {
		r ^= a & -(b & 1);
		/* multiply a by x, reducing by the polynomial when it overflows */
		a = (u8)(a << 1) ^ (0x1b & -(a >> 7));
		b >>= 1;
	}
	return r;
}

/* a^254 = a^-1 in GF(2^8) (and 0 for 0, never asked for here) */
static u8 gf_inv(u8 a)
{
	u8 r = 1, p = a;
	int i;

	/* 254 = 0b11111110: multiply a^2, a^4, ..., a^128 together */
	for (i = 1; i < 8; i++) {
		p = gf_mul(p, p);
		r = gf_mul(r, p);
	}
	return r;
}

/* Horner's rule: secret + c1*x + c2*x^2 + ... at one x, for byte @pos. */
static u8 poly_eval(u8 secret, const u8 *coeffs, size_t len, unsigned int k,
		    size_t pos, u8 x)
{
	u8 y = 0;
	unsigned int d;

	for (d = k - 1; d > 0; d--)
		y = gf_mul(y, x) ^ coeffs[(d - 1) * len + pos];
	return gf_mul(y, x) ^ secret;
}

int khsm_shamir_split(const u8 *secret, size_t len, unsigned int k,
		      unsigned int n, const u8 *coeffs, u8 *shares)
{
	unsigned int x;
	size_t pos;

	if (k < 1 || k > n || n > KHSM_SHAMIR_MAX_SHARES)
		return -EINVAL;
	for (x = 1; x <= n; x++)
		for (pos = 0; pos < len; pos++)
			shares[(x - 1) * len + pos] =
				poly_eval(secret[pos], coeffs, len, k, pos, x);
	return 0;
}

static int check_xs(const u8 *xs, unsigned int k)
{
	unsigned int i, j;

	if (k < 1 || k > KHSM_SHAMIR_MAX_SHARES)
		return -EINVAL;
	for (i = 0; i < k; i++) {
		if (!xs[i] || xs[i] > KHSM_SHAMIR_MAX_SHARES)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (xs[i] == xs[j])
				return -EINVAL;
	}
	return 0;
}

/* Lagrange basis polynomial i evaluated at 0: prod x_j / (x_j - x_i). */
static u8 lagrange_at_zero(const u8 *xs, unsigned int k, unsigned int i)
{
	u8 num = 1, den = 1;
	unsigned int j;

	for (j = 0; j < k; j++) {
		if (j == i)
			continue;
		num = gf_mul(num, xs[j]);
		den = gf_mul(den, xs[j] ^ xs[i]);
	}
	return gf_mul(num, gf_inv(den));
}

int khsm_shamir_combine(const u8 *xs, const u8 *const *ys, unsigned int k,
			size_t len, u8 *secret)
{
	u8 basis[KHSM_SHAMIR_MAX_SHARES];
	unsigned int i;
	size_t pos;
	int err;

	err = check_xs(xs, k);
	if (err)
		return err;
	for (i = 0; i < k; i++)
		basis[i] = lagrange_at_zero(xs, k, i);
	for (pos = 0; pos < len; pos++) {
		u8 s = 0;

		for (i = 0; i < k; i++)
			s ^= gf_mul(ys[i][pos], basis[i]);
		secret[pos] = s;
	}
	memzero_explicit(basis, sizeof(basis));
	return 0;
}
