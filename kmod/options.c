// SPDX-License-Identifier: GPL-2.0
/*
 * World options: parsing from netlink, the hard invariants (refused), the
 * reference's recommendations (warned about, refused when strict), and
 * the world file's on-disk form.
 */
#include <linux/kernel.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include <net/genetlink.h>

#include "khsm.h"
#include "options.h"

static struct netlink_range_validation nso_range = {
	.min = 1, .max = 86400,
};

static struct netlink_range_validation pp_len_range = {
	.max = 1024,
};

static struct netlink_range_validation retry_range = {
	.min = 1, .max = 3600000,
};

static struct netlink_range_validation pbkdf2_range = {
	.min = 1000, .max = 10000000,
};

static struct netlink_range_validation audit_cp_range = {
	.min = 1, .max = 65535,
};

const struct nla_policy khsm_opts_policy[KHSM_A_OPT_MAX + 1] = {
	[KHSM_A_OPT_ACS_K]		= NLA_POLICY_RANGE(NLA_U8, 1, KHSM_MAX_CARDS),
	[KHSM_A_OPT_ACS_N]		= NLA_POLICY_RANGE(NLA_U8, 1, KHSM_MAX_CARDS),
	[KHSM_A_OPT_LOAD_QUORUM]	= NLA_POLICY_RANGE(NLA_U8, 1, KHSM_MAX_CARDS),
	[KHSM_A_OPT_KEY_RECOVERY]	= NLA_POLICY_MAX(NLA_U8, 1),
	[KHSM_A_OPT_KR_QUORUM]		= NLA_POLICY_RANGE(NLA_U8, 1, KHSM_MAX_CARDS),
	[KHSM_A_OPT_PP_RECOVERY]	= NLA_POLICY_MAX(NLA_U8, 1),
	[KHSM_A_OPT_PR_QUORUM]		= NLA_POLICY_RANGE(NLA_U8, 1, KHSM_MAX_CARDS),
	[KHSM_A_OPT_NSO_TIMEOUT]	= NLA_POLICY_FULL_RANGE(NLA_U32, &nso_range),
	[KHSM_A_OPT_PP_MIN_LEN]		= NLA_POLICY_FULL_RANGE(NLA_U32, &pp_len_range),
	[KHSM_A_OPT_PP_SHORT_REFUSE]	= NLA_POLICY_MAX(NLA_U8, 1),
	[KHSM_A_OPT_RETRY_BASE_MS]	= NLA_POLICY_FULL_RANGE(NLA_U32, &retry_range),
	[KHSM_A_OPT_RETRY_MAX_MS]	= NLA_POLICY_FULL_RANGE(NLA_U32, &retry_range),
	[KHSM_A_OPT_LOCKOUT]		= { .type = NLA_U32 },
	[KHSM_A_OPT_FORCED_AUDIT]	= NLA_POLICY_MAX(NLA_U8, 1),
	[KHSM_A_OPT_PBKDF2_ITER]	= NLA_POLICY_FULL_RANGE(NLA_U32, &pbkdf2_range),
	[KHSM_A_OPT_STRICT]		= NLA_POLICY_MAX(NLA_U8, 1),
	[KHSM_A_OPT_PROTECTIONS]	= NLA_POLICY_MASK(NLA_U32, KHSM_PROTECT__ALL),
	[KHSM_A_OPT_MECHANISMS]		= NLA_POLICY_MASK(NLA_U32, KHSM_MECH__ALL),
	[KHSM_A_OPT_OPERATOR_GID]	= { .type = NLA_U32 },
	[KHSM_A_OPT_USER_GID]		= { .type = NLA_U32 },
	[KHSM_A_OPT_NO_IMPORT]		= NLA_POLICY_MAX(NLA_U8, 1),
	[KHSM_A_OPT_AUDIT_CHECKPOINT]	= NLA_POLICY_FULL_RANGE(NLA_U32, &audit_cp_range),
	[KHSM_A_OPT_AUDIT_PER_OP]	= NLA_POLICY_MAX(NLA_U8, 1),
};

