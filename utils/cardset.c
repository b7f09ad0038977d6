// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl cardset: make an operator card set (the ceremony of "world new",
 * without an ACS), and show the sets the kmdata directory has records of,
 * with the tokens the module has loaded from them. set_create() makes
 * softcards too (softcard.c).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cards.h"
#include "json.h"

/* The passphrase rules and PBKDF2 count: the loaded world's. */
static int world_rules(struct ceremony *c, struct khsm_world_options *rules)
{
	struct khsm_world_info wi;
	int err;

	err = khsm_world_info(c->h, &wi);
	if (err)
		return report_error(c->cmd, c->h, err);
	if (wi.state != KHSM_WORLD_OPERATIONAL ||
	    !(wi.present & KHSM_INFO_BIT(KHSM_A_INFO_WORLD_OPTS))) {
		fail(c->cmd, "no world loaded (the world is %s)",
		     khsm_world_state_name(wi.state));
		return KHSMCTL_EXIT_FAILED;
	}
	*rules = wi.opts;
	return 0;
}

/* What @name names already: 0 nothing, a set type, -1 an unreadable record. */
static int existing(const char *name)
{
	struct khsm_cardset_record r;
	char file[NAME_MAX], why[16];
	mode_t mode;
	int ret;

	ret = load_set_record(name, &r, &mode, why, sizeof(why));
	if (!ret)
		return r.type;
	set_file(file, sizeof(file), KHSM_SOFTCARD_PREFIX, name);
	if (kmdata_exists(file))
		return KHSM_SET_SOFTCARD;
	return ret == -ENOENT ? 0 : -1;
}

/*
 * One name, one set: another type's name is never taken over; a set of
 * the same type is replaced only when the operator says so. Reusing a
 * softcard's name is what the reference warns about.
 */
static int check_name_free(const char *cmd, const struct set_args *a)
{
	bool softcard = a->req.type == KHSM_SET_SOFTCARD;
	const char *name = a->req.name;
	int type = existing(name);
	char file[NAME_MAX];

	if (!type)
		return 0;
	if (type > 0 && type != a->req.type) {
		fail(cmd, "'%s' names %s already: choose another name", name,
		     type == KHSM_SET_SOFTCARD ? "a softcard" :
		     "an operator card set");
		return KHSMCTL_EXIT_FAILED;
	}
	if (softcard)
		warn("a softcard named '%s' exists already: softcards sharing a name (or a passphrase) widen what one broken passphrase opens",
		     name);
	else
		warn("a card set named '%s' exists already", name);
	if (a->ca.yes) {
		warn("replacing it: %s", softcard ?
		     "keys protected by the old softcard can no longer be loaded" :
		     "the old set's cards still load its token, but no record names them");
		return 0;
	}
	if (interactive() && confirm("Replace it?"))
		return 0;
	set_file(file, sizeof(file), softcard ? KHSM_SOFTCARD_PREFIX :
		 KHSM_CARDSET_RECORD_PREFIX, name);
	fail(cmd, "%s/%s exists%s", kmdata_dir, file,
	     interactive() ? "" : " (--yes replaces it)");
	return KHSMCTL_EXIT_FAILED;
}

static void print_terms(FILE *f, const struct khsm_cardset_req *req)
{
	fprintf(f, "%s, %s", req->flags & KHSM_CARDSET_PERSISTENT ?
		"persistent" : "non-persistent",
		req->timeout ? "" : "no timeout");
	if (req->timeout)
		fprintf(f, "timeout %u s", req->timeout);
}

static int confirm_set(const struct set_args *a)
{
	const struct khsm_cardset_req *req = &a->req;

	if (a->ca.yes || !interactive())
		return 0;
	fprintf(stderr, "\nNew %s '%s': %u of %u cards, ",
		khsm_set_type_name(req->type), req->name, req->k, req->n);
	print_terms(stderr, req);
	fputc('\n', stderr);
	if (confirm("Create it?"))
		return 0;
	fprintf(stderr, "%s: nothing created\n", PROG_NAME);
	return KHSMCTL_EXIT_FAILED;
}

