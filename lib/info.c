// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * KHSM_CMD_GET_INFO on the control channel, KHSM_IOC_INFO on the data one.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>

#include "internal.h"

/*
 * Attributes newer than this library are above the max type and ignored,
 * so an older library keeps working against a newer module. libnl's
 * NLA_STRING insists on the NUL the kernel's nla_put_string() adds.
 */
static const struct nla_policy attr_policy[KHSM_A_MAX + 1] = {
	[KHSM_A_INFO] = { .type = NLA_NESTED },
};

#define EXACT(n)	{ .type = NLA_UNSPEC, .minlen = (n), .maxlen = (n) }

static const struct nla_policy info_policy[KHSM_A_INFO_MAX + 1] = {
	[KHSM_A_INFO_MODULE_VERSION]	= { .type = NLA_STRING },
	[KHSM_A_INFO_ABI_VERSION]	= { .type = NLA_U32 },
	[KHSM_A_INFO_SELFTEST_STATE]	= { .type = NLA_U32 },
	[KHSM_A_INFO_SELFTEST_REASON]	= { .type = NLA_STRING },
	[KHSM_A_INFO_WORLD_STATE]	= { .type = NLA_U32 },
	[KHSM_A_INFO_WORLD_ID]		= EXACT(KHSM_WORLD_ID_LEN),
	[KHSM_A_INFO_WORLD_OPTS]	= { .type = NLA_NESTED },
	[KHSM_A_INFO_ACS_SET_ID]	= EXACT(KHSM_SET_ID_LEN),
	[KHSM_A_INFO_CREATED]		= { .type = NLA_U64 },
	[KHSM_A_INFO_GENERATION]	= { .type = NLA_U32 },
	[KHSM_A_INFO_AUDIT_PUBKEY]	= EXACT(KHSM_AUDIT_PUBKEY_LEN),
	[KHSM_A_INFO_TOKENS_LOADED]	= { .type = NLA_U32 },
	[KHSM_A_INFO_ACS_AUTH]		= { .type = NLA_U32 },
	[KHSM_A_INFO_ACS_AUTH_REMAINING] = { .type = NLA_U32 },
	[KHSM_A_INFO_SLOTS]		= { .type = NLA_U32 },
	[KHSM_A_INFO_BOUND]		= { .type = NLA_FLAG },
	[KHSM_A_INFO_BIND_KEY_TYPE]	= { .type = NLA_STRING, .maxlen = 16 },
};

static void info_fill(struct nlattr **tb, struct khsm_info *info)
{
	if (tb[KHSM_A_INFO_MODULE_VERSION]) {
		nla_strlcpy(info->module_version, tb[KHSM_A_INFO_MODULE_VERSION],
			    sizeof(info->module_version));
		info->sections |= KHSM_INFO_F_MODULE;
	}
	if (tb[KHSM_A_INFO_ABI_VERSION]) {
		info->abi_version = nla_get_u32(tb[KHSM_A_INFO_ABI_VERSION]);
		info->sections |= KHSM_INFO_F_MODULE;
	}
	if (tb[KHSM_A_INFO_SELFTEST_STATE]) {
		info->selftest_state = nla_get_u32(tb[KHSM_A_INFO_SELFTEST_STATE]);
		info->sections |= KHSM_INFO_F_SELFTEST;
	}
	if (tb[KHSM_A_INFO_SELFTEST_REASON])
		nla_strlcpy(info->selftest_reason,
			    tb[KHSM_A_INFO_SELFTEST_REASON],
			    sizeof(info->selftest_reason));
	if (tb[KHSM_A_INFO_WORLD_STATE]) {
		info->world_state = nla_get_u32(tb[KHSM_A_INFO_WORLD_STATE]);
		info->sections |= KHSM_INFO_F_WORLD;
	}
}

/* The KHSM_A_INFO nest of a GET_INFO reply, checked against the policy. */
static int info_nest(struct nl_msg *msg, struct nlattr **tb)
{
	struct nlattr *attrs[KHSM_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, attrs, KHSM_A_MAX, attr_policy) ||
	    !attrs[KHSM_A_INFO])
		return -EPROTO;
	if (nla_parse_nested(tb, KHSM_A_INFO_MAX, attrs[KHSM_A_INFO],
			     info_policy))
		return -EPROTO;
	return 0;
}

/* Parse a GET_INFO reply into @info; -EPROTO if it breaks the policy. */
int khsm_info_parse(struct nl_msg *msg, struct khsm_info *info)
{
	struct nlattr *tb[KHSM_A_INFO_MAX + 1];
	int ret;

	ret = info_nest(msg, tb);
	if (!ret)
		info_fill(tb, info);
	return ret;
}

static uint32_t get_u32(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u32(tb[type]) : 0;
}