void khsm_opts_defaults(struct khsm_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->acs_k = 1;
	o->acs_n = 1;
	o->quorum[KHSM_TOKEN_ACS] = 1;
	o->quorum[KHSM_TOKEN_LOAD_WORLD] = 1;
	o->quorum[KHSM_TOKEN_KEY_RECOVERY] = 1;
	o->nso_timeout = 600;
	o->retry_base_ms = 1000;
	o->retry_max_ms = 60000;
	o->pbkdf2_iter = 200000;
	o->protections = KHSM_PROTECT__ALL;
	o->mechanisms = KHSM_MECH__ALL;
	o->audit_checkpoint = KHSM_AUDIT_CHECKPOINT_DEFAULT;
}

static void set_flag(struct khsm_opts *o, struct nlattr **tb, int attr,
		     u32 flag)
{
	if (!tb[attr])
		return;
	if (nla_get_u8(tb[attr]))
		o->flags |= flag;
	else
		o->flags &= ~flag;
}

/* The policy part: what POLICY_SET may change. */
static void parse_policy(struct khsm_opts *o, struct nlattr **tb)
{
	if (tb[KHSM_A_OPT_NSO_TIMEOUT])
		o->nso_timeout = nla_get_u32(tb[KHSM_A_OPT_NSO_TIMEOUT]);
	if (tb[KHSM_A_OPT_PP_MIN_LEN])
		o->pp_min_len = nla_get_u32(tb[KHSM_A_OPT_PP_MIN_LEN]);
	if (tb[KHSM_A_OPT_RETRY_BASE_MS])
		o->retry_base_ms = nla_get_u32(tb[KHSM_A_OPT_RETRY_BASE_MS]);
	if (tb[KHSM_A_OPT_RETRY_MAX_MS])
		o->retry_max_ms = nla_get_u32(tb[KHSM_A_OPT_RETRY_MAX_MS]);
	if (tb[KHSM_A_OPT_LOCKOUT])
		o->lockout = nla_get_u32(tb[KHSM_A_OPT_LOCKOUT]);
	if (tb[KHSM_A_OPT_PBKDF2_ITER])
		o->pbkdf2_iter = nla_get_u32(tb[KHSM_A_OPT_PBKDF2_ITER]);
	if (tb[KHSM_A_OPT_PROTECTIONS])
		o->protections = nla_get_u32(tb[KHSM_A_OPT_PROTECTIONS]);
	if (tb[KHSM_A_OPT_MECHANISMS])
		o->mechanisms = nla_get_u32(tb[KHSM_A_OPT_MECHANISMS]);
	if (tb[KHSM_A_OPT_OPERATOR_GID])
		o->operator_gid = nla_get_u32(tb[KHSM_A_OPT_OPERATOR_GID]);
	if (tb[KHSM_A_OPT_USER_GID])
		o->user_gid = nla_get_u32(tb[KHSM_A_OPT_USER_GID]);
	set_flag(o, tb, KHSM_A_OPT_PP_SHORT_REFUSE, KHSM_WORLD_F_PP_SHORT_REFUSE);
	set_flag(o, tb, KHSM_A_OPT_FORCED_AUDIT, KHSM_WORLD_F_FORCED_AUDIT);
	set_flag(o, tb, KHSM_A_OPT_STRICT, KHSM_WORLD_F_STRICT);
	set_flag(o, tb, KHSM_A_OPT_NO_IMPORT, KHSM_WORLD_F_NO_IMPORT);
	set_flag(o, tb, KHSM_A_OPT_AUDIT_PER_OP, KHSM_WORLD_F_AUDIT_PER_OP);
	if (tb[KHSM_A_OPT_AUDIT_CHECKPOINT])
		o->audit_checkpoint = nla_get_u32(tb[KHSM_A_OPT_AUDIT_CHECKPOINT]);
}

/*
 * A feature's quorum: explicit, or the ACS quorum when the feature is on
 * and none was given, or 0 when it is off. Giving a quorum for a feature
 * that is off is a mistake worth refusing, not a value worth ignoring.
 */
static int parse_feature(struct khsm_opts *o, struct nlattr **tb,
			 int switch_attr, int quorum_attr, int token,
			 struct netlink_ext_ack *extack)
{
	bool on = o->quorum[token];

	if (tb[switch_attr])
		on = nla_get_u8(tb[switch_attr]);
	if (!on && tb[quorum_attr]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[quorum_attr],
				    "a quorum was given for a disabled feature");
		return -EINVAL;
	}
	if (!on)
		o->quorum[token] = 0;
	else if (tb[quorum_attr])
		o->quorum[token] = nla_get_u8(tb[quorum_attr]);
	else if (!o->quorum[token] || tb[KHSM_A_OPT_ACS_K])
		o->quorum[token] = o->acs_k;
	return 0;
}

