// SPDX-License-Identifier: GPL-2.0
/*
 * The few primitives the world and card code is built from, on the kernel
 * crypto API: AES-256-GCM seal/open of small buffers, HMAC-SHA256 over a
 * list of parts (the key-derivation function: every derived key names its
 * purpose in a label), and random bytes from the kernel's default DRBG.
 */
#include <crypto/aead.h>
#include <crypto/hash.h>
#include <crypto/rng.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kcrypto.h"

int khsm_rng_bytes(void *buf, size_t len)
{
	int err;

	/* The DRBG refuses empty requests; a K=1 split asks for none. */
	if (!len)
		return 0;
	err = crypto_get_default_rng();
	if (err)
		return err;
	err = crypto_rng_get_bytes(crypto_default_rng, buf, len);
	crypto_put_default_rng();
	return err;
}

int khsm_hmac_sha256(const u8 *key, size_t key_len,
		     const struct khsm_kdf_part *parts, size_t nparts,
		     u8 out[KHSM_HMAC_LEN])
{
	struct crypto_shash *tfm;
	size_t i;
	int err;

	tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	err = crypto_shash_setkey(tfm, key, key_len);
	if (!err) {
		SHASH_DESC_ON_STACK(desc, tfm);

		desc->tfm = tfm;
		err = crypto_shash_init(desc);
		for (i = 0; !err && i < nparts; i++)
			err = crypto_shash_update(desc, parts[i].data,
						  parts[i].len);
		if (!err)
			err = crypto_shash_final(desc, out);
		shash_desc_zero(desc);
	}
	crypto_free_shash(tfm);
	return err;
}

/*
 * One GCM operation on a linear kmalloc'd copy: callers pass stack or
 * file buffers, and scatterlists must not point into the vmapped stack.
 */
int khsm_gcm_crypt(const u8 key[KHSM_KEY_LEN], const u8 *nonce,
		   const u8 *aad, size_t aad_len, const u8 *in, size_t in_len,
		   u8 *out, bool enc)
{
	size_t out_len = enc ? in_len + KHSM_GCM_TAG_LEN : in_len - KHSM_GCM_TAG_LEN;
	size_t buf_len = aad_len + max(in_len, out_len);
	DECLARE_CRYPTO_WAIT(wait);
	struct aead_request *req;
	struct crypto_aead *tfm;
	struct scatterlist sg;
	u8 iv[KHSM_GCM_NONCE_LEN];
	u8 *buf;
	int err;

	if (!enc && in_len < KHSM_GCM_TAG_LEN)
		return -EBADMSG;
	tfm = crypto_alloc_aead("gcm(aes)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	err = -ENOMEM;
	buf = kmalloc(buf_len, GFP_KERNEL);
	req = aead_request_alloc(tfm, GFP_KERNEL);
	if (!buf || !req)
		goto out;
	err = crypto_aead_setkey(tfm, key, KHSM_KEY_LEN) ?:
	      crypto_aead_setauthsize(tfm, KHSM_GCM_TAG_LEN);
	if (err)
		goto out;

	memcpy(buf, aad, aad_len);
	memcpy(buf + aad_len, in, in_len);
	memcpy(iv, nonce, sizeof(iv));
	sg_init_one(&sg, buf, buf_len);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP |
				  CRYPTO_TFM_REQ_MAY_BACKLOG,
				  crypto_req_done, &wait);
	aead_request_set_ad(req, aad_len);
	aead_request_set_crypt(req, &sg, &sg, in_len, iv);
	err = crypto_wait_req(enc ? crypto_aead_encrypt(req) :
				    crypto_aead_decrypt(req), &wait);
	if (!err)
		memcpy(out, buf + aad_len, out_len);
out:
	aead_request_free(req);
	kfree_sensitive(buf);
	crypto_free_aead(tfm);
	return err;
}

int khsm_gcm_seal(const u8 key[KHSM_KEY_LEN], const u8 *aad, size_t aad_len,
		  const u8 *in, size_t len, u8 *out)
{
	int err;

	/* A fresh random nonce per seal: keys here seal few messages. */
	err = khsm_rng_bytes(out, KHSM_GCM_NONCE_LEN);
	if (err)
		return err;
	return khsm_gcm_crypt(key, out, aad, aad_len, in, len,
			      out + KHSM_GCM_NONCE_LEN, true);
}

int khsm_gcm_open(const u8 key[KHSM_KEY_LEN], const u8 *aad, size_t aad_len,
		  const u8 *in, size_t len, u8 *out)
{
	if (len < KHSM_GCM_OVERHEAD)
		return -EBADMSG;
	return khsm_gcm_crypt(key, in, aad, aad_len, in + KHSM_GCM_NONCE_LEN,
			      len - KHSM_GCM_NONCE_LEN, out, false);
}
