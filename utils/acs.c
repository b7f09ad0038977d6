// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl acs: the administrator card set. Authorise with it (the full
 * quorum, which the module then holds for everyone until the NSO
 * timeout), check one card and its passphrase, replace the set, and end
 * the authorisation.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cards.h"

static const struct option present_options[] = {
	{ "help", no_argument, NULL, 'h' },
	PRESENT_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static const struct option authorise_options[] = {
	{ "for", required_argument, NULL, OPT_ACS_TOKEN },
	{ "help", no_argument, NULL, 'h' },
	PRESENT_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static void authorise_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s acs authorise [--for TOKEN] [--card FILE]...\n"
		"           [--passphrase-fd FD | --passphrase-file FILE] [--slot N]\n"
		"\n"
		"Present ACS cards until the full ACS quorum is met. The module then\n"
		"authorises security-officer commands, from any process, until the\n"
		"NSO timeout or 'acs logout'; and every feature whose quorum the cards\n"
		"met. On a terminal, without --card, asks for card files.\n"
		"\n"
		"  --for TOKEN             stop at TOKEN's quorum instead: acs (the\n"
		"                          default), key-recovery or passphrase-recovery\n"
		"  --card FILE             an ACS card (repeat, in order)\n"
		"  --passphrase-fd FD      the Jth --card's passphrase on line J of FD\n"
		"  --passphrase-file FILE  the same, from FILE\n"
		"  --slot N                slot to present the cards in (default 0)\n",
		PROG_NAME);
}

/* The quorum --for names; load-world is not an authorisation. */
static int acs_token(const char *cmd, const char *name, uint32_t *token)
{
	uint32_t t;

	*token = KHSM_TOKEN_ACS;
	if (!name)
		return 0;
	for (t = 0; t < KHSM_TOKEN__COUNT; t++) {
		if (t != KHSM_TOKEN_LOAD_WORLD &&
		    !strcmp(name, khsm_token_name(t))) {
			*token = t;
			return 0;
		}
	}
	fail(cmd, "--for %s: acs, key-recovery or passphrase-recovery", name);
	authorise_usage(stderr);
	return KHSMCTL_EXIT_USAGE;
}

/* "authorised: acs, load-world (600 s left)" */
static int print_authorised(struct khsm *h, const char *cmd)
{
	struct khsm_world_info wi;
	const char *sep = "";
	uint32_t t;
	int err;

	err = khsm_world_info(h, &wi);
	if (err)
		return report_error(cmd, h, err);
	printf("authorised: ");
	for (t = 0; t < 32; t++) {
		if (wi.acs_auth & (1U << t)) {
			printf("%s%s", sep, khsm_token_name(t));
			sep = ", ";
		}
	}
	printf("%s (%u s left)\n", *sep ? "" : "none",
	       (wi.acs_auth_remaining_ms + 999) / 1000);
	return 0;
}

static int acs_authorise(int argc, char *argv[])
{
	const char *cmd = "acs authorise";
	struct verb_args va;
	struct khsm *h = NULL;
	uint32_t token;
	char err[256];
	int ret;

	ret = usage_or_run(parse_verb_args(argc, argv, authorise_options, 0,
					   &va, err, sizeof(err)),
			   cmd, err, authorise_usage);
	if (ret >= 0)
		return ret;
	ret = acs_token(cmd, va.acs_token, &token);
	if (ret)
		return ret;
	if (!va.present.ncards && !interactive()) {
		fail(cmd, "not on a terminal: give --card");
		return KHSMCTL_EXIT_USAGE;
	}
	ret = harden_process(cmd) ?: open_control(cmd, &h) ?:
	      present_quorum(h, cmd, token, &va.present) ?:
	      print_authorised(h, cmd);
	khsm_close(h);
	return ret;
}

static void verify_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s acs verify [--passphrase-fd FD | --passphrase-file FILE]\n"
		"           [--slot N] CARD\n"
		"\n"
		"Check that CARD is a card of the loaded world's ACS and that its\n"
		"passphrase is right, without counting it towards any quorum (a\n"
		"card audit). Wrong passphrases count towards the retry delay.\n",
		PROG_NAME);
}

static int verify_run(struct presenter *p, const char *path)
{
	struct khsm_insert_req req = {
		.flags = KHSM_INSERT_VERIFY_ONLY, .slot = p->slot,
	};
	struct khsm_insert_result res;
	struct khsm_card_info ci;
	uint8_t *data = NULL;
	size_t len;
	int ret, err;

	ret = read_card_file(p->cmd, path, 0, &data, &len, &ci);
	if (ret)
		return ret;
	if (ci.has_passphrase) {
		ret = card_key(p, &ci, "Passphrase: ");
		if (ret)
			goto out;
	}
	req.image = data;
	req.len = len;
	req.pp_key = ci.has_passphrase ? p->sec->key : NULL;
	err = khsm_card_insert_req(p->h, &req, &res);
	explicit_bzero(p->sec->key, sizeof(p->sec->key));
	if (err) {
		ret = report_error(p->cmd, p->h, err);
		/* A wrong passphrase is the answer to the question, not a denial. */
		if (err == -EACCES || err == -EAGAIN)
			ret = KHSMCTL_EXIT_FAILED;
		goto out;
	}
	printf("card %u '%s' of set '%s' (quorum %u of %u)\n", res.index,
	       res.card_name, res.set_name, res.k, res.n);
	printf("%s\n", ci.has_passphrase ? "passphrase ok" : "no passphrase");
out:
	free(data);
	return ret;
}

