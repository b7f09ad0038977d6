// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl world: create the Security World and its ACS, load it after a
 * boot (with the host binding key or the load-world quorum of cards), show
 * it, bind it to a host key, and unload it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cards.h"

static void new_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s world new [-K K] [-N N] [--load-quorum Q]\n"
		"           [--key-recovery Q | --no-key-recovery] [--pp-recovery Q]\n"
		"           [--nso-timeout S] [--policy FILE] [--strict]\n"
		"           [--bind-key TYPE:DESC] [--card-dir DIR]\n"
		"           [--passphrase-fd FD | --passphrase-file FILE | --no-passphrase]\n"
		"           [--card-name NAME]... [--card-holder TEXT]... [--yes]\n"
		"\n"
		"Create the Security World and its administrator card set (ACS) of N\n"
		"cards, K of which authorise; write the world file to the kmdata\n"
		"directory, the card files, and the ACS register.\n"
		"\n"
		"  -K K                    ACS quorum (default 1)\n"
		"  -N N                    ACS cards, 1..64 (default 1)\n"
		"  --load-quorum Q         cards that load the world (default K)\n"
		"  --key-recovery Q        enable key recovery with quorum Q (default: on, K)\n"
		"  --no-key-recovery       disable key recovery (for good)\n"
		"  --pp-recovery Q         enable passphrase recovery with quorum Q\n"
		"  --nso-timeout S         seconds an ACS authorisation lasts (default 600)\n"
		"  --policy FILE           policy file (khsmctl(8), POLICY); options win\n"
		"  --strict                refuse, not warn about, unrecommended options\n"
		"  --bind-key TYPE:DESC    also bind the world to this kernel key\n"
		"  --card-dir DIR          card I goes to DIR/acs-I.card\n"
		"  --passphrase-fd FD      card I's passphrase on line I of FD\n"
		"  --passphrase-file FILE  card I's passphrase on line I of FILE\n"
		"  --no-passphrase         no card has a passphrase\n"
		"  --card-name NAME        name of the next card (default acs-I)\n"
		"  --card-holder TEXT      who holds the next card (for the register)\n"
		"  --yes                   no questions; overwrite existing files\n",
		PROG_NAME);
}

/* A policy file: nobody else may have written it. */
int read_policy(const char *cmd, const char *path,
		struct khsm_world_options *opts)
{
	char why[256];
	uint8_t *text;
	size_t len;
	mode_t mode = 0;
	int ret;

	ret = khsm_read_file(path, KHSM_READ_NO_GROUP_WRITE |
			     KHSM_READ_NO_OTHER_WRITE, &text, &len, &mode);
	if (ret == -EPERM)
		return refuse_mode(cmd, path, mode);
	if (ret == -EFBIG)
		fail(cmd, "%s: larger than %d bytes", path, KHSM_FILE_MAX);
	else if (ret == -EINVAL)
		fail(cmd, "%s: not a regular file", path);
	else if (ret)
		fail(cmd, "%s: %s", path, strerror(-ret));
	if (ret)
		return KHSMCTL_EXIT_FAILED;
	/* khsm_read_file() ends the text with a NUL; one inside hides lines. */
	if (memchr(text, '\0', len)) {
		fail(cmd, "%s: NUL byte", path);
		ret = -EINVAL;
	} else {
		ret = khsm_policy_parse((char *)text, opts, why, sizeof(why));
		if (ret)
			fail(cmd, "%s: %s", path, why);
	}
	free(text);
	return ret ? KHSMCTL_EXIT_USAGE : 0;
}

/*
 * "world new" and "acs replace": the command line's options over @o,
 * checked, and no more card names or holders than cards.
 */
int apply_cardset_args(const char *cmd, const struct cardset_args *a,
		       struct khsm_world_options *o)
{
	char why[256];

	if (merge_options(o, &a->flags) ||
	    khsm_world_options_check(o, why, sizeof(why))) {
		fail(cmd, "%s", why);
		return KHSMCTL_EXIT_USAGE;
	}
	if (a->nnames > o->acs_n || a->nholders > o->acs_n) {
		fail(cmd, "more --card-name or --card-holder than the %u cards",
		     o->acs_n);
		return KHSMCTL_EXIT_USAGE;
	}
	return 0;
}

/* Defaults, then the policy file, then the command line. */
static int new_options(const char *cmd, const struct cardset_args *a,
		       struct khsm_world_options *o)
{
	int ret;

