// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl card passphrase: a card sealed again under a new passphrase.
 * The module opens the card with the old one, an attempt like any other
 * (retry delays and lockout apply), or for a lost passphrase (--lost)
 * through the card's escrow copy under the passphrase-recovery ACS
 * quorum, and returns the card under the new one. The new file replaces
 * the old one atomically, with its mode. The old file still opens with
 * the old passphrase: the module cannot know its copies, so the holder
 * must destroy them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cards.h"

struct pp_args {
	const char *path;	/* CARDFILE */
	bool lost;		/* --lost: no old passphrase */
	bool none;		/* --no-passphrase: the new card has none */
	struct pp_opts pp;	/* --passphrase-fd, --passphrase-file */
};

/* One change, and what it takes along the way. */
struct changer {
	const char *cmd;
	const struct pp_args *a;
	struct khsm *h;
	struct khsm_world_options rules;	/* the world's policy */
	struct khsm_card_info ci;
	uint8_t *data;			/* the card file */
	size_t len;
	struct stat st;			/* its mode and group */
	struct secrets *sec;		/* key: the old passphrase's; reqs[0]:
					 * the new card's */
	struct pp_source pp;
	bool have_old;			/* sec->key is the old passphrase's */
	struct khsm_card_file out;	/* the card under its new passphrase */
};

static const struct option pp_options[] = {
	{ "lost", no_argument, NULL, OPT_LOST },
	{ "no-passphrase", no_argument, NULL, OPT_NO_PP },
	{ "passphrase-fd", required_argument, NULL, OPT_PP_FD },
	{ "passphrase-file", required_argument, NULL, OPT_PP_FILE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static enum parsed parse_pp_args(int argc, char *argv[], struct pp_args *a,
				 char *err, size_t errlen)
{
	struct present_args pa;
	char culprit[64];
	int opt;

	memset(a, 0, sizeof(*a));
	present_args_init(&pa);
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", pp_options, NULL)) != -1) {
		if (opt == 'h')
			return PARSED_HELP;
		if (opt == OPT_LOST) {
			a->lost = true;
		} else if (opt == OPT_NO_PP) {
			a->none = true;
		} else if (opt == '?' ||
			   present_option(opt, optarg, &pa, err, errlen)) {
			if (opt == '?')
				snprintf(err, errlen,
					 "unrecognised option or missing value: %s",
					 getopt_culprit(argv, culprit,
							sizeof(culprit)));
			return PARSED_BAD;
		}
	}
	a->pp = pa.pp;
	if (argc - optind != 1) {
		snprintf(err, errlen, optind < argc ?
			 "one CARDFILE only" : "CARDFILE is needed");
		return PARSED_BAD;
	}
	a->path = argv[optind];
	return pp_opts_check(&a->pp, err, errlen) ? PARSED_BAD : PARSED_RUN;
}

/* The card file itself (not a link to one), read and checked. */
static int read_card(struct changer *c)
{
	const char *path = c->a->path;

	if (lstat(path, &c->st)) {
		fail(c->cmd, "%s: %s", path, strerror(errno));
		return KHSMCTL_EXIT_FAILED;
	}
	if (S_ISLNK(c->st.st_mode)) {
		fail(c->cmd, "%s is a symbolic link: name the card file itself",
		     path);
		return KHSMCTL_EXIT_FAILED;
	}
	return read_card_file(c->cmd, path, 0, &c->data, &c->len, &c->ci);
}

/* What the options ask of this card makes sense, before anything is read. */
static int check_request(const struct changer *c)
{
	const struct khsm_card_info *ci = &c->ci;
	const struct pp_args *a = c->a;

	if (ci->set_type == KHSM_SET_SOFTCARD && a->none) {
		fail(c->cmd, "%s: a softcard keeps a passphrase: it has nothing else",
		     a->path);
		return KHSMCTL_EXIT_USAGE;
	}
	if (a->lost && ci->set_type == KHSM_SET_ACS) {
		fail(c->cmd, "%s: ACS cards have no escrow copy: a lost ACS passphrase means replacing the ACS ('%s acs replace')",
		     a->path, PROG_NAME);
		return KHSMCTL_EXIT_FAILED;
	}
	if (a->lost && !ci->has_passphrase) {
		fail(c->cmd, "%s has no passphrase to lose: leave out --lost",
		     a->path);
		return KHSMCTL_EXIT_USAGE;
	}
	if (a->none && !ci->has_passphrase) {
		fail(c->cmd, "%s has no passphrase already", a->path);
		return KHSMCTL_EXIT_USAGE;
	}
	return 0;
}

/* The passphrase rules and PBKDF2 count: the loaded world's. */
static int world_rules(struct changer *c)
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
	c->rules = wi.opts;
	return 0;
}

/*
 * The old passphrase into sec->key; for a card without one, its line (if
 * passphrases come in lines) must be empty, as everywhere else.
 */
