// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Just enough JSON output for khsmctl: strings, keys, hex blobs, numbers
 * that may be unknown (null) and booleans.
 */
#include <stddef.h>

#include "json.h"

/*
 * Length of the well-formed UTF-8 sequence at @s (RFC 3629, table 3-7 of
 * Unicode), or 0. The second byte's range rules out overlong forms,
 * surrogates and code points above U+10FFFF. Stops at the first byte that
 * does not fit, so it never reads past the terminating NUL.
 */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;

	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static void put_ascii(FILE *f, unsigned char c)
{
	switch (c) {
	case '"':
		fputs("\\\"", f);
		break;
	case '\\':
		fputs("\\\\", f);
		break;
	case '\b':
		fputs("\\b", f);
		break;
	case '\f':
		fputs("\\f", f);
		break;
	case '\n':
		fputs("\\n", f);
		break;
	case '\r':
		fputs("\\r", f);
		break;
	case '\t':
		fputs("\\t", f);
		break;
	default:
		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

/*
 * Print @s as a JSON string, or null if @s is NULL. The strings come from
 * the kernel: bytes that are not UTF-8 become U+FFFD rather than making the
 * whole document invalid.
 */
void json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (!p) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	while (*p) {
		if (*p < 0x80) {
			put_ascii(f, *p++);
			continue;
		}
		n = utf8_len(p);
		if (n) {
			fwrite(p, 1, n, f);
			p += n;
		} else {
			fputs("\\ufffd", f);
			p++;
		}
	}
	fputc('"', f);
}

/* ", \"key\": " after the first member of an object, "\"key\": " before. */
void json_key(FILE *f, bool *first, const char *key)
{
	if (!*first)
		fputs(", ", f);
	*first = false;
	json_string(f, key);
	fputs(": ", f);
}

/* Bytes as a lowercase hex string. */
void json_hex(FILE *f, const uint8_t *p, size_t len)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < len; i++)
		fprintf(f, "%02x", p[i]);
	fputc('"', f);
}

/* A number, or null when the module did not say. */
void json_uint(FILE *f, bool present, unsigned long long v)
{
	if (present)
		fprintf(f, "%llu", v);
	else
		fputs("null", f);
}

void json_bool(FILE *f, bool v)
{
	fputs(v ? "true" : "false", f);
}
