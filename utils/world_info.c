// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl world info: the world as the module sees it, in text for people
 * and in JSON for scripts (khsmctl(8) documents both). Only what the
 * module sent is shown: a line is left out, a JSON value is null.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cards.h"
#include "json.h"

static bool has(const struct khsm_world_info *wi, int attr)
{
	return wi->present & KHSM_INFO_BIT(attr);
}

static bool has_opt(const struct khsm_world_info *wi, int attr)
{
	return has(wi, KHSM_A_INFO_WORLD_OPTS) &&
	       (wi->opts.set & KHSM_OPT_BIT(attr));
}

#define FIELD(key)	printf("%-18s", key ":")

static void print_quorum(const char *name, bool on, unsigned int q,
			 const char *sep)
{
	if (on)
		printf("%s%s %u", sep, name, q);
	else
		printf("%s%s off", sep, name);
}

static void print_acs(const struct khsm_world_info *wi)
{
	const struct khsm_world_options *o = &wi->opts;

	FIELD("acs");
	printf("%u of %u cards\n", o->acs_k, o->acs_n);
	FIELD("quorums");
	print_quorum("load-world", true, o->load_quorum, "");
	print_quorum("key-recovery", o->key_recovery, o->kr_quorum, ", ");
	print_quorum("passphrase-recovery", o->pp_recovery, o->pr_quorum, ", ");
	putchar('\n');
	FIELD("nso timeout");
	printf("%u s\n", o->nso_timeout);
}

/* "acs, load-world (541 s left)", or "none". */
static void print_auth(const struct khsm_world_info *wi)
{
	const char *sep = "";
	uint32_t t;

	FIELD("authorised");
	if (!wi->acs_auth) {
		printf("none\n");
		return;
	}
	for (t = 0; t < 32; t++) {
		if (!(wi->acs_auth & (1U << t)))
			continue;
		printf("%s%s", sep, khsm_token_name(t));
		sep = ", ";
	}
	printf(" (%u s left)\n", (wi->acs_auth_remaining_ms + 999) / 1000);
}

/* The options again, as 'policy load' reads them. */
static void print_policy(const struct khsm_world_options *o)
{
	char *text = NULL, *line, *save = NULL;
	size_t size;
	FILE *f;

	f = open_memstream(&text, &size);
	if (!f)
		return;
	khsm_policy_format(o, f);
	if (fclose(f)) {
		free(text);
		return;
	}
	printf("policy:\n");
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("  %s\n", line);
	free(text);
}

static void print_ids(const struct khsm_world_info *wi)
{
	char buf[HEX_LEN(KHSM_WORLD_ID_LEN)], when[32];

	if (has(wi, KHSM_A_INFO_WORLD_ID)) {
		FIELD("world id");
		printf("%s\n", hex(buf, wi->world_id, sizeof(wi->world_id)));
	}
	if (has(wi, KHSM_A_INFO_ACS_SET_ID)) {
		FIELD("acs set id");
		printf("%s\n", hex(buf, wi->acs_set_id, sizeof(wi->acs_set_id)));
	}
	if (has(wi, KHSM_A_INFO_CREATED)) {
		FIELD("created");
		printf("%s\n", iso_time(when, sizeof(when), wi->created));
	}
	if (has(wi, KHSM_A_INFO_GENERATION)) {
		FIELD("generation");
		printf("%u\n", wi->generation);
	}
	if (has(wi, KHSM_A_INFO_WORLD_ID)) {
		FIELD("bound");
		if (wi->bound && wi->bind_key_type[0])
			printf("yes, to a %s key\n", wi->bind_key_type);
		else
			printf("%s\n", wi->bound ? "yes" : "no");
	}
}

