// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl audit show and audit verify: a log file, read line by line for
 * people (or as JSON for tools), and judged with the worlds' public keys
 * alone.
 */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "json.h"

enum {
	OPT_JSON_S = 320,
	OPT_WORLD_S,
	OPT_PUBKEY,
	OPT_QUIET,
};

/* --- how items look --- */

static bool tag_is_string(uint16_t tag)
{
	switch (tag) {
	case KHSM_AUDIT_T_REASON:
	case KHSM_AUDIT_T_VERSION:
	case KHSM_AUDIT_T_SET_NAME:
	case KHSM_AUDIT_T_CARD_NAME:
	case KHSM_AUDIT_T_APP:
	case KHSM_AUDIT_T_IDENT:
		return true;
	}
	return false;
}

static bool tag_is_counts(uint16_t tag)
{
	return tag == KHSM_AUDIT_T_USES || tag == KHSM_AUDIT_T_FAILS;
}

static uint64_t item_uint(const struct khsm_audit_item *it)
{
	uint64_t v = 0;

	memcpy(&v, it->value, it->len);	/* 1, 2, 4 or 8 bytes, LE */
	return le64toh(v);
}

static bool item_is_uint(const struct khsm_audit_item *it)
{
	return it->len == 1 || it->len == 2 || it->len == 4 || it->len == 8;
}

/* Names are shown as the card said them, without control characters. */
static void print_text(FILE *f, const uint8_t *p, size_t len)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f || p[i] == '"' || p[i] == '\\')
			fprintf(f, "\\x%02x", p[i]);
		else
			fputc(p[i], f);
	}
	fputc('"', f);
}

static void print_item(FILE *f, const struct khsm_audit_item *it)
{
	const char *name = khsm_audit_tag_name(it->tag);
	char hexbuf[HEX_LEN(KHSM_AUDIT_REC_MAX)];
	size_t i;

	if (name)
		fprintf(f, " %s=", name);
	else
		fprintf(f, " tag%u=", it->tag);
	if (tag_is_string(it->tag)) {
		print_text(f, it->value, it->len);
	} else if (tag_is_counts(it->tag)) {
		for (i = 0; i + 8 <= it->len; i += 8) {
			uint64_t v;

			memcpy(&v, it->value + i, 8);
			fprintf(f, "%s%llu", i ? "," : "",
				(unsigned long long)le64toh(v));
		}
	} else if (it->tag == KHSM_AUDIT_T_CAUSE && it->len == 1 &&
		   khsm_audit_cause_name(it->value[0])) {
		fputs(khsm_audit_cause_name(it->value[0]), f);
	} else if (it->tag == KHSM_AUDIT_T_TOKEN_ID && it->len == 8) {
		fprintf(f, "%016llx", (unsigned long long)item_uint(it));
	} else if (item_is_uint(it)) {
		fprintf(f, "%llu", (unsigned long long)item_uint(it));
	} else {
		fputs(hex(hexbuf, it->value, it->len), f);
	}
}

/* "2025-11-23T17:49:11.123Z" */
static void print_time(FILE *f, uint64_t ns)
{
	char buf[32];

	iso_time(buf, sizeof(buf), ns / 1000000000u);
	buf[strlen(buf) - 1] = '\0';	/* the Z */
	fprintf(f, "%s.%03uZ", buf, (unsigned int)(ns / 1000000u % 1000u));
}

