// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Options of the key verbs: a key to make and its ACL ("key generate",
 * "key import"), and a key to name (the others). Like args.c, the
 * parsers only fill structs and words in @err, so the unit tests run
 * them. What the module would refuse anyway (an ACL against its rules)
 * is refused here first, in the options' own words.
 */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "keys.h"

enum {
	OPT_APP = 600,
	OPT_IDENT,
	OPT_TYPE,
	OPT_BITS,
	OPT_LEN,
	OPT_PROTECT,
	OPT_TOKEN,
	OPT_OPS,
	OPT_MECHS,
	OPT_CALLER_IV,
	OPT_WRAPPABLE,
	OPT_USAGE_LIMIT,
	OPT_NOT_BEFORE,
	OPT_NOT_AFTER,
	OPT_UID,
	OPT_GID,
	OPT_WRAP_HASH,
	OPT_KEY_NO_RECOVERY,
	OPT_FORCE,
	OPT_FROM,
	OPT_PUBLIC,
};

static const struct option make_options[] = {
	{ "app", required_argument, NULL, OPT_APP },
	{ "ident", required_argument, NULL, OPT_IDENT },
	{ "type", required_argument, NULL, OPT_TYPE },
	{ "bits", required_argument, NULL, OPT_BITS },
	{ "len", required_argument, NULL, OPT_LEN },
	{ "protect", required_argument, NULL, OPT_PROTECT },
	{ "token", required_argument, NULL, OPT_TOKEN },
	{ "ops", required_argument, NULL, OPT_OPS },
	{ "mechs", required_argument, NULL, OPT_MECHS },
	{ "caller-iv", no_argument, NULL, OPT_CALLER_IV },
	{ "wrappable", no_argument, NULL, OPT_WRAPPABLE },
	{ "usage-limit", required_argument, NULL, OPT_USAGE_LIMIT },
	{ "not-before", required_argument, NULL, OPT_NOT_BEFORE },
	{ "not-after", required_argument, NULL, OPT_NOT_AFTER },
	{ "uid", required_argument, NULL, OPT_UID },
	{ "gid", required_argument, NULL, OPT_GID },
	{ "wrap-only-hash", required_argument, NULL, OPT_WRAP_HASH },
	{ "no-recovery", no_argument, NULL, OPT_KEY_NO_RECOVERY },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "public", no_argument, NULL, OPT_PUBLIC },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int bad(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Seconds since the epoch, "@SECONDS", or a UTC date ("2026-01-31") or
 * date and time ("2026-01-31T12:00:00Z", the Z optional). */
int parse_time(const char *s, uint64_t *t)
{
	struct tm tm;
	const char *end;
	uint32_t v;
	time_t tt;

	if (*s == '@')
		s++;
	if (!parse_u32(s, 1, UINT32_MAX, &v)) {
		*t = v;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end && *end == 'Z')
		end++;
	if (!end) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%d", &tm);
	}
	if (!end || *end || tm.tm_year < 70)
		return -EINVAL;
	tt = timegm(&tm);
	if (tt <= 0)
		return -EINVAL;
	*t = (uint64_t)tt;
	return 0;
}

int parse_uid(const char *s, uint32_t *uid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (!parse_u32(s, 0, UINT32_MAX - 1, uid))
		return 0;
	if (getpwnam_r(s, &pw, buf, sizeof(buf), &res) || !res)
		return -EINVAL;
	*uid = res->pw_uid;
	return 0;
}

int parse_gid(const char *s, uint32_t *gid)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (!parse_u32(s, 0, UINT32_MAX - 1, gid))
		return 0;
	if (getgrnam_r(s, &gr, buf, sizeof(buf), &res) || !res)
		return -EINVAL;
	*gid = res->gr_gid;
	return 0;
}