/* The cards are one set, of the type asked for, the one the module named. */
static int check_made(const struct ceremony *c, const struct set_args *a,
		      const struct khsm_cardset_result *res)
{
	struct khsm_card_info ci;

	if (khsm_card_parse(res->cards[0].data, res->cards[0].len, &ci, NULL,
			    0) ||
	    ci.set_type != a->req.type ||
	    memcmp(ci.set_id, res->set_id, sizeof(ci.set_id))) {
		fail(c->cmd, "the module returned cards of another set");
		return KHSMCTL_EXIT_FAILED;
	}
	return 0;
}

/* Recovery as the module fixed it, else as asked, else the world's. */
static uint8_t made_recovery(const struct ceremony *c,
			     const struct set_args *a,
			     const struct khsm_cardset_result *res)
{
	if (res->present & KHSM_CARDSET_BIT(KHSM_A_CARDSET_RECOVERY))
		return res->recovery;
	if (a->req.flags & (KHSM_CARDSET_RECOVERY | KHSM_CARDSET_NO_RECOVERY))
		return !!(a->req.flags & KHSM_CARDSET_RECOVERY);
	return c->rules->key_recovery;
}

static void make_record(const struct ceremony *c, const struct set_args *a,
			const struct khsm_cardset_result *res,
			struct khsm_cardset_record *r)
{
	const struct khsm_cardset_req *req = &a->req;
	struct khsm_card_info ci;
	unsigned int i;

	khsm_card_parse(res->cards[0].data, res->cards[0].len, &ci, NULL, 0);
	memset(r, 0, sizeof(*r));
	memcpy(r->set_id, res->set_id, sizeof(r->set_id));
	memcpy(r->world_id, ci.world_id, sizeof(r->world_id));
	r->type = req->type;
	r->k = req->k;
	r->n = req->n;
	r->persistent = !!(req->flags & KHSM_CARDSET_PERSISTENT);
	r->recovery = made_recovery(c, a, res);
	r->pp_recovery = !!(req->flags & KHSM_CARDSET_PP_RECOVERY);
	r->timeout = req->timeout;
	if (res->present & KHSM_CARDSET_BIT(KHSM_A_CARDSET_PERSISTENT))
		r->persistent = res->persistent;
	if (res->present & KHSM_CARDSET_BIT(KHSM_A_CARDSET_PP_RECOVERY))
		r->pp_recovery = res->pp_recovery;
	if (res->present & KHSM_CARDSET_BIT(KHSM_A_CARDSET_TIMEOUT))
		r->timeout = res->timeout;
	r->created = ci.created;
	memcpy(r->name, req->name, sizeof(r->name));
	for (i = 0; i < c->n; i++) {
		copy_text(r->card_names[i], KHSM_NAME_MAX, c->sec->reqs[i].name);
		copy_text(r->holders[i], KHSM_HOLDER_MAX, c->holders[i]);
	}
}

static int write_record(const char *cmd, const struct khsm_cardset_record *r)
{
	char file[NAME_MAX], *text = NULL;
	size_t size;
	FILE *f;
	int ret;

	f = open_memstream(&text, &size);
	if (!f) {
		fail(cmd, "%s", strerror(errno));
		return KHSMCTL_EXIT_FAILED;
	}
	ret = khsm_cardset_record_format(r, f);
	if (fclose(f) && !ret)
		ret = -ENOMEM;
	if (ret) {
		fail(cmd, "the set's record: %s", strerror(-ret));
		free(text);
		return KHSMCTL_EXIT_FAILED;
	}
	set_file(file, sizeof(file), KHSM_CARDSET_RECORD_PREFIX, r->name);
	ret = write_kmdata(cmd, file, text, size);
	free(text);
	return ret;
}

/* Where the set's cards go: their files, or a softcard's into kmdata. */
static int write_set_cards(struct ceremony *c, const struct set_args *a,
			   const struct khsm_cardset_result *res)
{
	char file[NAME_MAX];
	int ret;

	if (!c->softcard)
		return ceremony_write_cards(c, res->cards);
	set_file(file, sizeof(file), KHSM_SOFTCARD_PREFIX, a->req.name);
	ret = write_kmdata(c->cmd, file, res->cards[0].data, res->cards[0].len);
	c->written[0] = !ret;
	return ret;
}

