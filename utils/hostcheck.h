/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * khsmctl host-check: the checks and the parsers they share. The parsers
 * (hostcheck_parse.c) read text they are given and print nothing, so the
 * host unit tests run them on prepared files.
 */
#ifndef KHSMCTL_HOSTCHECK_H
#define KHSMCTL_HOSTCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "khsmctl.h"

enum hc_status { HC_PASS, HC_WARN, HC_FAIL, HC_SKIP };

const char *hc_status_name(enum hc_status s);

/* ---- sshd_config ---- */

/*
 * One sshd option looked up. sshd takes the first value it reads for most
 * keywords, so a later line never overrides an earlier one; Match blocks
 * apply only to some connections and are not the global setting.
 */
struct sshd_opt {
	const char *key;	/* keyword, any case: "PermitRootLogin" */
	bool set;
	char value[64];		/* first word of the value, lower case */
	char where[320];	/* "FILE:LINE" or "sshd -T" */
};

/*
 * Read the sshd configuration @path as sshd does: "Keyword value" or
 * "Keyword=value", comments, Include (globs, relative names under
 * @base_dir, files in lexical order, read in place), Match blocks skipped
 * up to "Match all". Fills each of @opts (n of them) from the first line
 * that sets it. 0, or a negative errno if @path cannot be read (an
 * Include that matches nothing is not an error, as for sshd).
 */
int sshd_config_read(const char *path, const char *base_dir,
		     struct sshd_opt *opts, size_t n);

/* The same from the "keyword value" lines of `sshd -T` on @f. */
void sshd_t_parse(FILE *f, struct sshd_opt *opts, size_t n);

/* ---- /proc/net/tcp and tcp6 ---- */

struct tcp_listener {
	uint16_t port;
	bool loopback;
	char addr[48];		/* printable local address */
};

/*
 * One line of /proc/net/tcp (@v6 false) or tcp6: 1 and @out filled for a
 * socket in LISTEN state, 0 for any other socket or the header line,
 * -EINVAL for a line that is not the kernel's format.
 */
int proc_net_tcp_line(const char *line, bool v6, struct tcp_listener *out);

/* ---- the command ---- */

struct hc_ctx {
	const char *kmdata;		/* directory to check */
	const char *world;		/* world file to check */
	const char *sysfs;		/* "/sys", or the test-only override */
	struct khsm *h;			/* control channel, or NULL */
	int open_err;			/* why h is NULL */
	bool have_world;		/* wi is valid and a world is loaded */
	struct khsm_world_info wi;
	bool group_known;		/* the khsm group exists */
	gid_t khsm_gid;
};

struct hc_check {
	const char *id;
	enum hc_status (*fn)(struct hc_ctx *c, char *why, size_t size);
};

/* hostcheck_kernel.c: the kernel, MAC, services, sshd, dumps, swap */
extern const struct hc_check hc_kernel_checks[];
extern const size_t hc_kernel_nchecks;

/* hostcheck_khsm.c: group, files, device, policy, audit, binding */
extern const struct hc_check hc_khsm_checks[];
extern const size_t hc_khsm_nchecks;

/* Formats into @why and returns @st, for "return say(...)". */
enum hc_status hc_say(enum hc_status st, char *why, size_t size,
		      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The first line of a small text file, without its newline; 0 or -errno. */
int hc_read_line(const char *path, char *buf, size_t size);


#endif /* KHSMCTL_HOSTCHECK_H */