/* Exactly 2 * @len hex digits. */
int parse_hex(const char *s, uint8_t *out, size_t len)
{
	size_t i;
	unsigned int b;

	if (strlen(s) != 2 * len ||
	    strspn(s, "0123456789abcdefABCDEF") != 2 * len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		sscanf(s + 2 * i, "%2x", &b);
		out[i] = (uint8_t)b;
	}
	return 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
	unsigned long long x = 0;
	const char *p;

	if (!*s || strlen(s) > 19)
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		x = x * 10 + (unsigned long long)(*p - '0');
	}
	*v = x;
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

bool key_app_valid(const char *app)
{
	return khsm_key_name_valid(app, KHSM_APP_MAX) && !strchr(app, '_');
}

/* module | softcard:NAME | cardset:NAME */
static int parse_protect(const char *s, struct key_args *a, char *err,
			 size_t errlen)
{
	const char *colon = strchr(s, ':');

	if (!strcmp(s, "module")) {
		a->protection = KHSM_PROTECT_MODULE;
		return 0;
	}
	if (colon && !strncmp(s, "softcard:", 9))
		a->protection = KHSM_PROTECT_SOFTCARD;
	else if (colon && !strncmp(s, "cardset:", 8))
		a->protection = KHSM_PROTECT_OCS;
	else
		return bad(err, errlen,
			   "--protect %s: module, softcard:NAME or cardset:NAME",
			   s);
	if (!khsm_cardset_name_valid(colon + 1))
		return bad(err, errlen, "--protect %s: '%s' is not a set name",
			   s, colon + 1);
	a->set_name = colon + 1;
	return 0;
}

static int parse_len(int opt, const char *s, struct key_args *a, char *err,
		     size_t errlen)
{
	uint32_t v;

	if (a->len)
		return bad(err, errlen, "--bits and --len give one length, once");
	if (opt == OPT_BITS) {
		if (parse_u32(s, 8, KHSM_SECRET_MAX * 8, &v) || v % 8)
			return bad(err, errlen,
				   "--bits %s: a multiple of 8, up to %d", s,
				   KHSM_SECRET_MAX * 8);
		a->len = v / 8;
		return 0;
	}
	if (parse_u32(s, 1, KHSM_SECRET_MAX, &a->len))
		return bad(err, errlen, "--len %s: 1 to %d bytes", s,
			   KHSM_SECRET_MAX);
	return 0;
}

static int parse_list(const char *opt, const char *s, uint32_t *mask,
		      int (*parse)(const char *, uint32_t *, char *, size_t),
		      char *err, size_t errlen)
{
	char why[100];

	if (parse(s, mask, why, sizeof(why)))
		return bad(err, errlen, "%s %s: %s", opt, s, why);
	return 0;
}

static int acl_option(int opt, const char *s, struct acl_args *acl,
		      char *err, size_t errlen)
{
	switch (opt) {
	case OPT_OPS:
		return parse_list("--ops", s, &acl->ops, khsm_ops_parse, err,
				  errlen);
	case OPT_MECHS:
		return parse_list("--mechs", s, &acl->mechs, khsm_mechs_parse,
				  err, errlen);
	case OPT_CALLER_IV:
		acl->flags |= KHSM_ACL_F_CALLER_IV;
		return 0;
	case OPT_WRAPPABLE:
		acl->flags |= KHSM_ACL_F_WRAPPABLE;
		return 0;
	case OPT_USAGE_LIMIT:
		if (parse_u64(s, &acl->usage_limit) || !acl->usage_limit)
			return bad(err, errlen,
				   "--usage-limit %s: a number of operations, 1 or more",
				   s);
		return 0;
	case OPT_NOT_BEFORE:
	case OPT_NOT_AFTER:
		if (parse_time(s, opt == OPT_NOT_BEFORE ? &acl->not_before :
			       &acl->not_after))
			return bad(err, errlen,
				   "--not-%s %s: seconds since the epoch, or YYYY-MM-DD[THH:MM:SS[Z]] (UTC)",
				   opt == OPT_NOT_BEFORE ? "before" : "after",
				   s);
		return 0;
	case OPT_UID:
		acl->flags |= KHSM_ACL_F_UID;
		return parse_uid(s, &acl->uid) ?
		       bad(err, errlen, "--uid %s: no such user", s) : 0;
	case OPT_GID:
		acl->flags |= KHSM_ACL_F_GID;
		return parse_gid(s, &acl->gid) ?
		       bad(err, errlen, "--gid %s: no such group", s) : 0;
	case OPT_WRAP_HASH:
		return parse_hex(s, acl->wrap_key_hash, KHSM_KEY_HASH_LEN) ?
		       bad(err, errlen, "--wrap-only-hash: %d hex digits",
			   2 * KHSM_KEY_HASH_LEN) : 0;
	}
	return 1;
}

