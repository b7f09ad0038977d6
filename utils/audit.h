/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * khsmctl audit: what its files share.
 */
#ifndef KHSMCTL_AUDIT_H
#define KHSMCTL_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "khsmctl.h"

/* Exit status of "audit verify" beyond the common ones (khsmctl(8)). */
enum {
	AUDIT_EXIT_TAMPERED	= 1,	/* KHSM_AUDIT_TAMPERED */
	AUDIT_EXIT_UNSEALED	= 5,	/* KHSM_AUDIT_UNSEALED */
	AUDIT_EXIT_INCOMPLETE	= 6,	/* KHSM_AUDIT_INCOMPLETE */
};

/* A log file mapped read-only; audit_log_close() unmaps it. */
struct audit_log {
	const uint8_t *data;
	size_t len;
};

int audit_log_open(const char *cmd, const char *path, struct audit_log *log);
void audit_log_close(struct audit_log *log);

/* The audit key of the world file @path (NULL: the kmdata directory's). */
int audit_world_key(const char *cmd, const char *path,
		    struct khsm_audit_key *key);

/* audit_show.c */
int audit_show(int argc, char *argv[]);
int audit_verify(int argc, char *argv[]);
void audit_print_record(const struct khsm_audit_record *r, FILE *f);

#endif /* KHSMCTL_AUDIT_H */
