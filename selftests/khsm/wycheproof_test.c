// SPDX-License-Identifier: GPL-2.0
/*
 * Wycheproof vectors through the real key path: each key is imported with
 * KHSM_CMD_KEY_IMPORT over raw netlink, loaded with KHSM_IOC_LOAD and used
 * with KHSM_IOC_OP. "valid" vectors must pass, "invalid" ones must be
 * rejected, "acceptable" ones may go either way (but a result, when there
 * is one, must be right). Vectors outside a mechanism's parameters are
 * counted as skipped, and the module must refuse them rather than compute
 * something. One test per file; each prints a summary line.
 *
 * The vectors come from $KHSM_TESTDATA, else ../shared/testdata/wycheproof
 * next to the repository top ($KHSM_TOP, or found from this program's
 * path). Without them every test is skipped.
 *
 * Runs as root in the guest with khsm.ko loaded; makes its own world.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/x509.h>
#include <linux/khsm.h>

#include "kselftest_harness.h"
#include "keyutil.h"

/* Failures logged per file before the rest are only counted. */
#define MAX_LOGGED 60

struct tally {
	unsigned int valid, invalid, acceptable, skipped, failed, logged;
};

static void testdata_dir(char *out, size_t size)
{
	const char *env = getenv("KHSM_TESTDATA");
	char exe[PATH_MAX], *p;
	ssize_t n;
	int i;

	if (env && *env) {
		snprintf(out, size, "%s", env);
		return;
	}
	env = getenv("KHSM_TOP");
	if (env && *env) {
		snprintf(out, size, "%s/../shared/testdata/wycheproof", env);
		return;
	}
	/* <top>/build/selftests/wycheproof_test */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0) {
		snprintf(out, size, "../shared/testdata/wycheproof");
		return;
	}
	exe[n] = '\0';
	for (i = 0; i < 3 && (p = strrchr(exe, '/')); i++)
		*p = '\0';
	if (snprintf(out, size, "%s/../shared/testdata/wycheproof", exe) >=
	    (int)size)
		snprintf(out, size, "../shared/testdata/wycheproof");
}

FIXTURE(wy) {
	struct nlraw nl;
	int fd;
	int have_data;
	char dir[PATH_MAX];
	json_object *root;
};

FIXTURE_SETUP(wy)
{
	struct stat st;

	self->fd = -1;
	self->nl.fd = -1;
	testdata_dir(self->dir, sizeof(self->dir));
	self->have_data = stat(self->dir, &st) == 0 && S_ISDIR(st.st_mode);
	if (!self->have_data)
		return;
	ASSERT_EQ(0, nlraw_open(&self->nl, KHSM_GENL_NAME));
	ASSERT_EQ(0, ku_world_fresh(&self->nl, NULL))
		TH_LOG("world: %s", self->nl.extack);
	self->fd = ku_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", KU_DEV, strerror(errno));
}

FIXTURE_TEARDOWN(wy)
{
	if (self->root)
		json_object_put(self->root);
	if (self->fd >= 0)
		close(self->fd);
	if (self->nl.fd >= 0) {
		ku_world_unload(&self->nl);
		nlraw_close(&self->nl);
	}
}

