// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Policy text: every key, every refusal naming its line, nothing applied
 * on error, and khsm_policy_format() output that parses back the same.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "unit.h"

static const char all_keys[] =
	"# a policy with every key\n"
	"acs.quorum = 3/5\n"
	"load-world.quorum = 2\n"
	"key-recovery = on\n"
	"key-recovery.quorum = 2\n"
	"passphrase-recovery = on\n"
	"passphrase-recovery.quorum = 4\n"
	"nso-timeout = 300\n"
	"passphrase.min-length = 12\n"
	"passphrase.short = refuse\n"
	"retry.delay = 500..30000\n"
	"retry.lockout = 10\n"
	"audit.forced = on\n"
	"pbkdf2.iterations = 100000\n"
	"strict = on\n"
	"protections = module,ocs\n"
	"mechanisms = aes-gcm,ecdsa-p256-sha256\n"
	"groups.operator = daemon\n"
	"groups.user = 4321\n"
	"import = no\n"
	"audit.checkpoint = 16\n"
	"audit.per-operation = on\n";

static int parse(const char *text, struct khsm_world_options *o, char *err,
		 size_t errlen)
{
	khsm_world_options_init(o);
	return khsm_policy_parse(text, o, err, errlen);
}

static void every_key(void)
{
	struct khsm_world_options o;
	char err[256];

	CHECK_INT(parse(all_keys, &o, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_INT(o.acs_k, 3);
	CHECK_INT(o.acs_n, 5);
	CHECK_INT(o.load_quorum, 2);
	CHECK_INT(o.key_recovery, 1);
	CHECK_INT(o.kr_quorum, 2);
	CHECK_INT(o.pp_recovery, 1);
	CHECK_INT(o.pr_quorum, 4);
	CHECK_INT(o.nso_timeout, 300);
	CHECK_INT(o.pp_min_len, 12);
	CHECK_INT(o.pp_short_refuse, 1);
	CHECK_INT(o.retry_base_ms, 500);
	CHECK_INT(o.retry_max_ms, 30000);
	CHECK_INT(o.lockout, 10);
	CHECK_INT(o.forced_audit, 1);
	CHECK_INT(o.pbkdf2_iter, 100000);
	CHECK_INT(o.strict, 1);
	CHECK_INT(o.protections, (1 << KHSM_PROTECT_MODULE) | (1 << KHSM_PROTECT_OCS));
	CHECK_INT(o.mechanisms, (1 << KHSM_MECH_AES_GCM) |
			       (1 << KHSM_MECH_ECDSA_P256_SHA256));
	CHECK_INT(o.operator_gid, 1);	/* daemon, on every Debian */
	CHECK_INT(o.user_gid, 4321);
	CHECK_INT(o.no_import, 1);
	CHECK_INT(o.audit_checkpoint, 16);
	CHECK_INT(o.audit_per_op, 1);
	/* Every option of the ABI has a key. */
	CHECK_INT(o.set, KHSM_OPT_BIT(KHSM_A_OPT_MAX + 1) - KHSM_OPT_BIT(1));
	CHECK_INT(khsm_world_options_check(&o, NULL, 0), 0);
}

static void layout(void)
{
	struct khsm_world_options o;

	CHECK_INT(parse("\n   \t\n# only comments\n\n", &o, NULL, 0), 0);
	CHECK_INT(o.set, 0);
	CHECK_INT(parse("nso-timeout=60", &o, NULL, 0), 0);	/* no newline */
	CHECK_INT(o.nso_timeout, 60);
	CHECK_INT(parse("\tnso-timeout   =\t 61  # one more\r\n", &o, NULL, 0), 0);
	CHECK_INT(o.nso_timeout, 61);
	CHECK_INT(parse("acs.quorum = 2 / 3\nretry.delay = 1 .. 2\n", &o, NULL, 0),
		  0);
	CHECK_INT(o.acs_k, 2);
	CHECK_INT(o.retry_max_ms, 2);
	CHECK_INT(parse("passphrase.short = warn\n# é ünïcode in comments\n", &o,
			NULL, 0), 0);
	CHECK_INT(o.set, KHSM_OPT_BIT(KHSM_A_OPT_PP_SHORT_REFUSE));
	CHECK_INT(o.pp_short_refuse, 0);
}

static const struct {
	const char *text;
	const char *err;
} refusals[] = {
	{ "strict = on\nacs.qourum = 3/5\n", "line 2: unknown key 'acs.qourum'" },
	{ "\n\n  nso-timeout\n", "line 3: expected 'key = value'" },
	{ "= 5\n", "line 1: expected 'key = value'" },
	{ "nso-timeout = abc", "line 1: nso-timeout wants a number, not 'abc'" },
	{ "nso-timeout =", "line 1: nso-timeout wants a number, not ''" },
	{ "nso-timeout = -5", "line 1: nso-timeout wants a number, not '-5'" },
	{ "nso-timeout = 0x10", "line 1: nso-timeout wants a number" },
	{ "nso-timeout = 4294967296", "line 1: nso-timeout wants a number" },
	{ "nso-timeout = 0", "line 1: nso-timeout: 0 is out of range 1..86400" },
	{ "nso-timeout = 86401", "line 1: nso-timeout: 86401 is out of range" },
	{ "# c\nstrict = yes", "line 2: strict wants off or on, not 'yes'" },
	{ "key-recovery = 1", "line 1: key-recovery wants off or on" },
	{ "passphrase.short = maybe", "line 1: passphrase.short wants warn or refuse" },
	{ "protections = module,tpm", "line 1: protections: unknown or repeated name 'tpm'" },
	{ "mechanisms = aes-gcm,aes-gcm", "line 1: mechanisms: unknown or repeated name 'aes-gcm'" },
	{ "protections = ", "line 1: protections wants names, or all, not ''" },
	{ "groups.user = no-such-group-here", "line 1: groups.user: no group 'no-such-group-here'" },
	{ "groups.operator = root", "line 1: groups.operator wants a group other than gid 0, not 'root'" },
	{ "acs.quorum = 3", "line 1: acs.quorum wants K/N, not '3'" },
	{ "acs.quorum = 3/", "line 1: acs.quorum wants K/N" },
	{ "acs.quorum = 5/3", "line 1: acs.quorum: 5 is above 3" },
	{ "acs.quorum = 3/65", "line 1: acs.quorum: 65 is out of range 1..64" },
	{ "acs.quorum = 0/3", "line 1: acs.quorum: 0 is out of range 1..64" },
	{ "load-world.quorum = 0", "line 1: load-world.quorum: 0 is out of range 1..64" },
	{ "key-recovery.quorum = 65", "line 1: key-recovery.quorum: 65 is out of range" },
	{ "passphrase-recovery.quorum = x", "line 1: passphrase-recovery.quorum wants a number" },
	{ "passphrase.min-length = 1025", "line 1: passphrase.min-length: 1025 is out of range 0..1024" },
	{ "retry.delay = 1000-2000", "line 1: retry.delay wants BASE_MS..MAX_MS" },
	{ "retry.delay = 2000..1000", "line 1: retry.delay: 2000 is above 1000" },
	{ "retry.delay = 0..1000", "line 1: retry.delay: 0 is out of range 1..3600000" },
	{ "retry.delay = 1..3600001", "line 1: retry.delay: 3600001 is out of range 1..3600000" },
	{ "retry.lockout = many", "line 1: retry.lockout wants a number" },
	{ "audit.forced = true", "line 1: audit.forced wants off or on" },
	{ "pbkdf2.iterations = 999", "line 1: pbkdf2.iterations: 999 is out of range 1000..10000000" },
	{ "strict = on\n\nstrict = off\n", "line 3: strict already set on line 1" },
	{ "nso-timeout = 5\x01", "line 1: unexpected byte 0x01" },
	{ "nso-timeout = 5\rx", "line 1: unexpected byte 0x0d" },
	{ "n\xc3\xa9 = 1", "line 1: unexpected byte 0xc3" },
	{ "Strict = on", "line 1: unknown key 'Strict'" },
	{ "import = off", "line 1: import wants yes or no, not 'off'" },
};

static void every_refusal_names_its_line(void)
{
	struct khsm_world_options o, before;
	char err[256];
	size_t i;

	for (i = 0; i < UNIT_ARRAY_SIZE(refusals); i++) {
		khsm_world_options_init(&o);
		khsm_world_options_set(&o, KHSM_A_OPT_ACS_N, 7);
		before = o;
		memset(err, 0, sizeof(err));
		if (khsm_policy_parse(refusals[i].text, &o, err, sizeof(err)) !=
		    -EINVAL)
			unit_fail(__FILE__, __LINE__, "accepted: %s",
				  refusals[i].text);
		if (!strstr(err, refusals[i].err))
			unit_fail(__FILE__, __LINE__, "'%s' lacks '%s'", err,
				  refusals[i].err);
		/* Nothing applied, even what came before the bad line. */
		CHECK(!memcmp(&o, &before, sizeof(o)));
	}
}

static void arguments(void)
{
	struct khsm_world_options o;
	char err[8];

	khsm_world_options_init(&o);
	CHECK_INT(khsm_policy_parse(NULL, &o, NULL, 0), -EINVAL);
	CHECK_INT(khsm_policy_parse("", NULL, NULL, 0), -EINVAL);
	/* A short buffer truncates the message, never overflows. */
	CHECK_INT(khsm_policy_parse("bogus = 1", &o, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "line 1:");
	CHECK_INT(khsm_policy_format(NULL, stdout), -EINVAL);
	CHECK_INT(khsm_policy_format(&o, NULL), -EINVAL);
}

/* Format into a string. */
static char *format(const struct khsm_world_options *o)
{
	char *text = NULL;
	size_t size;
	FILE *f = open_memstream(&text, &size);

	if (!f)
		return NULL;
	CHECK_INT(khsm_policy_format(o, f), 0);
	fclose(f);
	return text;
}

static void round_trip(void)
{
	struct khsm_world_options o, back;
	char *text;

	CHECK_INT(parse(all_keys, &o, NULL, 0), 0);
	text = format(&o);
	CHECK(text);
	if (!text)
		return;
	/* The canonical text is the input without its comment. */
	CHECK_STR(text, strchr(all_keys, '\n') + 1);
	CHECK_INT(parse(text, &back, NULL, 0), 0);
	CHECK(!memcmp(&o, &back, sizeof(o)));
	free(text);
}

static void round_trip_partial(void)
{
	static const char *const texts[] = {
		"",
		"nso-timeout = 1\n",
		"acs.quorum = 64/64\nretry.lockout = 4294967295\n",
		"key-recovery = off\npassphrase.short = warn\nstrict = off\n",
		"retry.delay = 3600000..3600000\naudit.forced = off\n",
		"import = yes\n",
	};
	struct khsm_world_options o, back;
	size_t i;
	char *text;

	for (i = 0; i < UNIT_ARRAY_SIZE(texts); i++) {
		CHECK_INT(parse(texts[i], &o, NULL, 0), 0);
		text = format(&o);
		CHECK(text);
		if (!text)
			continue;
		CHECK_STR(text, texts[i]);
		CHECK_INT(parse(text, &back, NULL, 0), 0);
		CHECK(!memcmp(&o, &back, sizeof(o)));
		free(text);
	}
}

/* A disabled feature's quorum has no meaning: it is left out. */
static void format_skips_disabled_quorums(void)
{
	struct khsm_world_options o;
	char *text;

	khsm_world_options_init(&o);
	khsm_world_options_set(&o, KHSM_A_OPT_KEY_RECOVERY, 0);
	khsm_world_options_set(&o, KHSM_A_OPT_KR_QUORUM, 2);
	khsm_world_options_set(&o, KHSM_A_OPT_PR_QUORUM, 2);
	text = format(&o);
	CHECK_STR(text, "key-recovery = off\n");
	free(text);
}

/* Keys apply on top of what the caller had. */
static void applies_on_top(void)
{
	struct khsm_world_options o;

	khsm_world_options_init(&o);
	khsm_world_options_set(&o, KHSM_A_OPT_NSO_TIMEOUT, 30);
	CHECK_INT(khsm_policy_parse("strict = on\n", &o, NULL, 0), 0);
	CHECK_INT(o.nso_timeout, 30);
	CHECK_INT(o.strict, 1);
	CHECK_INT(o.set, KHSM_OPT_BIT(KHSM_A_OPT_NSO_TIMEOUT) |
		  KHSM_OPT_BIT(KHSM_A_OPT_STRICT));
}

static const struct unit_test tests[] = {
	{ "every key", every_key },
	{ "blank lines, comments, spaces, CRLF", layout },
	{ "every refusal names its line", every_refusal_names_its_line },
	{ "arguments", arguments },
	{ "round trip", round_trip },
	{ "round trip of partial policies", round_trip_partial },
	{ "format skips disabled quorums", format_skips_disabled_quorums },
	{ "applies on top", applies_on_top },
};

UNIT_SUITE(policy, tests);
