// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Arguments of "world new", "acs replace", the verbs that present cards,
 * "cardset create", "softcard create", "token load" and "token preload",
 * parsed without printing.
 */
#include <getopt.h>
#include <string.h>

#include "cards.h"
#include "unit.h"

#define ARGC(v) ((int)(sizeof(v) / sizeof((v)[0])) - 1)

static enum parsed new_args(int argc, char *argv[], struct cardset_args *a,
			    char *err)
{
	err[0] = '\0';
	return parse_cardset_args(argc, argv, CARDSET_NEW, a, err, 256);
}

static void world_new_everything(void)
{
	char *argv[] = { "new", "-K", "3", "-N", "5", "--load-quorum", "2",
		"--key-recovery", "2", "--pp-recovery", "4",
		"--nso-timeout", "300", "--policy", "/etc/khsm/policy",
		"--strict", "--bind-key", "logon:khsm", "--card-dir", "/media/c",
		"--passphrase-file", "/run/pp", "--card-name", "alice",
		"--card-name", "bob", "--card-holder", "Alice A. (CISO)",
		"--yes", NULL };
	struct cardset_args a;
	char err[256];

	CHECK_INT(new_args(ARGC(argv), argv, &a, err), PARSED_RUN);
	CHECK_STR(err, "");
	CHECK_INT(a.flags.acs_k, 3);
	CHECK_INT(a.flags.acs_n, 5);
	CHECK_INT(a.flags.load_quorum, 2);
	CHECK_INT(a.flags.key_recovery, 1);
	CHECK_INT(a.flags.kr_quorum, 2);
	CHECK_INT(a.flags.pp_recovery, 1);
	CHECK_INT(a.flags.pr_quorum, 4);
	CHECK_INT(a.flags.nso_timeout, 300);
	CHECK_INT(a.flags.strict, 1);
	CHECK_INT(a.flags.set, KHSM_OPT_BIT(KHSM_A_OPT_ACS_K) |
		  KHSM_OPT_BIT(KHSM_A_OPT_ACS_N) |
		  KHSM_OPT_BIT(KHSM_A_OPT_LOAD_QUORUM) |
		  KHSM_OPT_BIT(KHSM_A_OPT_KEY_RECOVERY) |
		  KHSM_OPT_BIT(KHSM_A_OPT_KR_QUORUM) |
		  KHSM_OPT_BIT(KHSM_A_OPT_PP_RECOVERY) |
		  KHSM_OPT_BIT(KHSM_A_OPT_PR_QUORUM) |
		  KHSM_OPT_BIT(KHSM_A_OPT_NSO_TIMEOUT) |
		  KHSM_OPT_BIT(KHSM_A_OPT_STRICT));
	CHECK_STR(a.policy_file, "/etc/khsm/policy");
	CHECK_STR(a.bind_spec, "logon:khsm");
	CHECK_STR(a.card_dir, "/media/c");
	CHECK_STR(a.auth.pp.file, "/run/pp");
	CHECK_INT(a.auth.pp.fd, -1);
	CHECK_INT(a.nnames, 2);
	CHECK_STR(a.names[1], "bob");
	CHECK_INT(a.nholders, 1);
	CHECK_STR(a.holders[0], "Alice A. (CISO)");
	CHECK(a.yes);
}

static void world_new_defaults(void)
{
	char *argv[] = { "new", "--no-key-recovery", "--no-passphrase", NULL };
	struct cardset_args a;
	char err[256];

	CHECK_INT(new_args(ARGC(argv), argv, &a, err), PARSED_RUN);
	CHECK_INT(a.flags.set, KHSM_OPT_BIT(KHSM_A_OPT_KEY_RECOVERY));
	CHECK_INT(a.flags.key_recovery, 0);
	CHECK(a.auth.pp.none);
	CHECK(!a.yes && !a.card_dir && !a.nnames);
}

static const struct {
	const char *args[6];
	const char *err;
} bad_new[] = {
	{ { "-K", "0" }, "-K 0: not a number within 1..64" },
	{ { "-N", "65" }, "-N 65: not a number within 1..64" },
	{ { "-K", "two" }, "-K two" },
	{ { "-K" }, "-K" },
	{ { "--nso-timeout", "0" }, "--nso-timeout 0" },
	{ { "--key-recovery", "2", "--no-key-recovery" }, "--key-recovery given twice" },
	{ { "--no-passphrase", "--passphrase-fd", "3" }, "exclude each other" },
	{ { "--passphrase-fd", "-1" }, "--passphrase-fd -1" },
	{ { "--card", "x.card" }, "--card" },		/* replace only */
	{ { "--slot", "1" }, "--slot" },
	{ { "--bogus" }, "--bogus" },
	{ { "-x" }, "-x" },
	{ { "extra" }, "unexpected argument 'extra'" },
	{ { "--card-name", "" }, "--card-name ''" },
	{ { "--card-name", "a\tb" }, "without control characters" },
	{ { "--card-name",
	    "0123456789012345678901234567890123456789012345678901234567890123" },
	  "1 to 63 bytes" },
};