static void unwrite_set_cards(struct ceremony *c, const struct set_args *a)
{
	char file[NAME_MAX], *path;

	if (!c->softcard) {
		ceremony_unwrite_cards(c);
		return;
	}
	set_file(file, sizeof(file), KHSM_SOFTCARD_PREFIX, a->req.name);
	path = kmdata_path(file);
	if (c->written[0] && path && unlink(path))
		warn("cannot remove %s: %s", path, strerror(errno));
	c->written[0] = false;
	free(path);
}

/* What was made, on stdout (khsmctl(8), OUTPUT). */
static void print_made(const struct ceremony *c, const struct set_args *a,
		       const struct khsm_cardset_result *res)
{
	char id[HEX_LEN(KHSM_SET_ID_LEN)];
	unsigned int i;

	printf("set id: %s\n", hex(id, res->set_id, sizeof(res->set_id)));
	printf("record: %s/%s%s\n", kmdata_dir, KHSM_CARDSET_RECORD_PREFIX,
	       a->req.name);
	if (c->softcard)
		printf("card 1: %s/%s%s\n", kmdata_dir, KHSM_SOFTCARD_PREFIX,
		       a->req.name);
	for (i = 0; i < c->n && !c->softcard; i++)
		printf("card %u: %s\n", i + 1, c->paths[i]);
}

/*
 * The module keeps nothing of a set: if its cards or its record cannot be
 * written, removing what was written leaves nothing behind.
 */
static int set_finish(struct ceremony *c, const struct set_args *a,
		      const struct khsm_cardset_result *res)
{
	struct khsm_cardset_record *r;
	int ret;

	ret = ceremony_check_cards(c, res->cards, res->ncards) ?:
	      check_made(c, a, res);
	if (ret)
		return ret;
	r = malloc(sizeof(*r));
	if (!r) {
		fail(c->cmd, "%s", strerror(ENOMEM));
		return KHSMCTL_EXIT_FAILED;
	}
	make_record(c, a, res, r);
	ret = write_set_cards(c, a, res) ?: write_record(c->cmd, r);
	free(r);
	if (ret) {
		unwrite_set_cards(c, a);
		fail(c->cmd, "nothing of set '%s' was kept", a->req.name);
		return ret;
	}
	print_made(c, a, res);
	return 0;
}

static int set_run(struct ceremony *c, const struct set_args *a)
{
	struct khsm_cardset_result res;
	int ret, err;

	ret = ceremony_collect(c) ?: confirm_set(a);
	if (ret)
		return ret;
	err = khsm_cardset_create(c->h, &a->req, c->sec->reqs, c->n, &res);
	ceremony_wipe_keys(c);
	if (err)
		return report_error(c->cmd, c->h, err);
	ret = set_finish(c, a, &res);
	khsm_cardset_result_free(&res);
	return ret;
}

/* "cardset create" and "softcard create", once their options are parsed. */
int set_create(const char *cmd, const struct set_args *a)
{
	struct ceremony c = {
		.cmd = cmd, .args = &a->ca, .n = a->req.n,
		.prefix = a->req.name,
		.softcard = a->req.type == KHSM_SET_SOFTCARD,
	};
	struct khsm_world_options rules;
	int ret;

	c.rules = &rules;
	ret = harden_process(cmd) ?: open_control(cmd, &c.h) ?:
	      world_rules(&c, &rules) ?: kmdata_prepare(cmd) ?:
	      kmdata_writable(cmd) ?: check_name_free(cmd, a);
	if (!ret)
		ret = set_run(&c, a);
	ceremony_end(&c);
	khsm_close(c.h);
	return ret;
}

