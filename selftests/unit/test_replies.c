// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The world and card commands on the wire: requests parsed back with
 * libnl as the module's policy would, and replies built as the module
 * would send them (or a broken one might).
 */
#include <errno.h>
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
};

UNIT_SUITE(replies, tests);