void audit_print_record(const struct khsm_audit_record *r, FILE *f)
{
	const char *event = khsm_audit_event_name(r->event);
	char world[HEX_LEN(KHSM_WORLD_ID_LEN)];
	size_t i;

	fprintf(f, "%llu ", (unsigned long long)r->seq);
	print_time(f, r->wall_ns);
	if (event)
		fprintf(f, " %s", event);
	else
		fprintf(f, " event%u", r->event);
	if (!r->result)
		fputs(" ok", f);
	else
		fprintf(f, " %s(%s)",
			r->flags & KHSM_AUDIT_F_REFUSED ? "refused" : "failed",
			strerror((int)r->result));
	if (r->flags & KHSM_AUDIT_F_MODULE)
		fputs(" by=module", f);
	else
		fprintf(f, " uid=%d auid=%d pid=%u comm=", (int)r->uid,
			(int)r->loginuid, r->pid);
	if (!(r->flags & KHSM_AUDIT_F_MODULE))
		print_text(f, (const uint8_t *)r->comm, strlen(r->comm));
	if (r->world_id[0] || memcmp(r->world_id, r->world_id + 1,
				     KHSM_WORLD_ID_LEN - 1))
		fprintf(f, " world=%.8s", hex(world, r->world_id,
					      KHSM_WORLD_ID_LEN));
	for (i = 0; i < r->nitems; i++)
		print_item(f, &r->items[i]);
	if (r->flags & KHSM_AUDIT_F_TRUNCATED)
		fputs(" (truncated)", f);
	fputc('\n', f);
}

static void json_item(FILE *f, bool *first, const struct khsm_audit_item *it)
{
	const char *name = khsm_audit_tag_name(it->tag);
	char buf[16];
	size_t i;

	if (!name) {
		snprintf(buf, sizeof(buf), "tag%u", it->tag);
		name = buf;
	}
	json_key(f, first, name);
	if (tag_is_string(it->tag)) {
		char *s = strndup((const char *)it->value, it->len);

		json_string(f, s ? s : "");
		free(s);
	} else if (tag_is_counts(it->tag)) {
		fputc('[', f);
		for (i = 0; i + 8 <= it->len; i += 8) {
			uint64_t v;

			memcpy(&v, it->value + i, 8);
			fprintf(f, "%s%llu", i ? ", " : "",
				(unsigned long long)le64toh(v));
		}
		fputc(']', f);
	} else if (it->tag == KHSM_AUDIT_T_CAUSE && it->len == 1 &&
		   khsm_audit_cause_name(it->value[0])) {
		json_string(f, khsm_audit_cause_name(it->value[0]));
	} else if (item_is_uint(it) && it->tag != KHSM_AUDIT_T_TOKEN_ID) {
		fprintf(f, "%llu", (unsigned long long)item_uint(it));
	} else {
		json_hex(f, it->value, it->len);
	}
}

static void json_record(FILE *f, const struct khsm_audit_record *r,
			const uint8_t *digest)
{
	const char *event = khsm_audit_event_name(r->event);
	bool first = true, ifirst = true;
	size_t i;

	fputc('{', f);
	json_key(f, &first, "seq");
	fprintf(f, "%llu", (unsigned long long)r->seq);
	json_key(f, &first, "wall_ns");
	fprintf(f, "%llu", (unsigned long long)r->wall_ns);
	json_key(f, &first, "boot_ns");
	fprintf(f, "%llu", (unsigned long long)r->boot_ns);
	json_key(f, &first, "event");
	json_string(f, event ? event : "unknown");
	json_key(f, &first, "event_id");
	fprintf(f, "%u", r->event);
	json_key(f, &first, "result");
	fprintf(f, "%u", r->result);
	json_key(f, &first, "refused");
	json_bool(f, r->flags & KHSM_AUDIT_F_REFUSED);
	json_key(f, &first, "by_module");
	json_bool(f, r->flags & KHSM_AUDIT_F_MODULE);
	json_key(f, &first, "uid");
	fprintf(f, "%u", r->uid);
	json_key(f, &first, "loginuid");
	fprintf(f, "%u", r->loginuid);
	json_key(f, &first, "sessionid");
	fprintf(f, "%u", r->sessionid);
	json_key(f, &first, "pid");
	fprintf(f, "%u", r->pid);
	json_key(f, &first, "comm");
	json_string(f, r->comm);
	json_key(f, &first, "instance");
	json_hex(f, r->instance, sizeof(r->instance));
	json_key(f, &first, "world_id");
	json_hex(f, r->world_id, sizeof(r->world_id));
	json_key(f, &first, "digest");
	json_hex(f, digest, KHSM_AUDIT_DIGEST_LEN);
	json_key(f, &first, "items");
	fputc('{', f);
	for (i = 0; i < r->nitems; i++)
		json_item(f, &ifirst, &r->items[i]);
	fputs("}}", f);
}

