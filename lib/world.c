// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The Security World commands: each builds its request, sends it and hands
 * the reply to reply.c. Requests that carry passphrase keys are wiped
 * before they are freed.
 */
#include <errno.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "internal.h"

static const char *const bind_types[] = { "logon", "user", "encrypted",
					  "trusted" };

KHSM_API int khsm_bind_key_parse(const char *spec, struct khsm_bind_key *key)
{
	const char *colon;
	size_t tlen, i;

	if (!spec || !key)
		return -EINVAL;
	colon = strchr(spec, ':');
	if (!colon || !colon[1] || strlen(colon + 1) >= sizeof(key->desc))
		return -EINVAL;
	tlen = (size_t)(colon - spec);
	for (i = 0; i < ARRAY_SIZE(bind_types); i++)
		if (strlen(bind_types[i]) == tlen &&
		    !strncmp(spec, bind_types[i], tlen))
			break;
	if (i == ARRAY_SIZE(bind_types))
		return -EINVAL;
	memset(key, 0, sizeof(*key));
	memcpy(key->type, spec, tlen);
	strcpy(key->desc, colon + 1);
	return 0;
}

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static int put_bind(struct nl_msg *msg, const struct khsm_bind_key *bind)
{
	if (!terminated(bind->type, sizeof(bind->type)) ||
	    !terminated(bind->desc, sizeof(bind->desc)))
		return -EINVAL;
	if (nla_put_string(msg, KHSM_A_BIND_KEY_TYPE, bind->type) ||
	    nla_put_string(msg, KHSM_A_BIND_KEY_DESC, bind->desc))
		return -EMSGSIZE;
	return 0;
}

static int put_card(struct nl_msg *msg, const struct khsm_card_req *c)
{
	struct nlattr *e;
	int ret;

	if (!terminated(c->name, sizeof(c->name)))
		return -EINVAL;
	e = nla_nest_start(msg, KHSM_A_CARD_ENTRY | NLA_F_NESTED);
	if (!e)
		return -EMSGSIZE;
	ret = nla_put_u8(msg, KHSM_A_CARD_INDEX, c->index) ||
	      nla_put_string(msg, KHSM_A_CARD_NAME, c->name);
	if (!ret && c->has_passphrase)
		ret = nla_put(msg, KHSM_A_CARD_PP_SALT, KHSM_PP_SALT_LEN,
			      c->pp_salt) ||
		      nla_put(msg, KHSM_A_CARD_PP_KEY, KHSM_PP_KEY_LEN,
			      c->pp_key) ||
		      nla_put_u32(msg, KHSM_A_CARD_PBKDF2_ITER, c->pbkdf2_iter);
	if (ret)
		return -EMSGSIZE;
	nla_nest_end(msg, e);
	return 0;
}

