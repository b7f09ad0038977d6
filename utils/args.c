// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Options of the card commands. The parsers only fill structs and words
 * in @err: they print nothing, so the unit tests can run them.
 */
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cards.h"

static int bad(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Words for a usage error; -1, for "return bad(...)". */
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

void present_args_init(struct present_args *a)
{
	memset(a, 0, sizeof(*a));
	a->pp.fd = -1;
}

/* 0 if @opt was one of PRESENT_LONG_OPTIONS, 1 if not ours, -1 if bad. */
int present_option(int opt, const char *arg, struct present_args *a,
		   char *err, size_t errlen)
{
	uint32_t v;

	switch (opt) {
	case OPT_CARD:
		if (a->ncards == KHSM_MAX_CARDS)
			return bad(err, errlen, "--card %s: too many cards", arg);
		a->cards[a->ncards++] = arg;
		return 0;
	case OPT_SLOT:
		if (parse_u32(arg, 0, UINT8_MAX, &v))
			return bad(err, errlen, "--slot %s: not a slot number", arg);
		a->slot = (uint8_t)v;
		a->slot_given = true;
		return 0;
	case OPT_PP_FD:
		if (parse_u32(arg, 0, INT_MAX, &v))
			return bad(err, errlen,
				   "--passphrase-fd %s: not a file descriptor", arg);
		a->pp.fd = (int)v;
		return 0;
	case OPT_PP_FILE:
		a->pp.file = arg;
		return 0;
	case OPT_NO_PP:
		a->pp.none = true;
		return 0;
	default:
		return 1;
	}
}

int pp_opts_check(const struct pp_opts *o, char *err, size_t errlen)
{
	if ((o->fd >= 0) + !!o->file + o->none > 1)
		return bad(err, errlen,
			   "--passphrase-fd, --passphrase-file and --no-passphrase exclude each other");
	return 0;
}

/* What getopt_long() just refused, for the message. */
const char *getopt_culprit(char *argv[], char *buf, size_t size)
{
	if (optopt && optopt < 256)
		snprintf(buf, size, "-%c", optopt);
	else
		snprintf(buf, size, "%s", argv[optind - 1]);
	return buf;
}

static const struct option cardset_options[] = {
	{ "load-quorum", required_argument, NULL, OPT_LOAD_QUORUM },
	{ "key-recovery", required_argument, NULL, OPT_KEY_RECOVERY },
	{ "no-key-recovery", no_argument, NULL, OPT_NO_KEY_RECOVERY },
	{ "pp-recovery", required_argument, NULL, OPT_PP_RECOVERY },
	{ "nso-timeout", required_argument, NULL, OPT_NSO_TIMEOUT },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "bind-key", required_argument, NULL, OPT_BIND_KEY },
	{ "card-dir", required_argument, NULL, OPT_CARD_DIR },
	{ "no-passphrase", no_argument, NULL, OPT_NO_PP },
	{ "card-name", required_argument, NULL, OPT_CARD_NAME },
	{ "card-holder", required_argument, NULL, OPT_CARD_HOLDER },
	{ "yes", no_argument, NULL, OPT_YES },
	{ "help", no_argument, NULL, 'h' },
	PRESENT_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static const char *long_name(int opt)
{
	size_t i;

	for (i = 0; cardset_options[i].name; i++)
		if (cardset_options[i].val == opt)
			return cardset_options[i].name;
	return "?";
}

/* Which options belong to which command; the rest are refused. */
static bool new_only(int opt)
{
	return opt == OPT_NSO_TIMEOUT || opt == OPT_POLICY ||
	       opt == OPT_STRICT || opt == OPT_BIND_KEY;
}

static bool replace_only(int opt)
{
	return opt == OPT_CARD || opt == OPT_SLOT;
}

static int set_option(struct cardset_args *a, unsigned int attr,
		      const char *name, const char *arg, char *err,
		      size_t errlen)
{
	uint32_t v, min = 0, max = 0;

	khsm_world_options_range(attr, &min, &max);
	if (parse_u32(arg, min, max, &v) ||
	    khsm_world_options_set(&a->flags, attr, v))
		return bad(err, errlen, "%s %s: not a number within %u..%u",
			   name, arg, min, max);
	return 0;
}

static int add_text(const char **list, size_t *n, size_t max_len,
		    const char *opt, const char *arg, char *err, size_t errlen)
{
	if (*n == KHSM_MAX_CARDS)
		return bad(err, errlen, "%s: more than 64 cards", opt);
	if (!printable_name(arg, max_len))
		return bad(err, errlen,
			   "%s '%s': 1 to %zu bytes without control characters",
			   opt, arg, max_len - 1);
	list[(*n)++] = arg;
	return 0;
}

static int switch_option(struct cardset_args *a, unsigned int sw,
			 unsigned int quorum, const char *name, const char *arg,
			 char *err, size_t errlen)
{
	if (a->flags.set & KHSM_OPT_BIT(sw))
		return bad(err, errlen, "%s given twice or with its opposite",
			   name);
	khsm_world_options_set(&a->flags, sw, arg ? 1 : 0);
	return arg ? set_option(a, quorum, name, arg, err, errlen) : 0;
}


/*
 * The options of every ceremony that writes cards (world new, acs replace,
 * cardset and softcard create): where the cards go, their names and
 * holders, --yes, and the cards and passphrases presented with them.
 */
static int card_option(int opt, const char *arg, struct cardset_args *ca,
		       char *err, size_t errlen)
{
	switch (opt) {
	case OPT_CARD_DIR:
		ca->card_dir = arg;
		return 0;
	case OPT_CARD_NAME:
		return add_text(ca->names, &ca->nnames, KHSM_NAME_MAX,
				"--card-name", arg, err, errlen);
	case OPT_CARD_HOLDER:
		return add_text(ca->holders, &ca->nholders, HOLDER_MAX,
				"--card-holder", arg, err, errlen);
	case OPT_YES:
		ca->yes = true;
		return 0;
	default:
		return present_option(opt, arg, &ca->auth, err, errlen) ? -1 : 0;
	}
}

static int cardset_option(int opt, const char *arg, struct cardset_args *a,
			  char *err, size_t errlen)
{
	switch (opt) {
	case 'K':
		return set_option(a, KHSM_A_OPT_ACS_K, "-K", arg, err, errlen);
	case 'N':
		return set_option(a, KHSM_A_OPT_ACS_N, "-N", arg, err, errlen);
	case OPT_LOAD_QUORUM:
		return set_option(a, KHSM_A_OPT_LOAD_QUORUM, "--load-quorum",
				  arg, err, errlen);
	case OPT_KEY_RECOVERY:
	case OPT_NO_KEY_RECOVERY:
		return switch_option(a, KHSM_A_OPT_KEY_RECOVERY,
				     KHSM_A_OPT_KR_QUORUM, "--key-recovery",
				     arg, err, errlen);
	case OPT_PP_RECOVERY:
		return switch_option(a, KHSM_A_OPT_PP_RECOVERY,
				     KHSM_A_OPT_PR_QUORUM, "--pp-recovery",
				     arg, err, errlen);
	case OPT_NSO_TIMEOUT:
		return set_option(a, KHSM_A_OPT_NSO_TIMEOUT, "--nso-timeout",
				  arg, err, errlen);
	case OPT_STRICT:
		khsm_world_options_set(&a->flags, KHSM_A_OPT_STRICT, 1);
		return 0;
	case OPT_POLICY:
		a->policy_file = arg;
		return 0;
	case OPT_BIND_KEY:
		a->bind_spec = arg;
		return 0;
	default:
		return card_option(opt, arg, a, err, errlen);
	}
}

static enum parsed cardset_check(int argc, char *argv[],
				 struct cardset_args *a, char *err,
				 size_t errlen)
{
	if (optind < argc) {
		bad(err, errlen, "unexpected argument '%s'", argv[optind]);
		return PARSED_BAD;
	}
	if (pp_opts_check(&a->auth.pp, err, errlen))
		return PARSED_BAD;
	return PARSED_RUN;
}

/*
 * "world new" and "acs replace": the options in @a->flags (flags.set says
 * which were given; policy_file is read later, and the flags win over it).
 */
enum parsed parse_cardset_args(int argc, char *argv[], enum cardset_cmd cmd,
			       struct cardset_args *a, char *err,
			       size_t errlen)
{
	char culprit[64];
	int opt;

	memset(a, 0, sizeof(*a));
	khsm_world_options_init(&a->flags);
	present_args_init(&a->auth);
	optind = 0;	/* glibc: start afresh, whatever ran before */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "K:N:h", cardset_options,
				  NULL)) != -1) {
		if (opt == 'h')
			return PARSED_HELP;
		if (opt == '?') {
			bad(err, errlen, "unrecognised option or missing value: %s",
			    getopt_culprit(argv, culprit, sizeof(culprit)));
			return PARSED_BAD;
		}
		if ((cmd == CARDSET_NEW && replace_only(opt)) ||
		    (cmd == CARDSET_REPLACE && new_only(opt))) {
			bad(err, errlen, "--%s is for %s only", long_name(opt),
			    cmd == CARDSET_NEW ? "acs replace" : "world new");
			return PARSED_BAD;
		}
		if (cardset_option(opt, optarg, a, err, errlen))
			return PARSED_BAD;
	}
	return cardset_check(argc, argv, a, err, errlen);
}