static void world_new_refusals(void)
{
	struct cardset_args a;
	char *argv[8], err[256];
	size_t i;
	int argc;

	for (i = 0; i < UNIT_ARRAY_SIZE(bad_new); i++) {
		argv[0] = "new";
		for (argc = 1; argc < 7 && bad_new[i].args[argc - 1]; argc++)
			argv[argc] = (char *)bad_new[i].args[argc - 1];
		argv[argc] = NULL;
		if (new_args(argc, argv, &a, err) != PARSED_BAD)
			unit_fail(__FILE__, __LINE__, "accepted: %s",
				  bad_new[i].args[0]);
		else if (!strstr(err, bad_new[i].err))
			unit_fail(__FILE__, __LINE__, "'%s' lacks '%s'", err,
				  bad_new[i].err);
	}
}

static void help(void)
{
	char *a1[] = { "new", "--help", NULL };
	char *a2[] = { "new", "-K", "2", "-h", NULL };
	struct cardset_args a;
	char err[256];

	CHECK_INT(new_args(ARGC(a1), a1, &a, err), PARSED_HELP);
	CHECK_INT(new_args(ARGC(a2), a2, &a, err), PARSED_HELP);
}

static void acs_replace_args(void)
{
	char *ok[] = { "replace", "-K", "2", "-N", "3", "--card", "a.card",
		"--card", "b.card", "--slot", "2", "--passphrase-fd", "0",
		"--card-dir", "/m", NULL };
	char *bad[] = { "replace", "--policy", "p", NULL };
	struct cardset_args a;
	char err[256];

	CHECK_INT(parse_cardset_args(ARGC(ok), ok, CARDSET_REPLACE, &a, err,
				     sizeof(err)), PARSED_RUN);
	CHECK_INT(a.auth.ncards, 2);
	CHECK_STR(a.auth.cards[1], "b.card");
	CHECK_INT(a.auth.slot, 2);
	CHECK_INT(a.auth.pp.fd, 0);
	CHECK_INT(parse_cardset_args(ARGC(bad), bad, CARDSET_REPLACE, &a, err,
				     sizeof(err)), PARSED_BAD);
	CHECK(strstr(err, "--policy"));
}

static const struct option verb_options[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "bind-key", required_argument, NULL, OPT_BIND_KEY },
	{ "help", no_argument, NULL, 'h' },
	PRESENT_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static void verb_args(void)
{
	char *ok[] = { "load", "--card", "1.card", "FILE", "--card=2.card",
		"--slot", "3", "--passphrase-file", "pp", "--json",
		"--bind-key", "user:k", NULL };
	char *slot[] = { "load", "--slot", "256", NULL };
	char *two[] = { "load", "a", "b", NULL };
	char *both[] = { "load", "--passphrase-file", "x", "--passphrase-fd",
		"3", NULL };
	struct verb_args va;
	char err[256];

	CHECK_INT(parse_verb_args(ARGC(ok), ok, verb_options, 1, &va, err,
				  sizeof(err)), PARSED_RUN);
	CHECK_INT(va.present.ncards, 2);
	CHECK_STR(va.present.cards[0], "1.card");
	CHECK_STR(va.present.cards[1], "2.card");
	CHECK_INT(va.present.slot, 3);
	CHECK_STR(va.present.pp.file, "pp");
	CHECK(va.json);
	CHECK_STR(va.bind_spec, "user:k");
	CHECK_INT(va.npos, 1);
	CHECK_STR(va.pos[0], "FILE");

	CHECK_INT(parse_verb_args(ARGC(slot), slot, verb_options, 0, &va, err,
				  sizeof(err)), PARSED_BAD);
	CHECK_STR(err, "--slot 256: not a slot number");
	CHECK_INT(parse_verb_args(ARGC(two), two, verb_options, 1, &va, err,
				  sizeof(err)), PARSED_BAD);
	CHECK_STR(err, "unexpected argument 'b'");
	CHECK_INT(parse_verb_args(ARGC(both), both, verb_options, 0, &va, err,
				  sizeof(err)), PARSED_BAD);
}

