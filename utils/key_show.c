// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl key list, info and pubkey: what the kmdata directory's key
 * blobs say in their headers, without the module. A key's protecting set
 * is named from the card set records, when one has its set id.
 */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "keys.h"

/* Set ids and the names of the sets with a record. */
struct set_names {
	size_t n;
	struct {
		uint8_t id[KHSM_SET_ID_LEN];
		char name[KHSM_NAME_MAX];
	} *v;
};

/* A set without a readable record is shown by its id alone. */
static void load_set_names(const char *cmd, struct set_names *sn)
{
	struct khsm_cardset_record *r = malloc(sizeof(*r));
	char **names = NULL, why[8];
	size_t n = 0, i;
	mode_t mode;

	memset(sn, 0, sizeof(*sn));
	if (!r || list_set_names(cmd, &names, &n))
		n = 0;
	sn->v = n ? calloc(n, sizeof(*sn->v)) : NULL;
	for (i = 0; sn->v && i < n; i++) {
		if (load_set_record(names[i], r, &mode, why, sizeof(why)))
			continue;
		memcpy(sn->v[sn->n].id, r->set_id, KHSM_SET_ID_LEN);
		memcpy(sn->v[sn->n].name, r->name, KHSM_NAME_MAX);
		sn->n++;
	}
	free_names(names, n);
	free(r);
}

static const char *set_name(const struct set_names *sn, const uint8_t *id)
{
	size_t i;

	for (i = 0; i < sn->n; i++)
		if (!memcmp(sn->v[i].id, id, KHSM_SET_ID_LEN))
			return sn->v[i].name;
	return NULL;
}

/* "module", "softcard signer", "ocs ops", "softcard (no record)" */
static void print_protection(const struct khsm_key_info *ki,
			     const struct set_names *sn)
{
	const char *name = set_name(sn, ki->set_id);

	printf("%s", khsm_protection_name(ki->protection));
	if (ki->protection == KHSM_PROTECT_MODULE)
		return;
	if (name)
		printf(" %s", name);
	else
		printf(" (no record of its set)");
}

#define FIELD(key)	printf("%-19s", key ":")

static void print_when(const char *key, uint64_t t)
{
	char when[32], label[32];

	snprintf(label, sizeof(label), "%s:", key);
	printf("%-19s", label);
	printf("%s\n", t ? iso_time(when, sizeof(when), t) : "none");
}

static void info_acl(const struct khsm_acl *acl)
{
	uint32_t flags = le32toh(acl->flags);
	uint64_t limit = le64toh(acl->usage_limit);
	char buf[HEX_LEN(KHSM_KEY_HASH_LEN)];
	static const uint8_t zero[KHSM_KEY_HASH_LEN];

	FIELD("operations");
	print_names(stdout, le32toh(acl->ops), khsm_op_name);
	putchar('\n');
	FIELD("mechanisms");
	print_names(stdout, le32toh(acl->mechs), khsm_mech_name);
	putchar('\n');
	FIELD("caller iv");
	printf("%s\n", flags & KHSM_ACL_F_CALLER_IV ? "yes" : "no");
	FIELD("wrappable");
	printf("%s\n", flags & KHSM_ACL_F_WRAPPABLE ? "yes" : "no");
	if (flags & KHSM_ACL_F_UID) {
		FIELD("uid");
		printf("%u\n", le32toh(acl->uid));
	}
	if (flags & KHSM_ACL_F_GID) {
		FIELD("gid");
		printf("%u\n", le32toh(acl->gid));
	}
	FIELD("usage limit");
	if (limit)
		printf("%llu\n", (unsigned long long)limit);
	else
		printf("none\n");
	print_when("not before", le64toh(acl->not_before));
	print_when("not after", le64toh(acl->not_after));
	if (memcmp(acl->wrap_key_hash, zero, sizeof(zero))) {
		FIELD("wraps only");
		printf("%s\n", hex(buf, acl->wrap_key_hash, sizeof(zero)));
	}
}