/* KHSM_A_CARDS of WORLD_NEW, ACS_REPLACE and CARDSET_CREATE. */
int khsm_cards_put(struct nl_msg *msg, const struct khsm_card_req *cards,
		   size_t n)
{
	struct nlattr *nest;
	size_t i;
	int ret;

	if (!cards || !n || n > KHSM_MAX_CARDS)
		return -EINVAL;
	nest = nla_nest_start(msg, KHSM_A_CARDS | NLA_F_NESTED);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		ret = put_card(msg, &cards[i]);
		if (ret)
			return ret;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/* The attributes of WORLD_NEW (@bind may be NULL) and ACS_REPLACE. */
int khsm_cardset_put(struct nl_msg *msg, const struct khsm_world_options *opts,
		     const struct khsm_card_req *cards, size_t ncards,
		     const struct khsm_bind_key *bind)
{
	int ret;

	ret = khsm_opts_put(msg, KHSM_A_WORLD_OPTS, opts) ?:
	      khsm_cards_put(msg, cards, ncards);
	if (!ret && bind)
		ret = put_bind(msg, bind);
	return ret;
}

static int world_result_reply(struct nl_msg *msg, void *arg)
{
	return khsm_world_result_parse(msg, arg);
}

static struct nl_msg *request(struct khsm *h, uint8_t cmd, size_t size)
{
	return khsm_nl_request_size(h->family, cmd, KHSM_GENL_VERSION, size);
}

/*
 * Start a command whose reply carries a world file: @res zeroed, then a
 * request of @size bytes (0: a page) in @msg. -EINVAL if @arg, what the
 * command needs, is NULL.
 */
static int world_request(struct khsm *h, uint8_t cmd, size_t size,
			 const void *arg, struct khsm_world_result *res,
			 struct nl_msg **msg)
{
	int ret;

	if (!res)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	ret = khsm_need_control(h);
	if (ret || !arg)
		return ret ?: -EINVAL;
	*msg = request(h, cmd, size);
	return *msg ? 0 : -ENOMEM;
}

/*
 * Send @msg unless filling it failed (@ret), its reply into @res; wipe and
 * free @msg.
 */
static int world_transact(struct khsm *h, struct nl_msg *msg, int ret,
			  struct khsm_world_result *res)
{
	if (!ret)
		ret = khsm_nl_transact(h, msg, world_result_reply, res);
	if (!ret && !res->world_file)	/* ACKed without a reply */
		ret = -EPROTO;
	if (ret)
		khsm_world_result_free(res);
	khsm_nl_free_wiped(msg);
	return ret;
}

/* WORLD_NEW and ACS_REPLACE differ only in the binding key. */
static int cardset_cmd(struct khsm *h, uint8_t cmd,
		       const struct khsm_world_options *opts,
		       const struct khsm_card_req *cards, size_t ncards,
		       const struct khsm_bind_key *bind,
		       struct khsm_world_result *res)
{
	struct nl_msg *msg;
	int ret;

	ret = world_request(h, cmd, KHSM_REQ_MAX, opts, res, &msg);
	if (ret)
		return ret;
	ret = khsm_cardset_put(msg, opts, cards, ncards, bind);
	return world_transact(h, msg, ret, res);
}

KHSM_API int khsm_world_new(struct khsm *h,
			    const struct khsm_world_options *opts,
			    const struct khsm_card_req *cards, size_t ncards,
			    const struct khsm_bind_key *bind,
			    struct khsm_world_result *res)
{
	return cardset_cmd(h, KHSM_CMD_WORLD_NEW, opts, cards, ncards, bind,
			   res);
}

KHSM_API int khsm_acs_replace(struct khsm *h,
			      const struct khsm_world_options *opts,
			      const struct khsm_card_req *cards, size_t ncards,
			      struct khsm_world_result *res)
{
	return cardset_cmd(h, KHSM_CMD_ACS_REPLACE, opts, cards, ncards, NULL,
			   res);
}

KHSM_API int khsm_world_bind(struct khsm *h, const struct khsm_bind_key *bind,
			     struct khsm_world_result *res)
{
	struct nl_msg *msg;
	int ret;

	ret = world_request(h, KHSM_CMD_WORLD_BIND, 0, bind, res, &msg);
	if (ret)
		return ret;
	ret = put_bind(msg, bind);
	return world_transact(h, msg, ret, res);
}

KHSM_API int khsm_policy_set(struct khsm *h,
			     const struct khsm_world_options *opts,
			     struct khsm_world_result *res)
{
	struct nl_msg *msg;
	int ret;

	ret = world_request(h, KHSM_CMD_POLICY_SET, 0, opts, res, &msg);
	if (ret)
		return ret;
	ret = khsm_opts_put(msg, KHSM_A_WORLD_OPTS, opts);
	return world_transact(h, msg, ret, res);
}

struct load_reply {
	uint32_t state;
	uint8_t world_id[KHSM_WORLD_ID_LEN];
	bool done;
};

static int load_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[KHSM_A_MAX + 1];
	struct load_reply *r = arg;
	int ret;

	ret = khsm_reply_parse(msg, tb);
	if (ret)
		return ret;
	if (!tb[KHSM_A_WORLD_STATE] || !tb[KHSM_A_WORLD_ID])
		return -EPROTO;
	r->state = nla_get_u32(tb[KHSM_A_WORLD_STATE]);
	nla_memcpy(r->world_id, tb[KHSM_A_WORLD_ID], KHSM_WORLD_ID_LEN);
	r->done = true;
	return 0;
}

KHSM_API int khsm_world_load(struct khsm *h, const void *file, size_t len,
			     const struct khsm_bind_key *bind, uint32_t *state,
			     uint8_t world_id[KHSM_WORLD_ID_LEN])
{
	struct load_reply r = { 0 };
	struct nl_msg *msg = NULL;
	int ret;

	ret = khsm_need_control(h);
	if (ret)
		goto out;
	ret = -EINVAL;
	if (!file || !len)
		goto out;
	ret = -EFBIG;
	if (len > KHSM_FILE_MAX)
		goto out;
	ret = -ENOMEM;
	msg = request(h, KHSM_CMD_WORLD_LOAD, KHSM_REQ_MAX);
	if (!msg)
		goto out;
	ret = -EMSGSIZE;
	if (nla_put(msg, KHSM_A_WORLD_FILE, (int)len, file))
		goto out;
	ret = bind ? put_bind(msg, bind) : 0;
	if (ret)
		goto out;
	ret = khsm_nl_transact(h, msg, load_reply, &r);
	if (!ret && !r.done)
		ret = -EPROTO;
	if (ret)
		goto out;
	if (state)
		*state = r.state;
	if (world_id)
		memcpy(world_id, r.world_id, KHSM_WORLD_ID_LEN);
out:
	nlmsg_free(msg);
	return ret;
}

/* The commands with no attribute either way. */
static int simple_cmd(struct khsm *h, uint8_t cmd)
{
	struct nl_msg *msg;
	int ret;

	ret = khsm_need_control(h);
	if (ret)
		return ret;
	msg = request(h, cmd, 0);
	if (!msg)
		return -ENOMEM;
	ret = khsm_nl_transact(h, msg, NULL, NULL);
	nlmsg_free(msg);
	return ret;
}

KHSM_API int khsm_world_unload(struct khsm *h)
{
	return simple_cmd(h, KHSM_CMD_WORLD_UNLOAD);
}

KHSM_API int khsm_clear(struct khsm *h)
{
	return simple_cmd(h, KHSM_CMD_CLEAR);
}

KHSM_API int khsm_acs_logout(struct khsm *h)
{
	return simple_cmd(h, KHSM_CMD_ACS_LOGOUT);
}
