/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KHSM_TOKENS_H
#define _KHSM_TOKENS_H

#include <linux/bits.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/timekeeping.h>
#include <linux/uidgid.h>
#include <linux/workqueue.h>

#include "world.h"

struct sk_buff;

/* Flags of an operator card set or softcard, fixed at creation. */
#define KHSM_SETF_PERSISTENT	BIT(0)
#define KHSM_SETF_RECOVERY	BIT(1)
#define KHSM_SETF_PP_RECOVERY	BIT(2)

/* What each card of a set carries, sealed: its share and the set's terms. */
struct khsm_set_payload {
	u8 share[KHSM_KEY_LEN];
	u8 check[KHSM_HMAC_LEN];	/* proves the combined token right */
	__le32 flags;			/* KHSM_SETF_* */
	__le32 timeout;			/* seconds, 0: none */
	u8 reserved[8];
};

/* The shares one connection has read from the cards of one set. */
struct khsm_set_collect {
	struct list_head node;
	u8 set_id[KHSM_SET_ID_LEN];
	u8 type;
	u8 k;
	u8 count;
	u8 xs[KHSM_MAX_CARDS];
	u8 shares[KHSM_MAX_CARDS][KHSM_KEY_LEN];
	u8 check[KHSM_HMAC_LEN];
	u32 flags;
	u32 timeout;
	char name[KHSM_NAME_MAX];
};

/*
 * A loaded logical token. Keys protected by it (later) hold a reference
 * and check @revoked before each use; unloading marks it revoked, wipes
 * the key and drops the list's reference, so nothing is freed under a
 * user and nothing works after the unload.
 */
struct khsm_token {
	struct kref ref;
	struct list_head node;		/* khsm_tokens, under khsm_ctl_lock */
	struct delayed_work expiry;
	u64 id;
	bool revoked;
	u8 type;
	u32 flags;
	u8 set_id[KHSM_SET_ID_LEN];
	char name[KHSM_NAME_MAX];
	u8 key[KHSM_KEY_LEN];
	kuid_t owner;
	kgid_t share_gid;		/* INVALID_GID: not shared */
	u32 portid;			/* the loading connection */
	int slot;			/* non-persistent: the last card's */
	pid_t loader;
	u64 expires;			/* boottime ns, 0: no timeout */
};

/*
 * Unloaded, or past its timeout. The expiry work runs a timer tick (up to
 * tens of ms with the timer wheel's rounding) and a scheduling delay after
 * @expires; a use must not succeed in between, so it compares the time
 * itself. @expires is set before the token is listed and never changes.
 */
static inline bool khsm_token_gone(const struct khsm_token *t)
{
	return READ_ONCE(t->revoked) ||
	       (t->expires && ktime_get_boottime_ns() >= t->expires);
}

struct khsm_cardset_req {
	u8 type;
	u8 k;
	u8 n;
	u32 flags;
	u32 timeout;
	char name[KHSM_NAME_MAX];
};

int khsm_tokens_init(void);
void khsm_tokens_uninit(void);

int khsm_cardset_create(struct khsm_world *w, struct khsm_cardset_req *req,
			const struct khsm_card_spec *specs,
			u8 set_id[KHSM_SET_ID_LEN], struct khsm_made *made,
			struct netlink_ext_ack *extack);

int khsm_set_add_card(struct khsm_set_collect *c,
		      const struct khsm_card_hdr *hdr,
		      const struct khsm_set_payload *p,
		      struct netlink_ext_ack *extack);
int khsm_token_load(struct khsm_set_collect *c, u32 portid, int slot,
		    kgid_t share_gid, u64 *id, struct netlink_ext_ack *extack);
int khsm_token_unload_id(u64 id, bool officer, const struct cred *opener,
			 struct netlink_ext_ack *extack);
void khsm_tokens_slot_emptied(int slot);
void khsm_tokens_session_closed(u32 portid);
void khsm_tokens_unload_present(u8 cause);
void khsm_tokens_unload_all(void);
unsigned int khsm_tokens_count(void);
int khsm_tokens_put(struct sk_buff *msg);
void khsm_token_put(struct khsm_token *t);
int khsm_token_get_for_key(u64 id, const u8 *set_id, u8 type,
			   const struct cred *opener, struct khsm_token **out);

#endif /* _KHSM_TOKENS_H */
