/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ECDSA and ECDH on NIST P-256 and P-384, built on the helpers ecc.ko
 * exports, so 6.1 (no ecdsa akcipher) and 6.12 run the same code.
 * Scalars and coordinates cross this interface as big-endian bytes of the
 * curve's length; public points as uncompressed SEC1 (0x04 || X || Y).
 * @type is KHSM_KEY_EC_P256 or KHSM_KEY_EC_P384 (enum khsm_key_type).
 * Every function returns -EINVAL for another @type, a private key outside
 * [1, n - 1] or an empty digest, and may return -ENOMEM. They sleep.
 */
#ifndef _KHSM_EC_H
#define _KHSM_EC_H

#include <linux/types.h>

#define KHSM_EC_MAX_BYTES	48
#define KHSM_EC_PUB_MAX		(1 + 2 * KHSM_EC_MAX_BYTES)
#define KHSM_ECDSA_SIG_MAX	(3 + 2 * (2 + 1 + KHSM_EC_MAX_BYTES))

/* Bytes of a scalar of the curve, or 0 for a type that is not EC. */
unsigned int khsm_ec_bytes(u32 type);

/* A new key pair from the kernel DRBG. */
int khsm_ec_generate(u32 type, u8 *priv, u8 *pub);
/* Checks 1 <= @priv < n and computes its public point (import). */
int khsm_ec_public_from_private(u32 type, const u8 *priv, u8 *pub);
/*
 * Full validation of an uncompressed point: -EINVAL unless @len is right,
 * the prefix is 0x04, both coordinates are below p and it is on the curve.
 */
int khsm_ec_check_public(u32 type, const u8 *pub, size_t len);

/*
 * ECDSA over @digest (leftmost curve bits used, as FIPS 186 says) with a
 * nonce from the DRBG; writes a DER SEQUENCE { r, s } of *@sig_len bytes
 * (at most KHSM_ECDSA_SIG_MAX).
 */
int khsm_ecdsa_sign(u32 type, const u8 *priv, const u8 *digest,
		    size_t digest_len, u8 *sig, size_t *sig_len);
/*
 * 0 when @sig (strict DER) is valid for @digest, -EBADMSG otherwise;
 * -EINVAL when @pub (1 + 2 * curve bytes) is not a valid point.
 */
int khsm_ecdsa_verify(u32 type, const u8 *pub, const u8 *digest,
		      size_t digest_len, const u8 *sig, size_t sig_len);

/*
 * ECDH: the x coordinate of @priv times @peer (curve bytes into @secret).
 * -EINVAL when @peer is not a valid point of the curve.
 */
int khsm_ecdh(u32 type, const u8 *priv, const u8 *peer, size_t peer_len,
	      u8 *secret);

/* Known-answer and pairwise tests, run at module load. */
int khsm_ec_selftest(void);

#endif /* _KHSM_EC_H */
