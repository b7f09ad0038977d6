// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Audit records: parsing one (the encoding of "DOC: Audit records" in
 * <linux/khsm.h>), the names of events, items and causes, and the framing
 * of a log file (record, then its 32-byte digest, again and again). Pure:
 * no module, no handle, every length checked against the buffer.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "internal.h"

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return le16toh(v);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

#define HDR(f) offsetof(struct khsm_audit_hdr, f)

/* The fixed header, checked on its own: how long the record says it is. */
static int parse_hdr(const uint8_t *p, size_t avail,
		     struct khsm_audit_record *r)
{
	if (avail < sizeof(struct khsm_audit_hdr))
		return -EMSGSIZE;
	memset(r, 0, sizeof(*r));
	r->len = get16(p + HDR(len));
	r->version = p[HDR(version)];
	r->flags = p[HDR(flags)];
	r->event = get16(p + HDR(event));
	r->hdr_len = get16(p + HDR(hdr_len));
	if (r->version != KHSM_AUDIT_VERSION ||
	    r->hdr_len < sizeof(struct khsm_audit_hdr) ||
	    r->len < r->hdr_len || r->len > KHSM_AUDIT_REC_MAX)
		return -EBADMSG;
	if (r->len > avail)
		return -EMSGSIZE;
	r->seq = get64(p + HDR(seq));
	r->wall_ns = get64(p + HDR(wall_ns));
	r->boot_ns = get64(p + HDR(boot_ns));
	r->result = get32(p + HDR(result));
	r->uid = get32(p + HDR(uid));
	r->loginuid = get32(p + HDR(loginuid));
	r->sessionid = get32(p + HDR(sessionid));
	r->pid = get32(p + HDR(pid));
	memcpy(r->comm, p + HDR(comm), 16);
	r->comm[16] = '\0';
	memcpy(r->instance, p + HDR(instance), sizeof(r->instance));
	memcpy(r->world_id, p + HDR(world_id), sizeof(r->world_id));
	return 0;
}

KHSM_API int khsm_audit_record_parse(const void *buf, size_t len,
				     struct khsm_audit_record *r)
{
	const uint8_t *p = buf;
	size_t off;
	int ret;

	if (!buf || !r)
		return -EINVAL;
	ret = parse_hdr(p, len, r);
	if (ret)
		return ret;
	for (off = r->hdr_len; off < r->len; ) {
		struct khsm_audit_item *it;

		if (r->len - off < 4 || r->nitems == KHSM_AUDIT_ITEMS_MAX)
			return -EBADMSG;
		it = &r->items[r->nitems++];
		it->tag = get16(p + off);
		it->len = get16(p + off + 2);
		if (it->len > r->len - off - 4)
			return -EBADMSG;
		it->value = p + off + 4;
		off += 4 + (size_t)it->len;
	}
	return 0;
}

KHSM_API const struct khsm_audit_item *
khsm_audit_record_item(const struct khsm_audit_record *r, uint16_t tag)
{
	size_t i;

	if (!r)
		return NULL;
	for (i = 0; i < r->nitems; i++)
		if (r->items[i].tag == tag)
			return &r->items[i];
	return NULL;
}

static const char *const event_names[] = {
	[KHSM_AUDIT_MODULE_LOAD] = "module-load",
	[KHSM_AUDIT_MODULE_UNLOAD] = "module-unload",
	[KHSM_AUDIT_SELFTEST] = "selftest",
	[KHSM_AUDIT_CHECKPOINT] = "checkpoint",
	[KHSM_AUDIT_WORLD_CREATE] = "world-create",
	[KHSM_AUDIT_WORLD_LOAD] = "world-load",
	[KHSM_AUDIT_WORLD_UNLOAD] = "world-unload",
	[KHSM_AUDIT_CARD_INSERT] = "card-insert",
	[KHSM_AUDIT_CARD_REMOVE] = "card-remove",
	[KHSM_AUDIT_CARD_PASSPHRASE] = "card-passphrase",
	[KHSM_AUDIT_TOKEN_LOAD] = "token-load",
	[KHSM_AUDIT_TOKEN_UNLOAD] = "token-unload",
	[KHSM_AUDIT_ACS_AUTHORISE] = "acs-authorise",
	[KHSM_AUDIT_ACS_EXPIRE] = "acs-expire",
	[KHSM_AUDIT_ACS_LOGOUT] = "acs-logout",
	[KHSM_AUDIT_ACS_REPLACE] = "acs-replace",
	[KHSM_AUDIT_WORLD_BIND] = "world-bind",
	[KHSM_AUDIT_POLICY_SET] = "policy-set",
	[KHSM_AUDIT_CARDSET_CREATE] = "cardset-create",
	[KHSM_AUDIT_KEY_GENERATE] = "key-generate",
	[KHSM_AUDIT_KEY_IMPORT] = "key-import",
	[KHSM_AUDIT_KEY_RECOVER] = "key-recover",
	[KHSM_AUDIT_KEY_LOAD] = "key-load",
	[KHSM_AUDIT_KEY_DESTROY] = "key-destroy",
	[KHSM_AUDIT_KEY_USAGE] = "key-usage",
	[KHSM_AUDIT_KEY_OP] = "key-op",
	[KHSM_AUDIT_REFUSED] = "refused",
	[KHSM_AUDIT_CLEAR] = "clear",
	[KHSM_AUDIT_SUPPRESSED] = "suppressed",
	[KHSM_AUDIT_POWER] = "power",
};

