// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl cardset erase: an operator card set or softcard made unusable
 * from here. A card of the set, checked by the module with its
 * passphrase (CARD_INSERT with VERIFY_ONLY), shows the caller holds the
 * set; an officer with the ACS authorisation needs none. Then the set's
 * loaded tokens are unloaded, the card files given (a softcard's, in
 * kmdata) and the set's record deleted.
 *
 * The module keeps no list of sets, and so none of erased ones: a copy
 * of enough of the set's cards still loads its token. Erasing is only as
 * good as the destruction of every copy of the cards.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys.h"

#define CAP_SYS_ADMIN_BIT	21

struct erase_args {
	struct present_args present;	/* --card, --slot, passphrases */
	const char *name;
	bool yes;
};

struct eraser {
	const char *cmd;
	const struct erase_args *a;
	struct khsm_cardset_record *rec;
	char *files[KHSM_MAX_CARDS + 1]; /* what goes: the cards given (or
					 * a softcard's), the record last */
	size_t nfiles;
	struct khsm *h;
	char **keys;			/* kmdata key files of the set */
	size_t nkeys;
};

static const struct option erase_options[] = {
	{ "yes", no_argument, NULL, OPT_YES },
	{ "help", no_argument, NULL, 'h' },
	PRESENT_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static enum parsed parse_erase_args(int argc, char *argv[],
				    struct erase_args *a, char *err,
				    size_t errlen)
{
	char culprit[64];
	int opt;

	memset(a, 0, sizeof(*a));
	present_args_init(&a->present);
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", erase_options,
				  NULL)) != -1) {
		if (opt == 'h')
			return PARSED_HELP;
		if (opt == OPT_YES) {
			a->yes = true;
		} else if (opt == '?' ||
			   present_option(opt, optarg, &a->present, err,
					  errlen)) {
			if (opt == '?')
				snprintf(err, errlen,
					 "unrecognised option or missing value: %s",
					 getopt_culprit(argv, culprit,
							sizeof(culprit)));
			return PARSED_BAD;
		}
	}
	if (argc - optind != 1 || !khsm_cardset_name_valid(argv[optind])) {
		snprintf(err, errlen, optind == argc ? "NAME is needed" :
			 argc - optind > 1 ? "one NAME only" :
			 "'%s' is not a set name", argv[optind]);
		return PARSED_BAD;
	}
	a->name = argv[optind];
	return pp_opts_check(&a->present.pp, err, errlen) ? PARSED_BAD :
	       PARSED_RUN;
}

static int add_file(struct eraser *e, const char *path)
{
	e->files[e->nfiles] = strdup(path);
	if (!e->files[e->nfiles]) {
		fail(e->cmd, "%s", strerror(ENOMEM));
		return KHSMCTL_EXIT_FAILED;
	}
	e->nfiles++;
	return 0;
}

