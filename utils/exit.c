// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * From an errno to what khsmctl says and how it exits.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "khsmctl.h"

/*
 * The one table of errnos with an exit status of their own (khsmctl(8),
 * EXIT STATUS); any other error is KHSMCTL_EXIT_FAILED. A device node
 * without its driver reads ENXIO or ENODEV: that is "not loaded" too.
 */
static const struct {
	int err;
	enum khsmctl_exit status;
} exit_table[] = {
	{ ENOENT,	KHSMCTL_EXIT_NOT_LOADED },
	{ ENODEV,	KHSMCTL_EXIT_NOT_LOADED },
	{ ENXIO,	KHSMCTL_EXIT_NOT_LOADED },
	{ EPERM,	KHSMCTL_EXIT_DENIED },
	{ EACCES,	KHSMCTL_EXIT_DENIED },
};

/* @err is 0 or an errno, negative (libkhsm's way) or not. */
int exit_status(int err)
{
	size_t i;

	if (!err)
		return KHSMCTL_EXIT_OK;
	if (err < 0)
		err = -err;
	for (i = 0; i < ARRAY_SIZE(exit_table); i++)
		if (exit_table[i].err == err)
			return exit_table[i].status;
	return KHSMCTL_EXIT_FAILED;
}

/*
 * "khsmctl: CMD: what the errno means here: what the kernel said", the
 * last part only if the kernel said something. Returns the exit status.
 */
int report_error(const char *cmd, const struct khsm *h, int err)
{
	const char *msg = khsm_errmsg(h);

	if (*msg)
		fprintf(stderr, "%s: %s: %s: %s\n", PROG_NAME, cmd,
			khsm_strerror(err), msg);
	else
		fprintf(stderr, "%s: %s: %s\n", PROG_NAME, cmd,
			khsm_strerror(err));
	return exit_status(err);
}

/* "khsmctl: CMD: ...", for failures that are ours rather than the module's. */
void fail(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s: ", PROG_NAME, cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* "khsmctl: warning: ...": the command goes on. */
void warn(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: warning: ", PROG_NAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