/* The file's testGroups array, or NULL (then the caller skips). */
static json_object *open_vectors(FIXTURE_DATA(wy) *self, const char *name,
				 char *why, size_t why_size)
{
	char path[PATH_MAX + 64];
	json_object *groups;

	if (!self->have_data) {
		snprintf(why, why_size,
			 "no Wycheproof vectors at %s (set KHSM_TESTDATA)",
			 self->dir);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/%s", self->dir, name);
	self->root = json_object_from_file(path);
	if (!self->root) {
		snprintf(why, why_size, "cannot read %s: %s", path,
			 json_util_get_last_err());
		return NULL;
	}
	if (!json_object_object_get_ex(self->root, "testGroups", &groups) ||
	    !json_object_is_type(groups, json_type_array)) {
		snprintf(why, why_size, "%s: no testGroups", path);
		return NULL;
	}
	return groups;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static int jint(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return -1;
	return json_object_get_int(v);
}

/* A hex member, decoded (a 1-byte buffer for ""). Never NULL on success. */
static unsigned char *jhex(json_object *o, const char *key, size_t *len)
{
	const char *s = jstr(o, key);

	*len = 0;
	return s ? ku_unhex(s, len) : NULL;
}

enum result { R_VALID, R_INVALID, R_ACCEPTABLE };

static enum result jresult(json_object *t)
{
	const char *r = jstr(t, "result");

	if (r && !strcmp(r, "valid"))
		return R_VALID;
	if (r && !strcmp(r, "acceptable"))
		return R_ACCEPTABLE;
	return R_INVALID;
}

static const char *const result_name[] = { "valid", "invalid", "acceptable" };

#define FOR_EACH_TEST(groups, g, tests, t, gi, ti)			\
	for (gi = 0; gi < json_object_array_length(groups) &&		\
	     (g = json_object_array_get_idx(groups, gi)) &&		\
	     json_object_object_get_ex(g, "tests", &tests); gi++)	\
		for (ti = 0; ti < json_object_array_length(tests) &&	\
		     (t = json_object_array_get_idx(tests, ti)); ti++)

/* One vector's failure, named by its tcId. */
#define VFAIL(tl, t, fmt, ...) do {					\
	(tl)->failed++;							\
	if ((tl)->logged++ < MAX_LOGGED)				\
		TH_LOG("tcId %d (%s, %s): " fmt, jint(t, "tcId"),	\
		       result_name[jresult(t)], jstr(t, "comment"),	\
		       ##__VA_ARGS__);					\
} while (0)

static void summary(struct __test_metadata *_metadata, const char *what,
		    const struct tally *tl, const char *extra)
{
	ksft_print_msg("%s: %u valid passed, %u invalid rejected, %u acceptable, %u skipped%s%s\n",
		       what, tl->valid, tl->invalid, tl->acceptable,
		       tl->skipped, extra ? "; " : "", extra ? extra : "");
	if (tl->failed)
		ksft_print_msg("%s: %u vectors FAILED\n", what, tl->failed);
	fflush(stdout);
	EXPECT_EQ(0, tl->failed);
}

/* Imports @s and loads it; 0 or the errno. */
static int import_load(FIXTURE_DATA(wy) *self, const struct ku_keyspec *s,
		       uint64_t *handle)
{
	struct ku_blob *b = malloc(sizeof(*b));
	int err;

	if (!b)
		return ENOMEM;
	err = ku_key_import(&self->nl, s, b);
	if (!err)
		err = ku_load(self->fd, b->data, b->len, 0, handle);
	free(b);
	return err;
}

static const unsigned char empty[1];

/* --- ECDSA verify --- */

static void run_ecdsa(struct __test_metadata *_metadata,
		      FIXTURE_DATA(wy) *self, const char *file,
		      const char *what, uint32_t type, uint32_t mech,
		      size_t point_len)
{
	json_object *groups, *g, *tests, *t, *pk;
	struct tally tl = { 0 };
	struct ku_keyspec s;
	struct khsm_ioc_op op;
	unsigned char *pub, *msg, *sig;
	size_t gi, ti, pub_len, msg_len, sig_len;
	uint64_t h;
	char why[PATH_MAX + 128];
	int err, gerr;
	enum result r;

	groups = open_vectors(self, file, why, sizeof(why));
	if (!groups)
		SKIP(return, "%.900s", why);
	for (gi = 0; gi < json_object_array_length(groups); gi++) {
		g = json_object_array_get_idx(groups, gi);
		if (!json_object_object_get_ex(g, "tests", &tests))
			continue;
		pub = NULL;
		pub_len = 0;
		if (json_object_object_get_ex(g, "publicKey", &pk))
			pub = jhex(pk, "uncompressed", &pub_len);
		h = 0;
		if (!pub || pub_len != point_len) {
			gerr = EINVAL;
			TH_LOG("group %zu: no %zu-byte uncompressed key", gi,
			       point_len);
		} else {
			s = ku_spec(type, BIT(KHSM_OP_VERIFY), BIT(mech), 0);
			s.pub = pub;
			s.pub_len = pub_len;
			gerr = import_load(self, &s, &h);
			if (gerr)
				TH_LOG("group %zu: import/load: %s (%s)", gi,
				       strerror(gerr), self->nl.extack);
		}
		free(pub);
		for (ti = 0; ti < json_object_array_length(tests); ti++) {
			t = json_object_array_get_idx(tests, ti);
			r = jresult(t);
			if (gerr) {
				VFAIL(&tl, t, "key not usable");
				continue;
			}
			msg = jhex(t, "msg", &msg_len);
			sig = jhex(t, "sig", &sig_len);
			if (!msg || !sig) {
				VFAIL(&tl, t, "bad hex in the vector");
				free(msg);
				free(sig);
				continue;
			}
			ku_op_init(&op, h, KHSM_OP_VERIFY, mech);
			ku_op_io(&op, msg_len ? msg : empty, msg_len, NULL, 0);
			op.aux_uptr = (uintptr_t)(sig_len ? sig : empty);
			op.aux_len = sig_len;
			err = ku_op(self->fd, &op);
			if (r == R_VALID) {
				if (err)
					VFAIL(&tl, t, "verify: %s, want success",
					      strerror(err));
				else
					tl.valid++;
			} else if (err == EBADMSG || err == EINVAL) {
				if (r == R_INVALID)
					tl.invalid++;
				else
					tl.acceptable++;
			} else if (!err && r == R_ACCEPTABLE) {
				tl.acceptable++;
			} else {
				VFAIL(&tl, t, "verify: %s, want EBADMSG or EINVAL",
				      err ? strerror(err) : "success");
			}
			free(msg);
			free(sig);
		}
		if (h)
			ku_destroy(self->fd, h);
	}
	summary(_metadata, what, &tl, NULL);
}

TEST_F_TIMEOUT(wy, ecdsa_secp256r1_sha256, 300)
{
	run_ecdsa(_metadata, self, "ecdsa_secp256r1_sha256_test.json",
		  "ecdsa p256", KHSM_KEY_EC_P256, KHSM_MECH_ECDSA_P256_SHA256, 65);
}

TEST_F_TIMEOUT(wy, ecdsa_secp384r1_sha384, 400)
{
	run_ecdsa(_metadata, self, "ecdsa_secp384r1_sha384_test.json",
		  "ecdsa p384", KHSM_KEY_EC_P384, KHSM_MECH_ECDSA_P384_SHA384, 97);
}

/* --- AES-GCM --- */

TEST_F_TIMEOUT(wy, aes_gcm, 200)
{
	json_object *groups, *g, *tests, *t;
	struct tally tl = { 0 };
	struct ku_keyspec s;
	struct khsm_ioc_op op;
	unsigned char *key, *iv, *aad, *msg, *ct, *tag, *ctt, *out;
	size_t gi, ti, key_len, iv_len, aad_len, msg_len, ct_len, tag_len;
	unsigned int unsupported = 0, refused_enc = 0, refused_dec = 0;
	char why[PATH_MAX + 128], extra[160];
	int iv_bits, tag_bits, err;
	uint64_t h;
	enum result r;

	groups = open_vectors(self, "aes_gcm_test.json", why, sizeof(why));
	if (!groups)
		SKIP(return, "%.900s", why);
	FOR_EACH_TEST(groups, g, tests, t, gi, ti) {
		iv_bits = jint(g, "ivSize");
		tag_bits = jint(g, "tagSize");
		r = jresult(t);
		key = jhex(t, "key", &key_len);
		iv = jhex(t, "iv", &iv_len);
		aad = jhex(t, "aad", &aad_len);
		msg = jhex(t, "msg", &msg_len);
		ct = jhex(t, "ct", &ct_len);
		tag = jhex(t, "tag", &tag_len);
		ctt = malloc(ct_len + tag_len + 1);
		out = malloc(ct_len + tag_len + 16);
		if (!key || !iv || !aad || !msg || !ct || !tag || !ctt || !out) {
			VFAIL(&tl, t, "bad vector");
			goto next;
		}
		memcpy(ctt, ct, ct_len);
		memcpy(ctt + ct_len, tag, tag_len);

		s = ku_spec(KHSM_KEY_AES,
			    BIT(KHSM_OP_ENCRYPT) | BIT(KHSM_OP_DECRYPT),
			    BIT(KHSM_MECH_AES_GCM), KHSM_ACL_F_CALLER_IV);
		s.secret = key;
		s.secret_len = key_len;
		err = import_load(self, &s, &h);
		if (err) {
			VFAIL(&tl, t, "%zu-byte key: import/load %s (%s)",
			      key_len, strerror(err), self->nl.extack);
			goto next;
		}

		if (iv_bits != 96 || tag_bits != 128) {
			/* Outside the mechanism: the module must say EINVAL. */
			tl.skipped++;
			unsupported++;
			ku_op_init(&op, h, KHSM_OP_ENCRYPT, KHSM_MECH_AES_GCM);
			op.flags = KHSM_OP_F_CALLER_IV;
			ku_op_io(&op, msg_len ? msg : empty, msg_len, out,
				 ct_len + tag_len + 16);
			op.iv_uptr = (uintptr_t)(iv_len ? iv : empty);
			op.iv_len = iv_len;
			op.aad_uptr = (uintptr_t)(aad_len ? aad : empty);
			op.aad_len = aad_len;
			err = ku_op(self->fd, &op);
			if (err == EINVAL)
				refused_enc++;
			else
				VFAIL(&tl, t, "encrypt with a %d-bit IV: %s, want EINVAL",
				      iv_bits, err ? strerror(err) : "accepted");
			ku_op_init(&op, h, KHSM_OP_DECRYPT, KHSM_MECH_AES_GCM);
			ku_op_io(&op, ctt, ct_len + tag_len, out,
				 ct_len + tag_len + 16);
			op.iv_uptr = (uintptr_t)(iv_len ? iv : empty);
			op.iv_len = iv_len;
			op.aad_uptr = (uintptr_t)(aad_len ? aad : empty);
			op.aad_len = aad_len;
			err = ku_op(self->fd, &op);
			if (err == EINVAL)
				refused_dec++;
			else
				VFAIL(&tl, t, "decrypt with a %d-bit IV: %s, want EINVAL",
				      iv_bits, err ? strerror(err) : "accepted");
			ku_destroy(self->fd, h);
			goto next;
		}

		if (r != R_INVALID) {
			ku_op_init(&op, h, KHSM_OP_ENCRYPT, KHSM_MECH_AES_GCM);
			op.flags = KHSM_OP_F_CALLER_IV;
			ku_op_io(&op, msg_len ? msg : empty, msg_len, out,
				 ct_len + tag_len + 16);
			op.iv_uptr = (uintptr_t)iv;
			op.iv_len = iv_len;
			op.aad_uptr = (uintptr_t)(aad_len ? aad : empty);
			op.aad_len = aad_len;
			err = ku_op(self->fd, &op);
			if (err)
				VFAIL(&tl, t, "encrypt: %s", strerror(err));
			else if (op.out_len != ct_len + tag_len ||
				 memcmp(out, ctt, ct_len + tag_len))
				VFAIL(&tl, t, "encrypt: ct||tag differs (%u bytes)",
				      op.out_len);
		}

		memset(out, 0xAA, ct_len + tag_len + 16);
		ku_op_init(&op, h, KHSM_OP_DECRYPT, KHSM_MECH_AES_GCM);
		ku_op_io(&op, ctt, ct_len + tag_len, out, ct_len + tag_len + 16);
		op.iv_uptr = (uintptr_t)iv;
		op.iv_len = iv_len;
		op.aad_uptr = (uintptr_t)(aad_len ? aad : empty);
		op.aad_len = aad_len;
		err = ku_op(self->fd, &op);
		if (r == R_INVALID) {
			size_t i;

			if (err != EBADMSG) {
				VFAIL(&tl, t, "decrypt: %s, want EBADMSG",
				      err ? strerror(err) : "success");
			} else {
				for (i = 0; i < ct_len + tag_len + 16; i++)
					if (out[i] != 0xAA)
						break;
				if (i < ct_len + tag_len + 16)
					VFAIL(&tl, t, "decrypt wrote plaintext although the tag was wrong");
				else
					tl.invalid++;
			}
		} else if (err) {
			VFAIL(&tl, t, "decrypt: %s", strerror(err));
		} else if (op.out_len != msg_len ||
			   (msg_len && memcmp(out, msg, msg_len))) {
			VFAIL(&tl, t, "decrypt: plaintext differs");
		} else if (r == R_VALID) {
			tl.valid++;
		} else {
			tl.acceptable++;
		}
		ku_destroy(self->fd, h);
next:
		free(key); free(iv); free(aad); free(msg); free(ct); free(tag);
		free(ctt); free(out);
	}
	snprintf(extra, sizeof(extra),
		 "%u outside the mechanism (IV not 96 bits or tag not 128): encrypt refused %u, decrypt refused %u",
		 unsupported, refused_enc, refused_dec);
	summary(_metadata, "aes-gcm", &tl, extra);
}

/* --- MACs: HMAC-SHA256 and AES-CMAC --- */

/*
 * MAC_GENERATE and MAC_VERIFY with @h. Full-length tags are compared with
 * MAC_GENERATE's output and checked with MAC_VERIFY; a truncated tag goes
 * through MAC_VERIFY only, when *trunc says the module takes them.
 * Returns 1 if the vector counts as skipped.
 */
static int mac_vector(struct __test_metadata *_metadata, int fd, uint64_t h,
		      uint32_t mech, size_t full, json_object *t,
		      struct tally *tl, int *trunc, unsigned int *trunc_skipped)
{
	struct khsm_ioc_op op;
	unsigned char *msg, *tag, out[64];
	size_t msg_len, tag_len;
	enum result r = jresult(t);
	int err, skipped = 0;

	msg = jhex(t, "msg", &msg_len);
	tag = jhex(t, "tag", &tag_len);
	if (!msg || !tag) {
		VFAIL(tl, t, "bad vector");
		goto out;
	}
	if (tag_len == full) {
		ku_op_init(&op, h, KHSM_OP_MAC_GENERATE, mech);
		ku_op_io(&op, msg_len ? msg : empty, msg_len, out, sizeof(out));
		err = ku_op(fd, &op);
		if (err) {
			VFAIL(tl, t, "mac-generate: %s", strerror(err));
			goto out;
		}
		if (op.out_len != full) {
			VFAIL(tl, t, "mac-generate gave %u bytes, want %zu",
			      op.out_len, full);
			goto out;
		}
		if (r == R_VALID && memcmp(out, tag, full)) {
			VFAIL(tl, t, "MAC differs");
			goto out;
		}
		if (r == R_INVALID && !memcmp(out, tag, full)) {
			VFAIL(tl, t, "MAC matches an invalid tag");
			goto out;
		}
	} else if (*trunc == 0) {
		(*trunc_skipped)++;
		tl->skipped++;
		skipped = 1;
		goto out;
	}
	ku_op_init(&op, h, KHSM_OP_MAC_VERIFY, mech);
	ku_op_io(&op, msg_len ? msg : empty, msg_len, NULL, 0);
	op.aux_uptr = (uintptr_t)tag;
	op.aux_len = tag_len;
	err = ku_op(fd, &op);
	if (tag_len != full && *trunc < 0) {
		/* The first truncated tag decides whether they are offered. */
		if (err == EINVAL || err == EMSGSIZE) {
			ksft_print_msg("%zu-byte tags: mac-verify says %s: truncated tags skipped\n",
				       tag_len, strerror(err));
			fflush(stdout);
			*trunc = 0;
			(*trunc_skipped)++;
			tl->skipped++;
			skipped = 1;
			goto out;
		}
		*trunc = 1;
	}
	if (r == R_VALID && err)
		VFAIL(tl, t, "mac-verify: %s, want success", strerror(err));
	else if (r == R_INVALID && err != EBADMSG)
		VFAIL(tl, t, "mac-verify: %s, want EBADMSG",
		      err ? strerror(err) : "success");
	else if (r == R_VALID)
		tl->valid++;
	else if (r == R_INVALID)
		tl->invalid++;
	else
		tl->acceptable++;
out:
	free(msg);
	free(tag);
	return skipped;
}

TEST_F_TIMEOUT(wy, hmac_sha256, 120)
{
	json_object *groups, *g, *tests, *t;
	struct tally tl = { 0 };
	struct ku_keyspec s;
	unsigned char *key;
	size_t gi, ti, key_len;
	unsigned int trunc_skipped = 0;
	int trunc = -1, err;
	char why[PATH_MAX + 128], extra[128];
	uint64_t h;

	groups = open_vectors(self, "hmac_sha256_test.json", why, sizeof(why));
	if (!groups)
		SKIP(return, "%.900s", why);
	FOR_EACH_TEST(groups, g, tests, t, gi, ti) {
		key = jhex(t, "key", &key_len);
		if (!key) {
			VFAIL(&tl, t, "bad key hex");
			continue;
		}
		s = ku_spec(KHSM_KEY_HMAC,
			    BIT(KHSM_OP_MAC_GENERATE) | BIT(KHSM_OP_MAC_VERIFY),
			    BIT(KHSM_MECH_HMAC_SHA256), 0);
		s.secret = key;
		s.secret_len = key_len;
		err = import_load(self, &s, &h);
		free(key);
		if (err) {
			VFAIL(&tl, t, "%zu-byte key: import/load %s (%s)",
			      key_len, strerror(err), self->nl.extack);
			continue;
		}
		mac_vector(_metadata, self->fd, h, KHSM_MECH_HMAC_SHA256, 32, t,
			   &tl, &trunc, &trunc_skipped);
		ku_destroy(self->fd, h);
	}
	snprintf(extra, sizeof(extra), "truncated tags %s, %u skipped",
		 trunc > 0 ? "verified" : "not offered", trunc_skipped);
	summary(_metadata, "hmac-sha256", &tl, extra);
}

TEST_F_TIMEOUT(wy, aes_cmac, 120)
{
	json_object *groups, *g, *tests, *t;
	struct tally tl = { 0 };
	struct ku_keyspec s;
	unsigned char *key;
	size_t gi, ti, key_len;
	unsigned int trunc_skipped = 0, bad_keys = 0;
	int trunc = -1, err;
	char why[PATH_MAX + 128], extra[128];
	uint64_t h;

	groups = open_vectors(self, "aes_cmac_test.json", why, sizeof(why));
	if (!groups)
		SKIP(return, "%.900s", why);
	FOR_EACH_TEST(groups, g, tests, t, gi, ti) {
		key = jhex(t, "key", &key_len);
		if (!key) {
			VFAIL(&tl, t, "bad key hex");
			continue;
		}
		s = ku_spec(KHSM_KEY_AES,
			    BIT(KHSM_OP_MAC_GENERATE) | BIT(KHSM_OP_MAC_VERIFY),
			    BIT(KHSM_MECH_AES_CMAC), 0);
		s.secret = key;
		s.secret_len = key_len;
		s.has_secret = 1;
		if (key_len != 16 && key_len != 24 && key_len != 32) {
			/* Not an AES key: refused at import. */
			err = ku_key_import(&self->nl, &s, NULL);
			free(key);
			if (err != EINVAL) {
				VFAIL(&tl, t, "import of a %zu-byte AES key: %s, want EINVAL",
				      key_len, err ? strerror(err) : "accepted");
			} else {
				bad_keys++;
				if (jresult(t) == R_VALID)
					VFAIL(&tl, t, "valid vector with a %zu-byte key",
					      key_len);
				else
					tl.invalid++;
			}
			continue;
		}
		err = import_load(self, &s, &h);
		free(key);
		if (err) {
			VFAIL(&tl, t, "%zu-byte key: import/load %s (%s)",
			      key_len, strerror(err), self->nl.extack);
			continue;
		}
		mac_vector(_metadata, self->fd, h, KHSM_MECH_AES_CMAC, 16, t,
			   &tl, &trunc, &trunc_skipped);
		ku_destroy(self->fd, h);
	}
	snprintf(extra, sizeof(extra),
		 "%u keys of a size AES does not have refused at import; %u truncated skipped",
		 bad_keys, trunc_skipped);
	summary(_metadata, "aes-cmac", &tl, extra);
}

/* --- AES key wrap (RFC 3394) --- */

/* The type a key of @len bytes is imported or unwrapped as; 0: none. */
static uint32_t wrap_target_type(size_t len)
{
	if (len == 16 || len == 24 || len == 32)
		return KHSM_KEY_AES;
	if (len >= 16 && len <= KHSM_HMAC_KEY_MAX)
		return KHSM_KEY_HMAC;
	return 0;
}

static struct khsm_acl target_acl(uint32_t type)
{
	struct khsm_acl acl;

	memset(&acl, 0, sizeof(acl));
	acl.flags = KHSM_ACL_F_WRAPPABLE;
	if (type == KHSM_KEY_AES) {
		acl.ops = BIT(KHSM_OP_ENCRYPT);
		acl.mechs = BIT(KHSM_MECH_AES_GCM);
	} else {
		acl.ops = BIT(KHSM_OP_MAC_GENERATE);
		acl.mechs = BIT(KHSM_MECH_HMAC_SHA256);
	}
	return acl;
}

static int wrap(int fd, uint64_t kek, uint64_t key, unsigned char *out,
		size_t room, size_t *out_len)
{
	struct khsm_ioc_op op;
	int err;

	ku_op_init(&op, kek, KHSM_OP_WRAP, KHSM_MECH_AES_KW);
	ku_op_io(&op, NULL, 0, out, room);
	op.key2 = key;
	err = ku_op(fd, &op);
	*out_len = op.out_len;
	return err;
}

static int unwrap(int fd, uint64_t kek, const unsigned char *ct,
		  size_t ct_len, uint32_t type, uint64_t *handle)
{
	struct khsm_acl acl = target_acl(type);

	*handle = 0;
	return ku_unwrap(fd, kek, KHSM_MECH_AES_KW, ct_len ? ct : empty,
			 ct_len, type, &acl, handle);
}

TEST_F_TIMEOUT(wy, aes_wrap, 120)
{
	json_object *groups, *g, *tests, *t;
	struct tally tl = { 0 };
	struct ku_keyspec s;
	unsigned char *key, *msg, *ct, out[512];
	size_t gi, ti, key_len, msg_len, ct_len, out_len;
	unsigned int no_type = 0, wrap_refused = 0;
	uint64_t kek, target, fresh;
	uint32_t type, utype;
	char why[PATH_MAX + 128], extra[160];
	enum result r;
	int err;

	groups = open_vectors(self, "aes_wrap_test.json", why, sizeof(why));
	if (!groups)
		SKIP(return, "%.900s", why);
	FOR_EACH_TEST(groups, g, tests, t, gi, ti) {
		r = jresult(t);
		key = jhex(t, "key", &key_len);
		msg = jhex(t, "msg", &msg_len);
		ct = jhex(t, "ct", &ct_len);
		kek = target = fresh = 0;
		if (!key || !msg || !ct) {
			VFAIL(&tl, t, "bad vector");
			goto next;
		}
		s = ku_spec(KHSM_KEY_AES,
			    BIT(KHSM_OP_WRAP) | BIT(KHSM_OP_UNWRAP),
			    BIT(KHSM_MECH_AES_KW), 0);
		s.secret = key;
		s.secret_len = key_len;
		err = import_load(self, &s, &kek);
		if (err) {
			VFAIL(&tl, t, "KEK import/load: %s (%s)", strerror(err),
			      self->nl.extack);
			goto next;
		}
		type = wrap_target_type(msg_len);

		if (r == R_INVALID) {
			/* A key of a length AES-KW cannot take: WRAP refuses it. */
			if (type && msg_len % 8) {
				s = ku_spec(type, 0, 0, 0);
				s.acl = target_acl(type);
				s.secret = msg;
				s.secret_len = msg_len;
				err = import_load(self, &s, &target);
				if (err) {
					VFAIL(&tl, t, "import of the %zu-byte key: %s",
					      msg_len, strerror(err));
					goto next;
				}
				err = wrap(self->fd, kek, target, out,
					   sizeof(out), &out_len);
				if (err != EINVAL) {
					VFAIL(&tl, t, "AES-KW wrap of a %zu-byte key: %s, want EINVAL",
					      msg_len, err ? strerror(err) : "accepted");
					goto next;
				}
				wrap_refused++;
			}
			utype = ct_len > 8 ? wrap_target_type(ct_len - 8) : 0;
			err = unwrap(self->fd, kek, ct, ct_len,
				     utype ? utype : KHSM_KEY_HMAC, &fresh);
			if (err == EBADMSG || err == EINVAL)
				tl.invalid++;
			else
				VFAIL(&tl, t, "unwrap: %s, want EBADMSG or EINVAL",
				      err ? strerror(err) : "success");
			goto next;
		}

		if (!type) {
			/* No key type holds msg: outside what a handle can be. */
			no_type++;
			tl.skipped++;
			goto next;
		}
		s = ku_spec(type, 0, 0, 0);
		s.acl = target_acl(type);
		s.secret = msg;
		s.secret_len = msg_len;
		err = import_load(self, &s, &target);
		if (err) {
			VFAIL(&tl, t, "import of the %zu-byte key: %s (%s)",
			      msg_len, strerror(err), self->nl.extack);
			goto next;
		}
		err = wrap(self->fd, kek, target, out, sizeof(out), &out_len);
		if (err) {
			VFAIL(&tl, t, "wrap: %s", strerror(err));
			goto next;
		}
		if (out_len != ct_len || memcmp(out, ct, ct_len)) {
			VFAIL(&tl, t, "wrap output differs (%zu bytes)", out_len);
			goto next;
		}
		err = unwrap(self->fd, kek, ct, ct_len, type, &fresh);
		if (err) {
			VFAIL(&tl, t, "unwrap: %s", strerror(err));
			goto next;
		}
		err = wrap(self->fd, kek, fresh, out, sizeof(out), &out_len);
		if (err || out_len != ct_len || memcmp(out, ct, ct_len)) {
			VFAIL(&tl, t, "the unwrapped key wraps back to something else (%s)",
			      err ? strerror(err) : "differs");
			goto next;
		}
		if (r == R_VALID)
			tl.valid++;
		else
			tl.acceptable++;
next:
		if (fresh)
			ku_destroy(self->fd, fresh);
		if (target)
			ku_destroy(self->fd, target);
		if (kek)
			ku_destroy(self->fd, kek);
		free(key); free(msg); free(ct);
	}
	snprintf(extra, sizeof(extra),
		 "%u with a key no handle type holds, %u non-multiple-of-8 keys refused by wrap",
		 no_type, wrap_refused);
	summary(_metadata, "aes-kw", &tl, extra);
}

/* --- ECDH on P-256 --- */

/* A named-curve P-256 SubjectPublicKeyInfo with an uncompressed point. */
static const unsigned char p256_spki_prefix[] = {
	0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
	0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03,
	0x42, 0x00, 0x04,
};

enum spki { SPKI_POINT, SPKI_RAW_POINT, SPKI_REJECTED };

/*
 * The uncompressed P-256 point of a DER SubjectPublicKeyInfo. SPKI_POINT:
 * OpenSSL decoded it, with the named curve P-256 (explicit curve parameters
 * are refused: OpenSSL maps some modified ones to P-256, and the module
 * only ever sees the point). SPKI_RAW_POINT: OpenSSL refused it although
 * it has the exact named-curve uncompressed form, so the point itself is
 * bad (off the curve): it is handed to the module as is, which must refuse
 * it. SPKI_REJECTED: anything else, rejected before the ioctl.
 */
static enum spki spki_point(const unsigned char *der, size_t len,
			    unsigned char point[65])
{
	const unsigned char *p = der;
	X509_PUBKEY *xpk = d2i_X509_PUBKEY(NULL, &p, len);
	const ASN1_OBJECT *oid = NULL;
	const void *pval = NULL;
	X509_ALGOR *alg = NULL;
	EVP_PKEY *pk = NULL;
	BIGNUM *x = NULL, *y = NULL;
	char group[64];
	size_t glen;
	int ptype = 0;
	enum spki ret = SPKI_REJECTED;

	if (!xpk || p != der + len)
		goto raw;
	if (!X509_PUBKEY_get0_param(NULL, NULL, NULL, &alg, xpk) || !alg)
		goto raw;
	X509_ALGOR_get0(&oid, &ptype, &pval, alg);
	if (ptype != V_ASN1_OBJECT ||
	    OBJ_obj2nid(pval) != NID_X9_62_prime256v1)
		goto out;
	pk = X509_PUBKEY_get(xpk);
	if (!pk || EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC)
		goto raw;
	if (!EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME,
					    group, sizeof(group), &glen) ||
	    (strcmp(group, "prime256v1") && strcmp(group, "P-256")))
		goto out;
	if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &x) ||
	    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &y))
		goto out;
	point[0] = 4;
	if (BN_bn2binpad(x, point + 1, 32) != 32 ||
	    BN_bn2binpad(y, point + 33, 32) != 32)
		goto out;
	ret = SPKI_POINT;
	goto out;
