// SPDX-License-Identifier: GPL-2.0
/*
 * The "khsm" generic netlink family: the control channel used by khsmctl.
 * Each command names its role in .internal_flags; pre_doit enforces it and
 * the error state before any handler runs, so a handler never has to.
 * Handlers check their request first (one extack message per rule), then
 * take khsm_ctl_lock and apply it, then build the reply.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <net/genetlink.h>

#include "acs.h"
#include "audit.h"
#include "keys.h"
#include "khsm.h"
#include "slots.h"
#include "tokens.h"
#include "world.h"

/* .internal_flags: the role in the low bits, and whether the error state
 * still lets the command run (only for commands that report it).
 */
#define KHSM_NL_ROLE_MASK	0x0f
#define KHSM_NL_ANY_STATE	0x10

/* The op pre_doit gets: a split op since 6.2. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define khsm_genl_op genl_split_ops
#else
#define khsm_genl_op genl_ops
#endif

static struct genl_family khsm_genl_family;

static struct netlink_range_validation pbkdf2_range = {
	.min = 1000, .max = 10000000,
};

/* 30 days: the time left must fit TOKEN_LIST's u32 of milliseconds. */
static struct netlink_range_validation timeout_range = {
	.max = 30 * 24 * 3600,
};

static const struct nla_policy khsm_card_policy[KHSM_A_CARD_MAX + 1] = {
	[KHSM_A_CARD_INDEX]	= NLA_POLICY_RANGE(NLA_U8, 1, KHSM_MAX_CARDS),
	[KHSM_A_CARD_NAME]	= { .type = NLA_NUL_STRING, .len = KHSM_NAME_MAX - 1 },
	[KHSM_A_CARD_PP_SALT]	= NLA_POLICY_EXACT_LEN(KHSM_PP_SALT_LEN),
	[KHSM_A_CARD_PP_KEY]	= NLA_POLICY_EXACT_LEN(KHSM_PP_KEY_LEN),
	[KHSM_A_CARD_PBKDF2_ITER] = NLA_POLICY_FULL_RANGE(NLA_U32, &pbkdf2_range),
};

#define BIND_KEY_POLICY							\
	[KHSM_A_BIND_KEY_TYPE]	= { .type = NLA_NUL_STRING, .len = 15 },	\
	[KHSM_A_BIND_KEY_DESC]	= { .type = NLA_NUL_STRING,		\
				    .len = KHSM_BIND_DESC_MAX - 1 }

static const struct nla_policy khsm_get_info_policy[KHSM_A_MAX + 1] = {
	[KHSM_A_INFO_SECTIONS] = NLA_POLICY_MASK(NLA_U32, KHSM_INFO_F__ALL),
};

static const struct nla_policy khsm_world_new_policy[KHSM_A_MAX + 1] = {
	[KHSM_A_WORLD_OPTS]	= NLA_POLICY_NESTED(khsm_opts_policy),
	[KHSM_A_CARDS]		= NLA_POLICY_NESTED_ARRAY(khsm_card_policy),
	BIND_KEY_POLICY,
};

static const struct nla_policy khsm_world_load_policy[KHSM_A_MAX + 1] = {
	[KHSM_A_WORLD_FILE]	= { .type = NLA_BINARY, .len = KHSM_FILE_MAX },
	BIND_KEY_POLICY,
};

static const struct nla_policy khsm_card_insert_policy[KHSM_A_MAX + 1] = {
	[KHSM_A_SLOT]		= NLA_POLICY_MAX(NLA_U8, KHSM_MAX_CARDS - 1),
	[KHSM_A_CARD_IMAGE]	= { .type = NLA_BINARY, .len = KHSM_FILE_MAX },
	[KHSM_A_PP_KEY]		= NLA_POLICY_EXACT_LEN(KHSM_PP_KEY_LEN),
	[KHSM_A_VERIFY_ONLY]	= { .type = NLA_FLAG },
	[KHSM_A_SHARE_GID]	= { .type = NLA_U32 },
};

static const struct nla_policy khsm_card_pp_policy[KHSM_A_MAX + 1] = {
	[KHSM_A_CARD_IMAGE]	= { .type = NLA_BINARY, .len = KHSM_FILE_MAX },
	[KHSM_A_PP_KEY]		= NLA_POLICY_EXACT_LEN(KHSM_PP_KEY_LEN),
	[KHSM_A_CARDS]		= NLA_POLICY_NESTED_ARRAY(khsm_card_policy),
};

static const struct nla_policy khsm_card_remove_policy[KHSM_A_MAX + 1] = {
	[KHSM_A_SLOT]		= NLA_POLICY_MAX(NLA_U8, KHSM_MAX_CARDS - 1),
};

static const struct nla_policy khsm_acs_replace_policy[KHSM_A_MAX + 1] = {
	[KHSM_A_WORLD_OPTS]	= NLA_POLICY_NESTED(khsm_opts_policy),
	[KHSM_A_CARDS]		= NLA_POLICY_NESTED_ARRAY(khsm_card_policy),
};

static const struct nla_policy khsm_world_bind_policy[KHSM_A_MAX + 1] = {
	BIND_KEY_POLICY,
};

static const struct nla_policy khsm_policy_set_policy[KHSM_A_MAX + 1] = {
	[KHSM_A_WORLD_OPTS]	= NLA_POLICY_NESTED(khsm_opts_policy),
};

static const struct nla_policy khsm_cardset_policy[KHSM_A_CARDSET_MAX + 1] = {
	[KHSM_A_CARDSET_TYPE]	= NLA_POLICY_RANGE(NLA_U8, KHSM_SET_OCS,
						   KHSM_SET_SOFTCARD),
	[KHSM_A_CARDSET_NAME]	= { .type = NLA_NUL_STRING, .len = KHSM_NAME_MAX - 1 },
	[KHSM_A_CARDSET_K]	= NLA_POLICY_RANGE(NLA_U8, 1, KHSM_MAX_CARDS),
	[KHSM_A_CARDSET_N]	= NLA_POLICY_RANGE(NLA_U8, 1, KHSM_MAX_CARDS),
	[KHSM_A_CARDSET_PERSISTENT] = NLA_POLICY_MAX(NLA_U8, 1),
	[KHSM_A_CARDSET_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32, &timeout_range),
	[KHSM_A_CARDSET_RECOVERY] = NLA_POLICY_MAX(NLA_U8, 1),
	[KHSM_A_CARDSET_PP_RECOVERY] = NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy khsm_cardset_create_policy[KHSM_A_MAX + 1] = {
	[KHSM_A_CARDSET]	= NLA_POLICY_NESTED(khsm_cardset_policy),
	[KHSM_A_CARDS]		= NLA_POLICY_NESTED_ARRAY(khsm_card_policy),
};

static const struct nla_policy khsm_token_unload_policy[KHSM_A_MAX + 1] = {
	[KHSM_A_TOKEN_ID]	= { .type = NLA_U64 },
};

static const struct nla_policy khsm_key_policy[KHSM_A_KEY_MAX + 1] = {
	[KHSM_A_KEY_TYPE]	= NLA_POLICY_RANGE(NLA_U32, KHSM_KEY_AES,
						   KHSM_KEY_EC_P384),
	[KHSM_A_KEY_LEN]	= NLA_POLICY_RANGE(NLA_U32, 16, KHSM_HMAC_KEY_MAX),
	[KHSM_A_KEY_PROTECTION]	= NLA_POLICY_MAX(NLA_U8, KHSM_PROTECT__COUNT - 1),
	[KHSM_A_KEY_ACL]	= NLA_POLICY_EXACT_LEN(sizeof(struct khsm_acl)),
	[KHSM_A_KEY_APP]	= { .type = NLA_NUL_STRING, .len = KHSM_APP_MAX - 1 },
	[KHSM_A_KEY_IDENT]	= { .type = NLA_NUL_STRING, .len = KHSM_IDENT_MAX - 1 },
	[KHSM_A_KEY_RECOVERY]	= NLA_POLICY_MAX(NLA_U8, 1),
	[KHSM_A_KEY_SECRET]	= { .type = NLA_BINARY, .len = KHSM_SECRET_MAX },
	[KHSM_A_KEY_PUBLIC]	= { .type = NLA_BINARY, .len = KHSM_PUBKEY_MAX },
};

static const struct nla_policy khsm_key_blob_policy[KHSM_A_KEY_MAX + 1] = {
	[KHSM_A_KEY_BLOB]	= { .type = NLA_BINARY, .len = KHSM_BLOB_MAX },
};

static const struct nla_policy khsm_key_create_policy[KHSM_A_MAX + 1] = {
	[KHSM_A_KEY]		= NLA_POLICY_NESTED(khsm_key_policy),
	[KHSM_A_TOKEN_ID]	= { .type = NLA_U64 },
};

static const struct nla_policy khsm_key_recover_policy[KHSM_A_MAX + 1] = {
	[KHSM_A_KEY]		= NLA_POLICY_NESTED(khsm_key_blob_policy),
	[KHSM_A_TOKEN_ID]	= { .type = NLA_U64 },
};

static void wipe_attr(struct nlattr *a)
{
	memzero_explicit(nla_data(a), nla_len(a));
}

static void wipe_nested(struct nlattr *outer, int type)
{
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, outer, rem)
		if (nla_type(a) == type)
			wipe_attr(a);
}

