/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KHSM_CARDS_H
#define _KHSM_CARDS_H

#include "world.h"

/* What every card of one set shares. */
struct khsm_card_ctx {
	const u8 *world_id;
	const u8 *set_id;
	u8 set_type;
	u8 k;
	u8 n;
	const char *set_name;
	const u8 *secret;	/* the set's key-derivation secret */
	bool escrow;		/* seal an escrow copy (passphrase recovery) */
};

/* A card file being read: a copy of its header and where its body is. */
struct khsm_card {
	struct khsm_card_hdr hdr;
	const u8 *file;
	size_t file_len;
	size_t body_len;
	size_t escrow_len;
};

/* ACS cards carry one share of each token. */
#define KHSM_ACS_CARD_PLAIN_LEN (KHSM_TOKEN__COUNT * KHSM_KEY_LEN)

int khsm_card_build(const struct khsm_card_ctx *ctx,
		    const struct khsm_card_spec *spec, const u8 *plain,
		    size_t plain_len, struct khsm_blob *out);
int khsm_card_parse(const u8 *file, size_t len, struct khsm_card *c,
		    struct netlink_ext_ack *extack);
int khsm_card_verify(const struct khsm_card *c, const u8 *secret,
		     struct netlink_ext_ack *extack);
int khsm_card_decrypt(const struct khsm_card *c, const u8 *secret,
		      const u8 *pp_key, u8 *plain, size_t plain_len);
int khsm_card_open_escrow(const struct khsm_card *c, const u8 *secret,
			  u8 *plain, size_t plain_len);

#endif /* _KHSM_CARDS_H */
