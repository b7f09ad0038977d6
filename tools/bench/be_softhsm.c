// SPDX-License-Identifier: GPL-2.0
/*
 * SoftHSM2 through its PKCS#11 module, opened with dlopen() as any PKCS#11
 * application does. The bench initialises a token of its own in a
 * temporary directory (SOFTHSM2_CONF points at a config written there),
 * logs in as its user, and each thread opens a session and creates session
 * objects of the shared key material. ECDSA is CKM_ECDSA on the digest
 * (raw r||s signatures, converted to DER for the smoke checks).
 */
#define CRYPTOKI_COMPAT
#include <dlfcn.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

#include "bench.h"

#define SO_PIN		"12345678"
#define USER_PIN	"87654321"
#define LABEL		"khsm-bench"

static const char *const module_paths[] = {
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
};

static void *dl;
static CK_FUNCTION_LIST_PTR p11;
static CK_SLOT_ID slot;
static CK_SESSION_HANDLE login_session;
static char tmpdir[64];
static struct bench_keys k;

struct sctx {
	const struct workload *w;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;	/* secret or private key */
	CK_OBJECT_HANDLE pub;
	uint8_t *in;
	uint8_t *out;
	uint8_t iv[GCM_IV_LEN];
	uint8_t sig[64];
};

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_tmpdir(void)
{
	if (tmpdir[0])
		nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	tmpdir[0] = 0;
}

static int write_conf(void)
{
	char path[128];
	FILE *f;

	strcpy(tmpdir, "/tmp/khsm-bench-softhsm.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		tmpdir[0] = 0;
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/tokens", tmpdir);
	if (mkdir(path, 0700))
		return -errno;
	snprintf(path, sizeof(path), "%s/softhsm2.conf", tmpdir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "directories.tokendir = %s/tokens\n"
		   "objectstore.backend = file\nlog.level = ERROR\n"
		   "slots.removable = false\n", tmpdir);
	if (fclose(f))
		return -EIO;
	return setenv("SOFTHSM2_CONF", path, 1) ? -errno : 0;
}

static void pad_label(CK_UTF8CHAR out[32])
{
	memset(out, ' ', 32);
	memcpy(out, LABEL, strlen(LABEL));
}

/* After C_InitToken SoftHSM2 moves the token to a new slot id: find it. */
static int find_slot(void)
{
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16;
	CK_TOKEN_INFO ti;
	CK_UTF8CHAR label[32];

	pad_label(label);
	if (p11->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
		return -EIO;
	for (CK_ULONG i = 0; i < n; i++) {
		if (p11->C_GetTokenInfo(slots[i], &ti) == CKR_OK &&
		    !memcmp(ti.label, label, 32)) {
			slot = slots[i];
			return 0;
		}
	}
	return -ENOENT;
}

static int token_init(void)
{
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
	CK_C_GetFunctionList get;
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16;
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;

	for (size_t i = 0; !dl && i < sizeof(module_paths) / sizeof(*module_paths); i++)
		dl = dlopen(module_paths[i], RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		be_softhsm.why = "libsofthsm2.so not found (apt install softhsm2)";
		return -ENOENT;
	}
	get = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList");
	if (!get || get(&p11) != CKR_OK)
		return -EIO;
	if (write_conf())
		return -EIO;
	if (p11->C_Initialize(&args) != CKR_OK)
		return -EIO;
	pad_label(label);
	if (p11->C_GetSlotList(CK_FALSE, slots, &n) != CKR_OK || !n ||
	    p11->C_InitToken(slots[0], (CK_UTF8CHAR_PTR)SO_PIN,
			     strlen(SO_PIN), label) != CKR_OK ||
	    find_slot())
		return -EIO;
	if (p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
			       NULL, &s) != CKR_OK)
		return -EIO;
	if (p11->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN)) != CKR_OK ||
	    p11->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)) != CKR_OK ||
	    p11->C_Logout(s) != CKR_OK ||
	    p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN,
			 strlen(USER_PIN)) != CKR_OK) {
		p11->C_CloseSession(s);
		return -EIO;
	}
	/* The login lasts while one session of the application stays open. */
	login_session = s;
	return 0;
}

static void softhsm_fini(void)
{
	if (p11) {
		p11->C_CloseAllSessions(slot);
		p11->C_Finalize(NULL);
		p11 = NULL;
	}
	if (dl)
		dlclose(dl);
	dl = NULL;
	rm_tmpdir();
}