static int acs_verify(int argc, char *argv[])
{
	const char *cmd = "acs verify";
	struct presenter p;
	struct verb_args va;
	struct khsm *h = NULL;
	char err[256];
	int ret;

	ret = usage_or_run(parse_verb_args(argc, argv, present_options, 1, &va,
					   err, sizeof(err)),
			   cmd, err, verify_usage);
	if (ret >= 0)
		return ret;
	if (va.npos != 1 || va.present.ncards) {
		fail(cmd, "one CARD, and no --card");
		verify_usage(stderr);
		return KHSMCTL_EXIT_USAGE;
	}
	ret = harden_process(cmd) ?: open_control(cmd, &h);
	if (!ret) {
		ret = presenter_open(&p, h, cmd, 0, &va.present) ?:
		      verify_run(&p, va.pos[0]);
		presenter_close(&p);
	}
	khsm_close(h);
	return ret;
}

static void replace_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s acs replace [-K K] [-N N] [--load-quorum Q]\n"
		"           [--key-recovery Q | --no-key-recovery] [--pp-recovery Q]\n"
		"           [--card-dir DIR] [--card-name NAME]... [--card-holder TEXT]...\n"
		"           [--passphrase-fd FD | --passphrase-file FILE | --no-passphrase]\n"
		"           [--card FILE]... [--slot N] [--yes]\n"
		"\n"
		"Replace the ACS with a new set of N cards; the old cards stop working.\n"
		"Needs the ACS quorum: present the old cards with --card, or run\n"
		"'%s acs authorise' first. Writes the new cards, the world file and\n"
		"the register. Passphrase lines: the new cards' first (line I for\n"
		"card I), then one per --card. What is not given stays as it is;\n"
		"quorums not given follow a new K. Recovery switches cannot change.\n",
		PROG_NAME, PROG_NAME);
}

/*
 * The module starts ACS_REPLACE from the world's options: what is not
 * given stays, and quorums not given follow a new K. Start from them here
 * too, so the checks and the number of cards are the module's.
 */
static int replace_options(struct ceremony *c, const struct cardset_args *a,
			   struct khsm_world_options *rules,
			   struct khsm_world_options *o)
{
	struct khsm_world_info wi;
	int ret, err;

	err = khsm_world_info(c->h, &wi);
	if (err)
		return report_error(c->cmd, c->h, err);
	if (wi.state != KHSM_WORLD_OPERATIONAL) {
		fail(c->cmd, "the world is %s", khsm_world_state_name(wi.state));
		return KHSMCTL_EXIT_FAILED;
	}
	*rules = wi.opts;
	*o = wi.opts;
	o->set = 0;
	ret = apply_cardset_args(c->cmd, a, o);
	if (!ret)
		c->n = o->acs_n;
	return ret;
}

/* After the module switched sets, nothing can be undone: say what is lost. */
static void replace_failed(struct ceremony *c)
{
	fail(c->cmd, "the module uses the new ACS already: keep this process's output, and replace the ACS again once the failure is fixed");
}

static int replace_run(struct ceremony *c, const struct cardset_args *a,
		       const struct khsm_world_options *o)
{
	struct khsm_world_result res;
	int ret, err;

	/* New cards first: the authorisation then has its whole NSO timeout. */
	ret = ceremony_collect(c) ?:
	      authorise(c->h, c->cmd, &a->auth, c->sec, &c->pp);
	if (ret)
		return ret;
	err = khsm_acs_replace(c->h, o, c->sec->reqs, c->n, &res);
	ceremony_wipe_keys(c);
	if (err)
		return report_acs_error(c->cmd, c->h, err);
	ret = ceremony_finish(c, &res, replace_failed);
	khsm_world_result_free(&res);
	return ret;
}

static int acs_replace(int argc, char *argv[])
{
	const char *cmd = "acs replace";
	struct khsm_world_options rules, opts;
	struct ceremony c = { .cmd = cmd };
	struct cardset_args a;
	char err[256];
	int ret;

	ret = usage_or_run(parse_cardset_args(argc, argv, CARDSET_REPLACE, &a,
					      err, sizeof(err)),
			   cmd, err, replace_usage);
	if (ret >= 0)
		return ret;
	c.args = &a;
	c.rules = &rules;
	ret = harden_process(cmd) ?: open_control(cmd, &c.h) ?:
	      kmdata_prepare(cmd) ?: replace_options(&c, &a, &rules, &opts);
	if (!ret)
		ret = replace_run(&c, &a, &opts);
	ceremony_end(&c);
	khsm_close(c.h);
	return ret;
}

static int acs_logout(int argc, char *argv[])
{
	return simple_verb(argc, argv, "acs logout",
			   "End the ACS authorisations now, for every process.",
			   khsm_acs_logout);
}

static const struct verb acs_verbs[] = {
	{ "authorise", acs_authorise, "Present the ACS quorum (until the NSO timeout)" },
	{ "verify", acs_verify, "Check one card and its passphrase" },
	{ "replace", acs_replace, "Replace the ACS with a new card set" },
	{ "logout", acs_logout, "End the ACS authorisations" },
};

int acs_main(int argc, char *argv[])
{
	return run_verb("acs", acs_verbs, ARRAY_SIZE(acs_verbs), argc, argv);
}
