// SPDX-License-Identifier: GPL-2.0
/*
 * khsm through libkhsm: one ioctl per operation (khsm_mac(), khsm_encrypt(),
 * khsm_sign(), khsm_verify(), as a service calls them), or OP_BATCH of 8,
 * 64 or 256 operations. The keys are imported once with module protection
 * (the control channel, so a world must be loaded); each thread then opens
 * its own data channel and loads the blobs, as the library's one handle per
 * thread rule asks.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <khsm/khsm.h>
#include <linux/khsm.h>

#include "bench.h"

enum { K_HMAC, K_AES, K_EC, K__COUNT };

static struct khsm_key_result blobs[K__COUNT];

struct kctx {
	struct khsm *h;
	uint64_t key;
	const struct workload *w;
	unsigned int batch;
	bool caller_iv;
	uint32_t mech;
	uint8_t *in;
	uint8_t *out;		/* @batch slots of @stride bytes */
	size_t stride;
	uint8_t *iv;		/* @batch IVs */
	uint8_t sig[SIG_DER_MAX];
	size_t sig_len;
	struct khsm_ioc_op *ops;
	int fd;			/* WL_NULL: a bare /dev/khsm descriptor */
	size_t last_len;	/* output bytes of the last single op */
};

static int import(struct khsm *h, uint32_t type, const char *ident,
		  uint32_t ops, uint32_t mechs, uint32_t flags,
		  const uint8_t *secret, size_t len, struct khsm_key_result *res)
{
	struct khsm_key_req req;

	khsm_key_req_init(&req);
	req.type = type;
	req.protection = KHSM_PROTECT_MODULE;
	req.recovery = 0;
	req.acl.ops = htole32(ops);
	req.acl.mechs = htole32(mechs);
	req.acl.flags = htole32(flags);
	strcpy(req.app, "bench");
	strcpy(req.ident, ident);
	req.secret = secret;
	req.secret_len = len;
	return khsm_key_import(h, &req, res);
}

static const char *why;

static int khsm_init(const struct bench_keys *keys)
{
	struct khsm *h;
	int err;

	if (blobs[K_HMAC].blob)
		return 0;	/* the variants share one import */
	err = khsm_open(&h, 0);
	if (err) {
		why = err == -ENOENT ? "module not loaded" : "cannot open khsm";
		return err;
	}
	err = import(h, KHSM_KEY_HMAC, "hmac",
		     1U << KHSM_OP_MAC_GENERATE | 1U << KHSM_OP_MAC_VERIFY,
		     1U << KHSM_MECH_HMAC_SHA256, 0, keys->hmac,
		     sizeof(keys->hmac), &blobs[K_HMAC]) ?:
	      import(h, KHSM_KEY_AES, "aes",
		     1U << KHSM_OP_ENCRYPT | 1U << KHSM_OP_DECRYPT,
		     1U << KHSM_MECH_AES_GCM, KHSM_ACL_F_CALLER_IV, keys->aes,
		     sizeof(keys->aes), &blobs[K_AES]) ?:
	      import(h, KHSM_KEY_EC_P256, "ec",
		     1U << KHSM_OP_SIGN | 1U << KHSM_OP_VERIFY,
		     1U << KHSM_MECH_ECDSA_P256_SHA256, 0, keys->ec_priv,
		     sizeof(keys->ec_priv), &blobs[K_EC]);
	if (err) {
		bench_warn("khsm: key import: %s %s", strerror(-err),
			   khsm_errmsg(h));
		why = "key import failed (no world, or import not allowed)";
		for (int i = 0; i < K__COUNT; i++)
			khsm_key_result_free(&blobs[i]);
	}
	khsm_close(h);
	return err;
}

static void khsm_fini(void)
{
	for (int i = 0; i < K__COUNT; i++)
		khsm_key_result_free(&blobs[i]);
}

/* The single-op back end also times the bare ioctl (KHSM_IOC_INFO). */
static bool khsm_supports(const struct workload *w)
{
	(void)w;
	return true;
}

/*
 * Batches of work that takes milliseconds per operation (ECDSA) or per
 * batch (over a MiB of data) only repeat what the single op and the
 * batch of 8 show: they are left out to keep the runs short.
 */
static bool batch_fits(const struct workload *w, unsigned int batch)
{
	if (w->kind == WL_NULL)
		return false;
	if (w->kind == WL_SIGN || w->kind == WL_VERIFY)
		return batch <= 8;
	return batch * w->len <= (1U << 20);
}

static bool khsm_b8_supports(const struct workload *w)
{
	return batch_fits(w, 8);
}

static bool khsm_b64_supports(const struct workload *w)
{
	return batch_fits(w, 64);
}

static bool khsm_b256_supports(const struct workload *w)
{
	return batch_fits(w, 256);
}

static void ctx_free(void *p)
{
	struct kctx *c = p;

	if (!c)
		return;
	if (c->fd > 0)
		close(c->fd);
	khsm_close(c->h);
	free(c->in);
	free(c->out);
	free(c->iv);
	free(c->ops);
	free(c);
}

