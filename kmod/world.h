/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Security World held by the module. Control-plane state (the world,
 * ACS authorisations, slots, sessions, retry delays) is rare, slow work
 * done by ceremonies, so one mutex, khsm_ctl_lock, guards all of it; the
 * data path added later never takes it. Lock order: khsm_ctl_lock is
 * outermost; nothing is held while taking it.
 */
#ifndef _KHSM_WORLD_H
#define _KHSM_WORLD_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/khsm.h>

#include "kcrypto.h"
#include "options.h"

struct netlink_ext_ack;

extern struct mutex khsm_ctl_lock;

/* The world secrets: the encrypted body of the world file. */
struct khsm_world_secrets {
	u8 module_key[KHSM_KEY_LEN];
	u8 recovery_key[KHSM_KEY_LEN];	/* zero unless key recovery is on */
	u8 card_secret[KHSM_KEY_LEN];
	u8 audit_priv[KHSM_KEY_LEN];	/* P-256 scalar, big endian */
	u8 bind_kek[KHSM_KEY_LEN];	/* wraps the BIND key slot */
	u8 reserved[32];
};

#define KHSM_WORLD_BODY_LEN (sizeof(struct khsm_world_secrets) + KHSM_GCM_OVERHEAD)
#define KHSM_WORLD_MAX_KEYSLOTS 2
/* The longest world file: every key slot used. */
#define KHSM_WORLD_FILE_MAX (sizeof(struct khsm_world_hdr) + \
			     KHSM_WORLD_MAX_KEYSLOTS * \
			     sizeof(struct khsm_world_keyslot) + \
			     KHSM_WORLD_BODY_LEN)

struct khsm_world {
	enum khsm_world_state state;
	struct khsm_world_hdr hdr;
	struct khsm_opts opts;
	struct khsm_world_keyslot keyslots[KHSM_WORLD_MAX_KEYSLOTS];
	u8 wfk[KHSM_KEY_LEN];		/* world file key */
	struct khsm_world_secrets secrets;
	u8 body[KHSM_WORLD_BODY_LEN];	/* while LOADING: still sealed */
	u32 loading_portid;
	/*
	 * khsm_bind_type_name() of the key the world was bound to or opened
	 * with since it was loaded; NULL if not bound or loaded with the ACS
	 * (the world file does not record the type).
	 */
	const char *bind_type;
	u32 auth_mask;			/* 1 << enum khsm_acs_token */
	u64 auth_expires;		/* ktime_get_boottime_ns() */
};

/* A card the caller wants made: from WORLD_NEW and ACS_REPLACE. */
struct khsm_card_spec {
	u8 index;
	bool has_pp;
	u32 pbkdf2_iter;
	char name[KHSM_NAME_MAX];
	u8 pp_salt[KHSM_PP_SALT_LEN];
	u8 pp_key[KHSM_PP_KEY_LEN];
};

/* A file the module made, for the reply. */
struct khsm_blob {
	u8 *data;
	size_t len;
};

struct khsm_bind_req {
	const char *type;
	const char *desc;
};

/* What WORLD_NEW and ACS_REPLACE hand back; khsm_made_free() releases. */
struct khsm_made {
	struct khsm_blob world_file;
	struct khsm_blob cards[KHSM_MAX_CARDS];
	unsigned int ncards;
};

struct khsm_world *khsm_world_get_locked(void);
enum khsm_world_state khsm_world_state_locked(void);
void khsm_made_free(struct khsm_made *made);

struct khsm_world *khsm_world_create(const struct khsm_opts *opts,
				     const struct khsm_card_spec *specs,
				     unsigned int n,
				     const struct khsm_bind_req *bind,
				     struct khsm_made *made,
				     struct netlink_ext_ack *extack);
void khsm_world_install(struct khsm_world *w);
void khsm_world_discard(struct khsm_world *w);
int khsm_world_load(const u8 *file, size_t len,
		    const struct khsm_bind_req *bind, u32 portid,
		    struct netlink_ext_ack *extack);
int khsm_world_finish_load(struct khsm_world *w, const u8 lwk[KHSM_KEY_LEN],
			   struct netlink_ext_ack *extack);
void khsm_world_unload(void);
void khsm_world_session_closed(u32 portid);
int khsm_world_serialise(struct khsm_world *w, struct khsm_blob *out);
int khsm_world_wrap_slot(struct khsm_world *w, u8 type,
			 const u8 key[KHSM_KEY_LEN],
			 struct khsm_world_keyslot *slot);
struct khsm_world *khsm_world_replace_acs(const struct khsm_opts *opts,
					  const struct khsm_card_spec *specs,
					  unsigned int n,
					  struct khsm_made *made,
					  struct netlink_ext_ack *extack);
int khsm_world_bind(const struct khsm_bind_req *bind, struct khsm_blob *out,
		    struct netlink_ext_ack *extack);
int khsm_world_set_policy(const struct khsm_opts *opts, struct khsm_blob *out);

/* bindkey.c */
const char *khsm_bind_type_name(const char *type);
int khsm_bind_kek(const struct khsm_bind_req *bind,
		  const u8 world_id[KHSM_WORLD_ID_LEN], u8 kek[KHSM_KEY_LEN],
		  struct netlink_ext_ack *extack);

#endif /* _KHSM_WORLD_H */
