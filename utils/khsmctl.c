// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl: command-line front end to the khsm kernel module.
 *
 * Global options, then a subcommand from the table below; each subcommand
 * lives in its own file as NAME_main(argc, argv) with argv[0] its name,
 * parses its own options and answers --help.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <kcapi.h>

#include "khsmctl.h"

static int help_main(int argc, char *argv[]);

static const struct subcommand {
	const char *name;
	int (*fn)(int argc, char *argv[]);
	const char *help;
} subcommands[] = {
	{ "status", status_main, "Show module version, self-test and world state" },
	{ "world", world_main, "Create, load, show, bind and unload the Security World" },
	{ "acs", acs_main, "Authorise with, verify and replace administrator cards" },
	{ "policy", policy_main, "Show and change the world's policy" },
	{ "cardset", cardset_main, "Create and show operator card sets" },
	{ "softcard", softcard_main, "Create softcards" },
	{ "token", token_main, "Load, preload, list and unload logical tokens" },
	{ "key", key_main, "Generate, import, show and use application keys" },
	{ "audit", audit_main, "Follow, show and verify the audit log" },
	{ "slot", slot_main, "List the card slots" },
	{ "card", card_main, "Take a card out of its slot" },
	{ "host-check", host_check_main, "Check the host against the hardening guide" },
	{ "clear", clear_main, "Unload every token and key, end ACS authorisations" },
	{ "help", help_main, "Show the help of a command" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: %s [--kmdata DIR] COMMAND [ARGS...]\n"
		"       %s --help | --version\n"
		"\n"
		"Drive khsm, the software HSM in the Linux kernel.\n"
		"\n"
		"Commands:\n", PROG_NAME, PROG_NAME);
	for (i = 0; i < ARRAY_SIZE(subcommands); i++)
		fprintf(f, "  %-10s%s\n", subcommands[i].name,
			subcommands[i].help);
	fprintf(f,
		"\n"
		"Options:\n"
		"  --kmdata DIR   key management data directory\n"
		"                 (default: $KHSM_KMDATA, else %s)\n"
		"  -h, --help     show this help\n"
		"  -V, --version  show the version of %s\n"
		"\n"
		"'%s help COMMAND' shows the options of COMMAND.\n",
		KHSM_KMDATA_DEFAULT, PROG_NAME, PROG_NAME);
}

/* Offline on purpose: it must answer even when the module cannot. */
static void version(void)
{
	printf("%s %s (libkhsm %s, ABI %d)\n", PROG_NAME, KHSM_VERSION,
	       khsm_version(), KHSM_ABI_VERSION);
}

static const struct subcommand *find_subcommand(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(subcommands); i++)
		if (!strcmp(subcommands[i].name, name))
			return &subcommands[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	fprintf(stderr, "%s: unknown command '%s'\n", PROG_NAME, name);
	usage(stderr);
	return KHSMCTL_EXIT_USAGE;
}

/* "help COMMAND" is "COMMAND --help", so each help text lives once. */
static int help_main(int argc, char *argv[])
{
	const struct subcommand *cmd;
	char *help_argv[] = { NULL, "--help", NULL };

	if (argc > 2) {
		fprintf(stderr, "Usage: %s help [COMMAND]\n", PROG_NAME);
		return KHSMCTL_EXIT_USAGE;
	}
	if (argc < 2 || !strcmp(argv[1], "help")) {
		usage(stdout);
		return KHSMCTL_EXIT_OK;
	}
	cmd = find_subcommand(argv[1]);
	if (!cmd)
		return unknown_command(argv[1]);
	help_argv[0] = argv[1];
	return cmd->fn(2, help_argv);
}

/* A full disk or closed pipe must not pass for success. */
static int flush_stdout(int ret)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: writing output: %s\n", PROG_NAME,
			strerror(errno));
		return ret ? ret : KHSMCTL_EXIT_FAILED;
	}
	return ret;
}

static int run(int argc, char *argv[])
{
	struct global_options opts;
	const struct subcommand *cmd;

	if (passphrase_in_argv(argc, argv))
		return KHSMCTL_EXIT_USAGE;
	if (parse_global_options(argc, argv, &opts)) {
		fprintf(stderr, "%s: %s: %s\n", PROG_NAME, opts.bad_arg,
			opts.error);
		usage(stderr);
		return KHSMCTL_EXIT_USAGE;
	}
	if (opts.help) {
		usage(stdout);
		return KHSMCTL_EXIT_OK;
	}
	if (opts.version) {
		version();
		return KHSMCTL_EXIT_OK;
	}
	if (opts.command >= argc) {
		usage(stderr);
		return KHSMCTL_EXIT_USAGE;
	}
	kmdata_dir = opts.kmdata;
	cmd = find_subcommand(argv[opts.command]);
	if (!cmd)
		return unknown_command(argv[opts.command]);
	return cmd->fn(argc - opts.command, argv + opts.command);
}

int main(int argc, char *argv[])
{
	/* We report libkcapi's failures ourselves, once, in our own words. */
	kcapi_set_verbosity(KCAPI_LOG_NONE);
	return flush_stdout(run(argc, argv));
}
