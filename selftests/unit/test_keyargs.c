// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Options of "key generate" and "key import" and the ACL they make,
 * and of the verbs that name a key, parsed without printing.
 */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "keys.h"
#include "unit.h"

#define ARGC(v) ((int)(sizeof(v) / sizeof((v)[0])) - 1)

static enum parsed key_args(int argc, char *argv[], bool import,
			    struct key_args *a, char *err)
{
	err[0] = '\0';
	return parse_key_args(argc, argv, import, a, err, 256);
}

static void generate_everything(void)
{
	char *argv[] = { "generate", "--app", "web-tls", "--ident", "enc_1",
		"--type", "aes", "--bits", "192", "--protect", "cardset:ops",
		"--token", "0x00ab", "--ops", "encrypt,decrypt",
		"--mechs", "aes-gcm", "--caller-iv", "--wrappable",
		"--usage-limit", "1000", "--not-before", "2026-01-01",
		"--not-after", "2027-06-30T12:00:00Z", "--uid", "0",
		"--gid", "daemon", "--no-recovery", "--force", NULL };
	struct key_args a;
	struct khsm_acl acl;
	char err[256];

	CHECK_INT(key_args(ARGC(argv), argv, false, &a, err), PARSED_RUN);
	CHECK_STR(err, "");
	CHECK_STR(a.app, "web-tls");
	CHECK_STR(a.ident, "enc_1");
	CHECK_INT(a.type, KHSM_KEY_AES);
	CHECK_INT(a.len, 24);
	CHECK_INT(a.protection, KHSM_PROTECT_OCS);
	CHECK_STR(a.set_name, "ops");
	CHECK(a.token_id == 0xab);
	CHECK_INT(a.recovery, 0);
	CHECK(a.force && !a.import);
	CHECK_INT(a.acl.ops, 1U << KHSM_OP_ENCRYPT | 1U << KHSM_OP_DECRYPT);
	CHECK_INT(a.acl.mechs, 1U << KHSM_MECH_AES_GCM);
	CHECK_INT(a.acl.flags, KHSM_ACL_F_CALLER_IV | KHSM_ACL_F_WRAPPABLE |
		  KHSM_ACL_F_UID | KHSM_ACL_F_GID);
	CHECK_INT(a.acl.uid, 0);
	CHECK_INT(a.acl.gid, 1);	/* daemon, on every Debian */
	CHECK(a.acl.usage_limit == 1000);
	CHECK(a.acl.not_before == 1767225600);
	CHECK(a.acl.not_after == 1814356800);

	acl_to_abi(&a.acl, &acl);
	CHECK_INT(le32toh(acl.ops), a.acl.ops);
	CHECK_INT(le32toh(acl.flags), a.acl.flags);
	CHECK_INT(le32toh(acl.gid), 1);
	CHECK(le64toh(acl.not_after) == 1814356800);
	CHECK_INT(acl.__reserved0, 0);
}

static void generate_defaults(void)
{
	char *argv[] = { "generate", "--app", "ca", "--ident", "root",
		"--type", "ec-p256", "--protect", "module",
		"--ops", "sign,export-public", NULL };
	char *wrap[] = { "generate", "--app", "ca", "--ident", "kek",
		"--type", "aes", "--protect", "softcard:signer",
		"--ops", "wrap,unwrap", "--wrap-only-hash",
		"00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF",
		NULL };
	struct key_args a;
	char err[256];

	CHECK_INT(key_args(ARGC(argv), argv, false, &a, err), PARSED_RUN);
	CHECK_INT(a.protection, KHSM_PROTECT_MODULE);
	CHECK(!a.set_name && !a.token_id && !a.len && !a.force);
	CHECK_INT(a.recovery, KHSM_KEY_RECOVERY_DEFAULT);
	CHECK_INT(a.acl.mechs, 0);
	/* Every mechanism that fits and signs: ECDSA, not ECDH. */
	CHECK_INT(default_mechs(&a), 1U << KHSM_MECH_ECDSA_P256_SHA256);

	CHECK_INT(key_args(ARGC(wrap), wrap, false, &a, err), PARSED_RUN);
	CHECK_STR(err, "");
	CHECK_INT(a.protection, KHSM_PROTECT_SOFTCARD);
	CHECK_STR(a.set_name, "signer");
	CHECK_INT(default_mechs(&a), 1U << KHSM_MECH_AES_KW |
		  1U << KHSM_MECH_AES_KWP);
	CHECK_INT(a.acl.wrap_key_hash[0], 0x00);
	CHECK_INT(a.acl.wrap_key_hash[31], 0xff);
}

