// SPDX-License-Identifier: GPL-2.0
/*
 * Card files. A card is header || sealed shares || MAC. Two keys, both
 * derived from the set's secret: the MAC key ignores the passphrase, so a
 * damaged or forged card is refused as such before any passphrase attempt
 * is counted; the card key mixes in the passphrase's PBKDF2 output, so a
 * wrong passphrase shows up as a failed GCM open, and only then.
 */
#include <crypto/algapi.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <net/netlink.h>

#include "cards.h"

static int card_mac_key(const u8 *secret, const u8 *set_id, u8 key[KHSM_KEY_LEN])
{
	static const char label[] = "khsm card mac";
	const struct khsm_kdf_part parts[] = {
		{ label, sizeof(label) },
		{ set_id, KHSM_SET_ID_LEN },
	};

	return khsm_hmac_sha256(secret, KHSM_KEY_LEN, parts, ARRAY_SIZE(parts),
				key);
}

static int card_key(const u8 *secret, const struct khsm_card_hdr *hdr,
		    const u8 *pp_key, u8 key[KHSM_KEY_LEN])
{
	static const char label[] = "khsm card key";
	static const u8 no_pp[KHSM_PP_KEY_LEN];
	const struct khsm_kdf_part parts[] = {
		{ label, sizeof(label) },
		{ hdr->world_id, KHSM_WORLD_ID_LEN },
		{ hdr->set_id, KHSM_SET_ID_LEN },
		{ &hdr->index, 1 },
		{ &hdr->flags, sizeof(hdr->flags) },
		{ pp_key ?: no_pp, KHSM_PP_KEY_LEN },
	};

	return khsm_hmac_sha256(secret, KHSM_KEY_LEN, parts, ARRAY_SIZE(parts),
				key);
}

/* The escrow copy's key: the card's identity, no passphrase. */
static int escrow_key(const u8 *secret, const struct khsm_card_hdr *hdr,
		      u8 key[KHSM_KEY_LEN])
{
	static const char label[] = "khsm card escrow";
	const struct khsm_kdf_part parts[] = {
		{ label, sizeof(label) },
		{ hdr->world_id, KHSM_WORLD_ID_LEN },
		{ hdr->set_id, KHSM_SET_ID_LEN },
		{ &hdr->index, 1 },
	};

	return khsm_hmac_sha256(secret, KHSM_KEY_LEN, parts, ARRAY_SIZE(parts),
				key);
}

static void card_hdr_init(const struct khsm_card_ctx *ctx,
			  const struct khsm_card_spec *spec, size_t body_len,
			  struct khsm_card_hdr *hdr)
{
	memset(hdr, 0, sizeof(*hdr));
	memcpy(hdr->magic, KHSM_CARD_MAGIC, sizeof(hdr->magic));
	hdr->version = cpu_to_le16(KHSM_CARD_VERSION);
	hdr->hdr_len = cpu_to_le16(sizeof(*hdr));
	hdr->body_len = cpu_to_le32(body_len);
	hdr->escrow_len = cpu_to_le32(ctx->escrow ? body_len : 0);
	hdr->created = cpu_to_le64(ktime_get_real_seconds());
	memcpy(hdr->world_id, ctx->world_id, KHSM_WORLD_ID_LEN);
	memcpy(hdr->set_id, ctx->set_id, KHSM_SET_ID_LEN);
	hdr->set_type = ctx->set_type;
	hdr->index = spec->index;
	hdr->k = ctx->k;
	hdr->n = ctx->n;
	if (spec->has_pp) {
		hdr->flags = cpu_to_le32(KHSM_CARD_F_PASSPHRASE);
		hdr->pbkdf2_iter = cpu_to_le32(spec->pbkdf2_iter);
		memcpy(hdr->pp_salt, spec->pp_salt, KHSM_PP_SALT_LEN);
	}
	strscpy(hdr->set_name, ctx->set_name, sizeof(hdr->set_name));
	strscpy(hdr->card_name, spec->name, sizeof(hdr->card_name));
}

static int card_seal_escrow(const struct khsm_card_ctx *ctx,
			    const struct khsm_card_hdr *hdr, const u8 *plain,
			    size_t plain_len, u8 *out)
{
	u8 key[KHSM_KEY_LEN];
	int err;

	if (!ctx->escrow)
		return 0;
	err = escrow_key(ctx->secret, hdr, key) ?:
	      khsm_gcm_seal(key, (const u8 *)hdr, sizeof(*hdr), plain,
			    plain_len, out);
	memzero_explicit(key, sizeof(key));
	return err;
}

