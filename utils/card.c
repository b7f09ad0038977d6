// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Presenting cards: read a card file, ask for its passphrase if its header
 * says it has one, insert it into a slot, take it out again, and say how
 * far the quorum has come; until the quorum is met. All cards go through
 * one connection, because the module counts a quorum per connection.
 */
#include <errno.h>
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
		.pp = &p->own_pp, .own_pp = { .fd = -1 },
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

/* Read @path and check it looks like a card, with a message if not. */
int read_card_file(const char *cmd, const char *path, uint8_t **data,
		   size_t *len, struct khsm_card_info *ci)
{
	char why[160];
	int ret;

	/* Cards live on removable media whose modes mean little: no check. */
	ret = khsm_read_file(path, 0, data, len, NULL);
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
	printf("%s: %u of %u cards\n", khsm_token_name(p->token), q->have,
	       q->need);
	fflush(stdout);
	*done = q->done;
	return 0;
}

static int insert_one(struct presenter *p, const char *path, bool *done)
{
	struct khsm_insert_result res;
	struct khsm_card_info ci;
	uint8_t *data = NULL;
	char prompt[200];
	size_t len, pplen;
	int ret, err;

	ret = read_card_file(p->cmd, path, &data, &len, &ci);
	if (ret)
		return ret;
	if (ci.has_passphrase) {
		snprintf(prompt, sizeof(prompt),
			 "Passphrase of card %u '%s' (%s): ", ci.index,
			 ci.card_name, ci.set_name);
		ret = card_key(p, &ci, prompt);
		if (ret)
			goto out;
	} else if (p->pp->fd >= 0) {
		/*
		 * Its line is still its own, and empty: one that is not means
		 * the lines and the cards are out of step.
		 */
		ret = pp_next(p->pp, p->cmd, "", p->sec->pp, &pplen);
		explicit_bzero(p->sec->pp, sizeof(p->sec->pp));
		if (!ret && pplen) {
			fail(p->cmd, "%s: line %u is for %s, which has no passphrase: leave it empty",
			     p->pp->what, p->pp->line, path);
			ret = KHSMCTL_EXIT_USAGE;
		}
		if (ret)
			goto out;
	}
	err = khsm_card_insert(p->h, p->slot, data, len,
			       ci.has_passphrase ? p->sec->key : NULL, 0, &res);
	explicit_bzero(p->sec->key, sizeof(p->sec->key));
	if (err) {
		ret = insert_error(p, path, err);
		goto out;
	}
	/* Its shares are counted: the card can leave the slot at once. */
	err = khsm_card_remove(p->h, p->slot);
	if (err) {
		ret = report_error(p->cmd, p->h, err);
		goto out;
	}
	ret = show_progress(p, &res, done);
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
			     khsm_token_name(p->token));
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
		.sec = sec, .pp = pp,
	};

	if (!a->ncards)
		return 0;
	if (!sec || !pp)
		return present_quorum(h, cmd, KHSM_TOKEN_ACS, a);
	return present_cards(&p, a->cards, a->ncards);
}