static void import_options(void)
{
	char *argv[] = { "import", "--app", "pay", "--ident", "verify-1",
		"--type", "ec-p384", "--protect", "module", "--from", "k.pem",
		"--public", "--ops", "verify,export-public", NULL };
	char *no_from[] = { "import", "--app", "pay", "--ident", "m",
		"--type", "hmac", "--protect", "module", "--ops",
		"mac-generate", NULL };
	struct key_args a;
	char err[256];

	CHECK_INT(key_args(ARGC(argv), argv, true, &a, err), PARSED_RUN);
	CHECK(a.import && a.public_only);
	CHECK_STR(a.from, "k.pem");
	CHECK_INT(default_mechs(&a), 1U << KHSM_MECH_ECDSA_P384_SHA384);
	CHECK_INT(key_args(ARGC(no_from), no_from, true, &a, err), PARSED_BAD);
	CHECK_STR(err, "--from FILE is needed");
	CHECK_INT(key_args(ARGC(no_from), no_from, false, &a, err), PARSED_RUN);
	CHECK_INT(default_mechs(&a), 1U << KHSM_MECH_HMAC_SHA256 |
		  1U << KHSM_MECH_HMAC_SHA384 | 1U << KHSM_MECH_HMAC_SHA512);
}

/* Each case: the options after the ones every key needs, and the error. */
static const struct {
	const char *type;
	const char *args[6];
	bool import;
	const char *err;
} refusals[] = {
	{ "aes", { "--ops", "sign" }, false, "--ops: sign is not for aes keys" },
	{ "aes", { "--ops", "export-public" }, false,
	  "--ops: export-public is not for aes keys" },
	{ "ec-p384", { "--ops", "derive" }, false,
	  "--ops: derive is not for ec-p384 keys" },
	{ "aes", { "--ops", "wrap,decrypt" }, false,
	  "a wrap or unwrap key may do nothing else" },
	{ "aes", { "--ops", "encrypt", "--mechs", "aes-kw" }, false,
	  "--ops: no mechanism of --mechs does encrypt" },
	{ "aes", { "--ops", "encrypt", "--mechs", "aes-gcm,hmac-sha256" }, false,
	  "--mechs: not all of them work with a aes key" },
	{ "ec-p256", { "--ops", "export-public" }, false,
	  "--ops: no mechanism to give the key" },
	{ "aes", { "--ops", "decrypt", "--caller-iv" }, false,
	  "--caller-iv is for encrypt keys" },
	{ "aes", { "--ops", "encrypt", "--wrap-only-hash",
		   "0000000000000000000000000000000000000000000000000000000000000001" },
	  false, "--wrap-only-hash is for wrap keys" },
	{ "aes", { "--ops", "wrap", "--wrap-only-hash", "00ff" }, false,
	  "--wrap-only-hash: 64 hex digits" },
	{ "aes", { "--ops", "encrypt", "--bits", "100" }, false,
	  "--bits 100: a multiple of 8" },
	{ "aes", { "--ops", "encrypt", "--bits", "64" }, false,
	  "an aes key has 128, 192 or 256 bits" },
	{ "hmac", { "--ops", "mac-verify", "--len", "8" }, false,
	  "an hmac key has 16 to 128 bytes" },
	{ "hmac", { "--ops", "mac-verify", "--len", "129" }, false,
	  "--len 129: 1 to 128 bytes" },
	{ "aes", { "--ops", "encrypt", "--len", "16", "--bits", "128" }, false,
	  "--bits and --len give one length, once" },
	{ "ec-p256", { "--ops", "sign", "--bits", "256" }, false,
	  "--bits and --len are for generated aes and hmac keys" },
	{ "aes", { "--ops", "encrypt", "--len", "16", "--from", "f" }, true,
	  "an import's length is its file's" },
	{ "aes", { "--ops", "encrypt", "--from", "f", "--public" }, true,
	  "--public is for ec-p256 and ec-p384 keys" },
	{ "ec-p256", { "--ops", "sign", "--from", "f", "--public" }, true,
	  "a public key alone may only verify and export-public" },
	{ "aes", { "--ops", "encrypt", "--from", "f" }, false,
	  "--from and --public are for key import" },
	{ "aes", { "--ops", "encrypt", "--token", "12" }, false,
	  "--token is for softcard and cardset keys" },
	{ "aes", { "--ops", "encrypt", "--usage-limit", "0" }, false,
	  "--usage-limit 0: a number of operations" },
	{ "aes", { "--ops", "encrypt", "--not-before", "yesterday" }, false,
	  "--not-before yesterday: seconds since the epoch" },
	{ "aes", { "--ops", "encrypt", "--not-before", "2027-01-01",
		   "--not-after", "2026-01-01" }, false,
	  "--not-before is not before --not-after" },
	{ "aes", { "--ops", "encrypt", "--uid", "no-such-user-here" }, false,
	  "--uid no-such-user-here: no such user" },
	{ "aes", { "--ops", "encrypt,encrypt" }, false,
	  "--ops encrypt,encrypt: operation 'encrypt' given twice" },
	{ "aes", { "--ops", "encrypt", "--mechs", "des" }, false,
	  "--mechs des: unknown mechanism 'des'" },
	{ "rsa", { "--ops", "sign" }, false,
	  "--type rsa: aes, hmac, ec-p256 or ec-p384" },
};

