// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The audit log's parsers: khsm_audit_record_parse() on each entry of a
 * log file, khsm_audit_verify() on the whole of it, and
 * khsm_audit_log_tail(), which khsmctl audit follow resumes from.
 *
 * Input: one byte of switches, then (switch 1) a key as the verifier is
 * given it (a 65-byte point and a 16-byte world id; switch 2 says the id
 * counts), then the log file. The seeds (gen-corpus.c) carry the key that
 * signed their checkpoints, so the signature paths are reached too.
 */
#include <stdint.h>

#include "internal.h"
#include <khsm/audit.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define F_KEY		0x01
#define F_WORLD_ID	0x02

/* Every entry's record: what a parse promises about its fields. */
static void records(const uint8_t *log, size_t len)
{
	static struct khsm_audit_record rec, again;
	size_t off = 0, i;
	int ret;

	while (off < len) {
		ret = khsm_audit_record_parse(log + off, len - off, &rec);
		if (ret) {
			FUZZ_ASSERT(ret == -EMSGSIZE || ret == -EBADMSG);
			return;
		}
		FUZZ_ASSERT(rec.len <= len - off);
		FUZZ_ASSERT(rec.hdr_len <= rec.len);
		FUZZ_ASSERT(rec.nitems <= KHSM_AUDIT_ITEMS_MAX);
		FUZZ_TERMINATED(rec.comm);
		for (i = 0; i < rec.nitems; i++) {
			const struct khsm_audit_item *it = &rec.items[i];

			/* Items point into the record, not past it. */
			FUZZ_ASSERT(it->value >= log + off);
			FUZZ_ASSERT(it->value + it->len <= log + off + rec.len);
			FUZZ_ASSERT(khsm_audit_record_item(&rec, it->tag));
			(void)khsm_audit_tag_name(it->tag);
		}
		(void)khsm_audit_event_name(rec.event);
		/* The record alone parses the same: it reads nothing after. */
		FUZZ_ASSERT(!khsm_audit_record_parse(log + off, rec.len,
						     &again));
		FUZZ_ASSERT(again.seq == rec.seq && again.nitems == rec.nitems);
		if (rec.len < 1 || len - off - rec.len < 32)
			return;
		off += rec.len + 32;	/* the record, then its chain digest */
	}
}

static size_t nfound;

static void count(const struct khsm_audit_finding *f, void *arg)
{
	size_t len = *(const size_t *)arg;

	FUZZ_TERMINATED(f->text);
	FUZZ_ASSERT(f->text[0]);
	FUZZ_ASSERT(f->kind <= KHSM_AUDIT_FIND_UNSEALED);
	FUZZ_ASSERT(f->offset <= len);
	nfound++;
}

static void verify(const uint8_t *log, size_t len,
		   const struct khsm_audit_key *key, size_t nkeys)
{
	struct khsm_audit_verify res, again;
	int ret;

	nfound = 0;
	memset(&res, 0xa5, sizeof(res));
	ret = khsm_audit_verify(log, len, key, nkeys, &res, count, &len);
	FUZZ_SAY("verify %d: verdict %d, %llu records, %llu findings, %llu/%llu checkpoints\n",
		 ret, (int)res.verdict, (unsigned long long)res.records,
		 (unsigned long long)res.findings,
		 (unsigned long long)res.checkpoints_ok,
		 (unsigned long long)res.checkpoints);
	if (ret) {
		FUZZ_ASSERT(ret == -EINVAL && nkeys);	/* a key off the curve */
		return;
	}
	FUZZ_ASSERT(res.verdict <= KHSM_AUDIT_TAMPERED);
	FUZZ_ASSERT(res.findings == nfound);
	FUZZ_ASSERT(res.checkpoints_ok <= res.checkpoints);
	FUZZ_ASSERT(res.checkpoints <= res.records);
	FUZZ_ASSERT(res.sealed <= res.records);
	FUZZ_ASSERT(res.verdict != KHSM_AUDIT_VERIFIED || !nfound);
	FUZZ_ASSERT(res.verdict == KHSM_AUDIT_VERIFIED || nfound);
	/* Without the finding callback: the same verdict. */
	FUZZ_ASSERT(!khsm_audit_verify(log, len, key, nkeys, &again, NULL,
				       NULL));
	FUZZ_ASSERT(again.verdict == res.verdict &&
		    again.findings == res.findings &&
		    again.records == res.records);
}

static void tail(const uint8_t *log, size_t len)
{
	uint8_t inst[KHSM_AUDIT_INSTANCE_LEN], inst2[KHSM_AUDIT_INSTANCE_LEN];
	uint64_t seq, seq2;
	size_t end;

	end = khsm_audit_log_tail(log, len, inst, &seq);
	FUZZ_ASSERT(end <= len);
	FUZZ_ASSERT(end || !seq);
	/* Resuming there finds the same last entry. */
	FUZZ_ASSERT(khsm_audit_log_tail(log, end, inst2, &seq2) == end);
	FUZZ_ASSERT(seq2 == seq);
	FUZZ_ASSERT(!seq || !memcmp(inst, inst2, sizeof(inst)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct khsm_audit_key key;
	size_t nkeys = 0;
	uint8_t sw;

	if (!size)
		return 0;
	sw = data[0];
	data++;
	size--;
	memset(&key, 0, sizeof(key));
	if (sw & F_KEY) {
		if (size < KHSM_AUDIT_PUBKEY_LEN + KHSM_WORLD_ID_LEN)
			return 0;
		memcpy(key.pubkey, data, KHSM_AUDIT_PUBKEY_LEN);
		memcpy(key.world_id, data + KHSM_AUDIT_PUBKEY_LEN,
		       KHSM_WORLD_ID_LEN);
		key.has_world_id = !!(sw & F_WORLD_ID);
		data += KHSM_AUDIT_PUBKEY_LEN + KHSM_WORLD_ID_LEN;
		size -= KHSM_AUDIT_PUBKEY_LEN + KHSM_WORLD_ID_LEN;
		nkeys = 1;
	}
	records(data, size);
	verify(data, size, nkeys ? &key : NULL, nkeys);
	tail(data, size);
	return 0;
}
