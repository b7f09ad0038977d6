/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * khsmctl: what the card ceremonies share: passphrase input, presenting
 * cards until a quorum is met, creating a card set, and their arguments.
 */
#ifndef KHSMCTL_CARDS_H
#define KHSMCTL_CARDS_H

#include <getopt.h>

#include "khsmctl.h"

#define PP_MAX		4096	/* bytes of one passphrase */
#define HOLDER_MAX	128	/* register text about a card's holder */

/*
 * Everything secret a ceremony holds, in one khsm_secure_alloc() block:
 * the passphrase being read (and its confirmation), the key stretched from
 * it, and the card requests, whose pp_key fields are secret too.
 */
struct secrets {
	char pp[PP_MAX + 1];
	char again[PP_MAX + 1];
	uint8_t key[KHSM_PP_KEY_LEN];
	struct khsm_card_req reqs[KHSM_MAX_CARDS];
};

struct secrets *secrets_alloc(const char *cmd);
void secrets_free(struct secrets *s);

/* --passphrase-fd, --passphrase-file, --no-passphrase */
struct pp_opts {
	int fd;			/* -1: not given */
	const char *file;
	bool none;
};

/*
 * Where passphrases come from, one per card in the order the cards are
 * handled: lines of a file or descriptor, or the terminal.
 */
struct pp_source {
	int fd;			/* lines, or -1 */
	bool own_fd;
	bool none;		/* --no-passphrase */
	bool tty;		/* no fd: ask on the terminal (stdin) */
	unsigned int line;	/* lines read so far */
	char what[96];		/* "--passphrase-file F", for messages */
};

/* The PBKDF2 behind every passphrase; tests put a stand-in here. */
extern int (*pp_derive)(const char *pp, size_t len,
			const uint8_t salt[KHSM_PP_SALT_LEN], uint32_t iter,
			uint8_t out[KHSM_PP_KEY_LEN]);

int pp_read_line(int fd, char *buf, size_t size, size_t *len);
int pp_source_open(struct pp_source *s, const struct pp_opts *o,
		   const char *cmd);
void pp_source_close(struct pp_source *s);
int pp_next(struct pp_source *s, const char *cmd, const char *prompt,
	    char *buf, size_t *len);
int pp_no_more_lines(struct pp_source *s, const char *cmd, char *buf);
int pp_stretch(const char *cmd, unsigned int index, const char *pp, size_t len,
	       const uint8_t salt[KHSM_PP_SALT_LEN], uint32_t iter,
	       uint8_t key[KHSM_PP_KEY_LEN]);
size_t utf8_chars(const char *s, size_t len);

/* The terminal: stdin, when it is one. */
bool interactive(void);
int ask(const char *prompt, const char *def, char *buf, size_t size);
bool confirm(const char *question);

/* getopt_long() codes of the long options the card commands share. */
enum {
	OPT_CARD = 256,
	OPT_SLOT,
	OPT_PP_FD,
	OPT_PP_FILE,
	OPT_NO_PP,
	OPT_LOAD_QUORUM,
	OPT_KEY_RECOVERY,
	OPT_NO_KEY_RECOVERY,
	OPT_PP_RECOVERY,
	OPT_NSO_TIMEOUT,
	OPT_POLICY,
	OPT_STRICT,
	OPT_BIND_KEY,
	OPT_CARD_DIR,
	OPT_CARD_NAME,
	OPT_CARD_HOLDER,
	OPT_YES,
	OPT_JSON,
	OPT_PERSISTENT,
	OPT_TIMEOUT,
	OPT_NO_RECOVERY,
	OPT_SET_PP_RECOVERY,
	OPT_SHARE_GID,
	OPT_HOLD,
	OPT_LOST,
	OPT_ACS_TOKEN,
};

#define PRESENT_LONG_OPTIONS						\
	{ "card", required_argument, NULL, OPT_CARD },			\
	{ "slot", required_argument, NULL, OPT_SLOT },			\
	{ "passphrase-fd", required_argument, NULL, OPT_PP_FD },	\
	{ "passphrase-file", required_argument, NULL, OPT_PP_FILE }

