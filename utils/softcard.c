// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl softcard: a persistent 1-of-1 logical token behind a passphrase,
 * its one card kept in the kmdata directory. Made by the card set
 * ceremony (cardset.c); loaded with "token load".
 */
#include <stdio.h>

#include "cards.h"

static void create_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s softcard create NAME\n"
		"           [--passphrase-fd FD | --passphrase-file FILE] [--yes]\n"
		"\n"
		"Create softcard NAME: a persistent logical token whose one card,\n"
		"protected by a passphrase, is %s/%sNAME (0640). The passphrase\n"
		"is required and follows the world's policy; on a terminal it is\n"
		"asked twice. Reusing a softcard's name warns, and replaces the old\n"
		"one (whose keys can then no longer be loaded) only with --yes.\n"
		"\n"
		"  --passphrase-fd FD      the passphrase on the first line of FD\n"
		"  --passphrase-file FILE  the same, from FILE\n"
		"  --yes                   no questions; replace a softcard of that name\n",
		PROG_NAME, "KMDATA", KHSM_SOFTCARD_PREFIX);
}

static int softcard_create(int argc, char *argv[])
{
	const char *cmd = "softcard create";
	struct set_args a;
	char err[256];
	int ret;

	ret = usage_or_run(parse_set_args(argc, argv, KHSM_SET_SOFTCARD, &a,
					  err, sizeof(err)),
			   cmd, err, create_usage);
	return ret >= 0 ? ret : set_create(cmd, &a);
}

static const struct verb softcard_verbs[] = {
	{ "create", softcard_create, "Create a softcard" },
};

int softcard_main(int argc, char *argv[])
{
	return run_verb("softcard", softcard_verbs, ARRAY_SIZE(softcard_verbs),
			argc, argv);
}