static int old_passphrase(struct changer *c)
{
	const struct khsm_card_info *ci = &c->ci;
	struct secrets *s = c->sec;
	char prompt[200];
	size_t len;
	int ret;

	if (c->a->lost)
		return 0;
	if (!ci->has_passphrase && c->pp.fd < 0)
		return 0;
	snprintf(prompt, sizeof(prompt),
		 "Old passphrase of card %u '%s' (%s): ", ci->index,
		 ci->card_name, ci->set_name);
	ret = pp_next(&c->pp, c->cmd, prompt, s->pp, &len);
	if (!ret && !ci->has_passphrase && len) {
		fail(c->cmd, "%s: line %u: %s has no passphrase: leave the line empty",
		     c->pp.what, c->pp.line, c->a->path);
		ret = KHSMCTL_EXIT_USAGE;
	}
	if (!ret && ci->has_passphrase) {
		ret = pp_stretch(c->cmd, ci->index, s->pp, len, ci->pp_salt,
				 ci->pbkdf2_iter, s->key);
		c->have_old = !ret;
	}
	explicit_bzero(s->pp, sizeof(s->pp));
	return ret;
}

/*
 * The policy on the new passphrase: none at all, or one that is too
 * short. 0 (perhaps with a warning), -EAGAIN to ask again, or an exit
 * status.
 */
static int check_new_length(const struct changer *c, const char *pp,
			    size_t len)
{
	uint32_t min = c->rules.pp_min_len;
	size_t chars = utf8_chars(pp, len);
	const char *why;

	if (!len && !c->a->none) {
		why = c->ci.set_type == KHSM_SET_SOFTCARD ?
		      "a softcard needs a passphrase" :
		      "empty: --no-passphrase removes the card's passphrase";
		if (c->pp.tty) {
			fprintf(stderr, "  %s\n", why);
			return -EAGAIN;
		}
		fail(c->cmd, "the new passphrase is %s", why);
		return KHSMCTL_EXIT_FAILED;
	}
	if (chars >= min)
		return 0;
	if (!c->rules.pp_short_refuse) {
		warn("card %u: %s (the policy asks for at least %u characters)",
		     c->ci.index, len ? "short passphrase" : "no passphrase",
		     min);
		return 0;
	}
	if (c->pp.tty && len) {
		fprintf(stderr, "  too short: the policy wants at least %u characters\n",
			min);
		return -EAGAIN;
	}
	fail(c->cmd, "card %u: %s: the policy refuses fewer than %u characters",
	     c->ci.index, len ? "passphrase too short" : "no passphrase", min);
	return KHSMCTL_EXIT_FAILED;
}

/* Asked twice on a terminal; from lines, once. */
static int read_new(struct changer *c, size_t *len)
{
	struct secrets *s = c->sec;
	size_t len2 = 0;
	int ret;

	if (c->a->none)
		return check_new_length(c, "", 0);
	for (;;) {
		ret = pp_next(&c->pp, c->cmd, "New passphrase: ", s->pp, len);
		if (!ret && c->pp.tty)
			ret = pp_next(&c->pp, c->cmd, "New passphrase again: ",
				      s->again, &len2);
		if (ret)
			return ret;
		if (c->pp.tty && (*len != len2 || memcmp(s->pp, s->again, *len))) {
			fprintf(stderr, "  the two differ; once more\n");
			continue;
		}
		ret = check_new_length(c, s->pp, *len);
		if (ret != -EAGAIN)
			return ret;
	}
}

/* The new card's entry: its index, and the new passphrase stretched. */
static int new_passphrase(struct changer *c)
{
	struct khsm_card_req *r = &c->sec->reqs[0];
	size_t len = 0;
	int ret;

	r->index = c->ci.index;
	copy_text(r->name, sizeof(r->name), c->ci.card_name);
	ret = read_new(c, &len);
	if (ret || c->a->none)
		goto out;
	ret = KHSMCTL_EXIT_FAILED;
	if (getrandom(r->pp_salt, sizeof(r->pp_salt), 0) != sizeof(r->pp_salt)) {
		fail(c->cmd, "getrandom: %s", strerror(errno));
		goto out;
	}
	r->has_passphrase = 1;
	r->pbkdf2_iter = c->rules.pbkdf2_iter;
	ret = pp_stretch(c->cmd, c->ci.index, c->sec->pp, len, r->pp_salt,
			 r->pbkdf2_iter, r->pp_key);
out:
	explicit_bzero(c->sec->pp, sizeof(c->sec->pp));
	explicit_bzero(c->sec->again, sizeof(c->sec->again));
	return ret;
}

/*
 * A wrong old passphrase (EACCES) and its retry delay (EAGAIN) are
 * failures of this change, with the kernel's words on when to try again;
 * for a lost passphrase EACCES is the missing quorum: a denial.
 */
static int change_error(const struct changer *c, int err)
{
	int ret = report_error(c->cmd, c->h, err);

	if (c->a->lost && err == -EACCES)
		fprintf(stderr, "%s: %s: replacing a lost passphrase needs the passphrase-recovery ACS quorum: run '%s acs authorise' first (as root)\n",
			PROG_NAME, c->cmd, PROG_NAME);
	else if (err == -EACCES || err == -EAGAIN)
		return KHSMCTL_EXIT_FAILED;
	return ret;
}

