// SPDX-License-Identifier: GPL-2.0
/*
 * libkhsm against the real module: both channels open, GET_INFO agrees
 * with the ioctl, and the library's failures carry the kernel's words.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <khsm/khsm.h>

#include "kselftest_harness.h"

FIXTURE(lib) {
	struct khsm *h;
};

FIXTURE_SETUP(lib)
{
	int err = khsm_open(&self->h, 0);

	ASSERT_EQ(0, err) TH_LOG("khsm_open: %s", khsm_strerror(err));
}

FIXTURE_TEARDOWN(lib)
{
	khsm_close(self->h);
}

TEST_F(lib, get_info_over_netlink)
{
	struct khsm_info info;

	memset(&info, 0xA5, sizeof(info));
	ASSERT_EQ(0, khsm_get_info(self->h, &info));
	EXPECT_EQ(KHSM_ABI_VERSION, info.abi_version);
	EXPECT_EQ(KHSM_SELFTEST_PASSED, info.selftest_state);
	EXPECT_EQ(KHSM_WORLD_UNINITIALISED, info.world_state);
	EXPECT_NE(0, info.module_version[0]);
	EXPECT_EQ(0, info.selftest_reason[0]);
	EXPECT_STREQ("passed", khsm_selftest_state_name(info.selftest_state));
	EXPECT_STREQ("uninitialised", khsm_world_state_name(info.world_state));
}

TEST_F(lib, get_info_sections)
{
	struct khsm_info info;

	ASSERT_EQ(0, khsm_get_info_sections(self->h, KHSM_INFO_F_MODULE, &info));
	EXPECT_EQ(KHSM_INFO_F_MODULE, info.sections & KHSM_INFO_F__ALL);
	EXPECT_EQ(KHSM_ABI_VERSION, info.abi_version);
}

TEST_F(lib, family_and_device_exposed)
{
	EXPECT_LT(0, khsm_family_id(self->h));
	EXPECT_LE(0, khsm_device_fd(self->h));
}

TEST(data_channel_only_falls_back_to_ioctl)
{
	struct khsm_info info;
	struct khsm *h;

	ASSERT_EQ(0, khsm_open(&h, KHSM_OPEN_DATA));
	ASSERT_EQ(0, khsm_get_info(h, &info));
	EXPECT_EQ(KHSM_ABI_VERSION, info.abi_version);
	EXPECT_EQ(KHSM_SELFTEST_PASSED, info.selftest_state);
	EXPECT_EQ(-ENOTCONN, khsm_family_id(h));
	khsm_close(h);
}

TEST(control_channel_only)
{
	struct khsm_info info;
	struct khsm *h;

	ASSERT_EQ(0, khsm_open(&h, KHSM_OPEN_CONTROL));
	ASSERT_EQ(0, khsm_get_info(h, &info));
	EXPECT_NE(0, info.module_version[0]);
	EXPECT_EQ(-ENOTCONN, khsm_device_fd(h));
	khsm_close(h);
}

TEST(missing_device_is_enoent)
{
	struct khsm *h = (void *)1;

	setenv("KHSM_DEVICE", "/nonexistent/khsm", 1);
	EXPECT_EQ(-ENOENT, khsm_open(&h, KHSM_OPEN_DATA));
	EXPECT_EQ(NULL, h);
	unsetenv("KHSM_DEVICE");
}

TEST(unknown_open_flags_refused)
{
	struct khsm *h;

	EXPECT_EQ(-EINVAL, khsm_open(&h, 1U << 7));
}

TEST(refusal_carries_extack_text)
{
	struct khsm_info info;
	struct khsm *h;

	ASSERT_EQ(0, khsm_open(&h, KHSM_OPEN_CONTROL));
	/* A mask the module does not know: its policy refuses it. */
	EXPECT_EQ(-EINVAL, khsm_get_info_sections(h, 1U << 30, &info));
	EXPECT_NE(0, khsm_errmsg(h)[0]);
	TH_LOG("extack: %s", khsm_errmsg(h));
	khsm_close(h);
}

TEST_HARNESS_MAIN
