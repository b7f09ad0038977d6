// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Replies of the world, card, slot, card set, token and key commands, into
 * the caller's structs.
 * Pure (a message in, a struct out), so the unit tests feed it replies
 * built with libnl. A reply that breaks the ABI is -EPROTO; attributes
 * newer than this library are skipped, so an old library keeps working
 * against a newer module.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>

#include "internal.h"

#define EXACT(n)	{ .type = NLA_UNSPEC, .minlen = (n), .maxlen = (n) }
#define BLOB		{ .type = NLA_UNSPEC, .minlen = 1, .maxlen = KHSM_FILE_MAX }

static const struct nla_policy card_policy[KHSM_A_CARD_MAX + 1] = {
	[KHSM_A_CARD_INDEX]	= { .type = NLA_U8 },
	[KHSM_A_CARD_NAME]	= { .type = NLA_STRING },
	[KHSM_A_CARD_FILE]	= BLOB,
	[KHSM_A_CARD_SET_NAME]	= { .type = NLA_STRING },
	[KHSM_A_CARD_SET_ID]	= EXACT(KHSM_SET_ID_LEN),
	[KHSM_A_CARD_K]		= { .type = NLA_U8 },
	[KHSM_A_CARD_N]		= { .type = NLA_U8 },
};

static const struct nla_policy quorum_policy[KHSM_A_QUORUM_MAX + 1] = {
	[KHSM_A_QUORUM_TOKEN]	= { .type = NLA_U32 },
	[KHSM_A_QUORUM_HAVE]	= { .type = NLA_U8 },
	[KHSM_A_QUORUM_NEED]	= { .type = NLA_U8 },
	[KHSM_A_QUORUM_DONE]	= { .type = NLA_FLAG },
	[KHSM_A_QUORUM_SET_ID]	= EXACT(KHSM_SET_ID_LEN),
};

static const struct nla_policy slot_policy[KHSM_A_SLOT_MAX + 1] = {
	[KHSM_A_SLOT_NUMBER]	 = { .type = NLA_U8 },
	[KHSM_A_SLOT_OCCUPIED]	 = { .type = NLA_FLAG },
	[KHSM_A_SLOT_CARD_INDEX] = { .type = NLA_U8 },
	[KHSM_A_SLOT_CARD_NAME]	 = { .type = NLA_STRING },
	[KHSM_A_SLOT_SET_NAME]	 = { .type = NLA_STRING },
	[KHSM_A_SLOT_OWNER_PID]	 = { .type = NLA_U32 },
};

static const struct nla_policy top_policy[KHSM_A_MAX + 1] = {
	[KHSM_A_CARDS]		= { .type = NLA_NESTED },
	[KHSM_A_WORLD_FILE]	= BLOB,
	[KHSM_A_WORLD_ID]	= EXACT(KHSM_WORLD_ID_LEN),
	[KHSM_A_AUDIT_PUBKEY]	= EXACT(KHSM_AUDIT_PUBKEY_LEN),
	[KHSM_A_WARNING]	= { .type = NLA_STRING },
	[KHSM_A_QUORUM]		= { .type = NLA_NESTED },
	[KHSM_A_SLOTS]		= { .type = NLA_NESTED },
	[KHSM_A_WORLD_STATE]	= { .type = NLA_U32 },
	[KHSM_A_CARDSET]	= { .type = NLA_NESTED },
	[KHSM_A_TOKENS]		= { .type = NLA_NESTED },
	[KHSM_A_TOKEN_ID]	= { .type = NLA_U64 },
	[KHSM_A_KEY]		= { .type = NLA_NESTED },
};

static const struct nla_policy key_policy[KHSM_A_KEY_MAX + 1] = {
	[KHSM_A_KEY_BLOB]	= { .type = NLA_UNSPEC, .minlen = 1,
				    .maxlen = KHSM_BLOB_MAX },
	[KHSM_A_KEY_HASH]	= EXACT(KHSM_KEY_HASH_LEN),
};