/* The module's card is this card, with the passphrase asked for. */
static int check_out(const struct changer *c)
{
	const struct khsm_card_info *old = &c->ci;
	struct khsm_card_info ci;

	if (khsm_card_parse(c->out.data, c->out.len, &ci, NULL, 0) ||
	    ci.index != old->index || ci.set_type != old->set_type ||
	    memcmp(ci.set_id, old->set_id, sizeof(ci.set_id)) ||
	    memcmp(ci.world_id, old->world_id, sizeof(ci.world_id)) ||
	    ci.has_passphrase != !c->a->none) {
		fail(c->cmd, "the module returned another card");
		return KHSMCTL_EXIT_FAILED;
	}
	return 0;
}

/*
 * Over the old file, atomically, with its mode and, where we may set it,
 * its group; the owner is whoever runs this.
 */
static int replace_card(const struct changer *c)
{
	const char *path = c->a->path, *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	mode_t mode = c->st.st_mode & 0777;
	char *dir = dir_of(path);
	int ret = -ENOMEM;

	if (dir)
		ret = khsm_write_file_atomic(dir, name, c->out.data, c->out.len,
					     mode, c->st.st_gid);
	if (ret == -EPERM) {
		warn("%s: not in group %u: the new file keeps yours", path,
		     (unsigned int)c->st.st_gid);
		ret = khsm_write_file_atomic(dir, name, c->out.data, c->out.len,
					     mode, (gid_t)-1);
	}
	free(dir);
	if (ret) {
		fail(c->cmd, "writing %s: %s (the card is unchanged)", path,
		     strerror(-ret));
		return KHSMCTL_EXIT_FAILED;
	}
	return 0;
}

static int change(struct changer *c)
{
	int err, ret;

	ret = old_passphrase(c) ?: new_passphrase(c) ?:
	      pp_no_more_lines(&c->pp, c->cmd, c->sec->pp);
	if (ret)
		return ret;
	err = khsm_card_passphrase(c->h, c->data, c->len,
				   c->have_old ? c->sec->key : NULL,
				   &c->sec->reqs[0], &c->out);
	explicit_bzero(c->sec->key, sizeof(c->sec->key));
	explicit_bzero(c->sec->reqs[0].pp_key, sizeof(c->sec->reqs[0].pp_key));
	if (err)
		return change_error(c, err);
	ret = check_out(c) ?: replace_card(c);
	if (ret)
		return ret;
	printf("card %u '%s' of %s '%s': %s\n", c->ci.index, c->ci.card_name,
	       khsm_set_type_name(c->ci.set_type), c->ci.set_name,
	       c->a->none ? "passphrase removed" : "new passphrase");
	printf("file: %s\n", c->a->path);
	warn("copies of the old card file still open with the old passphrase: destroy them");
	return 0;
}

static void pp_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s card passphrase CARDFILE [--lost] [--no-passphrase]\n"
		"           [--passphrase-fd FD | --passphrase-file FILE]\n"
		"\n"
		"Change the passphrase of the card in CARDFILE: asks the old one and the\n"
		"new one (twice on a terminal; the world's passphrase policy applies),\n"
		"and replaces CARDFILE, keeping its mode. A wrong old passphrase counts\n"
		"towards the card's retry delay. ACS cards need root. Copies of the old\n"
		"file still open with the old passphrase: destroy them.\n"
		"\n"
		"  --lost                  the old passphrase is lost: the module opens the\n"
		"                          card's escrow copy (a card set or softcard made\n"
		"                          with passphrase recovery) once the passphrase-\n"
		"                          recovery ACS quorum is authorised; no old one asked\n"
		"  --no-passphrase         the card is to have none (not for softcards)\n"
		"  --passphrase-fd FD      line 1 of FD: the old passphrase (empty for a card\n"
		"                          without one; no such line with --lost), then the new\n"
		"  --passphrase-file FILE  the same, from FILE\n",
		PROG_NAME);
}

int card_passphrase_main(int argc, char *argv[])
{
	const char *cmd = "card passphrase";
	struct changer c = { .cmd = cmd, .pp = { .fd = -1 } };
	struct pp_args a;
	char err[256];
	int ret;

	ret = usage_or_run(parse_pp_args(argc, argv, &a, err, sizeof(err)),
			   cmd, err, pp_usage);
	if (ret >= 0)
		return ret;
	c.a = &a;
	ret = read_card(&c) ?: check_request(&c) ?: harden_process(cmd) ?:
	      open_control(cmd, &c.h) ?: world_rules(&c);
	if (!ret) {
		c.sec = secrets_alloc(cmd);
		ret = c.sec ? pp_source_open(&c.pp, &a.pp, cmd) :
		      KHSMCTL_EXIT_FAILED;
	}
	if (!ret)
		ret = change(&c);
	pp_source_close(&c.pp);
	secrets_free(c.sec);
	khsm_card_file_free(&c.out);
	khsm_close(c.h);
	free(c.data);
	return ret;
}
