// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl key recover: the last step of the key recovery ceremony. The
 * key of a blob whose set is lost (its cards, or a softcard's passphrase)
 * is opened by the module through the blob's recovery copy, under the
 * world's recovery key and the key-recovery ACS quorum, and sealed again
 * under a token of a replacement set. The new blob takes the old one's
 * place in kmdata. Copies of the old blob still load with a token of the
 * old set: recovery moves a key to a new set, it does not take it from
 * the old one.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"

/* Options of "key recover". */
struct recover_args {
	const char *app;
	const char *ident;
	const char *to;			/* the replacement set's name */
	uint8_t type;			/* KHSM_SET_OCS or KHSM_SET_SOFTCARD */
	uint64_t token_id;		/* --token; 0: look one up */
};

/* One recovery and what it takes along the way. */
struct recoverer {
	const char *cmd;
	const struct recover_args *a;
	struct key_blob kb;
	struct khsm_cardset_record *rec;	/* the replacement set's */
	struct khsm *h;
	uint64_t token_id;
};

enum { OPT_TO = 600, OPT_TOKEN };

static const struct option recover_options[] = {
	{ "to", required_argument, NULL, OPT_TO },
	{ "token", required_argument, NULL, OPT_TOKEN },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* "cardset:NAME" or "softcard:NAME"; -1 if it is neither. */
static int parse_to(const char *s, struct recover_args *a)
{
	const char *colon = strchr(s, ':');

	if (!colon)
		return -1;
	if (!strncmp(s, "cardset:", 8))
		a->type = KHSM_SET_OCS;
	else if (!strncmp(s, "softcard:", 9))
		a->type = KHSM_SET_SOFTCARD;
	else
		return -1;
	a->to = colon + 1;
	return khsm_cardset_name_valid(a->to) ? 0 : -1;
}

static enum parsed parse_recover_args(int argc, char *argv[],
				      struct recover_args *a, char *err,
				      size_t errlen)
{
	char culprit[64];
	int opt;

	memset(a, 0, sizeof(*a));
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", recover_options,
				  NULL)) != -1) {
		if (opt == 'h')
			return PARSED_HELP;
		if (opt == OPT_TO && !parse_to(optarg, a))
			continue;
		if (opt == OPT_TO) {
			snprintf(err, errlen,
				 "--to %s: cardset:NAME or softcard:NAME", optarg);
			return PARSED_BAD;
		}
		if (opt == OPT_TOKEN && !parse_token_id(optarg, &a->token_id) &&
		    a->token_id)
			continue;
		if (opt == OPT_TOKEN)
			snprintf(err, errlen,
				 "--token %s: a token id, 1 to 16 hex digits",
				 optarg);
		else
			snprintf(err, errlen,
				 "unrecognised option or missing value: %s",
				 getopt_culprit(argv, culprit, sizeof(culprit)));
		return PARSED_BAD;
	}
	if (argc - optind != 2 || !a->to) {
		snprintf(err, errlen, "APP, ID and --to are needed");
		return PARSED_BAD;
	}
	a->app = argv[optind];
	a->ident = argv[optind + 1];
	if (!key_app_valid(a->app) ||
	    !khsm_key_name_valid(a->ident, KHSM_IDENT_MAX)) {
		snprintf(err, errlen, "'%s %s' does not name a key", a->app,
			 a->ident);
		return PARSED_BAD;
	}
	return PARSED_RUN;
}

/* The replacement set, which must be another than the key's. */
static int replacement_set(struct recoverer *rc)
{
	const struct recover_args *a = rc->a;
	int ret;

	rc->rec = malloc(sizeof(*rc->rec));
	if (!rc->rec) {
		fail(rc->cmd, "%s", strerror(ENOMEM));
		return KHSMCTL_EXIT_FAILED;
	}
	ret = read_set_of_type(rc->cmd, a->to, a->type, "--to", rc->rec);
	if (ret)
		return ret;
	if (rc->kb.info.protection != KHSM_PROTECT_MODULE &&
	    !memcmp(rc->kb.info.set_id, rc->rec->set_id, KHSM_SET_ID_LEN)) {
		fail(rc->cmd, "key %s %s is protected by '%s' already", a->app,
		     a->ident, a->to);
		return KHSMCTL_EXIT_FAILED;
	}
	return 0;
}

static int find_token(struct recoverer *rc)
{
	if (rc->a->token_id) {
		rc->token_id = rc->a->token_id;
		return 0;
	}
	return find_set_token(rc->cmd, rc->h, rc->a->to, rc->rec->set_id,
			      "recover", &rc->token_id);
}

