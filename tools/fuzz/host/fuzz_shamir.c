// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kmod/shamir.c, compiled for the host as selftests/unit does: the
 * module combines shares read from cards, so khsm_shamir_combine() must
 * refuse any x list it cannot use and never read past @k shares of @len.
 *
 * Input: byte 0 picks the mode.
 *   even: raw combine. byte 1 is k as given (0..255), then k x values,
 *	then the share bytes: len = what is left / k (at most 64).
 *   odd:  split then combine. bytes 1..3 pick k (1..64), n (k..64) and
 *	len (0..64); then the secret, the coefficients, and a permutation
 *	seed choosing which k of the n shares, in which order, come back.
 *	Any k of them must give the secret back.
 */
#include <stdint.h>
#include <stdbool.h>

#include "shamir.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXS	KHSM_SHAMIR_MAX_SHARES
#define MAXLEN	64

/* Reads input bytes; zero once it runs out. */
struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t take(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static void raw_combine(struct in *in)
{
	const u8 *ys[256];
	u8 xs[256], out[MAXLEN + 1];
	unsigned int k = take(in), i;
	size_t len;
	uint8_t *shares;
	bool valid = k >= 1 && k <= MAXS;
	int ret;

	for (i = 0; i < k; i++) {
		xs[i] = take(in);
		if (!xs[i] || xs[i] > MAXS)
			valid = false;
	}
	for (i = 0; valid && i < k; i++) {
		unsigned int j;

		for (j = 0; j < i; j++)
			if (xs[i] == xs[j])
				valid = false;
	}
	len = k ? in->n / k : 0;
	if (len > MAXLEN)
		len = MAXLEN;
	/* Each share its own exact allocation: ASan sees any over-read. */
	shares = malloc(k * len + 1);
	FUZZ_ASSERT(shares);
	for (i = 0; i < k; i++) {
		size_t b;

		for (b = 0; b < len; b++)
			shares[i * len + b] = take(in);
		ys[i] = shares + i * len;
	}
	out[len] = 0x5a;
	ret = khsm_shamir_combine(xs, ys, k, len, out);
	FUZZ_ASSERT(ret == (valid ? 0 : -EINVAL));
	FUZZ_ASSERT(out[len] == 0x5a);
	free(shares);
}

static void split_combine(struct in *in)
{
	unsigned int k = take(in) % MAXS + 1;
	unsigned int n = k + take(in) % (MAXS - k + 1);
	size_t len = take(in) % (MAXLEN + 1), b;
	u8 secret[MAXLEN], out[MAXLEN], *coeffs, *shares;
	u8 xs[MAXS], order[MAXS];
	const u8 *ys[MAXS];
	unsigned int i;

	FUZZ_ASSERT(k >= 1 && k <= n && n <= MAXS);
	for (b = 0; b < len; b++)
		secret[b] = take(in);
	coeffs = malloc((k - 1) * len + 1);
	shares = malloc(n * len + 1);
	FUZZ_ASSERT(coeffs && shares);
	for (b = 0; b < (k - 1) * len; b++)
		coeffs[b] = take(in);
	FUZZ_ASSERT(khsm_shamir_split(secret, len, k, n, coeffs, shares) == 0);
	/* A permutation of 1..n (Fisher-Yates on input bytes); the first k. */
	for (i = 0; i < n; i++)
		order[i] = (u8)(i + 1);
	for (i = n - 1; i > 0; i--) {
		unsigned int j = take(in) % (i + 1);
		u8 t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < k; i++) {
		xs[i] = order[i];
		ys[i] = shares + (order[i] - 1) * len;
	}
	FUZZ_ASSERT(khsm_shamir_combine(xs, ys, k, len, out) == 0);
	FUZZ_ASSERT(!memcmp(out, secret, len));
	/* k = 1 copies the secret into every share. */
	if (k == 1)
		for (i = 0; i < n; i++)
			FUZZ_ASSERT(!memcmp(shares + i * len, secret, len));
	free(coeffs);
	free(shares);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };

	if (!size)
		return 0;
	if (take(&in) & 1)
		split_combine(&in);
	else
		raw_combine(&in);
	return 0;
}
