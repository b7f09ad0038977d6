// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The shape of a key blob (<linux/khsm.h>, struct khsm_key_hdr): what a
 * listing or a public-key export may read from its header without any
 * key. The module authenticates the header as associated data when the
 * blob is loaded; here nothing is, so every length is checked against
 * the type and the buffer before it is believed.
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define NONCE_LEN	12
#define TAG_LEN		16

/* What a header may say about the material of a key of each type. */
struct material {
	uint8_t secret_min, secret_max;	/* when there is a secret */
	uint8_t secret_step;		/* AES: 16, 24, 32 */
	uint8_t pub_len;		/* EC: the curve's point; else 0 */
	bool public_only;		/* a public key alone is possible */
};

static const struct material materials[] = {
	[KHSM_KEY_AES] = { 16, 32, 8, 0, false },
	[KHSM_KEY_HMAC] = { 16, KHSM_HMAC_KEY_MAX, 1, 0, false },
	[KHSM_KEY_EC_P256] = { 32, 32, 1, 65, true },
	[KHSM_KEY_EC_P384] = { 48, 48, 1, 97, true },
};

static int bad(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	khsm_seterr(err, errlen, "key blob: %s", msg);
	return -EBADMSG;
}

static int check_material(const struct khsm_key_hdr *h, uint32_t type,
			  char *err, size_t errlen)
{
	const struct material *m;
	unsigned int s = h->secret_len;

	if (type < KHSM_KEY_AES || type >= ARRAY_SIZE(materials))
		return bad(err, errlen, "unknown key type %u", type);
	m = &materials[type];
	if (s ? s < m->secret_min || s > m->secret_max ||
		(s - m->secret_min) % m->secret_step : !m->public_only)
		return bad(err, errlen, "%u secret bytes for a %s key", s,
			   khsm_key_type_name(type));
	if (h->pub_len != m->pub_len ||
	    (m->pub_len && h->pubkey[0] != 0x04))
		return bad(err, errlen, "public key of %u bytes for a %s key",
			   h->pub_len, khsm_key_type_name(type));
	return 0;
}

/* Body and recovery copy: as long as the secret says, and no more. */
static int check_lengths(const struct khsm_key_hdr *h, size_t len,
			 char *err, size_t errlen)
{
	uint32_t body = le32toh(h->body_len), rec = le32toh(h->rec_len);
	uint32_t want = h->secret_len ? h->secret_len + NONCE_LEN + TAG_LEN : 0;
	bool recovery = h->flags & KHSM_KEY_F_RECOVERY;
	uint64_t total;

	if (h->flags & ~KHSM_KEY_F_RECOVERY)
		return bad(err, errlen, "unknown flags 0x%02x", h->flags);
	if (body != want)
		return bad(err, errlen, "body of %u bytes for %u secret bytes",
			   body, h->secret_len);
	if (rec != (recovery ? body : 0) || (recovery && !body))
		return bad(err, errlen, "recovery copy of %u bytes%s", rec,
			   recovery ? "" : " without the recovery flag");
	total = (uint64_t)sizeof(*h) + body + rec;
	if (total > KHSM_BLOB_MAX)
		return bad(err, errlen, "%llu bytes, more than %d",
			   (unsigned long long)total, KHSM_BLOB_MAX);
	if (len < total)
		return bad(err, errlen, "truncated (%zu of %llu bytes)", len,
			   (unsigned long long)total);
	if (len > total)
		return bad(err, errlen, "%llu stray bytes after its end",
			   (unsigned long long)(len - total));
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static int check_acl(const struct khsm_acl *acl, char *err, size_t errlen)
{
	uint32_t ops = le32toh(acl->ops), mechs = le32toh(acl->mechs);
	uint32_t flags = le32toh(acl->flags);

	if (!ops || (ops & ~KHSM_OP__ALL))
		return bad(err, errlen, "ACL operations 0x%x", ops);
	if (!mechs || (mechs & ~KHSM_MECH__ALL))
		return bad(err, errlen, "ACL mechanisms 0x%x", mechs);
	if (flags & ~KHSM_ACL_F__ALL)
		return bad(err, errlen, "ACL flags 0x%x", flags);
	return 0;
}

static int check_fields(const struct khsm_key_hdr *h, char *err,
			size_t errlen)
{
	bool module = h->protection == KHSM_PROTECT_MODULE;

	if (h->protection >= KHSM_PROTECT__COUNT)
		return bad(err, errlen, "unknown protection %u", h->protection);
	if (module != all_zero(h->set_id, sizeof(h->set_id)))
		return bad(err, errlen, "%s protection %s a set id",
			   khsm_protection_name(h->protection),
			   module ? "with" : "without");
	if (!khsm_key_name_valid(h->app, sizeof(h->app)))
		return bad(err, errlen, "bad application name");
	if (!khsm_key_name_valid(h->ident, sizeof(h->ident)))
		return bad(err, errlen, "bad key identifier");
	return check_acl(&h->acl, err, errlen);
}

static void key_fill(const struct khsm_key_hdr *h, struct khsm_key_info *ki)
{
	memset(ki, 0, sizeof(*ki));
	ki->version = le16toh(h->version);
	ki->protection = h->protection;
	ki->flags = h->flags;
	ki->type = le32toh(h->type);
	ki->secret_len = h->secret_len;
	ki->pub_len = h->pub_len;
	ki->has_recovery = !!(h->flags & KHSM_KEY_F_RECOVERY);
	ki->created = le64toh(h->created);
	memcpy(ki->world_id, h->world_id, sizeof(ki->world_id));
	memcpy(ki->key_id, h->key_id, sizeof(ki->key_id));
	memcpy(ki->set_id, h->set_id, sizeof(ki->set_id));
	memcpy(ki->key_hash, h->key_hash, sizeof(ki->key_hash));
	memcpy(ki->pubkey, h->pubkey, h->pub_len);
	ki->acl = h->acl;
	memcpy(ki->app, h->app, sizeof(ki->app));
	memcpy(ki->ident, h->ident, sizeof(ki->ident));
	ki->body_len = le32toh(h->body_len);
	ki->rec_len = le32toh(h->rec_len);
}

KHSM_API int khsm_key_blob_parse(const void *buf, size_t len,
				 struct khsm_key_info *info, char *err,
				 size_t errlen)
{
	struct khsm_key_hdr h;
	int ret;

	if (!buf || !info)
		return -EINVAL;
	khsm_seterr(err, errlen, "%s", "");
	ret = khsm_file_start("key blob", err, errlen, buf, len,
			      KHSM_KEY_MAGIC, KHSM_KEY_VERSION, sizeof(h));
	if (ret)
		return ret;
	memcpy(&h, buf, sizeof(h));	/* aligned, and read once */
	ret = check_material(&h, le32toh(h.type), err, errlen) ?:
	      check_lengths(&h, len, err, errlen) ?:
	      check_fields(&h, err, errlen);
	if (ret)
		return ret;
	key_fill(&h, info);
	return 0;
}