	khsm_world_options_init(o);
	if (a->policy_file) {
		ret = read_policy(cmd, a->policy_file, o);
		if (ret)
			return ret;
	}
	return apply_cardset_args(cmd, a, o);
}

int parse_bind(const char *cmd, const char *spec, struct khsm_bind_key *bind)
{
	if (!spec || !khsm_bind_key_parse(spec, bind))
		return 0;
	fail(cmd, "--bind-key %s: want TYPE:DESC, TYPE one of logon, user, encrypted, trusted",
	     spec);
	return KHSMCTL_EXIT_USAGE;
}

/* Replacing the world file loses every key made under the old world. */
static int check_world_file(const char *cmd, const struct cardset_args *a)
{
	if (!world_file_exists())
		return 0;
	if (a->yes) {
		warn("replacing %s/%s: keys of the world it holds become unusable",
		     kmdata_dir, KHSM_WORLD_FILE);
		return 0;
	}
	if (interactive() &&
	    confirm("The kmdata directory holds a world already. Replace it, losing the keys made under it?"))
		return 0;
	fail(cmd, "%s/%s exists%s", kmdata_dir, KHSM_WORLD_FILE,
	     interactive() ? "" : " (--yes replaces it)");
	return KHSMCTL_EXIT_FAILED;
}

static int confirm_new(const struct cardset_args *a,
		       const struct khsm_world_options *o)
{
	if (a->yes || !interactive())
		return 0;
	fprintf(stderr, "\nNew world: ACS %u of %u cards, load-world quorum %u, "
		"key recovery %s, passphrase recovery %s, NSO timeout %u s\n",
		o->acs_k, o->acs_n, o->load_quorum,
		o->key_recovery ? "on" : "off", o->pp_recovery ? "on" : "off",
		o->nso_timeout);
	if (confirm("Create it?"))
		return 0;
	fprintf(stderr, "%s: world new: nothing created\n", PROG_NAME);
	return KHSMCTL_EXIT_FAILED;
}

/*
 * A world whose cards or file could not be written must not stay loaded:
 * nobody could manage it. Unload it and take back the cards written.
 */
static void undo_new(struct ceremony *c)
{
	int err;

	ceremony_unwrite_cards(c);
	err = khsm_world_unload(c->h);
	if (err)
		report_error("world new: unloading the new world", c->h, err);
	else
		fprintf(stderr, "%s: world new: the new world is unloaded again\n",
			PROG_NAME);
}

static int new_run(struct ceremony *c, const struct khsm_world_options *o,
		   const struct khsm_bind_key *bind)
{
	struct khsm_world_result res;
	int ret, err;

	ret = ceremony_collect(c) ?: confirm_new(c->args, o);
	if (ret)
		return ret;
	err = khsm_world_new(c->h, o, c->sec->reqs, c->n, bind, &res);
	ceremony_wipe_keys(c);
	if (err)
		return report_error(c->cmd, c->h, err);
	ret = ceremony_finish(c, &res, undo_new);
	khsm_world_result_free(&res);
	return ret;
}

static int world_new(int argc, char *argv[])
{
	const char *cmd = "world new";
	struct khsm_world_options opts;
	struct ceremony c = { .cmd = cmd };
	struct khsm_bind_key bind;
	struct cardset_args a;
	char err[256];
	int ret;

	ret = usage_or_run(parse_cardset_args(argc, argv, CARDSET_NEW, &a, err,
					      sizeof(err)),
			   cmd, err, new_usage);
	if (ret >= 0)
		return ret;
	ret = new_options(cmd, &a, &opts) ?: parse_bind(cmd, a.bind_spec, &bind) ?:
	      harden_process(cmd) ?: open_control(cmd, &c.h) ?:
	      kmdata_prepare(cmd) ?: check_world_file(cmd, &a);
	if (ret)
		goto out;
	c.args = &a;
	c.rules = &opts;
	c.n = opts.acs_n;
	ret = new_run(&c, &opts, a.bind_spec ? &bind : NULL);
out:
	ceremony_end(&c);
	khsm_close(c.h);
	return ret;
}

/* The world file in kmdata, checked for mode and shape. */
static int read_world_file(const char *cmd, uint8_t **data, size_t *len,
			   struct khsm_world_file_info *wf)
{
	char *path = kmdata_path(KHSM_WORLD_FILE);
	char why[200];
	mode_t mode = 0;
	int ret;

