// SPDX-License-Identifier: GPL-2.0
/*
 * Known-answer tests of the kernel crypto khsm relies on, run at load
 * through the same crypto API calls the data path uses. They guard against
 * a broken or substituted implementation (a bad driver, a bad backport):
 * on failure the module stays loaded but refuses all work, and says why.
 */
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <crypto/algapi.h>
#include <crypto/hash.h>

#include "kcrypto.h"
#include "keys.h"
#include "ec.h"
#include "khsm.h"
#include "wrap.h"

/*
 * Testing aid: naming a test here flips a bit of its expected answer, so
 * the error state can be exercised on a healthy kernel. It can only make
 * the module refuse work, never weaken it.
 */
static char *selftest_fail;
module_param(selftest_fail, charp, 0444);
MODULE_PARM_DESC(selftest_fail,
		 "testing: make the named known-answer test fail (aes-256-gcm, hmac-sha256, hmac-sha384, hmac-sha512, aes-cmac, aes-kw or ecdsa-ecdh) to exercise the error state");

/* Wycheproof aes_gcm_test.json, tcId 101 */
static const u8 gcm_key[32] = {
	0xcd, 0xcc, 0xfe, 0x3f, 0x46, 0xd7, 0x82, 0xef, 0x47, 0xdf, 0x4e, 0x72,
	0xf0, 0xc0, 0x2d, 0x9c, 0x7f, 0x77, 0x4d, 0xef, 0x97, 0x0d, 0x23, 0x48,
	0x6f, 0x11, 0xa5, 0x7f, 0x54, 0x24, 0x7f, 0x17,
};

static const u8 gcm_iv[12] = {
	0x37, 0x61, 0x87, 0x89, 0x46, 0x05, 0xa8, 0xd4, 0x5e, 0x30, 0xde, 0x51,
};

static const u8 gcm_aad[8] = {
	0x95, 0x68, 0x46, 0xa2, 0x09, 0xe0, 0x87, 0xed,
};

static const u8 gcm_pt[20] = {
	0xe2, 0x8e, 0x0e, 0x9f, 0x9d, 0x22, 0x46, 0x3a, 0xc0, 0xe4,
	0x26, 0x39, 0xb5, 0x30, 0xf4, 0x21, 0x02, 0xfd, 0xed, 0x75,
};

/* ciphertext || tag */
static const u8 gcm_ct[36] = {
	0xfe, 0xca, 0x44, 0x95, 0x24, 0x47, 0x01, 0x5b, 0x5d, 0xf1,
	0xf4, 0x56, 0xdf, 0x8c, 0xa4, 0xbb, 0x4e, 0xee, 0x2c, 0xe2,
	0x08, 0x2e, 0x91, 0x92, 0x4d, 0xee, 0xb7, 0x78, 0x80, 0xe1,
	0xb1, 0xc8, 0x4f, 0x9b, 0x8d, 0x30,
};

/*
 * RFC 4231 test case 1. Not case 2: its 4-byte key is below the 112 bits
 * the kernel's hmac template accepts in FIPS mode (fips=1).
 */
static const u8 hmac_key[20] = {
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
};

static const u8 hmac_msg[] = "Hi There";
static const u8 hmac_mac[32] = {
	0xb0, 0x34, 0x4c, 0x61, 0xd8, 0xdb, 0x38, 0x53, 0x5c, 0xa8, 0xaf, 0xce,
	0xaf, 0x0b, 0xf1, 0x2b, 0x88, 0x1d, 0xc2, 0x00, 0xc9, 0x83, 0x3d, 0xa7,
	0x26, 0xe9, 0x37, 0x6c, 0x2e, 0x32, 0xcf, 0xf7,
};

/* RFC 4231 test case 1, as for hmac-sha256 */
static const u8 hmac384_mac[48] = {
	0xaf, 0xd0, 0x39, 0x44, 0xd8, 0x48, 0x95, 0x62, 0x6b, 0x08, 0x25, 0xf4,
	0xab, 0x46, 0x90, 0x7f, 0x15, 0xf9, 0xda, 0xdb, 0xe4, 0x10, 0x1e, 0xc6,
	0x82, 0xaa, 0x03, 0x4c, 0x7c, 0xeb, 0xc5, 0x9c, 0xfa, 0xea, 0x9e, 0xa9,
	0x07, 0x6e, 0xde, 0x7f, 0x4a, 0xf1, 0x52, 0xe8, 0xb2, 0xfa, 0x9c, 0xb6,
};

