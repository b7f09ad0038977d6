/* SPDX-License-Identifier: GPL-2.0 */
/*
 * khsm-bench: one workload driven through several back ends (khsm's ioctls,
 * AF_ALG through libkcapi, SoftHSM2 through PKCS#11, OpenSSL in process).
 *
 * Every back end gets the same key material (struct bench_keys) so that
 * the smoke mode can check that their outputs agree. A back end prepares
 * one context per thread; run() then does @n operations of the workload
 * on buffers the context owns, and the one-shot helpers below serve the
 * smoke checks.
 */
#ifndef KHSM_BENCH_H
#define KHSM_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum wl_kind {
	WL_HMAC,	/* HMAC-SHA-256 of @len bytes */
	WL_GCM,		/* AES-256-GCM encrypt of @len bytes, no AAD */
	WL_SIGN,	/* ECDSA P-256 sign of a SHA-256 digest */
	WL_VERIFY,	/* ECDSA P-256 verify of a SHA-256 digest */
	WL_NULL,	/* a bare system call (the per-call floor) */
};

struct workload {
	const char *name;	/* as printed and in the CSV */
	enum wl_kind kind;
	size_t len;		/* message bytes; 32 (the digest) for ECDSA */
};

#define GCM_IV_LEN	12
#define GCM_TAG_LEN	16
#define MAC_LEN		32
#define DIGEST_LEN	32
#define EC_PRIV_LEN	32
#define EC_PUB_LEN	65	/* 0x04 || X || Y */
#define SIG_DER_MAX	72
#define MAX_THREADS	8

/* One set of keys, shared by every back end of a run. */
struct bench_keys {
	uint8_t hmac[32];
	uint8_t aes[32];
	uint8_t ec_priv[EC_PRIV_LEN];
	uint8_t ec_pub[EC_PUB_LEN];
};

struct backend {
	const char *name;	/* "khsm", "khsm-b64", "af_alg", ... */
	unsigned int batch;	/* operations one unit of run() makes */
	/* Once per process; 0, or a negative errno (the back end is skipped). */
	int (*init)(const struct bench_keys *keys);
	void (*fini)(void);
	bool (*supports)(const struct workload *w);
	/* One context per thread for workload @w. */
	int (*ctx_new)(const struct workload *w, void **ctx);
	void (*ctx_free)(void *ctx);
	/* @n operations (a multiple of @batch); 0 or a negative errno. */
	int (*run)(void *ctx, unsigned int n);

	/*
	 * One-shot operations for the smoke checks, on a context of the
	 * matching workload. encrypt() takes the IV at @iv, or with @iv_out
	 * set lets the back end choose it (khsm) and returns it there.
	 * sign() writes a DER signature; verify() takes one and returns 0
	 * (valid), 1 (invalid) or a negative errno.
	 */
	int (*mac)(void *ctx, const uint8_t *in, size_t len, uint8_t *mac);
	int (*encrypt)(void *ctx, const uint8_t *iv, uint8_t *iv_out,
		       const uint8_t *in, size_t len, uint8_t *out);
	int (*sign)(void *ctx, const uint8_t *digest, uint8_t *sig,
		    size_t *sig_len);
	int (*verify)(void *ctx, const uint8_t *digest, const uint8_t *sig,
		      size_t sig_len);
	/*
	 * Optional: output @i of the last run() (its batch slot), with the
	 * IV the back end chose for it (GCM), for the smoke checks.
	 */
	const uint8_t *(*output)(void *ctx, unsigned int i, size_t *len,
				 const uint8_t **iv);
	/* A short reason after init() failed, for the table. */
	const char *why;
};

extern struct backend be_khsm, be_khsm_b8, be_khsm_b64, be_khsm_b256;
extern struct backend be_khsm_civ;
extern struct backend be_afalg, be_softhsm, be_openssl, be_syscall;

/* Helpers (khsm-bench.c). */
void *bench_alloc(size_t len);		/* page aligned, zeroed; aborts */
void bench_fill(uint8_t *buf, size_t len, uint32_t seed);
void bench_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Key material and the checks the smoke mode makes (be_openssl.c). */
int bench_keys_make(struct bench_keys *keys);
int ossl_verify_der(const uint8_t *digest, const uint8_t *sig, size_t len);
int ossl_gcm_decrypt(const uint8_t *iv, const uint8_t *in, size_t len,
		     uint8_t *out);

/* DER <-> raw r||s of a P-256 signature (be_openssl.c, libcrypto). */
int sig_der_to_raw(const uint8_t *der, size_t len, uint8_t raw[64]);
int sig_raw_to_der(const uint8_t raw[64], uint8_t *der, size_t *len);

#endif /* KHSM_BENCH_H */
