// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * EC key encodings against keys OpenSSL makes here: PKCS#8 and SEC1
 * private keys (PEM and DER) to scalars, SubjectPublicKeyInfo to points
 * and back, and everything that is not a P-256 or P-384 key refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "internal.h"
#include "unit.h"

/* What a memory BIO holds, copied out; *len bytes. */
static uint8_t *bio_bytes(BIO *bio, size_t *len)
{
	char *data;
	long n = BIO_get_mem_data(bio, &data);
	uint8_t *p = n > 0 ? malloc((size_t)n) : NULL;

	if (p)
		memcpy(p, data, (size_t)n);
	*len = p ? (size_t)n : 0;
	return p;
}

enum encoding { PKCS8_PEM, PKCS8_DER, SEC1_PEM, PKCS8_ENCRYPTED, SPKI_PEM,
		SPKI_DER };

static uint8_t *encode(EVP_PKEY *k, enum encoding e, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	uint8_t *p = NULL;
	int ok = 0;

	switch (e) {
	case PKCS8_PEM:
		ok = PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL);
		break;
	case PKCS8_DER:
		ok = i2d_PKCS8PrivateKey_bio(bio, k, NULL, NULL, 0, NULL, NULL);
		break;
	case SEC1_PEM:
		ok = PEM_write_bio_PrivateKey_traditional(bio, k, NULL, NULL, 0,
							  NULL, NULL);
		break;
	case PKCS8_ENCRYPTED:
		ok = PEM_write_bio_PKCS8PrivateKey(bio, k, EVP_aes_128_cbc(),
						   "secret", 6, NULL, NULL);
		break;
	case SPKI_PEM:
		ok = PEM_write_bio_PUBKEY(bio, k);
		break;
	case SPKI_DER:
		ok = i2d_PUBKEY_bio(bio, k);
		break;
	}
	if (ok)
		p = bio_bytes(bio, len);
	BIO_free(bio);
	return p;
}

/* The key's scalar and point as the module would want them. */
static void raw(EVP_PKEY *k, size_t bytes, uint8_t *priv, uint8_t *point,
		size_t *point_len)
{
	BIGNUM *bn = NULL;

	CHECK(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &bn));
	CHECK_INT(BN_bn2binpad(bn, priv, (int)bytes), (long long)bytes);
	BN_clear_free(bn);
	CHECK(EVP_PKEY_get_octet_string_param(k,
			OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
			KHSM_PUBKEY_MAX, point_len));
}

static void private_keys_of(const char *curve, uint32_t want_type,
			    size_t bytes)
{
	static const enum encoding encodings[] = { PKCS8_PEM, PKCS8_DER,
						   SEC1_PEM };
	uint8_t want[KHSM_EC_SCALAR_MAX], priv[KHSM_EC_SCALAR_MAX];
	uint8_t point[KHSM_PUBKEY_MAX];
	EVP_PKEY *k = EVP_EC_gen(curve);
	size_t point_len = 0, len, priv_len, i;
	uint32_t type;
	uint8_t *in;

	CHECK(k);
	if (!k)
		return;
	raw(k, bytes, want, point, &point_len);
	for (i = 0; i < UNIT_ARRAY_SIZE(encodings); i++) {
		in = encode(k, encodings[i], &len);
		CHECK(in);
		if (!in)
			continue;
		priv_len = 0;
		type = 0;
		CHECK_INT(khsm_ec_private_from_pkcs8(in, len, &type, priv,
						     &priv_len), 0);
		CHECK_INT(type, want_type);
		CHECK_INT(priv_len, bytes);
		CHECK(!memcmp(priv, want, bytes));
		free(in);
	}

	/* An encrypted key is not read: no passphrase is ever asked for. */
	in = encode(k, PKCS8_ENCRYPTED, &len);
	CHECK(in && strstr((char *)in, "ENCRYPTED PRIVATE KEY"));
	memset(priv, 0xaa, sizeof(priv));
	CHECK_INT(khsm_ec_private_from_pkcs8(in, len, &type, priv, &priv_len),
		  -EBADMSG);
	CHECK(priv[0] == 0 && priv[KHSM_EC_SCALAR_MAX - 1] == 0);
	free(in);

	/* A public key is not a private one. */
	in = encode(k, SPKI_PEM, &len);
	CHECK_INT(khsm_ec_private_from_pkcs8(in, len, &type, priv, &priv_len),
		  -EBADMSG);
	free(in);
	EVP_PKEY_free(k);
}

static void private_p256(void)
{
	private_keys_of("P-256", KHSM_KEY_EC_P256, 32);
}

static void private_p384(void)
{
	private_keys_of("P-384", KHSM_KEY_EC_P384, 48);
}