/* The batch's operations, built once; run() only resets out_len. */
static void ops_build(struct kctx *c)
{
	const struct workload *w = c->w;
	uint32_t opcode = w->kind == WL_HMAC ? KHSM_OP_MAC_GENERATE :
			  w->kind == WL_GCM ? KHSM_OP_ENCRYPT :
			  w->kind == WL_SIGN ? KHSM_OP_SIGN : KHSM_OP_VERIFY;

	for (unsigned int i = 0; i < c->batch; i++) {
		struct khsm_ioc_op *op = &c->ops[i];

		khsm_op_init(op, c->key, opcode, c->mech);
		op->in_len = w->len;
		op->in_uptr = KHSM_UPTR(c->in);
		if (w->kind == WL_SIGN || w->kind == WL_VERIFY)
			op->flags = KHSM_OP_F_PREHASHED;
		if (w->kind == WL_VERIFY) {
			op->aux_len = c->sig_len;
			op->aux_uptr = KHSM_UPTR(c->sig);
			continue;
		}
		op->out_len = c->stride;
		op->out_uptr = KHSM_UPTR(c->out + i * c->stride);
		if (w->kind == WL_GCM) {
			op->iv_len = GCM_IV_LEN;
			op->iv_uptr = KHSM_UPTR(c->iv + i * GCM_IV_LEN);
			if (c->caller_iv)
				op->flags |= KHSM_OP_F_CALLER_IV;
		}
	}
}

static int ctx_new(const struct workload *w, void **out, unsigned int batch,
		   bool caller_iv)
{
	int k = w->kind == WL_HMAC ? K_HMAC : w->kind == WL_GCM ? K_AES : K_EC;
	struct kctx *c;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->w = w;
	if (w->kind == WL_NULL) {
		c->fd = open(getenv("KHSM_DEVICE") ?: KHSM_DEVICE_PATH,
			     O_RDWR | O_CLOEXEC);
		if (c->fd < 0) {
			err = -errno;
			free(c);
			return err;
		}
		*out = c;
		return 0;
	}
	c->batch = batch;
	c->caller_iv = caller_iv;
	c->mech = k == K_HMAC ? KHSM_MECH_HMAC_SHA256 :
		  k == K_AES ? KHSM_MECH_AES_GCM : KHSM_MECH_ECDSA_P256_SHA256;
	c->stride = w->kind == WL_GCM ? w->len + GCM_TAG_LEN :
		    w->kind == WL_HMAC ? MAC_LEN : SIG_DER_MAX;
	c->in = bench_alloc(w->len);
	c->out = bench_alloc(c->stride * batch);
	c->iv = bench_alloc(GCM_IV_LEN * batch);
	bench_fill(c->in, w->len, 1);
	bench_fill(c->iv, GCM_IV_LEN * batch, 2);
	err = khsm_open(&c->h, KHSM_OPEN_DATA) ?:
	      khsm_key_load(c->h, blobs[k].blob, blobs[k].blob_len, 0, &c->key);
	if (!err && w->kind == WL_VERIFY) {
		c->sig_len = sizeof(c->sig);
		err = khsm_sign(c->h, c->key, c->mech, KHSM_OP_F_PREHASHED,
				c->in, w->len, c->sig, &c->sig_len);
	}
	if (!err && batch > 1) {
		c->ops = calloc(batch, sizeof(*c->ops));
		if (!c->ops)
			err = -ENOMEM;
		else
			ops_build(c);
	}
	if (err) {
		ctx_free(c);
		return err;
	}
	*out = c;
	return 0;
}

static int run_single(struct kctx *c, unsigned int n)
{
	const struct workload *w = c->w;
	uint32_t fl = c->caller_iv ? KHSM_OP_F_CALLER_IV : 0;
	size_t len;
	int err = 0;

	for (unsigned int i = 0; i < n && !err; i++) {
		len = c->stride;
		switch (w->kind) {
		case WL_HMAC:
			err = khsm_mac(c->h, c->key, c->mech, c->in, w->len,
				       c->out, &len);
			break;
		case WL_GCM:
			err = khsm_encrypt(c->h, c->key, c->mech, fl, c->in,
					   w->len, NULL, 0, c->iv, GCM_IV_LEN,
					   c->out, &len);
			break;
		case WL_SIGN:
			err = khsm_sign(c->h, c->key, c->mech,
					KHSM_OP_F_PREHASHED, c->in, w->len,
					c->out, &len);
			break;
		case WL_VERIFY:
			err = khsm_verify(c->h, c->key, c->mech,
					  KHSM_OP_F_PREHASHED, c->in, w->len,
					  c->sig, c->sig_len);
			break;
		default:
			err = -EINVAL;
		}
		c->last_len = len;
	}
	return err;
}