/* --- show --- */

static void show_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s audit show FILE [--json]\n"
		"\n"
		"Print the records of an audit log file, one per line: sequence\n"
		"number, time (UTC), event, outcome, who, the world, and the event's\n"
		"items. Nothing is verified: see 'audit verify'.\n"
		"\n"
		"  --json    one JSON array of records instead\n",
		PROG_NAME);
}

static const struct option show_options[] = {
	{ "json", no_argument, NULL, OPT_JSON_S },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int audit_show(int argc, char *argv[])
{
	const char *cmd = "audit show";
	struct khsm_audit_record *r;
	struct audit_log log;
	bool json = false;
	size_t off = 0, n = 0;
	int opt, ret;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", show_options, NULL)) != -1) {
		if (opt == 'h') {
			show_usage(stdout);
			return KHSMCTL_EXIT_OK;
		}
		if (opt != OPT_JSON_S) {
			show_usage(stderr);
			return KHSMCTL_EXIT_USAGE;
		}
		json = true;
	}
	if (optind != argc - 1) {
		show_usage(stderr);
		return KHSMCTL_EXIT_USAGE;
	}
	ret = audit_log_open(cmd, argv[optind], &log);
	if (ret)
		return ret;
	r = malloc(sizeof(*r));
	if (!r) {
		audit_log_close(&log);
		return KHSMCTL_EXIT_FAILED;
	}
	if (json)
		fputc('[', stdout);
	while (off < log.len) {
		if (khsm_audit_record_parse(log.data + off, log.len - off, r) ||
		    (size_t)r->len + KHSM_AUDIT_DIGEST_LEN > log.len - off) {
			fail(cmd, "%s: no complete record at offset %zu", argv[optind],
			     off);
			ret = KHSMCTL_EXIT_FAILED;
			break;
		}
		if (json) {
			fputs(n ? ",\n " : "", stdout);
			json_record(stdout, r, log.data + off + r->len);
		} else {
			audit_print_record(r, stdout);
		}
		off += r->len + KHSM_AUDIT_DIGEST_LEN;
		n++;
	}
	if (json)
		fputs("]\n", stdout);
	free(r);
	audit_log_close(&log);
	return ret;
}

/* --- verify --- */

static void verify_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s audit verify FILE [--world WORLDFILE]... [--pubkey PEM]...\n"
		"                           [--quiet]\n"
		"\n"
		"Prove an audit log complete and untampered with the worlds' audit\n"
		"public keys alone: every sequence number once and in order, the\n"
		"SHA-256 chain, every checkpoint's signature. Without a key, the\n"
		"kmdata directory's world file gives it. Every finding names its\n"
		"entry, offset and sequence number.\n"
		"\n"
		"  --world FILE   a world file whose audit key to trust (repeatable)\n"
		"  --pubkey PEM   an audit public key, from 'audit pubkey' (repeatable)\n"
		"  --quiet        the verdict only\n"
		"\n"
		"Exit status: 0 verified; 1 tampered (or unreadable); 5 intact but the\n"
		"records after the last checkpoint are not vouched for (cut, or not\n"
		"checkpointed yet); 6 intact but incomplete (it does not begin at its\n"
		"module's first record, or a checkpoint's world has no key given).\n",
		PROG_NAME);
}