/*
 * A verb with a few of: PRESENT_LONG_OPTIONS, --bind-key, --json, --for,
 * --help, and at most @maxpos positional arguments.
 */
enum parsed parse_verb_args(int argc, char *argv[],
			    const struct option *longopts, int maxpos,
			    struct verb_args *va, char *err, size_t errlen)
{
	char culprit[64];
	int opt;

	memset(va, 0, sizeof(*va));
	present_args_init(&va->present);
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h')
			return PARSED_HELP;
		if (opt == OPT_BIND_KEY)
			va->bind_spec = optarg;
		else if (opt == OPT_ACS_TOKEN)
			va->acs_token = optarg;
		else if (opt == OPT_JSON)
			va->json = true;
		else if (opt == '?' || present_option(opt, optarg, &va->present,
						      err, errlen)) {
			if (opt == '?')
				bad(err, errlen,
				    "unrecognised option or missing value: %s",
				    getopt_culprit(argv, culprit, sizeof(culprit)));
			return PARSED_BAD;
		}
	}
	for (; optind < argc; optind++) {
		if (va->npos == maxpos) {
			bad(err, errlen, "unexpected argument '%s'", argv[optind]);
			return PARSED_BAD;
		}
		va->pos[va->npos++] = argv[optind];
	}
	return pp_opts_check(&va->present.pp, err, errlen) ? PARSED_BAD :
	       PARSED_RUN;
}

