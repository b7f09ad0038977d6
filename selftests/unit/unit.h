/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal test harness: each test is a void function that makes CHECKs;
 * main.c runs the suites and prints one TAP line per test, then
 * "N passed, N failed".
 */
#ifndef KHSM_UNIT_H
#define KHSM_UNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
};

struct unit_suite {
	const char *name;
	const struct unit_test *tests;
	size_t count;
};

#define UNIT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* UNIT_SUITE(foo, tests) defines foo_suite, which main.c lists. */
#define UNIT_SUITE(name, tests) \
	const struct unit_suite name##_suite = \
		{ #name, tests, UNIT_ARRAY_SIZE(tests) }

/* Record a failed check; the report goes out as a TAP comment. */
void unit_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Mark the running test skipped, e.g. when the host lacks netlink. */
void unit_skip(const char *why);

#define CHECK(cond) do {						\
	if (!(cond))							\
		unit_fail(__FILE__, __LINE__, "%s", #cond);		\
} while (0)

#define CHECK_INT(got, want) do {					\
	long long g_ = (got), w_ = (want);				\
	if (g_ != w_)							\
		unit_fail(__FILE__, __LINE__, "%s == %lld, want %lld",	\
			  #got, g_, w_);				\
} while (0)

#define CHECK_STR(got, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (!g_ || strcmp(g_, w_))					\
		unit_fail(__FILE__, __LINE__, "%s == \"%s\", want \"%s\"", \
			  #got, g_ ? g_ : "(null)", w_);		\
} while (0)

#endif /* KHSM_UNIT_H */