static const char *const tag_names[] = {
	[KHSM_AUDIT_T_REASON] = "reason",
	[KHSM_AUDIT_T_CMD] = "cmd",
	[KHSM_AUDIT_T_VERSION] = "version",
	[KHSM_AUDIT_T_RING] = "ring",
	[KHSM_AUDIT_T_STATE] = "state",
	[KHSM_AUDIT_T_SIGNATURE] = "signature",
	[KHSM_AUDIT_T_FIRST] = "first",
	[KHSM_AUDIT_T_CREATED] = "created",
	[KHSM_AUDIT_T_GENERATION] = "generation",
	[KHSM_AUDIT_T_PUBKEY] = "pubkey",
	[KHSM_AUDIT_T_ACS_SET_ID] = "acs_set_id",
	[KHSM_AUDIT_T_OPTS] = "opts",
	[KHSM_AUDIT_T_SET_ID] = "set_id",
	[KHSM_AUDIT_T_SET_TYPE] = "set_type",
	[KHSM_AUDIT_T_SET_NAME] = "set_name",
	[KHSM_AUDIT_T_CARD_INDEX] = "card_index",
	[KHSM_AUDIT_T_CARD_NAME] = "card_name",
	[KHSM_AUDIT_T_K] = "k",
	[KHSM_AUDIT_T_N] = "n",
	[KHSM_AUDIT_T_SLOT] = "slot",
	[KHSM_AUDIT_T_VERIFY_ONLY] = "verify_only",
	[KHSM_AUDIT_T_QUORUM] = "quorum",
	[KHSM_AUDIT_T_TOKEN_ID] = "token_id",
	[KHSM_AUDIT_T_DELAY_MS] = "delay_ms",
	[KHSM_AUDIT_T_CAUSE] = "cause",
	[KHSM_AUDIT_T_ACS_TOKEN] = "acs_token",
	[KHSM_AUDIT_T_TIMEOUT] = "timeout",
	[KHSM_AUDIT_T_OWNER_UID] = "owner_uid",
	[KHSM_AUDIT_T_SHARE_GID] = "share_gid",
	[KHSM_AUDIT_T_KEY_HASH] = "key_hash",
	[KHSM_AUDIT_T_KEY_TYPE] = "key_type",
	[KHSM_AUDIT_T_PROTECTION] = "protection",
	[KHSM_AUDIT_T_APP] = "app",
	[KHSM_AUDIT_T_IDENT] = "ident",
	[KHSM_AUDIT_T_ACL_OPS] = "acl_ops",
	[KHSM_AUDIT_T_ACL_MECHS] = "acl_mechs",
	[KHSM_AUDIT_T_RECOVERY] = "recovery",
	[KHSM_AUDIT_T_OP] = "op",
	[KHSM_AUDIT_T_MECH] = "mech",
	[KHSM_AUDIT_T_USES] = "uses",
	[KHSM_AUDIT_T_FAILS] = "fails",
	[KHSM_AUDIT_T_PERIOD_NS] = "period_ns",
	[KHSM_AUDIT_T_COUNT] = "count",
};

static const char *const cause_names[] = {
	[KHSM_AUDIT_CAUSE_REQUEST] = "request",
	[KHSM_AUDIT_CAUSE_CARD_REMOVED] = "card-removed",
	[KHSM_AUDIT_CAUSE_CLOSED] = "connection-closed",
	[KHSM_AUDIT_CAUSE_TIMEOUT] = "timeout",
	[KHSM_AUDIT_CAUSE_CLEAR] = "clear",
	[KHSM_AUDIT_CAUSE_SUSPEND] = "suspend",
	[KHSM_AUDIT_CAUSE_HIBERNATE] = "hibernate",
	[KHSM_AUDIT_CAUSE_REBOOT] = "reboot",
};

KHSM_API const char *khsm_audit_event_name(uint16_t event)
{
	return event < ARRAY_SIZE(event_names) ? event_names[event] : NULL;
}

KHSM_API const char *khsm_audit_tag_name(uint16_t tag)
{
	return tag < ARRAY_SIZE(tag_names) ? tag_names[tag] : NULL;
}

KHSM_API const char *khsm_audit_cause_name(uint8_t cause)
{
	return cause < ARRAY_SIZE(cause_names) ? cause_names[cause] : NULL;
}

KHSM_API size_t khsm_audit_log_tail(const uint8_t *log, size_t len,
				    uint8_t *instance, uint64_t *seq)
{
	struct khsm_audit_record r;
	size_t off = 0, end;

	if (seq)
		*seq = 0;
	if (!log)
		return 0;
	while (off < len && !parse_hdr(log + off, len - off, &r)) {
		end = off + r.len + KHSM_AUDIT_DIGEST_LEN;
		if (end > len)
			break;
		if (instance)
			memcpy(instance, r.instance, KHSM_AUDIT_INSTANCE_LEN);
		if (seq)
			*seq = r.seq;
		off = end;
	}
	return off;
}