/*
 * Passphrase keys and imported key material do not outlive the request:
 * the skb is freed without being wiped, and an error ack echoes the
 * request to its sender. The raw attributes are walked, not info->attrs,
 * so that a duplicate is wiped too. A request the policy itself refuses
 * never reaches the module and is freed by the netlink core as it is.
 */
static void khsm_nl_wipe_secrets(struct genl_info *info)
{
	struct nlattr *a, *entry;
	int rem, erem;

	nla_for_each_attr(a, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		switch (nla_type(a)) {
		case KHSM_A_PP_KEY:
			wipe_attr(a);
			break;
		case KHSM_A_KEY:
			wipe_nested(a, KHSM_A_KEY_SECRET);
			break;
		case KHSM_A_CARDS:
			nla_for_each_nested(entry, a, erem)
				wipe_nested(entry, KHSM_A_CARD_PP_KEY);
			break;
		}
	}
}

static int khsm_nl_admit(const struct khsm_genl_op *ops, struct sk_buff *skb,
			 struct genl_info *info)
{
	enum khsm_role role = ops->internal_flags & KHSM_NL_ROLE_MASK;
	int err;

	err = khsm_check_nl_role(skb, role, info->extack);
	if (err)
		return khsm_audit_refused(ops->cmd, err, info->extack);
	err = khsm_audit_admit(ops->cmd, info->extack);
	if (err)
		return err;
	if (ops->internal_flags & KHSM_NL_ANY_STATE)
		return 0;
	return khsm_audit_refused(ops->cmd, khsm_check_operational(info->extack),
				  info->extack);
}

/* post_doit runs only after doit: a refused request is wiped here. */
static int khsm_nl_pre_doit(const struct khsm_genl_op *ops, struct sk_buff *skb,
			    struct genl_info *info)
{
	int err = khsm_nl_admit(ops, skb, info);

	if (err)
		khsm_nl_wipe_secrets(info);
	return err;
}

static void khsm_nl_post_doit(const struct khsm_genl_op *ops,
			      struct sk_buff *skb, struct genl_info *info)
{
	khsm_nl_wipe_secrets(info);
}

/* A reply with room for @payload bytes of attributes, or NULL. */
static struct sk_buff *reply_new(struct genl_info *info, u8 cmd,
				 size_t payload, void **hdr)
{
	struct sk_buff *msg;

	msg = genlmsg_new(max_t(size_t, payload, NLMSG_GOODSIZE), GFP_KERNEL);
	if (!msg)
		return NULL;
	*hdr = genlmsg_put_reply(msg, info, &khsm_genl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int reply_send(struct sk_buff *msg, void *hdr, struct genl_info *info)
{
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * A command that changes state allocates its reply first (reply_new before
 * the change): once the change is made, failing to allocate its answer
 * would report an error for a change that stays. @err: the command's
 * outcome; the reply is sent on success and freed otherwise.
 */
static int reply_end(struct sk_buff *msg, void *hdr, struct genl_info *info,
		     int err)
{
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return reply_send(msg, hdr, info);
}

/* --- GET_INFO --- */

static int info_put_module(struct sk_buff *msg)
{
	return nla_put_string(msg, KHSM_A_INFO_MODULE_VERSION, KHSM_VERSION) ?:
	       nla_put_u32(msg, KHSM_A_INFO_ABI_VERSION, KHSM_ABI_VERSION);
}

static int info_put_selftest(struct sk_buff *msg)
{
	enum khsm_selftest_state state = khsm_selftest_state();
	int err;

	err = nla_put_u32(msg, KHSM_A_INFO_SELFTEST_STATE, state);
	if (err || state != KHSM_SELFTEST_FAILED)
		return err;
	return nla_put_string(msg, KHSM_A_INFO_SELFTEST_REASON,
			      khsm_selftest_reason());
}

static int info_put_loaded_world(struct sk_buff *msg, struct khsm_world *w)
{
	const struct khsm_world_hdr *hdr = &w->hdr;
	u32 remaining, auth;

	if (nla_put(msg, KHSM_A_INFO_WORLD_ID, KHSM_WORLD_ID_LEN, hdr->world_id))
		return -EMSGSIZE;
	if (w->state == KHSM_WORLD_LOADING)
		return 0;
	auth = khsm_acs_auth_mask(w, &remaining);
	if (khsm_opts_put(msg, KHSM_A_INFO_WORLD_OPTS, &w->opts) ||
	    nla_put(msg, KHSM_A_INFO_ACS_SET_ID, KHSM_SET_ID_LEN,
		    hdr->acs_set_id) ||
	    nla_put_u64_64bit(msg, KHSM_A_INFO_CREATED,
			      le64_to_cpu(hdr->created), KHSM_A_INFO_PAD) ||
	    nla_put_u32(msg, KHSM_A_INFO_GENERATION,
			le32_to_cpu(hdr->generation)) ||
	    nla_put(msg, KHSM_A_INFO_AUDIT_PUBKEY, KHSM_AUDIT_PUBKEY_LEN,
		    hdr->audit_pubkey) ||
	    nla_put_u32(msg, KHSM_A_INFO_TOKENS_LOADED, khsm_tokens_count()) ||
	    nla_put_u32(msg, KHSM_A_INFO_ACS_AUTH, auth) ||
	    nla_put_u32(msg, KHSM_A_INFO_ACS_AUTH_REMAINING, remaining) ||
	    (w->keyslots[KHSM_KEYSLOT_BIND - 1].type &&
	     nla_put_flag(msg, KHSM_A_INFO_BOUND)) ||
	    (w->bind_type &&
	     nla_put_string(msg, KHSM_A_INFO_BIND_KEY_TYPE, w->bind_type)))
		return -EMSGSIZE;
	return 0;
}

static int info_put_world(struct sk_buff *msg)
{
	struct khsm_world *w;
	int err;

	mutex_lock(&khsm_ctl_lock);
	w = khsm_world_get_locked();
	err = nla_put_u32(msg, KHSM_A_INFO_WORLD_STATE, khsm_world_state_locked()) ?:
	      nla_put_u32(msg, KHSM_A_INFO_SLOTS, khsm_nslots);
	if (!err && w)
		err = info_put_loaded_world(msg, w);
	mutex_unlock(&khsm_ctl_lock);
	return err;
}

static int info_fill(struct sk_buff *msg, u32 sections)
{
	struct nlattr *nest;
	int err = 0;

	nest = nla_nest_start(msg, KHSM_A_INFO);
	if (!nest)
		return -EMSGSIZE;
	if (sections & KHSM_INFO_F_MODULE)
		err = info_put_module(msg);
	if (!err && (sections & KHSM_INFO_F_SELFTEST))
		err = info_put_selftest(msg);
	if (!err && (sections & KHSM_INFO_F_WORLD))
		err = info_put_world(msg);
	if (err) {
		nla_nest_cancel(msg, nest);
		return err;
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int khsm_nl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	u32 sections = KHSM_INFO_F__ALL;
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (info->attrs[KHSM_A_INFO_SECTIONS])
		sections = nla_get_u32(info->attrs[KHSM_A_INFO_SECTIONS]);
	msg = reply_new(info, KHSM_CMD_GET_INFO, 0, &hdr);
	if (!msg)
		return -ENOMEM;
	err = info_fill(msg, sections);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return reply_send(msg, hdr, info);
}

/* --- request parsing shared by the world commands --- */

static int parse_bind(struct genl_info *info, struct khsm_bind_req *bind,
		      struct khsm_bind_req **bindp)
{
	struct nlattr *type = info->attrs[KHSM_A_BIND_KEY_TYPE];
	struct nlattr *desc = info->attrs[KHSM_A_BIND_KEY_DESC];

	*bindp = NULL;
	if (!type && !desc)
		return 0;
	if (!type || !desc) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "give the binding key's type and description together");
		return -EINVAL;
	}
	bind->type = nla_data(type);
	bind->desc = nla_data(desc);
	*bindp = bind;
	return 0;
}

static int parse_card_spec(const struct nlattr *entry, unsigned int n,
			   struct khsm_card_spec *specs, u64 *seen,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KHSM_A_CARD_MAX + 1];
	struct khsm_card_spec *spec;
	u8 index;
	int err;

	err = nla_parse_nested(tb, KHSM_A_CARD_MAX, entry, khsm_card_policy,
			       extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, entry, tb, KHSM_A_CARD_INDEX) ||
	    NL_REQ_ATTR_CHECK(extack, entry, tb, KHSM_A_CARD_NAME))
		return -EINVAL;
	index = nla_get_u8(tb[KHSM_A_CARD_INDEX]);
	if (index > n || (*seen & BIT_ULL(index - 1))) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KHSM_A_CARD_INDEX],
				    "card indexes must be 1..N, each once");
		return -EINVAL;
	}
	*seen |= BIT_ULL(index - 1);
	spec = &specs[index - 1];
	spec->index = index;
	nla_strscpy(spec->name, tb[KHSM_A_CARD_NAME], sizeof(spec->name));
	if (!tb[KHSM_A_CARD_PP_KEY] && !tb[KHSM_A_CARD_PP_SALT] &&
	    !tb[KHSM_A_CARD_PBKDF2_ITER])
		return 0;
	if (!tb[KHSM_A_CARD_PP_KEY] || !tb[KHSM_A_CARD_PP_SALT] ||
	    !tb[KHSM_A_CARD_PBKDF2_ITER]) {
		NL_SET_ERR_MSG_ATTR(extack, entry,
				    "a passphrase needs its key, salt and iteration count");
		return -EINVAL;
	}
	spec->has_pp = true;
	spec->pbkdf2_iter = nla_get_u32(tb[KHSM_A_CARD_PBKDF2_ITER]);
	nla_memcpy(spec->pp_salt, tb[KHSM_A_CARD_PP_SALT], KHSM_PP_SALT_LEN);
	nla_memcpy(spec->pp_key, tb[KHSM_A_CARD_PP_KEY], KHSM_PP_KEY_LEN);
	return 0;
}