/* Copy the options given in @src over @dst; -ERANGE as the setter says. */
int merge_options(struct khsm_world_options *dst,
		  const struct khsm_world_options *src)
{
	unsigned int a;
	uint32_t v;
	int ret;

	for (a = 1; a <= KHSM_A_OPT_MAX; a++) {
		if (!(src->set & KHSM_OPT_BIT(a)))
			continue;
		khsm_world_options_get(src, a, &v);
		ret = khsm_world_options_set(dst, a, v);
		if (ret)
			return ret;
	}
	return 0;
}

static const struct option ocs_options[] = {
	{ "persistent", no_argument, NULL, OPT_PERSISTENT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "no-recovery", no_argument, NULL, OPT_NO_RECOVERY },
	{ "pp-recovery", no_argument, NULL, OPT_SET_PP_RECOVERY },
	{ "card-dir", required_argument, NULL, OPT_CARD_DIR },
	{ "card-name", required_argument, NULL, OPT_CARD_NAME },
	{ "card-holder", required_argument, NULL, OPT_CARD_HOLDER },
	{ "passphrase-fd", required_argument, NULL, OPT_PP_FD },
	{ "passphrase-file", required_argument, NULL, OPT_PP_FILE },
	{ "no-passphrase", no_argument, NULL, OPT_NO_PP },
	{ "yes", no_argument, NULL, OPT_YES },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* A softcard: its name and passphrase, nothing else to choose. */
static const struct option softcard_options[] = {
	{ "passphrase-fd", required_argument, NULL, OPT_PP_FD },
	{ "passphrase-file", required_argument, NULL, OPT_PP_FILE },
	{ "yes", no_argument, NULL, OPT_YES },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int set_size(uint8_t *field, const char *name, const char *arg,
		    char *err, size_t errlen)
{
	uint32_t v;

	if (parse_u32(arg, 1, KHSM_MAX_CARDS, &v))
		return bad(err, errlen, "%s %s: not a number within 1..%d",
			   name, arg, KHSM_MAX_CARDS);
	*field = (uint8_t)v;
	return 0;
}

static int set_args_option(int opt, const char *arg, struct set_args *a,
			   char *err, size_t errlen)
{
	switch (opt) {
	case 'K':
		return set_size(&a->req.k, "-K", arg, err, errlen);
	case 'N':
		return set_size(&a->req.n, "-N", arg, err, errlen);
	case OPT_PERSISTENT:
		a->req.flags |= KHSM_CARDSET_PERSISTENT;
		return 0;
	case OPT_TIMEOUT:
		if (parse_u32(arg, 0, UINT32_MAX, &a->req.timeout))
			return bad(err, errlen,
				   "--timeout %s: not a number of seconds", arg);
		return 0;
	case OPT_NO_RECOVERY:
		a->req.flags |= KHSM_CARDSET_NO_RECOVERY;
		return 0;
	case OPT_SET_PP_RECOVERY:
		a->req.flags |= KHSM_CARDSET_PP_RECOVERY;
		return 0;
	default:
		return card_option(opt, arg, &a->ca, err, errlen);
	}
}

/* NAME, which becomes a kmdata file name, and K <= N. */
static enum parsed set_check(int argc, char *argv[], struct set_args *a,
			     char *err, size_t errlen)
{
	const struct cardset_args *ca = &a->ca;

	if (optind >= argc)
		bad(err, errlen, "NAME is needed");
	else if (optind + 1 < argc)
		bad(err, errlen, "unexpected argument '%s'", argv[optind + 1]);
	else if (!khsm_cardset_name_valid(argv[optind]))
		bad(err, errlen,
		    "NAME '%s': 1 to %d of A-Z a-z 0-9 . _ -, not starting with . or -",
		    argv[optind], KHSM_NAME_MAX - 1);
	else if (a->req.k > a->req.n)
		bad(err, errlen, "-K %u is above -N %u", a->req.k, a->req.n);
	else if (ca->nnames > a->req.n || ca->nholders > a->req.n)
		bad(err, errlen, "more --card-name or --card-holder than the %u cards",
		    a->req.n);
	else if (!pp_opts_check(&ca->auth.pp, err, errlen))
		return PARSED_RUN;
	return PARSED_BAD;
}

/*
 * "cardset create" (@type KHSM_SET_OCS) and "softcard create"
 * (KHSM_SET_SOFTCARD: 1 of 1, persistent).
 */
enum parsed parse_set_args(int argc, char *argv[], uint8_t type,
			   struct set_args *a, char *err, size_t errlen)
{
	bool ocs = type == KHSM_SET_OCS;
	char culprit[64];
	enum parsed p;
	int opt;

	memset(a, 0, sizeof(*a));
	khsm_world_options_init(&a->ca.flags);
	present_args_init(&a->ca.auth);
	a->req.type = type;
	a->req.k = 1;
	a->req.n = 1;
	if (!ocs)
		a->req.flags = KHSM_CARDSET_PERSISTENT;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ocs ? "K:N:h" : "h",
				  ocs ? ocs_options : softcard_options,
				  NULL)) != -1) {
		if (opt == 'h')
			return PARSED_HELP;
		if (opt == '?') {
			bad(err, errlen, "unrecognised option or missing value: %s",
			    getopt_culprit(argv, culprit, sizeof(culprit)));
			return PARSED_BAD;
		}
		if (set_args_option(opt, optarg, a, err, errlen))
			return PARSED_BAD;
	}
	p = set_check(argc, argv, a, err, errlen);
	if (p == PARSED_RUN)
		strcpy(a->req.name, argv[optind]);
	return p;
}

