// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/shamir.c, compiled here unchanged: known answers from FIPS-197's
 * GF(2^8) examples, every subset of a 5-card set, and random splits up to
 * 64 shares.
 */
#include <errno.h>
#include <stdlib.h>

#include "shamir.h"
#include "unit.h"

#define LEN 32

static unsigned int seed = 20261123;

static void fill_random(u8 *p, size_t n)
{
	while (n--)
		*p++ = (u8)rand_r(&seed);
}

/* FIPS-197 4.2: {57}*{02} = {ae}, {57}*{04} = {47}, {57}*{13} = {fe}. */
static void known_answers(void)
{
	const u8 secret = 0x42, coeff = 0x57;
	u8 shares[19];
	const u8 xs[2] = { 2, 4 };
	const u8 *ys[2];
	u8 out = 0;

	CHECK_INT(khsm_shamir_split(&secret, 1, 2, 19, &coeff, shares), 0);
	CHECK_INT(shares[1], 0x42 ^ 0xae);
	CHECK_INT(shares[3], 0x42 ^ 0x47);
	CHECK_INT(shares[18], 0x42 ^ 0xfe);
	ys[0] = &shares[1];
	ys[1] = &shares[3];
	CHECK_INT(khsm_shamir_combine(xs, ys, 2, 1, &out), 0);
	CHECK_INT(out, 0x42);
}

static void k_equals_one_copies_the_secret(void)
{
	u8 secret[LEN], shares[3 * LEN];

	fill_random(secret, LEN);
	CHECK_INT(khsm_shamir_split(secret, LEN, 1, 3, NULL, shares), 0);
	CHECK(!memcmp(shares, secret, LEN));
	CHECK(!memcmp(shares + 2 * LEN, secret, LEN));
}

/* Combines the shares named by bit mask @set; returns how many were used. */
static unsigned int combine_set(const u8 *shares, unsigned int n,
				unsigned int set, u8 *out)
{
	const u8 *ys[KHSM_SHAMIR_MAX_SHARES];
	u8 xs[KHSM_SHAMIR_MAX_SHARES];
	unsigned int x, k = 0;

	for (x = 1; x <= n; x++) {
		if (!(set & (1u << (x - 1))))
			continue;
		xs[k] = (u8)x;
		ys[k++] = shares + (x - 1) * LEN;
	}
	CHECK_INT(khsm_shamir_combine(xs, ys, k, LEN, out), 0);
	return k;
}

/* Every subset of 5 shares, for every K: K or more recover, fewer do not. */
static void every_subset_of_five(void)
{
	u8 secret[LEN], coeffs[4 * LEN], shares[5 * LEN], out[LEN];
	unsigned int k, set, used;

	for (k = 1; k <= 5; k++) {
		fill_random(secret, LEN);
		fill_random(coeffs, sizeof(coeffs));
		CHECK_INT(khsm_shamir_split(secret, LEN, k, 5, coeffs, shares), 0);
		for (set = 1; set < 32; set++) {
			used = combine_set(shares, 5, set, out);
			if (used >= k)
				CHECK(!memcmp(out, secret, LEN));
			else
				CHECK(memcmp(out, secret, LEN));
		}
	}
}

static void random_splits_up_to_64(void)
{
	u8 secret[LEN], out[LEN];
	u8 *coeffs = malloc(63 * LEN), *shares = malloc(64 * LEN);
	const u8 *ys[64];
	u8 xs[64];
	unsigned int round, n, k, i, j;

	CHECK(coeffs && shares);
	for (round = 0; coeffs && shares && round < 300; round++) {
		n = 1 + rand_r(&seed) % 64;
		k = 1 + rand_r(&seed) % n;
		fill_random(secret, LEN);
		fill_random(coeffs, (k - 1) * LEN);
		CHECK_INT(khsm_shamir_split(secret, LEN, k, n, coeffs, shares), 0);
		/* a random K-subset, in random order: a partial shuffle */
		for (i = 0; i < n; i++)
			xs[i] = (u8)(i + 1);
		for (i = 0; i < k; i++) {
			u8 t;

			j = i + rand_r(&seed) % (n - i);
			t = xs[i];
			xs[i] = xs[j];
			xs[j] = t;
			ys[i] = shares + (xs[i] - 1) * LEN;
		}
		CHECK_INT(khsm_shamir_combine(xs, ys, k, LEN, out), 0);
		CHECK(!memcmp(out, secret, LEN));
		if (k > 1) {
			CHECK_INT(khsm_shamir_combine(xs, ys, k - 1, LEN, out), 0);
			CHECK(memcmp(out, secret, LEN));
		}
	}
	free(coeffs);
	free(shares);
}

static void refuses_bad_parameters(void)
{
	u8 secret[1] = { 1 }, coeffs[64] = { 0 }, shares[65], out;
	const u8 *ys[2] = { shares, shares };
	const u8 dup[2] = { 3, 3 }, zero[2] = { 0, 1 }, big[2] = { 1, 65 };

	CHECK_INT(khsm_shamir_split(secret, 1, 0, 3, coeffs, shares), -EINVAL);
	CHECK_INT(khsm_shamir_split(secret, 1, 4, 3, coeffs, shares), -EINVAL);
	CHECK_INT(khsm_shamir_split(secret, 1, 2, 65, coeffs, shares), -EINVAL);
	CHECK_INT(khsm_shamir_combine(dup, ys, 2, 1, &out), -EINVAL);
	CHECK_INT(khsm_shamir_combine(zero, ys, 2, 1, &out), -EINVAL);
	CHECK_INT(khsm_shamir_combine(big, ys, 2, 1, &out), -EINVAL);
	CHECK_INT(khsm_shamir_combine(dup, ys, 0, 1, &out), -EINVAL);
}

static const struct unit_test tests[] = {
	{ "known_answers", known_answers },
	{ "k_equals_one_copies_the_secret", k_equals_one_copies_the_secret },
	{ "every_subset_of_five", every_subset_of_five },
	{ "random_splits_up_to_64", random_splits_up_to_64 },
	{ "refuses_bad_parameters", refuses_bad_parameters },
};
UNIT_SUITE(shamir, tests);
