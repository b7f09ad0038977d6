// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Policy text: "key = value" lines onto struct khsm_world_options, and
 * back. The text is an administrator's file, so every refusal names its
 * line; nothing is applied unless the whole text parses.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

enum kind {
	V_NUM,		/* decimal */
	V_BOOL,		/* on | off */
	V_SHORT,	/* warn | refuse (passphrase.short) */
	V_PAIR,		/* two numbers around @sep */
	V_SET,		/* comma-separated names of @names, or "all" */
	V_GROUP,	/* a group name or gid, or "none" */
	V_ALLOW,	/* yes | no, for an attribute that refuses: "no" sets it */
};

static const struct policy_key {
	const char *key;
	enum kind kind;
	unsigned int attr;
	unsigned int attr2;	/* V_PAIR: the second number */
	const char *sep;	/* V_PAIR */
	const char *syntax;	/* V_PAIR, for messages */
	const char *const *names;	/* V_SET */
	unsigned int nnames;		/* V_SET */
} keys[] = {
	{ "acs.quorum", V_PAIR, KHSM_A_OPT_ACS_K, KHSM_A_OPT_ACS_N, "/", "K/N", NULL, 0 },
	{ "load-world.quorum", V_NUM, KHSM_A_OPT_LOAD_QUORUM, 0, NULL, NULL, NULL, 0 },
	{ "key-recovery", V_BOOL, KHSM_A_OPT_KEY_RECOVERY, 0, NULL, NULL, NULL, 0 },
	{ "key-recovery.quorum", V_NUM, KHSM_A_OPT_KR_QUORUM, 0, NULL, NULL, NULL, 0 },
	{ "passphrase-recovery", V_BOOL, KHSM_A_OPT_PP_RECOVERY, 0, NULL, NULL, NULL, 0 },
	{ "passphrase-recovery.quorum", V_NUM, KHSM_A_OPT_PR_QUORUM, 0, NULL,
	  NULL, NULL, 0 },
	{ "nso-timeout", V_NUM, KHSM_A_OPT_NSO_TIMEOUT, 0, NULL, NULL, NULL, 0 },
	{ "passphrase.min-length", V_NUM, KHSM_A_OPT_PP_MIN_LEN, 0, NULL, NULL, NULL, 0 },
	{ "passphrase.short", V_SHORT, KHSM_A_OPT_PP_SHORT_REFUSE, 0, NULL,
	  NULL, NULL, 0 },
	{ "retry.delay", V_PAIR, KHSM_A_OPT_RETRY_BASE_MS,
	  KHSM_A_OPT_RETRY_MAX_MS, "..", "BASE_MS..MAX_MS", NULL, 0 },
	{ "retry.lockout", V_NUM, KHSM_A_OPT_LOCKOUT, 0, NULL, NULL, NULL, 0 },
	{ "audit.forced", V_BOOL, KHSM_A_OPT_FORCED_AUDIT, 0, NULL, NULL, NULL, 0 },
	{ "pbkdf2.iterations", V_NUM, KHSM_A_OPT_PBKDF2_ITER, 0, NULL, NULL, NULL, 0 },
	{ "strict", V_BOOL, KHSM_A_OPT_STRICT, 0, NULL, NULL, NULL, 0 },
	{ "protections", V_SET, KHSM_A_OPT_PROTECTIONS, 0, NULL, NULL,
	  khsm_protection_names, KHSM_PROTECT__COUNT },
	{ "mechanisms", V_SET, KHSM_A_OPT_MECHANISMS, 0, NULL, NULL,
	  khsm_mech_names, KHSM_MECH__COUNT },
	{ "groups.operator", V_GROUP, KHSM_A_OPT_OPERATOR_GID, 0, NULL, NULL, NULL, 0 },
	{ "groups.user", V_GROUP, KHSM_A_OPT_USER_GID, 0, NULL, NULL, NULL, 0 },
	{ "import", V_ALLOW, KHSM_A_OPT_NO_IMPORT, 0, NULL, NULL, NULL, 0 },
	{ "audit.checkpoint", V_NUM, KHSM_A_OPT_AUDIT_CHECKPOINT, 0, NULL, NULL, NULL, 0 },
	{ "audit.per-operation", V_BOOL, KHSM_A_OPT_AUDIT_PER_OP, 0, NULL, NULL,
	  NULL, 0 },
};

