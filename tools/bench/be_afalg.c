// SPDX-License-Identifier: GPL-2.0
/*
 * AF_ALG through libkcapi: the kernel crypto API as userland reaches it
 * without khsm. One handle (one tfm socket and its operation socket) per
 * thread, keyed once; each operation is libkcapi's one-shot call, which
 * sends the data and reads the result (two system calls). The kernel has
 * no ECDSA signing behind AF_ALG, so those workloads are not run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <kcapi.h>

#include "bench.h"

struct actx {
	struct kcapi_handle *h;
	const struct workload *w;
	uint8_t *in;
	uint8_t *out;
	uint8_t iv[GCM_IV_LEN];
};

static struct bench_keys k;

static int afalg_init(const struct bench_keys *keys)
{
	struct kcapi_handle *h;

	kcapi_set_verbosity(KCAPI_LOG_NONE);
	k = *keys;
	if (kcapi_md_init(&h, "hmac(sha256)", 0)) {
		be_afalg.why = "no AF_ALG hash (algif_hash)";
		return -EAFNOSUPPORT;
	}
	kcapi_md_destroy(h);
	return 0;
}

static bool afalg_supports(const struct workload *w)
{
	return w->kind == WL_HMAC || w->kind == WL_GCM;
}

static void afalg_ctx_free(void *p)
{
	struct actx *c = p;

	if (!c)
		return;
	if (c->h && c->w->kind == WL_HMAC)
		kcapi_md_destroy(c->h);
	else if (c->h)
		kcapi_aead_destroy(c->h);
	free(c->in);
	free(c->out);
	free(c);
}

static int afalg_ctx_new(const struct workload *w, void **out)
{
	struct actx *c;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->w = w;
	c->in = bench_alloc(w->len);
	c->out = bench_alloc(w->len + GCM_TAG_LEN);
	bench_fill(c->in, w->len, 1);
	bench_fill(c->iv, sizeof(c->iv), 2);
	if (w->kind == WL_HMAC) {
		err = kcapi_md_init(&c->h, "hmac(sha256)", 0) ?:
		      kcapi_md_setkey(c->h, k.hmac, sizeof(k.hmac));
	} else {
		err = kcapi_aead_init(&c->h, "gcm(aes)", 0) ?:
		      kcapi_aead_setkey(c->h, k.aes, sizeof(k.aes)) ?:
		      kcapi_aead_settaglen(c->h, GCM_TAG_LEN);
		if (!err)
			kcapi_aead_setassoclen(c->h, 0);
	}
	if (err) {
		afalg_ctx_free(c);
		return err < 0 ? err : -EINVAL;
	}
	*out = c;
	return 0;
}

static int one(struct actx *c, const uint8_t *iv, const uint8_t *in,
	       size_t len, uint8_t *out)
{
	ssize_t r;

	if (c->w->kind == WL_HMAC) {
		r = kcapi_md_digest(c->h, in, len, out, MAC_LEN);
		return r == MAC_LEN ? 0 : r < 0 ? (int)r : -EIO;
	}
	r = kcapi_aead_encrypt(c->h, in, len, iv, out, len + GCM_TAG_LEN,
			       KCAPI_ACCESS_HEURISTIC);
	return r == (ssize_t)(len + GCM_TAG_LEN) ? 0 : r < 0 ? (int)r : -EIO;
}

static int afalg_run(void *p, unsigned int n)
{
	struct actx *c = p;
	int err = 0;

	for (unsigned int i = 0; i < n && !err; i++)
		err = one(c, c->iv, c->in, c->w->len, c->out);
	return err;
}

static int afalg_mac(void *p, const uint8_t *in, size_t len, uint8_t *mac)
{
	return one(p, NULL, in, len, mac);
}

static int afalg_encrypt(void *p, const uint8_t *iv, uint8_t *iv_out,
			 const uint8_t *in, size_t len, uint8_t *out)
{
	(void)iv_out;
	return one(p, iv, in, len, out);
}

struct backend be_afalg = {
	.name = "af_alg",
	.batch = 1,
	.init = afalg_init,
	.supports = afalg_supports,
	.ctx_new = afalg_ctx_new,
	.ctx_free = afalg_ctx_free,
	.run = afalg_run,
	.mac = afalg_mac,
	.encrypt = afalg_encrypt,
};