/* world new: defaults, then the policy file, then the command line. */
static void flags_win_over_policy(void)
{
	char *argv[] = { "new", "-N", "5", "-K", "3", "--nso-timeout", "60",
		NULL };
	struct khsm_world_options o;
	struct cardset_args a;
	char err[256];

	CHECK_INT(new_args(ARGC(argv), argv, &a, err), PARSED_RUN);
	khsm_world_options_init(&o);
	CHECK_INT(khsm_policy_parse("nso-timeout = 900\nacs.quorum = 2/3\n"
				    "load-world.quorum = 2\n", &o, NULL, 0), 0);
	CHECK_INT(merge_options(&o, &a.flags), 0);
	CHECK_INT(o.nso_timeout, 60);
	CHECK_INT(o.acs_k, 3);
	CHECK_INT(o.acs_n, 5);
	CHECK_INT(o.load_quorum, 2);	/* the policy's, untouched */
	CHECK_INT(o.kr_quorum, 3);	/* unset: follows K */
	CHECK_INT(khsm_world_options_check(&o, NULL, 0), 0);
}

static void cardset_create_args(void)
{
	char *argv[] = { "create", "-K", "2", "-N", "3", "--persistent",
		"--timeout", "300", "--no-recovery", "--pp-recovery",
		"--card-dir", "/media/ocs", "--card-name", "alice",
		"--card-holder", "Alice A.", "--passphrase-fd", "3", "--yes",
		"web.tls-1", NULL };
	char *defaults[] = { "create", "web", "--no-passphrase", NULL };
	struct set_args a;
	char err[256];

	CHECK_INT(parse_set_args(ARGC(argv), argv, KHSM_SET_OCS, &a, err,
				 sizeof(err)), PARSED_RUN);
	CHECK_INT(a.req.type, KHSM_SET_OCS);
	CHECK_STR(a.req.name, "web.tls-1");
	CHECK_INT(a.req.k, 2);
	CHECK_INT(a.req.n, 3);
	CHECK_INT(a.req.flags, KHSM_CARDSET_PERSISTENT |
		  KHSM_CARDSET_NO_RECOVERY | KHSM_CARDSET_PP_RECOVERY);
	CHECK_INT(a.req.timeout, 300);
	CHECK_STR(a.ca.card_dir, "/media/ocs");
	CHECK(a.ca.nnames == 1 && !strcmp(a.ca.names[0], "alice"));
	CHECK(a.ca.nholders == 1 && !strcmp(a.ca.holders[0], "Alice A."));
	CHECK_INT(a.ca.auth.pp.fd, 3);
	CHECK(a.ca.yes);

	CHECK_INT(parse_set_args(ARGC(defaults), defaults, KHSM_SET_OCS, &a,
				 err, sizeof(err)), PARSED_RUN);
	CHECK(a.req.k == 1 && a.req.n == 1 && !a.req.flags && !a.req.timeout);
	CHECK(a.ca.auth.pp.none);
}

static const struct {
	uint8_t type;
	const char *args[6];
	const char *err;
} bad_set[] = {
	{ KHSM_SET_OCS, { "-K", "3", "-N", "2", "x" }, "-K 3 is above -N 2" },
	{ KHSM_SET_OCS, { "-K", "0", "x" }, "-K 0: not a number within 1..64" },
	{ KHSM_SET_OCS, { "-N", "65", "x" }, "-N 65" },
	{ KHSM_SET_OCS, { "--timeout", "-1", "x" }, "--timeout -1" },
	{ KHSM_SET_OCS, { "--card-name", "a", "--card-name", "b", "x" },
	  "more --card-name or --card-holder than the 1 cards" },
	{ KHSM_SET_OCS, { "--no-passphrase", "--passphrase-file", "f", "x" },
	  "exclude each other" },
	{ KHSM_SET_OCS, { }, "NAME is needed" },
	{ KHSM_SET_OCS, { "a", "b" }, "unexpected argument 'b'" },
	{ KHSM_SET_OCS, { "a/b" }, "NAME 'a/b': 1 to 63 of" },
	{ KHSM_SET_OCS, { ".hidden" }, "NAME '.hidden'" },
	{ KHSM_SET_OCS, { "--card", "c", "x" }, "--card" },
	{ KHSM_SET_SOFTCARD, { "-K", "1", "x" }, "-K" },
	{ KHSM_SET_SOFTCARD, { "--no-passphrase", "x" }, "--no-passphrase" },
	{ KHSM_SET_SOFTCARD, { "--persistent", "x" }, "--persistent" },
	{ KHSM_SET_SOFTCARD, { "--card-dir", "d", "x" }, "--card-dir" },
};

static void set_refusals(void)
{
	struct set_args a;
	char *argv[8], err[256];
	size_t i;
	int argc;

	for (i = 0; i < UNIT_ARRAY_SIZE(bad_set); i++) {
		argv[0] = "create";
		for (argc = 1; argc < 7 && bad_set[i].args[argc - 1]; argc++)
			argv[argc] = (char *)bad_set[i].args[argc - 1];
		argv[argc] = NULL;
		err[0] = '\0';
		if (parse_set_args(argc, argv, bad_set[i].type, &a, err,
				   sizeof(err)) != PARSED_BAD)
			unit_fail(__FILE__, __LINE__, "accepted: %s", bad_set[i].err);
		else if (!strstr(err, bad_set[i].err))
			unit_fail(__FILE__, __LINE__, "'%s' lacks '%s'", err,
				  bad_set[i].err);
	}
}