/* Each --card is a card of the set; a softcard's card is in kmdata. */
static int check_cards(struct eraser *e)
{
	const struct present_args *p = &e->a->present;
	struct khsm_card_info ci;
	char file[NAME_MAX], *path;
	uint8_t *data = NULL;
	size_t i, len;
	int ret;

	if (e->rec->type == KHSM_SET_SOFTCARD) {
		if (p->ncards) {
			fail(e->cmd, "'%s' is a softcard: its card is in the kmdata directory, no --card",
			     e->rec->name);
			return KHSMCTL_EXIT_USAGE;
		}
		set_file(file, sizeof(file), KHSM_SOFTCARD_PREFIX, e->rec->name);
		path = kmdata_path(file);
		ret = path ? add_file(e, path) : KHSMCTL_EXIT_FAILED;
		free(path);
		return ret;
	}
	for (i = 0; i < p->ncards; i++) {
		ret = read_card_file(e->cmd, p->cards[i], 0, &data, &len, &ci);
		if (ret)
			return ret;
		free(data);
		if (ci.set_type == KHSM_SET_ACS ||
		    memcmp(ci.set_id, e->rec->set_id, KHSM_SET_ID_LEN)) {
			fail(e->cmd, "%s: card %u of '%s', not of '%s'",
			     p->cards[i], ci.index, ci.set_name, e->rec->name);
			return KHSMCTL_EXIT_FAILED;
		}
		ret = add_file(e, p->cards[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* CAP_SYS_ADMIN in our effective set: what the module calls an officer. */
static bool cap_sys_admin(void)
{
	unsigned long long caps = 0;
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/self/status", "re");

	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "CapEff: %llx", &caps) == 1;
	if (f)
		fclose(f);
	return found && (caps & (1ULL << CAP_SYS_ADMIN_BIT));
}

/* An officer with the full ACS quorum authorised needs no card. */
static int officer(struct eraser *e, bool *yes)
{
	struct khsm_world_info wi;
	int err;

	*yes = false;
	err = khsm_world_info(e->h, &wi);
	if (err)
		return report_error(e->cmd, e->h, err);
	if (wi.state != KHSM_WORLD_OPERATIONAL) {
		fail(e->cmd, "no world loaded (the world is %s)",
		     khsm_world_state_name(wi.state));
		return KHSMCTL_EXIT_FAILED;
	}
	*yes = cap_sys_admin() && (wi.acs_auth & (1U << KHSM_TOKEN_ACS));
	return 0;
}

static int first_empty_slot(struct eraser *e, uint8_t *slot)
{
	struct khsm_slot *s = NULL;
	size_t n = 0, i;
	int err;

	if (e->a->present.slot_given) {
		*slot = e->a->present.slot;
		return 0;
	}
	err = khsm_slot_list(e->h, &s, &n);
	if (err)
		return report_error(e->cmd, e->h, err);
	for (i = 0; i < n && s[i].occupied; i++)
		;
	if (i < n)
		*slot = s[i].number;
	free(s);
	if (i < n)
		return 0;
	fail(e->cmd, "no empty slot");
	return KHSMCTL_EXIT_FAILED;
}

/* The first card, checked with its passphrase and forgotten. */
static int verify_card(struct eraser *e, struct presenter *p)
{
	struct khsm_insert_req req = { .flags = KHSM_INSERT_VERIFY_ONLY };
	struct khsm_insert_result res;
	struct khsm_card_info ci;
	uint8_t *data = NULL;
	char prompt[200];
	int ret, err;

	ret = first_empty_slot(e, &req.slot) ?:
	      read_card_file(e->cmd, e->files[0], 0, &data, &req.len, &ci);
	if (ret)
		return ret;
	if (ci.has_passphrase) {
		snprintf(prompt, sizeof(prompt),
			 "Passphrase of card %u '%s' (%s): ", ci.index,
			 ci.card_name, ci.set_name);
		ret = card_key(p, &ci, prompt);
		if (ret)
			goto out;
	}
	req.image = data;
	req.pp_key = ci.has_passphrase ? p->sec->key : NULL;
	err = khsm_card_insert_req(e->h, &req, &res);
	explicit_bzero(p->sec->key, sizeof(p->sec->key));
	if (err) {
		ret = report_error(e->cmd, e->h, err);
		if (err == -EACCES || err == -EAGAIN)
			ret = KHSMCTL_EXIT_FAILED;
		goto out;
	}
	printf("card %u '%s' of '%s' verified\n", res.index, res.card_name,
	       res.set_name);
out:
	free(data);
	return ret;
}

/* A card of the set, or the officer's authorisation. */
static int prove(struct eraser *e)
{
	struct presenter p;
	bool yes;
	int ret;

	ret = officer(e, &yes);
	if (ret || yes)
		return ret;
	if (e->nfiles == 1) {	/* the record alone: no card */
		fail(e->cmd, "erasing '%s' needs a card of the set (--card FILE), or root with the ACS authorised ('%s acs authorise')",
		     e->rec->name, PROG_NAME);
		return KHSMCTL_EXIT_DENIED;
	}
	ret = presenter_open(&p, e->h, e->cmd, 0, &e->a->present) ?:
	      verify_card(e, &p);
	presenter_close(&p);
	return ret;
}

/* The key blobs in kmdata that this set protects, for the warnings. */
static void find_keys(struct eraser *e)
{
	struct khsm_key_info ki;
	char **names = NULL, *path;
	uint8_t *blob;
	size_t n = 0, i, len;

	if (list_key_files(e->cmd, &names, &n))
		return;
	e->keys = calloc(n ? n : 1, sizeof(*e->keys));
	for (i = 0; e->keys && i < n; i++) {
		path = kmdata_path(names[i]);
		blob = NULL;
		if (path && !khsm_read_file(path, 0, &blob, &len, NULL) &&
		    !khsm_key_blob_parse(blob, len, &ki, NULL, 0) &&
		    ki.protection != KHSM_PROTECT_MODULE &&
		    !memcmp(ki.set_id, e->rec->set_id, KHSM_SET_ID_LEN)) {
			e->keys[e->nkeys++] = names[i];
			names[i] = NULL;
		}
		free(blob);
		free(path);
	}
	free_names(names, n);
}

static int confirm_erase(const struct eraser *e)
{
	char q[256];

	if (e->a->yes || !interactive())
		return 0;
	if (e->nkeys)
		fprintf(stderr, "%zu key%s in %s %s protected by '%s' and will no longer load.\n",
			e->nkeys, e->nkeys == 1 ? "" : "s", kmdata_dir,
			e->nkeys == 1 ? "is" : "are", e->rec->name);
	snprintf(q, sizeof(q), "Erase %s '%s'?",
		 khsm_set_type_name(e->rec->type), e->rec->name);
	if (confirm(q))
		return 0;
	fprintf(stderr, "%s: nothing erased\n", PROG_NAME);
	return KHSMCTL_EXIT_FAILED;
}

/*
 * Each file can go, found out before anything does: its directory is
 * writable and, if sticky, the file or the directory is ours (or we are
 * root), as unlink(2) will want.
 */
static int check_removable(const struct eraser *e)
{
	char *dir = NULL;
	struct stat ds, fs;
	int ret = 0;
	size_t i;

	for (i = 0; i < e->nfiles && !ret; i++) {
		free(dir);
		dir = dir_of(e->files[i]);
		if (!dir || access(dir, W_OK | X_OK) || stat(dir, &ds) ||
		    lstat(e->files[i], &fs)) {
			fail(e->cmd, "%s: %s", dir ? e->files[i] : e->cmd,
			     strerror(dir ? errno : ENOMEM));
			ret = KHSMCTL_EXIT_FAILED;
		} else if ((ds.st_mode & S_ISVTX) && geteuid() &&
			   fs.st_uid != geteuid() && ds.st_uid != geteuid()) {
			fail(e->cmd, "%s is uid %u's, in a sticky directory: only they or root may delete it",
			     e->files[i], (unsigned int)fs.st_uid);
			ret = KHSMCTL_EXIT_DENIED;
		}
	}
	free(dir);
	return ret;
}

/* Every loaded token of the set, before any file goes. */
static int unload_tokens(struct eraser *e)
{
	struct khsm_token_info *t = NULL;
	char id[TOKEN_ID_LEN];
	size_t n = 0, i;
	int err, ret = 0;

	err = khsm_token_list(e->h, &t, &n);
	if (err)
		return report_error(e->cmd, e->h, err);
	for (i = 0; i < n && !ret; i++) {
		if (memcmp(t[i].set_id, e->rec->set_id, KHSM_SET_ID_LEN))
			continue;
		err = khsm_token_unload(e->h, t[i].id);
		if (err && err != -ENOKEY) {
			ret = report_error(e->cmd, e->h, err);
			fail(e->cmd, "token %s of '%s' is loaded by uid %u: no file deleted",
			     token_hex(id, t[i].id), e->rec->name, t[i].owner_uid);
		} else {
			printf("token %s unloaded\n", token_hex(id, t[i].id));
		}
	}
	free(t);
	return ret;
}

/* The record goes last: a set half erased still has its record. */
static int add_record(struct eraser *e)
{
	char file[NAME_MAX], *record;
	int ret;

	set_file(file, sizeof(file), KHSM_CARDSET_RECORD_PREFIX, e->rec->name);
	record = kmdata_path(file);
	ret = record ? add_file(e, record) : KHSMCTL_EXIT_FAILED;
	if (!record)
		fail(e->cmd, "%s", strerror(ENOMEM));
	free(record);
	return ret;
}

static int delete_files(struct eraser *e)
{
	int ret = 0;
	size_t i;

	for (i = 0; i < e->nfiles && !ret; i++) {
		if (unlink(e->files[i]) && errno != ENOENT) {
			fail(e->cmd, "%s: %s", e->files[i], strerror(errno));
			ret = KHSMCTL_EXIT_FAILED;
		} else {
			printf("deleted %s\n", e->files[i]);
		}
	}
	return ret;
}

static void say_what_is_left(const struct eraser *e)
{
	size_t given = e->nfiles - 1;	/* the record is not a card */
	size_t i;

	printf("erased %s '%s'\n", khsm_set_type_name(e->rec->type),
	       e->rec->name);
	if (e->rec->type == KHSM_SET_OCS && given < e->rec->n)
		warn("%zu of the set's %u cards were not given: destroy them",
		     e->rec->n - given, e->rec->n);
	warn("the module keeps no list of erased sets: any copy of %s still loads its token",
	     e->rec->type == KHSM_SET_SOFTCARD ? "the softcard's file" :
	     "enough of its cards");
	for (i = 0; i < e->nkeys; i++)
		warn("%s/%s was protected by '%s': it no longer loads (unless recovered with 'key recover')",
		     kmdata_dir, e->keys[i], e->rec->name);
}

static int erase(struct eraser *e)
{
	int ret;

	ret = check_cards(e) ?: add_record(e) ?: check_removable(e) ?:
	      harden_process(e->cmd) ?: open_control(e->cmd, &e->h) ?:
	      prove(e);
	if (ret)
		return ret;
	find_keys(e);
	ret = confirm_erase(e) ?: unload_tokens(e) ?: delete_files(e);
	if (!ret)
		say_what_is_left(e);
	return ret;
}

static void erase_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s cardset erase NAME [--card FILE]... [--slot N]\n"
		"           [--passphrase-fd FD | --passphrase-file FILE] [--yes]\n"
		"\n"
		"Erase card set or softcard NAME: check one card of it (the first --card,\n"
		"or a softcard's file) and its passphrase, without loading anything;\n"
		"unload the set's tokens; delete the --card files (a softcard's file)\n"
		"and the set's record. Root with the ACS authorised needs no card.\n"
		"The module keeps no list of erased sets: a surviving copy of the\n"
		"cards still loads the set's token, so destroy every copy.\n"
		"\n"
		"  --card FILE             a card of the set, to check (the first) and delete\n"
		"  --passphrase-fd FD      the first card's passphrase on line 1 of FD\n"
		"  --passphrase-file FILE  the same, from FILE\n"
		"  --slot N                slot to check the card in (default: the first empty)\n"
		"  --yes                   do not ask\n",
		PROG_NAME);
}

int cardset_erase_main(int argc, char *argv[])
{
	const char *cmd = "cardset erase";
	struct eraser e = { .cmd = cmd };
	struct erase_args a;
	char err[256];
	size_t i;
	int ret;

	ret = usage_or_run(parse_erase_args(argc, argv, &a, err, sizeof(err)),
			   cmd, err, erase_usage);
	if (ret >= 0)
		return ret;
	e.a = &a;
	e.rec = malloc(sizeof(*e.rec));
	if (!e.rec) {
		fail(cmd, "%s", strerror(ENOMEM));
		return KHSMCTL_EXIT_FAILED;
	}
	ret = read_set_record(cmd, a.name, e.rec) ?: erase(&e);
	for (i = 0; i < e.nfiles; i++)
		free(e.files[i]);
	free_names(e.keys, e.nkeys);
	khsm_close(e.h);
	free(e.rec);
	return ret;
}