static int parse_quorums(struct khsm_opts *o, struct nlattr **tb,
			 struct netlink_ext_ack *extack)
{
	if (tb[KHSM_A_OPT_ACS_K])
		o->acs_k = nla_get_u8(tb[KHSM_A_OPT_ACS_K]);
	if (tb[KHSM_A_OPT_ACS_N])
		o->acs_n = nla_get_u8(tb[KHSM_A_OPT_ACS_N]);
	o->quorum[KHSM_TOKEN_ACS] = o->acs_k;
	if (tb[KHSM_A_OPT_LOAD_QUORUM])
		o->quorum[KHSM_TOKEN_LOAD_WORLD] =
			nla_get_u8(tb[KHSM_A_OPT_LOAD_QUORUM]);
	else if (tb[KHSM_A_OPT_ACS_K])
		o->quorum[KHSM_TOKEN_LOAD_WORLD] = o->acs_k;
	return parse_feature(o, tb, KHSM_A_OPT_KEY_RECOVERY,
			     KHSM_A_OPT_KR_QUORUM, KHSM_TOKEN_KEY_RECOVERY,
			     extack) ?:
	       parse_feature(o, tb, KHSM_A_OPT_PP_RECOVERY,
			     KHSM_A_OPT_PR_QUORUM, KHSM_TOKEN_PP_RECOVERY,
			     extack);
}

static int check_invariants(const struct khsm_opts *o,
			    struct netlink_ext_ack *extack)
{
	int t;

	if (o->acs_k < 1 || o->acs_k > o->acs_n || o->acs_n > KHSM_MAX_CARDS) {
		NL_SET_ERR_MSG_MOD(extack, "ACS quorum must satisfy 1 <= K <= N <= 64");
		return -EINVAL;
	}
	for (t = 0; t < KHSM_TOKEN__COUNT; t++) {
		if (o->quorum[t] > o->acs_n ||
		    (!o->quorum[t] && (t == KHSM_TOKEN_ACS ||
				       t == KHSM_TOKEN_LOAD_WORLD))) {
			NL_SET_ERR_MSG_MOD(extack,
					   "every feature quorum must be between 1 and N");
			return -EINVAL;
		}
	}
	if (o->retry_max_ms < o->retry_base_ms) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the longest retry delay is shorter than the first");
		return -EINVAL;
	}
	if (!o->protections || !o->mechanisms) {
		NL_SET_ERR_MSG_MOD(extack,
				   "allow at least one protection and one mechanism");
		return -EINVAL;
	}
	if (!gid_valid(make_kgid(&init_user_ns, o->operator_gid)) ||
	    !gid_valid(make_kgid(&init_user_ns, o->user_gid))) {
		NL_SET_ERR_MSG_MOD(extack, "not a valid group id");
		return -EINVAL;
	}
	return 0;
}

static void warn(struct khsm_warnings *w, const char *msg)
{
	if (w->n < KHSM_MAX_WARNINGS)
		w->msg[w->n++] = msg;
}

/* The reference's advice; strict worlds turn it into refusals. */
static void check_recommendations(const struct khsm_opts *o,
				  struct khsm_warnings *w)
{
	const u8 *q = o->quorum;

	if (o->acs_n >= 2 * o->acs_k)
		warn(w, "N is not below 2K: a smaller group than intended can lose or outvote the quorum (recommended e.g. 3/5, 5/9)");
	if (q[KHSM_TOKEN_LOAD_WORLD] >= o->acs_k ||
	    q[KHSM_TOKEN_KEY_RECOVERY] >= o->acs_k ||
	    q[KHSM_TOKEN_PP_RECOVERY] >= o->acs_k)
		warn(w, "a feature quorum is not below the ACS quorum: the full ACS quorum should be needed only for ACS work");
	if (q[KHSM_TOKEN_KEY_RECOVERY] == 1 || q[KHSM_TOKEN_PP_RECOVERY] == 1)
		warn(w, "a recovery quorum is 1: one card holder alone can recover keys or passphrases");
}

