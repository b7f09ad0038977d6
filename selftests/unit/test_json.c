// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * json_string() from utils/json.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include "json.h"
#include "unit.h"

/* json_string(@in) as a heap string; "(oom)" if the stream failed. */
static char *json(const char *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	json_string(f, in);
	fclose(f);
	return buf;
}

#define CHECK_JSON(in, want) do {				\
	char *got_ = json(in);					\
	CHECK_STR(got_, want);					\
	free(got_);						\
} while (0)

static void plain(void)
{
	CHECK_JSON("passed", "\"passed\"");
	CHECK_JSON("", "\"\"");
	CHECK_JSON(NULL, "null");
}

static void quotes_and_backslashes(void)
{
	CHECK_JSON("say \"hi\"", "\"say \\\"hi\\\"\"");
	CHECK_JSON("C:\\khsm", "\"C:\\\\khsm\"");
	CHECK_JSON("a/b", "\"a/b\"");
}

static void control_characters(void)
{
	CHECK_JSON("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	CHECK_JSON("\x01\x1f", "\"\\u0001\\u001f\"");
	CHECK_JSON("\x7f", "\"\\u007f\"");
}

static void utf8_passes_through(void)
{
	CHECK_JSON("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	CHECK_JSON("\xe2\x82\xac", "\"\xe2\x82\xac\"");
	CHECK_JSON("\xf0\x9f\x94\x91", "\"\xf0\x9f\x94\x91\"");
	CHECK_JSON("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");
}

static void invalid_utf8_replaced(void)
{
	CHECK_JSON("\x80", "\"\\ufffd\"");
	CHECK_JSON("\xc0\xaf", "\"\\ufffd\\ufffd\"");		/* overlong */
	CHECK_JSON("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");	/* overlong */
	CHECK_JSON("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");	/* surrogate */
	CHECK_JSON("\xf4\x90\x80\x80",
		   "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");	/* > U+10FFFF */
	CHECK_JSON("\xf5", "\"\\ufffd\"");
	CHECK_JSON("x\xe2\x82", "\"x\\ufffd\\ufffd\"");		/* cut short */
	CHECK_JSON("\xc3(", "\"\\ufffd(\"");
}

static const struct unit_test tests[] = {
	{ "plain strings and null", plain },
	{ "quotes and backslashes", quotes_and_backslashes },
	{ "control characters", control_characters },
	{ "UTF-8 passes through", utf8_passes_through },
	{ "invalid UTF-8 replaced", invalid_utf8_replaced },
};

UNIT_SUITE(json, tests);