/* Exactly @n card entries, indexes 1..n; *specsp is kfree_sensitive()'d. */
static int parse_cards(struct genl_info *info, unsigned int n,
		       struct khsm_card_spec **specsp)
{
	struct nlattr *cards = info->attrs[KHSM_A_CARDS];
	struct khsm_card_spec *specs;
	const struct nlattr *entry;
	unsigned int count = 0;
	u64 seen = 0;
	int rem, err = 0;

	*specsp = NULL;
	if (GENL_REQ_ATTR_CHECK(info, KHSM_A_CARDS))
		return -EINVAL;
	specs = kcalloc(n, sizeof(*specs), GFP_KERNEL);
	if (!specs)
		return -ENOMEM;
	nla_for_each_nested(entry, cards, rem) {
		if (++count > n)
			break;
		err = parse_card_spec(entry, n, specs, &seen, info->extack);
		if (err)
			goto err_free;
	}
	/* The core checks each entry but not what follows the last one. */
	if (rem > 0 && count <= n) {
		NL_SET_ERR_MSG_ATTR(info->extack, cards,
				    "bytes left over after the card entries");
		err = -EINVAL;
		goto err_free;
	}
	if (count != n) {
		NL_SET_ERR_MSG_ATTR(info->extack, cards,
				    "give exactly N cards (one entry per card)");
		err = -EINVAL;
		goto err_free;
	}
	*specsp = specs;
	return 0;

err_free:
	kfree_sensitive(specs);
	return err;
}

static int put_world_file(struct sk_buff *msg, const struct khsm_blob *file)
{
	return nla_put(msg, KHSM_A_WORLD_FILE, file->len, file->data);
}

static int put_cards(struct sk_buff *msg, const struct khsm_made *made,
		     const struct khsm_card_spec *specs)
{
	struct nlattr *nest, *entry;
	unsigned int i;

	nest = nla_nest_start(msg, KHSM_A_CARDS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < made->ncards; i++) {
		entry = nla_nest_start(msg, KHSM_A_CARD_ENTRY);
		if (!entry ||
		    nla_put_u8(msg, KHSM_A_CARD_INDEX, specs[i].index) ||
		    nla_put(msg, KHSM_A_CARD_FILE, made->cards[i].len,
			    made->cards[i].data))
			return -EMSGSIZE;
		nla_nest_end(msg, entry);
	}
	nla_nest_end(msg, nest);
	return 0;
}

static size_t made_size(const struct khsm_made *made)
{
	size_t len = made->world_file.len + 1024;
	unsigned int i;

	for (i = 0; i < made->ncards; i++)
		len += made->cards[i].len + 32;
	return len;
}

/*
 * The reply of WORLD_NEW and ACS_REPLACE (the files, and the warnings),
 * built before the new world is installed: see khsm_world_create.
 */
static struct sk_buff *reply_made(struct genl_info *info, u8 cmd,
				  const struct khsm_made *made,
				  const struct khsm_card_spec *specs,
				  const struct khsm_warnings *warn,
				  const struct khsm_world *w, void **hdr)
{
	struct sk_buff *msg;

	msg = reply_new(info, cmd, made_size(made), hdr);
	if (!msg)
		return ERR_PTR(-ENOMEM);
	if (nla_put(msg, KHSM_A_WORLD_ID, KHSM_WORLD_ID_LEN, w->hdr.world_id) ||
	    nla_put(msg, KHSM_A_AUDIT_PUBKEY, KHSM_AUDIT_PUBKEY_LEN,
		    w->hdr.audit_pubkey) ||
	    put_world_file(msg, &made->world_file) ||
	    put_cards(msg, made, specs) || khsm_warnings_put(msg, warn)) {
		nlmsg_free(msg);
		return ERR_PTR(-EMSGSIZE);
	}
	return msg;
}

/* Installs @w once its reply is built; frees it otherwise. */
static struct sk_buff *made_install(struct genl_info *info, u8 cmd,
				    struct khsm_world *w,
				    const struct khsm_made *made,
				    const struct khsm_card_spec *specs,
				    const struct khsm_warnings *warn, void **hdr)
{
	struct sk_buff *msg;

	if (IS_ERR(w))
		return ERR_CAST(w);
	msg = reply_made(info, cmd, made, specs, warn, w, hdr);
	if (IS_ERR(msg))
		khsm_world_discard(w);
	else
		khsm_world_install(w);
	return msg;
}