static void refusals_in_words(void)
{
	char *argv[24];
	struct key_args a;
	char err[256];
	size_t i, j;
	int argc;

	for (i = 0; i < UNIT_ARRAY_SIZE(refusals); i++) {
		argc = 0;
		argv[argc++] = "key";
		argv[argc++] = "--app";
		argv[argc++] = "app";
		argv[argc++] = "--ident";
		argv[argc++] = "id";
		argv[argc++] = "--protect";
		argv[argc++] = "module";
		argv[argc++] = "--type";
		argv[argc++] = (char *)refusals[i].type;
		for (j = 0; j < 6 && refusals[i].args[j]; j++)
			argv[argc++] = (char *)refusals[i].args[j];
		argv[argc] = NULL;
		if (key_args(argc, argv, refusals[i].import, &a, err) !=
		    PARSED_BAD || !strstr(err, refusals[i].err))
			unit_fail(__FILE__, __LINE__, "case %zu: '%s', want '%s'",
				  i, err, refusals[i].err);
	}
}

static void names_and_protection(void)
{
	char *app_us[] = { "g", "--app", "my_app", "--ident", "k", "--type",
		"aes", "--protect", "module", "--ops", "encrypt", NULL };
	char *ident[] = { "g", "--app", "a", "--ident", "k/1", "--type",
		"aes", "--protect", "module", "--ops", "encrypt", NULL };
	char *protect[] = { "g", "--app", "a", "--ident", "k", "--type",
		"aes", "--protect", "ocs:x", "--ops", "encrypt", NULL };
	char *set[] = { "g", "--app", "a", "--ident", "k", "--type",
		"aes", "--protect", "softcard:.hidden", "--ops", "encrypt", NULL };
	char *missing[] = { "g", "--app", "a", "--ident", "k", "--type",
		"aes", "--ops", "encrypt", NULL };
	char *extra[] = { "g", "--app", "a", "--ident", "k", "--type",
		"aes", "--protect", "module", "--ops", "encrypt", "more", NULL };
	char *help[] = { "g", "--bogus", "--help", NULL };
	char *help2[] = { "g", "--help", NULL };
	struct key_args a;
	char err[256];

	CHECK_INT(key_args(ARGC(app_us), app_us, false, &a, err), PARSED_BAD);
	CHECK_STR(err, "--app my_app: 1 to 31 of A-Z a-z 0-9 -");
	CHECK_INT(key_args(ARGC(ident), ident, false, &a, err), PARSED_BAD);
	CHECK_STR(err, "--ident k/1: 1 to 63 of A-Z a-z 0-9 - _");
	CHECK_INT(key_args(ARGC(protect), protect, false, &a, err), PARSED_BAD);
	CHECK_STR(err, "--protect ocs:x: module, softcard:NAME or cardset:NAME");
	CHECK_INT(key_args(ARGC(set), set, false, &a, err), PARSED_BAD);
	CHECK_STR(err, "--protect softcard:.hidden: '.hidden' is not a set name");
	CHECK_INT(key_args(ARGC(missing), missing, false, &a, err), PARSED_BAD);
	CHECK_STR(err, "--app, --ident, --type, --protect and --ops are needed");
	CHECK_INT(key_args(ARGC(extra), extra, false, &a, err), PARSED_BAD);
	CHECK_STR(err, "unexpected argument 'more'");
	CHECK_INT(key_args(ARGC(help), help, false, &a, err), PARSED_BAD);
	CHECK_INT(key_args(ARGC(help2), help2, false, &a, err), PARSED_HELP);
}