static int make_option(int opt, const char *s, struct key_args *a,
		       char *err, size_t errlen)
{
	switch (opt) {
	case OPT_APP:
		a->app = s;
		return 0;
	case OPT_IDENT:
		a->ident = s;
		return 0;
	case OPT_TYPE:
		return khsm_key_type_parse(s, &a->type) ?
		       bad(err, errlen,
			   "--type %s: aes, hmac, ec-p256 or ec-p384", s) : 0;
	case OPT_BITS:
	case OPT_LEN:
		return parse_len(opt, s, a, err, errlen);
	case OPT_PROTECT:
		return parse_protect(s, a, err, errlen);
	case OPT_TOKEN:
		return parse_token_id(s, &a->token_id) || !a->token_id ?
		       bad(err, errlen, "--token %s: a token id, 1 to 16 hex digits",
			   s) : 0;
	case OPT_KEY_NO_RECOVERY:
		a->recovery = 0;
		return 0;
	case OPT_FORCE:
		a->force = true;
		return 0;
	case OPT_FROM:
		a->from = s;
		return 0;
	case OPT_PUBLIC:
		a->public_only = true;
		return 0;
	}
	return acl_option(opt, s, &a->acl, err, errlen);
}

/* What every key needs, and what only an import (or a generate) takes. */
static int check_given(const struct key_args *a, bool protect_given,
		       char *err, size_t errlen)
{
	if (!a->app || !a->ident || !a->type || !protect_given ||
	    !a->acl.ops)
		return bad(err, errlen,
			   "--app, --ident, --type, --protect and --ops are needed");
	if (!key_app_valid(a->app))
		return bad(err, errlen,
			   "--app %s: 1 to %d of A-Z a-z 0-9 -", a->app,
			   KHSM_APP_MAX - 1);
	if (!khsm_key_name_valid(a->ident, KHSM_IDENT_MAX))
		return bad(err, errlen,
			   "--ident %s: 1 to %d of A-Z a-z 0-9 - _", a->ident,
			   KHSM_IDENT_MAX - 1);
	if (a->import && !a->from)
		return bad(err, errlen, "--from FILE is needed");
	if (!a->import && (a->from || a->public_only))
		return bad(err, errlen, "--from and --public are for key import");
	if (a->token_id && a->protection == KHSM_PROTECT_MODULE)
		return bad(err, errlen, "--token is for softcard and cardset keys");
	return 0;
}

static bool is_ec(uint32_t type)
{
	return type == KHSM_KEY_EC_P256 || type == KHSM_KEY_EC_P384;
}

/* A length only where the module takes one: generated AES and HMAC. */
static int check_len(const struct key_args *a, char *err, size_t errlen)
{
	if (!a->len)
		return 0;
	if (a->import || is_ec(a->type))
		return bad(err, errlen, "--bits and --len are for generated aes and hmac keys%s",
			   a->import ? " (an import's length is its file's)" : "");
	if (a->type == KHSM_KEY_AES && a->len != 16 && a->len != 24 &&
	    a->len != 32)
		return bad(err, errlen, "an aes key has 128, 192 or 256 bits");
	if (a->type == KHSM_KEY_HMAC && a->len < 16)
		return bad(err, errlen, "an hmac key has 16 to %d bytes",
			   KHSM_HMAC_KEY_MAX);
	return 0;
}