static void create_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s cardset create NAME [-K K] [-N N] [--persistent]\n"
		"           [--timeout SECONDS] [--no-recovery] [--pp-recovery]\n"
		"           [--card-dir DIR] [--card-name NAME]... [--card-holder TEXT]...\n"
		"           [--passphrase-fd FD | --passphrase-file FILE | --no-passphrase]\n"
		"           [--yes]\n"
		"\n"
		"Create operator card set NAME: N cards, K of which load its logical\n"
		"token. Needs a loaded world, no ACS. Writes the card files (0600)\n"
		"and the set's record in the kmdata directory.\n"
		"\n"
		"  -K K                    quorum (default 1)\n"
		"  -N N                    cards, 1..64 (default 1)\n"
		"  --persistent            the token outlives the removal of its last card\n"
		"  --timeout SECONDS       the token is unloaded that long after loading\n"
		"  --no-recovery           keys under this set cannot be recovered\n"
		"  --pp-recovery           card passphrases may be replaced (recovery quorum)\n"
		"  --card-dir DIR          card I goes to DIR/NAME-I.card\n"
		"  --card-name NAME        name of the next card (default NAME-I)\n"
		"  --card-holder TEXT      who holds the next card (for the record)\n"
		"  --passphrase-fd FD      card I's passphrase on line I of FD\n"
		"  --passphrase-file FILE  card I's passphrase on line I of FILE\n"
		"  --no-passphrase         no card has a passphrase\n"
		"  --yes                   no questions; overwrite existing files\n",
		PROG_NAME);
}

static int cardset_create(int argc, char *argv[])
{
	const char *cmd = "cardset create";
	struct set_args a;
	char err[256];
	int ret;

	ret = usage_or_run(parse_set_args(argc, argv, KHSM_SET_OCS, &a, err,
					  sizeof(err)),
			   cmd, err, create_usage);
	return ret >= 0 ? ret : set_create(cmd, &a);
}

/* The loaded tokens, to join with the records; NULL if unknown. */
struct tokens {
	struct khsm_token_info *t;
	size_t n;
	bool known;
};

/* A module that cannot be asked leaves the records to show: a warning. */
static void get_tokens(const char *cmd, struct tokens *tk)
{
	struct khsm *h = NULL;
	int err;

	memset(tk, 0, sizeof(*tk));
	err = khsm_open(&h, KHSM_OPEN_CONTROL);
	if (!err)
		err = khsm_token_list(h, &tk->t, &tk->n);
	if (err)
		warn("%s: loaded tokens unknown: %s", cmd, khsm_strerror(err));
	tk->known = !err;
	khsm_close(h);
}

static bool token_of(const struct khsm_token_info *t,
		     const struct khsm_cardset_record *r)
{
	return !memcmp(t->set_id, r->set_id, sizeof(r->set_id));
}

static const char *persistence(const struct khsm_cardset_record *r)
{
	return r->persistent ? "persistent" : "non-persistent";
}

/* "web: softcard, 1 of 1 cards, persistent, no timeout, tokens: ID" */
static void list_line(const struct khsm_cardset_record *r,
		      const struct tokens *tk)
{
	char id[TOKEN_ID_LEN];
	const char *sep = "";
	size_t i;

	printf("%s: %s, %u of %u cards, %s, ", r->name,
	       khsm_set_type_name(r->type), r->k, r->n, persistence(r));
	if (r->timeout)
		printf("timeout %u s, tokens: ", r->timeout);
	else
		printf("no timeout, tokens: ");
	for (i = 0; tk->known && i < tk->n; i++) {
		if (!token_of(&tk->t[i], r))
			continue;
		printf("%s%s", sep, token_hex(id, tk->t[i].id));
		sep = ", ";
	}
	printf("%s\n", !tk->known ? "unknown" : *sep ? "" : "none");
}

static void json_path(bool *first, const char *key, const char *prefix,
		      const char *name)
{
	char *path = NULL;

	json_key(stdout, first, key);
	if (prefix && asprintf(&path, "%s/%s%s", kmdata_dir, prefix, name) < 0)
		path = NULL;
	json_string(stdout, path);
	free(path);
}

static void json_cards(const struct khsm_cardset_record *r)
{
	bool first;
	unsigned int i;

	putchar('[');
	for (i = 0; i < r->n; i++) {
		first = true;
		fputs(i ? ", {" : "{", stdout);
		json_key(stdout, &first, "index");
		printf("%u", i + 1);
		json_key(stdout, &first, "name");
		json_string(stdout, r->card_names[i][0] ? r->card_names[i] : NULL);
		json_key(stdout, &first, "holder");
		json_string(stdout, r->holders[i][0] ? r->holders[i] : NULL);
		putchar('}');
	}
	putchar(']');
}