/* Options of the commands that present cards. */
struct present_args {
	const char *cards[KHSM_MAX_CARDS];	/* --card FILE, in order */
	size_t ncards;
	struct pp_opts pp;
	uint8_t slot;				/* --slot N, default 0 */
	bool slot_given;
};

void present_args_init(struct present_args *a);
int present_option(int opt, const char *arg, struct present_args *a,
		   char *err, size_t errlen);
int pp_opts_check(const struct pp_opts *o, char *err, size_t errlen);
const char *getopt_culprit(char *argv[], char *buf, size_t size);

/*
 * Present cards in one slot, one after another, until @token's quorum or,
 * with @set, until the set's token loads.
 */
struct presenter {
	struct khsm *h;
	const char *cmd;
	uint32_t token;			/* enum khsm_acs_token, unless @set */
	uint8_t slot;
	struct pp_source *pp;		/* &own_pp, or a ceremony's */
	struct secrets *sec;
	struct pp_source own_pp;	/* presenter_open()'s */
	FILE *out;			/* progress lines: stdout by default */
	/* Cards of an operator card set or softcard: */
	const struct khsm_cardset_record *set;	/* NULL: ACS cards */
	unsigned int read_flags;	/* khsm_read_file() mode checks */
	bool share;			/* share the token with @share_gid */
	uint32_t share_gid;
	bool keep_last;			/* the card that loads it stays in */
	uint64_t token_id;		/* the token the last card loaded */
};

int presenter_open(struct presenter *p, struct khsm *h, const char *cmd,
		   uint32_t token, const struct present_args *a);
void presenter_close(struct presenter *p);
int read_card_file(const char *cmd, const char *path, unsigned int flags,
		   uint8_t **data, size_t *len, struct khsm_card_info *ci);
int card_key(struct presenter *p, const struct khsm_card_info *ci,
	     const char *prompt);
int present_cards(struct presenter *p, const char *const *paths, size_t n);
int present_quorum(struct khsm *h, const char *cmd, uint32_t token,
		   const struct present_args *a);
int authorise(struct khsm *h, const char *cmd, const struct present_args *a,
	      struct secrets *sec, struct pp_source *pp);

/* "card passphrase" (card_pp.c) and "cardset erase" (cardset_erase.c). */
int card_passphrase_main(int argc, char *argv[]);
int cardset_erase_main(int argc, char *argv[]);

/* Options of "world new" and "acs replace". */
enum cardset_cmd { CARDSET_NEW, CARDSET_REPLACE };

struct cardset_args {
	struct khsm_world_options flags;	/* .set: what was given */
	const char *policy_file;
	const char *card_dir;
	const char *bind_spec;
	const char *names[KHSM_MAX_CARDS];
	size_t nnames;
	const char *holders[KHSM_MAX_CARDS];
	size_t nholders;
	bool yes;
	struct present_args auth;	/* replace: --card, --slot */
};

enum parsed { PARSED_RUN, PARSED_HELP, PARSED_BAD };

/* Options of the other verbs: cards to present, a binding key, --json,
 * --for. */
struct verb_args {
	struct present_args present;
	const char *bind_spec;
	const char *acs_token;		/* acs authorise --for */
	bool json;
	const char *pos[2];		/* positional arguments */
	int npos;
};

enum parsed parse_verb_args(int argc, char *argv[],
			    const struct option *longopts, int maxpos,
			    struct verb_args *va, char *err, size_t errlen);

enum parsed parse_cardset_args(int argc, char *argv[], enum cardset_cmd cmd,
			       struct cardset_args *a, char *err,
			       size_t errlen);
int merge_options(struct khsm_world_options *dst,
		  const struct khsm_world_options *src);

/* Options of "cardset create" and "softcard create". */
struct set_args {
	struct cardset_args ca;		/* card names, holders and directory,
					 * passphrase options, --yes */
	struct khsm_cardset_req req;	/* type, name, K, N, flags, timeout */
};

enum parsed parse_set_args(int argc, char *argv[], uint8_t type,
			   struct set_args *a, char *err, size_t errlen);
int set_create(const char *cmd, const struct set_args *a);