static void info_text(const struct key_blob *kb, const struct set_names *sn)
{
	const struct khsm_key_info *ki = &kb->info;
	char buf[HEX_LEN(KHSM_KEY_HASH_LEN)];

	FIELD("app");
	printf("%s\n", ki->app);
	FIELD("ident");
	printf("%s\n", ki->ident);
	FIELD("type");
	printf("%s%s\n", khsm_key_type_name(ki->type),
	       ki->pub_len && !ki->secret_len ? " (public key only)" : "");
	FIELD("protection");
	print_protection(ki, sn);
	putchar('\n');
	if (ki->protection != KHSM_PROTECT_MODULE) {
		FIELD("set id");
		printf("%s\n", hex(buf, ki->set_id, sizeof(ki->set_id)));
	}
	FIELD("world id");
	printf("%s\n", hex(buf, ki->world_id, sizeof(ki->world_id)));
	FIELD("key hash");
	printf("%s\n", hex(buf, ki->key_hash, sizeof(ki->key_hash)));
	print_when("created", ki->created);
	FIELD("recovery copy");
	printf("%s\n", ki->has_recovery ? "yes" : "no");
	info_acl(&ki->acl);
	if (ki->pub_len && !key_spki_fingerprint(ki, buf)) {
		FIELD("public key sha256");
		printf("%s\n", buf);
	}
	FIELD("file");
	printf("%s/%s\n", kmdata_dir, kb->file);
}

static void json_names(bool *first, const char *key, uint32_t mask,
		       const char *(*name)(uint32_t))
{
	const char *sep = "";
	uint32_t i;

	json_key(stdout, first, key);
	putchar('[');
	for (i = 0; i < 32; i++) {
		if (!(mask & (1U << i)))
			continue;
		fputs(sep, stdout);
		json_string(stdout, name(i));
		sep = ", ";
	}
	putchar(']');
}

static void json_acl(const struct khsm_acl *acl)
{
	static const uint8_t zero[KHSM_KEY_HASH_LEN];
	uint32_t flags = le32toh(acl->flags);
	bool first = true;

	putchar('{');
	json_names(&first, "ops", le32toh(acl->ops), khsm_op_name);
	json_names(&first, "mechs", le32toh(acl->mechs), khsm_mech_name);
	json_key(stdout, &first, "caller_iv");
	json_bool(stdout, flags & KHSM_ACL_F_CALLER_IV);
	json_key(stdout, &first, "wrappable");
	json_bool(stdout, flags & KHSM_ACL_F_WRAPPABLE);
	json_key(stdout, &first, "uid");
	json_uint(stdout, flags & KHSM_ACL_F_UID, le32toh(acl->uid));
	json_key(stdout, &first, "gid");
	json_uint(stdout, flags & KHSM_ACL_F_GID, le32toh(acl->gid));
	json_key(stdout, &first, "usage_limit");
	json_uint(stdout, acl->usage_limit, le64toh(acl->usage_limit));
	json_key(stdout, &first, "not_before");
	json_uint(stdout, acl->not_before, le64toh(acl->not_before));
	json_key(stdout, &first, "not_after");
	json_uint(stdout, acl->not_after, le64toh(acl->not_after));
	json_key(stdout, &first, "wrap_key_hash");
	if (memcmp(acl->wrap_key_hash, zero, sizeof(zero)))
		json_hex(stdout, acl->wrap_key_hash, sizeof(zero));
	else
		fputs("null", stdout);
	putchar('}');
}

