// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Passphrase stretching: PBKDF2-HMAC-SHA256 through libkcapi, so the work
 * runs in the kernel's crypto API (the same implementation the module
 * uses, FIPS-validated where the kernel is) rather than in a copy of ours.
 * Kept alone in its object so that a static link pulls in libkcapi only
 * for programs that stretch passphrases.
 */
#include <errno.h>
#include <string.h>
#include <kcapi.h>

#include "internal.h"

#define PBKDF2_ITER_MIN	1000
#define PBKDF2_ITER_MAX	10000000

KHSM_API int khsm_pp_derive(const char *pp, size_t len,
			    const uint8_t salt[KHSM_PP_SALT_LEN], uint32_t iter,
			    uint8_t out[KHSM_PP_KEY_LEN])
{
	ssize_t ret;

	if (!out)
		return -EINVAL;
	if ((!pp && len) || !salt || len > UINT32_MAX ||
	    iter < PBKDF2_ITER_MIN || iter > PBKDF2_ITER_MAX) {
		explicit_bzero(out, KHSM_PP_KEY_LEN);
		return -EINVAL;
	}
	ret = kcapi_pbkdf("hmac(sha256)", (const uint8_t *)(pp ? pp : ""),
			  (uint32_t)len, salt, KHSM_PP_SALT_LEN, iter, out,
			  KHSM_PP_KEY_LEN);
	if (ret == 0)
		return 0;
	explicit_bzero(out, KHSM_PP_KEY_LEN);
	/* libkcapi returns -errno; anything else would be its own bug. */
	return ret < 0 && ret >= -4095 ? (int)ret : -EPROTO;
}
