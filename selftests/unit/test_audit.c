// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The audit log verifier against logs made here the way the module makes
 * them (records, SHA-256 chain, checkpoints signed with a P-256 key
 * OpenSSL generates), then damaged: one byte edited, a record deleted, two
 * swapped, the log cut, a record spliced in from another world, a forged
 * chain. Each must be found, at the right entry and sequence number.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "internal.h"
#include "unit.h"

/* --- making logs --- */

struct logb {
	uint8_t *buf;
	size_t len, cap;
	uint8_t prev[32];
	uint8_t instance[KHSM_AUDIT_INSTANCE_LEN];
	uint8_t world[KHSM_WORLD_ID_LEN];
	uint64_t seq;			/* the next record's */
	uint64_t last_cp;
	EVP_PKEY *key;
	size_t off[64];			/* where each entry starts */
	size_t n;
};

static void sha(const void *a, size_t alen, const void *b, size_t blen,
		uint8_t out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, a, alen);
	EVP_DigestUpdate(c, b, blen);
	EVP_DigestFinal_ex(c, out, NULL);
	EVP_MD_CTX_free(c);
}

static EVP_PKEY *new_key(void)
{
	return EVP_EC_gen("P-256");
}

static void key_point(EVP_PKEY *k, uint8_t point[KHSM_AUDIT_PUBKEY_LEN])
{
	size_t len = 0;

	CHECK(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
					      point, KHSM_AUDIT_PUBKEY_LEN, &len));
	CHECK_INT(len, KHSM_AUDIT_PUBKEY_LEN);
}

static void lb_init(struct logb *b, uint8_t tag, EVP_PKEY *key)
{
	static const char label[] = KHSM_AUDIT_GENESIS_LABEL;

	memset(b, 0, sizeof(*b));
	memset(b->instance, tag, sizeof(b->instance));
	memset(b->world, tag ^ 0x5a, sizeof(b->world));
	sha(label, sizeof(label) - 1, b->instance, sizeof(b->instance), b->prev);
	b->seq = 1;
	b->key = key;
}

static void put(uint8_t *rec, size_t *len, uint16_t tag, const void *v,
		uint16_t vlen)
{
	uint16_t t = htole16(tag), l = htole16(vlen);

	memcpy(rec + *len, &t, 2);
	memcpy(rec + *len + 2, &l, 2);
	memcpy(rec + *len + 4, v, vlen);
	*len += 4u + vlen;
}

static size_t hdr(uint8_t *rec, const struct logb *b, uint16_t event)
{
	struct khsm_audit_hdr h;

	memset(&h, 0, sizeof(h));
	h.version = KHSM_AUDIT_VERSION;
	h.event = htole16(event);
	h.hdr_len = htole16(sizeof(h));
	h.seq = htole64(b->seq);
	h.wall_ns = htole64(1700000000000000000ull + b->seq);
	h.boot_ns = htole64(b->seq * 1000);
	h.pid = htole32(42);
	memcpy(h.comm, "khsmctl", 7);
	memcpy(h.instance, b->instance, sizeof(h.instance));
	if (event != KHSM_AUDIT_MODULE_LOAD)
		memcpy(h.world_id, b->world, sizeof(h.world_id));
	memcpy(rec, &h, sizeof(h));
	return sizeof(h);
}

static void append(struct logb *b, const uint8_t *rec, size_t len)
{
	uint16_t l = htole16((uint16_t)len);

	memcpy((uint8_t *)rec + offsetof(struct khsm_audit_hdr, len), &l, 2);
	sha(b->prev, 32, rec, len, b->prev);
	if (b->len + len + 32 > b->cap) {
		b->cap = (b->len + len + 32) * 2;
		b->buf = realloc(b->buf, b->cap);
	}
	b->off[b->n++] = b->len;
	memcpy(b->buf + b->len, rec, len);
	memcpy(b->buf + b->len + len, b->prev, 32);
	b->len += len + 32;
	b->seq++;
}

