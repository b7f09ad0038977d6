// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * World options (enum khsm_opt_attr): defaults, ranges, the hard invariants,
 * and their KHSM_A_WORLD_OPTS nest. One table describes every option, so
 * the setter, the getter and both directions of the nest agree by
 * construction.
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "internal.h"

#define FIELD(f) offsetof(struct khsm_world_options, f), \
	sizeof(((struct khsm_world_options *)0)->f)

/*
 * Ranges are the ABI's. A quorum's upper bound here is KHSM_MAX_CARDS;
 * against N it is khsm_world_options_check()'s business, because N may be
 * set after the quorum.
 */
static const struct opt_desc {
	uint16_t offset;
	uint8_t size;		/* 1: u8, 4: u32 */
	uint8_t quorum;		/* defaults to K */
	uint32_t min, max, def;
} opt_table[KHSM_A_OPT_MAX + 1] = {
	[KHSM_A_OPT_ACS_K]	    = { FIELD(acs_k), 0, 1, KHSM_MAX_CARDS, 1 },
	[KHSM_A_OPT_ACS_N]	    = { FIELD(acs_n), 0, 1, KHSM_MAX_CARDS, 1 },
	[KHSM_A_OPT_LOAD_QUORUM]    = { FIELD(load_quorum), 1, 1, KHSM_MAX_CARDS, 1 },
	[KHSM_A_OPT_KEY_RECOVERY]   = { FIELD(key_recovery), 0, 0, 1, 1 },
	[KHSM_A_OPT_KR_QUORUM]	    = { FIELD(kr_quorum), 1, 1, KHSM_MAX_CARDS, 1 },
	[KHSM_A_OPT_PP_RECOVERY]    = { FIELD(pp_recovery), 0, 0, 1, 0 },
	[KHSM_A_OPT_PR_QUORUM]	    = { FIELD(pr_quorum), 1, 1, KHSM_MAX_CARDS, 1 },
	[KHSM_A_OPT_NSO_TIMEOUT]    = { FIELD(nso_timeout), 0, 1, 86400, 600 },
	[KHSM_A_OPT_PP_MIN_LEN]	    = { FIELD(pp_min_len), 0, 0, 1024, 0 },
	[KHSM_A_OPT_PP_SHORT_REFUSE] = { FIELD(pp_short_refuse), 0, 0, 1, 0 },
	[KHSM_A_OPT_RETRY_BASE_MS]  = { FIELD(retry_base_ms), 0, 1, 3600000, 1000 },
	[KHSM_A_OPT_RETRY_MAX_MS]   = { FIELD(retry_max_ms), 0, 1, 3600000, 60000 },
	[KHSM_A_OPT_LOCKOUT]	    = { FIELD(lockout), 0, 0, UINT32_MAX, 0 },
	[KHSM_A_OPT_FORCED_AUDIT]   = { FIELD(forced_audit), 0, 0, 1, 0 },
	[KHSM_A_OPT_PBKDF2_ITER]    = { FIELD(pbkdf2_iter), 0, 1000, 10000000, 200000 },
	[KHSM_A_OPT_STRICT]	    = { FIELD(strict), 0, 0, 1, 0 },
	[KHSM_A_OPT_PROTECTIONS]    = { FIELD(protections), 0, 1, KHSM_PROTECT__ALL,
					KHSM_PROTECT__ALL },
	[KHSM_A_OPT_MECHANISMS]	    = { FIELD(mechanisms), 0, 1, KHSM_MECH__ALL,
					KHSM_MECH__ALL },
	[KHSM_A_OPT_OPERATOR_GID]   = { FIELD(operator_gid), 0, 0, UINT32_MAX - 1, 0 },
	[KHSM_A_OPT_USER_GID]	    = { FIELD(user_gid), 0, 0, UINT32_MAX - 1, 0 },
	[KHSM_A_OPT_NO_IMPORT]	    = { FIELD(no_import), 0, 0, 1, 0 },
	[KHSM_A_OPT_AUDIT_CHECKPOINT] = { FIELD(audit_checkpoint), 0, 1, 65535,
					  KHSM_AUDIT_CHECKPOINT_DEFAULT },
	[KHSM_A_OPT_AUDIT_PER_OP]   = { FIELD(audit_per_op), 0, 0, 1, 0 },
};

/*
 * An option of the ABI header this table does not describe (size 0) is
 * one this library does not know yet: refused, never sent, skipped when
 * the module sends it, like the options above KHSM_A_OPT_MAX.
 */
static bool known(unsigned int attr)
{
	return attr != KHSM_A_OPT_UNSPEC && attr <= KHSM_A_OPT_MAX &&
	       opt_table[attr].size;
}