/* The loaded, usable world, or an error that says why not. */
static struct khsm_world *world_operational(struct netlink_ext_ack *extack)
{
	struct khsm_world *w = khsm_world_get_locked();

	if (!w) {
		NL_SET_ERR_MSG_MOD(extack, "no world is loaded");
		return ERR_PTR(-ENOKEY);
	}
	if (w->state != KHSM_WORLD_OPERATIONAL) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the world is still loading: present the load-world quorum");
		return ERR_PTR(-EBUSY);
	}
	return w;
}

/* --- WORLD_NEW, WORLD_LOAD, WORLD_UNLOAD, CLEAR, ACS_LOGOUT --- */

static int khsm_nl_world_new(struct sk_buff *skb, struct genl_info *info)
{
	struct khsm_bind_req bind, *bindp;
	struct khsm_card_spec *specs = NULL;
	struct khsm_warnings warn;
	struct khsm_made *made;
	struct khsm_world *w;
	struct khsm_opts opts;
	struct sk_buff *msg;
	void *hdr;
	int err;

	made = kzalloc(sizeof(*made), GFP_KERNEL);
	if (!made)
		return -ENOMEM;
	khsm_opts_defaults(&opts);
	err = khsm_opts_parse(info->attrs[KHSM_A_WORLD_OPTS], KHSM_OPTS_NEW,
			      &opts, &warn, info->extack) ?:
	      parse_bind(info, &bind, &bindp) ?:
	      parse_cards(info, opts.acs_n, &specs);
	if (err)
		goto out;

	mutex_lock(&khsm_ctl_lock);
	w = khsm_world_create(&opts, specs, opts.acs_n, bindp, made,
			      info->extack);
	msg = made_install(info, KHSM_CMD_WORLD_NEW, w, made, specs, &warn,
			   &hdr);
	err = PTR_ERR_OR_ZERO(msg);
	khsm_audit_world_cmd(KHSM_AUDIT_WORLD_CREATE, err, info->extack);
	mutex_unlock(&khsm_ctl_lock);
	if (!err)
		err = reply_send(msg, hdr, info);
out:
	khsm_made_free(made);
	kfree(made);
	kfree_sensitive(specs);
	return err;
}

static int khsm_nl_world_load(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *file = info->attrs[KHSM_A_WORLD_FILE];
	struct khsm_bind_req bind, *bindp;
	u8 world_id[KHSM_WORLD_ID_LEN];
	struct khsm_world *w;
	struct sk_buff *msg;
	u32 state = 0;
	void *hdr;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, KHSM_A_WORLD_FILE))
		return -EINVAL;
	err = parse_bind(info, &bind, &bindp);
	if (err)
		return err;
	/* Before the load: see reply_end(). */
	msg = reply_new(info, KHSM_CMD_WORLD_LOAD, 0, &hdr);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&khsm_ctl_lock);
	err = khsm_world_load(nla_data(file), nla_len(file), bindp,
			      info->snd_portid, info->extack);
	if (!err) {
		w = khsm_world_get_locked();
		memcpy(world_id, w->hdr.world_id, sizeof(world_id));
		state = w->state;
	}
	khsm_audit_world_cmd(KHSM_AUDIT_WORLD_LOAD, err, info->extack);
	mutex_unlock(&khsm_ctl_lock);
	if (!err &&
	    (nla_put(msg, KHSM_A_WORLD_ID, KHSM_WORLD_ID_LEN, world_id) ||
	     nla_put_u32(msg, KHSM_A_WORLD_STATE, state)))
		err = -EMSGSIZE;
	return reply_end(msg, hdr, info, err);
}

static int khsm_nl_world_unload(struct sk_buff *skb, struct genl_info *info)
{
	int err = 0;

	mutex_lock(&khsm_ctl_lock);
	if (khsm_world_get_locked())
		khsm_world_unload();
	else
		err = -ENOKEY;
	mutex_unlock(&khsm_ctl_lock);
	if (err)
		NL_SET_ERR_MSG_MOD(info->extack, "no world is loaded");
	khsm_audit_world_cmd(KHSM_AUDIT_WORLD_UNLOAD, err, info->extack);
	return err;
}

static int khsm_nl_clear(struct sk_buff *skb, struct genl_info *info)
{
	struct khsm_world *w;

	mutex_lock(&khsm_ctl_lock);
	w = khsm_world_get_locked();
	khsm_audit_world_cmd(KHSM_AUDIT_CLEAR, 0, NULL);
	if (w && w->state == KHSM_WORLD_OPERATIONAL) {
		khsm_acs_logout(w);
		khsm_slots_clear_all();
		khsm_tokens_unload_all();
		khsm_keys_revoke_all();
	}
	mutex_unlock(&khsm_ctl_lock);
	return 0;
}

static int khsm_nl_acs_logout(struct sk_buff *skb, struct genl_info *info)
{
	struct khsm_world *w;
	int err = 0;

	mutex_lock(&khsm_ctl_lock);
	w = world_operational(info->extack);
	if (IS_ERR(w)) {
		err = PTR_ERR(w);
	} else {
		khsm_acs_logout(w);
		khsm_slots_acs_forget();
	}
	mutex_unlock(&khsm_ctl_lock);
	return err;
}

/* --- CARD_INSERT, CARD_REMOVE, SLOT_LIST --- */

static int put_card_desc(struct sk_buff *msg, const struct khsm_card_hdr *h)
{
	struct nlattr *nest, *entry;

	nest = nla_nest_start(msg, KHSM_A_CARDS);
	entry = nest ? nla_nest_start(msg, KHSM_A_CARD_ENTRY) : NULL;
	if (!entry ||
	    nla_put_u8(msg, KHSM_A_CARD_INDEX, h->index) ||
	    nla_put_string(msg, KHSM_A_CARD_NAME, h->card_name) ||
	    nla_put_string(msg, KHSM_A_CARD_SET_NAME, h->set_name) ||
	    nla_put(msg, KHSM_A_CARD_SET_ID, KHSM_SET_ID_LEN, h->set_id) ||
	    nla_put_u8(msg, KHSM_A_CARD_K, h->k) ||
	    nla_put_u8(msg, KHSM_A_CARD_N, h->n))
		return -EMSGSIZE;
	nla_nest_end(msg, entry);
	nla_nest_end(msg, nest);
	return 0;
}

static int put_progress(struct sk_buff *msg,
			const struct khsm_quorum_progress *p)
{
	struct nlattr *nest, *entry;
	int t;

	nest = nla_nest_start(msg, KHSM_A_QUORUM);
	if (!nest)
		return -EMSGSIZE;
	for (t = 0; t < KHSM_TOKEN__COUNT; t++) {
		entry = nla_nest_start(msg, KHSM_A_QUORUM_ENTRY);
		if (!entry ||
		    nla_put_u32(msg, KHSM_A_QUORUM_TOKEN, t) ||
		    nla_put_u8(msg, KHSM_A_QUORUM_HAVE, p[t].have) ||
		    nla_put_u8(msg, KHSM_A_QUORUM_NEED, p[t].need) ||
		    (p[t].done && nla_put_flag(msg, KHSM_A_QUORUM_DONE)))
			return -EMSGSIZE;
		nla_nest_end(msg, entry);
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int put_set_progress(struct sk_buff *msg, const struct khsm_card_hdr *h,
			    const struct khsm_quorum_progress *p)
{
	struct nlattr *nest, *entry;

	nest = nla_nest_start(msg, KHSM_A_QUORUM);
	entry = nest ? nla_nest_start(msg, KHSM_A_QUORUM_ENTRY) : NULL;
	if (!entry ||
	    nla_put(msg, KHSM_A_QUORUM_SET_ID, KHSM_SET_ID_LEN, h->set_id) ||
	    nla_put_u8(msg, KHSM_A_QUORUM_HAVE, p->have) ||
	    nla_put_u8(msg, KHSM_A_QUORUM_NEED, p->need) ||
	    (p->done && nla_put_flag(msg, KHSM_A_QUORUM_DONE)))
		return -EMSGSIZE;
	nla_nest_end(msg, entry);
	nla_nest_end(msg, nest);
	return 0;
}

/* The one card entry of CARD_PASSPHRASE: the new passphrase. */
static int parse_new_pp(struct genl_info *info, struct khsm_card_spec *specs,
			struct khsm_card_spec **spec)
{
	const struct nlattr *entry;
	u64 seen = 0;
	int rem, err;

	if (GENL_REQ_ATTR_CHECK(info, KHSM_A_CARDS))
		return -EINVAL;
	*spec = NULL;
	nla_for_each_nested(entry, info->attrs[KHSM_A_CARDS], rem) {
		if (*spec) {
			NL_SET_ERR_MSG_MOD(info->extack, "one card entry only");
			return -EINVAL;
		}
		err = parse_card_spec(entry, KHSM_MAX_CARDS, specs, &seen,
				      info->extack);
		if (err)
			return err;
		*spec = &specs[__ffs64(seen)];
	}
	if (rem > 0) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[KHSM_A_CARDS],
				    "bytes left over after the card entry");
		return -EINVAL;
	}
	if (!*spec) {
		NL_SET_ERR_MSG_MOD(info->extack, "the new passphrase's card entry is missing");
		return -EINVAL;
	}
	return 0;
}