	if (!path)
		return KHSMCTL_EXIT_FAILED;
	ret = kmdata_dir_safe(cmd);
	if (ret) {
		free(path);
		return ret;
	}
	ret = khsm_read_file(path, KHSM_READ_NO_GROUP_WRITE |
			     KHSM_READ_NO_OTHER_WRITE, data, len, &mode);
	if (ret == -EPERM) {
		ret = refuse_mode(cmd, path, mode);
		free(path);
		return ret;
	}
	if (ret)
		fail(cmd, "%s: %s", path, strerror(-ret));
	if (!ret && khsm_world_file_parse(*data, *len, wf, why, sizeof(why))) {
		fail(cmd, "%s: %s", path, why);
		free(*data);
		*data = NULL;
		ret = -EBADMSG;
	}
	free(path);
	return ret ? KHSMCTL_EXIT_FAILED : 0;
}

static void load_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s world load [--bind-key TYPE:DESC] [--card FILE]...\n"
		"           [--passphrase-fd FD | --passphrase-file FILE] [--slot N]\n"
		"\n"
		"Load the world file of the kmdata directory: at once with the host\n"
		"binding key, else by presenting the load-world quorum of ACS cards.\n"
		"\n"
		"  --bind-key TYPE:DESC    the kernel key the world is bound to\n"
		"  --card FILE             an ACS card to present (repeat, in order)\n"
		"  --passphrase-fd FD      the Jth --card's passphrase on line J of FD\n"
		"  --passphrase-file FILE  the same, from FILE\n"
		"  --slot N                slot to present the cards in (default 0)\n",
		PROG_NAME);
}

static const struct option load_options[] = {
	{ "bind-key", required_argument, NULL, OPT_BIND_KEY },
	{ "help", no_argument, NULL, 'h' },
	PRESENT_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

/* "world ID STATE", once the module says so. */
static int load_report(struct khsm *h, const char *cmd)
{
	char id[HEX_LEN(KHSM_WORLD_ID_LEN)];
	struct khsm_world_info wi;
	int err;

	err = khsm_world_info(h, &wi);
	if (err)
		return report_error(cmd, h, err);
	printf("world %s %s\n", hex(id, wi.world_id, sizeof(wi.world_id)),
	       khsm_world_state_name(wi.state));
	return wi.state == KHSM_WORLD_OPERATIONAL ? 0 : KHSMCTL_EXIT_FAILED;
}

static int load_run(const char *cmd, const struct verb_args *va,
		    const uint8_t *data, size_t len)
{
	struct khsm_bind_key bind;
	struct khsm *h = NULL;
	uint32_t state = 0;
	int ret, err;

	ret = parse_bind(cmd, va->bind_spec, &bind) ?: open_control(cmd, &h);
	if (ret)
		goto out;
	err = khsm_world_load(h, data, len, va->bind_spec ? &bind : NULL,
			      &state, NULL);
	if (err) {
		ret = report_error(cmd, h, err);
		goto out;
	}
	/* Closing this connection would abandon the load: cards go here. */
	if (state == KHSM_WORLD_LOADING)
		ret = present_quorum(h, cmd, KHSM_TOKEN_LOAD_WORLD,
				     &va->present);
	if (!ret)
		ret = load_report(h, cmd);
out:
	khsm_close(h);
	return ret;
}

static int world_load(int argc, char *argv[])
{
	const char *cmd = "world load";
	struct khsm_world_file_info wf;
	struct verb_args va;
	uint8_t *data = NULL;
	char err[256];
	size_t len;
	int ret;

	ret = usage_or_run(parse_verb_args(argc, argv, load_options, 0, &va,
					   err, sizeof(err)),
			   cmd, err, load_usage);
	if (ret >= 0)
		return ret;
	if (!va.bind_spec && !va.present.ncards && !interactive()) {
		fail(cmd, "not on a terminal: give --bind-key or --card");
		return KHSMCTL_EXIT_USAGE;
	}
	ret = harden_process(cmd) ?: read_world_file(cmd, &data, &len, &wf);
	if (!ret)
		ret = load_run(cmd, &va, data, len);
	free(data);
	return ret;
}

static void bind_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s world bind --bind-key TYPE:DESC [--card FILE]...\n"
		"           [--passphrase-fd FD | --passphrase-file FILE] [--slot N]\n"
		"\n"
		"Bind the loaded world to a kernel key (added or replaced), so that\n"
		"'world load --bind-key' loads it without cards; rewrite the world\n"
		"file. Needs the ACS quorum: present it with --card, or run\n"
		"'%s acs authorise' first.\n",
		PROG_NAME, PROG_NAME);
}