static int softhsm_init(const struct bench_keys *keys)
{
	int err;

	k = *keys;
	err = token_init();
	if (err) {
		if (!be_softhsm.why)
			be_softhsm.why = "token initialisation failed";
		softhsm_fini();
	}
	return err;
}

static bool softhsm_supports(const struct workload *w)
{
	return w->kind != WL_NULL;
}

/* DER of the OID of prime256v1, and the point as a DER OCTET STRING. */
static const uint8_t p256_oid[] = {
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
};

static int create_keys(struct sctx *c)
{
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_OBJECT_CLASS secret = CKO_SECRET_KEY, priv = CKO_PRIVATE_KEY,
			pubc = CKO_PUBLIC_KEY;
	CK_KEY_TYPE generic = CKK_GENERIC_SECRET, aes = CKK_AES, ec = CKK_EC;
	uint8_t point[2 + EC_PUB_LEN] = { 0x04, EC_PUB_LEN };
	CK_RV rv;

	memcpy(point + 2, k.ec_pub, EC_PUB_LEN);
	switch (c->w->kind) {
	case WL_HMAC: {
		CK_ATTRIBUTE t[] = {
			{ CKA_CLASS, &secret, sizeof(secret) },
			{ CKA_KEY_TYPE, &generic, sizeof(generic) },
			{ CKA_TOKEN, &no, sizeof(no) },
			{ CKA_SIGN, &yes, sizeof(yes) },
			{ CKA_VALUE, k.hmac, sizeof(k.hmac) },
		};
		rv = p11->C_CreateObject(c->s, t, 5, &c->key);
		break;
	}
	case WL_GCM: {
		CK_ATTRIBUTE t[] = {
			{ CKA_CLASS, &secret, sizeof(secret) },
			{ CKA_KEY_TYPE, &aes, sizeof(aes) },
			{ CKA_TOKEN, &no, sizeof(no) },
			{ CKA_ENCRYPT, &yes, sizeof(yes) },
			{ CKA_VALUE, k.aes, sizeof(k.aes) },
		};
		rv = p11->C_CreateObject(c->s, t, 5, &c->key);
		break;
	}
	default: {
		CK_ATTRIBUTE t[] = {
			{ CKA_CLASS, &priv, sizeof(priv) },
			{ CKA_KEY_TYPE, &ec, sizeof(ec) },
			{ CKA_TOKEN, &no, sizeof(no) },
			{ CKA_SIGN, &yes, sizeof(yes) },
			{ CKA_EC_PARAMS, (void *)p256_oid, sizeof(p256_oid) },
			{ CKA_VALUE, k.ec_priv, sizeof(k.ec_priv) },
		};
		CK_ATTRIBUTE u[] = {
			{ CKA_CLASS, &pubc, sizeof(pubc) },
			{ CKA_KEY_TYPE, &ec, sizeof(ec) },
			{ CKA_TOKEN, &no, sizeof(no) },
			{ CKA_VERIFY, &yes, sizeof(yes) },
			{ CKA_EC_PARAMS, (void *)p256_oid, sizeof(p256_oid) },
			{ CKA_EC_POINT, point, sizeof(point) },
		};
		rv = p11->C_CreateObject(c->s, t, 6, &c->key);
		if (rv == CKR_OK)
			rv = p11->C_CreateObject(c->s, u, 6, &c->pub);
		break;
	}
	}
	return rv == CKR_OK ? 0 : -EIO;
}

static void softhsm_ctx_free(void *p)
{
	struct sctx *c = p;

	if (!c)
		return;
	if (c->s)
		p11->C_CloseSession(c->s);
	free(c->in);
	free(c->out);
	free(c);
}

static int raw_sign(struct sctx *c, const uint8_t *digest, uint8_t raw[64])
{
	CK_MECHANISM m = { CKM_ECDSA, NULL, 0 };
	CK_ULONG len = 64;

	if (p11->C_SignInit(c->s, &m, c->key) != CKR_OK ||
	    p11->C_Sign(c->s, (CK_BYTE_PTR)digest, DIGEST_LEN, raw, &len) != CKR_OK ||
	    len != 64)
		return -EIO;
	return 0;
}