static void times(void)
{
	uint64_t t;

	CHECK_INT(parse_time("1767225600", &t), 0);
	CHECK(t == 1767225600);
	CHECK_INT(parse_time("@1", &t), 0);
	CHECK(t == 1);
	CHECK_INT(parse_time("1970-01-02", &t), 0);
	CHECK(t == 86400);
	CHECK_INT(parse_time("2026-01-01T00:00:01", &t), 0);
	CHECK(t == 1767225601);
	CHECK_INT(parse_time("2026-01-01T00:00:01Z", &t), 0);
	CHECK_INT(parse_time("2026-01-01T00:00:01Zx", &t), -EINVAL);
	CHECK_INT(parse_time("2026-13-01", &t), -EINVAL);
	CHECK_INT(parse_time("0", &t), -EINVAL);
	CHECK_INT(parse_time("1960-01-01", &t), -EINVAL);
	CHECK_INT(parse_time("", &t), -EINVAL);
}

static const struct option ref_options[] = {
	{ "in", required_argument, NULL, OPT_KEY_IN },
	{ "out", required_argument, NULL, OPT_KEY_OUT },
	{ "token", required_argument, NULL, OPT_KEY_TOKEN },
	{ "pem", no_argument, NULL, OPT_KEY_PEM },
	{ "der", no_argument, NULL, OPT_KEY_DER },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "app", required_argument, NULL, OPT_KEY_APP },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void naming_a_key(void)
{
	char *sign[] = { "sign", "web", "k_1", "--in", "f", "--out", "-",
		"--token", "ff", NULL };
	char *both[] = { "pubkey", "web", "k", "--pem", "--der", NULL };
	char *one[] = { "info", "web", NULL };
	char *three[] = { "info", "web", "k", "x", NULL };
	char *bad_app[] = { "info", "we_b", "k", NULL };
	char *list[] = { "list", "--app", "web", "--json", NULL };
	char *list_pos[] = { "list", "web", NULL };
	struct key_ref_args r;
	char err[256];

	CHECK_INT(parse_key_ref_args(ARGC(sign), sign, ref_options, true, &r,
				     err, sizeof(err)), PARSED_RUN);
	CHECK_STR(r.app, "web");
	CHECK_STR(r.ident, "k_1");
	CHECK_STR(r.in, "f");
	CHECK_STR(r.out, "-");
	CHECK(r.token_id == 0xff);
	CHECK_INT(parse_key_ref_args(ARGC(both), both, ref_options, true, &r,
				     err, sizeof(err)), PARSED_BAD);
	CHECK_STR(err, "--pem and --der exclude each other");
	CHECK_INT(parse_key_ref_args(ARGC(one), one, ref_options, true, &r,
				     err, sizeof(err)), PARSED_BAD);
	CHECK_STR(err, "APP and ID are needed");
	CHECK_INT(parse_key_ref_args(ARGC(three), three, ref_options, true, &r,
				     err, sizeof(err)), PARSED_BAD);
	CHECK_STR(err, "unexpected argument 'x'");
	CHECK_INT(parse_key_ref_args(ARGC(bad_app), bad_app, ref_options, true,
				     &r, err, sizeof(err)), PARSED_BAD);
	CHECK_STR(err, "'we_b k' does not name a key");
	CHECK_INT(parse_key_ref_args(ARGC(list), list, ref_options, false, &r,
				     err, sizeof(err)), PARSED_RUN);
	CHECK_STR(r.app, "web");
	CHECK(r.json);
	CHECK_INT(parse_key_ref_args(ARGC(list_pos), list_pos, ref_options,
				     false, &r, err, sizeof(err)), PARSED_BAD);
}

static void file_names(void)
{
	char file[KEY_FILE_MAX];
	char app[KHSM_APP_MAX], ident[KHSM_IDENT_MAX];

	key_file(file, sizeof(file), "web", "signer_2");
	CHECK_STR(file, "key_web_signer_2");
	/* The longest names fit. */
	memset(app, 'a', sizeof(app) - 1);
	app[sizeof(app) - 1] = '\0';
	memset(ident, 'b', sizeof(ident) - 1);
	ident[sizeof(ident) - 1] = '\0';
	key_file(file, sizeof(file), app, ident);
	CHECK_INT(strlen(file), strlen("key__") + sizeof(app) - 1 +
		  sizeof(ident) - 1);
	CHECK(key_app_valid("web-tls"));
	CHECK(!key_app_valid("web_tls"));
}

static const struct unit_test tests[] = {
	{ "generate: every option", generate_everything },
	{ "generate: defaults, wrap key", generate_defaults },
	{ "import: options", import_options },
	{ "refusals, in the options' words", refusals_in_words },
	{ "names, protection, missing and extra", names_and_protection },
	{ "times", times },
	{ "verbs that name a key", naming_a_key },
	{ "key file names", file_names },
};

UNIT_SUITE(keyargs, tests);