static void lb_record(struct logb *b, uint16_t event, const char *reason)
{
	uint8_t rec[KHSM_AUDIT_REC_MAX];
	size_t len = hdr(rec, b, event);

	if (reason)
		put(rec, &len, KHSM_AUDIT_T_REASON, reason, (uint16_t)strlen(reason));
	append(b, rec, len);
}

/* As the module signs: see "DOC: Audit records". */
static void lb_checkpoint(struct logb *b)
{
	static const char label[] = KHSM_AUDIT_CHECKPOINT_LABEL;
	uint8_t rec[KHSM_AUDIT_REC_MAX], s[32], msg[sizeof(label) - 1 + 8 + 32];
	uint8_t sig[80];
	uint64_t first = htole64(b->last_cp + 1), seq = htole64(b->seq);
	size_t len = hdr(rec, b, KHSM_AUDIT_CHECKPOINT), sig_len = sizeof(sig);
	uint16_t l16;
	EVP_PKEY_CTX *ctx;

	put(rec, &len, KHSM_AUDIT_T_FIRST, &first, 8);
	l16 = htole16((uint16_t)len);
	memcpy(rec, &l16, 2);
	sha(b->prev, 32, rec, len, s);
	memcpy(msg, label, sizeof(label) - 1);
	memcpy(msg + sizeof(label) - 1, &seq, 8);
	memcpy(msg + sizeof(label) - 1 + 8, s, 32);
	sha(msg, sizeof(msg), NULL, 0, s);
	ctx = EVP_PKEY_CTX_new(b->key, NULL);
	CHECK(ctx && EVP_PKEY_sign_init(ctx) > 0 &&
	      EVP_PKEY_sign(ctx, sig, &sig_len, s, 32) > 0);
	EVP_PKEY_CTX_free(ctx);
	put(rec, &len, KHSM_AUDIT_T_SIGNATURE, sig, (uint16_t)sig_len);
	b->last_cp = b->seq;
	append(b, rec, len);
}

/* module-load, selftest, world-create, checkpoint, 5 more, checkpoint */
static void lb_standard(struct logb *b, uint8_t tag, EVP_PKEY *key)
{
	lb_init(b, tag, key);
	lb_record(b, KHSM_AUDIT_MODULE_LOAD, NULL);
	lb_record(b, KHSM_AUDIT_SELFTEST, NULL);
	lb_record(b, KHSM_AUDIT_WORLD_CREATE, NULL);
	lb_checkpoint(b);
	lb_record(b, KHSM_AUDIT_CARD_INSERT, "wrong passphrase");
	lb_record(b, KHSM_AUDIT_CARD_INSERT, NULL);
	lb_record(b, KHSM_AUDIT_TOKEN_LOAD, NULL);
	lb_record(b, KHSM_AUDIT_KEY_GENERATE, NULL);
	lb_record(b, KHSM_AUDIT_KEY_LOAD, NULL);
	lb_checkpoint(b);
}

/* --- checking them --- */

struct found {
	size_t n;
	struct khsm_audit_finding f[32];
};

static void collect(const struct khsm_audit_finding *f, void *arg)
{
	struct found *fd = arg;

	if (fd->n < UNIT_ARRAY_SIZE(fd->f))
		fd->f[fd->n++] = *f;
}

static EVP_PKEY *world_key;
static struct khsm_audit_key keyspec;

static void setup_key(void)
{
	if (!world_key) {
		world_key = new_key();
		key_point(world_key, keyspec.pubkey);
		memset(keyspec.world_id, 1 ^ 0x5a, sizeof(keyspec.world_id));
		keyspec.has_world_id = 1;
	}
}

