// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Error texts, libnl error mapping, state names and the version string.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <netlink/errno.h>

#include "internal.h"
#include "unit.h"

static void khsm_meanings(void)
{
	CHECK_STR(khsm_strerror(-EKEYREVOKED),
		  "key handle revoked (its token was unloaded)");
	CHECK_STR(khsm_strerror(-EIO),
		  "module is in its error state (self-test failed)");
	CHECK_STR(khsm_strerror(-EPERM),
		  "not permitted (by the policy or the key's ACL, or without the khsm group or CAP_SYS_ADMIN)");
	CHECK_STR(khsm_strerror(EDQUOT), "key usage limit reached");
	CHECK_STR(khsm_strerror(-ENOENT), "khsm module not loaded");
	CHECK(strstr(khsm_strerror(-ENOKEY), "key"));
	CHECK(strstr(khsm_strerror(-EKEYREJECTED), "rejected"));
	CHECK(strstr(khsm_strerror(-EAGAIN), "retry"));
}

static void sign_does_not_matter(void)
{
	CHECK(khsm_strerror(EIO) == khsm_strerror(-EIO));
	CHECK(khsm_strerror(ENOSPC) == khsm_strerror(-ENOSPC));
}

static void other_errnos_read_as_libc(void)
{
	CHECK_STR(khsm_strerror(-ENOSPC), "No space left on device");
	CHECK_STR(khsm_strerror(-EINVAL), "Invalid argument");
	CHECK_STR(khsm_strerror(0), "success");
}

static void odd_values_never_null(void)
{
	static const int odd[] = { INT_MIN, INT_MAX, -INT_MAX, 4096, -99999 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(odd); i++) {
		const char *s = khsm_strerror(odd[i]);

		CHECK(s && *s);
	}
}

static void libnl_errors_map_back(void)
{
	int i;

	CHECK_INT(khsm_nlerr_to_errno(-NLE_OBJ_NOTFOUND), -ENOENT);
	CHECK_INT(khsm_nlerr_to_errno(-NLE_PERM), -EPERM);
	CHECK_INT(khsm_nlerr_to_errno(-NLE_NOACCESS), -EACCES);
	CHECK_INT(khsm_nlerr_to_errno(-NLE_NOMEM), -ENOMEM);
	CHECK_INT(khsm_nlerr_to_errno(NLE_INVAL), -EINVAL);
	CHECK_INT(khsm_nlerr_to_errno(-NLE_MSG_TRUNC), -EPROTO);
	CHECK_INT(khsm_nlerr_to_errno(-NLE_SEQ_MISMATCH), -EPROTO);
	CHECK_INT(khsm_nlerr_to_errno(-NLE_FAILURE), -EPROTO);
	CHECK_INT(khsm_nlerr_to_errno(0), 0);
	CHECK_INT(khsm_nlerr_to_errno(INT_MIN), -EPROTO);
	/* EIO means "module in its error state"; libnl must never fake it. */
	for (i = 1; i <= NLE_MAX; i++) {
		int err = khsm_nlerr_to_errno(-i);

		CHECK(err < 0 && err != -EIO);
	}
}

static void state_names(void)
{
	CHECK_STR(khsm_selftest_state_name(KHSM_SELFTEST_PENDING), "pending");
	CHECK_STR(khsm_selftest_state_name(KHSM_SELFTEST_PASSED), "passed");
	CHECK_STR(khsm_selftest_state_name(KHSM_SELFTEST_FAILED), "failed");
	CHECK_STR(khsm_selftest_state_name(3), "unknown");
	CHECK_STR(khsm_selftest_state_name(UINT32_MAX), "unknown");
	CHECK_STR(khsm_world_state_name(KHSM_WORLD_UNINITIALISED),
		  "uninitialised");
	CHECK_STR(khsm_world_state_name(KHSM_WORLD_OPERATIONAL),
		  "operational");
	CHECK_STR(khsm_world_state_name(KHSM_WORLD_ERROR), "error");
	CHECK_STR(khsm_world_state_name(KHSM_WORLD_LOADING), "loading");
	CHECK_STR(khsm_world_state_name(4), "unknown");
	CHECK_STR(khsm_set_type_name(KHSM_SET_SOFTCARD), "softcard");
	CHECK_STR(khsm_set_type_name(0), "unknown");
	CHECK_STR(khsm_set_type_name(4), "unknown");
}

/*
 * Whatever the build passed (a release number or `git describe`), one
 * printable word: khsmctl --version and khsm.pc print it as is.
 */
static void version_string(void)
{
	const char *v = khsm_version();
	size_t i;

	CHECK_STR(v, KHSM_VERSION);
	CHECK(v[0] != '\0');
	for (i = 0; v[i]; i++)
		CHECK(v[i] > ' ' && v[i] < 0x7f);
}

static const struct unit_test tests[] = {
	{ "khsm meanings of errnos", khsm_meanings },
	{ "sign does not matter", sign_does_not_matter },
	{ "other errnos read as libc", other_errnos_read_as_libc },
	{ "odd values never NULL", odd_values_never_null },
	{ "libnl errors map back to errnos", libnl_errors_map_back },
	{ "state names", state_names },
	{ "version string", version_string },
};

UNIT_SUITE(errors, tests);