static const struct nla_policy cardset_policy[KHSM_A_CARDSET_MAX + 1] = {
	[KHSM_A_CARDSET_TYPE]		= { .type = NLA_U8 },
	[KHSM_A_CARDSET_NAME]		= { .type = NLA_STRING },
	[KHSM_A_CARDSET_K]		= { .type = NLA_U8 },
	[KHSM_A_CARDSET_N]		= { .type = NLA_U8 },
	[KHSM_A_CARDSET_PERSISTENT]	= { .type = NLA_U8 },
	[KHSM_A_CARDSET_TIMEOUT]	= { .type = NLA_U32 },
	[KHSM_A_CARDSET_RECOVERY]	= { .type = NLA_U8 },
	[KHSM_A_CARDSET_PP_RECOVERY]	= { .type = NLA_U8 },
	[KHSM_A_CARDSET_SET_ID]		= EXACT(KHSM_SET_ID_LEN),
};

static const struct nla_policy token_policy[KHSM_A_TOKEN_MAX + 1] = {
	[KHSM_A_TOKEN_TOKEN_ID]		= { .type = NLA_U64 },
	[KHSM_A_TOKEN_SET_ID]		= EXACT(KHSM_SET_ID_LEN),
	[KHSM_A_TOKEN_NAME]		= { .type = NLA_STRING },
	[KHSM_A_TOKEN_TYPE]		= { .type = NLA_U8 },
	[KHSM_A_TOKEN_PERSISTENT]	= { .type = NLA_FLAG },
	[KHSM_A_TOKEN_OWNER_UID]	= { .type = NLA_U32 },
	[KHSM_A_TOKEN_SHARE_GID]	= { .type = NLA_U32 },
	[KHSM_A_TOKEN_LOADER_PID]	= { .type = NLA_U32 },
	[KHSM_A_TOKEN_REMAINING_MS]	= { .type = NLA_U32 },
};

static struct nlattr *attrs_of(struct nl_msg *msg, int *len)
{
	struct genlmsghdr *gnlh = nlmsg_data(nlmsg_hdr(msg));

	*len = genlmsg_attrlen(gnlh, 0);
	return genlmsg_attrdata(gnlh, 0);
}

/* The top-level attributes, checked; repeated ones are the caller's. */
int khsm_reply_parse(struct nl_msg *msg, struct nlattr **tb)
{
	if (!genlmsg_valid_hdr(nlmsg_hdr(msg), 0))
		return -EPROTO;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, KHSM_A_MAX, top_policy))
		return -EPROTO;
	return 0;
}

static void *dup_attr(const struct nlattr *a, size_t *len)
{
	void *p = malloc((size_t)nla_len(a));

	if (p) {
		memcpy(p, nla_data(a), (size_t)nla_len(a));
		*len = (size_t)nla_len(a);
	}
	return p;
}

/* KHSM_A_WARNING may come many times, which genlmsg_parse() hides. */
static int add_warnings(struct nl_msg *msg, struct khsm_world_result *res)
{
	struct nlattr *a;
	int len, rem;

	nla_for_each_attr(a, attrs_of(msg, &len), len, rem) {
		char **w;

		if (nla_type(a) != KHSM_A_WARNING)
			continue;
		w = realloc(res->warnings, (res->nwarnings + 1) * sizeof(*w));
		if (!w)
			return -ENOMEM;
		res->warnings = w;
		w[res->nwarnings] = strdup(nla_get_string(a));
		if (!w[res->nwarnings])
			return -ENOMEM;
		res->nwarnings++;
	}
	return 0;
}

/* The module's card files, one per index, into a growing array. */
struct card_files {
	struct khsm_card_file **cards;
	size_t *n;
};

