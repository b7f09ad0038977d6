/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KHSM_KCRYPTO_H
#define _KHSM_KCRYPTO_H

#include <linux/types.h>

#define KHSM_KEY_LEN		32	/* AES-256 and every derived key */
#define KHSM_HMAC_LEN		32
#define KHSM_GCM_NONCE_LEN	12
#define KHSM_GCM_TAG_LEN	16
#define KHSM_GCM_OVERHEAD	(KHSM_GCM_NONCE_LEN + KHSM_GCM_TAG_LEN)

struct khsm_kdf_part {
	const void *data;
	size_t len;
};

int khsm_rng_bytes(void *buf, size_t len);

/* HMAC-SHA256(key, parts[0] || parts[1] || ...) */
int khsm_hmac_sha256(const u8 *key, size_t key_len,
		     const struct khsm_kdf_part *parts, size_t nparts,
		     u8 out[KHSM_HMAC_LEN]);

/*
 * One AES-256-GCM operation with a 12-byte @nonce: encrypt @in_len bytes
 * into @in_len + 16 (ciphertext || tag), or decrypt @in_len bytes
 * (ciphertext || tag) into @in_len - 16, -EBADMSG on a wrong tag. The
 * known-answer test at load runs exactly this.
 */
int khsm_gcm_crypt(const u8 key[KHSM_KEY_LEN], const u8 *nonce,
		   const u8 *aad, size_t aad_len, const u8 *in, size_t in_len,
		   u8 *out, bool enc);

/*
 * Seal @len bytes of @in into @out as nonce || ciphertext || tag
 * (@len + KHSM_GCM_OVERHEAD bytes); open is the reverse, -EBADMSG when the
 * tag does not match (wrong key or tampered data). @in and @out may not
 * overlap.
 */
int khsm_gcm_seal(const u8 key[KHSM_KEY_LEN], const u8 *aad, size_t aad_len,
		  const u8 *in, size_t len, u8 *out);
int khsm_gcm_open(const u8 key[KHSM_KEY_LEN], const u8 *aad, size_t aad_len,
		  const u8 *in, size_t len, u8 *out);

#endif /* _KHSM_KCRYPTO_H */