/* Options of "token load" and "token preload". */
struct load_args {
	struct present_args present;	/* --card, --slot, passphrases */
	const char *share;		/* --share-gid GROUP */
	bool hold;			/* load only */
	const char *name;
	char **command;			/* preload: what follows "--" */
};

enum parsed parse_load_args(int argc, char *argv[], bool preload,
			    struct load_args *a, char *err, size_t errlen);

/* Creating a card set: what it asks, what it writes. */
struct ceremony {
	struct khsm *h;
	const char *cmd;
	const struct cardset_args *args;
	const struct khsm_world_options *rules; /* passphrase rules, PBKDF2 */
	unsigned int n;
	const char *prefix;	/* cards PREFIX-I, files PREFIX-I.card; NULL: acs */
	bool softcard;		/* one card named @prefix, kept in kmdata: no
				 * file or holder asked; a passphrase needed */
	struct secrets *sec;
	struct pp_source pp;
	char *paths[KHSM_MAX_CARDS];
	char holders[KHSM_MAX_CARDS][HOLDER_MAX];
	bool written[KHSM_MAX_CARDS];
};

char *dir_of(const char *path);
int ceremony_collect(struct ceremony *c);
void ceremony_wipe_keys(struct ceremony *c);
int ceremony_check_cards(const struct ceremony *c,
			 const struct khsm_card_file *cards, size_t n);
int ceremony_write_cards(struct ceremony *c,
			 const struct khsm_card_file *cards);
int ceremony_finish(struct ceremony *c, const struct khsm_world_result *res,
		    void (*failed)(struct ceremony *c));
void ceremony_unwrite_cards(struct ceremony *c);
void ceremony_end(struct ceremony *c);

/* The verbs' shared steps (world.c). */
int read_policy(const char *cmd, const char *path,
		struct khsm_world_options *opts);
int parse_bind(const char *cmd, const char *spec, struct khsm_bind_key *bind);
int apply_cardset_args(const char *cmd, const struct cardset_args *a,
		       struct khsm_world_options *o);
int usage_or_run(enum parsed p, const char *cmd, const char *err,
		 void (*usage)(FILE *f));
int with_acs(const char *cmd, const struct present_args *a,
	     int (*fn)(struct khsm *h, const void *arg,
		       struct khsm_world_result *res),
	     const void *arg);
int world_info_main(int argc, char *argv[]);
void print_world_text(const struct khsm_world_info *wi);
void print_world_json(const struct khsm_world_info *wi);

/* kmdata files */
#define KMDATA_DIR_MODE		0755	/* as made; 3775 for operators */
#define KMDATA_FILE_MODE	0640	/* world, register, records, softcards */
#define KEY_BLOB_MODE		0644	/* key_APP_ID: services read them */

int kmdata_prepare(const char *cmd);
int kmdata_writable(const char *cmd);
char *kmdata_path(const char *name);
bool kmdata_exists(const char *name);
int write_kmdata(const char *cmd, const char *name, const void *data,
		 size_t len);
int write_key_blob(const char *cmd, const char *name, const void *data,
		   size_t len);
int write_world_file(const char *cmd, const struct khsm_world_result *res);
int write_register(const char *cmd, const char *text);
bool world_file_exists(void);
void print_warnings(const struct khsm_world_result *res);
void set_file(char *buf, size_t size, const char *prefix, const char *name);
int load_set_record(const char *name, struct khsm_cardset_record *r,
		    mode_t *mode, char *why, size_t size);
int read_set_record(const char *cmd, const char *name,
		    struct khsm_cardset_record *r);
int list_set_names(const char *cmd, char ***names, size_t *n);
void free_names(char **names, size_t n);

/* Tokens, as token.c shows them; cardset.c shows them too. */
#define TOKEN_ID_LEN	17	/* 16 hex digits and the NUL */
char *token_hex(char out[TOKEN_ID_LEN], uint64_t id);
void print_token_text(FILE *f, const struct khsm_token_info *t);
void print_token_json(FILE *f, const struct khsm_token_info *t);

#endif /* KHSMCTL_CARDS_H */