static const struct opt_desc *opt_desc(unsigned int attr)
{
	return known(attr) ? &opt_table[attr] : NULL;
}

static uint32_t raw_get(const struct khsm_world_options *o,
			const struct opt_desc *d)
{
	const uint8_t *p = (const uint8_t *)o + d->offset;
	uint32_t v;

	if (d->size == 1)
		return *p;
	memcpy(&v, p, sizeof(v));
	return v;
}

static void raw_put(struct khsm_world_options *o, const struct opt_desc *d,
		    uint32_t v)
{
	uint8_t *p = (uint8_t *)o + d->offset;

	if (d->size == 1)
		*p = (uint8_t)v;
	else
		memcpy(p, &v, sizeof(v));
}

KHSM_API int khsm_world_options_range(unsigned int attr, uint32_t *min,
				      uint32_t *max)
{
	const struct opt_desc *d = opt_desc(attr);

	if (!d || !min || !max)
		return -EINVAL;
	*min = d->min;
	*max = d->max;
	return 0;
}

KHSM_API void khsm_world_options_init(struct khsm_world_options *o)
{
	unsigned int a;

	memset(o, 0, sizeof(*o));
	for (a = 1; a <= KHSM_A_OPT_MAX; a++)
		if (known(a))
			raw_put(o, &opt_table[a], opt_table[a].def);
}

/* The quorums nobody set follow K, as the module's defaults do. */
static void follow_k(struct khsm_world_options *o)
{
	unsigned int a;

	for (a = 1; a <= KHSM_A_OPT_MAX; a++)
		if (opt_table[a].quorum && !(o->set & KHSM_OPT_BIT(a)))
			raw_put(o, &opt_table[a], o->acs_k);
}

KHSM_API int khsm_world_options_set(struct khsm_world_options *o,
				    unsigned int attr, uint32_t value)
{
	const struct opt_desc *d = opt_desc(attr);

	if (!o || !d)
		return -EINVAL;
	if (value < d->min || value > d->max)
		return -ERANGE;
	raw_put(o, d, value);
	o->set |= KHSM_OPT_BIT(attr);
	if (attr == KHSM_A_OPT_ACS_K)
		follow_k(o);
	return 0;
}

KHSM_API int khsm_world_options_get(const struct khsm_world_options *o,
				    unsigned int attr, uint32_t *value)
{
	const struct opt_desc *d = opt_desc(attr);

	if (!o || !d || !value)
		return -EINVAL;
	*value = raw_get(o, d);
	return 0;
}

void khsm_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const struct {
	unsigned int enable;	/* 0: always on */
	unsigned int quorum;
	const char *name;
} quorums[] = {
	{ 0, KHSM_A_OPT_LOAD_QUORUM, "load-world" },
	{ KHSM_A_OPT_KEY_RECOVERY, KHSM_A_OPT_KR_QUORUM, "key-recovery" },
	{ KHSM_A_OPT_PP_RECOVERY, KHSM_A_OPT_PR_QUORUM, "passphrase-recovery" },
};

static int check_quorum(const struct khsm_world_options *o, size_t i,
			char *err, size_t errlen)
{
	const struct opt_desc *q = &opt_table[quorums[i].quorum];
	uint32_t v = raw_get(o, q);

	if (quorums[i].enable && !raw_get(o, &opt_table[quorums[i].enable])) {
		if (!(o->set & KHSM_OPT_BIT(quorums[i].quorum)))
			return 0;
		khsm_seterr(err, errlen, "%s quorum given but %s is off",
			    quorums[i].name, quorums[i].name);
		return -EINVAL;
	}
	if (v < 1 || v > o->acs_n) {
		khsm_seterr(err, errlen, "%s quorum %u is not within 1..N (%u)",
			    quorums[i].name, v, o->acs_n);
		return -EINVAL;
	}
	return 0;
}

KHSM_API int khsm_world_options_check(const struct khsm_world_options *o,
				      char *err, size_t errlen)
{
	size_t i;
	int ret;

	if (!o)
		return -EINVAL;
	if (o->acs_n < 1 || o->acs_n > KHSM_MAX_CARDS || o->acs_k < 1 ||
	    o->acs_k > o->acs_n) {
		khsm_seterr(err, errlen,
			    "ACS quorum %u/%u: need 1 <= K <= N <= %d",
			    o->acs_k, o->acs_n, KHSM_MAX_CARDS);
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(quorums); i++) {
		ret = check_quorum(o, i, err, errlen);
		if (ret)
			return ret;
	}
	if (o->retry_max_ms < o->retry_base_ms) {
		khsm_seterr(err, errlen,
			    "retry delay: maximum %u ms is below the base %u ms",
			    o->retry_max_ms, o->retry_base_ms);
		return -EINVAL;
	}
	return 0;
}

