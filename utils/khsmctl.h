/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * khsmctl: what the subcommands share.
 */
#ifndef KHSMCTL_H
#define KHSMCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <khsm/khsm.h>

#ifndef KHSM_VERSION
#define KHSM_VERSION "0.1.0"
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define PROG_NAME		"khsmctl"

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
	/* 5 and 6: audit verify only (audit.h) */
	KHSMCTL_EXIT_CHECK_FAILED = 7,	/* host-check: a check failed */
	KHSMCTL_EXIT_UNSAFE	= 8,	/* a file or kmdata others may write */
};

/* exit.c */
int exit_status(int err);
int report_error(const char *cmd, const struct khsm *h, int err);
void fail(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Options before the command; see parse_global_options() in options.c. */
struct global_options {
	const char *kmdata;	/* --kmdata, else $KHSM_KMDATA, else default */
	bool help;
	bool version;
	int command;		/* argv index of the command; argc if none */
	const char *bad_arg;	/* on a usage error: the culprit... */
	const char *error;	/* ...and what is wrong with it */
};

int parse_global_options(int argc, char *const argv[],
			 struct global_options *opts);

/* Key management data directory, from the global options. */
extern const char *kmdata_dir;

/*
 * Verbs of an object ("world new"): argv[0] is the verb. run_verb() finds
 * argv[1] in @verbs and runs it; "help" and --help list them.
 */
struct verb {
	const char *name;
	int (*fn)(int argc, char *argv[]);
	const char *help;
};

int run_verb(const char *object, const struct verb *verbs, size_t n,
	     int argc, char *argv[]);
int open_control(const char *cmd, struct khsm **h);
int simple_verb(int argc, char *argv[], const char *cmd, const char *what,
		int (*fn)(struct khsm *h));
int report_acs_error(const char *cmd, const struct khsm *h, int err);

/* One per object: argv[0] is the object's name. */
int status_main(int argc, char *argv[]);
int clear_main(int argc, char *argv[]);
int world_main(int argc, char *argv[]);
int acs_main(int argc, char *argv[]);
int policy_main(int argc, char *argv[]);
int slot_main(int argc, char *argv[]);
int card_main(int argc, char *argv[]);
int cardset_main(int argc, char *argv[]);
int softcard_main(int argc, char *argv[]);
int token_main(int argc, char *argv[]);
int key_main(int argc, char *argv[]);
int audit_main(int argc, char *argv[]);
int host_check_main(int argc, char *argv[]);

/* fmt.c: how bytes, keys and times are shown */
#define HEX_LEN(n)	((n) * 2 + 1)
char *hex(char *out, const uint8_t *p, size_t len);
int key_fingerprint(const uint8_t *key, size_t len, char out[HEX_LEN(32)]);
char *iso_time(char *out, size_t size, uint64_t t);
int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
bool printable_name(const char *s, size_t max);
void copy_text(char *dst, size_t size, const char *src);

/* Process hardening for commands that handle passphrases. */
int harden_process(const char *cmd);
/* kmdata.c: files and directories whose modes let others change them. */
int refuse_mode(const char *cmd, const char *path, mode_t mode);
int kmdata_dir_safe(const char *cmd);

/* An attempt to give a passphrase on the command line, refused. */
bool passphrase_in_argv(int argc, char *argv[]);

#endif /* KHSMCTL_H */
