// SPDX-License-Identifier: GPL-2.0
/*
 * Known-answer tests of the kernel crypto khsm relies on, run at load
 * through the same crypto API calls the data path uses. They guard against
 * a broken or substituted implementation (a bad driver, a bad backport):
 * on failure the module stays loaded but refuses all work, and says why.
 */
#include <crypto/aead.h>
#include <crypto/hash.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <crypto/algapi.h>

#include "khsm.h"

/*
 * Testing aid: naming a test here flips a bit of its expected answer, so
 * the error state can be exercised on a healthy kernel. It can only make
 * the module refuse work, never weaken it.
 */
static char *selftest_fail;
module_param(selftest_fail, charp, 0444);
MODULE_PARM_DESC(selftest_fail,
		 "testing: make the named known-answer test fail (aes-256-gcm or hmac-sha256) to exercise the error state");

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

/* RFC 4231 test case 2 */
static const u8 hmac_key[] = "Jefe";
static const u8 hmac_msg[] = "what do ya want for nothing?";
static const u8 hmac_mac[32] = {
	0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26,
	0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83,
	0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
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

/* Runs one GCM request in place on buf; the data path waits the same way. */
static int gcm_crypt(struct crypto_aead *tfm, u8 *buf, size_t aad_len,
		     size_t len, bool enc)
{
	DECLARE_CRYPTO_WAIT(wait);
	struct aead_request *req;
	struct scatterlist sg;
	u8 iv[sizeof(gcm_iv)];
	int err;

	req = aead_request_alloc(tfm, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	memcpy(iv, gcm_iv, sizeof(iv));
	sg_init_one(&sg, buf, aad_len + len + (enc ? 16 : 0));
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP |
				  CRYPTO_TFM_REQ_MAY_BACKLOG,
				  crypto_req_done, &wait);
	aead_request_set_ad(req, aad_len);
	aead_request_set_crypt(req, &sg, &sg, len, iv);
	err = crypto_wait_req(enc ? crypto_aead_encrypt(req) :
				    crypto_aead_decrypt(req), &wait);
	aead_request_free(req);
	return err;
}

static int kat_gcm(const u8 *expect, const char **why)
{
	const size_t aad = sizeof(gcm_aad), pt = sizeof(gcm_pt);
	const size_t buf_len = sizeof(gcm_aad) + sizeof(gcm_ct);
	struct crypto_aead *tfm;
	u8 *buf;
	int err;

	*why = "cannot allocate gcm(aes)";
	tfm = crypto_alloc_aead("gcm(aes)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	/* Scatterlists need linear memory: never the (vmapped) stack. */
	buf = kmalloc(buf_len, GFP_KERNEL);
	err = -ENOMEM;
	*why = "out of memory";
	if (!buf)
		goto out;
	err = crypto_aead_setkey(tfm, gcm_key, sizeof(gcm_key)) ?:
	      crypto_aead_setauthsize(tfm, 16);
	*why = "cannot set key";
	if (err)
		goto out;

	memcpy(buf, gcm_aad, aad);
	memcpy(buf + aad, gcm_pt, pt);
	err = gcm_crypt(tfm, buf, aad, pt, true);
	*why = "encryption failed";
	if (err)
		goto out;
	err = -EINVAL;
	*why = "ciphertext or tag mismatch";
	if (crypto_memneq(buf + aad, expect, sizeof(gcm_ct)))
		goto out;

	err = gcm_crypt(tfm, buf, aad, sizeof(gcm_ct), false);
	*why = "decryption of the known answer failed";
	if (err)
		goto out;
	err = -EINVAL;
	*why = "decrypted plaintext mismatch";
	if (crypto_memneq(buf + aad, gcm_pt, pt))
		goto out;

	/* A forged tag must be refused, not decrypted. */
	memcpy(buf + aad, expect, sizeof(gcm_ct));
	buf[buf_len - 1] ^= 1;
	err = gcm_crypt(tfm, buf, aad, sizeof(gcm_ct), false);
	*why = "a forged tag was accepted";
	err = err == -EBADMSG ? 0 : -EINVAL;
out:
	kfree_sensitive(buf);
	crypto_free_aead(tfm);
	return err;
}

static int kat_hmac(const u8 *expect, const char **why)
{
	u8 out[sizeof(hmac_mac)];
	struct crypto_shash *tfm;
	int err;

	*why = "cannot allocate hmac(sha256)";
	tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	*why = "cannot set key";
	err = crypto_shash_setkey(tfm, hmac_key, sizeof(hmac_key) - 1);
	if (err)
		goto out;
	*why = "digest failed";
	err = crypto_shash_tfm_digest(tfm, hmac_msg, sizeof(hmac_msg) - 1, out);
	if (err)
		goto out;
	*why = "MAC mismatch";
	err = crypto_memneq(out, expect, sizeof(out)) ? -EINVAL : 0;
out:
	memzero_explicit(out, sizeof(out));
	crypto_free_shash(tfm);
	return err;
}

static const struct kat kats[] = {
	{ "aes-256-gcm", kat_gcm, gcm_ct, sizeof(gcm_ct) },
	{ "hmac-sha256", kat_hmac, hmac_mac, sizeof(hmac_mac) },
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
