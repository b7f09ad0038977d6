// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The shape of world and card files (<linux/khsm.h>, DOC: Files). The
 * module authenticates every byte of them; this is only so that a wrong
 * file is named as such before it is sent, and so that a card's header can
 * say whether it wants a passphrase and how to stretch it. Nothing here
 * trusts a length it has not checked against the buffer.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "internal.h"

/* Body: nonce || ciphertext || tag; a card file then has its HMAC. */
#define NONCE_LEN	12
#define TAG_LEN		16
#define CARD_MAC_LEN	32
#define PBKDF2_ITER_MIN	1000
#define PBKDF2_ITER_MAX	10000000

/* What one check is about: "card" or "world". */
struct ctx {
	const char *what;
	char *err;
	size_t errlen;
};

/*
 * The magic and the two fields after it, which every version keeps: a
 * short buffer that starts like a khsm file is truncated, anything else is
 * not one.
 */
static int check_start(const struct ctx *c, const uint8_t *buf, size_t len,
		       const char magic[8], uint16_t want_version,
		       size_t hdr_size)
{
	size_t n = len < 8 ? len : 8;
	uint16_t version, hdr_len;

	if (!len || memcmp(buf, magic, n)) {
		khsm_seterr(c->err, c->errlen, "not a khsm %s file", c->what);
		return -EBADMSG;
	}
	if (len < 12) {
		khsm_seterr(c->err, c->errlen, "truncated %s file (%zu bytes)",
			    c->what, len);
		return -EBADMSG;
	}
	memcpy(&version, buf + 8, sizeof(version));
	memcpy(&hdr_len, buf + 10, sizeof(hdr_len));
	version = le16toh(version);
	hdr_len = le16toh(hdr_len);
	if (version != want_version) {
		khsm_seterr(c->err, c->errlen,
			    "%s file format version %u is not supported (this library reads %u)",
			    c->what, version, want_version);
		return -EPROTONOSUPPORT;
	}
	if (hdr_len != hdr_size) {
		khsm_seterr(c->err, c->errlen,
			    "%s file header length %u, expected %zu", c->what,
			    hdr_len, hdr_size);
		return -EBADMSG;
	}
	if (len < hdr_size) {
		khsm_seterr(c->err, c->errlen,
			    "truncated %s file (%zu bytes, the header alone is %zu)",
			    c->what, len, hdr_size);
		return -EBADMSG;
	}
	return 0;
}

/* The same for files of other kinds (key blobs): @what names the kind. */
int khsm_file_start(const char *what, char *err, size_t errlen,
		    const uint8_t *buf, size_t len, const char magic[8],
		    uint16_t version, size_t hdr_size)
{
	const struct ctx c = { what, err, errlen };

	return check_start(&c, buf, len, magic, version, hdr_size);
}

static int check_total(const struct ctx *c, size_t len, uint64_t total,
		       uint32_t body_len)
{
	if (body_len < NONCE_LEN + TAG_LEN || total > KHSM_FILE_MAX) {
		khsm_seterr(c->err, c->errlen, "%s file body length %u is impossible",
			    c->what, body_len);
		return -EBADMSG;
	}
	if (len < total) {
		khsm_seterr(c->err, c->errlen, "truncated %s file (%zu of %llu bytes)",
			    c->what, len, (unsigned long long)total);
		return -EBADMSG;
	}
	if (len > total) {
		khsm_seterr(c->err, c->errlen,
			    "%s file has %llu stray bytes after its end", c->what,
			    (unsigned long long)(len - total));
		return -EBADMSG;
	}
	return 0;
}

static int check_name(const struct ctx *c, const char *name, const char *which)
{
	if (memchr(name, '\0', KHSM_NAME_MAX))
		return 0;
	khsm_seterr(c->err, c->errlen, "%s file: %s is not NUL-terminated",
		    c->what, which);
	return -EBADMSG;
}

static int check_card_fields(const struct ctx *c, const struct khsm_card_hdr *h)
{
	if (h->set_type < KHSM_SET_ACS || h->set_type > KHSM_SET_SOFTCARD) {
		khsm_seterr(c->err, c->errlen, "unknown card set type %u",
			    h->set_type);
		return -EBADMSG;
	}
	if (h->n < 1 || h->n > KHSM_MAX_CARDS || h->index < 1 ||
	    h->index > h->n || h->k < 1 || h->k > h->n) {
		khsm_seterr(c->err, c->errlen,
			    "card %u, quorum %u of %u: need 1 <= index, K <= N <= %d",
			    h->index, h->k, h->n, KHSM_MAX_CARDS);
		return -EBADMSG;
	}
	/* We run these iterations ourselves: a forged count must not hang us. */
	if ((le32toh(h->flags) & KHSM_CARD_F_PASSPHRASE) &&
	    (le32toh(h->pbkdf2_iter) < PBKDF2_ITER_MIN ||
	     le32toh(h->pbkdf2_iter) > PBKDF2_ITER_MAX)) {
		khsm_seterr(c->err, c->errlen,
			    "card PBKDF2 iteration count %u is outside %d..%d",
			    le32toh(h->pbkdf2_iter), PBKDF2_ITER_MIN,
			    PBKDF2_ITER_MAX);
		return -EBADMSG;
	}
	return check_name(c, h->set_name, "set name") ?:
	       check_name(c, h->card_name, "card name");
}