/* A piece of the text: not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

/* What one line is being parsed against; for the messages. */
struct line_ctx {
	unsigned int line;
	const struct policy_key *key;
	char *err;
	size_t errlen;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static struct span trim(struct span s)
{
	while (s.n && is_blank(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n && is_blank(s.p[s.n - 1]))
		s.n--;
	return s;
}

static bool span_is(struct span s, const char *word)
{
	return s.n == strlen(word) && !memcmp(s.p, word, s.n);
}

/* Messages quote at most this much of the text. */
#define QUOTE(s) (int)((s).n > 64 ? 64 : (s).n), (s).p

static int bad_value(const struct line_ctx *c, const char *want, struct span v)
{
	khsm_seterr(c->err, c->errlen, "line %u: %s wants %s, not '%.*s'",
		    c->line, c->key->key, want, QUOTE(v));
	return -EINVAL;
}

/* Plain decimal, nothing else: no sign, no base prefix, no overflow. */
static int parse_num(struct span s, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!s.n || s.n > 10)
		return -EINVAL;
	for (i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s.p[i] - '0');
	}
	if (v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int apply(const struct line_ctx *c, struct khsm_world_options *o,
		 unsigned int attr, uint32_t v)
{
	uint32_t min = 0, max = 0;

	if (!khsm_world_options_set(o, attr, v))
		return 0;
	khsm_world_options_range(attr, &min, &max);
	khsm_seterr(c->err, c->errlen, "line %u: %s: %u is out of range %u..%u",
		    c->line, c->key->key, v, min, max);
	return -EINVAL;
}

static int parse_word(const struct line_ctx *c, struct span v,
		      const char *w0, const char *w1, uint32_t *out)
{
	char want[32];

	if (span_is(v, w0)) {
		*out = 0;
		return 0;
	}
	if (span_is(v, w1)) {
		*out = 1;
		return 0;
	}
	snprintf(want, sizeof(want), "%s or %s", w0, w1);
	return bad_value(c, want, v);
}

static int parse_pair(const struct line_ctx *c, struct span v,
		      struct khsm_world_options *o)
{
	const struct policy_key *k = c->key;
	const char *sep = memmem(v.p, v.n, k->sep, strlen(k->sep));
	struct span a, b;
	uint32_t x, y;

	if (!sep)
		return bad_value(c, k->syntax, v);
	a = trim((struct span){ v.p, (size_t)(sep - v.p) });
	b.p = sep + strlen(k->sep);
	b = trim((struct span){ b.p, v.n - (size_t)(b.p - v.p) });
	if (parse_num(a, &x) || parse_num(b, &y))
		return bad_value(c, k->syntax, v);
	if (x > y) {
		khsm_seterr(c->err, c->errlen, "line %u: %s: %u is above %u",
			    c->line, k->key, x, y);
		return -EINVAL;
	}
	return apply(c, o, k->attr2, y) ?: apply(c, o, k->attr, x);
}

static int parse_name(const struct policy_key *k, struct span w,
		      uint32_t *bit)
{
	unsigned int i;

	for (i = 0; i < k->nnames; i++) {
		if (k->names[i] && span_is(w, k->names[i])) {
			*bit = 1U << i;
			return 0;
		}
	}
	return -EINVAL;
}

/* "all", or names separated by commas, each once. */
static int parse_set(const struct line_ctx *c, struct span v, uint32_t *out)
{
	const struct policy_key *k = c->key;
	struct span w;
	const char *comma;
	uint32_t bit;

	*out = 0;
	if (span_is(v, "all")) {
		*out = (1U << k->nnames) - 1;
		return 0;
	}
	while (v.n) {
		comma = memchr(v.p, ',', v.n);
		w = trim((struct span){ v.p, comma ? (size_t)(comma - v.p) : v.n });
		if (parse_name(k, w, &bit) || (*out & bit)) {
			khsm_seterr(c->err, c->errlen,
				    "line %u: %s: unknown or repeated name '%.*s'",
				    c->line, k->key, QUOTE(w));
			return -EINVAL;
		}
		*out |= bit;
		if (!comma)
			break;
		v.n -= (size_t)(comma + 1 - v.p);
		v.p = comma + 1;
	}
	if (!*out)
		return bad_value(c, "names, or all", v);
	return 0;
}

/* A group by name or number, resolved here: the module knows only gids. */
static int parse_group(const struct line_ctx *c, struct span v, uint32_t *out)
{
	char name[256];
	struct group gr, *res = NULL;
	char buf[4096];

	if (span_is(v, "none")) {
		*out = 0;
		return 0;
	}
	if (!parse_num(v, out))
		return *out ? 0 : bad_value(c, "a group other than gid 0", v);
	if (v.n >= sizeof(name))
		return bad_value(c, "a group name", v);
	memcpy(name, v.p, v.n);
	name[v.n] = '\0';
	if (getgrnam_r(name, &gr, buf, sizeof(buf), &res) || !res) {
		khsm_seterr(c->err, c->errlen, "line %u: %s: no group '%s'",
			    c->line, c->key->key, name);
		return -EINVAL;
	}
	*out = (uint32_t)gr.gr_gid;
	return *out ? 0 : bad_value(c, "a group other than gid 0", v);
}

static int parse_value(const struct line_ctx *c, struct span v,
		       struct khsm_world_options *o)
{
	uint32_t x;
	int ret;

	switch (c->key->kind) {
	case V_NUM:
		if (parse_num(v, &x))
			return bad_value(c, "a number", v);
		return apply(c, o, c->key->attr, x);
	case V_BOOL:
		ret = parse_word(c, v, "off", "on", &x);
		break;
	case V_SHORT:
		ret = parse_word(c, v, "warn", "refuse", &x);
		break;
	case V_ALLOW:
		ret = parse_word(c, v, "yes", "no", &x);
		break;
	case V_PAIR:
		return parse_pair(c, v, o);
	case V_SET:
		ret = parse_set(c, v, &x);
		break;
	case V_GROUP:
		ret = parse_group(c, v, &x);
		break;
	default:
		return -EINVAL;
	}
	return ret ?: apply(c, o, c->key->attr, x);
}

static const struct policy_key *find_key(struct span k)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (span_is(k, keys[i].key))
			return &keys[i];
	return NULL;
}

/* Keys and values are printable ASCII; comments may hold anything. */
static int check_bytes(const struct line_ctx *c, struct span s)
{
	size_t i;

	for (i = 0; i < s.n; i++) {
		unsigned char b = (unsigned char)s.p[i];

		if ((b < 0x20 && b != '\t') || b >= 0x7f) {
			khsm_seterr(c->err, c->errlen,
				    "line %u: unexpected byte 0x%02x", c->line, b);
			return -EINVAL;
		}
	}
	return 0;
}

static int parse_line(struct line_ctx *c, struct span s,
		      struct khsm_world_options *o, unsigned int *seen)
{
	const char *hash = memchr(s.p, '#', s.n);
	const char *eq;
	struct span k, v;
	size_t i;

