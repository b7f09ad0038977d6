/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KHSM_OPTIONS_H
#define _KHSM_OPTIONS_H

#include <linux/types.h>
#include <linux/khsm.h>
#include <net/netlink.h>

struct nlattr;
struct sk_buff;
struct netlink_ext_ack;

/* World options in CPU order; quorum 0 means the feature is disabled. */
struct khsm_opts {
	u8 acs_k;
	u8 acs_n;
	u8 quorum[KHSM_TOKEN__COUNT];	/* by enum khsm_acs_token */
	u32 flags;			/* KHSM_WORLD_F_* */
	u32 nso_timeout;
	u32 pp_min_len;
	u32 retry_base_ms;
	u32 retry_max_ms;
	u32 lockout;
	u32 pbkdf2_iter;
	u32 protections;		/* 1 << enum khsm_protection */
	u32 mechanisms;			/* 1 << enum khsm_mech */
	u32 operator_gid;		/* 0: the gid module parameter */
	u32 user_gid;			/* 0: the device node decides */
	u16 audit_checkpoint;		/* records between checkpoints */
};

/* What a request may change, relative to the options it starts from. */
enum khsm_opts_mode {
	KHSM_OPTS_NEW,		/* everything */
	KHSM_OPTS_REPLACE,	/* quorums; not the recovery switches */
	KHSM_OPTS_POLICY,	/* everything but quorums and switches */
};

#define KHSM_MAX_WARNINGS	8

struct khsm_warnings {
	const char *msg[KHSM_MAX_WARNINGS];
	unsigned int n;
};

extern const struct nla_policy khsm_opts_policy[KHSM_A_OPT_MAX + 1];

void khsm_opts_defaults(struct khsm_opts *o);
int khsm_opts_parse(const struct nlattr *nest, enum khsm_opts_mode mode,
		    struct khsm_opts *o, struct khsm_warnings *warn,
		    struct netlink_ext_ack *extack);
void khsm_opts_to_disk(const struct khsm_opts *o, struct khsm_world_opts *d);
int khsm_opts_from_disk(const struct khsm_world_opts *d, struct khsm_opts *o);
int khsm_opts_put(struct sk_buff *msg, int attrtype, const struct khsm_opts *o);
int khsm_warnings_put(struct sk_buff *msg, const struct khsm_warnings *w);

#endif /* _KHSM_OPTIONS_H */
