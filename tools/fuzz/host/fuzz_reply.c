// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control channel's reply parsers, fed as libnl feeds them. The input
 * is one selector byte (which request's replies these are) followed by
 * what one recv() returned: netlink messages back to back. Each message
 * is cut out and checked the way nl_recvmsgs() does (nlmsg_ok(), then
 * nlmsg_convert()) and handed to the parser khsm_nl_transact()'s valid
 * callback would call, one message after another into the same result,
 * as a multi-part dump arrives; an NLMSG_ERROR goes to
 * khsm_extack_parse() as the error callback gives it.
 */
#include <stdint.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>

#include "internal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* CARD_PASSPHRASE's parser, in libkhsm 1.4 on: absent before. */
int khsm_card_file_parse(struct nl_msg *msg, struct khsm_card_file *out)
	__attribute__((weak));

enum which {
	R_WORLD, R_INSERT, R_SLOTS, R_CARDSET, R_TOKENS, R_KEY, R_INFO,
	R_WORLD_INFO, R_CARD_FILE, R_AUDIT_STATUS, R_AUDIT_RECORD, R_AUDIT_SEQ,
	R_AUDIT_GROUP,
	R__COUNT
};

union result {
	struct khsm_world_result world;
	struct khsm_insert_result insert;
	struct {
		struct khsm_slot *v;
		size_t n;
	} slots;
	struct khsm_cardset_result cardset;
	struct {
		struct khsm_token_info *v;
		size_t n;
	} tokens;
	struct khsm_key_result key;
	struct khsm_info info;
	struct khsm_world_info world_info;
	struct khsm_card_file card_file;
	struct khsm_audit_status audit_status;
	struct {
		size_t n;
		int fail_at;	/* the callback's answer for record n */
	} records;
	uint64_t seq;
	uint32_t group;
};

/* Where one_record() reads every byte of a record to. */
volatile uint8_t fuzz_reply_sink;

/* AUDIT_GET's and the multicast group's callback: what arrives is bounded. */
static int one_record(const uint8_t *rec, size_t len, const uint8_t *digest,
		      void *arg)
{
	union result *r = arg;
	size_t i;

	FUZZ_ASSERT(rec && digest);
	FUZZ_ASSERT(len >= 1 && len <= KHSM_AUDIT_REC_MAX);
	/* Every byte read, so ASan sees a record that overran its message. */
	for (i = 0; i < len; i++)
		fuzz_reply_sink ^= rec[i];
	for (i = 0; i < KHSM_AUDIT_DIGEST_LEN; i++)
		fuzz_reply_sink ^= digest[i];
	/* A callback's error stops the walk and is what the caller gets. */
	return ++r->records.n == (size_t)r->records.fail_at ? -ECANCELED : 0;
}

/* What the caller relies on once a parser said 0. */
static void check(enum which w, const union result *r)
{
	size_t i;

	switch (w) {
	case R_WORLD:
		FUZZ_ASSERT(r->world.world_file && r->world.world_file_len);
		for (i = 0; i < r->world.ncards; i++) {
			FUZZ_ASSERT(r->world.cards[i].data);
			FUZZ_ASSERT(r->world.cards[i].index >= 1 &&
				    r->world.cards[i].index <= KHSM_MAX_CARDS);
			if (i)	/* sorted, each index once */
				FUZZ_ASSERT(r->world.cards[i - 1].index <
					    r->world.cards[i].index);
		}
		for (i = 0; i < r->world.nwarnings; i++)
			FUZZ_ASSERT(r->world.warnings[i]);
		break;
	case R_INSERT:
		FUZZ_ASSERT(r->insert.nquorum <= KHSM_QUORUM_MAX);
		FUZZ_TERMINATED(r->insert.card_name);
		FUZZ_TERMINATED(r->insert.set_name);
		if (r->insert.has_token_id)
			FUZZ_ASSERT(r->insert.has_set_quorum &&
				    r->insert.set_done);
		break;
	case R_SLOTS:
		for (i = 0; i < r->slots.n; i++) {
			FUZZ_TERMINATED(r->slots.v[i].card_name);
			FUZZ_TERMINATED(r->slots.v[i].set_name);
		}
		break;
	case R_CARDSET:
		FUZZ_ASSERT(r->cardset.ncards >= 1 && r->cardset.cards);
		FUZZ_ASSERT(r->cardset.present &
			    KHSM_CARDSET_BIT(KHSM_A_CARDSET_SET_ID));
		FUZZ_TERMINATED(r->cardset.name);
		break;
	case R_TOKENS:
		for (i = 0; i < r->tokens.n; i++)
			FUZZ_TERMINATED(r->tokens.v[i].name);
		break;
	case R_KEY:
		FUZZ_ASSERT(r->key.blob && r->key.blob_len >= 1 &&
			    r->key.blob_len <= KHSM_BLOB_MAX);
		break;
	case R_INFO:
		FUZZ_TERMINATED(r->info.module_version);
		FUZZ_TERMINATED(r->info.selftest_reason);
		break;
	case R_WORLD_INFO:
		FUZZ_ASSERT(r->world_info.present &
			    KHSM_INFO_BIT(KHSM_A_INFO_WORLD_STATE));
		break;
	case R_CARD_FILE:
		FUZZ_ASSERT(r->card_file.data && r->card_file.len);
		break;
	case R_AUDIT_STATUS:
		FUZZ_ASSERT(r->audit_status.next);
		break;
	case R_AUDIT_SEQ:
		FUZZ_ASSERT(r->seq);
		break;
	case R_AUDIT_RECORD:
		FUZZ_ASSERT(r->records.n >= 1);
		break;
	default:
		break;
	}
}

static int parse(enum which w, struct nl_msg *msg, union result *r)
{
	switch (w) {
	case R_WORLD:
		return khsm_world_result_parse(msg, &r->world);
	case R_INSERT:
		return khsm_insert_result_parse(msg, &r->insert);
	case R_SLOTS:
		return khsm_slots_parse(msg, &r->slots.v, &r->slots.n);
	case R_CARDSET:
		return khsm_cardset_result_parse(msg, &r->cardset);
	case R_TOKENS:
		return khsm_tokens_parse(msg, &r->tokens.v, &r->tokens.n);
	case R_KEY:
		return khsm_key_result_parse(msg, &r->key);
	case R_INFO:
		return khsm_info_parse(msg, &r->info);
	case R_WORLD_INFO:
		return khsm_world_info_parse(msg, &r->world_info);
	case R_CARD_FILE:
		return khsm_card_file_parse(msg, &r->card_file);
	case R_AUDIT_STATUS:
		return khsm_audit_status_parse(msg, &r->audit_status);
	case R_AUDIT_RECORD:
		return khsm_audit_record_msg(nlmsg_hdr(msg), one_record, r);
	case R_AUDIT_SEQ:
		return khsm_audit_seq_parse(msg, &r->seq);
	case R_AUDIT_GROUP:
		return khsm_audit_group_parse(msg, &r->group);
	default:
		return -EINVAL;
	}
}

static void release(enum which w, union result *r)
{
	switch (w) {
	case R_WORLD:
		khsm_world_result_free(&r->world);
		break;
	case R_SLOTS:
		free(r->slots.v);
		break;
	case R_CARDSET:
		khsm_cardset_result_free(&r->cardset);
		break;
	case R_TOKENS:
		free(r->tokens.v);
		break;
	case R_KEY:
		khsm_key_result_free(&r->key);
		break;
	case R_CARD_FILE:
		khsm_card_file_free(&r->card_file);
		break;
	default:
		break;
	}
}

/* libnl's error callback path: long enough for a struct nlmsgerr. */
static void error_message(struct nlmsghdr *nlh)
{
	struct khsm_extack ext;
	int ret;

	if (nlh->nlmsg_len < (unsigned int)nlmsg_size(sizeof(struct nlmsgerr)))
		return;
	memset(&ext, 0xa5, sizeof(ext));
	ret = khsm_extack_parse(nlh, &ext);
	FUZZ_SAY("extack: %d '%s' %d\n", ret, ext.msg, ext.offset);
	FUZZ_ASSERT(ret == 0 || ret == -EPROTO);
	FUZZ_TERMINATED(ext.msg);
	FUZZ_ASSERT(ext.offset >= -1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	union result r;
	struct nlmsghdr *nlh;
	enum which w;
	uint8_t *buf;
	int n, err = 0, seen = 0;

	if (size < 1 || size > 65536)
		return 0;
	w = (enum which)(data[0] % R__COUNT);
	if (w == R_CARD_FILE && !khsm_card_file_parse)
		return 0;
	/* An exact-size copy, aligned as a recv buffer is. */
	n = (int)(size - 1);
	buf = malloc(n ? (size_t)n : 1);
	FUZZ_ASSERT(buf);
	memcpy(buf, data + 1, (size_t)n);
	memset(&r, 0, sizeof(r));
	/* The selector's high part: which record's callback says stop. */
	if (w == R_AUDIT_RECORD)
		r.records.fail_at = data[0] / R__COUNT;
	for (nlh = (struct nlmsghdr *)buf; nlmsg_ok(nlh, n);
	     nlh = nlmsg_next(nlh, &n)) {
		struct nl_msg *msg;

		if (nlh->nlmsg_type == NLMSG_ERROR) {
			error_message(nlh);
			break;
		}
		if (nlh->nlmsg_type == NLMSG_DONE)
			break;
		if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
			continue;
		msg = nlmsg_convert(nlh);
		FUZZ_ASSERT(msg);
		/* valid_cb: after the first failure the rest is only read. */
		if (!err) {
			err = parse(w, msg, &r);
			FUZZ_SAY("parser %d: message type %u: %d\n", (int)w,
				 nlh->nlmsg_type, err);
			FUZZ_ASSERT(err <= 0);
			if (err == -ECANCELED)	/* only the callback says it */
				FUZZ_ASSERT(w == R_AUDIT_RECORD &&
					    r.records.n == (size_t)r.records.fail_at);
			seen = 1;
		}
		nlmsg_free(msg);
	}
	if (seen && !err)
		check(w, &r);
	release(w, &r);
	free(buf);
	return 0;
}
