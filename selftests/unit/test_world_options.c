// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * struct khsm_world_options: the defaults of enum khsm_opt_attr, ranges,
 * quorums that follow K, and the hard invariants.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "unit.h"

static void defaults(void)
{
	struct khsm_world_options o;
	uint32_t v;

	memset(&o, 0xa5, sizeof(o));
	khsm_world_options_init(&o);
	CHECK_INT(o.set, 0);
	CHECK_INT(o.acs_k, 1);
	CHECK_INT(o.acs_n, 1);
	CHECK_INT(o.load_quorum, 1);
	CHECK_INT(o.key_recovery, 1);
	CHECK_INT(o.kr_quorum, 1);
	CHECK_INT(o.pp_recovery, 0);
	CHECK_INT(o.pr_quorum, 1);
	CHECK_INT(o.nso_timeout, 600);
	CHECK_INT(o.pp_min_len, 0);
	CHECK_INT(o.pp_short_refuse, 0);
	CHECK_INT(o.retry_base_ms, 1000);
	CHECK_INT(o.retry_max_ms, 60000);
	CHECK_INT(o.lockout, 0);
	CHECK_INT(o.forced_audit, 0);
	CHECK_INT(o.pbkdf2_iter, 200000);
	CHECK_INT(o.strict, 0);
	CHECK_INT(o.__reserved[0], 0);
	CHECK_INT(khsm_world_options_get(&o, KHSM_A_OPT_NSO_TIMEOUT, &v), 0);
	CHECK_INT(v, 600);
	CHECK_INT(khsm_world_options_check(&o, NULL, 0), 0);
}

static void ranges(void)
{
	struct khsm_world_options o;
	uint32_t min, max;

	khsm_world_options_init(&o);
	CHECK_INT(khsm_world_options_set(&o, KHSM_A_OPT_ACS_N, 0), -ERANGE);
	CHECK_INT(khsm_world_options_set(&o, KHSM_A_OPT_ACS_N, 65), -ERANGE);
	CHECK_INT(khsm_world_options_set(&o, KHSM_A_OPT_NSO_TIMEOUT, 86401),
		  -ERANGE);
	CHECK_INT(khsm_world_options_set(&o, KHSM_A_OPT_PBKDF2_ITER, 999),
		  -ERANGE);
	CHECK_INT(khsm_world_options_set(&o, KHSM_A_OPT_STRICT, 2), -ERANGE);
	CHECK_INT(khsm_world_options_set(&o, KHSM_A_OPT_PP_MIN_LEN, 1025),
		  -ERANGE);
	CHECK_INT(o.set, 0);	/* refusals leave no trace */
	CHECK_INT(khsm_world_options_set(&o, KHSM_A_OPT_UNSPEC, 1), -EINVAL);
	CHECK_INT(khsm_world_options_set(&o, KHSM_A_OPT_MAX + 1, 1), -EINVAL);
	CHECK_INT(khsm_world_options_set(NULL, KHSM_A_OPT_ACS_N, 1), -EINVAL);
	CHECK_INT(khsm_world_options_set(&o, KHSM_A_OPT_LOCKOUT, UINT32_MAX), 0);
	CHECK_INT(o.lockout, UINT32_MAX);
	CHECK_INT(o.set, KHSM_OPT_BIT(KHSM_A_OPT_LOCKOUT));
	CHECK_INT(khsm_world_options_range(KHSM_A_OPT_RETRY_BASE_MS, &min, &max),
		  0);
	CHECK_INT(min, 1);
	CHECK_INT(max, 3600000);
	CHECK_INT(khsm_world_options_range(0, &min, &max), -EINVAL);
}

/* Quorums nobody set follow K, as the module's defaults do. */
static void quorums_follow_k(void)
{
	struct khsm_world_options o;

	khsm_world_options_init(&o);
	khsm_world_options_set(&o, KHSM_A_OPT_LOAD_QUORUM, 2);
	khsm_world_options_set(&o, KHSM_A_OPT_ACS_N, 5);
	khsm_world_options_set(&o, KHSM_A_OPT_ACS_K, 3);
	CHECK_INT(o.load_quorum, 2);
	CHECK_INT(o.kr_quorum, 3);
	CHECK_INT(o.pr_quorum, 3);
	CHECK_INT(o.set, KHSM_OPT_BIT(KHSM_A_OPT_LOAD_QUORUM) |
		  KHSM_OPT_BIT(KHSM_A_OPT_ACS_N) | KHSM_OPT_BIT(KHSM_A_OPT_ACS_K));
}

static void check_says(const struct khsm_world_options *o, const char *want)
{
	char err[256] = "untouched";

	CHECK_INT(khsm_world_options_check(o, err, sizeof(err)), -EINVAL);
	if (!strstr(err, want))
		unit_fail(__FILE__, __LINE__, "'%s' lacks '%s'", err, want);
}

static void invariants(void)
{
	struct khsm_world_options o;

	khsm_world_options_init(&o);
	khsm_world_options_set(&o, KHSM_A_OPT_ACS_K, 3);
	check_says(&o, "ACS quorum 3/1");
	khsm_world_options_set(&o, KHSM_A_OPT_ACS_N, 5);
	CHECK_INT(khsm_world_options_check(&o, NULL, 0), 0);
	khsm_world_options_set(&o, KHSM_A_OPT_LOAD_QUORUM, 6);
	check_says(&o, "load-world quorum 6");
	khsm_world_options_set(&o, KHSM_A_OPT_LOAD_QUORUM, 2);
	khsm_world_options_set(&o, KHSM_A_OPT_KEY_RECOVERY, 0);
	CHECK_INT(khsm_world_options_check(&o, NULL, 0), 0);
	khsm_world_options_set(&o, KHSM_A_OPT_KR_QUORUM, 2);
	check_says(&o, "key-recovery quorum given but key-recovery is off");
	khsm_world_options_set(&o, KHSM_A_OPT_KEY_RECOVERY, 1);
	khsm_world_options_set(&o, KHSM_A_OPT_PR_QUORUM, 2);
	check_says(&o, "passphrase-recovery quorum given");
	khsm_world_options_set(&o, KHSM_A_OPT_PP_RECOVERY, 1);
	CHECK_INT(khsm_world_options_check(&o, NULL, 0), 0);
	khsm_world_options_set(&o, KHSM_A_OPT_RETRY_BASE_MS, 5000);
	khsm_world_options_set(&o, KHSM_A_OPT_RETRY_MAX_MS, 4000);
	check_says(&o, "retry delay");
	CHECK_INT(khsm_world_options_check(NULL, NULL, 0), -EINVAL);
}

static const struct unit_test tests[] = {
	{ "defaults", defaults },
	{ "ranges", ranges },
	{ "quorums follow K", quorums_follow_k },
	{ "hard invariants", invariants },
};

UNIT_SUITE(world_options, tests);
