/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Application keys for the selftests, over raw netlink and raw ioctls only:
 * a throwaway world, softcards and their tokens, KEY_GENERATE/KEY_IMPORT,
 * and thin wrappers around the /dev/khsm key ioctls. No libkhsm.
 */
#ifndef KHSM_SELFTEST_KEYUTIL_H
#define KHSM_SELFTEST_KEYUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>
#include <linux/khsm.h>

#include "nlraw.h"

#ifndef BIT
#define BIT(n) (1U << (n))
#endif

#define KU_DEV		"/dev/khsm"
#define KU_FILE_MAX	4096

/* A netlink request being built. */
struct ku_buf {
	unsigned char b[16384];
	size_t off;
};

void ku_put(struct ku_buf *b, uint16_t type, const void *d, size_t len);
void ku_put_u8(struct ku_buf *b, uint16_t type, uint8_t v);
void ku_put_u32(struct ku_buf *b, uint16_t type, uint32_t v);
void ku_put_u64(struct ku_buf *b, uint16_t type, uint64_t v);
void *ku_nest_start(struct ku_buf *b, uint16_t type);
void ku_nest_end(struct ku_buf *b, void *nest);

/* 0 or the positive errno the module answered (negative: local failure). */
int ku_request(struct nlraw *nl, uint8_t cmd, const struct ku_buf *b);

/* Reading a reply: attributes are checked against the bytes they sit in. */
#define KU_PAYLOAD(nla) ((const unsigned char *)(nla) + NLA_HDRLEN)
#define KU_PLEN(nla) ((size_t)(nla)->nla_len - NLA_HDRLEN)
/* The attribute at *@pos of @buf (@end bytes), advancing; NULL at the end. */
const struct nlattr *ku_next_attr(const void *buf, size_t end, size_t *pos);
/* The first top-level attribute @type of the last reply, or NULL. */
const struct nlattr *ku_reply_attr(const struct nlraw *nl, uint16_t type);
/* The first attribute @type inside @nest, or NULL. */
const struct nlattr *ku_nested_attr(const struct nlattr *nest, uint16_t type);
/* GET_INFO, then the u32 @type of its KHSM_A_INFO nest; ~0 when absent. */
uint32_t ku_info_u32(struct nlraw *nl, uint16_t type);

/* A world file and the card files of a set, as the module returned them. */
struct ku_files {
	unsigned char world[KU_FILE_MAX];
	size_t world_len;
	unsigned char card[KU_FILE_MAX];	/* card 1 of the set */
	size_t card_len;
};

/*
 * WORLD_UNLOAD (ignoring "no world"), then a 1-of-1 world with default
 * options (import allowed, every protection and mechanism, key recovery
 * on). @f may be NULL.
 */
int ku_world_fresh(struct nlraw *nl, struct ku_files *f);
/* The same WORLD_NEW alone: one request (EEXIST with a world loaded). */
int ku_world_new(struct nlraw *nl, struct ku_files *f);
/*
 * @cmd (WORLD_NEW or ACS_REPLACE) for a 1/1 ACS, its card without a
 * passphrase; the files are in @nl's reply.
 */
int ku_acs_request(struct nlraw *nl, uint8_t cmd);
/* A CARDS nest of one entry, card 1; pp >= 0: a passphrase key of bytes pp. */
void ku_put_card(struct ku_buf *b, int pp);
int ku_world_unload(struct nlraw *nl);
/* WORLD_LOAD of @f->world, then its ACS card @f->card in slot 0 (removed). */
int ku_world_load(struct nlraw *nl, const struct ku_files *f);

/* A softcard (1/1, passphrase key of 32 bytes @pp). The card in @f->card. */
int ku_softcard_create(struct nlraw *nl, const char *name, uint8_t pp,
		       struct ku_files *f);
/* A 1/1 set of @type (OCS: @persistent or not), as ku_softcard_create. */
int ku_cardset_create(struct nlraw *nl, uint8_t type, const char *name,
		      int persistent, uint8_t pp, struct ku_files *f);
/* As ku_cardset_create, the token unloaded @timeout s after loading. */
int ku_cardset_create_timeout(struct nlraw *nl, uint8_t type,
			      const char *name, int persistent, uint8_t pp,
			      uint32_t timeout, struct ku_files *f);
/* CARD_INSERT of @f->card; pp < 0: no passphrase. *token_id from the reply. */
int ku_card_insert(struct nlraw *nl, uint8_t slot, const struct ku_files *f,
		   int pp, uint64_t *token_id);
/* As ku_card_insert, sharing the token with @share_gid (< 0: not shared). */
int ku_card_insert_shared(struct nlraw *nl, uint8_t slot,
			  const struct ku_files *f, int pp, long share_gid,
			  uint64_t *token_id);
int ku_card_remove(struct nlraw *nl, uint8_t slot);
int ku_token_unload(struct nlraw *nl, uint64_t token_id);

/* What KEY_GENERATE or KEY_IMPORT is asked for. */
struct ku_keyspec {
	uint32_t type;			/* enum khsm_key_type */
	uint32_t len;			/* KHSM_A_KEY_LEN when non-zero */
	uint8_t protection;		/* enum khsm_protection */
	int recovery;			/* -1: leave KHSM_A_KEY_RECOVERY out */
	struct khsm_acl acl;
	const char *app;		/* NULL: "selftest" */
	const char *ident;		/* NULL: "key" */
	const void *secret;		/* IMPORT */
	size_t secret_len;
	const void *pub;		/* IMPORT of a public key */
	size_t pub_len;
	int has_secret, has_pub;	/* send the attribute even when empty */
	uint64_t token_id;		/* non-zero: KHSM_A_TOKEN_ID */
};

struct ku_blob {
	unsigned char data[KHSM_BLOB_MAX];
	size_t len;
	unsigned char hash[KHSM_KEY_HASH_LEN];
};

/* A spec with @ops and @mechs (bit numbers already shifted) and @flags. */
struct ku_keyspec ku_spec(uint32_t type, uint32_t ops, uint32_t mechs,
			  uint32_t acl_flags);
int ku_key_generate(struct nlraw *nl, const struct ku_keyspec *s,
		    struct ku_blob *out);
int ku_key_import(struct nlraw *nl, const struct ku_keyspec *s,
		  struct ku_blob *out);

/* ioctl returning 0 or the errno. */
int ku_ioc(int fd, unsigned long cmd, void *arg);
int ku_open(void);
/* LOAD; *handle set on success. */
int ku_load(int fd, const void *blob, size_t len, uint64_t token_id,
	    uint64_t *handle);
int ku_destroy(int fd, uint64_t handle);
/* Zeroes @op and fills size, handle, op and mech. */
void ku_op_init(struct khsm_ioc_op *op, uint64_t handle, uint32_t opn,
		uint32_t mech);
int ku_op(int fd, struct khsm_ioc_op *op);

/* Convenience: in/out pointers and lengths. */
void ku_op_io(struct khsm_ioc_op *op, const void *in, size_t in_len,
	      void *out, size_t out_len);
/* UNWRAP @in under @kek into a new @type key with @acl; *handle on success. */
int ku_unwrap(int fd, uint64_t kek, uint32_t mech, const void *in,
	      size_t in_len, uint32_t type, const struct khsm_acl *acl,
	      uint64_t *handle);

/* Hex decoding: a malloc'd buffer (at least 1 byte) or NULL on bad hex. */
unsigned char *ku_unhex(const char *hex, size_t *len);
void ku_hex(const void *p, size_t len, char *out /* 2*len+1 */);

#endif