static int softhsm_ctx_new(const struct workload *w, void **out)
{
	struct sctx *c;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->w = w;
	c->in = bench_alloc(w->len);
	c->out = bench_alloc(w->len + GCM_TAG_LEN + 64);
	bench_fill(c->in, w->len, 1);
	bench_fill(c->iv, sizeof(c->iv), 2);
	err = p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL,
				 &c->s) == CKR_OK ? 0 : -EIO;
	if (!err)
		err = create_keys(c);
	if (!err && w->kind == WL_VERIFY)
		err = raw_sign(c, c->in, c->sig);
	if (err) {
		softhsm_ctx_free(c);
		return err;
	}
	*out = c;
	return 0;
}

static int softhsm_mac(void *p, const uint8_t *in, size_t len, uint8_t *mac)
{
	struct sctx *c = p;
	CK_MECHANISM m = { CKM_SHA256_HMAC, NULL, 0 };
	CK_ULONG mlen = MAC_LEN;

	if (p11->C_SignInit(c->s, &m, c->key) != CKR_OK ||
	    p11->C_Sign(c->s, (CK_BYTE_PTR)in, len, mac, &mlen) != CKR_OK ||
	    mlen != MAC_LEN)
		return -EIO;
	return 0;
}

static int softhsm_encrypt(void *p, const uint8_t *iv, uint8_t *iv_out,
			   const uint8_t *in, size_t len, uint8_t *out)
{
	struct sctx *c = p;
	CK_GCM_PARAMS gp = {
		.pIv = (CK_BYTE_PTR)iv, .ulIvLen = GCM_IV_LEN, .ulIvBits = 96,
		.ulTagBits = 8 * GCM_TAG_LEN,
	};
	CK_MECHANISM m = { CKM_AES_GCM, &gp, sizeof(gp) };
	CK_ULONG olen = len + GCM_TAG_LEN;

	(void)iv_out;
	if (p11->C_EncryptInit(c->s, &m, c->key) != CKR_OK ||
	    p11->C_Encrypt(c->s, (CK_BYTE_PTR)in, len, out, &olen) != CKR_OK ||
	    olen != len + GCM_TAG_LEN)
		return -EIO;
	return 0;
}

static int softhsm_sign(void *p, const uint8_t *digest, uint8_t *sig,
			size_t *sig_len)
{
	uint8_t raw[64];

	return raw_sign(p, digest, raw) ?: sig_raw_to_der(raw, sig, sig_len);
}

static int raw_verify(struct sctx *c, const uint8_t *digest, const uint8_t *raw)
{
	CK_MECHANISM m = { CKM_ECDSA, NULL, 0 };
	CK_RV rv;

	if (p11->C_VerifyInit(c->s, &m, c->pub) != CKR_OK)
		return -EIO;
	rv = p11->C_Verify(c->s, (CK_BYTE_PTR)digest, DIGEST_LEN,
			   (CK_BYTE_PTR)raw, 64);
	return rv == CKR_OK ? 0 : rv == CKR_SIGNATURE_INVALID ? 1 : -EIO;
}

static int softhsm_verify(void *p, const uint8_t *digest, const uint8_t *sig,
			  size_t sig_len)
{
	uint8_t raw[64];

	if (sig_der_to_raw(sig, sig_len, raw))
		return 1;
	return raw_verify(p, digest, raw);
}

static int softhsm_run(void *p, unsigned int n)
{
	struct sctx *c = p;
	const struct workload *w = c->w;
	int err = 0;

	for (unsigned int i = 0; i < n && !err; i++) {
		switch (w->kind) {
		case WL_HMAC:
			err = softhsm_mac(c, c->in, w->len, c->out);
			break;
		case WL_GCM:
			err = softhsm_encrypt(c, c->iv, NULL, c->in, w->len,
					      c->out);
			break;
		case WL_SIGN:
			err = raw_sign(c, c->in, c->out);
			break;
		case WL_VERIFY:
			err = raw_verify(c, c->in, c->sig) ? -EIO : 0;
			break;
		default:
			err = -EINVAL;
		}
	}
	return err;
}

struct backend be_softhsm = {
	.name = "softhsm2",
	.batch = 1,
	.init = softhsm_init,
	.fini = softhsm_fini,
	.supports = softhsm_supports,
	.ctx_new = softhsm_ctx_new,
	.ctx_free = softhsm_ctx_free,
	.run = softhsm_run,
	.mac = softhsm_mac,
	.encrypt = softhsm_encrypt,
	.sign = softhsm_sign,
	.verify = softhsm_verify,
};