static const u8 hmac512_mac[64] = {
	0x87, 0xaa, 0x7c, 0xde, 0xa5, 0xef, 0x61, 0x9d, 0x4f, 0xf0, 0xb4, 0x24,
	0x1a, 0x1d, 0x6c, 0xb0, 0x23, 0x79, 0xf4, 0xe2, 0xce, 0x4e, 0xc2, 0x78,
	0x7a, 0xd0, 0xb3, 0x05, 0x45, 0xe1, 0x7c, 0xde, 0xda, 0xa8, 0x33, 0xb7,
	0xd6, 0xb8, 0xa7, 0x02, 0x03, 0x8b, 0x27, 0x4e, 0xae, 0xa3, 0xf4, 0xe4,
	0xbe, 0x9d, 0x91, 0x4e, 0xeb, 0x61, 0xf1, 0x70, 0x2e, 0x69, 0x6c, 0x20,
	0x3a, 0x12, 0x68, 0x54,
};

/* RFC 4493 example 2 */
static const u8 cmac_key[16] = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88,
	0x09, 0xcf, 0x4f, 0x3c,
};

static const u8 cmac_msg[16] = {
	0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96, 0xe9, 0x3d, 0x7e, 0x11,
	0x73, 0x93, 0x17, 0x2a,
};

static const u8 cmac_mac[16] = {
	0x07, 0x0a, 0x16, 0xb4, 0x6b, 0x4d, 0x41, 0x44, 0xf7, 0x9b, 0xdd, 0x9d,
	0xd0, 0x4a, 0x28, 0x7c,
};

struct kat {
	const char *name;
	int (*run)(const u8 *expect, const char **why);
	const u8 *expect;
	size_t expect_len;
};

static bool kat_forced_to_fail(const char *name)
{
	return selftest_fail && !strcmp(selftest_fail, name);
}

/*
 * The tests go through kcrypto.c, the code the world and card files use,
 * so they check the path that matters, not a copy of it.
 */
static int kat_gcm(const u8 *expect, const char **why)
{
	u8 out[sizeof(gcm_ct)], back[sizeof(gcm_pt)];
	int err;

	*why = "encryption failed";
	err = khsm_gcm_crypt(gcm_key, gcm_iv, gcm_aad, sizeof(gcm_aad), gcm_pt,
			     sizeof(gcm_pt), out, true);
	if (err)
		goto out;
	err = -EINVAL;
	*why = "ciphertext or tag mismatch";
	if (crypto_memneq(out, expect, sizeof(out)))
		goto out;
	*why = "decryption of the known answer failed";
	err = khsm_gcm_crypt(gcm_key, gcm_iv, gcm_aad, sizeof(gcm_aad), expect,
			     sizeof(gcm_ct), back, false);
	if (err)
		goto out;
	err = -EINVAL;
	*why = "decrypted plaintext mismatch";
	if (crypto_memneq(back, gcm_pt, sizeof(back)))
		goto out;
	/* A forged tag must be refused, not decrypted. */
	out[sizeof(out) - 1] ^= 1;
	err = khsm_gcm_crypt(gcm_key, gcm_iv, gcm_aad, sizeof(gcm_aad), out,
			     sizeof(out), back, false);
	*why = "a forged tag was accepted";
	err = err == -EBADMSG ? 0 : -EINVAL;
out:
	memzero_explicit(back, sizeof(back));
	return err;
}

static int kat_hmac(const u8 *expect, const char **why)
{
	const struct khsm_kdf_part msg = { hmac_msg, sizeof(hmac_msg) - 1 };
	u8 out[sizeof(hmac_mac)];
	int err;

	*why = "digest failed";
	err = khsm_hmac_sha256(hmac_key, sizeof(hmac_key), &msg, 1, out);
	if (!err && crypto_memneq(out, expect, sizeof(out))) {
		*why = "MAC mismatch";
		err = -EINVAL;
	}
	memzero_explicit(out, sizeof(out));
	return err;
}

/*
 * The wrap vectors live in wrap.c; the expected answer here is only a
 * token for selftest_fail to flip.
 */
static const u8 kat_wrap_token[1] = { 1 };

static int kat_wrap(const u8 *expect, const char **why)
{
	if (expect[0] != 1) {
		*why = "token mismatch (forced to fail)";
		return -EINVAL;
	}
	*why = "an RFC 3394/5649 vector failed (dmesg says which)";
	return khsm_wrap_selftest();
}

