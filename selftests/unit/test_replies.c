// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The world and card commands on the wire: requests parsed back with
 * libnl as the module's policy would, and replies built as the module
 * would send them (or a broken one might).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>

#include "internal.h"
#include "unit.h"

static struct nl_msg *message(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc_size(KHSM_REQ_MAX);

	if (msg && !genlmsg_put(msg, 1, 1, 0x20, 0, 0, cmd, KHSM_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

static struct nlattr *nest(struct nl_msg *msg, int type)
{
	return nla_nest_start(msg, type | NLA_F_NESTED);
}

static void options_nest(void)
{
	struct nlattr *tb[KHSM_A_OPT_MAX + 1], *top[KHSM_A_MAX + 1];
	struct khsm_world_options o, back;
	struct nl_msg *msg = message(KHSM_CMD_WORLD_NEW);

	CHECK(msg);
	if (!msg)
		return;
	khsm_world_options_init(&o);
	khsm_world_options_set(&o, KHSM_A_OPT_ACS_N, 5);
	khsm_world_options_set(&o, KHSM_A_OPT_ACS_K, 3);
	khsm_world_options_set(&o, KHSM_A_OPT_NSO_TIMEOUT, 300);
	khsm_world_options_set(&o, KHSM_A_OPT_STRICT, 1);
	CHECK_INT(khsm_opts_put(msg, KHSM_A_WORLD_OPTS, &o), 0);

	CHECK_INT(genlmsg_parse(nlmsg_hdr(msg), 0, top, KHSM_A_MAX, NULL), 0);
	CHECK(top[KHSM_A_WORLD_OPTS]);
	if (!top[KHSM_A_WORLD_OPTS])
		goto out;
	/* The kernel's strict validation wants the flag on every nest. */
	CHECK(top[KHSM_A_WORLD_OPTS]->nla_type & NLA_F_NESTED);
	CHECK_INT(nla_parse_nested(tb, KHSM_A_OPT_MAX, top[KHSM_A_WORLD_OPTS],
				   NULL), 0);
	/* Only what was given, each with its ABI type. */
	CHECK(tb[KHSM_A_OPT_ACS_K] && nla_len(tb[KHSM_A_OPT_ACS_K]) == 1);
	CHECK_INT(nla_get_u8(tb[KHSM_A_OPT_ACS_K]), 3);
	CHECK_INT(nla_get_u8(tb[KHSM_A_OPT_ACS_N]), 5);
	CHECK(tb[KHSM_A_OPT_NSO_TIMEOUT] &&
	      nla_len(tb[KHSM_A_OPT_NSO_TIMEOUT]) == 4);
	CHECK_INT(nla_get_u32(tb[KHSM_A_OPT_NSO_TIMEOUT]), 300);
	CHECK_INT(nla_get_u8(tb[KHSM_A_OPT_STRICT]), 1);
	CHECK(!tb[KHSM_A_OPT_LOAD_QUORUM] && !tb[KHSM_A_OPT_PBKDF2_ITER]);

	CHECK_INT(khsm_opts_parse(top[KHSM_A_WORLD_OPTS], &back), 0);
	CHECK(!memcmp(&o, &back, sizeof(o)));
out:
	nlmsg_free(msg);
}

static void options_nest_all(void)
{
	struct nlattr *top[KHSM_A_MAX + 1];
	struct khsm_world_options o, back;
	struct nl_msg *msg = message(KHSM_CMD_WORLD_NEW);
	unsigned int a;
	uint32_t min, max;

	CHECK(msg);
	if (!msg)
		return;
	khsm_world_options_init(&o);
	for (a = 1; a <= KHSM_A_OPT_MAX; a++) {
		khsm_world_options_range(a, &min, &max);
		khsm_world_options_set(&o, a, max);
	}
	CHECK_INT(khsm_opts_put(msg, KHSM_A_WORLD_OPTS, &o), 0);
	CHECK_INT(genlmsg_parse(nlmsg_hdr(msg), 0, top, KHSM_A_MAX, NULL), 0);
	CHECK_INT(khsm_opts_parse(top[KHSM_A_WORLD_OPTS], &back), 0);
	CHECK(!memcmp(&o, &back, sizeof(o)));
	nlmsg_free(msg);
}

static void cardset_request(void)
{
	struct nlattr *top[KHSM_A_MAX + 1], *tb[KHSM_A_CARD_MAX + 1], *e;
	struct khsm_card_req cards[2];
	struct khsm_world_options o;
	struct khsm_bind_key bind;
	struct nl_msg *msg = message(KHSM_CMD_WORLD_NEW);
	int rem, n = 0;

	CHECK(msg);
	if (!msg)
		return;
	khsm_world_options_init(&o);
	memset(cards, 0, sizeof(cards));
	cards[0].index = 1;
	strcpy(cards[0].name, "alice");
	cards[0].has_passphrase = 1;
	cards[0].pbkdf2_iter = 200000;
	memset(cards[0].pp_salt, 0x5a, sizeof(cards[0].pp_salt));
	memset(cards[0].pp_key, 0xa5, sizeof(cards[0].pp_key));
	cards[1].index = 2;
	strcpy(cards[1].name, "bob");
	CHECK_INT(khsm_bind_key_parse("logon:khsm:host", &bind), 0);
	CHECK_INT(khsm_cardset_put(msg, &o, cards, 2, &bind), 0);

	CHECK_INT(genlmsg_parse(nlmsg_hdr(msg), 0, top, KHSM_A_MAX, NULL), 0);
	CHECK(top[KHSM_A_CARDS] && (top[KHSM_A_CARDS]->nla_type & NLA_F_NESTED));
	CHECK(top[KHSM_A_BIND_KEY_TYPE] &&
	      !strcmp(nla_get_string(top[KHSM_A_BIND_KEY_TYPE]), "logon"));
	CHECK(top[KHSM_A_BIND_KEY_DESC] &&
	      !strcmp(nla_get_string(top[KHSM_A_BIND_KEY_DESC]), "khsm:host"));
	if (!top[KHSM_A_CARDS])
		goto out;
	nla_for_each_nested(e, top[KHSM_A_CARDS], rem) {
		CHECK_INT(nla_type(e), KHSM_A_CARD_ENTRY);
		CHECK(e->nla_type & NLA_F_NESTED);
		CHECK_INT(nla_parse_nested(tb, KHSM_A_CARD_MAX, e, NULL), 0);
		CHECK_INT(nla_get_u8(tb[KHSM_A_CARD_INDEX]), n + 1);
		CHECK_STR(nla_get_string(tb[KHSM_A_CARD_NAME]), cards[n].name);
		/* Salt, key and count only for a card with a passphrase. */
		CHECK_INT(!!tb[KHSM_A_CARD_PP_KEY], n == 0);
		CHECK_INT(!!tb[KHSM_A_CARD_PP_SALT], n == 0);
		if (!n) {
			CHECK_INT(nla_len(tb[KHSM_A_CARD_PP_KEY]), KHSM_PP_KEY_LEN);
			CHECK_INT(nla_len(tb[KHSM_A_CARD_PP_SALT]), KHSM_PP_SALT_LEN);
			CHECK_INT(nla_get_u32(tb[KHSM_A_CARD_PBKDF2_ITER]), 200000);
		}
		n++;
	}
	CHECK_INT(n, 2);
	/* 64 cards fit in one request. */
	nlmsg_free(msg);
	msg = message(KHSM_CMD_WORLD_NEW);
	{
		struct khsm_card_req *many = calloc(KHSM_MAX_CARDS, sizeof(*many));
		int i;

		CHECK(many && msg);
		for (i = 0; many && i < KHSM_MAX_CARDS; i++) {
			many[i].index = (uint8_t)(i + 1);
			memset(many[i].name, 'n', KHSM_NAME_MAX - 1);
			many[i].has_passphrase = 1;
		}
		if (many && msg)
			CHECK_INT(khsm_cardset_put(msg, &o, many, KHSM_MAX_CARDS,
						   NULL), 0);
		if (many && msg)
			CHECK_INT(khsm_cardset_put(msg, &o, many, 0, NULL),
				  -EINVAL);
		free(many);
	}
out:
	nlmsg_free(msg);
}

static void bind_key_specs(void)
{
	struct khsm_bind_key k;
	char long_desc[KHSM_BIND_DESC_MAX + 16];

	CHECK_INT(khsm_bind_key_parse("trusted:a:b:c", &k), 0);
	CHECK_STR(k.type, "trusted");
	CHECK_STR(k.desc, "a:b:c");
	CHECK_INT(khsm_bind_key_parse("user:x", &k), 0);
	CHECK_INT(khsm_bind_key_parse("encrypted:x", &k), 0);
	CHECK_INT(khsm_bind_key_parse("keyring:x", &k), -EINVAL);
	CHECK_INT(khsm_bind_key_parse("logon:", &k), -EINVAL);
	CHECK_INT(khsm_bind_key_parse("logon", &k), -EINVAL);
	CHECK_INT(khsm_bind_key_parse(":x", &k), -EINVAL);
	CHECK_INT(khsm_bind_key_parse("logo:x", &k), -EINVAL);
	strcpy(long_desc, "logon:");
	memset(long_desc + 6, 'd', KHSM_BIND_DESC_MAX - 1);
	long_desc[6 + KHSM_BIND_DESC_MAX - 1] = '\0';
	CHECK_INT(khsm_bind_key_parse(long_desc, &k), 0);
	strcat(long_desc, "d");
	CHECK_INT(khsm_bind_key_parse(long_desc, &k), -EINVAL);
}

static void world_info_reply(void)
{
	struct nl_msg *msg = message(KHSM_CMD_GET_INFO);
	struct khsm_world_info wi;
	struct nlattr *info, *opts;
	uint8_t id[KHSM_WORLD_ID_LEN], pub[KHSM_AUDIT_PUBKEY_LEN];

	CHECK(msg);
	if (!msg)
		return;
	memset(id, 0x42, sizeof(id));
	memset(pub, 0x04, sizeof(pub));
	info = nest(msg, KHSM_A_INFO);
	nla_put_u32(msg, KHSM_A_INFO_WORLD_STATE, KHSM_WORLD_OPERATIONAL);
	nla_put(msg, KHSM_A_INFO_WORLD_ID, sizeof(id), id);
	nla_put(msg, KHSM_A_INFO_ACS_SET_ID, sizeof(id), id);
	nla_put_u64(msg, KHSM_A_INFO_CREATED, 1732380000ULL);
	nla_put_u32(msg, KHSM_A_INFO_GENERATION, 3);
	nla_put(msg, KHSM_A_INFO_AUDIT_PUBKEY, sizeof(pub), pub);
	nla_put_u32(msg, KHSM_A_INFO_TOKENS_LOADED, 2);
	nla_put_u32(msg, KHSM_A_INFO_ACS_AUTH, 1U << KHSM_TOKEN_ACS);
	nla_put_u32(msg, KHSM_A_INFO_ACS_AUTH_REMAINING, 541000);
	nla_put_u32(msg, KHSM_A_INFO_SLOTS, 4);
	nla_put_flag(msg, KHSM_A_INFO_BOUND);
	nla_put_string(msg, KHSM_A_INFO_BIND_KEY_TYPE, "trusted");
	opts = nest(msg, KHSM_A_INFO_WORLD_OPTS);
	nla_put_u8(msg, KHSM_A_OPT_ACS_K, 2);
	nla_put_u8(msg, KHSM_A_OPT_ACS_N, 3);
	nla_put_u8(msg, KHSM_A_OPT_KR_QUORUM, 0);
	nla_put_u32(msg, KHSM_A_OPT_PBKDF2_ITER, 300000);
	nla_nest_end(msg, opts);
	nla_nest_end(msg, info);

	memset(&wi, 0, sizeof(wi));
	CHECK_INT(khsm_world_info_parse(msg, &wi), 0);
	CHECK_INT(wi.state, KHSM_WORLD_OPERATIONAL);
	CHECK_INT(wi.world_id[0], 0x42);
	CHECK_INT(wi.acs_set_id[15], 0x42);
	CHECK_INT(wi.created, 1732380000ULL);
	CHECK_INT(wi.generation, 3);
	CHECK_INT(wi.audit_pubkey[64], 0x04);
	CHECK_INT(wi.tokens_loaded, 2);
	CHECK_INT(wi.acs_auth, 1);
	CHECK_INT(wi.acs_auth_remaining_ms, 541000);
	CHECK_INT(wi.slots, 4);
	CHECK_INT(wi.bound, 1);
	CHECK(wi.present & KHSM_INFO_BIT(KHSM_A_INFO_BOUND));
	CHECK_STR(wi.bind_key_type, "trusted");
	CHECK(!(wi.present & KHSM_INFO_BIT(KHSM_A_INFO_MODULE_VERSION)));
	CHECK_INT(wi.opts.acs_k, 2);
	CHECK_INT(wi.opts.kr_quorum, 0);	/* as the module said it */
	CHECK_INT(wi.opts.pbkdf2_iter, 300000);
	CHECK_INT(wi.opts.nso_timeout, 600);	/* not sent: the default */
	CHECK(!(wi.opts.set & KHSM_OPT_BIT(KHSM_A_OPT_NSO_TIMEOUT)));
	nlmsg_free(msg);
}

static void world_info_short_id(void)
{
	struct nl_msg *msg = message(KHSM_CMD_GET_INFO);
	struct khsm_world_info wi;
	struct nlattr *info;

	CHECK(msg);
	if (!msg)
		return;
	info = nest(msg, KHSM_A_INFO);
	nla_put_u32(msg, KHSM_A_INFO_WORLD_STATE, KHSM_WORLD_LOADING);
	nla_put(msg, KHSM_A_INFO_WORLD_ID, 15, "123456789012345");
	nla_nest_end(msg, info);
	memset(&wi, 0, sizeof(wi));
	CHECK_INT(khsm_world_info_parse(msg, &wi), -EPROTO);
	nlmsg_free(msg);
	CHECK_STR(khsm_world_state_name(KHSM_WORLD_LOADING), "loading");
}

static void put_card_file(struct nl_msg *msg, uint8_t index, const char *data)
{
	struct nlattr *e = nest(msg, KHSM_A_CARD_ENTRY);

	nla_put_u8(msg, KHSM_A_CARD_INDEX, index);
	nla_put(msg, KHSM_A_CARD_FILE, (int)strlen(data), data);
	nla_nest_end(msg, e);
}

static void world_result_reply(void)
{
	struct nl_msg *msg = message(KHSM_CMD_WORLD_NEW);
	struct khsm_world_result res;
	uint8_t id[KHSM_WORLD_ID_LEN] = { 1 }, pub[KHSM_AUDIT_PUBKEY_LEN] = { 4 };
	struct nlattr *cards;

	CHECK(msg);
	if (!msg)
		return;
	nla_put(msg, KHSM_A_WORLD_ID, sizeof(id), id);
	nla_put(msg, KHSM_A_AUDIT_PUBKEY, sizeof(pub), pub);
	nla_put(msg, KHSM_A_WORLD_FILE, 5, "WORLD");
	cards = nest(msg, KHSM_A_CARDS);
	put_card_file(msg, 2, "two");
	put_card_file(msg, 1, "one");
	put_card_file(msg, 3, "three");
	nla_nest_end(msg, cards);
	nla_put_string(msg, KHSM_A_WARNING, "N >= 2K");
	nla_put_string(msg, KHSM_A_WARNING, "recovery quorum 1");

	memset(&res, 0, sizeof(res));
	CHECK_INT(khsm_world_result_parse(msg, &res), 0);
	CHECK_INT(res.has_world_id, 1);
	CHECK_INT(res.world_id[0], 1);
	CHECK_INT(res.has_audit_pubkey, 1);
	CHECK_INT(res.world_file_len, 5);
	CHECK(res.world_file && !memcmp(res.world_file, "WORLD", 5));
	CHECK_INT(res.ncards, 3);
	if (res.ncards == 3) {
		CHECK_INT(res.cards[0].index, 1);
		CHECK_INT(res.cards[0].len, 3);
		CHECK(!memcmp(res.cards[2].data, "three", 5));
	}
	CHECK_INT(res.nwarnings, 2);
	if (res.nwarnings == 2) {
		CHECK_STR(res.warnings[0], "N >= 2K");
		CHECK_STR(res.warnings[1], "recovery quorum 1");
	}
	khsm_world_result_free(&res);
	CHECK(!res.world_file && !res.cards && !res.ncards);
	khsm_world_result_free(NULL);
	nlmsg_free(msg);
}

static void world_result_refusals(void)
{
	struct khsm_world_result res;
	struct nlattr *cards;
	struct nl_msg *msg;

	/* No world file. */
	msg = message(KHSM_CMD_POLICY_SET);
	CHECK(msg);
	if (!msg)
		return;
	nla_put_string(msg, KHSM_A_WARNING, "w");
	memset(&res, 0, sizeof(res));
	CHECK_INT(khsm_world_result_parse(msg, &res), -EPROTO);
	khsm_world_result_free(&res);
	nlmsg_free(msg);

	/* A card twice. */
	msg = message(KHSM_CMD_WORLD_NEW);
	CHECK(msg);
	if (!msg)
		return;
	nla_put(msg, KHSM_A_WORLD_FILE, 1, "W");
	cards = nest(msg, KHSM_A_CARDS);
	put_card_file(msg, 1, "one");
	put_card_file(msg, 1, "uno");
	nla_nest_end(msg, cards);
	memset(&res, 0, sizeof(res));
	CHECK_INT(khsm_world_result_parse(msg, &res), -EPROTO);
	khsm_world_result_free(&res);
	nlmsg_free(msg);

	/* A world id one byte short. */
	msg = message(KHSM_CMD_WORLD_NEW);
	CHECK(msg);
	if (!msg)
		return;
	nla_put(msg, KHSM_A_WORLD_FILE, 1, "W");
	nla_put(msg, KHSM_A_WORLD_ID, KHSM_WORLD_ID_LEN - 1, "123456789012345");
	memset(&res, 0, sizeof(res));
	CHECK_INT(khsm_world_result_parse(msg, &res), -EPROTO);
	khsm_world_result_free(&res);
	nlmsg_free(msg);
}

static void put_quorum(struct nl_msg *msg, uint32_t token, uint8_t have,
		       uint8_t need, bool done)
{
	struct nlattr *e = nest(msg, KHSM_A_QUORUM_ENTRY);

	nla_put_u32(msg, KHSM_A_QUORUM_TOKEN, token);
	nla_put_u8(msg, KHSM_A_QUORUM_HAVE, have);
	nla_put_u8(msg, KHSM_A_QUORUM_NEED, need);
	if (done)
		nla_put_flag(msg, KHSM_A_QUORUM_DONE);
	nla_nest_end(msg, e);
}

static void insert_reply(void)
{
	struct nl_msg *msg = message(KHSM_CMD_CARD_INSERT);
	struct khsm_insert_result res;
	const struct khsm_quorum *q;
	struct nlattr *cards, *e, *quorum;
	uint8_t sid[KHSM_SET_ID_LEN] = { 9 };

	CHECK(msg);
	if (!msg)
		return;
	cards = nest(msg, KHSM_A_CARDS);
	e = nest(msg, KHSM_A_CARD_ENTRY);
	nla_put_u8(msg, KHSM_A_CARD_INDEX, 2);
	nla_put_string(msg, KHSM_A_CARD_NAME, "alice");
	nla_put_string(msg, KHSM_A_CARD_SET_NAME, "acs");
	nla_put(msg, KHSM_A_CARD_SET_ID, sizeof(sid), sid);
	nla_put_u8(msg, KHSM_A_CARD_K, 2);
	nla_put_u8(msg, KHSM_A_CARD_N, 3);
	nla_nest_end(msg, e);
	nla_nest_end(msg, cards);
	quorum = nest(msg, KHSM_A_QUORUM);
	put_quorum(msg, KHSM_TOKEN_ACS, 1, 2, false);
	put_quorum(msg, KHSM_TOKEN_LOAD_WORLD, 1, 1, true);
	nla_nest_end(msg, quorum);

	memset(&res, 0, sizeof(res));
	CHECK_INT(khsm_insert_result_parse(msg, &res), 0);
	CHECK_INT(res.index, 2);
	CHECK_INT(res.k, 2);
	CHECK_INT(res.n, 3);
	CHECK_STR(res.card_name, "alice");
	CHECK_STR(res.set_name, "acs");
	CHECK_INT(res.has_set_id, 1);
	CHECK_INT(res.set_id[0], 9);
	CHECK_INT(res.nquorum, 2);
	q = khsm_insert_quorum(&res, KHSM_TOKEN_LOAD_WORLD);
	CHECK(q && q->have == 1 && q->need == 1 && q->done);
	q = khsm_insert_quorum(&res, KHSM_TOKEN_ACS);
	CHECK(q && q->have == 1 && q->need == 2 && !q->done);
	CHECK(!khsm_insert_quorum(&res, KHSM_TOKEN_PP_RECOVERY));
	CHECK(!khsm_insert_quorum(NULL, KHSM_TOKEN_ACS));
	CHECK_STR(khsm_token_name(KHSM_TOKEN_LOAD_WORLD), "load-world");
	CHECK_STR(khsm_token_name(KHSM_TOKEN__COUNT), "unknown");
	nlmsg_free(msg);
}

static void slots_reply(void)
{
	struct nl_msg *msg = message(KHSM_CMD_SLOT_LIST);
	struct khsm_slot *slots = NULL;
	struct nlattr *list, *e;
	size_t n = 0;

	CHECK(msg);
	if (!msg)
		return;
	list = nest(msg, KHSM_A_SLOTS);
	e = nest(msg, KHSM_A_SLOT_ENTRY);
	nla_put_u8(msg, KHSM_A_SLOT_NUMBER, 0);
	nla_nest_end(msg, e);
	e = nest(msg, KHSM_A_SLOT_ENTRY);
	nla_put_u8(msg, KHSM_A_SLOT_NUMBER, 1);
	nla_put_flag(msg, KHSM_A_SLOT_OCCUPIED);
	nla_put_u8(msg, KHSM_A_SLOT_CARD_INDEX, 3);
	nla_put_string(msg, KHSM_A_SLOT_CARD_NAME, "carol");
	nla_put_string(msg, KHSM_A_SLOT_SET_NAME, "acs");
	nla_put_u32(msg, KHSM_A_SLOT_OWNER_PID, 4242);
	nla_nest_end(msg, e);
	nla_nest_end(msg, list);

	CHECK_INT(khsm_slots_parse(msg, &slots, &n), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_INT(slots[0].occupied, 0);
		CHECK_INT(slots[1].number, 1);
		CHECK_INT(slots[1].occupied, 1);
		CHECK_INT(slots[1].card_index, 3);
		CHECK_STR(slots[1].card_name, "carol");
		CHECK_INT(slots[1].owner_pid, 4242);
	}
	free(slots);
	nlmsg_free(msg);
}

/* CARD_INSERT with a share gid; the old call refuses the new flag. */
static void insert_request(void)
{
	struct nlattr *tb[KHSM_A_MAX + 1];
	uint8_t key[KHSM_PP_KEY_LEN];
	struct khsm_insert_req req;
	struct nl_msg *msg = message(KHSM_CMD_CARD_INSERT);

	CHECK(msg);
	if (!msg)
		return;
	memset(key, 0x5a, sizeof(key));
	memset(&req, 0, sizeof(req));
	req.image = "CARD";
	req.len = 4;
	req.pp_key = key;
	req.slot = 3;
	req.flags = KHSM_INSERT_SHARE_GID;
	req.share_gid = 1234;
	CHECK_INT(khsm_insert_put(msg, &req), 0);
	CHECK_INT(genlmsg_parse(nlmsg_hdr(msg), 0, tb, KHSM_A_MAX, NULL), 0);
	CHECK(tb[KHSM_A_SLOT] && nla_get_u8(tb[KHSM_A_SLOT]) == 3);
	CHECK(tb[KHSM_A_CARD_IMAGE] && nla_len(tb[KHSM_A_CARD_IMAGE]) == 4);
	CHECK(tb[KHSM_A_PP_KEY] && nla_len(tb[KHSM_A_PP_KEY]) == KHSM_PP_KEY_LEN);
	CHECK(tb[KHSM_A_SHARE_GID] && nla_len(tb[KHSM_A_SHARE_GID]) == 4);
	CHECK_INT(nla_get_u32(tb[KHSM_A_SHARE_GID]), 1234);
	CHECK(!tb[KHSM_A_VERIFY_ONLY]);
	nlmsg_free(msg);
	/* Without a handle: refused before anything is sent. */
	CHECK_INT(khsm_card_insert_req(NULL, &req, NULL), -EINVAL);
	/* The struct the 1.1 callers compiled against keeps its size. */
	CHECK_INT(sizeof(struct khsm_insert_result), 248);
}

static void put_set_quorum(struct nl_msg *msg, uint8_t have, uint8_t need,
			   bool done)
{
	struct nlattr *e = nest(msg, KHSM_A_QUORUM_ENTRY);
	uint8_t sid[KHSM_SET_ID_LEN] = { 7 };

	nla_put(msg, KHSM_A_QUORUM_SET_ID, sizeof(sid), sid);
	nla_put_u8(msg, KHSM_A_QUORUM_HAVE, have);
	nla_put_u8(msg, KHSM_A_QUORUM_NEED, need);
	if (done)
		nla_put_flag(msg, KHSM_A_QUORUM_DONE);
	nla_nest_end(msg, e);
}

/* A CARD_INSERT reply for card 1 of an OCS, with its set's progress. */
static struct nl_msg *set_insert_reply(uint8_t have, uint8_t need, bool done,
				       bool token)
{
	struct nl_msg *msg = message(KHSM_CMD_CARD_INSERT);
	struct nlattr *cards, *e, *quorum;

	if (!msg)
		return NULL;
	cards = nest(msg, KHSM_A_CARDS);
	e = nest(msg, KHSM_A_CARD_ENTRY);
	nla_put_u8(msg, KHSM_A_CARD_INDEX, 1);
	nla_put_string(msg, KHSM_A_CARD_SET_NAME, "payments");
	nla_nest_end(msg, e);
	nla_nest_end(msg, cards);
	quorum = nest(msg, KHSM_A_QUORUM);
	put_set_quorum(msg, have, need, done);
	nla_nest_end(msg, quorum);
	if (token)
		nla_put_u64(msg, KHSM_A_TOKEN_ID, UINT64_C(0xfedcba9876543210));
	return msg;
}

static void insert_reply_set(void)
{
	struct khsm_insert_result res;
	struct nlattr *quorum, *e;
	struct nl_msg *msg;

	msg = set_insert_reply(2, 2, true, true);
	CHECK(msg);
	if (!msg)
		return;
	memset(&res, 0, sizeof(res));
	CHECK_INT(khsm_insert_result_parse(msg, &res), 0);
	CHECK_INT(res.nquorum, 0);
	CHECK_INT(res.has_set_quorum, 1);
	CHECK_INT(res.set_have, 2);
	CHECK_INT(res.set_need, 2);
	CHECK_INT(res.set_done, 1);
	CHECK_INT(res.has_token_id, 1);
	CHECK(res.token_id == UINT64_C(0xfedcba9876543210));
	CHECK_STR(res.set_name, "payments");
	nlmsg_free(msg);

	/* Not yet: progress, no token. */
	msg = set_insert_reply(1, 2, false, false);
	memset(&res, 0, sizeof(res));
	CHECK_INT(khsm_insert_result_parse(msg, &res), 0);
	CHECK(res.has_set_quorum && res.set_have == 1 && !res.set_done);
	CHECK_INT(res.has_token_id, 0);
	nlmsg_free(msg);

	/* A token without the quorum met makes no sense. */
	msg = set_insert_reply(1, 2, false, true);
	memset(&res, 0, sizeof(res));
	CHECK_INT(khsm_insert_result_parse(msg, &res), -EPROTO);
	nlmsg_free(msg);

	/* An entry that is both an ACS token's and a set's. */
	msg = set_insert_reply(1, 2, false, false);
	quorum = nest(msg, KHSM_A_QUORUM);
	e = nest(msg, KHSM_A_QUORUM_ENTRY);
	nla_put_u32(msg, KHSM_A_QUORUM_TOKEN, KHSM_TOKEN_ACS);
	nla_put(msg, KHSM_A_QUORUM_SET_ID, KHSM_SET_ID_LEN, "0123456789abcdef");
	nla_put_u8(msg, KHSM_A_QUORUM_HAVE, 1);
	nla_put_u8(msg, KHSM_A_QUORUM_NEED, 1);
	nla_nest_end(msg, e);
	nla_nest_end(msg, quorum);
	memset(&res, 0, sizeof(res));
	CHECK_INT(khsm_insert_result_parse(msg, &res), -EPROTO);
	nlmsg_free(msg);
}

static void cardset_create_request(void)
{
	struct nlattr *top[KHSM_A_MAX + 1], *tb[KHSM_A_CARDSET_MAX + 1];
	struct khsm_cardset_req req;
	struct khsm_card_req cards[3];
	struct nl_msg *msg = message(KHSM_CMD_CARDSET_CREATE);
	unsigned int i;

	CHECK(msg);
	if (!msg)
		return;
	memset(&req, 0, sizeof(req));
	memset(cards, 0, sizeof(cards));
	for (i = 0; i < 3; i++) {
		cards[i].index = (uint8_t)(i + 1);
		snprintf(cards[i].name, sizeof(cards[i].name), "c%u", i + 1);
	}
	req.type = KHSM_SET_OCS;
	req.k = 2;
	req.n = 3;
	req.timeout = 300;
	req.flags = KHSM_CARDSET_PERSISTENT;
	strcpy(req.name, "payments");
	CHECK_INT(khsm_cardset_create_put(msg, &req, cards, 3), 0);
	CHECK_INT(genlmsg_parse(nlmsg_hdr(msg), 0, top, KHSM_A_MAX, NULL), 0);
	CHECK(top[KHSM_A_CARDSET] && top[KHSM_A_CARDS]);
	if (!top[KHSM_A_CARDSET])
		goto out;
	CHECK(top[KHSM_A_CARDSET]->nla_type & NLA_F_NESTED);
	CHECK_INT(nla_parse_nested(tb, KHSM_A_CARDSET_MAX, top[KHSM_A_CARDSET],
				   NULL), 0);
	CHECK_INT(nla_get_u8(tb[KHSM_A_CARDSET_TYPE]), KHSM_SET_OCS);
	CHECK_STR(nla_get_string(tb[KHSM_A_CARDSET_NAME]), "payments");
	CHECK_INT(nla_get_u8(tb[KHSM_A_CARDSET_K]), 2);
	CHECK_INT(nla_get_u8(tb[KHSM_A_CARDSET_N]), 3);
	CHECK_INT(nla_get_u8(tb[KHSM_A_CARDSET_PERSISTENT]), 1);
	CHECK_INT(nla_get_u32(tb[KHSM_A_CARDSET_TIMEOUT]), 300);
	CHECK_INT(nla_get_u8(tb[KHSM_A_CARDSET_PP_RECOVERY]), 0);
	/* Not asked for: the world's switch decides. */
	CHECK(!tb[KHSM_A_CARDSET_RECOVERY]);
	CHECK(!tb[KHSM_A_CARDSET_SET_ID]);
out:
	nlmsg_free(msg);

	msg = message(KHSM_CMD_CARDSET_CREATE);
	req.flags = KHSM_CARDSET_NO_RECOVERY;
	CHECK_INT(khsm_cardset_create_put(msg, &req, cards, 3), 0);
	genlmsg_parse(nlmsg_hdr(msg), 0, top, KHSM_A_MAX, NULL);
	nla_parse_nested(tb, KHSM_A_CARDSET_MAX, top[KHSM_A_CARDSET], NULL);
	CHECK(tb[KHSM_A_CARDSET_RECOVERY] &&
	      nla_get_u8(tb[KHSM_A_CARDSET_RECOVERY]) == 0);
	nlmsg_free(msg);

	msg = message(KHSM_CMD_CARDSET_CREATE);
	req.flags = KHSM_CARDSET_RECOVERY | KHSM_CARDSET_NO_RECOVERY;
	CHECK_INT(khsm_cardset_create_put(msg, &req, cards, 3), -EINVAL);
	req.flags = 1U << 10;
	CHECK_INT(khsm_cardset_create_put(msg, &req, cards, 3), -EINVAL);
	req.flags = 0;
	req.name[0] = '\0';
	CHECK_INT(khsm_cardset_create_put(msg, &req, cards, 3), -EINVAL);
	memset(req.name, 'x', sizeof(req.name));
	CHECK_INT(khsm_cardset_create_put(msg, &req, cards, 3), -EINVAL);
	nlmsg_free(msg);
}

static struct nl_msg *cardset_reply(bool with_id, bool with_cards)
{
	struct nl_msg *msg = message(KHSM_CMD_CARDSET_CREATE);
	uint8_t sid[KHSM_SET_ID_LEN] = { 0xab };
	struct nlattr *set, *cards;

	if (!msg)
		return NULL;
	set = nest(msg, KHSM_A_CARDSET);
	nla_put_u8(msg, KHSM_A_CARDSET_TYPE, KHSM_SET_OCS);
	nla_put_string(msg, KHSM_A_CARDSET_NAME, "payments");
	nla_put_u8(msg, KHSM_A_CARDSET_K, 2);
	nla_put_u8(msg, KHSM_A_CARDSET_N, 2);
	nla_put_u8(msg, KHSM_A_CARDSET_RECOVERY, 1);
	nla_put_u32(msg, KHSM_A_CARDSET_TIMEOUT, 60);
	if (with_id)
		nla_put(msg, KHSM_A_CARDSET_SET_ID, sizeof(sid), sid);
	nla_nest_end(msg, set);
	if (with_cards) {
		cards = nest(msg, KHSM_A_CARDS);
		put_card_file(msg, 2, "two");
		put_card_file(msg, 1, "one");
		nla_nest_end(msg, cards);
	}
	return msg;
}

static void cardset_create_reply(void)
{
	struct khsm_cardset_result res;
	struct nl_msg *msg = cardset_reply(true, true);

	CHECK(msg);
	if (!msg)
		return;
	memset(&res, 0, sizeof(res));
	CHECK_INT(khsm_cardset_result_parse(msg, &res), 0);
	CHECK_INT(res.set_id[0], 0xab);
	CHECK_INT(res.type, KHSM_SET_OCS);
	CHECK_STR(res.name, "payments");
	CHECK_INT(res.k, 2);
	CHECK_INT(res.recovery, 1);
	CHECK_INT(res.timeout, 60);
	CHECK(res.present & KHSM_CARDSET_BIT(KHSM_A_CARDSET_RECOVERY));
	CHECK(!(res.present & KHSM_CARDSET_BIT(KHSM_A_CARDSET_PERSISTENT)));
	CHECK_INT(res.ncards, 2);
	if (res.ncards == 2) {
		CHECK_INT(res.cards[0].index, 1);
		CHECK(!memcmp(res.cards[1].data, "two", 3));
	}
	/* A second reply to the same request. */
	CHECK_INT(khsm_cardset_result_parse(msg, &res), -EPROTO);
	khsm_cardset_result_free(&res);
	CHECK(!res.cards && !res.ncards && !res.present);
	khsm_cardset_result_free(NULL);
	nlmsg_free(msg);

	msg = cardset_reply(false, true);
	memset(&res, 0, sizeof(res));
	CHECK_INT(khsm_cardset_result_parse(msg, &res), -EPROTO);
	khsm_cardset_result_free(&res);
	nlmsg_free(msg);
	msg = cardset_reply(true, false);
	memset(&res, 0, sizeof(res));
	CHECK_INT(khsm_cardset_result_parse(msg, &res), -EPROTO);
	khsm_cardset_result_free(&res);
	nlmsg_free(msg);
}

static void put_token(struct nl_msg *msg, uint64_t id, bool shared,
		      bool timeout)
{
	struct nlattr *e = nest(msg, KHSM_A_TOKEN_ENTRY);
	uint8_t sid[KHSM_SET_ID_LEN] = { 0xcd };

	if (id)
		nla_put_u64(msg, KHSM_A_TOKEN_TOKEN_ID, id);
	nla_put(msg, KHSM_A_TOKEN_SET_ID, sizeof(sid), sid);
	nla_put_string(msg, KHSM_A_TOKEN_NAME, "web");
	nla_put_u8(msg, KHSM_A_TOKEN_TYPE, KHSM_SET_SOFTCARD);
	nla_put_flag(msg, KHSM_A_TOKEN_PERSISTENT);
	nla_put_u32(msg, KHSM_A_TOKEN_OWNER_UID, 1000);
	if (shared)
		nla_put_u32(msg, KHSM_A_TOKEN_SHARE_GID, 1001);
	nla_put_u32(msg, KHSM_A_TOKEN_LOADER_PID, 4242);
	if (timeout)
		nla_put_u32(msg, KHSM_A_TOKEN_REMAINING_MS, 59000);
	nla_nest_end(msg, e);
}

static void tokens_reply(void)
{
	struct nl_msg *msg = message(KHSM_CMD_TOKEN_LIST);
	struct khsm_token_info *t = NULL;
	struct nlattr *list;
	size_t n = 0;

	CHECK(msg);
	if (!msg)
		return;
	list = nest(msg, KHSM_A_TOKENS);
	put_token(msg, 1, false, false);
	put_token(msg, UINT64_MAX, true, true);
	nla_nest_end(msg, list);
	CHECK_INT(khsm_tokens_parse(msg, &t, &n), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK(t[0].id == 1 && !t[0].shared && !t[0].has_remaining);
		CHECK(t[1].id == UINT64_MAX);
		CHECK_INT(t[1].set_id[0], 0xcd);
		CHECK_STR(t[1].name, "web");
		CHECK_INT(t[1].type, KHSM_SET_SOFTCARD);
		CHECK_INT(t[1].persistent, 1);
		CHECK_INT(t[1].owner_uid, 1000);
		CHECK(t[1].shared && t[1].share_gid == 1001);
		CHECK_INT(t[1].loader_pid, 4242);
		CHECK(t[1].has_remaining && t[1].remaining_ms == 59000);
	}
	free(t);
	nlmsg_free(msg);

	/* No token loaded: no nest, or an empty one. */
	msg = message(KHSM_CMD_TOKEN_LIST);
	t = NULL;
	n = 0;
	CHECK_INT(khsm_tokens_parse(msg, &t, &n), 0);
	CHECK(!t && !n);
	nlmsg_free(msg);

	/* A token without its id. */
	msg = message(KHSM_CMD_TOKEN_LIST);
	list = nest(msg, KHSM_A_TOKENS);
	put_token(msg, 0, false, false);
	nla_nest_end(msg, list);
	CHECK_INT(khsm_tokens_parse(msg, &t, &n), -EPROTO);
	free(t);
	nlmsg_free(msg);
}

/* CARD_PASSPHRASE: the card, the old key, one entry with the new one. */
static void card_passphrase_request(void)
{
	struct nlattr *tb[KHSM_A_MAX + 1], *cb[KHSM_A_CARD_MAX + 1], *e;
	struct nl_msg *msg = message(KHSM_CMD_CARD_PASSPHRASE);
	uint8_t old[KHSM_PP_KEY_LEN];
	struct khsm_card_req card;
	struct khsm_card_file out;
	int rem, n = 0;

	CHECK(msg);
	if (!msg)
		return;
	memset(old, 0x11, sizeof(old));
	memset(&card, 0, sizeof(card));
	CHECK_INT(khsm_card_passphrase_put(msg, "CARD", 4, old, &card), -EINVAL);
	card.index = 2;
	CHECK_INT(khsm_card_passphrase_put(msg, "CARD", 0, old, &card), -EINVAL);
	CHECK_INT(khsm_card_passphrase_put(msg, "CARD", KHSM_FILE_MAX + 1, old,
					   &card), -EFBIG);
	CHECK_INT(genlmsg_attrlen(nlmsg_data(nlmsg_hdr(msg)), 0), 0);
	strcpy(card.name, "bob");
	card.has_passphrase = 1;
	card.pbkdf2_iter = 1000;
	memset(card.pp_salt, 0x22, sizeof(card.pp_salt));
	memset(card.pp_key, 0x33, sizeof(card.pp_key));
	CHECK_INT(khsm_card_passphrase_put(msg, "CARD", 4, old, &card), 0);
	CHECK_INT(genlmsg_parse(nlmsg_hdr(msg), 0, tb, KHSM_A_MAX, NULL), 0);
	CHECK(tb[KHSM_A_CARD_IMAGE] && nla_len(tb[KHSM_A_CARD_IMAGE]) == 4);
	CHECK(tb[KHSM_A_PP_KEY] && !memcmp(nla_data(tb[KHSM_A_PP_KEY]), old,
					   sizeof(old)));
	CHECK(!tb[KHSM_A_SLOT]);
	if (tb[KHSM_A_CARDS]) {
		nla_for_each_nested(e, tb[KHSM_A_CARDS], rem) {
			n++;
			nla_parse_nested(cb, KHSM_A_CARD_MAX, e, NULL);
			CHECK_INT(nla_get_u8(cb[KHSM_A_CARD_INDEX]), 2);
			CHECK_STR(nla_get_string(cb[KHSM_A_CARD_NAME]), "bob");
			CHECK_INT(nla_get_u32(cb[KHSM_A_CARD_PBKDF2_ITER]), 1000);
			CHECK(cb[KHSM_A_CARD_PP_SALT] && cb[KHSM_A_CARD_PP_KEY]);
		}
	}
	CHECK_INT(n, 1);
	nlmsg_free(msg);
	/* A lost passphrase, and a card that is to have none. */
	msg = message(KHSM_CMD_CARD_PASSPHRASE);
	card.has_passphrase = 0;
	CHECK_INT(khsm_card_passphrase_put(msg, "CARD", 4, NULL, &card), 0);
	CHECK_INT(genlmsg_parse(nlmsg_hdr(msg), 0, tb, KHSM_A_MAX, NULL), 0);
	CHECK(!tb[KHSM_A_PP_KEY]);
	if (tb[KHSM_A_CARDS]) {
		e = nla_data(tb[KHSM_A_CARDS]);
		nla_parse_nested(cb, KHSM_A_CARD_MAX, e, NULL);
		CHECK(!cb[KHSM_A_CARD_PP_KEY] && !cb[KHSM_A_CARD_PP_SALT] &&
		      !cb[KHSM_A_CARD_PBKDF2_ITER]);
	}
	nlmsg_free(msg);
	CHECK_INT(khsm_card_passphrase(NULL, "CARD", 4, NULL, &card, &out),
		  -EINVAL);
	CHECK(!out.data);
	khsm_card_file_free(NULL);
}

/* CARD_PASSPHRASE's reply: exactly one card file. */
static void card_passphrase_reply(void)
{
	struct khsm_card_file out;
	struct nlattr *cards;
	struct nl_msg *msg;

	msg = message(KHSM_CMD_CARD_PASSPHRASE);
	cards = nest(msg, KHSM_A_CARDS);
	put_card_file(msg, 2, "newcard");
	nla_nest_end(msg, cards);
	memset(&out, 0, sizeof(out));
	CHECK_INT(khsm_card_file_parse(msg, &out), 0);
	CHECK_INT(out.index, 2);
	CHECK(out.len == 7 && out.data && !memcmp(out.data, "newcard", 7));
	/* One reply per request. */
	CHECK_INT(khsm_card_file_parse(msg, &out), -EPROTO);
	khsm_card_file_free(&out);
	CHECK(!out.data && !out.len);
	nlmsg_free(msg);

	msg = message(KHSM_CMD_CARD_PASSPHRASE);
	cards = nest(msg, KHSM_A_CARDS);
	put_card_file(msg, 1, "one");
	put_card_file(msg, 2, "two");
	nla_nest_end(msg, cards);
	CHECK_INT(khsm_card_file_parse(msg, &out), -EPROTO);
	CHECK(!out.data);
	nlmsg_free(msg);
	msg = message(KHSM_CMD_CARD_PASSPHRASE);
	cards = nest(msg, KHSM_A_CARDS);
	nla_nest_end(msg, cards);
	CHECK_INT(khsm_card_file_parse(msg, &out), -EPROTO);
	nlmsg_free(msg);
	msg = message(KHSM_CMD_CARD_PASSPHRASE);
	CHECK_INT(khsm_card_file_parse(msg, &out), -EPROTO);
	nlmsg_free(msg);
}

static const struct unit_test tests[] = {
	{ "options nest: only what was given", options_nest },
	{ "options nest: every option", options_nest_all },
	{ "WORLD_NEW request", cardset_request },
	{ "binding key specs", bind_key_specs },
	{ "GET_INFO world section", world_info_reply },
	{ "GET_INFO world id of the wrong size", world_info_short_id },
	{ "world file, card files and warnings", world_result_reply },
	{ "world result refusals", world_result_refusals },
	{ "CARD_INSERT reply", insert_reply },
	{ "SLOT_LIST reply", slots_reply },
	{ "CARD_INSERT request with a share gid", insert_request },
	{ "CARD_INSERT reply of a set card", insert_reply_set },
	{ "CARDSET_CREATE request", cardset_create_request },
	{ "CARDSET_CREATE reply", cardset_create_reply },
	{ "TOKEN_LIST reply", tokens_reply },
	{ "CARD_PASSPHRASE request", card_passphrase_request },
	{ "CARD_PASSPHRASE reply", card_passphrase_reply },
};

UNIT_SUITE(replies, tests);