void print_world_text(const struct khsm_world_info *wi)
{
	char fp[HEX_LEN(32)];

	FIELD("state");
	printf("%s\n", khsm_world_state_name(wi->state));
	print_ids(wi);
	if (has_opt(wi, KHSM_A_OPT_ACS_K) && has_opt(wi, KHSM_A_OPT_ACS_N))
		print_acs(wi);
	if (has(wi, KHSM_A_INFO_ACS_AUTH))
		print_auth(wi);
	if (has(wi, KHSM_A_INFO_TOKENS_LOADED)) {
		FIELD("tokens loaded");
		printf("%u\n", wi->tokens_loaded);
	}
	if (has(wi, KHSM_A_INFO_SLOTS)) {
		FIELD("slots");
		printf("%u\n", wi->slots);
	}
	if (has(wi, KHSM_A_INFO_AUDIT_PUBKEY) &&
	    !key_fingerprint(wi->audit_pubkey, sizeof(wi->audit_pubkey), fp)) {
		FIELD("audit key sha256");
		printf("%s\n", fp);
	}
	if (has(wi, KHSM_A_INFO_WORLD_OPTS))
		print_policy(&wi->opts);
}

/* JSON names of the options: the ABI's, in lower case. */
static const struct {
	const char *name;
	unsigned int attr;
	bool boolean;
	unsigned int needs;	/* a quorum: null while this switch is off */
} json_opts[] = {
	{ "acs_k", KHSM_A_OPT_ACS_K, false, 0 },
	{ "acs_n", KHSM_A_OPT_ACS_N, false, 0 },
	{ "load_quorum", KHSM_A_OPT_LOAD_QUORUM, false, 0 },
	{ "key_recovery", KHSM_A_OPT_KEY_RECOVERY, true, 0 },
	{ "kr_quorum", KHSM_A_OPT_KR_QUORUM, false, KHSM_A_OPT_KEY_RECOVERY },
	{ "pp_recovery", KHSM_A_OPT_PP_RECOVERY, true, 0 },
	{ "pr_quorum", KHSM_A_OPT_PR_QUORUM, false, KHSM_A_OPT_PP_RECOVERY },
	{ "nso_timeout", KHSM_A_OPT_NSO_TIMEOUT, false, 0 },
	{ "pp_min_len", KHSM_A_OPT_PP_MIN_LEN, false, 0 },
	{ "pp_short_refuse", KHSM_A_OPT_PP_SHORT_REFUSE, true, 0 },
	{ "retry_base_ms", KHSM_A_OPT_RETRY_BASE_MS, false, 0 },
	{ "retry_max_ms", KHSM_A_OPT_RETRY_MAX_MS, false, 0 },
	{ "lockout", KHSM_A_OPT_LOCKOUT, false, 0 },
	{ "forced_audit", KHSM_A_OPT_FORCED_AUDIT, true, 0 },
	{ "pbkdf2_iter", KHSM_A_OPT_PBKDF2_ITER, false, 0 },
	{ "strict", KHSM_A_OPT_STRICT, true, 0 },
	{ "protections", KHSM_A_OPT_PROTECTIONS, false, 0 },
	{ "mechanisms", KHSM_A_OPT_MECHANISMS, false, 0 },
	{ "operator_gid", KHSM_A_OPT_OPERATOR_GID, false, 0 },
	{ "user_gid", KHSM_A_OPT_USER_GID, false, 0 },
	{ "no_import", KHSM_A_OPT_NO_IMPORT, true, 0 },
	{ "audit_checkpoint", KHSM_A_OPT_AUDIT_CHECKPOINT, false, 0 },
	{ "audit_per_op", KHSM_A_OPT_AUDIT_PER_OP, true, 0 },
};

static void json_options(const struct khsm_world_info *wi)
{
	bool first = true;
	uint32_t v, on;
	size_t i;

	if (!has(wi, KHSM_A_INFO_WORLD_OPTS)) {
		fputs("null", stdout);
		return;
	}
	putchar('{');
	for (i = 0; i < ARRAY_SIZE(json_opts); i++) {
		bool known = has_opt(wi, json_opts[i].attr);

		khsm_world_options_get(&wi->opts, json_opts[i].attr, &v);
		if (json_opts[i].needs) {
			khsm_world_options_get(&wi->opts, json_opts[i].needs, &on);
			known = known && on;
		}
		json_key(stdout, &first, json_opts[i].name);
		if (known && json_opts[i].boolean)
			json_bool(stdout, v);
		else
			json_uint(stdout, known, v);
	}
	putchar('}');
}