raw:
	if (len == sizeof(p256_spki_prefix) + 64 &&
	    !memcmp(der, p256_spki_prefix, sizeof(p256_spki_prefix))) {
		memcpy(point, der + sizeof(p256_spki_prefix) - 1, 65);
		ret = SPKI_RAW_POINT;
	}
out:
	BN_free(x);
	BN_free(y);
	EVP_PKEY_free(pk);
	X509_PUBKEY_free(xpk);
	return ret;
}

/*
 * Wycheproof's private keys are signed big-endian integers: a leading 00
 * when the top bit is set, fewer bytes when small. 0 and the 32-byte
 * scalar, or -1 for a negative or oversized one.
 */
static int normalise_scalar(const unsigned char *p, size_t len,
			    unsigned char out[32])
{
	if (len && (p[0] & 0x80))
		return -1;
	while (len > 32 && !p[0]) {
		p++;
		len--;
	}
	if (len > 32)
		return -1;
	memset(out, 0, 32 - len);
	memcpy(out + 32 - len, p, len);
	return 0;
}

TEST_F_TIMEOUT(wy, ecdh_secp256r1, 500)
{
	static const char mac_msg[] = "khsm ecdh wycheproof";
	json_object *groups, *g, *tests, *t;
	struct tally tl = { 0 };
	struct ku_keyspec s;
	struct khsm_ioc_op op;
	struct khsm_acl acl;
	unsigned char *priv, *pub, *shared, scalar[32], last[32], point[65];
	unsigned char mac[64], want[EVP_MAX_MD_SIZE];
	unsigned int want_len, undecodable[3] = { 0 }, bad_scalar = 0;
	unsigned int raw_points = 0, raw_refused = 0;
	enum spki kind;
	size_t gi, ti, priv_len, pub_len, shared_len;
	uint64_t key = 0, derived;
	char why[PATH_MAX + 128], extra[320];
	enum result r;
	int err;

	groups = open_vectors(self, "ecdh_secp256r1_test.json", why, sizeof(why));
	if (!groups)
		SKIP(return, "%.900s", why);
	memset(last, 0, sizeof(last));
	FOR_EACH_TEST(groups, g, tests, t, gi, ti) {
		r = jresult(t);
		priv = jhex(t, "private", &priv_len);
		pub = jhex(t, "public", &pub_len);
		shared = jhex(t, "shared", &shared_len);
		derived = 0;
		if (!priv || !pub || !shared) {
			VFAIL(&tl, t, "bad vector");
			goto next;
		}
		if (normalise_scalar(priv, priv_len, scalar)) {
			/* Not a P-256 scalar: the module must refuse it. */
			s = ku_spec(KHSM_KEY_EC_P256, BIT(KHSM_OP_DERIVE),
				    BIT(KHSM_MECH_ECDH_P256), 0);
			s.secret = priv;
			s.secret_len = priv_len;
			err = ku_key_import(&self->nl, &s, NULL);
			if (err != EINVAL)
				VFAIL(&tl, t, "import of a %zu-byte private key: %s, want EINVAL",
				      priv_len, err ? strerror(err) : "accepted");
			else if (r == R_VALID)
				VFAIL(&tl, t, "valid vector with an unusable scalar");
			else
				bad_scalar++, tl.invalid++;
			goto next;
		}
		kind = spki_point(pub, pub_len, point);
		if (kind == SPKI_REJECTED) {
			undecodable[r]++;
			tl.skipped++;
			goto next;
		}
		if (kind == SPKI_RAW_POINT)
			raw_points++;
		if (!key || memcmp(last, scalar, 32)) {
			if (key)
				ku_destroy(self->fd, key);
			key = 0;
			s = ku_spec(KHSM_KEY_EC_P256, BIT(KHSM_OP_DERIVE),
				    BIT(KHSM_MECH_ECDH_P256), 0);
			s.secret = scalar;
			s.secret_len = 32;
			err = import_load(self, &s, &key);
			if (err) {
				key = 0;
				VFAIL(&tl, t, "private key import/load: %s (%s)",
				      strerror(err), self->nl.extack);
				goto next;
			}
			memcpy(last, scalar, 32);
		}
		memset(&acl, 0, sizeof(acl));
		acl.ops = BIT(KHSM_OP_MAC_GENERATE);
		acl.mechs = BIT(KHSM_MECH_HMAC_SHA256);
		ku_op_init(&op, key, KHSM_OP_DERIVE, KHSM_MECH_ECDH_P256);
		ku_op_io(&op, point, sizeof(point), NULL, 0);
		op.new_type = KHSM_KEY_HMAC;
		op.new_len = 32;
		op.acl_uptr = (uintptr_t)&acl;
		err = ku_op(self->fd, &op);
		if (err && kind == SPKI_RAW_POINT && (err == EINVAL || err == EBADMSG))
			raw_refused++;
		if (err) {
			if (r == R_VALID)
				VFAIL(&tl, t, "derive: %s", strerror(err));
			else if (err != EINVAL && err != EBADMSG)
				VFAIL(&tl, t, "derive: %s, want EINVAL or EBADMSG",
				      strerror(err));
			else if (r == R_INVALID)
				tl.invalid++;
			else
				tl.acceptable++;
			goto next;
		}
		derived = op.out_handle;
		if (r == R_INVALID || kind == SPKI_RAW_POINT) {
			VFAIL(&tl, t, "derive succeeded with an invalid public key%s (flags %s)",
			      kind == SPKI_RAW_POINT ? " that OpenSSL finds off the curve" : "",
			      json_object_to_json_string(json_object_object_get(t, "flags")));
			goto next;
		}
		ku_op_init(&op, derived, KHSM_OP_MAC_GENERATE,
			   KHSM_MECH_HMAC_SHA256);
		ku_op_io(&op, mac_msg, sizeof(mac_msg) - 1, mac, sizeof(mac));
		err = ku_op(self->fd, &op);
		if (err) {
			VFAIL(&tl, t, "mac with the derived key: %s", strerror(err));
			goto next;
		}
		if (shared_len != 32 ||
		    !HMAC(EVP_sha256(), shared, shared_len,
			  (const unsigned char *)mac_msg, sizeof(mac_msg) - 1,
			  want, &want_len) ||
		    op.out_len != 32 || memcmp(mac, want, 32)) {
			VFAIL(&tl, t, "the derived key is not the shared secret");
			goto next;
		}
		if (r == R_VALID)
			tl.valid++;
		else
			tl.acceptable++;
next:
		if (derived)
			ku_destroy(self->fd, derived);
		free(priv); free(pub); free(shared);
	}
	if (key)
		ku_destroy(self->fd, key);
	snprintf(extra, sizeof(extra),
		 "public keys OpenSSL cannot decode as named-curve P-256 (rejected before the ioctl): %u valid, %u invalid, %u acceptable; off-curve points sent raw: %u, refused %u; %u scalars refused at import",
		 undecodable[R_VALID], undecodable[R_INVALID],
		 undecodable[R_ACCEPTABLE], raw_points, raw_refused, bad_scalar);
	summary(_metadata, "ecdh p256", &tl, extra);
}

TEST_HARNESS_MAIN