static int reply_card(struct genl_info *info, struct khsm_blob *card,
		      const struct khsm_card_spec *spec)
{
	struct khsm_made *made;
	struct sk_buff *msg;
	void *hdr;
	int err = -ENOMEM;

	made = kzalloc(sizeof(*made), GFP_KERNEL);
	if (!made) {
		kfree_sensitive(card->data);
		return err;
	}
	made->cards[0] = *card;
	made->ncards = 1;
	msg = reply_new(info, KHSM_CMD_CARD_PASSPHRASE, made_size(made), &hdr);
	if (msg) {
		err = put_cards(msg, made, spec);
		if (err)
			nlmsg_free(msg);
		else
			err = reply_send(msg, hdr, info);
	}
	khsm_made_free(made);
	kfree(made);
	return err;
}

static int khsm_nl_card_passphrase(struct sk_buff *skb,
				   struct genl_info *info)
{
	struct nlattr *pp = info->attrs[KHSM_A_PP_KEY];
	struct khsm_card_spec *specs, *spec;
	struct khsm_insert_req req = {};
	struct khsm_blob card = {};
	int err;

	if (GENL_REQ_ATTR_CHECK(info, KHSM_A_CARD_IMAGE))
		return -EINVAL;
	specs = kcalloc(KHSM_MAX_CARDS, sizeof(*specs), GFP_KERNEL);
	if (!specs)
		return -ENOMEM;
	req.portid = info->snd_portid;
	req.officer = netlink_capable(skb, CAP_SYS_ADMIN);
	req.image = nla_data(info->attrs[KHSM_A_CARD_IMAGE]);
	req.len = nla_len(info->attrs[KHSM_A_CARD_IMAGE]);
	req.pp_key = pp ? nla_data(pp) : NULL;
	err = parse_new_pp(info, specs, &spec);
	if (!err) {
		mutex_lock(&khsm_ctl_lock);
		err = khsm_card_repassphrase(&req, spec, &card, info->extack);
		mutex_unlock(&khsm_ctl_lock);
	}
	if (!err)
		err = reply_card(info, &card, spec);
	kfree_sensitive(specs);
	return err;
}

static int khsm_nl_card_insert(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *image = info->attrs[KHSM_A_CARD_IMAGE];
	struct nlattr *pp = info->attrs[KHSM_A_PP_KEY];
	struct khsm_insert_req req = {};
	struct khsm_insert_res res;
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, KHSM_A_SLOT) ||
	    GENL_REQ_ATTR_CHECK(info, KHSM_A_CARD_IMAGE))
		return -EINVAL;
	req.portid = info->snd_portid;
	req.slot = nla_get_u8(info->attrs[KHSM_A_SLOT]);
	req.officer = netlink_capable(skb, CAP_SYS_ADMIN);
	req.verify_only = nla_get_flag(info->attrs[KHSM_A_VERIFY_ONLY]);
	req.image = nla_data(image);
	req.len = nla_len(image);
	req.pp_key = pp ? nla_data(pp) : NULL;
	req.share_gid = INVALID_GID;
	if (info->attrs[KHSM_A_SHARE_GID]) {
		req.share_gid = make_kgid(&init_user_ns,
					  nla_get_u32(info->attrs[KHSM_A_SHARE_GID]));
		if (!gid_valid(req.share_gid)) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[KHSM_A_SHARE_GID],
					    "not a valid group id");
			return -EINVAL;
		}
		/* Sharing with a group one is not in would hand out access. */
		if (!req.officer &&
		    (!in_egroup_p(req.share_gid) ||
		     !khsm_cred_in_kgroup(khsm_nl_opener(skb), req.share_gid))) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[KHSM_A_SHARE_GID],
					    "a token can be shared only with a group of the caller");
			return -EPERM;
		}
	}

	/* Before the card goes in: see reply_end(). */
	msg = reply_new(info, KHSM_CMD_CARD_INSERT, 0, &hdr);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&khsm_ctl_lock);
	err = khsm_card_insert(&req, &res, info->extack);
	mutex_unlock(&khsm_ctl_lock);
	if (!err &&
	    (put_card_desc(msg, &res.hdr) ||
	     (res.hdr.set_type == KHSM_SET_ACS ?
	      put_progress(msg, res.progress) :
	      put_set_progress(msg, &res.hdr, &res.set_progress)) ||
	     (res.token_id &&
	      nla_put_u64_64bit(msg, KHSM_A_TOKEN_ID, res.token_id,
				KHSM_A_PAD))))
		err = -EMSGSIZE;
	return reply_end(msg, hdr, info, err);
}

static int khsm_nl_card_remove(struct sk_buff *skb, struct genl_info *info)
{
	int err;

	if (GENL_REQ_ATTR_CHECK(info, KHSM_A_SLOT))
		return -EINVAL;
	mutex_lock(&khsm_ctl_lock);
	err = khsm_card_remove(info->snd_portid,
			       nla_get_u8(info->attrs[KHSM_A_SLOT]),
			       info->extack);
	khsm_audit_card_remove(nla_get_u8(info->attrs[KHSM_A_SLOT]), err,
			       info->extack);
	mutex_unlock(&khsm_ctl_lock);
	return err;
}

static int khsm_nl_slot_list(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = reply_new(info, KHSM_CMD_SLOT_LIST, 0, &hdr);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&khsm_ctl_lock);
	err = khsm_slots_put(msg);
	mutex_unlock(&khsm_ctl_lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return reply_send(msg, hdr, info);
}

/* --- ACS_REPLACE, WORLD_BIND, POLICY_SET: need the full ACS quorum --- */

static struct khsm_world *world_authorised(struct netlink_ext_ack *extack)
{
	struct khsm_world *w = world_operational(extack);
	int err;

	if (IS_ERR(w))
		return w;
	err = khsm_acs_require(w, KHSM_TOKEN_ACS, extack);
	return err ? ERR_PTR(err) : w;
}

/* WORLD_BIND's and POLICY_SET's reply: room for the longest world file. */
static struct sk_buff *reply_world_new(struct genl_info *info, u8 cmd,
				       void **hdr)
{
	return reply_new(info, cmd, KHSM_WORLD_FILE_MAX + 1024, hdr);
}

static int reply_world_file(struct sk_buff *msg, void *hdr,
			    struct genl_info *info, const struct khsm_blob *file,
			    const struct khsm_warnings *warn, int err)
{
	if (!err &&
	    (put_world_file(msg, file) || (warn && khsm_warnings_put(msg, warn))))
		err = -EMSGSIZE;
	return reply_end(msg, hdr, info, err);
}

