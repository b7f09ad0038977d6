/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KHSM_ACS_H
#define _KHSM_ACS_H

#include "world.h"

/* The shares one connection has read from the cards of one ACS. */
struct khsm_collect {
	u8 set_id[KHSM_SET_ID_LEN];
	u8 count;
	u8 xs[KHSM_MAX_CARDS];
	u8 shares[KHSM_MAX_CARDS][KHSM_TOKEN__COUNT][KHSM_KEY_LEN];
	u32 done;	/* 1 << token: met and verified */
};

struct khsm_quorum_progress {
	u8 have;
	u8 need;	/* 0: the feature is disabled */
	bool done;
};

int khsm_acs_build(struct khsm_world *w, const struct khsm_card_spec *specs,
		   unsigned int n, struct khsm_made *made,
		   struct netlink_ext_ack *extack);
int khsm_acs_add_card(struct khsm_world *w, struct khsm_collect *c,
		      const struct khsm_card_hdr *hdr, const u8 *plain,
		      struct netlink_ext_ack *extack);
void khsm_acs_progress(const struct khsm_world *w,
		       const struct khsm_collect *c,
		       struct khsm_quorum_progress p[KHSM_TOKEN__COUNT]);
int khsm_acs_require(struct khsm_world *w, enum khsm_acs_token token,
		     struct netlink_ext_ack *extack);
void khsm_acs_logout(struct khsm_world *w);
u32 khsm_acs_auth_mask(struct khsm_world *w, u32 *remaining_ms);

#endif /* _KHSM_ACS_H */
