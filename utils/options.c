// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Options that come before the command. Hand-rolled rather than getopt:
 * parsing must stop at the command, whose own options are its business,
 * and it must not print, so the unit tests can run it.
 */
#include <string.h>

#include "khsmctl.h"

const char *kmdata_dir = KHSM_KMDATA_DEFAULT;

static int bad(struct global_options *opts, const char *arg, const char *why)
{
	opts->bad_arg = arg;
	opts->error = why;
	return -1;
}

/*
 * Does @arg name the long option @name? Then *@val is what followed "=",
 * or NULL if the value, if any, is the next argument.
 */
static bool long_opt(const char *arg, const char *name, const char **val)
{
	size_t n = strlen(name);

	if (strncmp(arg, name, n) || (arg[n] && arg[n] != '='))
		return false;
	*val = arg[n] ? arg + n + 1 : NULL;
	return true;
}

/*
 * Fill @opts from argv[1...] up to the first non-option, which is the
 * command, or "--". Returns 0, or -1 with @opts->bad_arg and @opts->error
 * set for a usage error.
 */
/* cppcheck-suppress constParameter ; main()'s char ** does not convert to const char *const * in C */
int parse_global_options(int argc, char *const argv[], struct global_options *opts)
{
	const char *val;
	int i;

	memset(opts, 0, sizeof(*opts));
	opts->kmdata = khsm_kmdata_dir();

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (arg[0] != '-' || !arg[1])
			break;
		if (!strcmp(arg, "--")) {
			i++;
			break;
		}
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			opts->help = true;
		} else if (!strcmp(arg, "-V") || !strcmp(arg, "--version")) {
			opts->version = true;
		} else if (long_opt(arg, "--kmdata", &val)) {
			if (!val && i + 1 < argc)
				val = argv[++i];
			if (!val || !*val)
				return bad(opts, arg, "needs a directory");
			opts->kmdata = val;
		} else {
			return bad(opts, arg, "unrecognised option");
		}
	}
	opts->command = i;
	return 0;
}