/* Only what the caller gave: the module fills in the rest itself. */
int khsm_opts_put(struct nl_msg *msg, int type,
		  const struct khsm_world_options *o)
{
	struct nlattr *nest;
	unsigned int a;
	int ret = 0;

	nest = nla_nest_start(msg, type | NLA_F_NESTED);
	if (!nest)
		return -EMSGSIZE;
	for (a = 1; a <= KHSM_A_OPT_MAX && !ret; a++) {
		if (!(o->set & KHSM_OPT_BIT(a)) || !known(a))
			continue;
		if (opt_table[a].size == 1)
			ret = nla_put_u8(msg, a, (uint8_t)raw_get(o, &opt_table[a]));
		else
			ret = nla_put_u32(msg, a, raw_get(o, &opt_table[a]));
	}
	if (ret) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * The module's view of the options, kept as it sent them (no range check:
 * a disabled feature's quorum may well read 0). Options newer than this
 * library are above KHSM_A_OPT_MAX and ignored.
 */
int khsm_opts_parse(const struct nlattr *nest, struct khsm_world_options *o)
{
	struct nla_policy policy[KHSM_A_OPT_MAX + 1];
	struct nlattr *tb[KHSM_A_OPT_MAX + 1];
	unsigned int a;

	memset(policy, 0, sizeof(policy));
	for (a = 1; a <= KHSM_A_OPT_MAX; a++)
		policy[a].type = !known(a) ? NLA_UNSPEC :
				 opt_table[a].size == 1 ? NLA_U8 : NLA_U32;
	if (nla_parse_nested(tb, KHSM_A_OPT_MAX, (struct nlattr *)nest, policy))
		return -EPROTO;
	khsm_world_options_init(o);
	for (a = 1; a <= KHSM_A_OPT_MAX; a++) {
		if (!tb[a] || !known(a))
			continue;
		raw_put(o, &opt_table[a], opt_table[a].size == 1 ?
			nla_get_u8(tb[a]) : nla_get_u32(tb[a]));
		o->set |= KHSM_OPT_BIT(a);
	}
	follow_k(o);
	return 0;
}

/*
 * From struct khsm_world_opts of a world file: everything is stated there,
 * so everything is marked set, except the quorum of a disabled feature
 * (stored as 0), which reads as K like an unset one.
 */
void khsm_opts_from_file(const struct khsm_world_opts *f,
			 struct khsm_world_options *o)
{
	uint32_t flags = le32toh(f->flags);
	unsigned int a;

	khsm_world_options_init(o);
	o->acs_k = f->acs_k;
	o->acs_n = f->acs_n;
	o->load_quorum = f->load_quorum;
	o->key_recovery = f->kr_quorum != 0;
	o->kr_quorum = f->kr_quorum ? f->kr_quorum : f->acs_k;
	o->pp_recovery = f->pr_quorum != 0;
	o->pr_quorum = f->pr_quorum ? f->pr_quorum : f->acs_k;
	o->pp_short_refuse = !!(flags & KHSM_WORLD_F_PP_SHORT_REFUSE);
	o->forced_audit = !!(flags & KHSM_WORLD_F_FORCED_AUDIT);
	o->strict = !!(flags & KHSM_WORLD_F_STRICT);
	o->no_import = !!(flags & KHSM_WORLD_F_NO_IMPORT);
	o->audit_per_op = !!(flags & KHSM_WORLD_F_AUDIT_PER_OP);
	o->audit_checkpoint = le16toh(f->audit_checkpoint) ?
			      le16toh(f->audit_checkpoint) :
			      KHSM_AUDIT_CHECKPOINT_DEFAULT;
	o->nso_timeout = le32toh(f->nso_timeout);
	o->pp_min_len = le32toh(f->pp_min_len);
	o->retry_base_ms = le32toh(f->retry_base_ms);
	o->retry_max_ms = le32toh(f->retry_max_ms);
	o->lockout = le32toh(f->lockout);
	o->pbkdf2_iter = le32toh(f->pbkdf2_iter);
	o->protections = le32toh(f->protections);
	o->mechanisms = le32toh(f->mechanisms);
	o->operator_gid = le32toh(f->operator_gid);
	o->user_gid = le32toh(f->user_gid);

	for (a = 1; a <= KHSM_A_OPT_MAX; a++)
		if (known(a))
			o->set |= KHSM_OPT_BIT(a);
	if (!f->kr_quorum)
		o->set &= ~KHSM_OPT_BIT(KHSM_A_OPT_KR_QUORUM);
	if (!f->pr_quorum)
		o->set &= ~KHSM_OPT_BIT(KHSM_A_OPT_PR_QUORUM);
}