/* What the refusals mean here, beyond the module's words. */
static int recover_error(const struct recoverer *rc, int err)
{
	int ret = report_error(rc->cmd, rc->h, err);

	if (err == -EACCES)
		fprintf(stderr, "%s: %s: it needs the key-recovery ACS quorum: run '%s acs authorise' first (as root)\n",
			PROG_NAME, rc->cmd, PROG_NAME);
	else if (err == -EPERM && !rc->kb.info.has_recovery)
		fprintf(stderr, "%s: %s: key %s %s was made without a recovery copy: nothing recovers it\n",
			PROG_NAME, rc->cmd, rc->a->app, rc->a->ident);
	return ret;
}

/* The module's blob is the same key, under the set asked for. */
static int check_new(const struct recoverer *rc,
		     const struct khsm_key_result *res,
		     struct khsm_key_info *ki)
{
	const struct khsm_key_info *old = &rc->kb.info;
	char why[200];

	if (khsm_key_blob_parse(res->blob, res->blob_len, ki, why,
				sizeof(why))) {
		fail(rc->cmd, "the module returned a blob this tool cannot read: %s",
		     why);
		return KHSMCTL_EXIT_FAILED;
	}
	if (strcmp(ki->app, old->app) || strcmp(ki->ident, old->ident) ||
	    ki->type != old->type ||
	    memcmp(ki->key_hash, old->key_hash, KHSM_KEY_HASH_LEN) ||
	    memcmp(ki->set_id, rc->rec->set_id, KHSM_SET_ID_LEN)) {
		fail(rc->cmd, "the module returned another key, or the key under another set");
		return KHSMCTL_EXIT_FAILED;
	}
	return 0;
}

/* On stdout: the key hash, the file, what protects it now. */
static void print_recovered(const struct recoverer *rc,
			    const struct khsm_key_info *ki)
{
	char buf[HEX_LEN(KHSM_KEY_HASH_LEN)];

	printf("key hash: %s\n", hex(buf, ki->key_hash, sizeof(ki->key_hash)));
	printf("file: %s/%s\n", kmdata_dir, rc->kb.file);
	printf("protection: %s %s\n", khsm_protection_name(ki->protection),
	       rc->a->to);
	printf("recovery copy: %s\n", ki->has_recovery ? "yes" : "no");
	warn("copies of the old blob (backups, other hosts) still load key %s %s with a token of its old set: destroy them",
	     rc->a->app, rc->a->ident);
	if (!ki->has_recovery)
		warn("'%s' was made without key recovery: the new blob has no recovery copy",
		     rc->a->to);
}

static int reseal(struct recoverer *rc)
{
	struct khsm_key_result res;
	struct khsm_key_info ki;
	int err, ret;

	err = khsm_key_recover(rc->h, rc->kb.blob, rc->kb.len, rc->token_id,
			       &res);
	if (err)
		return recover_error(rc, err);
	ret = check_new(rc, &res, &ki) ?:
	      write_key_blob(rc->cmd, rc->kb.file, res.blob, res.blob_len);
	if (!ret)
		print_recovered(rc, &ki);
	khsm_key_result_free(&res);
	return ret;
}

static int recover(const char *cmd, const struct recover_args *a)
{
	struct recoverer rc = { .cmd = cmd, .a = a };
	int ret;

	ret = read_key_blob(cmd, a->app, a->ident, &rc.kb) ?:
	      replacement_set(&rc) ?: kmdata_writable(cmd) ?:
	      open_control(cmd, &rc.h) ?: find_token(&rc) ?: reseal(&rc);
	khsm_close(rc.h);
	free(rc.rec);
	free(rc.kb.blob);
	return ret;
}

static void recover_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s key recover APP ID --to cardset:NAME|softcard:NAME [--token ID]\n"
		"\n"
		"Recover key APP ID to a replacement card set or softcard: the module\n"
		"opens the blob's recovery copy with the world's recovery key and seals\n"
		"the key again under a loaded token of set NAME; the new blob replaces\n"
		"%sAPP_ID in the kmdata directory. Needs root and the key-recovery ACS\n"
		"quorum ('%s acs authorise'), and the new set's token held meanwhile:\n"
		"  %s token preload NAME -- %s key recover APP ID --to cardset:NAME\n"
		"Copies of the old blob still load with a token of the old set.\n"
		"\n"
		"  --to SET     cardset:NAME or softcard:NAME, the replacement set\n"
		"  --token ID   the token to use (default: one of the set's that is\n"
		"               loaded and yours to use)\n",
		PROG_NAME, KHSM_KEY_FILE_PREFIX, PROG_NAME, PROG_NAME, PROG_NAME);
}

int key_recover_main(int argc, char *argv[])
{
	const char *cmd = "key recover";
	struct recover_args a;
	char err[256];
	int ret;

	ret = usage_or_run(parse_recover_args(argc, argv, &a, err,
					      sizeof(err)),
			   cmd, err, recover_usage);
	return ret >= 0 ? ret : recover(cmd, &a);
}
