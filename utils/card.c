// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Presenting cards: read a card file, ask for its passphrase if its header
 * says it has one, insert it into a slot, take it out again, and say how
 * far the quorum has come; until the quorum is met. All cards go through
 * one connection, because the module counts a quorum per connection. The
 * card that loads a non-persistent token stays in its slot: the token
 * lasts only while it is there.
 *
 * And "khsmctl card remove", which takes this process's card out
 * ("card passphrase" is card_pp.c's).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cards.h"

/*
 * A presenter on @h for @a's slot, with secrets and passphrases of its own
 * (from @a's options). presenter_close() it whether this failed or not.
 */
int presenter_open(struct presenter *p, struct khsm *h, const char *cmd,
		   uint32_t token, const struct present_args *a)
{
	*p = (struct presenter){
		.h = h, .cmd = cmd, .token = token, .slot = a->slot,
		.pp = &p->own_pp, .own_pp = { .fd = -1 }, .out = stdout,
	};
	p->sec = secrets_alloc(cmd);
	if (!p->sec)
		return KHSMCTL_EXIT_FAILED;
	return pp_source_open(&p->own_pp, &a->pp, cmd);
}

void presenter_close(struct presenter *p)
{
	pp_source_close(&p->own_pp);	/* open or half-open */
	secrets_free(p->sec);
	p->sec = NULL;
}

/*
 * Read @path and check it looks like a card, with a message if not. Cards
 * live on removable media whose modes mean little: @flags is 0 for them,
 * and the checks of a kmdata file for a softcard's.
 */
int read_card_file(const char *cmd, const char *path, unsigned int flags,
		   uint8_t **data, size_t *len, struct khsm_card_info *ci)
{
	char why[160];
	mode_t mode = 0;
	int ret;

	if (flags) {
		ret = kmdata_dir_safe(cmd);
		if (ret)
			return ret;
	}
	ret = khsm_read_file(path, flags, data, len, &mode);
	if (ret == -EPERM)
		return refuse_mode(cmd, path, mode);
	if (ret == -EFBIG) {
		fail(cmd, "%s: larger than any card file", path);
		return KHSMCTL_EXIT_FAILED;
	}
	if (ret) {
		fail(cmd, "%s: %s", path, strerror(-ret));
		return KHSMCTL_EXIT_FAILED;
	}
	ret = khsm_card_parse(*data, *len, ci, why, sizeof(why));
	if (ret) {
		fail(cmd, "%s: %s", path, why);
		free(*data);
		*data = NULL;
		return KHSMCTL_EXIT_FAILED;
	}
	return 0;
}

/* Ask for the card's passphrase (@prompt) and stretch it into p->sec->key. */
int card_key(struct presenter *p, const struct khsm_card_info *ci,
	     const char *prompt)
{
	struct secrets *s = p->sec;
	size_t len;
	int ret;

	ret = pp_next(p->pp, p->cmd, prompt, s->pp, &len) ?:
	      pp_stretch(p->cmd, ci->index, s->pp, len, ci->pp_salt,
			 ci->pbkdf2_iter, s->key);
	explicit_bzero(s->pp, sizeof(s->pp));
	return ret;
}

/*
 * A wrong passphrase (EACCES) and a retry delay (EAGAIN) are failures of
 * this ceremony, not missing privileges: exit 1, with the kernel's words,
 * which say when to try again.
 */
static int insert_error(const struct presenter *p, const char *path, int err)
{
	char *what = NULL;

	if (asprintf(&what, "%s: %s", p->cmd, path) < 0)
		what = NULL;
	report_error(what ? what : p->cmd, p->h, err);
	free(what);
	if (err == -EACCES || err == -EAGAIN)
		return KHSMCTL_EXIT_FAILED;
	return exit_status(err);
}

static int show_progress(const struct presenter *p,
			 const struct khsm_insert_result *res, bool *done)
{
	const struct khsm_quorum *q = khsm_insert_quorum(res, p->token);

	if (!q) {
		fail(p->cmd, "the module sent no progress for %s",
		     khsm_token_name(p->token));
		return KHSMCTL_EXIT_FAILED;
	}
	fprintf(p->out, "%s: %u of %u cards\n", khsm_token_name(p->token),
		q->have, q->need);
	fflush(p->out);
	*done = q->done;
	return 0;
}

/* A set's progress; done when the module names the token it loaded. */
static int show_set_progress(struct presenter *p,
			     const struct khsm_insert_result *res, bool *done)
{
	if (!res->has_set_quorum ||
	    (res->set_done && !res->has_token_id)) {
		fail(p->cmd, "the module sent no %s for set '%s'",
		     res->has_set_quorum ? "token" : "progress", p->set->name);
		return KHSMCTL_EXIT_FAILED;
	}
	fprintf(p->out, "%s: %u of %u cards\n", p->set->name, res->set_have,
		res->set_need);
	fflush(p->out);
	*done = res->has_token_id;
	if (*done)
		p->token_id = res->token_id;
	return 0;
}

/* A card of another set would be refused anyway: say which it is. */
static int check_set(const struct presenter *p, const char *path,
		     const struct khsm_card_info *ci)
{
	char id[HEX_LEN(KHSM_SET_ID_LEN)];

	if (!p->set || (ci->set_type != KHSM_SET_ACS &&
			!memcmp(ci->set_id, p->set->set_id, KHSM_SET_ID_LEN)))
		return 0;
	fail(p->cmd, "%s: card %u of %s '%s' (set %s), not of '%s'", path,
	     ci->index, khsm_set_type_name(ci->set_type), ci->set_name,
	     hex(id, ci->set_id, sizeof(ci->set_id)), p->set->name);
	return KHSMCTL_EXIT_FAILED;
}

/* Its passphrase into p->sec->key, or its empty line consumed. */
static int card_secret(struct presenter *p, const char *path,
		       const struct khsm_card_info *ci)
{
	char prompt[200];
	size_t pplen;
	int ret;

	if (ci->has_passphrase) {
		snprintf(prompt, sizeof(prompt),
			 "Passphrase of card %u '%s' (%s): ", ci->index,
			 ci->card_name, ci->set_name);
		return card_key(p, ci, prompt);
	}
	if (p->pp->fd < 0)
		return 0;
	/*
	 * Its line is still its own, and empty: one that is not means the
	 * lines and the cards are out of step.
	 */
	ret = pp_next(p->pp, p->cmd, "", p->sec->pp, &pplen);
	explicit_bzero(p->sec->pp, sizeof(p->sec->pp));
	if (!ret && pplen) {
		fail(p->cmd, "%s: line %u is for %s, which has no passphrase: leave it empty",
		     p->pp->what, p->pp->line, path);
		ret = KHSMCTL_EXIT_USAGE;
	}
	return ret;
}

/*
 * Its shares are counted: the card can leave the slot at once, unless it
 * loaded a token that lasts only while it stays.
 */
static int after_insert(struct presenter *p,
			const struct khsm_insert_result *res, bool *done)
{
	int ret, err;

	ret = p->set ? show_set_progress(p, res, done) :
	      show_progress(p, res, done);
	if (ret || (*done && p->set && p->keep_last))
		return ret;
	err = khsm_card_remove(p->h, p->slot);
	return err ? report_error(p->cmd, p->h, err) : 0;
}

static int insert_one(struct presenter *p, const char *path, bool *done)
{
	struct khsm_insert_req req = {
		.slot = p->slot,
		.flags = p->share ? KHSM_INSERT_SHARE_GID : 0,
		.share_gid = p->share_gid,
	};
	struct khsm_insert_result res;
	struct khsm_card_info ci;
	uint8_t *data = NULL;
	int ret, err;

	ret = read_card_file(p->cmd, path, p->read_flags, &data, &req.len,
			     &ci);
	if (ret)
		return ret;
	ret = check_set(p, path, &ci) ?: card_secret(p, path, &ci);
	if (ret)
		goto out;
	req.image = data;
	req.pp_key = ci.has_passphrase ? p->sec->key : NULL;
	err = khsm_card_insert_req(p->h, &req, &res);
	explicit_bzero(p->sec->key, sizeof(p->sec->key));
	ret = err ? insert_error(p, path, err) : after_insert(p, &res, done);
out:
	free(data);
	return ret;
}

/* With no --card left, a person at a terminal may name more cards. */
static int next_path(const struct presenter *p, const char *const *paths,
		     size_t n, size_t i, char *buf, size_t size,
		     const char **path)
{
	if (i < n) {
		*path = paths[i];
		return 0;
	}
	if (!p->pp->tty || ask("Card file (empty to stop)", NULL, buf, size) ||
	    !buf[0])
		return -ENODATA;
	*path = buf;
	return 0;
}

/*
 * Present @paths (then, on a terminal, what the person names) until the
 * quorum of p->token is met. Returns an exit status, having said why.
 */
int present_cards(struct presenter *p, const char *const *paths, size_t n)
{
	const char *path;
	char buf[4096];
	bool done = false;
	size_t i;
	int ret;

	for (i = 0; !done; i++) {
		if (next_path(p, paths, n, i, buf, sizeof(buf), &path)) {
			fail(p->cmd, "%s quorum not met: not enough cards",
			     p->set ? p->set->name : khsm_token_name(p->token));
			return KHSMCTL_EXIT_FAILED;
		}
		ret = insert_one(p, path, &done);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * @a's cards (then, on a terminal, what the person names) on @h until
 * @token's quorum is met, with secrets and passphrases of our own.
 */
int present_quorum(struct khsm *h, const char *cmd, uint32_t token,
		   const struct present_args *a)
{
	struct presenter p;
	int ret;

	ret = presenter_open(&p, h, cmd, token, a) ?:
	      present_cards(&p, a->cards, a->ncards);
	presenter_close(&p);
	return ret;
}

/*
 * --card FILE...: meet the full ACS quorum on @h before a command that
 * needs it. Without --card the command relies on an authorisation already
 * in force (khsmctl acs authorise), which the module holds for everyone
 * until the NSO timeout. A ceremony passes its @sec and @pp (its lines go
 * on where it stopped); with NULL for both, they are our own, passphrases
 * from @a's options.
 */
int authorise(struct khsm *h, const char *cmd, const struct present_args *a,
	      struct secrets *sec, struct pp_source *pp)
{
	struct presenter p = {
		.h = h, .cmd = cmd, .token = KHSM_TOKEN_ACS, .slot = a->slot,
		.sec = sec, .pp = pp, .out = stdout,
	};

	if (!a->ncards)
		return 0;
	if (!sec || !pp)
		return present_quorum(h, cmd, KHSM_TOKEN_ACS, a);
	return present_cards(&p, a->cards, a->ncards);
}

static void remove_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s card remove SLOT\n"
		"\n"
		"Take the card out of SLOT. The module lets only the connection that\n"
		"inserted a card take it out, and takes out every card of a\n"
		"connection when it closes: a card left in by 'token load --hold'\n"
		"comes out when that command ends.\n",
		PROG_NAME);
}

static const struct option remove_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int card_remove(int argc, char *argv[])
{
	const char *cmd = "card remove";
	struct verb_args va;
	struct khsm *h = NULL;
	char err[256];
	uint32_t slot;
	int ret, e;

	ret = usage_or_run(parse_verb_args(argc, argv, remove_options, 1, &va,
					   err, sizeof(err)),
			   cmd, err, remove_usage);
	if (ret >= 0)
		return ret;
	if (va.npos != 1 || parse_u32(va.pos[0], 0, UINT8_MAX, &slot)) {
		fail(cmd, "one SLOT, a number from 0 to 255");
		remove_usage(stderr);
		return KHSMCTL_EXIT_USAGE;
	}
	ret = open_control(cmd, &h);
	if (!ret) {
		e = khsm_card_remove(h, (uint8_t)slot);
		ret = e ? report_error(cmd, h, e) : KHSMCTL_EXIT_OK;
	}
	khsm_close(h);
	return ret;
}

static const struct verb card_verbs[] = {
	{ "remove", card_remove, "Take this process's card out of a slot" },
	{ "passphrase", card_passphrase_main, "Change a card's passphrase" },
};

int card_main(int argc, char *argv[])
{
	return run_verb("card", card_verbs, ARRAY_SIZE(card_verbs), argc,
			argv);
}
