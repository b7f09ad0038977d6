// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl policy: show the world's policy in the text format of policy
 * files, and load a new one (which needs the ACS quorum).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cards.h"

static void load_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s policy load FILE [--card FILE]...\n"
		"           [--passphrase-fd FD | --passphrase-file FILE] [--slot N]\n"
		"\n"
		"Change the world's policy to the keys FILE sets (khsmctl(8), POLICY)\n"
		"and rewrite the world file. Quorums and recovery switches cannot\n"
		"change this way (that is 'acs replace'): FILE may state them only as\n"
		"they are. Needs the ACS quorum: present it with --card, or run\n"
		"'%s acs authorise' first.\n",
		PROG_NAME, PROG_NAME);
}

static const struct option load_options[] = {
	{ "help", no_argument, NULL, 'h' },
	PRESENT_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static int set_call(struct khsm *h, const void *arg,
		    struct khsm_world_result *res)
{
	return khsm_policy_set(h, arg, res);
}

/* What POLICY_SET cannot change, with the policy keys that set it. */
static const struct {
	unsigned int attr;
	const char *key;
} fixed[] = {
	{ KHSM_A_OPT_ACS_K, "acs.quorum" },
	{ KHSM_A_OPT_ACS_N, "acs.quorum" },
	{ KHSM_A_OPT_LOAD_QUORUM, "load-world.quorum" },
	{ KHSM_A_OPT_KEY_RECOVERY, "key-recovery" },
	{ KHSM_A_OPT_KR_QUORUM, "key-recovery.quorum" },
	{ KHSM_A_OPT_PP_RECOVERY, "passphrase-recovery" },
	{ KHSM_A_OPT_PR_QUORUM, "passphrase-recovery.quorum" },
};

/* The loaded world's info, its options with it; else say why not. */
static int loaded_world(const char *cmd, struct khsm *h,
			struct khsm_world_info *wi)
{
	int err;

	err = khsm_world_info(h, wi);
	if (err)
		return report_error(cmd, h, err);
	if (!(wi->present & KHSM_INFO_BIT(KHSM_A_INFO_WORLD_OPTS))) {
		fail(cmd, "no world loaded (the world is %s)",
		     khsm_world_state_name(wi->state));
		return KHSMCTL_EXIT_FAILED;
	}
	return 0;
}

static int world_options(const char *cmd, struct khsm_world_options *o)
{
	struct khsm_world_info wi;
	struct khsm *h = NULL;
	int ret;

	ret = open_control(cmd, &h);
	if (ret)
		return ret;
	ret = loaded_world(cmd, h, &wi);
	*o = wi.opts;
	khsm_close(h);
	return ret;
}

/*
 * A policy file may state the quorums (policy show writes them), but only
 * as they are: they change with 'acs replace'. Leave them out of the
 * request once they are known to agree.
 */
static int check_fixed(const char *cmd, const char *file,
		       struct khsm_world_options *o)
{
	struct khsm_world_options cur;
	uint32_t want, have;
	size_t i;
	int ret;

	ret = world_options(cmd, &cur);
	for (i = 0; i < ARRAY_SIZE(fixed) && !ret; i++) {
		if (!(o->set & KHSM_OPT_BIT(fixed[i].attr)))
			continue;
		khsm_world_options_get(o, fixed[i].attr, &want);
		khsm_world_options_get(&cur, fixed[i].attr, &have);
		if (want != have || !(cur.set & KHSM_OPT_BIT(fixed[i].attr))) {
			fail(cmd, "%s: %s differs from the world's: quorums and recovery switches change only with 'acs replace'",
			     file, fixed[i].key);
			ret = KHSMCTL_EXIT_USAGE;
		}
		o->set &= ~KHSM_OPT_BIT(fixed[i].attr);
	}
	return ret;
}

static int policy_load(int argc, char *argv[])
{
	const char *cmd = "policy load";
	struct khsm_world_options opts;
	struct verb_args va;
	char err[256];
	int ret;

	ret = usage_or_run(parse_verb_args(argc, argv, load_options, 1, &va,
					   err, sizeof(err)),
			   cmd, err, load_usage);
	if (ret >= 0)
		return ret;
	if (va.npos != 1) {
		fail(cmd, "which policy FILE?");
		load_usage(stderr);
		return KHSMCTL_EXIT_USAGE;
	}
	/* Only the keys in the file go to the module: nothing else changes. */
	khsm_world_options_init(&opts);
	ret = read_policy(cmd, va.pos[0], &opts) ?:
	      check_fixed(cmd, va.pos[0], &opts);
	if (!ret && !opts.set) {
		fail(cmd, "%s changes nothing", va.pos[0]);
		ret = KHSMCTL_EXIT_USAGE;
	}
	return ret ?: with_acs(cmd, &va.present, set_call, &opts);
}

static void show_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s policy show\n"
		"\n"
		"Print the loaded world's policy as a policy file: what 'policy load'\n"
		"and 'world new --policy' read.\n",
		PROG_NAME);
}

static int policy_show(int argc, char *argv[])
{
	const char *cmd = "policy show";
	char id[HEX_LEN(KHSM_WORLD_ID_LEN)];
	struct khsm_world_info wi;
	struct khsm *h = NULL;
	int ret;

	if (argc > 1) {
		ret = strcmp(argv[1], "-h") && strcmp(argv[1], "--help");
		show_usage(ret ? stderr : stdout);
		return ret ? KHSMCTL_EXIT_USAGE : KHSMCTL_EXIT_OK;
	}
	ret = open_control(cmd, &h) ?: loaded_world(cmd, h, &wi);
	if (!ret) {
		printf("# khsm policy of world %s, generation %u\n",
		       hex(id, wi.world_id, sizeof(wi.world_id)), wi.generation);
		khsm_policy_format(&wi.opts, stdout);
	}
	khsm_close(h);
	return ret;
}

static const struct verb policy_verbs[] = {
	{ "load", policy_load, "Change the policy (needs the ACS)" },
	{ "show", policy_show, "Print the policy as a policy file" },
};

int policy_main(int argc, char *argv[])
{
	return run_verb("policy", policy_verbs, ARRAY_SIZE(policy_verbs), argc,
			argv);
}