static void json_tokens(const struct khsm_cardset_record *r,
			const struct tokens *tk)
{
	const char *sep = "";
	size_t i;

	if (!tk->known) {
		fputs("null", stdout);
		return;
	}
	putchar('[');
	for (i = 0; i < tk->n; i++) {
		if (!token_of(&tk->t[i], r))
			continue;
		fputs(sep, stdout);
		print_token_json(stdout, &tk->t[i]);
		sep = ", ";
	}
	putchar(']');
}

static void json_set(const struct khsm_cardset_record *r,
		     const struct tokens *tk)
{
	bool first = true;

	putchar('{');
	json_key(stdout, &first, "name");
	json_string(stdout, r->name);
	json_key(stdout, &first, "type");
	json_string(stdout, khsm_set_type_name(r->type));
	json_key(stdout, &first, "set_id");
	json_hex(stdout, r->set_id, sizeof(r->set_id));
	json_key(stdout, &first, "world_id");
	json_hex(stdout, r->world_id, sizeof(r->world_id));
	json_key(stdout, &first, "k");
	printf("%u", r->k);
	json_key(stdout, &first, "n");
	printf("%u", r->n);
	json_key(stdout, &first, "persistent");
	json_bool(stdout, r->persistent);
	json_key(stdout, &first, "timeout");
	printf("%u", r->timeout);
	json_key(stdout, &first, "recovery");
	json_bool(stdout, r->recovery);
	json_key(stdout, &first, "pp_recovery");
	json_bool(stdout, r->pp_recovery);
	json_key(stdout, &first, "created");
	printf("%llu", (unsigned long long)r->created);
	json_path(&first, "record", KHSM_CARDSET_RECORD_PREFIX, r->name);
	json_path(&first, "softcard_file", r->type == KHSM_SET_SOFTCARD ?
		  KHSM_SOFTCARD_PREFIX : NULL, r->name);
	json_key(stdout, &first, "cards");
	json_cards(r);
	json_key(stdout, &first, "tokens");
	json_tokens(r, tk);
	putchar('}');
}

static void list_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s cardset list [--json]\n"
		"\n"
		"Show the card sets and softcards the kmdata directory has records\n"
		"of, with the tokens the module has loaded from each.\n"
		"\n"
		"  --json    print one JSON array instead of text\n",
		PROG_NAME);
}

