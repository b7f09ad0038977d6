/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KHSM_SLOTS_H
#define _KHSM_SLOTS_H

#include <linux/uidgid.h>

#include "acs.h"

struct sk_buff;

extern int khsm_nslots;

struct khsm_insert_req {
	u32 portid;		/* the connection presenting the card */
	u8 slot;
	bool officer;		/* may present ACS cards */
	bool verify_only;
	const u8 *image;
	size_t len;
	const u8 *pp_key;	/* NULL: no passphrase given */
	kgid_t share_gid;	/* INVALID_GID: the token is not shared */
};

struct khsm_insert_res {
	struct khsm_card_hdr hdr;
	struct khsm_quorum_progress progress[KHSM_TOKEN__COUNT];
	struct khsm_quorum_progress set_progress;	/* OCS, softcard */
	u64 token_id;		/* 0: no token loaded by this card */
};

int khsm_slots_init(void);
void khsm_slots_uninit(void);
void khsm_slots_clear_all(void);
void khsm_slots_acs_forget(void);
int khsm_card_insert(const struct khsm_insert_req *req,
		     struct khsm_insert_res *res,
		     struct netlink_ext_ack *extack);
int khsm_card_remove(u32 portid, u8 slot, struct netlink_ext_ack *extack);
int khsm_card_repassphrase(const struct khsm_insert_req *req,
			   const struct khsm_card_spec *spec,
			   struct khsm_blob *out,
			   struct netlink_ext_ack *extack);
int khsm_slots_put(struct sk_buff *msg);

#endif /* _KHSM_SLOTS_H */