/* The next module life after @b's: module-load, world-load, checkpoint. */
static void lb_next_life(struct logb *b)
{
	struct logb c;

	lb_init(&c, 3, world_key);
	memset(c.world, 1 ^ 0x5a, sizeof(c.world));
	lb_record(&c, KHSM_AUDIT_MODULE_LOAD, NULL);
	lb_record(&c, KHSM_AUDIT_WORLD_LOAD, NULL);
	lb_checkpoint(&c);
	b->buf = realloc(b->buf, b->len + c.len);
	CHECK(b->buf != NULL);
	memcpy(b->buf + b->len, c.buf, c.len);
	b->len += c.len;
	b->cap = b->len;
	free(c.buf);
}

static enum khsm_audit_verdict verify(const uint8_t *log, size_t len,
				      struct found *fd,
				      struct khsm_audit_verify *res)
{
	memset(fd, 0, sizeof(*fd));
	CHECK_INT(khsm_audit_verify(log, len, &keyspec, 1, res, collect, fd), 0);
	return res->verdict;
}

/* The first finding of @kind, or NULL. */
static const struct khsm_audit_finding *first_of(const struct found *fd,
						 enum khsm_audit_finding_kind k)
{
	size_t i;

	for (i = 0; i < fd->n; i++)
		if (fd->f[i].kind == k)
			return &fd->f[i];
	return NULL;
}

static void verifies(void)
{
	struct khsm_audit_verify res;
	struct found fd;
	struct logb b;

	setup_key();
	lb_standard(&b, 1, world_key);
	CHECK_INT(verify(b.buf, b.len, &fd, &res), KHSM_AUDIT_VERIFIED);
	CHECK_INT(fd.n, 0);
	CHECK_INT(res.records, 10);
	CHECK_INT(res.first_seq, 1);
	CHECK_INT(res.last_seq, 10);
	CHECK_INT(res.segments, 1);
	CHECK_INT(res.checkpoints, 2);
	CHECK_INT(res.checkpoints_ok, 2);
	CHECK_INT(res.sealed, 10);
	free(b.buf);
}

static void parses(void)
{
	struct khsm_audit_record r;
	const struct khsm_audit_item *it;
	uint8_t inst[KHSM_AUDIT_INSTANCE_LEN];
	uint64_t seq;
	struct logb b;

	setup_key();
	lb_standard(&b, 1, world_key);
	CHECK_INT(khsm_audit_record_parse(b.buf + b.off[4], b.len - b.off[4], &r), 0);
	CHECK_INT(r.seq, 5);
	CHECK_INT(r.event, KHSM_AUDIT_CARD_INSERT);
	CHECK_STR(khsm_audit_event_name(r.event), "card-insert");
	CHECK_STR(r.comm, "khsmctl");
	CHECK_INT(r.pid, 42);
	it = khsm_audit_record_item(&r, KHSM_AUDIT_T_REASON);
	CHECK(it && it->len == 16 && !memcmp(it->value, "wrong passphrase", 16));
	CHECK(!khsm_audit_record_item(&r, KHSM_AUDIT_T_SIGNATURE));
	CHECK_STR(khsm_audit_tag_name(KHSM_AUDIT_T_KEY_HASH), "key_hash");
	CHECK_STR(khsm_audit_cause_name(KHSM_AUDIT_CAUSE_TIMEOUT), "timeout");
	CHECK(!khsm_audit_event_name(0xffff));
	/* Short buffers and damaged lengths. */
	CHECK_INT(khsm_audit_record_parse(b.buf, 20, &r), -EMSGSIZE);
	CHECK_INT(khsm_audit_record_parse(b.buf + b.off[4], r.len - 1, &r), -EMSGSIZE);
	/* Where follow resumes: the end of the last complete entry. */
	CHECK_INT(khsm_audit_log_tail(b.buf, b.len, inst, &seq), b.len);
	CHECK_INT(seq, 10);
	CHECK(!memcmp(inst, b.instance, sizeof(inst)));
	CHECK_INT(khsm_audit_log_tail(b.buf, b.len - 1, NULL, &seq), b.off[9]);
	CHECK_INT(seq, 9);
	b.buf[b.off[4] + 2] = 9;	/* version */
	CHECK_INT(khsm_audit_record_parse(b.buf + b.off[4], 500, &r), -EBADMSG);
	CHECK_INT(khsm_audit_log_tail(b.buf, b.len, NULL, &seq), b.off[4]);
	free(b.buf);
}