static void json_key_info(const struct key_blob *kb,
			  const struct set_names *sn)
{
	const struct khsm_key_info *ki = &kb->info;
	bool module = ki->protection == KHSM_PROTECT_MODULE;
	char fp[HEX_LEN(32)], *path = kmdata_path(kb->file);
	bool first = true;

	putchar('{');
	json_key(stdout, &first, "app");
	json_string(stdout, ki->app);
	json_key(stdout, &first, "ident");
	json_string(stdout, ki->ident);
	json_key(stdout, &first, "type");
	json_string(stdout, khsm_key_type_name(ki->type));
	json_key(stdout, &first, "public_only");
	json_bool(stdout, ki->pub_len && !ki->secret_len);
	json_key(stdout, &first, "protection");
	json_string(stdout, khsm_protection_name(ki->protection));
	json_key(stdout, &first, "set_id");
	if (module)
		fputs("null", stdout);
	else
		json_hex(stdout, ki->set_id, sizeof(ki->set_id));
	json_key(stdout, &first, "set_name");
	json_string(stdout, module ? NULL : set_name(sn, ki->set_id));
	json_key(stdout, &first, "world_id");
	json_hex(stdout, ki->world_id, sizeof(ki->world_id));
	json_key(stdout, &first, "key_hash");
	json_hex(stdout, ki->key_hash, sizeof(ki->key_hash));
	json_key(stdout, &first, "created");
	printf("%llu", (unsigned long long)ki->created);
	json_key(stdout, &first, "recovery");
	json_bool(stdout, ki->has_recovery);
	json_key(stdout, &first, "acl");
	json_acl(&ki->acl);
	json_key(stdout, &first, "public_key");
	if (ki->pub_len)
		json_hex(stdout, ki->pubkey, ki->pub_len);
	else
		fputs("null", stdout);
	json_key(stdout, &first, "public_key_sha256");
	json_string(stdout, ki->pub_len && !key_spki_fingerprint(ki, fp) ?
		    fp : NULL);
	json_key(stdout, &first, "file");
	json_string(stdout, path);
	putchar('}');
	free(path);
}

/* "web signer: ec-p256, softcard signer, sign,export-public" */
static void list_line(const struct key_blob *kb, const struct set_names *sn)
{
	const struct khsm_key_info *ki = &kb->info;

	printf("%s %s: %s%s, ", ki->app, ki->ident,
	       khsm_key_type_name(ki->type),
	       ki->pub_len && !ki->secret_len ? " public" : "");
	print_protection(ki, sn);
	printf(", ");
	print_names(stdout, le32toh(ki->acl.ops), khsm_op_name);
	putchar('\n');
}

/* "key_APP_IDENT" into APP and IDENT at its first '_'; NULL if not a key's. */
static const char *split_name(const char *file, char *app, size_t size)
{
	const char *p = file + strlen(KHSM_KEY_FILE_PREFIX);
	const char *us = strchr(p, '_');

	if (!us || (size_t)(us - p) >= size)
		return NULL;
	memcpy(app, p, (size_t)(us - p));
	app[us - p] = '\0';
	if (!key_app_valid(app) || !khsm_key_name_valid(us + 1, KHSM_IDENT_MAX))
		return NULL;
	return us + 1;
}

static void list_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s key list [--app APP] [--json]\n"
		"\n"
		"Show the keys whose blobs the kmdata directory holds: application,\n"
		"identifier, type, protection and operations. Needs no module.\n"
		"\n"
		"  --app APP   only that application's keys\n"
		"  --json      print one JSON array of 'key info' objects\n",
		PROG_NAME);
}

