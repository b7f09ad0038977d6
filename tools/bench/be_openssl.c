// SPDX-License-Identifier: GPL-2.0
/*
 * OpenSSL's libcrypto in the same process: the "no HSM at all" limit. Each
 * thread keeps its contexts keyed (EVP_MAC, EVP_CIPHER, EVP_PKEY_CTX) and
 * only re-initialises them per operation, the fastest way an application
 * would call it. Also home of the key material and of the signature
 * encodings the other back ends share.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "bench.h"

struct octx {
	const struct workload *w;
	EVP_MAC_CTX *mac;
	EVP_CIPHER_CTX *cipher;
	EVP_PKEY_CTX *pkey;
	uint8_t *in;
	uint8_t *out;
	uint8_t iv[GCM_IV_LEN];
	uint8_t sig[SIG_DER_MAX];
	size_t sig_len;
};

static struct bench_keys k;
static EVP_MAC *hmac;
static EVP_PKEY *ec_key;

/* Fresh random keys and a P-256 pair, made here for every back end. */
int bench_keys_make(struct bench_keys *out)
{
	EVP_PKEY *pk;
	BIGNUM *d = NULL;
	size_t len;
	int err = -EIO;

	if (RAND_bytes(out->hmac, sizeof(out->hmac)) != 1 ||
	    RAND_bytes(out->aes, sizeof(out->aes)) != 1)
		return -EIO;
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!pk)
		return -EIO;
	if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1 &&
	    BN_bn2binpad(d, out->ec_priv, EC_PRIV_LEN) == EC_PRIV_LEN &&
	    EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY,
					    out->ec_pub, EC_PUB_LEN, &len) == 1 &&
	    len == EC_PUB_LEN)
		err = 0;
	BN_clear_free(d);
	EVP_PKEY_free(pk);
	return err;
}

int sig_der_to_raw(const uint8_t *der, size_t len, uint8_t raw[64])
{
	const unsigned char *p = der;
	const BIGNUM *r, *s;
	ECDSA_SIG *sig;
	int err = -EBADMSG;

	sig = d2i_ECDSA_SIG(NULL, &p, len);
	if (!sig)
		return -EBADMSG;
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(s, raw + 32, 32) == 32)
		err = 0;
	ECDSA_SIG_free(sig);
	return err;
}

int sig_raw_to_der(const uint8_t raw[64], uint8_t *der, size_t *len)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
	unsigned char *p = der;
	int n = -1;

	if (sig && r && s && ECDSA_SIG_set0(sig, r, s) == 1) {
		r = s = NULL;
		if (i2d_ECDSA_SIG(sig, NULL) <= SIG_DER_MAX)
			n = i2d_ECDSA_SIG(sig, &p);
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	if (n <= 0)
		return -EINVAL;
	*len = n;
	return 0;
}

static EVP_PKEY *ec_from_keys(const struct bench_keys *keys)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *d = BN_bin2bn(keys->ec_priv, EC_PRIV_LEN, NULL);
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;

	if (bld && d &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					    "prime256v1", 0) == 1 &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) == 1 &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
					     keys->ec_pub, EC_PUB_LEN) == 1)
		params = OSSL_PARAM_BLD_to_param(bld);
	if (params)
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (ctx && EVP_PKEY_fromdata_init(ctx) == 1)
		EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_KEYPAIR, params);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	return pk;
}

static int ossl_init(const struct bench_keys *keys)
{
	k = *keys;
	hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	ec_key = ec_from_keys(keys);
	if (!hmac || !ec_key) {
		be_openssl.why = "libcrypto lacks HMAC or EC";
		return -EIO;
	}
	return 0;
}

static void ossl_fini(void)
{
	EVP_MAC_free(hmac);
	EVP_PKEY_free(ec_key);
	hmac = NULL;
	ec_key = NULL;
}

static bool ossl_supports(const struct workload *w)
{
	return w->kind != WL_NULL;
}

static void ossl_ctx_free(void *p)
{
	struct octx *c = p;

	if (!c)
		return;
	EVP_MAC_CTX_free(c->mac);
	EVP_CIPHER_CTX_free(c->cipher);
	EVP_PKEY_CTX_free(c->pkey);
	free(c->in);
	free(c->out);
	free(c);
}

static int ossl_sign_one(void *p, const uint8_t *digest, uint8_t *sig,
			 size_t *sig_len);

