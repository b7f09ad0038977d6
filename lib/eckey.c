// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * EC keys between the encodings the rest of the world uses (PKCS#8 and
 * SEC1 private keys, SubjectPublicKeyInfo) and the raw forms the module
 * takes and gives (a big-endian scalar, an uncompressed point), through
 * OpenSSL's libcrypto. The only file of the library that needs it: a
 * program that uses none of these functions does not pull it in from
 * libkhsm.a.
 *
 * OpenSSL's error queue is left as the caller had it: what our calls put
 * there is popped again.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "internal.h"

static const struct curve {
	uint32_t type;
	int nid;
	const char *group;
	size_t bytes;
} curves[] = {
	{ KHSM_KEY_EC_P256, NID_X9_62_prime256v1, "P-256", 32 },
	{ KHSM_KEY_EC_P384, NID_secp384r1, "P-384", 48 },
};

static const struct curve *curve_of_type(uint32_t type)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(curves); i++)
		if (curves[i].type == type)
			return &curves[i];
	return NULL;
}

/* The curve of an EC key: NULL for another algorithm or curve. */
static const struct curve *curve_of_key(const EVP_PKEY *pkey)
{
	char name[64];
	size_t i;
	int nid;

	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC ||
	    !EVP_PKEY_get_group_name(pkey, name, sizeof(name), NULL))
		return NULL;
	nid = OBJ_sn2nid(name);
	if (nid == NID_undef)
		nid = EC_curve_nist2nid(name);
	for (i = 0; i < ARRAY_SIZE(curves); i++)
		if (curves[i].nid == nid)
			return &curves[i];
	return NULL;
}

static bool is_pem(const void *in, size_t len)
{
	return memmem(in, len, "-----BEGIN", 10) != NULL;
}

/* Never ask for a passphrase: an encrypted key is simply not read. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static EVP_PKEY *read_private(const void *in, size_t len)
{
	const unsigned char *p = in;
	EVP_PKEY *pkey = NULL;
	BIO *bio;

	if (!is_pem(in, len)) {
		pkey = d2i_AutoPrivateKey(NULL, &p, (long)len);
		if (pkey && p != (const unsigned char *)in + len) {
			EVP_PKEY_free(pkey);	/* stray bytes after it */
			pkey = NULL;
		}
		return pkey;
	}
	bio = BIO_new_mem_buf(in, (int)len);
	if (bio)
		pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	return pkey;
}

static EVP_PKEY *read_public(const void *in, size_t len)
{
	const unsigned char *p = in;
	EVP_PKEY *pkey = NULL;
	BIO *bio;

	if (!is_pem(in, len)) {
		pkey = d2i_PUBKEY(NULL, &p, (long)len);
		if (pkey && p != (const unsigned char *)in + len) {
			EVP_PKEY_free(pkey);
			pkey = NULL;
		}
		return pkey;
	}
	bio = BIO_new_mem_buf(in, (int)len);
	if (bio)
		pkey = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	return pkey;
}

static int private_scalar(const EVP_PKEY *pkey, const struct curve *c,
			  uint8_t *priv)
{
	BIGNUM *bn = NULL;
	int ret = -EBADMSG;

	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &bn) &&
	    BN_bn2binpad(bn, priv, (int)c->bytes) == (int)c->bytes)
		ret = 0;
	BN_clear_free(bn);
	return ret;
}

KHSM_API int khsm_ec_private_from_pkcs8(const void *in, size_t len,
					uint32_t *type,
					uint8_t priv[KHSM_EC_SCALAR_MAX],
					size_t *priv_len)
{
	const struct curve *c;
	EVP_PKEY *pkey;
	int ret;

	if (!in || !len || len > INT_MAX || !type || !priv || !priv_len)
		return -EINVAL;
	ERR_set_mark();
	pkey = read_private(in, len);
	c = pkey ? curve_of_key(pkey) : NULL;
	if (!pkey)
		ret = -EBADMSG;
	else if (!c)
		ret = -EPROTONOSUPPORT;
	else
		ret = private_scalar(pkey, c, priv);
	EVP_PKEY_free(pkey);	/* clears the private key */
	ERR_pop_to_mark();
	if (ret) {
		explicit_bzero(priv, KHSM_EC_SCALAR_MAX);
		return ret;
	}
	*type = c->type;
	*priv_len = c->bytes;
	return 0;
}

/* The key's point, uncompressed whatever form it came in. */
static int public_point(EVP_PKEY *pkey, const struct curve *c, uint8_t *point,
			size_t *point_len)
{
	size_t n = 0;

	if (!EVP_PKEY_set_utf8_string_param(pkey,
			OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
			"uncompressed") ||
	    !EVP_PKEY_get_octet_string_param(pkey,
			OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
			KHSM_PUBKEY_MAX, &n) ||
	    n != 1 + 2 * c->bytes || point[0] != 0x04)
		return -EBADMSG;
	*point_len = n;
	return 0;
}

KHSM_API int khsm_ec_point_from_spki(const void *in, size_t len,
				     uint32_t *type,
				     uint8_t point[KHSM_PUBKEY_MAX],
				     size_t *point_len)
{
	const struct curve *c;
	EVP_PKEY *pkey;
	int ret;

	if (!in || !len || len > INT_MAX || !type || !point || !point_len)
		return -EINVAL;
	ERR_set_mark();
	pkey = read_public(in, len);
	c = pkey ? curve_of_key(pkey) : NULL;
	if (!pkey)
		ret = -EBADMSG;
	else if (!c)
		ret = -EPROTONOSUPPORT;
	else
		ret = public_point(pkey, c, point, point_len);
	EVP_PKEY_free(pkey);
	ERR_pop_to_mark();
	if (!ret)
		*type = c->type;
	return ret;
}

/* An EC public key from its point; OpenSSL checks it is on the curve. */
static EVP_PKEY *key_from_point(const struct curve *c, const uint8_t *point,
				size_t len)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						 (char *)c->group, 0),
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
						  (void *)point, len),
		OSSL_PARAM_construct_end(),
	};
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *pkey = NULL;

	if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* What a memory BIO holds, into a buffer of our own for free(). */
static int bio_take(BIO *bio, uint8_t **out, size_t *out_len)
{
	char *data;
	long n = BIO_get_mem_data(bio, &data);

	if (n <= 0)
		return -ENOMEM;
	*out = malloc((size_t)n);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, data, (size_t)n);
	*out_len = (size_t)n;
	return 0;
}

static int write_spki(EVP_PKEY *pkey, bool pem, uint8_t **out,
		      size_t *out_len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int ret = -ENOMEM;

	if (bio && (pem ? PEM_write_bio_PUBKEY(bio, pkey) :
		    i2d_PUBKEY_bio(bio, pkey)))
		ret = bio_take(bio, out, out_len);
	BIO_free(bio);
	return ret;
}

KHSM_API int khsm_ec_spki_from_point(uint32_t type, const uint8_t *point,
				     size_t len, bool pem, uint8_t **out,
				     size_t *out_len)
{
	const struct curve *c = curve_of_type(type);
	EVP_PKEY *pkey;
	int ret;

	if (!out || !out_len)
		return -EINVAL;
	*out = NULL;
	*out_len = 0;
	if (!c)
		return -EPROTONOSUPPORT;
	if (!point || len != 1 + 2 * c->bytes || point[0] != 0x04)
		return -EINVAL;
	ERR_set_mark();
	pkey = key_from_point(c, point, len);
	ret = pkey ? write_spki(pkey, pem, out, out_len) : -EINVAL;
	EVP_PKEY_free(pkey);
	ERR_pop_to_mark();
	return ret;
}