int khsm_opts_parse(const struct nlattr *nest, enum khsm_opts_mode mode,
		    struct khsm_opts *o, struct khsm_warnings *w,
		    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KHSM_A_OPT_MAX + 1] = {};
	struct khsm_opts old = *o;
	int err;

	if (nest) {
		err = nla_parse_nested(tb, KHSM_A_OPT_MAX, nest,
				       khsm_opts_policy, extack);
		if (err)
			return err;
	}
	parse_policy(o, tb);
	/* POLICY_SET parses them too, only to refuse a change. */
	err = parse_quorums(o, tb, extack);
	if (err)
		return err;
	if (mode != KHSM_OPTS_NEW &&
	    (!o->quorum[KHSM_TOKEN_KEY_RECOVERY] !=
		     !old.quorum[KHSM_TOKEN_KEY_RECOVERY] ||
	     !o->quorum[KHSM_TOKEN_PP_RECOVERY] !=
		     !old.quorum[KHSM_TOKEN_PP_RECOVERY])) {
		NL_SET_ERR_MSG_MOD(extack,
				   "recovery features are fixed when the world is created");
		return -EINVAL;
	}
	if (mode == KHSM_OPTS_POLICY &&
	    (memcmp(o->quorum, old.quorum, sizeof(o->quorum)) ||
	     o->acs_k != old.acs_k || o->acs_n != old.acs_n)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "quorums change only with khsmctl acs replace");
		return -EINVAL;
	}
	err = check_invariants(o, extack);
	if (err)
		return err;
	w->n = 0;
	check_recommendations(o, w);
	if (w->n && (o->flags & KHSM_WORLD_F_STRICT)) {
		khsm_set_errmsg(extack, w->msg[0]);
		return -EINVAL;
	}
	return 0;
}

void khsm_opts_to_disk(const struct khsm_opts *o, struct khsm_world_opts *d)
{
	memset(d, 0, sizeof(*d));
	d->acs_k = o->acs_k;
	d->acs_n = o->acs_n;
	d->load_quorum = o->quorum[KHSM_TOKEN_LOAD_WORLD];
	d->kr_quorum = o->quorum[KHSM_TOKEN_KEY_RECOVERY];
	d->pr_quorum = o->quorum[KHSM_TOKEN_PP_RECOVERY];
	d->flags = cpu_to_le32(o->flags);
	d->nso_timeout = cpu_to_le32(o->nso_timeout);
	d->pp_min_len = cpu_to_le32(o->pp_min_len);
	d->retry_base_ms = cpu_to_le32(o->retry_base_ms);
	d->retry_max_ms = cpu_to_le32(o->retry_max_ms);
	d->lockout = cpu_to_le32(o->lockout);
	d->pbkdf2_iter = cpu_to_le32(o->pbkdf2_iter);
	d->protections = cpu_to_le32(o->protections);
	d->mechanisms = cpu_to_le32(o->mechanisms);
	d->operator_gid = cpu_to_le32(o->operator_gid);
	d->user_gid = cpu_to_le32(o->user_gid);
	d->audit_checkpoint = cpu_to_le16(o->audit_checkpoint);
}

int khsm_opts_from_disk(const struct khsm_world_opts *d, struct khsm_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->acs_k = d->acs_k;
	o->acs_n = d->acs_n;
	o->quorum[KHSM_TOKEN_ACS] = d->acs_k;
	o->quorum[KHSM_TOKEN_LOAD_WORLD] = d->load_quorum;
	o->quorum[KHSM_TOKEN_KEY_RECOVERY] = d->kr_quorum;
	o->quorum[KHSM_TOKEN_PP_RECOVERY] = d->pr_quorum;
	o->flags = le32_to_cpu(d->flags);
	o->nso_timeout = le32_to_cpu(d->nso_timeout);
	o->pp_min_len = le32_to_cpu(d->pp_min_len);
	o->retry_base_ms = le32_to_cpu(d->retry_base_ms);
	o->retry_max_ms = le32_to_cpu(d->retry_max_ms);
	o->lockout = le32_to_cpu(d->lockout);
	o->pbkdf2_iter = le32_to_cpu(d->pbkdf2_iter);
	o->protections = le32_to_cpu(d->protections);
	o->mechanisms = le32_to_cpu(d->mechanisms);
	o->operator_gid = le32_to_cpu(d->operator_gid);
	o->user_gid = le32_to_cpu(d->user_gid);
	o->audit_checkpoint = le16_to_cpu(d->audit_checkpoint) ?:
			      KHSM_AUDIT_CHECKPOINT_DEFAULT;
	if (memchr_inv(d->__reserved0, 0, sizeof(d->__reserved0)) ||
	    (o->protections & ~KHSM_PROTECT__ALL) ||
	    (o->mechanisms & ~KHSM_MECH__ALL) ||
	    o->nso_timeout < nso_range.min || o->nso_timeout > nso_range.max ||
	    o->retry_base_ms < 1 || o->retry_max_ms < o->retry_base_ms)
		return -EBADMSG;
	return check_invariants(o, NULL) ? -EBADMSG : 0;
}