/*
 * The EC vectors live in ec.c, run through the functions the data path
 * calls; the expected answer here is only a token for selftest_fail to
 * flip.
 */
static const u8 kat_ec_token[1] = { 1 };

static int kat_ec(const u8 *expect, const char **why)
{
	if (expect[0] != 1) {
		*why = "token mismatch (forced to fail)";
		return -EINVAL;
	}
	*why = "an ECDSA or ECDH test failed (dmesg says which)";
	return khsm_ec_selftest();
}

/*
 * The MACs the data path offers besides HMAC-SHA256, through the same
 * transform names its keys are set up with (keys.c).
 */
static int kat_keyed_mac(u32 mech, const u8 *key, size_t key_len,
			 const u8 *msg, size_t msg_len, const u8 *expect,
			 size_t len, const char **why)
{
	struct crypto_shash *tfm;
	u8 out[HASH_MAX_DIGESTSIZE];
	int err;

	*why = "no such transform";
	tfm = crypto_alloc_shash(khsm_mac_alg(mech), 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	*why = "digest failed";
	err = crypto_shash_setkey(tfm, key, key_len) ?:
	      crypto_shash_tfm_digest(tfm, msg, msg_len, out);
	if (!err && (crypto_shash_digestsize(tfm) != len ||
		     crypto_memneq(out, expect, len))) {
		*why = "MAC mismatch";
		err = -EINVAL;
	}
	crypto_free_shash(tfm);
	memzero_explicit(out, sizeof(out));
	return err;
}

static int kat_hmac384(const u8 *expect, const char **why)
{
	return kat_keyed_mac(KHSM_MECH_HMAC_SHA384, hmac_key,
			     sizeof(hmac_key), hmac_msg,
			     sizeof(hmac_msg) - 1, expect,
			     sizeof(hmac384_mac), why);
}

static int kat_hmac512(const u8 *expect, const char **why)
{
	return kat_keyed_mac(KHSM_MECH_HMAC_SHA512, hmac_key,
			     sizeof(hmac_key), hmac_msg,
			     sizeof(hmac_msg) - 1, expect,
			     sizeof(hmac512_mac), why);
}

static int kat_cmac(const u8 *expect, const char **why)
{
	return kat_keyed_mac(KHSM_MECH_AES_CMAC, cmac_key, sizeof(cmac_key),
			     cmac_msg, sizeof(cmac_msg), expect,
			     sizeof(cmac_mac), why);
}

static const struct kat kats[] = {
	{ "aes-256-gcm", kat_gcm, gcm_ct, sizeof(gcm_ct) },
	{ "hmac-sha256", kat_hmac, hmac_mac, sizeof(hmac_mac) },
	{ "hmac-sha384", kat_hmac384, hmac384_mac, sizeof(hmac384_mac) },
	{ "hmac-sha512", kat_hmac512, hmac512_mac, sizeof(hmac512_mac) },
	{ "aes-cmac", kat_cmac, cmac_mac, sizeof(cmac_mac) },
	{ "aes-kw", kat_wrap, kat_wrap_token, 1 },
	{ "ecdsa-ecdh", kat_ec, kat_ec_token, sizeof(kat_ec_token) },
};

static int kat_run_one(const struct kat *kat, const char **why)
{
	u8 *expect;
	int err;

	expect = kmemdup(kat->expect, kat->expect_len, GFP_KERNEL);
	if (!expect)
		return -ENOMEM;
	if (kat_forced_to_fail(kat->name))
		expect[0] ^= 0x80;
	err = kat->run(expect, why);
	kfree(expect);
	return err;
}

/*
 * Returns 0 when every test passed, or the first failure's errno, and
 * records the outcome for GET_INFO. Init goes on either way: a module
 * loaded in its error state tells the administrator why, where one that
 * refused to load would leave only a line in dmesg.
 */
int khsm_selftest_run(void)
{
	char reason[128];
	const char *why;
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(kats); i++) {
		why = "internal error";
		err = kat_run_one(&kats[i], &why);
		if (err) {
			snprintf(reason, sizeof(reason),
				 "%s known-answer test: %s (%d)",
				 kats[i].name, why, err);
			pr_err("self-test failed: %s; refusing all work\n",
			       reason);
			khsm_selftest_set_result(KHSM_SELFTEST_FAILED, reason);
			return err;
		}
	}
	khsm_selftest_set_result(KHSM_SELFTEST_PASSED, NULL);
	return 0;
}
