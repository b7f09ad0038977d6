// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Verifying an audit log with the worlds' public keys alone: sequence
 * continuity within each module life, the SHA-256 chain, every
 * checkpoint's ECDSA P-256 signature (libcrypto), and which records the
 * verified checkpoints vouch for. Every finding names the entry, its
 * offset and its sequence number, so an auditor can go and look.
 *
 * A finding does not stop the walk: after a record that does not hash to
 * its digest the walk goes on from the stored digest, so one altered
 * record is one finding, not a cascade. Only a record that cannot be
 * framed (its length is gone) ends it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include "internal.h"

struct walk {
	const uint8_t *log;
	size_t len;
	const struct khsm_audit_key *keys;
	size_t nkeys;
	EVP_PKEY **pkeys;		/* keys[i] as libcrypto keys, or NULL */
	struct khsm_audit_verify *res;
	khsm_audit_finding_fn fn;
	void *arg;

	/* the entry being looked at */
	size_t index;
	size_t offset;
	struct khsm_audit_record rec;
	const uint8_t *digest;		/* stored after it */

	/* the chain so far */
	bool in_chain;			/* prev and instance are known */
	uint8_t prev[KHSM_AUDIT_DIGEST_LEN];
	uint8_t instance[KHSM_AUDIT_INSTANCE_LEN];
	uint64_t next_seq;
	uint64_t unsealed;		/* entries since the last good checkpoint */
	size_t unsealed_from;		/* index of the first of them */
	uint64_t unsealed_seq;
	bool dirty;			/* a finding since the last checkpoint */
	bool head_reported;
};

static void finding(struct walk *w, enum khsm_audit_finding_kind kind,
		    uint64_t count, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void finding(struct walk *w, enum khsm_audit_finding_kind kind,
		    uint64_t count, const char *fmt, ...)
{
	struct khsm_audit_finding f = {
		.kind = kind,
		.index = w->index,
		.offset = w->offset,
		.seq = w->rec.seq,
		.count = count,
	};
	enum khsm_audit_verdict v;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f.text, sizeof(f.text), fmt, ap);
	va_end(ap);
	switch (kind) {
	case KHSM_AUDIT_FIND_CUT:
	case KHSM_AUDIT_FIND_UNSEALED:
		v = KHSM_AUDIT_UNSEALED;
		break;
	case KHSM_AUDIT_FIND_HEAD:
	case KHSM_AUDIT_FIND_NO_KEY:
		v = KHSM_AUDIT_INCOMPLETE;
		break;
	default:
		v = KHSM_AUDIT_TAMPERED;
		w->dirty = true;
		break;
	}
	if (v > w->res->verdict)
		w->res->verdict = v;
	w->res->findings++;
	if (w->fn)
		w->fn(&f, w->arg);
}

static void sha256_two(const uint8_t *a, size_t alen, const uint8_t *b,
		       size_t blen, uint8_t out[SHA256_DIGEST_LENGTH])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;

	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, a, alen) != 1 ||
	    EVP_DigestUpdate(ctx, b, blen) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, &n) != 1)
		memset(out, 0, SHA256_DIGEST_LENGTH);
	EVP_MD_CTX_free(ctx);
}

static void genesis(const uint8_t *instance, uint8_t out[KHSM_AUDIT_DIGEST_LEN])
{
	static const char label[] = KHSM_AUDIT_GENESIS_LABEL;

	sha256_two((const uint8_t *)label, sizeof(label) - 1, instance,
		   KHSM_AUDIT_INSTANCE_LEN, out);
}

static EVP_PKEY *key_from_point(const uint8_t *point)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						 (char *)"P-256", 0),
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
						  (void *)point,
						  KHSM_AUDIT_PUBKEY_LEN),
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

