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

static const struct nla_policy info_policy[KHSM_A_INFO_MAX + 1] = {
	[KHSM_A_INFO_MODULE_VERSION]	= { .type = NLA_STRING },
	[KHSM_A_INFO_ABI_VERSION]	= { .type = NLA_U32 },
	[KHSM_A_INFO_SELFTEST_STATE]	= { .type = NLA_U32 },
	[KHSM_A_INFO_SELFTEST_REASON]	= { .type = NLA_STRING },
	[KHSM_A_INFO_WORLD_STATE]	= { .type = NLA_U32 },
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

/* Parse a GET_INFO reply into @info; -EPROTO if it breaks the policy. */
int khsm_info_parse(struct nl_msg *msg, struct khsm_info *info)
{
	struct nlattr *attrs[KHSM_A_MAX + 1];
	struct nlattr *tb[KHSM_A_INFO_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, attrs, KHSM_A_MAX, attr_policy) ||
	    !attrs[KHSM_A_INFO])
		return -EPROTO;
	if (nla_parse_nested(tb, KHSM_A_INFO_MAX, attrs[KHSM_A_INFO],
			     info_policy))
		return -EPROTO;
	info_fill(tb, info);
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