static int card_file_add(struct card_files *cf, struct nlattr **tb)
{
	struct khsm_card_file *c;
	uint8_t index;
	size_t i;

	if (!tb[KHSM_A_CARD_INDEX] || !tb[KHSM_A_CARD_FILE])
		return -EPROTO;
	index = nla_get_u8(tb[KHSM_A_CARD_INDEX]);
	if (!index || index > KHSM_MAX_CARDS)
		return -EPROTO;
	for (i = 0; i < *cf->n; i++)
		if ((*cf->cards)[i].index == index)
			return -EPROTO;
	c = realloc(*cf->cards, (*cf->n + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	*cf->cards = c;
	c = &c[*cf->n];
	memset(c, 0, sizeof(*c));
	c->index = index;
	c->data = dup_attr(tb[KHSM_A_CARD_FILE], &c->len);
	if (!c->data)
		return -ENOMEM;
	(*cf->n)++;
	return 0;
}

static int by_index(const void *a, const void *b)
{
	const struct khsm_card_file *x = a, *y = b;

	return (int)x->index - (int)y->index;
}

static int card_files_parse(struct nlattr *cards, struct khsm_card_file **files,
			    size_t *n)
{
	struct card_files cf = { .cards = files, .n = n };
	struct nlattr *tb[KHSM_A_CARD_MAX + 1];
	struct nlattr *e;
	int rem, ret;

	nla_for_each_nested(e, cards, rem) {
		if (nla_type(e) != KHSM_A_CARD_ENTRY)
			continue;
		if (nla_parse_nested(tb, KHSM_A_CARD_MAX, e, card_policy))
			return -EPROTO;
		ret = card_file_add(&cf, tb);
		if (ret)
			return ret;
	}
	if (*n)
		qsort(*files, *n, sizeof(**files), by_index);
	return 0;
}

static void card_files_free(struct khsm_card_file *cards, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(cards[i].data);
	free(cards);
}

/*
 * WORLD_NEW, ACS_REPLACE, WORLD_BIND and POLICY_SET all answer with a
 * world file, and some with more; which are required is the caller's call.
 */
int khsm_world_result_parse(struct nl_msg *msg, struct khsm_world_result *res)
{
	struct nlattr *tb[KHSM_A_MAX + 1];
	int ret;

	ret = khsm_reply_parse(msg, tb);
	if (ret)
		return ret;
	if (res->world_file)	/* one reply per request */
		return -EPROTO;
	if (tb[KHSM_A_WORLD_ID]) {
		nla_memcpy(res->world_id, tb[KHSM_A_WORLD_ID], KHSM_WORLD_ID_LEN);
		res->has_world_id = 1;
	}
	if (tb[KHSM_A_AUDIT_PUBKEY]) {
		nla_memcpy(res->audit_pubkey, tb[KHSM_A_AUDIT_PUBKEY],
			   KHSM_AUDIT_PUBKEY_LEN);
		res->has_audit_pubkey = 1;
	}
	if (!tb[KHSM_A_WORLD_FILE])
		return -EPROTO;
	res->world_file = dup_attr(tb[KHSM_A_WORLD_FILE], &res->world_file_len);
	if (!res->world_file)
		return -ENOMEM;
	if (tb[KHSM_A_CARDS]) {
		ret = card_files_parse(tb[KHSM_A_CARDS], &res->cards,
				       &res->ncards);
		if (ret)
			return ret;
	}
	return add_warnings(msg, res);
}

/* CARD_PASSPHRASE: exactly one card file. */
int khsm_card_file_parse(struct nl_msg *msg, struct khsm_card_file *out)
{
	struct nlattr *tb[KHSM_A_MAX + 1];
	struct khsm_card_file *files = NULL;
	size_t n = 0;
	int ret;

	ret = khsm_reply_parse(msg, tb);
	if (ret)
		return ret;
	if (out->data || !tb[KHSM_A_CARDS])	/* one reply per request */
		return -EPROTO;
	ret = card_files_parse(tb[KHSM_A_CARDS], &files, &n);
	if (!ret && n != 1)
		ret = -EPROTO;
	if (ret) {
		card_files_free(files, n);
		return ret;
	}
	*out = files[0];
	free(files);
	return 0;
}

KHSM_API void khsm_world_result_free(struct khsm_world_result *res)
{
	size_t i;

	if (!res)
		return;
	free(res->world_file);
	card_files_free(res->cards, res->ncards);
	for (i = 0; i < res->nwarnings; i++)
		free(res->warnings[i]);
	free(res->warnings);
	memset(res, 0, sizeof(*res));
}

/* The one card CARD_INSERT read. */
static int card_desc_parse(struct nlattr *cards, struct khsm_insert_result *res)
{
	struct nlattr *tb[KHSM_A_CARD_MAX + 1];
	struct nlattr *e;
	int rem, n = 0;

	nla_for_each_nested(e, cards, rem) {
		if (nla_type(e) != KHSM_A_CARD_ENTRY)
			continue;
		if (n++ || nla_parse_nested(tb, KHSM_A_CARD_MAX, e, card_policy))
			return -EPROTO;
		if (!tb[KHSM_A_CARD_INDEX])
			return -EPROTO;
		res->index = nla_get_u8(tb[KHSM_A_CARD_INDEX]);
		if (tb[KHSM_A_CARD_K])
			res->k = nla_get_u8(tb[KHSM_A_CARD_K]);
		if (tb[KHSM_A_CARD_N])
			res->n = nla_get_u8(tb[KHSM_A_CARD_N]);
		if (tb[KHSM_A_CARD_NAME])
			nla_strlcpy(res->card_name, tb[KHSM_A_CARD_NAME],
				    sizeof(res->card_name));
		if (tb[KHSM_A_CARD_SET_NAME])
			nla_strlcpy(res->set_name, tb[KHSM_A_CARD_SET_NAME],
				    sizeof(res->set_name));
		if (tb[KHSM_A_CARD_SET_ID]) {
			nla_memcpy(res->set_id, tb[KHSM_A_CARD_SET_ID],
				   KHSM_SET_ID_LEN);
			res->has_set_id = 1;
		}
	}
	return n == 1 ? 0 : -EPROTO;
}

/* The entry of an operator card set or softcard: the card's own set. */
static int set_quorum_fill(struct nlattr **tb, struct khsm_insert_result *res)
{
	if (res->has_set_quorum)	/* one set per card */
		return -EPROTO;
	res->has_set_quorum = 1;
	res->set_have = nla_get_u8(tb[KHSM_A_QUORUM_HAVE]);
	res->set_need = nla_get_u8(tb[KHSM_A_QUORUM_NEED]);
	res->set_done = !!tb[KHSM_A_QUORUM_DONE];
	return 0;
}

/*
 * Each entry is an ACS token's (QUORUM_TOKEN) or a set's (QUORUM_SET_ID),
 * never both. ACS entries past KHSM_QUORUM_MAX (tokens of a newer module)
 * are dropped.
 */
static int quorum_parse(struct nlattr *quorum, struct khsm_insert_result *res)
{
	struct nlattr *tb[KHSM_A_QUORUM_MAX + 1];
	struct khsm_quorum *q;
	struct nlattr *e;
	int rem;

	nla_for_each_nested(e, quorum, rem) {
		if (nla_type(e) != KHSM_A_QUORUM_ENTRY)
			continue;
		if (nla_parse_nested(tb, KHSM_A_QUORUM_MAX, e, quorum_policy) ||
		    !tb[KHSM_A_QUORUM_HAVE] || !tb[KHSM_A_QUORUM_NEED] ||
		    (tb[KHSM_A_QUORUM_TOKEN] != NULL) ==
		    (tb[KHSM_A_QUORUM_SET_ID] != NULL))
			return -EPROTO;
		if (tb[KHSM_A_QUORUM_SET_ID]) {
			if (set_quorum_fill(tb, res))
				return -EPROTO;
			continue;
		}
		if (res->nquorum == KHSM_QUORUM_MAX)
			continue;
		q = &res->quorum[res->nquorum++];
		q->token = nla_get_u32(tb[KHSM_A_QUORUM_TOKEN]);
		q->have = nla_get_u8(tb[KHSM_A_QUORUM_HAVE]);
		q->need = nla_get_u8(tb[KHSM_A_QUORUM_NEED]);
		q->done = !!tb[KHSM_A_QUORUM_DONE];
	}
	return 0;
}

int khsm_insert_result_parse(struct nl_msg *msg, struct khsm_insert_result *res)
{
	struct nlattr *tb[KHSM_A_MAX + 1];
	int ret;

	ret = khsm_reply_parse(msg, tb);
	if (ret)
		return ret;
	if (!tb[KHSM_A_CARDS])
		return -EPROTO;
	ret = card_desc_parse(tb[KHSM_A_CARDS], res);
	if (!ret && tb[KHSM_A_QUORUM])
		ret = quorum_parse(tb[KHSM_A_QUORUM], res);
	if (ret || !tb[KHSM_A_TOKEN_ID])
		return ret;
	/* A token comes only from a set's quorum, met now. */
	if (!res->has_set_quorum || !res->set_done)
		return -EPROTO;
	res->token_id = nla_get_u64(tb[KHSM_A_TOKEN_ID]);
	res->has_token_id = 1;
	return 0;
}

KHSM_API const struct khsm_quorum *
khsm_insert_quorum(const struct khsm_insert_result *res, uint32_t token)
{
	uint32_t i;

	for (i = 0; res && i < res->nquorum && i < KHSM_QUORUM_MAX; i++)
		if (res->quorum[i].token == token)
			return &res->quorum[i];
	return NULL;
}

static void slot_fill(struct nlattr **tb, struct khsm_slot *s)
{
	memset(s, 0, sizeof(*s));
	s->number = nla_get_u8(tb[KHSM_A_SLOT_NUMBER]);
	s->occupied = !!tb[KHSM_A_SLOT_OCCUPIED];
	if (tb[KHSM_A_SLOT_CARD_INDEX])
		s->card_index = nla_get_u8(tb[KHSM_A_SLOT_CARD_INDEX]);
	if (tb[KHSM_A_SLOT_OWNER_PID])
		s->owner_pid = nla_get_u32(tb[KHSM_A_SLOT_OWNER_PID]);
	if (tb[KHSM_A_SLOT_CARD_NAME])
		nla_strlcpy(s->card_name, tb[KHSM_A_SLOT_CARD_NAME],
			    sizeof(s->card_name));
	if (tb[KHSM_A_SLOT_SET_NAME])
		nla_strlcpy(s->set_name, tb[KHSM_A_SLOT_SET_NAME],
			    sizeof(s->set_name));
}

int khsm_slots_parse(struct nl_msg *msg, struct khsm_slot **slots,
		     size_t *nslots)
{
	struct nlattr *top[KHSM_A_MAX + 1];
	struct nlattr *tb[KHSM_A_SLOT_MAX + 1];
	struct khsm_slot *s;
	struct nlattr *e;
	int rem, ret;

	ret = khsm_reply_parse(msg, top);
	if (ret)
		return ret;
	if (!top[KHSM_A_SLOTS])
		return -EPROTO;
	nla_for_each_nested(e, top[KHSM_A_SLOTS], rem) {
		if (nla_type(e) != KHSM_A_SLOT_ENTRY)
			continue;
		if (nla_parse_nested(tb, KHSM_A_SLOT_MAX, e, slot_policy) ||
		    !tb[KHSM_A_SLOT_NUMBER])
			return -EPROTO;
		s = realloc(*slots, (*nslots + 1) * sizeof(*s));
		if (!s)
			return -ENOMEM;
		*slots = s;
		slot_fill(tb, &s[(*nslots)++]);
	}
	return 0;
}

static void get_u8(const struct nlattr *a, uint8_t *out)
{
	if (a)
		*out = nla_get_u8(a);
}

/* The KHSM_A_CARDSET nest of a CARDSET_CREATE reply; SET_ID required. */
static int cardset_fill(struct nlattr *nest, struct khsm_cardset_result *res)
{
	struct nlattr *tb[KHSM_A_CARDSET_MAX + 1];
	unsigned int a;

	if (nla_parse_nested(tb, KHSM_A_CARDSET_MAX, nest, cardset_policy) ||
	    !tb[KHSM_A_CARDSET_SET_ID])
		return -EPROTO;
	for (a = 1; a <= KHSM_A_CARDSET_MAX; a++)
		if (tb[a])
			res->present |= KHSM_CARDSET_BIT(a);
	nla_memcpy(res->set_id, tb[KHSM_A_CARDSET_SET_ID], KHSM_SET_ID_LEN);
	if (tb[KHSM_A_CARDSET_NAME])
		nla_strlcpy(res->name, tb[KHSM_A_CARDSET_NAME],
			    sizeof(res->name));
	if (tb[KHSM_A_CARDSET_TIMEOUT])
		res->timeout = nla_get_u32(tb[KHSM_A_CARDSET_TIMEOUT]);
	get_u8(tb[KHSM_A_CARDSET_TYPE], &res->type);
	get_u8(tb[KHSM_A_CARDSET_K], &res->k);
	get_u8(tb[KHSM_A_CARDSET_N], &res->n);
	get_u8(tb[KHSM_A_CARDSET_PERSISTENT], &res->persistent);
	get_u8(tb[KHSM_A_CARDSET_RECOVERY], &res->recovery);
	get_u8(tb[KHSM_A_CARDSET_PP_RECOVERY], &res->pp_recovery);
	return 0;
}

int khsm_cardset_result_parse(struct nl_msg *msg,
			      struct khsm_cardset_result *res)
{
	struct nlattr *tb[KHSM_A_MAX + 1];
	int ret;

	ret = khsm_reply_parse(msg, tb);
	if (ret)
		return ret;
	if (res->present || !tb[KHSM_A_CARDSET] || !tb[KHSM_A_CARDS])
		return -EPROTO;	/* one reply per request, with both */
	ret = cardset_fill(tb[KHSM_A_CARDSET], res);
	if (ret)
		return ret;
	ret = card_files_parse(tb[KHSM_A_CARDS], &res->cards, &res->ncards);
	if (!ret && !res->ncards)
		ret = -EPROTO;
	return ret;
}

KHSM_API void khsm_cardset_result_free(struct khsm_cardset_result *res)
{
	if (!res)
		return;
	card_files_free(res->cards, res->ncards);
	memset(res, 0, sizeof(*res));
}

/* One token; the ABI's always-present attributes are required. */
static int token_fill(struct nlattr **tb, struct khsm_token_info *t)
{
	if (!tb[KHSM_A_TOKEN_TOKEN_ID] || !tb[KHSM_A_TOKEN_SET_ID] ||
	    !tb[KHSM_A_TOKEN_TYPE] || !tb[KHSM_A_TOKEN_OWNER_UID])
		return -EPROTO;
	memset(t, 0, sizeof(*t));
	t->id = nla_get_u64(tb[KHSM_A_TOKEN_TOKEN_ID]);
	nla_memcpy(t->set_id, tb[KHSM_A_TOKEN_SET_ID], KHSM_SET_ID_LEN);
	t->type = nla_get_u8(tb[KHSM_A_TOKEN_TYPE]);
	t->persistent = !!tb[KHSM_A_TOKEN_PERSISTENT];
	t->owner_uid = nla_get_u32(tb[KHSM_A_TOKEN_OWNER_UID]);
	if (tb[KHSM_A_TOKEN_SHARE_GID]) {
		t->share_gid = nla_get_u32(tb[KHSM_A_TOKEN_SHARE_GID]);
		t->shared = 1;
	}
	if (tb[KHSM_A_TOKEN_LOADER_PID])
		t->loader_pid = nla_get_u32(tb[KHSM_A_TOKEN_LOADER_PID]);
	if (tb[KHSM_A_TOKEN_REMAINING_MS]) {
		t->remaining_ms = nla_get_u32(tb[KHSM_A_TOKEN_REMAINING_MS]);
		t->has_remaining = 1;
	}
	if (tb[KHSM_A_TOKEN_NAME])
		nla_strlcpy(t->name, tb[KHSM_A_TOKEN_NAME], sizeof(t->name));
	return 0;
}

int khsm_tokens_parse(struct nl_msg *msg, struct khsm_token_info **tokens,
		      size_t *n)
{
	struct nlattr *top[KHSM_A_MAX + 1];
	struct nlattr *tb[KHSM_A_TOKEN_MAX + 1];
	struct khsm_token_info *t;
	struct nlattr *e;
	int rem, ret;

	ret = khsm_reply_parse(msg, top);
	if (ret)
		return ret;
	if (!top[KHSM_A_TOKENS])	/* no token loaded */
		return 0;
	nla_for_each_nested(e, top[KHSM_A_TOKENS], rem) {
		if (nla_type(e) != KHSM_A_TOKEN_ENTRY)
			continue;
		if (nla_parse_nested(tb, KHSM_A_TOKEN_MAX, e, token_policy))
			return -EPROTO;
		t = realloc(*tokens, (*n + 1) * sizeof(*t));
		if (!t)
			return -ENOMEM;
		*tokens = t;
		ret = token_fill(tb, &t[*n]);
		if (ret)
			return ret;
		(*n)++;
	}
	return 0;
}

/* KEY_GENERATE, _IMPORT, _RECOVER: the blob and the key hash, both needed. */
int khsm_key_result_parse(struct nl_msg *msg, struct khsm_key_result *res)
{
	struct nlattr *tb[KHSM_A_MAX + 1];
	struct nlattr *kb[KHSM_A_KEY_MAX + 1];
	int ret;

	ret = khsm_reply_parse(msg, tb);
	if (ret)
		return ret;
	if (res->blob || !tb[KHSM_A_KEY])	/* one reply per request */
		return -EPROTO;
	if (nla_parse_nested(kb, KHSM_A_KEY_MAX, tb[KHSM_A_KEY], key_policy) ||
	    !kb[KHSM_A_KEY_BLOB] || !kb[KHSM_A_KEY_HASH])
		return -EPROTO;
	nla_memcpy(res->key_hash, kb[KHSM_A_KEY_HASH], KHSM_KEY_HASH_LEN);
	res->blob = dup_attr(kb[KHSM_A_KEY_BLOB], &res->blob_len);
	return res->blob ? 0 : -ENOMEM;
}