int khsm_card_build(const struct khsm_card_ctx *ctx,
		    const struct khsm_card_spec *spec, const u8 *plain,
		    size_t plain_len, struct khsm_blob *out)
{
	size_t body_len = plain_len + KHSM_GCM_OVERHEAD;
	size_t len = sizeof(struct khsm_card_hdr) + body_len +
		     (ctx->escrow ? body_len : 0) + KHSM_HMAC_LEN;
	struct khsm_card_hdr *hdr;
	u8 key[KHSM_KEY_LEN];
	u8 *file;
	int err;

	file = kzalloc(len, GFP_KERNEL);
	if (!file)
		return -ENOMEM;
	hdr = (struct khsm_card_hdr *)file;
	card_hdr_init(ctx, spec, body_len, hdr);

	err = card_key(ctx->secret, hdr, spec->has_pp ? spec->pp_key : NULL,
		       key) ?:
	      khsm_gcm_seal(key, file, sizeof(*hdr), plain, plain_len,
			    file + sizeof(*hdr)) ?:
	      card_seal_escrow(ctx, hdr, plain, plain_len,
			       file + sizeof(*hdr) + body_len);
	if (!err)
		err = card_mac_key(ctx->secret, ctx->set_id, key);
	if (!err) {
		const struct khsm_kdf_part part = { file, len - KHSM_HMAC_LEN };

		err = khsm_hmac_sha256(key, KHSM_KEY_LEN, &part, 1,
				       file + len - KHSM_HMAC_LEN);
	}
	memzero_explicit(key, sizeof(key));
	if (err) {
		kfree_sensitive(file);
		return err;
	}
	out->data = file;
	out->len = len;
	return 0;
}

static bool name_ok(const char *name, size_t size)
{
	return !!memchr(name, '\0', size);
}

int khsm_card_parse(const u8 *file, size_t len, struct khsm_card *c,
		    struct netlink_ext_ack *extack)
{
	struct khsm_card_hdr *hdr = &c->hdr;

	if (len < sizeof(*hdr) + KHSM_GCM_OVERHEAD + KHSM_HMAC_LEN) {
		NL_SET_ERR_MSG_MOD(extack, "card file is truncated");
		return -EBADMSG;
	}
	memcpy(hdr, file, sizeof(*hdr));
	if (memcmp(hdr->magic, KHSM_CARD_MAGIC, sizeof(hdr->magic))) {
		NL_SET_ERR_MSG_MOD(extack, "not a khsm card file");
		return -EBADMSG;
	}
	if (le16_to_cpu(hdr->version) != KHSM_CARD_VERSION) {
		NL_SET_ERR_MSG_MOD(extack, "card file format version not supported");
		return -EPROTONOSUPPORT;
	}
	c->body_len = le32_to_cpu(hdr->body_len);
	c->escrow_len = le32_to_cpu(hdr->escrow_len);
	if (le16_to_cpu(hdr->hdr_len) != sizeof(*hdr) ||
	    c->body_len < KHSM_GCM_OVERHEAD || c->body_len > KHSM_FILE_MAX ||
	    (c->escrow_len && c->escrow_len != c->body_len) ||
	    len != sizeof(*hdr) + c->body_len + c->escrow_len + KHSM_HMAC_LEN ||
	    !hdr->index || hdr->index > hdr->n || !hdr->k || hdr->k > hdr->n ||
	    hdr->n > KHSM_MAX_CARDS ||
	    !name_ok(hdr->set_name, sizeof(hdr->set_name)) ||
	    !name_ok(hdr->card_name, sizeof(hdr->card_name))) {
		NL_SET_ERR_MSG_MOD(extack, "card file is damaged (bad header)");
		return -EBADMSG;
	}
	c->file = file;
	c->file_len = len;
	return 0;
}

int khsm_card_verify(const struct khsm_card *c, const u8 *secret,
		     struct netlink_ext_ack *extack)
{
	const struct khsm_kdf_part part = { c->file, c->file_len - KHSM_HMAC_LEN };
	u8 key[KHSM_KEY_LEN], mac[KHSM_HMAC_LEN];
	int err;

	err = card_mac_key(secret, c->hdr.set_id, key) ?:
	      khsm_hmac_sha256(key, sizeof(key), &part, 1, mac);
	if (!err && crypto_memneq(mac, c->file + part.len, sizeof(mac))) {
		NL_SET_ERR_MSG_MOD(extack,
				   "card file is damaged or was not made by this world");
		err = -EBADMSG;
	}
	memzero_explicit(key, sizeof(key));
	return err;
}

/* Only after the passphrase-recovery quorum: no passphrase, no delay. */
int khsm_card_open_escrow(const struct khsm_card *c, const u8 *secret,
			  u8 *plain, size_t plain_len)
{
	u8 key[KHSM_KEY_LEN];
	int err;

	if (!c->escrow_len || c->body_len != plain_len + KHSM_GCM_OVERHEAD)
		return -EBADMSG;
	err = escrow_key(secret, &c->hdr, key) ?:
	      khsm_gcm_open(key, c->file, sizeof(c->hdr),
			    c->file + sizeof(c->hdr) + c->body_len,
			    c->escrow_len, plain);
	memzero_explicit(key, sizeof(key));
	return err;
}

int khsm_card_decrypt(const struct khsm_card *c, const u8 *secret,
		      const u8 *pp_key, u8 *plain, size_t plain_len)
{
	u8 key[KHSM_KEY_LEN];
	int err;

	if (c->body_len != plain_len + KHSM_GCM_OVERHEAD)
		return -EBADMSG;
	err = card_key(secret, &c->hdr, pp_key, key) ?:
	      khsm_gcm_open(key, c->file, sizeof(c->hdr),
			    c->file + sizeof(c->hdr), c->body_len, plain);
	memzero_explicit(key, sizeof(key));
	return err;
}