static int khsm_nl_acs_replace(struct sk_buff *skb, struct genl_info *info)
{
	struct khsm_card_spec *specs = NULL;
	struct khsm_warnings warn;
	struct khsm_made *made;
	struct sk_buff *msg = NULL;
	struct khsm_world *w;
	struct khsm_opts opts;
	void *hdr;
	int err;

	made = kzalloc(sizeof(*made), GFP_KERNEL);
	if (!made)
		return -ENOMEM;
	mutex_lock(&khsm_ctl_lock);
	w = world_authorised(info->extack);
	err = PTR_ERR_OR_ZERO(w);
	if (err)
		goto out_unlock;
	opts = w->opts;
	err = khsm_opts_parse(info->attrs[KHSM_A_WORLD_OPTS], KHSM_OPTS_REPLACE,
			      &opts, &warn, info->extack) ?:
	      parse_cards(info, opts.acs_n, &specs);
	if (err)
		goto out_unlock;
	w = khsm_world_replace_acs(&opts, specs, opts.acs_n, made,
				   info->extack);
	msg = made_install(info, KHSM_CMD_ACS_REPLACE, w, made, specs, &warn,
			   &hdr);
	err = PTR_ERR_OR_ZERO(msg);
out_unlock:
	khsm_audit_world_cmd(KHSM_AUDIT_ACS_REPLACE, err, info->extack);
	mutex_unlock(&khsm_ctl_lock);
	if (!err)
		err = reply_send(msg, hdr, info);
	khsm_made_free(made);
	kfree(made);
	kfree_sensitive(specs);
	return err;
}

static int khsm_nl_world_bind(struct sk_buff *skb, struct genl_info *info)
{
	struct khsm_bind_req bind, *bindp;
	struct khsm_blob file = {};
	struct khsm_world *w;
	struct sk_buff *msg;
	void *hdr;
	int err;

	err = parse_bind(info, &bind, &bindp);
	if (!err && !bindp) {
		NL_SET_ERR_MSG_MOD(info->extack, "give the binding key");
		err = -EINVAL;
	}
	if (err)
		return err;
	msg = reply_world_new(info, KHSM_CMD_WORLD_BIND, &hdr);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&khsm_ctl_lock);
	w = world_authorised(info->extack);
	err = PTR_ERR_OR_ZERO(w);
	if (!err)
		err = khsm_world_bind(bindp, &file, info->extack);
	khsm_audit_world_cmd(KHSM_AUDIT_WORLD_BIND, err, info->extack);
	mutex_unlock(&khsm_ctl_lock);
	err = reply_world_file(msg, hdr, info, &file, NULL, err);
	kfree(file.data);
	return err;
}

static int khsm_nl_policy_set(struct sk_buff *skb, struct genl_info *info)
{
	struct khsm_blob file = {};
	struct khsm_warnings warn;
	struct khsm_world *w;
	struct khsm_opts opts;
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, KHSM_A_WORLD_OPTS))
		return -EINVAL;
	msg = reply_world_new(info, KHSM_CMD_POLICY_SET, &hdr);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&khsm_ctl_lock);
	w = world_authorised(info->extack);
	err = PTR_ERR_OR_ZERO(w);
	if (!err) {
		opts = w->opts;
		err = khsm_opts_parse(info->attrs[KHSM_A_WORLD_OPTS],
				      KHSM_OPTS_POLICY, &opts, &warn,
				      info->extack) ?:
		      khsm_world_set_policy(&opts, &file);
	}
	khsm_audit_world_cmd(KHSM_AUDIT_POLICY_SET, err, info->extack);
	mutex_unlock(&khsm_ctl_lock);
	err = reply_world_file(msg, hdr, info, &file, &warn, err);
	kfree(file.data);
	return err;
}

/* --- CARDSET_CREATE, TOKEN_LIST, TOKEN_UNLOAD --- */

static int cardset_feature(struct nlattr **tb, int attr, bool dflt,
			   bool world_on, u32 flag, u32 *flags,
			   struct netlink_ext_ack *extack)
{
	bool on = tb[attr] ? nla_get_u8(tb[attr]) : dflt;

	if (on && !world_on) {
		NL_SET_ERR_MSG_ATTR(extack, tb[attr],
				    "this recovery feature is off in this world");
		return -EINVAL;
	}
	if (on)
		*flags |= flag;
	return 0;
}

/* The request's set, checked against the world's policy. */
static int parse_cardset(struct genl_info *info, const struct khsm_world *w,
			 struct khsm_cardset_req *req)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[KHSM_A_CARDSET_MAX + 1];
	struct nlattr *nest = info->attrs[KHSM_A_CARDSET];
	int err;

	if (GENL_REQ_ATTR_CHECK(info, KHSM_A_CARDSET))
		return -EINVAL;
	err = nla_parse_nested(tb, KHSM_A_CARDSET_MAX, nest,
			       khsm_cardset_policy, extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, KHSM_A_CARDSET_TYPE) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, KHSM_A_CARDSET_NAME))
		return -EINVAL;
	memset(req, 0, sizeof(*req));
	req->type = nla_get_u8(tb[KHSM_A_CARDSET_TYPE]);
	nla_strscpy(req->name, tb[KHSM_A_CARDSET_NAME], sizeof(req->name));
	req->k = tb[KHSM_A_CARDSET_K] ? nla_get_u8(tb[KHSM_A_CARDSET_K]) : 1;
	req->n = tb[KHSM_A_CARDSET_N] ? nla_get_u8(tb[KHSM_A_CARDSET_N]) : 1;
	if (tb[KHSM_A_CARDSET_TIMEOUT])
		req->timeout = nla_get_u32(tb[KHSM_A_CARDSET_TIMEOUT]);
	if (!req->name[0] || req->k > req->n) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "a set needs a name and 1 <= K <= N <= 64");
		return -EINVAL;
	}
	if (req->type == KHSM_SET_SOFTCARD && req->n != 1) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "a softcard is a set of one card");
		return -EINVAL;
	}
	if (!(w->opts.protections & (1U << (req->type == KHSM_SET_OCS ?
					     KHSM_PROTECT_OCS :
					     KHSM_PROTECT_SOFTCARD)))) {
		NL_SET_ERR_MSG_MOD(extack, "the world's policy does not allow this protection");
		return -EPERM;
	}
	if (req->type == KHSM_SET_SOFTCARD ||
	    (tb[KHSM_A_CARDSET_PERSISTENT] && nla_get_u8(tb[KHSM_A_CARDSET_PERSISTENT])))
		req->flags |= KHSM_SETF_PERSISTENT;
	return cardset_feature(tb, KHSM_A_CARDSET_RECOVERY,
			       w->opts.quorum[KHSM_TOKEN_KEY_RECOVERY],
			       w->opts.quorum[KHSM_TOKEN_KEY_RECOVERY],
			       KHSM_SETF_RECOVERY, &req->flags, extack) ?:
	       cardset_feature(tb, KHSM_A_CARDSET_PP_RECOVERY, false,
			       w->opts.quorum[KHSM_TOKEN_PP_RECOVERY],
			       KHSM_SETF_PP_RECOVERY, &req->flags, extack);
}

/* A softcard's one card must have a passphrase: that is all it has. */
static int check_softcard_pp(const struct khsm_cardset_req *req,
			     const struct khsm_card_spec *specs,
			     struct netlink_ext_ack *extack)
{
	if (req->type != KHSM_SET_SOFTCARD || specs[0].has_pp)
		return 0;
	NL_SET_ERR_MSG_MOD(extack, "a softcard needs a passphrase");
	return -EINVAL;
}

