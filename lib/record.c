// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Card set records: the kmdata file that says what an operator card set
 * or softcard is (its ids, quorum, terms and card names), for the tools
 * and for programs that look for its token. Nothing in it is secret, and
 * the module trusts none of it: the cards carry what it checks.
 *
 * "key = value" lines. Names and holders are taken as they are after the
 * "=" and one space, so that any name the ceremony accepted reads back the
 * same; everything else is trimmed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

enum rkey {
	R_FORMAT, R_NAME, R_TYPE, R_SET_ID, R_WORLD_ID, R_QUORUM,
	R_PERSISTENT, R_TIMEOUT, R_RECOVERY, R_PP_RECOVERY, R_CREATED,
	R__COUNT
};

static const char *const rkeys[R__COUNT] = {
	[R_FORMAT] = "format", [R_NAME] = "name", [R_TYPE] = "type",
	[R_SET_ID] = "set-id", [R_WORLD_ID] = "world-id",
	[R_QUORUM] = "quorum", [R_PERSISTENT] = "persistent",
	[R_TIMEOUT] = "timeout", [R_RECOVERY] = "recovery",
	[R_PP_RECOVERY] = "passphrase-recovery", [R_CREATED] = "created",
};

KHSM_API bool khsm_cardset_name_valid(const char *name)
{
	size_t i, n;

	if (!name)
		return false;
	n = strnlen(name, KHSM_NAME_MAX);
	if (!n || n == KHSM_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", name[i]))
			return false;
	return true;
}

/* 1 to @size - 1 bytes, none of them a control character. */
static bool text_ok(const char *s, size_t size)
{
	size_t i, n = strnlen(s, size);

	if (n == size)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static bool record_ok(const struct khsm_cardset_record *r)
{
	unsigned int i;

	if (!khsm_cardset_name_valid(r->name) ||
	    (r->type != KHSM_SET_OCS && r->type != KHSM_SET_SOFTCARD) ||
	    !r->k || r->k > r->n || r->n > KHSM_MAX_CARDS)
		return false;
	for (i = 0; i < KHSM_MAX_CARDS; i++)
		if (!text_ok(r->card_names[i], KHSM_NAME_MAX) ||
		    !text_ok(r->holders[i], KHSM_HOLDER_MAX) ||
		    (i >= r->n && (r->card_names[i][0] || r->holders[i][0])))
			return false;
	return true;
}

static void format_hex(FILE *f, const char *key, const uint8_t *p, size_t n)
{
	size_t i;

	fprintf(f, "%s = ", key);
	for (i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
	fputc('\n', f);
}

KHSM_API int khsm_cardset_record_format(const struct khsm_cardset_record *r,
					FILE *f)
{
	unsigned int i;

	if (!r || !f || !record_ok(r))
		return -EINVAL;
	fprintf(f, "# khsm card set record (khsmctl(8), FILES); nothing secret\n"
		"format = %d\nname = %s\ntype = %s\n", KHSM_CARDSET_RECORD_FORMAT,
		r->name, r->type == KHSM_SET_OCS ? "ocs" : "softcard");
	format_hex(f, "set-id", r->set_id, sizeof(r->set_id));
	format_hex(f, "world-id", r->world_id, sizeof(r->world_id));
	fprintf(f, "quorum = %u/%u\npersistent = %s\ntimeout = %" PRIu32 "\n"
		"recovery = %s\npassphrase-recovery = %s\ncreated = %" PRIu64 "\n",
		r->k, r->n, r->persistent ? "yes" : "no", r->timeout,
		r->recovery ? "on" : "off", r->pp_recovery ? "on" : "off",
		r->created);
	for (i = 0; i < r->n; i++) {
		if (r->card_names[i][0])
			fprintf(f, "card.%u = %s\n", i + 1, r->card_names[i]);
		if (r->holders[i][0])
			fprintf(f, "holder.%u = %s\n", i + 1, r->holders[i]);
	}
	return ferror(f) ? -EIO : 0;
}

/* A piece of the text: not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

struct parse_ctx {
	struct khsm_cardset_record *r;
	unsigned int line;
	unsigned int seen[R__COUNT];	/* the line of each key, 0 if none */
	uint64_t cards, holders;	/* card.I and holder.I seen: 1 << (I - 1) */
	char *err;
	size_t errlen;
};

static struct span trim(struct span s)
{
	while (s.n && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.n--;
	}
	while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
		s.n--;
	return s;
}

static bool span_is(struct span s, const char *word)
{
	return s.n == strlen(word) && !memcmp(s.p, word, s.n);
}

#define QUOTE(s) (int)((s).n > 64 ? 64 : (s).n), (s).p

static int bad(const struct parse_ctx *c, const char *key, const char *want,
	       struct span v)
{
	khsm_seterr(c->err, c->errlen, "line %u: %s wants %s, not '%.*s'",
		    c->line, key, want, QUOTE(v));
	return -EINVAL;
}

/* Plain decimal up to @max: no sign, no base prefix, no overflow. */
static int parse_dec(struct span s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!s.n || s.n > 20)
		return -EINVAL;
	for (i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9' ||
		    v > (max - (uint64_t)(s.p[i] - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(s.p[i] - '0');
	}
	*out = v;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_hex(struct span s, uint8_t *out, size_t n)
{
	int hi, lo;
	size_t i;

	if (s.n != 2 * n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		hi = hex_digit(s.p[2 * i]);
		lo = hex_digit(s.p[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int parse_word(const struct parse_ctx *c, const char *key,
		      struct span v, const char *w0, const char *w1,
		      uint8_t *out)
{
	char want[32];

	if (span_is(v, w0) || span_is(v, w1)) {
		*out = span_is(v, w1);
		return 0;
	}
	snprintf(want, sizeof(want), "%s or %s", w0, w1);
	return bad(c, key, want, v);
}

static int parse_quorum(const struct parse_ctx *c, struct span v)
{
	const char *slash = memchr(v.p, '/', v.n);
	uint64_t k, n;

	if (!slash ||
	    parse_dec(trim((struct span){ v.p, (size_t)(slash - v.p) }),
		      KHSM_MAX_CARDS, &k) ||
	    parse_dec(trim((struct span){ slash + 1,
					  v.n - (size_t)(slash + 1 - v.p) }),
		      KHSM_MAX_CARDS, &n) ||
	    !k || k > n)
		return bad(c, "quorum", "K/N with 1 <= K <= N <= 64", v);
	c->r->k = (uint8_t)k;
	c->r->n = (uint8_t)n;
	return 0;
}

static int parse_number(const struct parse_ctx *c, enum rkey key,
			struct span v)
{
	uint64_t x;

	if (parse_dec(v, key == R_CREATED ? UINT64_MAX : UINT32_MAX, &x))
		return bad(c, rkeys[key], "a decimal number", v);
	if (key == R_CREATED)
		c->r->created = x;
	else if (key == R_TIMEOUT)
		c->r->timeout = (uint32_t)x;
	else if (x != KHSM_CARDSET_RECORD_FORMAT) {
		khsm_seterr(c->err, c->errlen,
			    "line %u: record format %llu is not supported (this library reads %d)",
			    c->line, (unsigned long long)x,
			    KHSM_CARDSET_RECORD_FORMAT);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

static int parse_fixed(const struct parse_ctx *c, enum rkey key,
		       struct span v)
{
	struct khsm_cardset_record *r = c->r;
	uint8_t ocs = 0;
	int ret;

	switch (key) {
	case R_NAME:
		if (v.n >= sizeof(r->name))
			return bad(c, "name", "a set name", v);
		memcpy(r->name, v.p, v.n);
		return khsm_cardset_name_valid(r->name) ? 0 :
		       bad(c, "name", "a set name", v);
	case R_TYPE:
		ret = parse_word(c, "type", v, "softcard", "ocs", &ocs);
		r->type = ocs ? KHSM_SET_OCS : KHSM_SET_SOFTCARD;
		return ret;
	case R_SET_ID:
		return parse_hex(v, r->set_id, sizeof(r->set_id)) ?
		       bad(c, "set-id", "32 hex digits", v) : 0;
	case R_WORLD_ID:
		return parse_hex(v, r->world_id, sizeof(r->world_id)) ?
		       bad(c, "world-id", "32 hex digits", v) : 0;
	case R_QUORUM:
		return parse_quorum(c, v);
	case R_PERSISTENT:
		return parse_word(c, "persistent", v, "no", "yes",
				  &r->persistent);
	case R_RECOVERY:
		return parse_word(c, "recovery", v, "off", "on", &r->recovery);
	case R_PP_RECOVERY:
		return parse_word(c, "passphrase-recovery", v, "off", "on",
				  &r->pp_recovery);
	default:
		return parse_number(c, key, v);
	}
}

/* "card.I" or "holder.I": the text, as it is, into card I's slot. */
static int parse_card(struct parse_ctx *c, struct span k, struct span raw,
		      bool holder)
{
	size_t size = holder ? KHSM_HOLDER_MAX : KHSM_NAME_MAX;
	uint64_t *seen = holder ? &c->holders : &c->cards;
	char *dst;
	uint64_t i;

	k.p += holder ? 7 : 5;
	k.n -= holder ? 7 : 5;
	if (parse_dec(k, KHSM_MAX_CARDS, &i) || !i)
		return -ENOENT;		/* not ours: "card.x" is unknown */
	if (*seen & (UINT64_C(1) << (i - 1))) {
		khsm_seterr(c->err, c->errlen, "line %u: card %llu's %s given twice",
			    c->line, (unsigned long long)i,
			    holder ? "holder" : "name");
		return -EINVAL;
	}
	*seen |= UINT64_C(1) << (i - 1);
	dst = holder ? c->r->holders[i - 1] : c->r->card_names[i - 1];
	if (!raw.n || raw.n >= size || memchr(raw.p, '\t', raw.n)) {
		khsm_seterr(c->err, c->errlen,
			    "line %u: 1 to %zu bytes without control characters",
			    c->line, size - 1);
		return -EINVAL;
	}
	memcpy(dst, raw.p, raw.n);
	return 0;
}

static int parse_key(struct parse_ctx *c, struct span k, struct span raw)
{
	unsigned int i;
	int ret;

	if (k.n > 5 && !memcmp(k.p, "card.", 5))
		ret = parse_card(c, k, raw, false);
	else if (k.n > 7 && !memcmp(k.p, "holder.", 7))
		ret = parse_card(c, k, raw, true);
	else
		ret = -ENOENT;
	if (ret != -ENOENT)
		return ret;
	for (i = 0; i < R__COUNT; i++)
		if (span_is(k, rkeys[i]))
			break;
	if (i == R__COUNT)
		return 0;		/* a newer writer's: skipped */
	if (c->seen[i]) {
		khsm_seterr(c->err, c->errlen, "line %u: %s already set on line %u",
			    c->line, rkeys[i], c->seen[i]);
		return -EINVAL;
	}
	c->seen[i] = c->line;
	return parse_fixed(c, (enum rkey)i, trim(raw));
}

static int parse_line(struct parse_ctx *c, struct span s)
{
	struct span t = trim(s), k, raw;
	const char *eq;
	size_t i;

	if (!t.n || t.p[0] == '#')
		return 0;
	for (i = 0; i < s.n; i++) {
		if (((unsigned char)s.p[i] < 0x20 && s.p[i] != '\t') ||
		    s.p[i] == 0x7f) {
			khsm_seterr(c->err, c->errlen,
				    "line %u: control character", c->line);
			return -EINVAL;
		}
	}
	eq = memchr(t.p, '=', t.n);
	k = trim((struct span){ t.p, eq ? (size_t)(eq - t.p) : t.n });
	if (!eq || !k.n) {
		khsm_seterr(c->err, c->errlen, "line %u: expected 'key = value'",
			    c->line);
		return -EINVAL;
	}
	raw.p = eq + 1;
	raw.n = s.n - (size_t)(raw.p - s.p);
	if (raw.n && raw.p[0] == ' ') {
		raw.p++;
		raw.n--;
	}
	return parse_key(c, k, raw);
}

/* Every fixed key given, and no card past N; a softcard is 1 of 1. */
static int parse_finish(const struct parse_ctx *c)
{
	unsigned int i;

	for (i = 0; i < R__COUNT; i++) {
		if (!c->seen[i]) {
			khsm_seterr(c->err, c->errlen, "no %s", rkeys[i]);
			return -EINVAL;
		}
	}
	if (c->r->n < 64 && ((c->cards | c->holders) >> c->r->n)) {
		khsm_seterr(c->err, c->errlen, "a card beyond the set's %u",
			    c->r->n);
		return -EINVAL;
	}
	if (c->r->type == KHSM_SET_SOFTCARD && c->r->n != 1) {
		khsm_seterr(c->err, c->errlen, "a softcard is 1 of 1 cards");
		return -EINVAL;
	}
	return 0;
}

KHSM_API int khsm_cardset_record_parse(const char *text,
				       struct khsm_cardset_record *r,
				       char *err, size_t errlen)
{
	struct parse_ctx c = { .r = r, .err = err, .errlen = errlen };
	const char *p, *nl;
	int ret;

	if (!text || !r)
		return -EINVAL;
	khsm_seterr(err, errlen, "%s", "");
	memset(r, 0, sizeof(*r));
	for (p = text; *p; p = nl + 1) {
		nl = strchrnul(p, '\n');
		c.line++;
		ret = parse_line(&c, (struct span){ p, (size_t)(nl - p) });
		if (ret)
			goto fail;
		if (!*nl)
			break;
	}
	ret = parse_finish(&c);
	if (!ret)
		return 0;
fail:
	memset(r, 0, sizeof(*r));
	return ret;
}