static const struct option verify_options[] = {
	{ "world", required_argument, NULL, OPT_WORLD_S },
	{ "pubkey", required_argument, NULL, OPT_PUBKEY },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

#define MAX_KEYS	16

static int pem_key(const char *cmd, const char *path,
		   struct khsm_audit_key *key)
{
	uint8_t *data = NULL, point[KHSM_PUBKEY_MAX];
	size_t len = 0, plen = 0;
	uint32_t type = 0;
	int ret;

	ret = khsm_read_file(path, 0, &data, &len, NULL);
	if (!ret)
		ret = khsm_ec_point_from_spki(data, len, &type, point, &plen);
	free(data);
	if (!ret && (type != KHSM_KEY_EC_P256 || plen != sizeof(key->pubkey)))
		ret = -EPROTONOSUPPORT;
	if (!ret)
		memcpy(key->pubkey, point, sizeof(key->pubkey));
	if (ret) {
		fail(cmd, "%s: not a P-256 public key (%s)", path, strerror(-ret));
		return KHSMCTL_EXIT_USAGE;
	}
	key->has_world_id = 0;
	return 0;
}

static void print_finding(const struct khsm_audit_finding *f, void *arg)
{
	if (*(bool *)arg)
		return;
	printf("entry %zu (offset %zu): %s\n", f->index, f->offset, f->text);
}

static int verdict_exit(enum khsm_audit_verdict v)
{
	switch (v) {
	case KHSM_AUDIT_VERIFIED:
		return KHSMCTL_EXIT_OK;
	case KHSM_AUDIT_UNSEALED:
		return AUDIT_EXIT_UNSEALED;
	case KHSM_AUDIT_INCOMPLETE:
		return AUDIT_EXIT_INCOMPLETE;
	default:
		return AUDIT_EXIT_TAMPERED;
	}
}

static const char *const verdicts[] = {
	[KHSM_AUDIT_VERIFIED] = "verified: complete, untampered, every record vouched for by a signed checkpoint",
	[KHSM_AUDIT_UNSEALED] = "intact, but its last records are not vouched for by a checkpoint (cut short, or not checkpointed yet)",
	[KHSM_AUDIT_INCOMPLETE] = "intact, but incomplete: it does not begin at its chain's start, or a checkpoint could not be checked",
	[KHSM_AUDIT_TAMPERED] = "TAMPERED: the findings above say where",
};

int audit_verify(int argc, char *argv[])
{
	const char *cmd = "audit verify";
	struct khsm_audit_key keys[MAX_KEYS];
	struct khsm_audit_verify res;
	size_t nkeys = 0;
	struct audit_log log;
	bool quiet = false;
	int opt, ret;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", verify_options, NULL)) != -1) {
		if (opt == 'h') {
			verify_usage(stdout);
			return KHSMCTL_EXIT_OK;
		}
		if (opt == OPT_QUIET) {
			quiet = true;
			continue;
		}
		if ((opt != OPT_WORLD_S && opt != OPT_PUBKEY) || nkeys == MAX_KEYS) {
			verify_usage(stderr);
			return KHSMCTL_EXIT_USAGE;
		}
		memset(&keys[nkeys], 0, sizeof(keys[nkeys]));
		ret = opt == OPT_WORLD_S ?
		      audit_world_key(cmd, optarg, &keys[nkeys]) :
		      pem_key(cmd, optarg, &keys[nkeys]);
		if (ret)
			return ret;
		nkeys++;
	}
	if (optind != argc - 1) {
		verify_usage(stderr);
		return KHSMCTL_EXIT_USAGE;
	}
	if (!nkeys) {
		ret = audit_world_key(cmd, NULL, &keys[0]);
		if (ret)
			return ret;
		nkeys = 1;
	}
	ret = audit_log_open(cmd, argv[optind], &log);
	if (ret)
		return ret;
	ret = khsm_audit_verify(log.data, log.len, keys, nkeys, &res,
				print_finding, &quiet);
	audit_log_close(&log);
	if (ret == -EINVAL) {
		fail(cmd, "a key given is not a P-256 public key (a world made before its audit key was fixed?)");
		return KHSMCTL_EXIT_FAILED;
	}
	if (ret) {
		fail(cmd, "%s", strerror(-ret));
		return KHSMCTL_EXIT_FAILED;
	}
	if (!quiet)
		printf("%llu record(s), seq %llu..%llu, %llu chain(s); %llu of %llu checkpoint(s) verified; %llu record(s) vouched for\n",
		       (unsigned long long)res.records,
		       (unsigned long long)res.first_seq,
		       (unsigned long long)res.last_seq,
		       (unsigned long long)res.segments,
		       (unsigned long long)res.checkpoints_ok,
		       (unsigned long long)res.checkpoints,
		       (unsigned long long)res.sealed);
	printf("%s\n", verdicts[res.verdict]);
	return verdict_exit(res.verdict);
}
