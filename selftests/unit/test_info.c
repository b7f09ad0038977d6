// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsm_info_parse() on GET_INFO replies built with libnl, as the module
 * would send them, and as a broken or newer module might.
 */
#include <errno.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>

#include "internal.h"
#include "unit.h"

static struct nl_msg *reply(void)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, 1, 1, 0x20, 0, 0, KHSM_CMD_GET_INFO,
				KHSM_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

static int parse(struct nl_msg *msg, struct khsm_info *info)
{
	memset(info, 0, sizeof(*info));
	return khsm_info_parse(msg, info);
}

static void full_reply(void)
{
	struct nl_msg *msg = reply();
	struct khsm_info info;
	struct nlattr *nest;

	CHECK(msg);
	if (!msg)
		return;
	nest = nla_nest_start(msg, KHSM_A_INFO);
	nla_put_string(msg, KHSM_A_INFO_MODULE_VERSION, "0.1.0");
	nla_put_u32(msg, KHSM_A_INFO_ABI_VERSION, 1);
	nla_put_u32(msg, KHSM_A_INFO_SELFTEST_STATE, KHSM_SELFTEST_FAILED);
	nla_put_string(msg, KHSM_A_INFO_SELFTEST_REASON, "sha256 KAT");
	nla_put_u32(msg, KHSM_A_INFO_WORLD_STATE, KHSM_WORLD_ERROR);
	nla_nest_end(msg, nest);

	CHECK_INT(parse(msg, &info), 0);
	CHECK_INT(info.sections, KHSM_INFO_F_MODULE | KHSM_INFO_F_SELFTEST |
		  KHSM_INFO_F_WORLD);
	CHECK_STR(info.module_version, "0.1.0");
	CHECK_INT(info.abi_version, 1);
	CHECK_INT(info.selftest_state, KHSM_SELFTEST_FAILED);
	CHECK_STR(info.selftest_reason, "sha256 KAT");
	CHECK_INT(info.world_state, KHSM_WORLD_ERROR);
	nlmsg_free(msg);
}

static void one_section(void)
{
	struct nl_msg *msg = reply();
	struct khsm_info info;
	struct nlattr *nest;

	CHECK(msg);
	if (!msg)
		return;
	nest = nla_nest_start(msg, KHSM_A_INFO);
	nla_put_u32(msg, KHSM_A_INFO_WORLD_STATE, KHSM_WORLD_OPERATIONAL);
	nla_nest_end(msg, nest);

	CHECK_INT(parse(msg, &info), 0);
	CHECK_INT(info.sections, KHSM_INFO_F_WORLD);
	CHECK_INT(info.world_state, KHSM_WORLD_OPERATIONAL);
	CHECK_STR(info.module_version, "");
	nlmsg_free(msg);
}

/* A newer module's attributes are ignored, not refused. */
static void newer_attributes_ignored(void)
{
	struct nl_msg *msg = reply();
	struct khsm_info info;
	struct nlattr *nest;

	CHECK(msg);
	if (!msg)
		return;
	nest = nla_nest_start(msg, KHSM_A_INFO);
	nla_put_u32(msg, KHSM_A_INFO_MAX + 1, 7);
	nla_put_u32(msg, KHSM_A_INFO_SELFTEST_STATE, KHSM_SELFTEST_PASSED);
	nla_nest_end(msg, nest);
	nla_put_string(msg, KHSM_A_MAX + 1, "later");

	CHECK_INT(parse(msg, &info), 0);
	CHECK_INT(info.sections, KHSM_INFO_F_SELFTEST);
	CHECK_INT(info.selftest_state, KHSM_SELFTEST_PASSED);
	nlmsg_free(msg);
}

static void long_version_truncated(void)
{
	struct nl_msg *msg = reply();
	struct khsm_info info;
	struct nlattr *nest;
	char v[100];

	CHECK(msg);
	if (!msg)
		return;
	memset(v, '9', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	nest = nla_nest_start(msg, KHSM_A_INFO);
	nla_put_string(msg, KHSM_A_INFO_MODULE_VERSION, v);
	nla_nest_end(msg, nest);

	CHECK_INT(parse(msg, &info), 0);
	CHECK_INT(strlen(info.module_version), sizeof(info.module_version) - 1);
	nlmsg_free(msg);
}

static void no_nest_is_a_protocol_error(void)
{
	struct nl_msg *msg = reply();
	struct khsm_info info;

	CHECK(msg);
	if (!msg)
		return;
	nla_put_u32(msg, KHSM_A_INFO_SECTIONS, 1);
	CHECK_INT(parse(msg, &info), -EPROTO);
	nlmsg_free(msg);
}

static void policy_violations(void)
{
	struct nl_msg *msg = reply();
	struct khsm_info info;
	struct nlattr *nest;

	CHECK(msg);
	if (!msg)
		return;
	/* A string without its NUL. */
	nest = nla_nest_start(msg, KHSM_A_INFO);
	nla_put(msg, KHSM_A_INFO_MODULE_VERSION, 5, "0.1.0");
	nla_nest_end(msg, nest);
	CHECK_INT(parse(msg, &info), -EPROTO);
	nlmsg_free(msg);

	msg = reply();
	CHECK(msg);
	if (!msg)
		return;
	/* A u32 in two bytes. */
	nest = nla_nest_start(msg, KHSM_A_INFO);
	nla_put_u16(msg, KHSM_A_INFO_ABI_VERSION, 1);
	nla_nest_end(msg, nest);
	CHECK_INT(parse(msg, &info), -EPROTO);
	nlmsg_free(msg);
}

static const struct unit_test tests[] = {
	{ "full reply", full_reply },
	{ "one section", one_section },
	{ "newer attributes ignored", newer_attributes_ignored },
	{ "long version truncated", long_version_truncated },
	{ "no nest is a protocol error", no_nest_is_a_protocol_error },
	{ "policy violations", policy_violations },
};

UNIT_SUITE(info, tests);