#define OP(op)		(1U << (op))
#define WRAP_OPS	(OP(KHSM_OP_WRAP) | OP(KHSM_OP_UNWRAP))
#define PUBLIC_OPS	(OP(KHSM_OP_VERIFY) | OP(KHSM_OP_EXPORT_PUBLIC))

/* Each operation done by some mechanism of the key (export needs none). */
static int check_ops(const struct key_args *a, uint32_t mechs, char *err,
		     size_t errlen)
{
	uint32_t op;

	for (op = 0; op < KHSM_OP__COUNT; op++) {
		if (!(a->acl.ops & OP(op)))
			continue;
		if (op == KHSM_OP_EXPORT_PUBLIC ? is_ec(a->type) :
		    khsm_key_mechs(a->type, OP(op)) & mechs)
			continue;
		if (mechs == KHSM_MECH__ALL)
			return bad(err, errlen, "--ops: %s is not for %s keys",
				   khsm_op_name(op), khsm_key_type_name(a->type));
		return bad(err, errlen, "--ops: no mechanism of --mechs does %s",
			   khsm_op_name(op));
	}
	return 0;
}

/* The module's rules on ACLs, and what only makes sense with an op. */
static int check_acl(const struct key_args *a, char *err, size_t errlen)
{
	const struct acl_args *acl = &a->acl;
	uint32_t fit = khsm_key_mechs(a->type, KHSM_OP__ALL);

	if ((acl->ops & WRAP_OPS) && (acl->ops & ~WRAP_OPS))
		return bad(err, errlen, "a wrap or unwrap key may do nothing else");
	if (a->public_only && !is_ec(a->type))
		return bad(err, errlen, "--public is for ec-p256 and ec-p384 keys");
	if (a->public_only && (acl->ops & ~PUBLIC_OPS))
		return bad(err, errlen,
			   "a public key alone may only verify and export-public");
	if (check_ops(a, KHSM_MECH__ALL, err, errlen))
		return -1;
	if (acl->mechs && (acl->mechs & ~fit))
		return bad(err, errlen, "--mechs: not all of them work with a %s key",
			   khsm_key_type_name(a->type));
	if (acl->mechs && check_ops(a, acl->mechs, err, errlen))
		return -1;
	if (!default_mechs(a))
		return bad(err, errlen, "--ops: no mechanism to give the key");
	if ((acl->flags & KHSM_ACL_F_CALLER_IV) &&
	    !(acl->ops & OP(KHSM_OP_ENCRYPT)))
		return bad(err, errlen, "--caller-iv is for encrypt keys");
	if (!all_zero(acl->wrap_key_hash, KHSM_KEY_HASH_LEN) &&
	    !(acl->ops & OP(KHSM_OP_WRAP)))
		return bad(err, errlen, "--wrap-only-hash is for wrap keys");
	if (acl->not_before && acl->not_after &&
	    acl->not_before >= acl->not_after)
		return bad(err, errlen, "--not-before is not before --not-after");
	return 0;
}

uint32_t default_mechs(const struct key_args *a)
{
	return a->acl.mechs ? a->acl.mechs :
	       khsm_key_mechs(a->type, a->acl.ops);
}

void acl_to_abi(const struct acl_args *a, struct khsm_acl *acl)
{
	memset(acl, 0, sizeof(*acl));
	acl->ops = htole32(a->ops);
	acl->mechs = htole32(a->mechs);
	acl->flags = htole32(a->flags);
	acl->uid = htole32(a->uid);
	acl->gid = htole32(a->gid);
	acl->usage_limit = htole64(a->usage_limit);
	acl->not_before = htole64(a->not_before);
	acl->not_after = htole64(a->not_after);
	memcpy(acl->wrap_key_hash, a->wrap_key_hash, KHSM_KEY_HASH_LEN);
}