static const struct option list_options[] = {
	{ "app", required_argument, NULL, OPT_KEY_APP },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* A blob that cannot be read is said and skipped: exit 1 in the end. */
static int list_keys(const char *cmd, const struct key_ref_args *r,
		     char **names, size_t n, const struct set_names *sn)
{
	const char *ident, *sep = "";
	char app[KHSM_APP_MAX];
	struct key_blob kb;
	int ret = 0;
	size_t i;

	if (r->json)
		putchar('[');
	for (i = 0; i < n; i++) {
		ident = split_name(names[i], app, sizeof(app));
		if (!ident || (r->app && strcmp(app, r->app)))
			continue;
		if (read_key_blob(cmd, app, ident, &kb)) {
			ret = KHSMCTL_EXIT_FAILED;
			continue;
		}
		if (r->json) {
			fputs(sep, stdout);
			json_key_info(&kb, sn);
			sep = ", ";
		} else {
			list_line(&kb, sn);
		}
		free(kb.blob);
	}
	if (r->json)
		fputs("]\n", stdout);
	return ret;
}

int key_show_list(int argc, char *argv[])
{
	const char *cmd = "key list";
	struct key_ref_args r;
	struct set_names sn = { 0 };
	char **names = NULL, err[256];
	size_t n = 0;
	int ret;

	ret = usage_or_run(parse_key_ref_args(argc, argv, list_options, false,
					      &r, err, sizeof(err)),
			   cmd, err, list_usage);
	if (ret >= 0)
		return ret;
	ret = list_key_files(cmd, &names, &n);
	if (!ret) {
		load_set_names(cmd, &sn);
		ret = list_keys(cmd, &r, names, n, &sn);
	}
	free(sn.v);
	free_names(names, n);
	return ret;
}

static void info_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s key info APP ID [--json]\n"
		"\n"
		"Show key APP ID from its blob's header: type, protection and its set,\n"
		"ACL, creation time, key hash, and an EC key's public key fingerprint\n"
		"(SHA-256 of its SubjectPublicKeyInfo DER). Needs no module; the\n"
		"module checks the header when it loads the blob.\n"
		"\n"
		"  --json    print one JSON object instead of text\n",
		PROG_NAME);
}

static const struct option info_options[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int key_show_info(int argc, char *argv[])
{
	const char *cmd = "key info";
	struct key_ref_args r;
	struct set_names sn;
	struct key_blob kb;
	char err[256];
	int ret;

	ret = usage_or_run(parse_key_ref_args(argc, argv, info_options, true,
					      &r, err, sizeof(err)),
			   cmd, err, info_usage);
	if (ret >= 0)
		return ret;
	ret = read_key_blob(cmd, r.app, r.ident, &kb);
	if (ret)
		return ret;
	load_set_names(cmd, &sn);
	if (r.json) {
		json_key_info(&kb, &sn);
		putchar('\n');
	} else {
		info_text(&kb, &sn);
	}
	free(sn.v);
	free(kb.blob);
	return 0;
}

static void pubkey_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s key pubkey APP ID [--pem | --der] [--out FILE]\n"
		"\n"
		"Write the public key of EC key APP ID as a SubjectPublicKeyInfo, from\n"
		"its blob's header (no module needed), for openssl and the like.\n"
		"\n"
		"  --pem       PEM text (the default)\n"
		"  --der       DER bytes\n"
		"  --out FILE  write FILE (0644) instead of standard output\n",
		PROG_NAME);
}

static const struct option pubkey_options[] = {
	{ "pem", no_argument, NULL, OPT_KEY_PEM },
	{ "der", no_argument, NULL, OPT_KEY_DER },
	{ "out", required_argument, NULL, OPT_KEY_OUT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int key_show_pubkey(int argc, char *argv[])
{
	const char *cmd = "key pubkey";
	struct key_ref_args r;
	struct key_blob kb;
	uint8_t *spki = NULL;
	size_t len = 0;
	char err[256];
	int ret, e;

	ret = usage_or_run(parse_key_ref_args(argc, argv, pubkey_options, true,
					      &r, err, sizeof(err)),
			   cmd, err, pubkey_usage);
	if (ret >= 0)
		return ret;
	ret = read_key_blob(cmd, r.app, r.ident, &kb);
	if (ret)
		return ret;
	e = key_spki(&kb.info, !r.der, &spki, &len);
	if (e == -ENOKEY) {
		fail(cmd, "%s %s is an %s key: it has no public key", r.app,
		     r.ident, khsm_key_type_name(kb.info.type));
		ret = KHSMCTL_EXIT_FAILED;
	} else if (e) {
		fail(cmd, "%s/%s: its public key: %s", kmdata_dir, kb.file,
		     e == -EINVAL ? "not a point of its curve" : strerror(-e));
		ret = KHSMCTL_EXIT_FAILED;
	} else {
		ret = write_output(cmd, r.out, spki, len);
	}
	free(spki);
	free(kb.blob);
	return ret;
}