static int put_flag(struct sk_buff *msg, int attr, const struct khsm_opts *o,
		    u32 flag)
{
	return nla_put_u8(msg, attr, !!(o->flags & flag));
}

int khsm_opts_put(struct sk_buff *msg, int attrtype, const struct khsm_opts *o)
{
	const u8 *q = o->quorum;
	struct nlattr *nest;

	nest = nla_nest_start(msg, attrtype);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(msg, KHSM_A_OPT_ACS_K, o->acs_k) ||
	    nla_put_u8(msg, KHSM_A_OPT_ACS_N, o->acs_n) ||
	    nla_put_u8(msg, KHSM_A_OPT_LOAD_QUORUM, q[KHSM_TOKEN_LOAD_WORLD]) ||
	    nla_put_u8(msg, KHSM_A_OPT_KEY_RECOVERY, !!q[KHSM_TOKEN_KEY_RECOVERY]) ||
	    (q[KHSM_TOKEN_KEY_RECOVERY] &&
	     nla_put_u8(msg, KHSM_A_OPT_KR_QUORUM, q[KHSM_TOKEN_KEY_RECOVERY])) ||
	    nla_put_u8(msg, KHSM_A_OPT_PP_RECOVERY, !!q[KHSM_TOKEN_PP_RECOVERY]) ||
	    (q[KHSM_TOKEN_PP_RECOVERY] &&
	     nla_put_u8(msg, KHSM_A_OPT_PR_QUORUM, q[KHSM_TOKEN_PP_RECOVERY])) ||
	    nla_put_u32(msg, KHSM_A_OPT_NSO_TIMEOUT, o->nso_timeout) ||
	    nla_put_u32(msg, KHSM_A_OPT_PP_MIN_LEN, o->pp_min_len) ||
	    put_flag(msg, KHSM_A_OPT_PP_SHORT_REFUSE, o, KHSM_WORLD_F_PP_SHORT_REFUSE) ||
	    nla_put_u32(msg, KHSM_A_OPT_RETRY_BASE_MS, o->retry_base_ms) ||
	    nla_put_u32(msg, KHSM_A_OPT_RETRY_MAX_MS, o->retry_max_ms) ||
	    nla_put_u32(msg, KHSM_A_OPT_LOCKOUT, o->lockout) ||
	    put_flag(msg, KHSM_A_OPT_FORCED_AUDIT, o, KHSM_WORLD_F_FORCED_AUDIT) ||
	    nla_put_u32(msg, KHSM_A_OPT_PBKDF2_ITER, o->pbkdf2_iter) ||
	    put_flag(msg, KHSM_A_OPT_STRICT, o, KHSM_WORLD_F_STRICT) ||
	    nla_put_u32(msg, KHSM_A_OPT_PROTECTIONS, o->protections) ||
	    nla_put_u32(msg, KHSM_A_OPT_MECHANISMS, o->mechanisms) ||
	    nla_put_u32(msg, KHSM_A_OPT_OPERATOR_GID, o->operator_gid) ||
	    nla_put_u32(msg, KHSM_A_OPT_USER_GID, o->user_gid) ||
	    put_flag(msg, KHSM_A_OPT_NO_IMPORT, o, KHSM_WORLD_F_NO_IMPORT) ||
	    nla_put_u32(msg, KHSM_A_OPT_AUDIT_CHECKPOINT, o->audit_checkpoint) ||
	    put_flag(msg, KHSM_A_OPT_AUDIT_PER_OP, o, KHSM_WORLD_F_AUDIT_PER_OP)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

int khsm_warnings_put(struct sk_buff *msg, const struct khsm_warnings *w)
{
	unsigned int i;

	for (i = 0; i < w->n; i++)
		if (nla_put_string(msg, KHSM_A_WARNING, w->msg[i]))
			return -EMSGSIZE;
	return 0;
}