	if (hash)
		s.n = (size_t)(hash - s.p);
	if (s.n && s.p[s.n - 1] == '\r')	/* CRLF text */
		s.n--;
	s = trim(s);
	if (!s.n)
		return 0;
	if (check_bytes(c, s))
		return -EINVAL;
	eq = memchr(s.p, '=', s.n);
	k = trim((struct span){ s.p, eq ? (size_t)(eq - s.p) : s.n });
	if (!eq || !k.n) {
		khsm_seterr(c->err, c->errlen, "line %u: expected 'key = value'",
			    c->line);
		return -EINVAL;
	}
	v = trim((struct span){ eq + 1, s.n - (size_t)(eq + 1 - s.p) });
	c->key = find_key(k);
	if (!c->key) {
		khsm_seterr(c->err, c->errlen, "line %u: unknown key '%.*s'",
			    c->line, QUOTE(k));
		return -EINVAL;
	}
	i = (size_t)(c->key - keys);
	if (seen[i]) {
		khsm_seterr(c->err, c->errlen,
			    "line %u: %s already set on line %u", c->line,
			    c->key->key, seen[i]);
		return -EINVAL;
	}
	seen[i] = c->line;
	return parse_value(c, v, o);
}

KHSM_API int khsm_policy_parse(const char *text, struct khsm_world_options *opts,
			       char *err, size_t errlen)
{
	unsigned int seen[ARRAY_SIZE(keys)] = { 0 };
	struct line_ctx c = { .err = err, .errlen = errlen };
	struct khsm_world_options o;
	const char *p, *nl;
	int ret;

	if (!text || !opts)
		return -EINVAL;
	khsm_seterr(err, errlen, "%s", "");
	o = *opts;
	for (p = text; *p; p = nl + 1) {
		nl = strchrnul(p, '\n');
		c.line++;
		ret = parse_line(&c, (struct span){ p, (size_t)(nl - p) }, &o,
				 seen);
		if (ret)
			return ret;
		if (!*nl)
			break;
	}
	*opts = o;
	return 0;
}

static bool key_is_set(const struct khsm_world_options *o,
		       const struct policy_key *k)
{
	uint64_t bits = KHSM_OPT_BIT(k->attr);

	if (k->kind == V_PAIR)
		bits |= KHSM_OPT_BIT(k->attr2);
	if (!(o->set & bits))
		return false;
	/* The quorum of a disabled feature has no meaning: leave it out. */
	if (k->attr == KHSM_A_OPT_KR_QUORUM)
		return o->key_recovery;
	if (k->attr == KHSM_A_OPT_PR_QUORUM)
		return o->pp_recovery;
	return true;
}

static void format_set(const struct policy_key *k, uint32_t x, FILE *f)
{
	const char *sep = "";
	unsigned int i;

	fprintf(f, "%s = ", k->key);
	if (x == (1U << k->nnames) - 1) {
		fputs("all\n", f);
		return;
	}
	for (i = 0; i < k->nnames; i++) {
		if (x & (1U << i)) {
			fprintf(f, "%s%s", sep, k->names[i]);
			sep = ",";
		}
	}
	fputc('\n', f);
}

/* By name where the group has one here, so the text reads back the same. */
static void format_group(const struct policy_key *k, uint32_t gid, FILE *f)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (!gid)
		fprintf(f, "%s = none\n", k->key);
	else if (!getgrgid_r((gid_t)gid, &gr, buf, sizeof(buf), &res) && res)
		fprintf(f, "%s = %s\n", k->key, gr.gr_name);
	else
		fprintf(f, "%s = %u\n", k->key, gid);
}

static void format_key(const struct khsm_world_options *o,
		       const struct policy_key *k, FILE *f)
{
	uint32_t x = 0, y = 0;

	khsm_world_options_get(o, k->attr, &x);
	switch (k->kind) {
	case V_NUM:
		fprintf(f, "%s = %u\n", k->key, x);
		break;
	case V_BOOL:
		fprintf(f, "%s = %s\n", k->key, x ? "on" : "off");
		break;
	case V_SHORT:
		fprintf(f, "%s = %s\n", k->key, x ? "refuse" : "warn");
		break;
	case V_ALLOW:
		fprintf(f, "%s = %s\n", k->key, x ? "no" : "yes");
		break;
	case V_PAIR:
		khsm_world_options_get(o, k->attr2, &y);
		fprintf(f, "%s = %u%s%u\n", k->key, x, k->sep, y);
		break;
	case V_SET:
		format_set(k, x, f);
		break;
	case V_GROUP:
		format_group(k, x, f);
		break;
	}
}

KHSM_API int khsm_policy_format(const struct khsm_world_options *opts, FILE *f)
{
	size_t i;

	if (!opts || !f)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (key_is_set(opts, &keys[i]))
			format_key(opts, &keys[i], f);
	return ferror(f) ? -EIO : 0;
}