static bool sig_ok(EVP_PKEY *pkey, const uint8_t *digest, const uint8_t *sig,
		   size_t sig_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
	bool ok;

	ok = ctx && EVP_PKEY_verify_init(ctx) > 0 &&
	     EVP_PKEY_verify(ctx, sig, sig_len, digest, SHA256_DIGEST_LENGTH) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* The digest a checkpoint signs; see "DOC: Audit records". */
static void checkpoint_digest(const struct walk *w, size_t sig_off,
			      uint8_t out[SHA256_DIGEST_LENGTH])
{
	static const char label[] = KHSM_AUDIT_CHECKPOINT_LABEL;
	uint8_t rec[KHSM_AUDIT_REC_MAX], s[SHA256_DIGEST_LENGTH];
	uint8_t msg[sizeof(label) - 1 + 8 + SHA256_DIGEST_LENGTH];
	uint16_t len16 = htole16((uint16_t)sig_off);
	uint64_t seq = htole64(w->rec.seq);

	memcpy(rec, w->log + w->offset, sig_off);
	memcpy(rec + offsetof(struct khsm_audit_hdr, len), &len16, 2);
	sha256_two(w->prev, sizeof(w->prev), rec, sig_off, s);
	memcpy(msg, label, sizeof(label) - 1);
	memcpy(msg + sizeof(label) - 1, &seq, 8);
	memcpy(msg + sizeof(label) - 1 + 8, s, sizeof(s));
	sha256_two(msg, sizeof(msg), NULL, 0, out);
}

/* A signature over a digest the caller must trust w->prev for. */
static void check_checkpoint(struct walk *w)
{
	const struct khsm_audit_item *sig = NULL;
	uint8_t digest[SHA256_DIGEST_LENGTH];
	char world[2 * KHSM_WORLD_ID_LEN + 1];
	bool tried = false;
	size_t i;

	w->res->checkpoints++;
	if (w->rec.nitems)
		sig = &w->rec.items[w->rec.nitems - 1];
	hex(world, w->rec.world_id, KHSM_WORLD_ID_LEN);
	if (!sig || sig->tag != KHSM_AUDIT_T_SIGNATURE) {
		finding(w, KHSM_AUDIT_FIND_SIGNATURE, 1,
			"checkpoint %llu has no signature (the module failed to sign: errno %u)",
			(unsigned long long)w->rec.seq, w->rec.result);
		return;
	}
	checkpoint_digest(w, (size_t)(sig->value - 4 - (w->log + w->offset)),
			  digest);
	for (i = 0; i < w->nkeys; i++) {
		if ((w->keys[i].has_world_id &&
				     memcmp(w->keys[i].world_id, w->rec.world_id,
					    KHSM_WORLD_ID_LEN)))
			continue;
		tried = true;
		if (sig_ok(w->pkeys[i], digest, sig->value, sig->len)) {
			w->res->checkpoints_ok++;
			if (!w->dirty) {
				w->res->sealed += w->unsealed;
				w->unsealed = 0;
			} else {
				w->unsealed = 0;
				w->dirty = false;
			}
			return;
		}
	}
	if (!tried) {
		finding(w, KHSM_AUDIT_FIND_NO_KEY, 1,
			"checkpoint %llu is signed for world %s: no key given for it",
			(unsigned long long)w->rec.seq, world);
		w->unsealed = 0;
		return;
	}
	finding(w, KHSM_AUDIT_FIND_SIGNATURE, 1,
		"checkpoint %llu (world %s): the signature does not verify",
		(unsigned long long)w->rec.seq, world);
}

/*
 * Reported where the unsealed run began; the record being read (a new
 * life's first, or none at the end) keeps its own place and sequence.
 */
static void report_unsealed(struct walk *w)
{
	size_t index = w->index, offset = w->offset;
	uint64_t seq = w->rec.seq;

	if (!w->unsealed)
		return;
	w->index = w->unsealed_from;
	w->rec.seq = w->unsealed_seq;
	finding(w, KHSM_AUDIT_FIND_UNSEALED, w->unsealed,
		"%llu record(s) from seq %llu on are not vouched for by any checkpoint (cut after the last checkpoint, or not checkpointed yet)",
		(unsigned long long)w->unsealed,
		(unsigned long long)w->unsealed_seq);
	w->index = index;
	w->offset = offset;
	w->rec.seq = seq;
	w->unsealed = 0;
}

/* Where this record stands in its chain: a new one, the next, or not. */
static void check_sequence(struct walk *w)
{
	const struct khsm_audit_record *r = &w->rec;

	if (r->seq == 1 && r->event == KHSM_AUDIT_MODULE_LOAD) {
		if (w->in_chain)
			report_unsealed(w);
		w->in_chain = true;
		w->res->segments++;
		memcpy(w->instance, r->instance, sizeof(w->instance));
		genesis(r->instance, w->prev);
		w->next_seq = 1;
		w->dirty = false;
	}
	if (!w->in_chain) {
		/* The file begins inside a chain: trust its first digest. */
		finding(w, KHSM_AUDIT_FIND_HEAD, r->seq - 1,
			"the log begins at seq %llu, not at its module's first record: record %llu itself cannot be checked",
			(unsigned long long)r->seq, (unsigned long long)r->seq);
		w->in_chain = true;
		w->res->segments++;
		memcpy(w->instance, r->instance, sizeof(w->instance));
		w->next_seq = r->seq;
		return;
	}
	if (memcmp(r->instance, w->instance, sizeof(w->instance))) {
		finding(w, KHSM_AUDIT_FIND_FOREIGN, 1,
			"seq %llu belongs to another module instance (spliced in from another log)",
			(unsigned long long)r->seq);
	} else if (r->seq > w->next_seq) {
		finding(w, KHSM_AUDIT_FIND_GAP, r->seq - w->next_seq,
			"records %llu..%llu are missing before seq %llu",
			(unsigned long long)w->next_seq,
			(unsigned long long)r->seq - 1,
			(unsigned long long)r->seq);
	} else if (r->seq < w->next_seq) {
		finding(w, KHSM_AUDIT_FIND_ORDER, 1,
			"seq %llu comes after seq %llu (repeated or out of order)",
			(unsigned long long)r->seq,
			(unsigned long long)w->next_seq - 1);
	}
}

static void check_chain(struct walk *w, bool first_of_file)
{
	uint8_t d[SHA256_DIGEST_LENGTH];

	if (first_of_file && !(w->rec.seq == 1 &&
			       w->rec.event == KHSM_AUDIT_MODULE_LOAD)) {
		memcpy(w->prev, w->digest, sizeof(w->prev));
		return;
	}
	sha256_two(w->prev, sizeof(w->prev), w->log + w->offset, w->rec.len, d);
	if (memcmp(d, w->digest, sizeof(d)))
		finding(w, KHSM_AUDIT_FIND_DIGEST, 1,
			"seq %llu (%s) does not hash to its digest: it, or the link to the record before it, was altered",
			(unsigned long long)w->rec.seq,
			khsm_audit_event_name(w->rec.event) ?: "unknown event");
}

static int step(struct walk *w)
{
	bool first = w->index == 0;
	size_t avail = w->len - w->offset;
	int ret;

	ret = khsm_audit_record_parse(w->log + w->offset, avail, &w->rec);
	if (ret == -EMSGSIZE ||
	    (!ret && (size_t)w->rec.len + KHSM_AUDIT_DIGEST_LEN > avail)) {
		finding(w, KHSM_AUDIT_FIND_CUT, 1,
			"the last entry (offset %zu, %zu bytes) is incomplete: the log was cut there",
			w->offset, avail);
		return 1;
	}
	if (ret) {
		finding(w, KHSM_AUDIT_FIND_MALFORMED, 1,
			"entry %zu at offset %zu is not an audit record: the rest of the file cannot be read",
			w->index, w->offset);
		return 1;
	}
	w->digest = w->log + w->offset + w->rec.len;
	if (!w->res->records)
		w->res->first_seq = w->rec.seq;
	w->res->records++;
	w->res->last_seq = w->rec.seq;

	check_sequence(w);
	/* check_sequence() may have started a chain: prev is its genesis. */
	check_chain(w, first);
	if (!w->unsealed) {
		w->unsealed_from = w->index;
		w->unsealed_seq = w->rec.seq;
	}
	w->unsealed++;
	if (w->rec.event == KHSM_AUDIT_CHECKPOINT)
		check_checkpoint(w);
	memcpy(w->prev, w->digest, sizeof(w->prev));
	w->next_seq = w->rec.seq + 1;
	w->offset += w->rec.len + KHSM_AUDIT_DIGEST_LEN;
	w->index++;
	return 0;
}

KHSM_API int khsm_audit_verify(const uint8_t *log, size_t len,
			       const struct khsm_audit_key *keys, size_t nkeys,
			       struct khsm_audit_verify *res,
			       khsm_audit_finding_fn fn, void *arg)
{
	struct walk *w;
	size_t i;
	int ret = -ENOMEM;

	if ((!log && len) || (!keys && nkeys) || !res)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct walk){ .log = log, .len = len, .keys = keys,
			    .nkeys = nkeys, .res = res, .fn = fn, .arg = arg };
	w->pkeys = calloc(nkeys ? nkeys : 1, sizeof(*w->pkeys));
	if (!w->pkeys)
		goto out;
	ret = 0;
	for (i = 0; i < nkeys; i++) {
		w->pkeys[i] = key_from_point(keys[i].pubkey);
		if (!w->pkeys[i])
			ret = -EINVAL;
	}
	ERR_clear_error();
	if (ret)
		goto out;

	while (w->offset < len && !step(w))
		;
	w->offset = len;
	report_unsealed(w);
	if (!res->records)
		finding(w, KHSM_AUDIT_FIND_HEAD, 0, "the log holds no record");
	ret = 0;
out:
	for (i = 0; w->pkeys && i < nkeys; i++)
		EVP_PKEY_free(w->pkeys[i]);
	free(w->pkeys);
	free(w);
	return ret;
}