static void edited_byte(void)
{
	const struct khsm_audit_finding *f;
	struct khsm_audit_verify res;
	struct found fd;
	struct logb b;

	setup_key();
	lb_standard(&b, 1, world_key);
	/* A byte of record 6's comm: its digest no longer fits. */
	b.buf[b.off[5] + offsetof(struct khsm_audit_hdr, comm)] ^= 0x20;
	CHECK_INT(verify(b.buf, b.len, &fd, &res), KHSM_AUDIT_TAMPERED);
	f = first_of(&fd, KHSM_AUDIT_FIND_DIGEST);
	CHECK(f && f->index == 5 && f->seq == 6 && f->offset == b.off[5]);
	CHECK_INT(fd.n, 1);
	CHECK(res.sealed < 10);
	/* The stored digest instead: found at that record too. */
	b.buf[b.off[5] + offsetof(struct khsm_audit_hdr, comm)] ^= 0x20;
	b.buf[b.off[6] - 1] ^= 1;
	CHECK_INT(verify(b.buf, b.len, &fd, &res), KHSM_AUDIT_TAMPERED);
	CHECK(fd.n >= 1 && fd.f[0].kind == KHSM_AUDIT_FIND_DIGEST &&
	      fd.f[0].index == 5);
	free(b.buf);
}

/* The attacker edits and recomputes every digest after: the key stops him. */
static void forged_chain(void)
{
	const struct khsm_audit_finding *f;
	struct khsm_audit_verify res;
	uint8_t prev[32];
	struct found fd;
	struct logb b;
	size_t i, len;

	setup_key();
	lb_standard(&b, 1, world_key);
	b.buf[b.off[6] + offsetof(struct khsm_audit_hdr, pid)] ^= 1;
	memcpy(prev, b.buf + b.off[5] - 32, 32);
	for (i = 5; i < b.n; i++) {
		len = (i + 1 < b.n ? b.off[i + 1] : b.len) - b.off[i] - 32;
		sha(prev, 32, b.buf + b.off[i], len, prev);
		memcpy(b.buf + b.off[i] + len, prev, 32);
	}
	CHECK_INT(verify(b.buf, b.len, &fd, &res), KHSM_AUDIT_TAMPERED);
	f = first_of(&fd, KHSM_AUDIT_FIND_SIGNATURE);
	CHECK(f && f->index == 9 && f->seq == 10);
	CHECK(!first_of(&fd, KHSM_AUDIT_FIND_DIGEST));
	CHECK_INT(res.checkpoints_ok, 1);
	CHECK_INT(res.sealed, 4);
	free(b.buf);
}

static void deleted_record(void)
{
	const struct khsm_audit_finding *f;
	struct khsm_audit_verify res;
	struct found fd;
	struct logb b;
	size_t cut;

	setup_key();
	lb_standard(&b, 1, world_key);
	cut = b.off[7] - b.off[6];		/* seq 7 goes */
	memmove(b.buf + b.off[6], b.buf + b.off[7], b.len - b.off[7]);
	b.len -= cut;
	CHECK_INT(verify(b.buf, b.len, &fd, &res), KHSM_AUDIT_TAMPERED);
	f = first_of(&fd, KHSM_AUDIT_FIND_GAP);
	CHECK(f && f->index == 6 && f->seq == 8 && f->count == 1);
	CHECK(f && strstr(f->text, "records 7..7 are missing"));
	f = first_of(&fd, KHSM_AUDIT_FIND_DIGEST);
	CHECK(f && f->index == 6);
	free(b.buf);
}