static void softcard_create_args(void)
{
	char *argv[] = { "create", "--passphrase-file", "pp", "signer", NULL };
	struct set_args a;
	char err[256];

	CHECK_INT(parse_set_args(ARGC(argv), argv, KHSM_SET_SOFTCARD, &a, err,
				 sizeof(err)), PARSED_RUN);
	CHECK_INT(a.req.type, KHSM_SET_SOFTCARD);
	CHECK(a.req.k == 1 && a.req.n == 1);
	CHECK_INT(a.req.flags, KHSM_CARDSET_PERSISTENT);
	CHECK_STR(a.req.name, "signer");
	CHECK_STR(a.ca.auth.pp.file, "pp");
}

static void token_load_args(void)
{
	char *load[] = { "load", "web", "--card", "a.card", "--card=b.card",
		"--share-gid", "khsm", "--slot", "2", "--hold",
		"--passphrase-file", "pp", NULL };
	char *preload[] = { "preload", "--card", "a.card", "web", "--",
		"nginx", "-g", "daemon off;", NULL };
	char *ours[] = { "preload", "web", "--", "env", "--hold", NULL };
	struct load_args a;
	char err[256];

	CHECK_INT(parse_load_args(ARGC(load), load, false, &a, err,
				  sizeof(err)), PARSED_RUN);
	CHECK_STR(a.name, "web");
	CHECK_INT(a.present.ncards, 2);
	CHECK_STR(a.present.cards[1], "b.card");
	CHECK_STR(a.share, "khsm");
	CHECK(a.present.slot == 2 && a.present.slot_given);
	CHECK(a.hold);
	CHECK(!a.command);

	CHECK_INT(parse_load_args(ARGC(preload), preload, true, &a, err,
				  sizeof(err)), PARSED_RUN);
	CHECK_STR(a.name, "web");
	CHECK_INT(a.present.ncards, 1);
	CHECK(!a.present.slot_given);
	CHECK(a.command && !strcmp(a.command[0], "nginx") &&
	      !strcmp(a.command[2], "daemon off;") && !a.command[3]);
	/* After "--" everything is the command's, options included. */
	CHECK_INT(parse_load_args(ARGC(ours), ours, true, &a, err,
				  sizeof(err)), PARSED_RUN);
	CHECK(!a.hold && a.command && !strcmp(a.command[1], "--hold"));
}

static const struct {
	bool preload;
	const char *args[6];
	const char *err;
} bad_load[] = {
	{ false, { }, "NAME is needed" },
	{ false, { "web", "extra" }, "unexpected argument 'extra'" },
	{ false, { "a/b" }, "'a/b' is not a set name" },
	{ false, { "web", "--slot", "256" }, "--slot 256" },
	{ false, { "web", "--no-passphrase" }, "--no-passphrase" },
	{ true, { "web" }, "-- COMMAND [ARGS...] is needed" },
	{ true, { "web", "--" }, "-- COMMAND [ARGS...] is needed" },
	{ true, { "web", "--hold", "--", "true" }, "--hold" },
	{ true, { "web", "true" }, "(the command goes after --)" },
};

static void load_refusals(void)
{
	struct load_args a;
	char *argv[8], err[256];
	size_t i;
	int argc;

	for (i = 0; i < UNIT_ARRAY_SIZE(bad_load); i++) {
		argv[0] = "load";
		for (argc = 1; argc < 7 && bad_load[i].args[argc - 1]; argc++)
			argv[argc] = (char *)bad_load[i].args[argc - 1];
		argv[argc] = NULL;
		err[0] = '\0';
		if (parse_load_args(argc, argv, bad_load[i].preload, &a, err,
				    sizeof(err)) != PARSED_BAD)
			unit_fail(__FILE__, __LINE__, "accepted: %s",
				  bad_load[i].err);
		else if (!strstr(err, bad_load[i].err))
			unit_fail(__FILE__, __LINE__, "'%s' lacks '%s'", err,
				  bad_load[i].err);
	}
}

static const struct unit_test tests[] = {
	{ "world new: every option", world_new_everything },
	{ "world new: defaults", world_new_defaults },
	{ "world new: refusals", world_new_refusals },
	{ "world new: --help", help },
	{ "acs replace", acs_replace_args },
	{ "present verbs", verb_args },
	{ "options win over the policy file", flags_win_over_policy },
	{ "cardset create: every option, defaults", cardset_create_args },
	{ "cardset and softcard create: refusals", set_refusals },
	{ "softcard create", softcard_create_args },
	{ "token load and preload", token_load_args },
	{ "token load and preload: refusals", load_refusals },
};

UNIT_SUITE(args, tests);