static void json_auth(const struct khsm_world_info *wi)
{
	bool first = true;
	uint32_t t;

	if (!has(wi, KHSM_A_INFO_ACS_AUTH)) {
		fputs("null", stdout);
		return;
	}
	fputs("{\"tokens\": [", stdout);
	for (t = 0; t < 32; t++) {
		if (!(wi->acs_auth & (1U << t)))
			continue;
		printf("%s", first ? "" : ", ");
		json_string(stdout, khsm_token_name(t));
		first = false;
	}
	fputs("], \"remaining_ms\": ", stdout);
	json_uint(stdout, has(wi, KHSM_A_INFO_ACS_AUTH_REMAINING),
		  wi->acs_auth_remaining_ms);
	putchar('}');
}

static void json_bytes(bool *first, const char *key, bool present,
		       const uint8_t *p, size_t len)
{
	json_key(stdout, first, key);
	if (present)
		json_hex(stdout, p, len);
	else
		fputs("null", stdout);
}

static void json_audit_key(const struct khsm_world_info *wi, bool *first)
{
	bool present = has(wi, KHSM_A_INFO_AUDIT_PUBKEY);
	char fp[HEX_LEN(32)];

	json_bytes(first, "audit_pubkey", present, wi->audit_pubkey,
		   sizeof(wi->audit_pubkey));
	json_key(stdout, first, "audit_key_sha256");
	if (present && !key_fingerprint(wi->audit_pubkey,
					sizeof(wi->audit_pubkey), fp))
		json_string(stdout, fp);
	else
		fputs("null", stdout);
}

void print_world_json(const struct khsm_world_info *wi)
{
	bool first = true;

	putchar('{');
	json_key(stdout, &first, "state");
	json_string(stdout, khsm_world_state_name(wi->state));
	json_bytes(&first, "world_id", has(wi, KHSM_A_INFO_WORLD_ID),
		   wi->world_id, sizeof(wi->world_id));
	json_bytes(&first, "acs_set_id", has(wi, KHSM_A_INFO_ACS_SET_ID),
		   wi->acs_set_id, sizeof(wi->acs_set_id));
	json_key(stdout, &first, "created");
	json_uint(stdout, has(wi, KHSM_A_INFO_CREATED), wi->created);
	json_key(stdout, &first, "generation");
	json_uint(stdout, has(wi, KHSM_A_INFO_GENERATION), wi->generation);
	json_key(stdout, &first, "bound");
	json_bool(stdout, wi->bound);
	json_key(stdout, &first, "bind_key_type");
	if (wi->bind_key_type[0])
		json_string(stdout, wi->bind_key_type);
	else
		fputs("null", stdout);
	json_key(stdout, &first, "tokens_loaded");
	json_uint(stdout, has(wi, KHSM_A_INFO_TOKENS_LOADED), wi->tokens_loaded);
	json_key(stdout, &first, "slots");
	json_uint(stdout, has(wi, KHSM_A_INFO_SLOTS), wi->slots);
	json_key(stdout, &first, "acs_auth");
	json_auth(wi);
	json_audit_key(wi, &first);
	json_key(stdout, &first, "options");
	json_options(wi);
	fputs("}\n", stdout);
}

static void info_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s world info [--json]\n"
		"\n"
		"Show the world's state, ids, ACS and quorums, authorisations,\n"
		"tokens, binding, audit key fingerprint and policy.\n"
		"\n"
		"  --json    print one JSON object instead of text\n",
		PROG_NAME);
}

static const struct option info_options[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int world_info_main(int argc, char *argv[])
{
	const char *cmd = "world info";
	struct khsm_world_info wi;
	struct verb_args va;
	struct khsm *h = NULL;
	char err[256];
	int ret, e;

	ret = usage_or_run(parse_verb_args(argc, argv, info_options, 0, &va,
					   err, sizeof(err)),
			   cmd, err, info_usage);
	if (ret >= 0)
		return ret;
	ret = open_control(cmd, &h);
	if (ret)
		goto out;
	e = khsm_world_info(h, &wi);
	if (e) {
		ret = report_error(cmd, h, e);
		goto out;
	}
	if (va.json)
		print_world_json(&wi);
	else
		print_world_text(&wi);
out:
	khsm_close(h);
	return ret;
}