static void swapped_records(void)
{
	const struct khsm_audit_finding *f;
	struct khsm_audit_verify res;
	size_t a, alen, blen;
	struct found fd;
	struct logb b;
	uint8_t *tmp;

	setup_key();
	lb_standard(&b, 1, world_key);
	a = b.off[5];				/* seq 6 and 7 trade places */
	alen = b.off[6] - a;
	blen = b.off[7] - b.off[6];
	tmp = malloc(alen + blen);
	memcpy(tmp, b.buf + b.off[6], blen);
	memcpy(tmp + blen, b.buf + a, alen);
	memcpy(b.buf + a, tmp, alen + blen);
	free(tmp);
	CHECK_INT(verify(b.buf, b.len, &fd, &res), KHSM_AUDIT_TAMPERED);
	CHECK(fd.n >= 2);
	f = first_of(&fd, KHSM_AUDIT_FIND_GAP);
	CHECK(f && f->index == 5 && f->seq == 7);
	f = first_of(&fd, KHSM_AUDIT_FIND_ORDER);
	CHECK(f && f->index == 6 && f->seq == 6);
	free(b.buf);
}

static void truncated(void)
{
	const struct khsm_audit_finding *f;
	struct khsm_audit_verify res;
	struct found fd;
	struct logb b;

	setup_key();
	lb_standard(&b, 1, world_key);
	/* The last checkpoint gone: records 5..9 are no longer vouched for. */
	CHECK_INT(verify(b.buf, b.off[9], &fd, &res), KHSM_AUDIT_UNSEALED);
	f = first_of(&fd, KHSM_AUDIT_FIND_UNSEALED);
	CHECK(f && f->seq == 5 && f->count == 5 && f->index == 4);
	CHECK_INT(res.sealed, 4);
	/* Cut in the middle of an entry: said so, and where. */
	CHECK_INT(verify(b.buf, b.off[8] + 30, &fd, &res), KHSM_AUDIT_UNSEALED);
	f = first_of(&fd, KHSM_AUDIT_FIND_CUT);
	CHECK(f && f->offset == b.off[8] && f->index == 8);
	CHECK(first_of(&fd, KHSM_AUDIT_FIND_UNSEALED));
	/* And an empty log proves nothing. */
	CHECK_INT(verify(b.buf, 0, &fd, &res), KHSM_AUDIT_INCOMPLETE);
	free(b.buf);
}

static void spliced(void)
{
	const struct khsm_audit_finding *f;
	struct khsm_audit_verify res;
	struct logb b, other;
	size_t olen, at;
	struct found fd;
	EVP_PKEY *k2;
	uint8_t *log;

	setup_key();
	k2 = new_key();
	lb_standard(&b, 1, world_key);
	lb_standard(&other, 2, k2);
	/* Record 6 of the other world's log, between 6 and 7 of this one. */
	olen = other.off[6] - other.off[5];
	at = b.off[6];
	log = malloc(b.len + olen);
	memcpy(log, b.buf, at);
	memcpy(log + at, other.buf + other.off[5], olen);
	memcpy(log + at + olen, b.buf + at, b.len - at);
	CHECK_INT(verify(log, b.len + olen, &fd, &res), KHSM_AUDIT_TAMPERED);
	f = first_of(&fd, KHSM_AUDIT_FIND_FOREIGN);
	CHECK(f && f->index == 6 && f->seq == 6 && f->offset == at);
	/* Or the other world's whole tail in place of ours. */
	memcpy(log, b.buf, b.off[4]);
	memcpy(log + b.off[4], other.buf + other.off[4], other.len - other.off[4]);
	CHECK_INT(verify(log, b.off[4] + other.len - other.off[4], &fd, &res),
		  KHSM_AUDIT_TAMPERED);
	f = first_of(&fd, KHSM_AUDIT_FIND_FOREIGN);
	CHECK(f && f->index == 4 && f->seq == 5);
	free(log);
	free(other.buf);
	free(b.buf);
	EVP_PKEY_free(k2);
}