static const struct option bind_options[] = {
	{ "bind-key", required_argument, NULL, OPT_BIND_KEY },
	{ "help", no_argument, NULL, 'h' },
	PRESENT_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

/* Authorise (if --card), run @fn, and store the world file it returns. */
int with_acs(const char *cmd, const struct present_args *a,
	     int (*fn)(struct khsm *h, const void *arg,
		       struct khsm_world_result *res),
	     const void *arg)
{
	struct khsm_world_result res;
	struct khsm *h = NULL;
	int ret, err;

	ret = harden_process(cmd) ?: open_control(cmd, &h) ?:
	      authorise(h, cmd, a, NULL, NULL);
	if (ret)
		goto out;
	err = fn(h, arg, &res);
	if (err) {
		ret = report_acs_error(cmd, h, err);
		goto out;
	}
	print_warnings(&res);
	ret = write_world_file(cmd, &res);
	if (!ret)
		printf("world file: %s/%s\n", kmdata_dir, KHSM_WORLD_FILE);
	khsm_world_result_free(&res);
out:
	khsm_close(h);
	return ret;
}

static int bind_call(struct khsm *h, const void *arg,
		     struct khsm_world_result *res)
{
	return khsm_world_bind(h, arg, res);
}

static int world_bind(int argc, char *argv[])
{
	const char *cmd = "world bind";
	struct khsm_bind_key bind;
	struct verb_args va;
	char err[256];
	int ret;

	ret = usage_or_run(parse_verb_args(argc, argv, bind_options, 0, &va,
					   err, sizeof(err)),
			   cmd, err, bind_usage);
	if (ret >= 0)
		return ret;
	if (!va.bind_spec) {
		fail(cmd, "--bind-key is needed");
		bind_usage(stderr);
		return KHSMCTL_EXIT_USAGE;
	}
	ret = parse_bind(cmd, va.bind_spec, &bind);
	return ret ?: with_acs(cmd, &va.present, bind_call, &bind);
}

/*
 * What a verb does with what its parser (@p, words in @err) made of its
 * options: its help, or what is wrong and the usage. -1: run the verb.
 */
int usage_or_run(enum parsed p, const char *cmd, const char *err,
		 void (*usage)(FILE *f))
{
	switch (p) {
	case PARSED_HELP:
		usage(stdout);
		return KHSMCTL_EXIT_OK;
	case PARSED_BAD:
		fail(cmd, "%s", err);
		usage(stderr);
		return KHSMCTL_EXIT_USAGE;
	case PARSED_RUN:
		break;
	}
	return -1;
}

/* A verb without options: "world unload", "acs logout", "clear". */
int simple_verb(int argc, char *argv[], const char *cmd, const char *what,
		int (*fn)(struct khsm *h))
{
	struct khsm *h = NULL;
	int ret, err;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("Usage: %s %s\n\n%s\n", PROG_NAME, cmd, what);
		return KHSMCTL_EXIT_OK;
	}
	if (argc > 1) {
		fail(cmd, "unexpected argument '%s'", argv[1]);
		fprintf(stderr, "Usage: %s %s\n", PROG_NAME, cmd);
		return KHSMCTL_EXIT_USAGE;
	}
	ret = open_control(cmd, &h);
	if (!ret) {
		err = fn(h);
		ret = err ? report_error(cmd, h, err) : KHSMCTL_EXIT_OK;
	}
	khsm_close(h);
	return ret;
}

static int world_unload(int argc, char *argv[])
{
	return simple_verb(argc, argv, "world unload",
			   "Forget the loaded world (zeroised); 'world load' brings it back.",
			   khsm_world_unload);
}

static const struct verb world_verbs[] = {
	{ "new", world_new, "Create the world and its ACS" },
	{ "load", world_load, "Load the world file (binding key or ACS cards)" },
	{ "info", world_info_main, "Show the world's state and options" },
	{ "bind", world_bind, "Bind the world to a kernel key (needs the ACS)" },
	{ "unload", world_unload, "Forget the loaded world" },
};

int world_main(int argc, char *argv[])
{
	return run_verb("world", world_verbs, ARRAY_SIZE(world_verbs), argc,
			argv);
}
