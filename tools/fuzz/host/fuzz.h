/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared bits of the libFuzzer targets (tools/fuzz/host/fuzz_*.c). Each
 * target is one parser of libkhsm (or kmod/shamir.c), built with clang's
 * -fsanitize=fuzzer,address,undefined: a crash, a sanitizer report or a
 * failed FUZZ_ASSERT is a finding. The asserts state what a caller relies
 * on: the same verdict whatever the error buffer, a message on failure,
 * fields in range on success.
 */
#ifndef KHSM_FUZZ_H
#define KHSM_FUZZ_H

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ASSERT(c)							\
	do {								\
		if (!(c)) {						\
			fprintf(stderr, "%s:%d: assertion failed: %s\n",\
				__FILE__, __LINE__, #c);		\
			abort();					\
		}							\
	} while (0)

/* A NUL somewhere in the @size bytes of @s. */
#define FUZZ_TERMINATED(s) FUZZ_ASSERT(memchr((s), '\0', sizeof(s)) != NULL)

/*
 * A parser's error text: NUL-terminated within @len, empty on success and
 * not empty on failure.
 */
static inline void fuzz_check_err(const char *err, size_t len, int ret)
{
	FUZZ_ASSERT(memchr(err, '\0', len) != NULL);
	FUZZ_ASSERT(ret ? err[0] != '\0' : err[0] == '\0');
}

/*
 * KHSM_FUZZ_VERBOSE=1 prints each parser's verdict: to check that seeds
 * parse (./fuzz_card corpus/card/gen-*), or to read a finding.
 */
static inline int fuzz_verbose(void)
{
	static int v = -1;

	if (v < 0)
		v = getenv("KHSM_FUZZ_VERBOSE") != NULL;
	return v;
}

#define FUZZ_SAY(...)							\
	do {								\
		if (fuzz_verbose())					\
			fprintf(stderr, __VA_ARGS__);			\
	} while (0)

/* A parser of a file libkhsm reads: @buf, @len, the info it fills, the
 * message buffer (may be NULL with @errlen 0). */
typedef int (*fuzz_parse_fn)(const void *buf, size_t len, void *info,
			     char *err, size_t errlen);

/* Defines parse(), @fn with the fuzz_parse_fn signature. */
#define FUZZ_FILE_PARSER(fn)						\
	static int parse(const void *buf, size_t len, void *info,	\
			 char *err, size_t errlen)			\
	{								\
		return fn(buf, len, info, err, errlen);			\
	}

/*
 * What each file parser's target asserts before the fields: the verdict
 * does not depend on the room for the message (plenty, none, @small_len
 * bytes, which must still end in a NUL), a refusal is -EBADMSG or
 * -EPROTONOSUPPORT, and an accepted input fills @info (@info_len bytes)
 * the same way each time. Returns the verdict: on 0 the caller checks
 * @info.
 */
static inline int fuzz_parse_file(fuzz_parse_fn parse, const void *data,
				  size_t size, void *info, size_t info_len,
				  size_t small_len)
{
	char err[256], small[16];
	void *again = malloc(info_len);
	int ret;

	FUZZ_ASSERT(again && small_len <= sizeof(small));
	memset(info, 0xa5, info_len);
	ret = parse(data, size, info, err, sizeof(err));
	FUZZ_SAY("%d %s\n", ret, err);
	fuzz_check_err(err, sizeof(err), ret);
	FUZZ_ASSERT(parse(data, size, again, NULL, 0) == ret);
	FUZZ_ASSERT(parse(data, size, again, small, small_len) == ret);
	FUZZ_ASSERT(memchr(small, '\0', small_len) != NULL);
	if (ret)
		FUZZ_ASSERT(ret == -EBADMSG || ret == -EPROTONOSUPPORT);
	else
		FUZZ_ASSERT(!memcmp(info, again, info_len));
	free(again);
	return ret;
}

/* A NUL-terminated copy of @data (the text parsers take C strings). */
static inline char *fuzz_strdup(const unsigned char *data, size_t size)
{
	char *s = malloc(size + 1);

	FUZZ_ASSERT(s);
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