static void keys_and_head(void)
{
	const struct khsm_audit_finding *f;
	struct khsm_audit_verify res;
	struct khsm_audit_key k;
	struct found fd;
	struct logb b;
	EVP_PKEY *k2;

	setup_key();
	k2 = new_key();
	lb_standard(&b, 1, world_key);
	/* Another key for this world: every checkpoint fails. */
	k = keyspec;
	key_point(k2, k.pubkey);
	memset(&fd, 0, sizeof(fd));
	CHECK_INT(khsm_audit_verify(b.buf, b.len, &k, 1, &res, collect, &fd), 0);
	CHECK_INT(res.verdict, KHSM_AUDIT_TAMPERED);
	f = first_of(&fd, KHSM_AUDIT_FIND_SIGNATURE);
	CHECK(f && f->index == 3);
	/* A key of another world: nothing checked, said so. */
	memset(k.world_id, 0xee, sizeof(k.world_id));
	CHECK_INT(khsm_audit_verify(b.buf, b.len, &k, 1, &res, collect, &fd), 0);
	CHECK_INT(res.verdict, KHSM_AUDIT_INCOMPLETE);
	/* A PEM key has no world: it is tried on every checkpoint. */
	k = keyspec;
	k.has_world_id = 0;
	CHECK_INT(khsm_audit_verify(b.buf, b.len, &k, 1, &res, NULL, NULL), 0);
	CHECK_INT(res.verdict, KHSM_AUDIT_VERIFIED);
	/* Not a point of the curve. */
	k.pubkey[10] ^= 1;
	CHECK_INT(khsm_audit_verify(b.buf, b.len, &k, 1, &res, NULL, NULL), -EINVAL);
	/* A log that begins after its first record: incomplete, not tampered. */
	CHECK_INT(verify(b.buf + b.off[2], b.len - b.off[2], &fd, &res),
		  KHSM_AUDIT_INCOMPLETE);
	f = first_of(&fd, KHSM_AUDIT_FIND_HEAD);
	CHECK(f && f->seq == 3 && f->count == 2);
	CHECK_INT(res.checkpoints_ok, 2);
	/* Two module lives one after the other: two chains, both verified. */
	lb_next_life(&b);
	CHECK_INT(verify(b.buf, b.len, &fd, &res), KHSM_AUDIT_VERIFIED);
	CHECK_INT(res.segments, 2);
	CHECK_INT(res.sealed, 13);
	free(b.buf);
	EVP_PKEY_free(k2);
}

/*
 * A module life that ended after its last checkpoint (a crash, a power
 * cut), then the next life: the first life's tail is not vouched for, and
 * that is all; the new chain's first record keeps its own sequence number.
 */
static void unsealed_life_then_next(void)
{
	const struct khsm_audit_finding *f;
	struct khsm_audit_verify res;
	struct found fd;
	struct logb b;

	setup_key();
	lb_standard(&b, 1, world_key);
	lb_record(&b, KHSM_AUDIT_KEY_DESTROY, NULL);
	lb_next_life(&b);
	CHECK_INT(verify(b.buf, b.len, &fd, &res), KHSM_AUDIT_UNSEALED);
	CHECK_INT(fd.n, 1);
	f = first_of(&fd, KHSM_AUDIT_FIND_UNSEALED);
	CHECK(f && f->seq == 11 && f->count == 1 && f->index == 10);
	CHECK_INT(res.segments, 2);
	CHECK_INT(res.sealed, 13);
	free(b.buf);
}

static const struct unit_test tests[] = {
	{ "a log as the module writes it verifies", verifies },
	{ "records parse; follow's resume point", parses },
	{ "one byte edited: found at its record", edited_byte },
	{ "a chain forged after an edit: the checkpoint says no", forged_chain },
	{ "a record deleted: the gap and where", deleted_record },
	{ "two records swapped: found", swapped_records },
	{ "cut: the records not vouched for, the cut entry", truncated },
	{ "a record from another world spliced in: found", spliced },
	{ "wrong keys, no key, a PEM key, a late start, two lives", keys_and_head },
	{ "a life cut after its last checkpoint, then the next", unsealed_life_then_next },
};

UNIT_SUITE(audit, tests);
