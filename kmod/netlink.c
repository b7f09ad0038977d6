// SPDX-License-Identifier: GPL-2.0
/*
 * The "khsm" generic netlink family: the control channel used by khsmctl.
 * Each command names its role in .internal_flags; pre_doit enforces it and
 * the error state before any handler runs, so a handler never has to.
 */
#include <linux/module.h>
#include <linux/version.h>
#include <net/genetlink.h>

#include "khsm.h"

/* .internal_flags: the role in the low bits, and whether the error state
 * still lets the command run (only for commands that report it).
 */
#define KHSM_NL_ROLE_MASK	0x0f
#define KHSM_NL_ANY_STATE	0x10

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
typedef struct genl_split_ops khsm_genl_op_t;
#else
typedef struct genl_ops khsm_genl_op_t;
#endif

static struct genl_family khsm_genl_family;

static const struct nla_policy khsm_get_info_policy[KHSM_A_MAX + 1] = {
	[KHSM_A_INFO_SECTIONS] = NLA_POLICY_MASK(NLA_U32, KHSM_INFO_F__ALL),
};

static int khsm_nl_pre_doit(const khsm_genl_op_t *ops, struct sk_buff *skb,
			    struct genl_info *info)
{
	enum khsm_role role = ops->internal_flags & KHSM_NL_ROLE_MASK;
	int err;

	err = khsm_check_nl_role(skb, role, info->extack);
	if (err)
		return err;
	if (ops->internal_flags & KHSM_NL_ANY_STATE)
		return 0;
	return khsm_check_operational(info->extack);
}

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

static int info_put_world(struct sk_buff *msg)
{
	return nla_put_u32(msg, KHSM_A_INFO_WORLD_STATE, khsm_world_state());
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

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &khsm_genl_family, 0,
				KHSM_CMD_GET_INFO);
	err = -EMSGSIZE;
	if (!hdr)
		goto err_free;
	err = info_fill(msg, sections);
	if (err)
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return err;
}

static const struct genl_ops khsm_genl_ops[] = {
	{
		.cmd		= KHSM_CMD_GET_INFO,
		.doit		= khsm_nl_get_info,
		.policy		= khsm_get_info_policy,
		.maxattr	= KHSM_A_MAX,
		.internal_flags	= KHSM_ROLE_QUERY | KHSM_NL_ANY_STATE,
	},
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
	.ops		= khsm_genl_ops,
	.n_ops		= ARRAY_SIZE(khsm_genl_ops),
	.mcgrps		= khsm_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(khsm_genl_mcgrps),
};

int __init khsm_netlink_init(void)
{
	return genl_register_family(&khsm_genl_family);
}

void khsm_netlink_uninit(void)
{
	genl_unregister_family(&khsm_genl_family);
}

MODULE_ALIAS_GENL_FAMILY(KHSM_GENL_NAME);