static void card_fill(const struct khsm_card_hdr *h, struct khsm_card_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->version = le16toh(h->version);
	ci->set_type = h->set_type;
	ci->index = h->index;
	ci->k = h->k;
	ci->n = h->n;
	ci->flags = le32toh(h->flags);
	ci->has_passphrase = !!(ci->flags & KHSM_CARD_F_PASSPHRASE);
	ci->pbkdf2_iter = le32toh(h->pbkdf2_iter);
	ci->created = le64toh(h->created);
	memcpy(ci->world_id, h->world_id, sizeof(ci->world_id));
	memcpy(ci->set_id, h->set_id, sizeof(ci->set_id));
	memcpy(ci->pp_salt, h->pp_salt, sizeof(ci->pp_salt));
	memcpy(ci->set_name, h->set_name, sizeof(ci->set_name));
	memcpy(ci->card_name, h->card_name, sizeof(ci->card_name));
}

KHSM_API int khsm_card_parse(const void *buf, size_t len,
			     struct khsm_card_info *info, char *err,
			     size_t errlen)
{
	const struct ctx c = { "card", err, errlen };
	struct khsm_card_hdr h;
	uint64_t total;
	int ret;

	if (!buf || !info)
		return -EINVAL;
	khsm_seterr(err, errlen, "%s", "");
	ret = check_start(&c, buf, len, KHSM_CARD_MAGIC, KHSM_CARD_VERSION,
			  sizeof(h));
	if (ret)
		return ret;
	memcpy(&h, buf, sizeof(h));	/* aligned, and only checked once */
	total = (uint64_t)sizeof(h) + le32toh(h.body_len) +
		le32toh(h.escrow_len) + CARD_MAC_LEN;
	ret = check_total(&c, len, total, le32toh(h.body_len)) ?:
	      check_card_fields(&c, &h);
	if (ret)
		return ret;
	card_fill(&h, info);
	return 0;
}

/* One ACS slot at most, one host slot at most, nothing else. */
static int check_keyslots(const struct ctx *c, const uint8_t *slots,
			  unsigned int n, uint8_t *bound)
{
	unsigned int i, seen = 0;

	if (n < 1 || n > 2) {
		khsm_seterr(c->err, c->errlen, "world file has %u key slots", n);
		return -EBADMSG;
	}
	for (i = 0; i < n; i++) {
		uint8_t type = slots[i * sizeof(struct khsm_world_keyslot)];

		if ((type != KHSM_KEYSLOT_ACS && type != KHSM_KEYSLOT_BIND) ||
		    (seen & (1U << type))) {
			khsm_seterr(c->err, c->errlen,
				    "world file key slot %u has type %u", i, type);
			return -EBADMSG;
		}
		seen |= 1U << type;
	}
	*bound = !!(seen & (1U << KHSM_KEYSLOT_BIND));
	return 0;
}

static void world_fill(const struct khsm_world_hdr *h,
		       struct khsm_world_file_info *wf)
{
	wf->version = le16toh(h->version);
	wf->nkeyslots = h->nkeyslots;
	wf->generation = le32toh(h->generation);
	wf->created = le64toh(h->created);
	memcpy(wf->world_id, h->world_id, sizeof(wf->world_id));
	memcpy(wf->acs_set_id, h->acs_set_id, sizeof(wf->acs_set_id));
	memcpy(wf->audit_pubkey, h->audit_pubkey, sizeof(wf->audit_pubkey));
	khsm_opts_from_file(&h->opts, &wf->opts);
}

KHSM_API int khsm_world_file_parse(const void *buf, size_t len,
				   struct khsm_world_file_info *info,
				   char *err, size_t errlen)
{
	const struct ctx c = { "world", err, errlen };
	struct khsm_world_hdr h;
	uint64_t slots_len, total;
	uint8_t bound = 0;
	int ret;

	if (!buf || !info)
		return -EINVAL;
	khsm_seterr(err, errlen, "%s", "");
	ret = check_start(&c, buf, len, KHSM_WORLD_MAGIC, KHSM_WORLD_VERSION,
			  sizeof(h));
	if (ret)
		return ret;
	memcpy(&h, buf, sizeof(h));
	slots_len = (uint64_t)h.nkeyslots * sizeof(struct khsm_world_keyslot);
	total = sizeof(h) + slots_len + le32toh(h.body_len);
	ret = check_total(&c, len, total, le32toh(h.body_len));
	if (ret)
		return ret;
	ret = check_keyslots(&c, (const uint8_t *)buf + sizeof(h), h.nkeyslots,
			     &bound);
	if (ret)
		return ret;
	memset(info, 0, sizeof(*info));
	world_fill(&h, info);
	info->bound = bound;
	return 0;
}