static int ossl_ctx_new(const struct workload *w, void **out)
{
	OSSL_PARAM params[2] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						 "SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	struct octx *c;
	int ok = 0;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->w = w;
	c->in = bench_alloc(w->len);
	c->out = bench_alloc(w->len + GCM_TAG_LEN + SIG_DER_MAX);
	bench_fill(c->in, w->len, 1);
	bench_fill(c->iv, sizeof(c->iv), 2);
	switch (w->kind) {
	case WL_HMAC:
		c->mac = EVP_MAC_CTX_new(hmac);
		ok = c->mac && EVP_MAC_init(c->mac, k.hmac, sizeof(k.hmac),
					    params) == 1;
		break;
	case WL_GCM:
		c->cipher = EVP_CIPHER_CTX_new();
		ok = c->cipher && EVP_EncryptInit_ex(c->cipher, EVP_aes_256_gcm(),
						     NULL, k.aes, NULL) == 1;
		break;
	case WL_SIGN:
		c->pkey = EVP_PKEY_CTX_new(ec_key, NULL);
		ok = c->pkey && EVP_PKEY_sign_init(c->pkey) == 1;
		break;
	case WL_VERIFY:
		c->pkey = EVP_PKEY_CTX_new(ec_key, NULL);
		ok = c->pkey && EVP_PKEY_sign_init(c->pkey) == 1 &&
		     !ossl_sign_one(c, c->in, c->sig, &c->sig_len) &&
		     EVP_PKEY_verify_init(c->pkey) == 1;
		break;
	default:
		break;
	}
	if (!ok) {
		ossl_ctx_free(c);
		return -EIO;
	}
	*out = c;
	return 0;
}

static int ossl_mac_one(void *p, const uint8_t *in, size_t len, uint8_t *mac)
{
	struct octx *c = p;
	size_t mlen;

	/* NULL key: the context keeps the one it was given. */
	if (EVP_MAC_init(c->mac, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(c->mac, in, len) != 1 ||
	    EVP_MAC_final(c->mac, mac, &mlen, MAC_LEN) != 1 || mlen != MAC_LEN)
		return -EIO;
	return 0;
}

static int ossl_encrypt_one(void *p, const uint8_t *iv, uint8_t *iv_out,
			    const uint8_t *in, size_t len, uint8_t *out)
{
	struct octx *c = p;
	int n, m;

	(void)iv_out;
	if (EVP_EncryptInit_ex(c->cipher, NULL, NULL, NULL, iv) != 1 ||
	    EVP_EncryptUpdate(c->cipher, out, &n, in, len) != 1 ||
	    EVP_EncryptFinal_ex(c->cipher, out + n, &m) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c->cipher, EVP_CTRL_GCM_GET_TAG, GCM_TAG_LEN,
				out + len) != 1)
		return -EIO;
	return 0;
}

static int ossl_sign_one(void *p, const uint8_t *digest, uint8_t *sig,
			 size_t *sig_len)
{
	struct octx *c = p;

	*sig_len = SIG_DER_MAX;
	return EVP_PKEY_sign(c->pkey, sig, sig_len, digest, DIGEST_LEN) == 1 ?
	       0 : -EIO;
}

static int ossl_verify_one(void *p, const uint8_t *digest, const uint8_t *sig,
			   size_t sig_len)
{
	struct octx *c = p;
	int r;

	r = EVP_PKEY_verify(c->pkey, sig, sig_len, digest, DIGEST_LEN);
	return r == 1 ? 0 : r == 0 ? 1 : -EIO;
}

static int ossl_run(void *p, unsigned int n)
{
	struct octx *c = p;
	const struct workload *w = c->w;
	size_t len;
	int err = 0;

	for (unsigned int i = 0; i < n && !err; i++) {
		switch (w->kind) {
		case WL_HMAC:
			err = ossl_mac_one(c, c->in, w->len, c->out);
			break;
		case WL_GCM:
			err = ossl_encrypt_one(c, c->iv, NULL, c->in, w->len,
					       c->out);
			break;
		case WL_SIGN:
			err = ossl_sign_one(c, c->in, c->out, &len);
			break;
		case WL_VERIFY:
			err = ossl_verify_one(c, c->in, c->sig, c->sig_len) ?
			      -EIO : 0;
			break;
		default:
			err = -EINVAL;
		}
	}
	return err;
}

/*
 * The verifying context of a sign workload's smoke check: OpenSSL
 * verifies what the others signed. A separate context so the
 * signing one stays in sign mode.
 */
int ossl_verify_der(const uint8_t *digest, const uint8_t *sig, size_t len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(ec_key, NULL);
	int r = -EIO;

	if (ctx && EVP_PKEY_verify_init(ctx) == 1)
		r = EVP_PKEY_verify(ctx, sig, len, digest, DIGEST_LEN);
	EVP_PKEY_CTX_free(ctx);
	return r == 1 ? 0 : r == 0 ? 1 : -EIO;
}

/* AES-256-GCM decrypt with the shared key: checks khsm's own-IV output. */
int ossl_gcm_decrypt(const uint8_t *iv, const uint8_t *in, size_t len,
		     uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n, m, ok;

	ok = ctx && EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, k.aes, iv) == 1 &&
	     EVP_DecryptUpdate(ctx, out, &n, in, len) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, GCM_TAG_LEN,
				 (void *)(in + len)) == 1 &&
	     EVP_DecryptFinal_ex(ctx, out + n, &m) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -EBADMSG;
}

struct backend be_openssl = {
	.name = "openssl",
	.batch = 1,
	.init = ossl_init,
	.fini = ossl_fini,
	.supports = ossl_supports,
	.ctx_new = ossl_ctx_new,
	.ctx_free = ossl_ctx_free,
	.run = ossl_run,
	.mac = ossl_mac_one,
	.encrypt = ossl_encrypt_one,
	.sign = ossl_sign_one,
	.verify = ossl_verify_one,
};
