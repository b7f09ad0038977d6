// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl's global options (utils/options.c) and exit statuses
 * (utils/exit.c).
 */
#include <errno.h>
#include <stdlib.h>

#include "khsmctl.h"
#include "unit.h"

#define ARGC(v) ((int)(sizeof(v) / sizeof((v)[0])) - 1)

static int parse(int argc, char *argv[], struct global_options *o)
{
	return parse_global_options(argc, argv, o);
}

static void no_arguments(void)
{
	char *argv[] = { "khsmctl", NULL };
	struct global_options o;

	unsetenv("KHSM_KMDATA");
	CHECK_INT(parse(ARGC(argv), argv, &o), 0);
	CHECK_INT(o.command, 1);
	CHECK_STR(o.kmdata, KHSM_KMDATA_DEFAULT);
	CHECK(!o.help && !o.version);
}

static void kmdata_forms(void)
{
	char *a1[] = { "khsmctl", "--kmdata", "/d", "status", NULL };
	char *a2[] = { "khsmctl", "--kmdata=/e", "status", "--json", NULL };
	struct global_options o;

	CHECK_INT(parse(ARGC(a1), a1, &o), 0);
	CHECK_STR(o.kmdata, "/d");
	CHECK_INT(o.command, 3);
	CHECK_INT(parse(ARGC(a2), a2, &o), 0);
	CHECK_STR(o.kmdata, "/e");
	CHECK_INT(o.command, 2);
}

static void kmdata_environment(void)
{
	char *a1[] = { "khsmctl", "status", NULL };
	char *a2[] = { "khsmctl", "--kmdata", "/opt", "status", NULL };
	struct global_options o;

	setenv("KHSM_KMDATA", "/srv/khsm", 1);
	CHECK_INT(parse(ARGC(a1), a1, &o), 0);
	CHECK_STR(o.kmdata, "/srv/khsm");
	CHECK_INT(parse(ARGC(a2), a2, &o), 0);
	CHECK_STR(o.kmdata, "/opt");	/* the option wins */
	setenv("KHSM_KMDATA", "", 1);
	CHECK_INT(parse(ARGC(a1), a1, &o), 0);
	CHECK_STR(o.kmdata, KHSM_KMDATA_DEFAULT);
	unsetenv("KHSM_KMDATA");
}

static void usage_errors(void)
{
	char *a1[] = { "khsmctl", "--kmdata", NULL };
	char *a2[] = { "khsmctl", "--kmdata=", "status", NULL };
	char *a3[] = { "khsmctl", "--kmdatadir", "status", NULL };
	char *a4[] = { "khsmctl", "-x", "status", NULL };
	struct global_options o;

	CHECK_INT(parse(ARGC(a1), a1, &o), -1);
	CHECK_STR(o.bad_arg, "--kmdata");
	CHECK(o.error != NULL);
	CHECK_INT(parse(ARGC(a2), a2, &o), -1);
	CHECK_STR(o.bad_arg, "--kmdata=");
	CHECK_INT(parse(ARGC(a3), a3, &o), -1);
	CHECK_STR(o.bad_arg, "--kmdatadir");
	CHECK_STR(o.error, "unrecognised option");
	CHECK_INT(parse(ARGC(a4), a4, &o), -1);
	CHECK_STR(o.bad_arg, "-x");
}

static void help_and_version(void)
{
	char *a1[] = { "khsmctl", "--help", NULL };
	char *a2[] = { "khsmctl", "-h", NULL };
	char *a3[] = { "khsmctl", "--version", NULL };
	char *a4[] = { "khsmctl", "-V", NULL };
	struct global_options o;

	CHECK_INT(parse(ARGC(a1), a1, &o), 0);
	CHECK(o.help);
	CHECK_INT(parse(ARGC(a2), a2, &o), 0);
	CHECK(o.help);
	CHECK_INT(parse(ARGC(a3), a3, &o), 0);
	CHECK(o.version && !o.help);
	CHECK_INT(parse(ARGC(a4), a4, &o), 0);
	CHECK(o.version);
}

/* Parsing stops at the command, at "--", and at "-" (not an option). */
static void stops_at_the_command(void)
{
	char *a1[] = { "khsmctl", "status", "--help", NULL };
	char *a2[] = { "khsmctl", "--", "--odd", NULL };
	char *a3[] = { "khsmctl", "-", NULL };
	struct global_options o;

	CHECK_INT(parse(ARGC(a1), a1, &o), 0);
	CHECK_INT(o.command, 1);
	CHECK(!o.help);
	CHECK_INT(parse(ARGC(a2), a2, &o), 0);
	CHECK_INT(o.command, 2);
	CHECK_INT(parse(ARGC(a3), a3, &o), 0);
	CHECK_INT(o.command, 1);
}

static void exit_statuses(void)
{
	CHECK_INT(exit_status(0), KHSMCTL_EXIT_OK);
	CHECK_INT(exit_status(-ENOENT), KHSMCTL_EXIT_NOT_LOADED);
	CHECK_INT(exit_status(ENOENT), KHSMCTL_EXIT_NOT_LOADED);
	CHECK_INT(exit_status(-ENXIO), KHSMCTL_EXIT_NOT_LOADED);
	CHECK_INT(exit_status(-ENODEV), KHSMCTL_EXIT_NOT_LOADED);
	CHECK_INT(exit_status(-EPERM), KHSMCTL_EXIT_DENIED);
	CHECK_INT(exit_status(-EACCES), KHSMCTL_EXIT_DENIED);
	CHECK_INT(exit_status(-EINVAL), KHSMCTL_EXIT_FAILED);
	CHECK_INT(exit_status(-EIO), KHSMCTL_EXIT_FAILED);
	CHECK_INT(exit_status(-EKEYREVOKED), KHSMCTL_EXIT_FAILED);
	/* The documented numbers are ABI for scripts. */
	CHECK_INT(KHSMCTL_EXIT_USAGE, 2);
	CHECK_INT(KHSMCTL_EXIT_NOT_LOADED, 3);
	CHECK_INT(KHSMCTL_EXIT_DENIED, 4);
}

static const struct unit_test tests[] = {
	{ "no arguments", no_arguments },
	{ "--kmdata DIR and --kmdata=DIR", kmdata_forms },
	{ "KHSM_KMDATA", kmdata_environment },
	{ "usage errors", usage_errors },
	{ "--help and --version", help_and_version },
	{ "stops at the command", stops_at_the_command },
};

static const struct unit_test exit_tests[] = {
	{ "errno to exit status", exit_statuses },
};

UNIT_SUITE(options, tests);
UNIT_SUITE(exit, exit_tests);