static void world_fill(struct nlattr **tb, struct khsm_world_info *wi)
{
	wi->state = get_u32(tb, KHSM_A_INFO_WORLD_STATE);
	wi->generation = get_u32(tb, KHSM_A_INFO_GENERATION);
	wi->tokens_loaded = get_u32(tb, KHSM_A_INFO_TOKENS_LOADED);
	wi->acs_auth = get_u32(tb, KHSM_A_INFO_ACS_AUTH);
	wi->acs_auth_remaining_ms = get_u32(tb, KHSM_A_INFO_ACS_AUTH_REMAINING);
	wi->slots = get_u32(tb, KHSM_A_INFO_SLOTS);
	wi->bound = !!tb[KHSM_A_INFO_BOUND];
	if (tb[KHSM_A_INFO_BIND_KEY_TYPE])
		nla_strlcpy(wi->bind_key_type, tb[KHSM_A_INFO_BIND_KEY_TYPE],
			    sizeof(wi->bind_key_type));
	if (tb[KHSM_A_INFO_CREATED])
		wi->created = nla_get_u64(tb[KHSM_A_INFO_CREATED]);
	if (tb[KHSM_A_INFO_WORLD_ID])
		nla_memcpy(wi->world_id, tb[KHSM_A_INFO_WORLD_ID],
			   sizeof(wi->world_id));
	if (tb[KHSM_A_INFO_ACS_SET_ID])
		nla_memcpy(wi->acs_set_id, tb[KHSM_A_INFO_ACS_SET_ID],
			   sizeof(wi->acs_set_id));
	if (tb[KHSM_A_INFO_AUDIT_PUBKEY])
		nla_memcpy(wi->audit_pubkey, tb[KHSM_A_INFO_AUDIT_PUBKEY],
			   sizeof(wi->audit_pubkey));
}

/*
 * Parse a GET_INFO reply's world section into @wi (zeroed by the caller);
 * -EPROTO if it breaks the policy or lacks the world state.
 */
int khsm_world_info_parse(struct nl_msg *msg, struct khsm_world_info *wi)
{
	struct nlattr *tb[KHSM_A_INFO_MAX + 1];
	int ret, a;

	ret = info_nest(msg, tb);
	if (ret)
		return ret;
	if (!tb[KHSM_A_INFO_WORLD_STATE])
		return -EPROTO;
	khsm_world_options_init(&wi->opts);
	if (tb[KHSM_A_INFO_WORLD_OPTS]) {
		ret = khsm_opts_parse(tb[KHSM_A_INFO_WORLD_OPTS], &wi->opts);
		if (ret)
			return ret;
	}
	for (a = 1; a <= KHSM_A_INFO_MAX; a++)
		if (tb[a])
			wi->present |= KHSM_INFO_BIT(a);
	world_fill(tb, wi);
	return 0;
}

static int info_reply(struct nl_msg *msg, void *arg)
{
	return khsm_info_parse(msg, arg);
}

static int info_netlink(struct khsm *h, uint32_t sections,
			struct khsm_info *info)
{
	struct nl_msg *msg;
	int ret = -ENOMEM;

	msg = khsm_nl_request(h->family, KHSM_CMD_GET_INFO, KHSM_GENL_VERSION);
	if (!msg)
		goto out;
	/* Absent means all sections: send the mask only when it narrows. */
	if (sections && nla_put_u32(msg, KHSM_A_INFO_SECTIONS, sections))
		goto out;
	ret = khsm_nl_transact(h, msg, info_reply, info);
	if (!ret && !info->sections)	/* ACKed with no (or an empty) reply */
		ret = -EPROTO;
out:
	nlmsg_free(msg);
	return ret;
}

static int info_ioctl(struct khsm *h, struct khsm_info *info)
{
	struct khsm_ioc_info io = { .size = sizeof(io) };

	if (ioctl(h->fd, KHSM_IOC_INFO, &io) < 0)
		return -errno;
	info->sections = KHSM_INFO_F_MODULE | KHSM_INFO_F_SELFTEST |
			 KHSM_INFO_F_WORLD;
	info->abi_version = io.out_abi_version;
	info->selftest_state = io.out_selftest_state;
	info->world_state = io.out_world_state;
	return 0;
}

KHSM_API int khsm_get_info_sections(struct khsm *h, uint32_t sections,
				    struct khsm_info *info)
{
	if (!h || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	khsm_extack_clear(&h->ext);
	if (h->sk)
		return info_netlink(h, sections, info);
	if (h->fd >= 0)
		return info_ioctl(h, info);
	return -ENOTCONN;
}

KHSM_API int khsm_get_info(struct khsm *h, struct khsm_info *info)
{
	return khsm_get_info_sections(h, 0, info);
}

static int world_info_reply(struct nl_msg *msg, void *arg)
{
	return khsm_world_info_parse(msg, arg);
}

KHSM_API int khsm_world_info(struct khsm *h, struct khsm_world_info *info)
{
	struct nl_msg *msg;
	int ret;

	if (!info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	ret = khsm_need_control(h);
	if (ret)
		return ret;
	msg = khsm_nl_request(h->family, KHSM_CMD_GET_INFO, KHSM_GENL_VERSION);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, KHSM_A_INFO_SECTIONS, KHSM_INFO_F_WORLD))
		ret = -EMSGSIZE;
	else
		ret = khsm_nl_transact(h, msg, world_info_reply, info);
	nlmsg_free(msg);
	if (!ret && !info->present)	/* ACKed without a reply */
		ret = -EPROTO;
	if (ret)
		memset(info, 0, sizeof(*info));
	return ret;
}