static void public_keys_of(const char *curve, uint32_t want_type)
{
	uint8_t want[KHSM_PUBKEY_MAX], point[KHSM_PUBKEY_MAX];
	uint8_t priv[KHSM_EC_SCALAR_MAX];
	size_t want_len = 0, point_len, pem_len, der_len, len;
	uint8_t *pem = NULL, *der = NULL, *out;
	EVP_PKEY *k = EVP_EC_gen(curve);
	uint32_t type;

	CHECK(k);
	if (!k)
		return;
	raw(k, want_type == KHSM_KEY_EC_P256 ? 32 : 48, priv, want, &want_len);
	pem = encode(k, SPKI_PEM, &pem_len);
	der = encode(k, SPKI_DER, &der_len);
	CHECK(pem && der);
	if (!pem || !der)
		goto out;
	CHECK_INT(khsm_ec_point_from_spki(pem, pem_len, &type, point,
					  &point_len), 0);
	CHECK_INT(type, want_type);
	CHECK_INT(point_len, want_len);
	CHECK(!memcmp(point, want, want_len));
	CHECK_INT(khsm_ec_point_from_spki(der, der_len, &type, point,
					  &point_len), 0);
	CHECK(!memcmp(point, want, want_len));

	/* And back: the very bytes OpenSSL writes. */
	CHECK_INT(khsm_ec_spki_from_point(want_type, want, want_len, false,
					  &out, &len), 0);
	CHECK(len == der_len && !memcmp(out, der, len));
	free(out);
	CHECK_INT(khsm_ec_spki_from_point(want_type, want, want_len, true,
					  &out, &len), 0);
	CHECK(len == pem_len && !memcmp(out, pem, len));
	free(out);

	/* A point off the curve, of the other curve's length, or the type's. */
	want[want_len - 1] ^= 1;
	CHECK_INT(khsm_ec_spki_from_point(want_type, want, want_len, false,
					  &out, &len), -EINVAL);
	CHECK(!out && !len);
	want[want_len - 1] ^= 1;
	CHECK_INT(khsm_ec_spki_from_point(want_type, want, want_len - 1, false,
					  &out, &len), -EINVAL);
	want[0] = 0x02;
	CHECK_INT(khsm_ec_spki_from_point(want_type, want, want_len, false,
					  &out, &len), -EINVAL);
	CHECK_INT(khsm_ec_spki_from_point(KHSM_KEY_AES, want, want_len, false,
					  &out, &len), -EPROTONOSUPPORT);
	CHECK_INT(khsm_ec_spki_from_point(want_type, want, want_len, false,
					  NULL, &len), -EINVAL);

	/* Cut short, a byte after the DER, or no key at all. */
	CHECK_INT(khsm_ec_point_from_spki(der, der_len - 1, &type, point,
					  &point_len), -EBADMSG);
	out = malloc(der_len + 1);
	if (out) {
		memcpy(out, der, der_len);
		out[der_len] = 0;
		CHECK_INT(khsm_ec_point_from_spki(out, der_len + 1, &type,
						  point, &point_len), -EBADMSG);
		free(out);
	}
	CHECK_INT(khsm_ec_point_from_spki("garbage", 7, &type, point,
					  &point_len), -EBADMSG);
	CHECK_INT(khsm_ec_point_from_spki(pem, 0, &type, point, &point_len),
		  -EINVAL);
out:
	free(pem);
	free(der);
	EVP_PKEY_free(k);
}

static void public_p256(void)
{
	public_keys_of("P-256", KHSM_KEY_EC_P256);
}

static void public_p384(void)
{
	public_keys_of("P-384", KHSM_KEY_EC_P384);
}

/* A compressed point in the SPKI comes out uncompressed. */
static void compressed_point(void)
{
	uint8_t want[KHSM_PUBKEY_MAX], point[KHSM_PUBKEY_MAX];
	uint8_t priv[KHSM_EC_SCALAR_MAX];
	EVP_PKEY *k = EVP_EC_gen("P-256");
	size_t want_len = 0, point_len = 0, len;
	uint32_t type;
	uint8_t *der;

	CHECK(k);
	if (!k)
		return;
	raw(k, 32, priv, want, &want_len);
	CHECK(EVP_PKEY_set_utf8_string_param(k,
			OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
			"compressed"));
	der = encode(k, SPKI_DER, &len);
	CHECK(der && len < 80);
	CHECK_INT(khsm_ec_point_from_spki(der, len, &type, point, &point_len),
		  0);
	CHECK_INT(point_len, 65);
	CHECK(!memcmp(point, want, 65));
	free(der);
	EVP_PKEY_free(k);
}

/* Keys of other curves and algorithms are named as such. */
static void other_keys(void)
{
	EVP_PKEY *keys[2] = { EVP_EC_gen("secp256k1"),
			      EVP_PKEY_Q_keygen(NULL, NULL, "ED25519") };
	uint8_t priv[KHSM_EC_SCALAR_MAX], point[KHSM_PUBKEY_MAX];
	size_t i, len, n;
	uint32_t type;
	uint8_t *in;

	for (i = 0; i < UNIT_ARRAY_SIZE(keys); i++) {
		CHECK(keys[i]);
		if (!keys[i])
			continue;
		in = encode(keys[i], PKCS8_PEM, &len);
		CHECK_INT(khsm_ec_private_from_pkcs8(in, len, &type, priv, &n),
			  -EPROTONOSUPPORT);
		free(in);
		in = encode(keys[i], SPKI_DER, &len);
		CHECK_INT(khsm_ec_point_from_spki(in, len, &type, point, &n),
			  -EPROTONOSUPPORT);
		free(in);
		EVP_PKEY_free(keys[i]);
	}
	CHECK_INT(khsm_ec_private_from_pkcs8("-----BEGIN junk", 15, &type,
					     priv, &n), -EBADMSG);
	CHECK_INT(khsm_ec_private_from_pkcs8(NULL, 15, &type, priv, &n),
		  -EINVAL);
}

static const struct unit_test tests[] = {
	{ "P-256 private keys: PKCS#8 PEM and DER, SEC1", private_p256 },
	{ "P-384 private keys: PKCS#8 PEM and DER, SEC1", private_p384 },
	{ "P-256 public keys: SPKI to point and back", public_p256 },
	{ "P-384 public keys: SPKI to point and back", public_p384 },
	{ "a compressed point comes out uncompressed", compressed_point },
	{ "other curves and algorithms refused", other_keys },
};

UNIT_SUITE(eckey, tests);