static int run_batch(struct kctx *c, unsigned int n)
{
	uint32_t done;
	int err;

	for (unsigned int i = 0; i < n; i += c->batch) {
		if (c->w->kind != WL_VERIFY)
			for (unsigned int j = 0; j < c->batch; j++)
				c->ops[j].out_len = c->stride;
		err = khsm_batch(c->h, c->ops, c->batch, &done);
		if (err)
			return err;
		if (done != c->batch) {
			for (unsigned int j = 0; j < c->batch; j++)
				if (c->ops[j].out_status)
					return c->ops[j].out_status < 0 ?
					       c->ops[j].out_status :
					       -c->ops[j].out_status;
			return -EIO;
		}
	}
	return 0;
}

static int run_info(struct kctx *c, unsigned int n)
{
	struct khsm_ioc_info info;

	for (unsigned int i = 0; i < n; i++) {
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		if (ioctl(c->fd, KHSM_IOC_INFO, &info))
			return -errno;
	}
	return 0;
}

static int khsm_run(void *p, unsigned int n)
{
	struct kctx *c = p;

	if (c->w->kind == WL_NULL)
		return run_info(c, n);
	return c->batch > 1 ? run_batch(c, n) : run_single(c, n);
}

static int khsm_mac_one(void *p, const uint8_t *in, size_t len, uint8_t *mac)
{
	struct kctx *c = p;
	size_t mlen = MAC_LEN;

	return khsm_mac(c->h, c->key, c->mech, in, len, mac, &mlen);
}

static int khsm_encrypt_one(void *p, const uint8_t *iv, uint8_t *iv_out,
			    const uint8_t *in, size_t len, uint8_t *out)
{
	struct kctx *c = p;
	size_t olen = len + GCM_TAG_LEN;
	uint8_t buf[GCM_IV_LEN];

	if (iv_out)
		return khsm_encrypt(c->h, c->key, c->mech, 0, in, len, NULL, 0,
				    iv_out, GCM_IV_LEN, out, &olen);
	memcpy(buf, iv, sizeof(buf));
	return khsm_encrypt(c->h, c->key, c->mech, KHSM_OP_F_CALLER_IV, in, len,
			    NULL, 0, buf, GCM_IV_LEN, out, &olen);
}

static int khsm_sign_one(void *p, const uint8_t *digest, uint8_t *sig,
			 size_t *sig_len)
{
	struct kctx *c = p;

	*sig_len = SIG_DER_MAX;
	return khsm_sign(c->h, c->key, c->mech, KHSM_OP_F_PREHASHED, digest,
			 DIGEST_LEN, sig, sig_len);
}

static int khsm_verify_one(void *p, const uint8_t *digest, const uint8_t *sig,
			   size_t sig_len)
{
	struct kctx *c = p;
	int err;

	err = khsm_verify(c->h, c->key, c->mech, KHSM_OP_F_PREHASHED, digest,
			  DIGEST_LEN, sig, sig_len);
	return err == -EBADMSG ? 1 : err;
}

static bool khsm_civ_supports(const struct workload *w)
{
	return w->kind == WL_GCM;
}

static const uint8_t *khsm_output(void *p, unsigned int i, size_t *len,
				  const uint8_t **iv)
{
	struct kctx *c = p;

	if (i >= c->batch)
		return NULL;
	*len = c->batch > 1 ? c->ops[i].out_len : c->last_len;
	*iv = c->iv + i * GCM_IV_LEN;
	return c->out + i * c->stride;
}

#define KHSM_VARIANT(_var, _name, _batch, _civ, _supports)                   \
	static int _var##_ctx_new(const struct workload *w, void **ctx)      \
	{                                                                     \
		return ctx_new(w, ctx, _batch, _civ);                        \
	}                                                                     \
	static int _var##_init(const struct bench_keys *keys)                \
	{                                                                     \
		int err = khsm_init(keys);                                   \
		_var.why = why;                                              \
		return err;                                                  \
	}                                                                     \
	struct backend _var = {                                               \
		.name = _name,                                               \
		.batch = _batch,                                             \
		.init = _var##_init,                                         \
		.fini = khsm_fini,                                           \
		.supports = _supports,                                       \
		.ctx_new = _var##_ctx_new,                                   \
		.ctx_free = ctx_free,                                        \
		.run = khsm_run,                                             \
		.mac = khsm_mac_one,                                         \
		.encrypt = khsm_encrypt_one,                                 \
		.sign = khsm_sign_one,                                       \
		.verify = khsm_verify_one,                                   \
		.output = khsm_output,                                       \
	}

KHSM_VARIANT(be_khsm, "khsm", 1, false, khsm_supports);
KHSM_VARIANT(be_khsm_b8, "khsm-b8", 8, false, khsm_b8_supports);
KHSM_VARIANT(be_khsm_b64, "khsm-b64", 64, false, khsm_b64_supports);
KHSM_VARIANT(be_khsm_b256, "khsm-b256", 256, false, khsm_b256_supports);
/* The caller gives the IV: what AF_ALG and the others do; no DRBG call. */
KHSM_VARIANT(be_khsm_civ, "khsm-civ", 1, true, khsm_civ_supports);