static int put_cardset(struct sk_buff *msg, const struct khsm_cardset_req *req,
		       const u8 *set_id)
{
	struct nlattr *nest = nla_nest_start(msg, KHSM_A_CARDSET);

	if (!nest ||
	    nla_put(msg, KHSM_A_CARDSET_SET_ID, KHSM_SET_ID_LEN, set_id) ||
	    nla_put_u8(msg, KHSM_A_CARDSET_TYPE, req->type) ||
	    nla_put_string(msg, KHSM_A_CARDSET_NAME, req->name) ||
	    nla_put_u8(msg, KHSM_A_CARDSET_K, req->k) ||
	    nla_put_u8(msg, KHSM_A_CARDSET_N, req->n) ||
	    nla_put_u8(msg, KHSM_A_CARDSET_PERSISTENT,
		       !!(req->flags & KHSM_SETF_PERSISTENT)) ||
	    nla_put_u32(msg, KHSM_A_CARDSET_TIMEOUT, req->timeout) ||
	    nla_put_u8(msg, KHSM_A_CARDSET_RECOVERY,
		       !!(req->flags & KHSM_SETF_RECOVERY)) ||
	    nla_put_u8(msg, KHSM_A_CARDSET_PP_RECOVERY,
		       !!(req->flags & KHSM_SETF_PP_RECOVERY)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int khsm_nl_cardset_create(struct sk_buff *skb, struct genl_info *info)
{
	struct khsm_card_spec *specs = NULL;
	struct khsm_cardset_req req;
	u8 set_id[KHSM_SET_ID_LEN];
	struct khsm_made *made;
	struct khsm_world *w;
	struct sk_buff *msg;
	void *hdr;
	int err;

	made = kzalloc(sizeof(*made), GFP_KERNEL);
	if (!made)
		return -ENOMEM;
	mutex_lock(&khsm_ctl_lock);
	w = world_operational(info->extack);
	err = PTR_ERR_OR_ZERO(w);
	if (!err)
		err = parse_cardset(info, w, &req) ?:
		      parse_cards(info, req.n, &specs) ?:
		      check_softcard_pp(&req, specs, info->extack) ?:
		      khsm_cardset_create(w, &req, specs, set_id, made,
					  info->extack);
	khsm_audit_cardset(err ? NULL : &req, set_id, err, info->extack);
	mutex_unlock(&khsm_ctl_lock);
	if (err)
		goto out;
	err = -ENOMEM;
	msg = reply_new(info, KHSM_CMD_CARDSET_CREATE, made_size(made), &hdr);
	if (!msg)
		goto out;
	if (put_cardset(msg, &req, set_id) || put_cards(msg, made, specs)) {
		nlmsg_free(msg);
		err = -EMSGSIZE;
		goto out;
	}
	err = reply_send(msg, hdr, info);
out:
	khsm_made_free(made);
	kfree(made);
	kfree_sensitive(specs);
	return err;
}

static int khsm_nl_token_list(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	size_t size;
	void *hdr;
	int err;

	mutex_lock(&khsm_ctl_lock);
	size = 256 + khsm_tokens_count() * 192;
	msg = reply_new(info, KHSM_CMD_TOKEN_LIST, size, &hdr);
	err = msg ? khsm_tokens_put(msg) : -ENOMEM;
	mutex_unlock(&khsm_ctl_lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return reply_send(msg, hdr, info);
}

static int khsm_nl_token_unload(struct sk_buff *skb, struct genl_info *info)
{
	int err;

	if (GENL_REQ_ATTR_CHECK(info, KHSM_A_TOKEN_ID))
		return -EINVAL;
	mutex_lock(&khsm_ctl_lock);
	err = khsm_token_unload_id(nla_get_u64(info->attrs[KHSM_A_TOKEN_ID]),
				   netlink_capable(skb, CAP_SYS_ADMIN),
				   khsm_nl_opener(skb), info->extack);
	mutex_unlock(&khsm_ctl_lock);
	return khsm_audit_refused(KHSM_CMD_TOKEN_UNLOAD, err, info->extack);
}

/* --- KEY_GENERATE, KEY_IMPORT --- */

static int parse_key(struct genl_info *info, bool import,
		     struct khsm_key_req *req)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[KHSM_A_KEY_MAX + 1], *nest;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, KHSM_A_KEY))
		return -EINVAL;
	nest = info->attrs[KHSM_A_KEY];
	err = nla_parse_nested(tb, KHSM_A_KEY_MAX, nest, khsm_key_policy,
			       extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, KHSM_A_KEY_TYPE) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, KHSM_A_KEY_PROTECTION) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, KHSM_A_KEY_ACL) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, KHSM_A_KEY_APP) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, KHSM_A_KEY_IDENT))
		return -EINVAL;
	memset(req, 0, sizeof(*req));
	req->import = import;
	req->type = nla_get_u32(tb[KHSM_A_KEY_TYPE]);
	req->protection = nla_get_u8(tb[KHSM_A_KEY_PROTECTION]);
	nla_memcpy(&req->acl, tb[KHSM_A_KEY_ACL], sizeof(req->acl));
	nla_strscpy(req->app, tb[KHSM_A_KEY_APP], sizeof(req->app));
	nla_strscpy(req->ident, tb[KHSM_A_KEY_IDENT], sizeof(req->ident));
	req->recovery = tb[KHSM_A_KEY_RECOVERY] ?
			nla_get_u8(tb[KHSM_A_KEY_RECOVERY]) : -1;
	if (info->attrs[KHSM_A_TOKEN_ID])
		req->token_id = nla_get_u64(info->attrs[KHSM_A_TOKEN_ID]);
	if (tb[KHSM_A_KEY_LEN])
		req->len = nla_get_u32(tb[KHSM_A_KEY_LEN]);
	if (tb[KHSM_A_KEY_SECRET]) {
		req->secret = nla_data(tb[KHSM_A_KEY_SECRET]);
		req->secret_len = nla_len(tb[KHSM_A_KEY_SECRET]);
	}
	if (tb[KHSM_A_KEY_PUBLIC]) {
		req->pub = nla_data(tb[KHSM_A_KEY_PUBLIC]);
		req->pub_len = nla_len(tb[KHSM_A_KEY_PUBLIC]);
	}
	if (import != (req->secret || req->pub) || (import && req->len)) {
		if (import)
			NL_SET_ERR_MSG_ATTR(extack, nest, "an import takes SECRET or PUBLIC, not LEN");
		else
			NL_SET_ERR_MSG_ATTR(extack, nest, "key material is given only to KEY_IMPORT");
		return -EINVAL;
	}
	return 0;
}

static int reply_key(struct genl_info *info, u8 cmd, struct khsm_blob *blob,
		     const u8 *key_hash)
{
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;
	int err;

	err = -ENOMEM;
	msg = reply_new(info, cmd, blob->len + 128, &hdr);
	if (!msg)
		goto out;
	nest = nla_nest_start(msg, KHSM_A_KEY);
	if (!nest ||
	    nla_put(msg, KHSM_A_KEY_BLOB, blob->len, blob->data) ||
	    nla_put(msg, KHSM_A_KEY_HASH, KHSM_KEY_HASH_LEN, key_hash)) {
		nlmsg_free(msg);
		err = -EMSGSIZE;
		goto out;
	}
	nla_nest_end(msg, nest);
	err = reply_send(msg, hdr, info);
out:
	kfree(blob->data);
	return err;
}

static int nl_key_create(struct sk_buff *skb, struct genl_info *info, u8 cmd)
{
	u8 key_hash[KHSM_KEY_HASH_LEN];
	struct khsm_blob blob = {};
	struct khsm_key_req req;
	int err;

	err = parse_key(info, cmd == KHSM_CMD_KEY_IMPORT, &req);
	if (err)
		return err;
	req.opener = khsm_nl_opener(skb);
	err = khsm_key_create(&req, &blob, key_hash, info->extack);
	return err ?: reply_key(info, cmd, &blob, key_hash);
}

