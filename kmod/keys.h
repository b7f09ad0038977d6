/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Application keys: making key blobs (keys.c), opening them into key
 * objects behind handles (keys.c, handles.c), their ACLs (acl.c) and the
 * operations they do (ops.c).
 *
 * Locking: creating and loading keys reads the world and the tokens under
 * khsm_ctl_lock (world.h). The data path never takes it: a handle holds a
 * reference to its key object, the key object one to its token, and the
 * token's revoked flag is read with READ_ONCE before every operation. A
 * file's handle table has its own spinlock, taken only to look a handle
 * up, add or remove it, never across an operation. Lock order:
 * khsm_ctl_lock, then a file's handle lock, then the usage table lock.
 */
#ifndef _KHSM_KEYS_H
#define _KHSM_KEYS_H

#include <linux/hashtable.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/khsm.h>

#include "world.h"

struct crypto_aead;
struct crypto_shash;
struct khsm_token;
struct khsm_blob;
struct netlink_ext_ack;

/* An ACL in CPU order, with its ids in the initial user namespace. */
struct khsm_kacl {
	u32 ops;
	u32 mechs;
	u32 flags;
	kuid_t uid;
	kgid_t gid;
	u64 usage_limit;
	u64 not_before;
	u64 not_after;
	u8 wrap_key_hash[KHSM_KEY_HASH_LEN];
};

/* Uses of one key (by key id) over all its handles, while any is loaded. */
struct khsm_usage {
	struct hlist_node node;
	refcount_t ref;
	atomic64_t used;
	u8 key_id[KHSM_KEY_ID_LEN];
};

/* Transforms a key keeps keyed for its whole life, by mechanism. */
struct khsm_key_tfms {
	struct crypto_aead *gcm;
	struct crypto_shash *mac;	/* HMAC-SHA-* or CMAC; one per key */
	u32 mac_mech;			/* the mechanism @mac is keyed for */
	struct crypto_shash *hash;	/* ECDSA's digest */
};

/*
 * A loaded key: one per handle, from the khsm_key cache, which has no
 * usercopy window, so no code path can copy it to user space by mistake.
 */
struct khsm_key {
	refcount_t ref;
	struct hlist_node node;		/* in its file's handle table */
	u64 handle;
	int epoch;			/* khsm_keys_revoke_all() count at load */
	u32 type;
	u8 secret_len;
	u8 pub_len;
	struct khsm_kacl acl;
	struct khsm_token *token;	/* NULL: module protection */
	struct khsm_usage *usage;	/* NULL: no usage limit */
	struct khsm_key_tfms tfm;
	u8 key_id[KHSM_KEY_ID_LEN];
	u8 key_hash[KHSM_KEY_HASH_LEN];
	u8 secret[KHSM_SECRET_MAX];
	u8 pub[KHSM_PUBKEY_MAX];
};

/* A file descriptor of /dev/khsm: its handles. */
struct khsm_file {
	spinlock_t lock;	/* the handle table; see the top of the file */
	unsigned int count;
	DECLARE_HASHTABLE(handles, 8);
};

/* What KEY_GENERATE and KEY_IMPORT ask for. */
struct khsm_key_req {
	u32 type;
	u32 len;
	u8 protection;
	int recovery;			/* -1: the default */
	bool import;
	u64 token_id;
	struct khsm_acl acl;
	char app[KHSM_APP_MAX];
	char ident[KHSM_IDENT_MAX];
	const u8 *secret;
	size_t secret_len;
	const u8 *pub;
	size_t pub_len;
	const struct cred *opener;	/* the netlink socket's opener */
};

/* keys.c */
int khsm_keys_init(void);
void khsm_keys_uninit(void);
int khsm_key_create(const struct khsm_key_req *req, struct khsm_blob *blob,
		    u8 key_hash[KHSM_KEY_HASH_LEN],
		    struct netlink_ext_ack *extack);
int khsm_key_recover(const u8 *blob, size_t len, u64 token_id,
		     const struct cred *opener, struct khsm_blob *out,
		     u8 key_hash[KHSM_KEY_HASH_LEN],
		     struct netlink_ext_ack *extack);
int khsm_key_open(const u8 *blob, size_t len, u64 token_id,
		  struct khsm_key **out);
struct khsm_key *khsm_key_alloc(void);
void khsm_keys_revoke_all(void);
bool khsm_key_revoked(const struct khsm_key *k);
int khsm_key_setup(struct khsm_key *k);
void khsm_key_put(struct khsm_key *k);
int khsm_key_hash(u32 type, const u8 *material, size_t len,
		  u8 out[KHSM_KEY_HASH_LEN]);
int khsm_usage_attach(struct khsm_key *k);
const char *khsm_mac_alg(u32 mech);

/* acl.c */
int khsm_acl_import(const struct khsm_acl *in, u32 type, bool has_secret,
		    struct khsm_kacl *acl, const char **why);
int khsm_acl_check(const struct khsm_key *k, u32 op, u32 mech);
int khsm_acl_count_use(struct khsm_key *k);
void khsm_acl_refund_use(struct khsm_key *k);
bool khsm_mech_fits(u32 type, u32 mech);
unsigned int khsm_key_secret_ok(u32 type, size_t len);

/* handles.c */
struct khsm_file *khsm_file_alloc(void);
void khsm_file_free(struct khsm_file *f);
int khsm_handle_add(struct khsm_file *f, struct khsm_key *k);
struct khsm_key *khsm_handle_get(struct khsm_file *f, u64 handle);
int khsm_handle_destroy(struct khsm_file *f, u64 handle);

/* ops.c */
int khsm_ioc_key_op(struct khsm_file *f, struct khsm_ioc_op *op);

#endif /* _KHSM_KEYS_H */
