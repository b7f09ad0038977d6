/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shamir secret sharing over GF(2^8), byte by byte. Pure code with no
 * kernel dependencies beyond a few types, so the host unit tests compile
 * this very file (selftests/unit) and check it against the module's use.
 */
#ifndef _KHSM_SHAMIR_H
#define _KHSM_SHAMIR_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
typedef uint8_t u8;
#endif

/* Shares are numbered 1..KHSM_SHAMIR_MAX_SHARES; x = 0 is the secret. */
#define KHSM_SHAMIR_MAX_SHARES	64

/*
 * Split @len bytes of @secret into @n shares of which any @k recover it.
 * @coeffs holds (@k - 1) * @len random bytes from the caller's DRBG (the
 * polynomial's coefficients); @shares receives @n * @len bytes, share x at
 * offset (x - 1) * @len. Returns 0, or -EINVAL unless 1 <= k <= n <= 64.
 */
int khsm_shamir_split(const u8 *secret, size_t len, unsigned int k,
		      unsigned int n, const u8 *coeffs, u8 *shares);

/*
 * Recover @len bytes into @secret from @k shares: share i has x = @xs[i]
 * (1..64, all distinct) and bytes @ys[i]. With fewer shares than the split
 * used, the result is an unrelated value: the caller verifies it. Returns
 * 0, or -EINVAL for k = 0, k > 64, an x of 0 or a repeated x.
 */
int khsm_shamir_combine(const u8 *xs, const u8 *const *ys, unsigned int k,
			size_t len, u8 *secret);

#endif /* _KHSM_SHAMIR_H */