static const struct option show_options[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Each record, in name order; one that cannot be read is said and skipped. */
static int list_sets(const char *cmd, bool json, char **names, size_t n,
		     const struct tokens *tk)
{
	struct khsm_cardset_record *r;
	const char *sep = "";
	int ret = 0;
	size_t i;

	r = malloc(sizeof(*r));
	if (!r) {
		fail(cmd, "%s", strerror(ENOMEM));
		return KHSMCTL_EXIT_FAILED;
	}
	if (json)
		putchar('[');
	for (i = 0; i < n; i++) {
		if (read_set_record(cmd, names[i], r)) {
			ret = KHSMCTL_EXIT_FAILED;
			continue;
		}
		if (json) {
			fputs(sep, stdout);
			json_set(r, tk);
			sep = ", ";
		} else {
			list_line(r, tk);
		}
	}
	if (json)
		fputs("]\n", stdout);
	free(r);
	return ret;
}

static int cardset_list(int argc, char *argv[])
{
	const char *cmd = "cardset list";
	struct tokens tk = { 0 };
	char **names = NULL;
	struct verb_args va;
	char err[256];
	size_t n = 0;
	int ret;

	ret = usage_or_run(parse_verb_args(argc, argv, show_options, 0, &va,
					   err, sizeof(err)),
			   cmd, err, list_usage);
	if (ret >= 0)
		return ret;
	ret = list_set_names(cmd, &names, &n);
	if (!ret) {
		get_tokens(cmd, &tk);
		ret = list_sets(cmd, va.json, names, n, &tk);
	}
	free(tk.t);
	free_names(names, n);
	return ret;
}

#define FIELD(key)	printf("%-18s", key ":")

static void info_cards(const struct khsm_cardset_record *r)
{
	char key[32];
	unsigned int i;

	for (i = 0; i < r->n; i++) {
		snprintf(key, sizeof(key), "card %u:", i + 1);
		printf("%-18s%s", key, r->card_names[i][0] ? r->card_names[i] :
		       "-");
		if (r->holders[i][0])
			printf(" (%s)", r->holders[i]);
		putchar('\n');
	}
	if (r->type == KHSM_SET_SOFTCARD) {
		FIELD("file");
		printf("%s/%s%s\n", kmdata_dir, KHSM_SOFTCARD_PREFIX, r->name);
	}
}

static void info_tokens(const struct khsm_cardset_record *r,
			const struct tokens *tk)
{
	char id[TOKEN_ID_LEN];
	bool any = false;
	size_t i;

	for (i = 0; tk->known && i < tk->n; i++) {
		if (!token_of(&tk->t[i], r))
			continue;
		FIELD("token");
		printf("%s, ", token_hex(id, tk->t[i].id));
		print_token_text(stdout, &tk->t[i]);
		any = true;
	}
	if (!any) {
		FIELD("token");
		printf("%s\n", tk->known ? "none" : "unknown");
	}
}

static void info_text(const struct khsm_cardset_record *r,
		      const struct tokens *tk)
{
	char id[HEX_LEN(KHSM_SET_ID_LEN)], when[32];

	FIELD("name");
	printf("%s\n", r->name);
	FIELD("type");
	printf("%s\n", khsm_set_type_name(r->type));
	FIELD("set id");
	printf("%s\n", hex(id, r->set_id, sizeof(r->set_id)));
	FIELD("world id");
	printf("%s\n", hex(id, r->world_id, sizeof(r->world_id)));
	FIELD("quorum");
	printf("%u of %u cards\n", r->k, r->n);
	FIELD("persistent");
	printf("%s\n", r->persistent ? "yes" : "no");
	FIELD("timeout");
	if (r->timeout)
		printf("%u s\n", r->timeout);
	else
		printf("none\n");
	FIELD("recovery");
	printf("%s\n", r->recovery ? "on" : "off");
	FIELD("pp recovery");
	printf("%s\n", r->pp_recovery ? "on" : "off");
	FIELD("created");
	printf("%s\n", iso_time(when, sizeof(when), r->created));
	FIELD("record");
	printf("%s/%s%s\n", kmdata_dir, KHSM_CARDSET_RECORD_PREFIX, r->name);
	info_cards(r);
	info_tokens(r, tk);
}

static void info_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s cardset info NAME [--json]\n"
		"\n"
		"Show card set or softcard NAME from its record, and the tokens the\n"
		"module has loaded from it.\n"
		"\n"
		"  --json    print one JSON object instead of text\n",
		PROG_NAME);
}

static int cardset_info(int argc, char *argv[])
{
	const char *cmd = "cardset info";
	struct khsm_cardset_record *r = NULL;
	struct tokens tk = { 0 };
	struct verb_args va;
	char err[256];
	int ret;

	ret = usage_or_run(parse_verb_args(argc, argv, show_options, 1, &va,
					   err, sizeof(err)),
			   cmd, err, info_usage);
	if (ret >= 0)
		return ret;
	if (va.npos != 1 || !khsm_cardset_name_valid(va.pos[0])) {
		if (va.npos)
			fail(cmd, "'%s' is not a set name", va.pos[0]);
		else
			fail(cmd, "NAME is needed");
		info_usage(stderr);
		return KHSMCTL_EXIT_USAGE;
	}
	r = malloc(sizeof(*r));
	ret = r ? read_set_record(cmd, va.pos[0], r) : KHSMCTL_EXIT_FAILED;
	if (!r)
		fail(cmd, "%s", strerror(ENOMEM));
	if (!ret) {
		get_tokens(cmd, &tk);
		if (va.json) {
			json_set(r, &tk);
			putchar('\n');
		} else {
			info_text(r, &tk);
		}
	}
	free(tk.t);
	free(r);
	return ret;
}

static const struct verb cardset_verbs[] = {
	{ "create", cardset_create, "Create an operator card set" },
	{ "list", cardset_list, "Show the sets of the kmdata directory" },
	{ "info", cardset_info, "Show one set and its tokens" },
	{ "erase", cardset_erase_main, "Unload a set's tokens, delete its cards and record" },
};

int cardset_main(int argc, char *argv[])
{
	return run_verb("cardset", cardset_verbs, ARRAY_SIZE(cardset_verbs),
			argc, argv);
}