/* "key generate" and "key import": no positional arguments. */
enum parsed parse_key_args(int argc, char *argv[], bool import,
			   struct key_args *a, char *err, size_t errlen)
{
	bool protect_given = false;
	char culprit[64];
	int opt;

	memset(a, 0, sizeof(*a));
	a->import = import;
	a->recovery = KHSM_KEY_RECOVERY_DEFAULT;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", make_options, NULL)) != -1) {
		if (opt == 'h')
			return PARSED_HELP;
		if (opt == '?') {
			bad(err, errlen, "unrecognised option or missing value: %s",
			    getopt_culprit(argv, culprit, sizeof(culprit)));
			return PARSED_BAD;
		}
		protect_given |= opt == OPT_PROTECT;
		if (make_option(opt, optarg, a, err, errlen))
			return PARSED_BAD;
	}
	if (optind < argc) {
		bad(err, errlen, "unexpected argument '%s'", argv[optind]);
		return PARSED_BAD;
	}
	if (check_given(a, protect_given, err, errlen) ||
	    check_len(a, err, errlen) || check_acl(a, err, errlen))
		return PARSED_BAD;
	return PARSED_RUN;
}

static int ref_option(int opt, const char *s, struct key_ref_args *r,
		      char *err, size_t errlen)
{
	switch (opt) {
	case OPT_KEY_IN:
		r->in = s;
		break;
	case OPT_KEY_OUT:
		r->out = s;
		break;
	case OPT_KEY_SIG:
		r->sig = s;
		break;
	case OPT_KEY_TOKEN:
		if (parse_token_id(s, &r->token_id) || !r->token_id)
			return bad(err, errlen,
				   "--token %s: a token id, 1 to 16 hex digits", s);
		break;
	case OPT_KEY_PEM:
		r->pem = true;
		break;
	case OPT_KEY_DER:
		r->der = true;
		break;
	case OPT_JSON:
		r->json = true;
		break;
	case OPT_KEY_APP:
		if (!key_app_valid(s))
			return bad(err, errlen, "--app %s: not an application name", s);
		r->app = s;
		break;
	case OPT_KEY_YES:
		r->yes = true;
		break;
	default:
		return -1;
	}
	return 0;
}

/*
 * The other verbs: APP ID when @named (else none), and the options of
 * @longopts among --in, --out, --sig, --token, --pem, --der, --json,
 * --app, --yes.
 */
enum parsed parse_key_ref_args(int argc, char *argv[],
			       const struct option *longopts, bool named,
			       struct key_ref_args *r, char *err,
			       size_t errlen)
{
	char culprit[64];
	int opt;

	memset(r, 0, sizeof(*r));
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h')
			return PARSED_HELP;
		if (opt == '?') {
			bad(err, errlen, "unrecognised option or missing value: %s",
			    getopt_culprit(argv, culprit, sizeof(culprit)));
			return PARSED_BAD;
		}
		if (ref_option(opt, optarg, r, err, errlen))
			return PARSED_BAD;
	}
	if (r->pem && r->der) {
		bad(err, errlen, "--pem and --der exclude each other");
		return PARSED_BAD;
	}
	if (!named) {
		if (optind == argc)
			return PARSED_RUN;
		bad(err, errlen, "unexpected argument '%s'", argv[optind]);
		return PARSED_BAD;
	}
	if (argc - optind < 2) {
		bad(err, errlen, "APP and ID are needed");
		return PARSED_BAD;
	}
	if (argc - optind > 2) {
		bad(err, errlen, "unexpected argument '%s'", argv[optind + 2]);
		return PARSED_BAD;
	}
	r->app = argv[optind];
	r->ident = argv[optind + 1];
	if (!key_app_valid(r->app) ||
	    !khsm_key_name_valid(r->ident, KHSM_IDENT_MAX)) {
		bad(err, errlen, "'%s %s' does not name a key", r->app, r->ident);
		return PARSED_BAD;
	}
	return PARSED_RUN;
}