static int khsm_nl_key_recover(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[KHSM_A_KEY_MAX + 1], *nest;
	u8 key_hash[KHSM_KEY_HASH_LEN];
	struct khsm_blob blob = {};
	int err;

	if (GENL_REQ_ATTR_CHECK(info, KHSM_A_KEY) ||
	    GENL_REQ_ATTR_CHECK(info, KHSM_A_TOKEN_ID))
		return -EINVAL;
	nest = info->attrs[KHSM_A_KEY];
	err = nla_parse_nested(tb, KHSM_A_KEY_MAX, nest, khsm_key_blob_policy,
			       extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, KHSM_A_KEY_BLOB))
		return -EINVAL;
	err = khsm_key_recover(nla_data(tb[KHSM_A_KEY_BLOB]),
			       nla_len(tb[KHSM_A_KEY_BLOB]),
			       nla_get_u64(info->attrs[KHSM_A_TOKEN_ID]),
			       khsm_nl_opener(skb), &blob, key_hash, extack);
	return err ?: reply_key(info, KHSM_CMD_KEY_RECOVER, &blob, key_hash);
}

static int khsm_nl_key_generate(struct sk_buff *skb, struct genl_info *info)
{
	return nl_key_create(skb, info, KHSM_CMD_KEY_GENERATE);
}

static int khsm_nl_key_import(struct sk_buff *skb, struct genl_info *info)
{
	return nl_key_create(skb, info, KHSM_CMD_KEY_IMPORT);
}

/*
 * Officer commands also carry GENL_ADMIN_PERM: the core's own check is a
 * second lock on the door. A command without a policy takes no attribute
 * (resv_start_op 0 makes the core reject any).
 */
#define KHSM_OP_NOATTR(_cmd, _fn, _role)				\
	{								\
		.cmd		= _cmd,					\
		.doit		= _fn,					\
		.internal_flags	= _role,				\
		.flags		= ((_role) & KHSM_NL_ROLE_MASK) ==	\
				  KHSM_ROLE_OFFICER ? GENL_ADMIN_PERM : 0, \
	}
#define KHSM_OP(_cmd, _fn, _policy, _role)				\
	{								\
		.cmd		= _cmd,					\
		.doit		= _fn,					\
		.policy		= _policy,				\
		.maxattr	= KHSM_A_MAX,				\
		.internal_flags	= _role,				\
		.flags		= ((_role) & KHSM_NL_ROLE_MASK) ==	\
				  KHSM_ROLE_OFFICER ? GENL_ADMIN_PERM : 0, \
	}

static const struct genl_ops khsm_genl_ops[] = {
	KHSM_OP(KHSM_CMD_GET_INFO, khsm_nl_get_info, khsm_get_info_policy,
		KHSM_ROLE_QUERY | KHSM_NL_ANY_STATE),
	KHSM_OP(KHSM_CMD_WORLD_NEW, khsm_nl_world_new, khsm_world_new_policy,
		KHSM_ROLE_OFFICER),
	KHSM_OP(KHSM_CMD_WORLD_LOAD, khsm_nl_world_load, khsm_world_load_policy,
		KHSM_ROLE_OFFICER),
	KHSM_OP_NOATTR(KHSM_CMD_WORLD_UNLOAD, khsm_nl_world_unload,
		       KHSM_ROLE_OFFICER),
	KHSM_OP(KHSM_CMD_CARD_INSERT, khsm_nl_card_insert,
		khsm_card_insert_policy, KHSM_ROLE_OPERATOR),
	KHSM_OP(KHSM_CMD_CARD_REMOVE, khsm_nl_card_remove,
		khsm_card_remove_policy, KHSM_ROLE_OPERATOR),
	KHSM_OP_NOATTR(KHSM_CMD_SLOT_LIST, khsm_nl_slot_list, KHSM_ROLE_QUERY),
	KHSM_OP_NOATTR(KHSM_CMD_ACS_LOGOUT, khsm_nl_acs_logout,
		       KHSM_ROLE_OFFICER),
	KHSM_OP(KHSM_CMD_ACS_REPLACE, khsm_nl_acs_replace,
		khsm_acs_replace_policy, KHSM_ROLE_OFFICER),
	KHSM_OP(KHSM_CMD_WORLD_BIND, khsm_nl_world_bind, khsm_world_bind_policy,
		KHSM_ROLE_OFFICER),
	KHSM_OP(KHSM_CMD_POLICY_SET, khsm_nl_policy_set, khsm_policy_set_policy,
		KHSM_ROLE_OFFICER),
	KHSM_OP_NOATTR(KHSM_CMD_CLEAR, khsm_nl_clear, KHSM_ROLE_OFFICER),
	KHSM_OP(KHSM_CMD_CARDSET_CREATE, khsm_nl_cardset_create,
		khsm_cardset_create_policy, KHSM_ROLE_OPERATOR),
	KHSM_OP_NOATTR(KHSM_CMD_TOKEN_LIST, khsm_nl_token_list, KHSM_ROLE_QUERY),
	KHSM_OP(KHSM_CMD_TOKEN_UNLOAD, khsm_nl_token_unload,
		khsm_token_unload_policy, KHSM_ROLE_OPERATOR),
	KHSM_OP(KHSM_CMD_KEY_GENERATE, khsm_nl_key_generate,
		khsm_key_create_policy, KHSM_ROLE_OPERATOR),
	KHSM_OP(KHSM_CMD_KEY_IMPORT, khsm_nl_key_import,
		khsm_key_create_policy, KHSM_ROLE_OPERATOR),
	KHSM_OP(KHSM_CMD_KEY_RECOVER, khsm_nl_key_recover,
		khsm_key_recover_policy, KHSM_ROLE_OFFICER),
	KHSM_OP(KHSM_CMD_CARD_PASSPHRASE, khsm_nl_card_passphrase,
		khsm_card_pp_policy, KHSM_ROLE_OPERATOR),
	{
		.cmd		= KHSM_CMD_AUDIT_GET,
		.start		= khsm_audit_nl_get_start,
		.dumpit		= khsm_audit_nl_get_dump,
		.policy		= khsm_audit_policy,
		.maxattr	= KHSM_A_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	KHSM_OP(KHSM_CMD_AUDIT_ACK, khsm_audit_nl_ack, khsm_audit_policy,
		KHSM_ROLE_OFFICER | KHSM_NL_ANY_STATE),
	KHSM_OP_NOATTR(KHSM_CMD_AUDIT_CHECKPOINT, khsm_audit_nl_checkpoint,
		       KHSM_ROLE_OFFICER),
	KHSM_OP_NOATTR(KHSM_CMD_AUDIT_STATUS, khsm_audit_nl_status,
		       KHSM_ROLE_QUERY | KHSM_NL_ANY_STATE),
};

static const struct genl_multicast_group khsm_genl_mcgrps[] = {
	{ .name = KHSM_MCGRP_AUDIT, .flags = GENL_MCAST_CAP_SYS_ADMIN },
};

static struct genl_family khsm_genl_family __ro_after_init = {
	.name		= KHSM_GENL_NAME,
	.version	= KHSM_GENL_VERSION,
	.maxattr	= KHSM_A_MAX,
	.netnsok	= false,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.resv_start_op	= 0,	/* every command is strictly validated */
	.pre_doit	= khsm_nl_pre_doit,
	.post_doit	= khsm_nl_post_doit,
	.ops		= khsm_genl_ops,
	.n_ops		= ARRAY_SIZE(khsm_genl_ops),
	.mcgrps		= khsm_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(khsm_genl_mcgrps),
};

/* audit.c multicasts its records on the family's one group. */
const struct genl_family *khsm_nl_family(void)
{
	return &khsm_genl_family;
}

int __init khsm_netlink_init(void)
{
	return genl_register_family(&khsm_genl_family);
}

void khsm_netlink_uninit(void)
{
	genl_unregister_family(&khsm_genl_family);
}

MODULE_ALIAS_GENL_FAMILY(KHSM_GENL_NAME);