static const struct option load_options[] = {
	{ "share-gid", required_argument, NULL, OPT_SHARE_GID },
	{ "hold", no_argument, NULL, OPT_HOLD },
	{ "help", no_argument, NULL, 'h' },
	PRESENT_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static const struct option preload_options[] = {
	{ "share-gid", required_argument, NULL, OPT_SHARE_GID },
	{ "help", no_argument, NULL, 'h' },
	PRESENT_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static int load_option(int opt, const char *arg, struct load_args *a,
		       char *err, size_t errlen)
{
	if (opt == OPT_SHARE_GID)
		a->share = arg;
	else if (opt == OPT_HOLD)
		a->hold = true;
	else
		return present_option(opt, arg, &a->present, err, errlen) ?
		       -1 : 0;
	return 0;
}

static enum parsed load_check(int argc, char *argv[], bool preload,
			      struct load_args *a, char *err, size_t errlen)
{
	if (optind >= argc)
		bad(err, errlen, "NAME is needed");
	else if (optind + 1 < argc)
		bad(err, errlen, "unexpected argument '%s'%s", argv[optind + 1],
		    preload ? " (the command goes after --)" : "");
	else if (!khsm_cardset_name_valid(argv[optind]))
		bad(err, errlen, "'%s' is not a set name", argv[optind]);
	else if (preload && (!a->command || !a->command[0]))
		bad(err, errlen, "-- COMMAND [ARGS...] is needed");
	else if (!pp_opts_check(&a->present.pp, err, errlen)) {
		a->name = argv[optind];
		return PARSED_RUN;
	}
	return PARSED_BAD;
}

/*
 * "token load NAME [options]" and "token preload NAME [options] --
 * COMMAND [ARGS...]": only what comes before the first "--" is ours.
 */
enum parsed parse_load_args(int argc, char *argv[], bool preload,
			    struct load_args *a, char *err, size_t errlen)
{
	char culprit[64];
	int opt, end;

	memset(a, 0, sizeof(*a));
	present_args_init(&a->present);
	for (end = 1; preload && end < argc && strcmp(argv[end], "--"); end++)
		;
	if (preload && end < argc)
		a->command = argv + end + 1;
	if (!preload)
		end = argc;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(end, argv, "h", preload ? preload_options :
				  load_options, NULL)) != -1) {
		if (opt == 'h')
			return PARSED_HELP;
		if (opt == '?') {
			bad(err, errlen, "unrecognised option or missing value: %s",
			    getopt_culprit(argv, culprit, sizeof(culprit)));
			return PARSED_BAD;
		}
		if (load_option(opt, optarg, a, err, errlen))
			return PARSED_BAD;
	}
	return load_check(end, argv, preload, a, err, errlen);
}
