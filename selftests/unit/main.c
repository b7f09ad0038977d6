// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Runs every suite; exits 1 if any test failed.
 */
#include <stdarg.h>
#include <stdio.h>

#include "unit.h"

extern const struct unit_suite extack_suite, errors_suite, info_suite,
	handle_suite, netlink_suite, json_suite, options_suite, exit_suite,
	shamir_suite, world_options_suite, policy_suite, files_suite,
	kmdata_suite, replies_suite, passphrase_suite, args_suite,
	records_suite, khsmctl_suite, keys_suite, eckey_suite, keyop_suite,
	keyargs_suite, audit_suite, hostcheck_suite;

static const struct unit_suite *const suites[] = {
	&extack_suite, &errors_suite, &info_suite, &handle_suite,
	&netlink_suite, &json_suite, &options_suite, &exit_suite,
	&shamir_suite, &world_options_suite, &policy_suite, &files_suite,
	&kmdata_suite, &replies_suite, &passphrase_suite, &args_suite,
	&records_suite, &khsmctl_suite, &keys_suite, &eckey_suite,
	&keyop_suite, &keyargs_suite, &audit_suite, &hostcheck_suite,
};

static unsigned int failed_checks;
static const char *skipped;

void unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	failed_checks++;
}

void unit_skip(const char *why)
{
	skipped = why;
}

int main(void)
{
	unsigned int n = 0, passed = 0, failed = 0, skips = 0;
	size_t i, j;

	for (i = 0; i < UNIT_ARRAY_SIZE(suites); i++) {
		for (j = 0; j < suites[i]->count; j++) {
			const struct unit_test *t = &suites[i]->tests[j];

			failed_checks = 0;
			skipped = NULL;
			t->fn();
			fflush(NULL);
			n++;
			if (failed_checks) {
				printf("not ok %u - %s: %s\n", n,
				       suites[i]->name, t->name);
				failed++;
			} else if (skipped) {
				printf("ok %u - %s: %s # SKIP %s\n", n,
				       suites[i]->name, t->name, skipped);
				skips++;
			} else {
				printf("ok %u - %s: %s\n", n, suites[i]->name,
				       t->name);
				passed++;
			}
		}
	}
	printf("1..%u\n", n);
	if (skips)
		printf("%u passed, %u failed, %u skipped\n", passed, failed,
		       skips);
	else
		printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
