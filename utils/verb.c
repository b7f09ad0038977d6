// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The object-verb grammar: "khsmctl OBJECT VERB [ARGS...]", like ip(8).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "khsmctl.h"

static void verbs_usage(FILE *f, const char *object, const struct verb *verbs,
			size_t n)
{
	size_t i;

	fprintf(f, "Usage: %s %s VERB [ARGS...]\n\nVerbs:\n", PROG_NAME, object);
	for (i = 0; i < n; i++)
		fprintf(f, "  %-12s%s\n", verbs[i].name, verbs[i].help);
	fprintf(f, "\n'%s %s VERB --help' shows the options of VERB.\n",
		PROG_NAME, object);
}

static const struct verb *find_verb(const struct verb *verbs, size_t n,
				    const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return NULL;
}

static bool is_help(const char *arg)
{
	return !strcmp(arg, "help") || !strcmp(arg, "-h") ||
	       !strcmp(arg, "--help");
}

/* "OBJECT help VERB" is "OBJECT VERB --help", so each text lives once. */
int run_verb(const char *object, const struct verb *verbs, size_t n,
	     int argc, char *argv[])
{
	char *help_argv[] = { NULL, "--help", NULL };
	const struct verb *v;

	if (argc < 2) {
		verbs_usage(stderr, object, verbs, n);
		return KHSMCTL_EXIT_USAGE;
	}
	if (is_help(argv[1]) && argc < 3) {
		verbs_usage(stdout, object, verbs, n);
		return KHSMCTL_EXIT_OK;
	}
	v = find_verb(verbs, n, is_help(argv[1]) ? argv[2] : argv[1]);
	if (!v) {
		fprintf(stderr, "%s: %s: unknown verb '%s'\n", PROG_NAME, object,
			is_help(argv[1]) ? argv[2] : argv[1]);
		verbs_usage(stderr, object, verbs, n);
		return KHSMCTL_EXIT_USAGE;
	}
	if (is_help(argv[1])) {
		help_argv[0] = argv[2];
		return v->fn(2, help_argv);
	}
	return v->fn(argc - 1, argv + 1);
}

/* The control channel, or the reason it cannot be had. */
int open_control(const char *cmd, struct khsm **h)
{
	int err = khsm_open(h, KHSM_OPEN_CONTROL);

	return err ? report_error(cmd, NULL, err) : KHSMCTL_EXIT_OK;
}

/*
 * The commands that need the ACS quorum say so when it is missing; the
 * module's text names the quorum, this says what to do about it.
 */
int report_acs_error(const char *cmd, const struct khsm *h, int err)
{
	int ret = report_error(cmd, h, err);

	if (err == -EACCES)
		fprintf(stderr,
			"%s: %s: present the ACS with --card, or run '%s acs authorise' first\n",
			PROG_NAME, cmd, PROG_NAME);
	return ret;
}
