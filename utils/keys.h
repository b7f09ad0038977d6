/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * khsmctl key: what the application-key verbs share: the options that
 * make a key and its ACL (keyargs.c, which prints nothing), and the key
 * blobs kept in the kmdata directory.
 */
#ifndef KHSMCTL_KEYS_H
#define KHSMCTL_KEYS_H

#include "cards.h"

/* The ACL as the options give it, in host order. */
struct acl_args {
	uint32_t ops;			/* 1 << enum khsm_op */
	uint32_t mechs;			/* 1 << enum khsm_mech; 0: default */
	uint32_t flags;			/* KHSM_ACL_F_* */
	uint32_t uid;
	uint32_t gid;
	uint64_t usage_limit;		/* 0: none */
	uint64_t not_before;		/* seconds since the epoch; 0: none */
	uint64_t not_after;
	uint8_t wrap_key_hash[KHSM_KEY_HASH_LEN];	/* all zero: any */
};

/* Options of "key generate" and "key import". */
struct key_args {
	bool import;
	const char *app;		/* --app: a key name, without '_' */
	const char *ident;		/* --ident */
	uint32_t type;			/* --type */
	uint32_t len;			/* --len, --bits / 8; 0: the default */
	uint8_t protection;		/* --protect */
	const char *set_name;		/* softcard:NAME, cardset:NAME */
	uint64_t token_id;		/* --token, 0: look it up */
	int8_t recovery;		/* --no-recovery: 0; else the default */
	bool force;			/* --force: replace the file */
	const char *from;		/* import: --from FILE */
	bool public_only;		/* import: --public */
	struct acl_args acl;
};

enum parsed parse_key_args(int argc, char *argv[], bool import,
			   struct key_args *a, char *err, size_t errlen);

/* The mechanisms @a gets when --mechs is not given: all that fit. */
uint32_t default_mechs(const struct key_args *a);

/* @a's ACL as the ABI has it. */
void acl_to_abi(const struct acl_args *a, struct khsm_acl *acl);

/* Times and principals as the options take them; 0 or -EINVAL. */
int parse_time(const char *s, uint64_t *t);
int parse_uid(const char *s, uint32_t *uid);
int parse_gid(const char *s, uint32_t *gid);
int parse_hex(const char *s, uint8_t *out, size_t len);
int parse_token_id(const char *s, uint64_t *id);

/* "key_APP_IDENT": @app has no '_', so the name splits one way only. */
#define KEY_FILE_MAX	(sizeof(KHSM_KEY_FILE_PREFIX) + KHSM_APP_MAX + \
			 KHSM_IDENT_MAX)
void key_file(char *buf, size_t size, const char *app, const char *ident);
bool key_app_valid(const char *app);

/* A key blob of kmdata with its header parsed; free(blob) after. */
struct key_blob {
	uint8_t *blob;
	size_t len;
	struct khsm_key_info info;
	char file[KEY_FILE_MAX];
};

int read_key_blob(const char *cmd, const char *app, const char *ident,
		  struct key_blob *kb);
int list_key_files(const char *cmd, char ***names, size_t *n);

/* "key pubkey": the SPKI of an EC key's header, and its fingerprint. */
int key_spki(const struct khsm_key_info *ki, bool pem, uint8_t **out,
	     size_t *len);
int key_spki_fingerprint(const struct khsm_key_info *ki,
			 char out[HEX_LEN(32)]);

int write_output(const char *cmd, const char *path, const void *data,
		 size_t len);

/* Operations and mechanisms of a mask, "sign,export-public". */
void print_names(FILE *f, uint32_t mask, const char *(*name)(uint32_t));

/* Options of the verbs that name a key: APP ID and a few of these. */
enum {
	OPT_KEY_IN = 512,
	OPT_KEY_OUT,
	OPT_KEY_SIG,
	OPT_KEY_TOKEN,
	OPT_KEY_PEM,
	OPT_KEY_DER,
	OPT_KEY_APP,
	OPT_KEY_YES,
};

struct key_ref_args {
	const char *app;		/* APP: positional, or list's --app */
	const char *ident;		/* ID */
	const char *in, *out, *sig;	/* --in, --out, --sig */
	uint64_t token_id;		/* --token */
	bool pem, der, json, yes;
};

enum parsed parse_key_ref_args(int argc, char *argv[],
			       const struct option *longopts, bool named,
			       struct key_ref_args *r, char *err,
			       size_t errlen);

/* The set a key goes under, and a token of it (key.c). */
int read_set_of_type(const char *cmd, const char *name, uint8_t want,
		     const char *opt, struct khsm_cardset_record *r);
int find_set_token(const char *cmd, struct khsm *h, const char *name,
		   const uint8_t set_id[KHSM_SET_ID_LEN], const char *verb,
		   uint64_t *token_id);

int key_recover_main(int argc, char *argv[]);
int key_show_list(int argc, char *argv[]);
int key_show_info(int argc, char *argv[]);
int key_show_pubkey(int argc, char *argv[]);
int key_use_sign(int argc, char *argv[]);
int key_use_verify(int argc, char *argv[]);

#endif /* KHSMCTL_KEYS_H */
