/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * khsmctl: what the subcommands share.
 */
#ifndef KHSMCTL_H
#define KHSMCTL_H

#include <stdbool.h>

#include <khsm/khsm.h>

#ifndef KHSM_VERSION
#define KHSM_VERSION "0.1.0"
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define PROG_NAME		"khsmctl"
#define KHSM_KMDATA_DEFAULT	"/var/lib/khsm"

/*
 * Exit status of khsmctl, as khsmctl(8) documents it. exit_status() in
 * exit.c holds the one table that maps errnos onto these.
 */
enum khsmctl_exit {
	KHSMCTL_EXIT_OK		= 0,	/* success */
	KHSMCTL_EXIT_FAILED	= 1,	/* the module refused or failed */
	KHSMCTL_EXIT_USAGE	= 2,	/* bad command line */
	KHSMCTL_EXIT_NOT_LOADED	= 3,	/* module not loaded, no device */
	KHSMCTL_EXIT_DENIED	= 4,	/* EPERM, EACCES */
};

int exit_status(int err);
int report_error(const char *cmd, const struct khsm *h, int err);

/* Options before the command; see parse_global_options() in options.c. */
struct global_options {
	const char *kmdata;	/* --kmdata, else $KHSM_KMDATA, else default */
	bool help;
	bool version;
	int command;		/* argv index of the command; argc if none */
	const char *bad_arg;	/* on a usage error: the culprit... */
	const char *error;	/* ...and what is wrong with it */
};

int parse_global_options(int argc, char *argv[], struct global_options *opts);

/* Key management data directory; parsed now, used by later commands. */
extern const char *kmdata_dir;

/* One per subcommand: argv[0] is the subcommand's name. */
int status_main(int argc, char *argv[]);

#endif /* KHSMCTL_H */
