// SPDX-License-Identifier: GPL-2.0
/*
 * What each event records: the hooks the rest of the module calls (see
 * audit.h). Each builds one record under khsm_audit_lock from what the
 * caller knows: names, ids, hashes and outcomes, never a key, a share, a
 * passphrase or anything derived from one. A request that failed records
 * the extack text the caller got as its reason.
 */
#include <linux/ktime.h>
#include <linux/string.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include <net/netlink.h>

#include "audit_int.h"
#include "keys.h"
#include "khsm.h"
#include "retry.h"
#include "slots.h"
#include "tokens.h"
#include "world.h"

int khsm_audit_refused(u8 cmd, int err, const struct netlink_ext_ack *extack)
{
	if (!err)
		return 0;
	mutex_lock(&khsm_audit_lock);
	if (khsm_audit_refusal_allowed()) {
		khsm_audit_begin(KHSM_AUDIT_REFUSED, err, 0);
		khsm_audit_put_u8(KHSM_AUDIT_T_CMD, cmd);
		khsm_audit_put_reason(err, extack);
		khsm_audit_end();
	}
	mutex_unlock(&khsm_audit_lock);
	return err;
}

void khsm_audit_selftest(u32 state, const char *reason)
{
	mutex_lock(&khsm_audit_lock);
	khsm_audit_begin(KHSM_AUDIT_SELFTEST,
			 state == KHSM_SELFTEST_PASSED ? 0 : -EIO, 0);
	khsm_audit_put_u32(KHSM_AUDIT_T_STATE, state);
	khsm_audit_put_str(KHSM_AUDIT_T_REASON, reason, 128);
	khsm_audit_end();
	mutex_unlock(&khsm_audit_lock);
}

/* --- the world --- */

static void put_opts(const struct khsm_opts *opts)
{
	struct khsm_world_opts d;

	khsm_opts_to_disk(opts, &d);
	khsm_audit_put(KHSM_AUDIT_T_OPTS, &d, sizeof(d));
}

static void world_items(u16 event, const struct khsm_world *w)
{
	const struct khsm_world_hdr *hdr = &w->hdr;

	khsm_audit_put_u32(KHSM_AUDIT_T_GENERATION, le32_to_cpu(hdr->generation));
	switch (event) {
	case KHSM_AUDIT_WORLD_CREATE:
	case KHSM_AUDIT_WORLD_LOAD:
		khsm_audit_put_u32(KHSM_AUDIT_T_STATE, w->state);
		khsm_audit_put_u64(KHSM_AUDIT_T_CREATED, le64_to_cpu(hdr->created));
		khsm_audit_put(KHSM_AUDIT_T_PUBKEY, hdr->audit_pubkey,
			       KHSM_AUDIT_PUBKEY_LEN);
		fallthrough;
	case KHSM_AUDIT_ACS_REPLACE:
		khsm_audit_put(KHSM_AUDIT_T_ACS_SET_ID, hdr->acs_set_id,
			       KHSM_SET_ID_LEN);
		khsm_audit_put_u8(KHSM_AUDIT_T_K, w->opts.acs_k);
		khsm_audit_put_u8(KHSM_AUDIT_T_N, w->opts.acs_n);
		if (event != KHSM_AUDIT_ACS_REPLACE)
			put_opts(&w->opts);
		break;
	case KHSM_AUDIT_POLICY_SET:
		put_opts(&w->opts);
		break;
	}
}

void khsm_audit_world_cmd(u16 event, int err,
			  const struct netlink_ext_ack *extack)
{
	const struct khsm_world *w = NULL;

	/* A world that went records its own end (khsm_audit_world_changed). */
	if (!err && event == KHSM_AUDIT_WORLD_UNLOAD)
		return;
	if (!err && event != KHSM_AUDIT_CLEAR) {
		lockdep_assert_held(&khsm_ctl_lock);
		w = khsm_world_get_locked();
	}
	mutex_lock(&khsm_audit_lock);
	khsm_audit_begin(event, err, 0);
	if (w)
		world_items(event, w);
	khsm_audit_put_reason(err, extack);
	khsm_audit_end();
	mutex_unlock(&khsm_audit_lock);
}

void khsm_audit_acs(u16 event, u32 tokens, u32 timeout)
{
	mutex_lock(&khsm_audit_lock);
	khsm_audit_begin(event, 0, 0);
	khsm_audit_put_u32(KHSM_AUDIT_T_ACS_TOKEN, tokens);
	if (timeout)
		khsm_audit_put_u32(KHSM_AUDIT_T_TIMEOUT, timeout);
	khsm_audit_end();
	mutex_unlock(&khsm_audit_lock);
}

void khsm_audit_power(u8 cause)
{
	mutex_lock(&khsm_audit_lock);
	khsm_audit_begin(KHSM_AUDIT_POWER, 0, 0);
	khsm_audit_put_u8(KHSM_AUDIT_T_CAUSE, cause);
	khsm_audit_end();
	mutex_unlock(&khsm_audit_lock);
}

/* --- cards, sets and tokens --- */

/*
 * What a presented card says it is. Its header is authenticated only once
 * the card opened; before that these are the card's claims, recorded as
 * such (the record's result says whether it opened).
 */
static void card_items(const u8 *image, size_t len)
{
	const struct khsm_card_hdr *h = (const void *)image;

	if (!image || len < sizeof(*h) ||
	    memcmp(h->magic, KHSM_CARD_MAGIC, sizeof(h->magic)))
		return;
	khsm_audit_put(KHSM_AUDIT_T_SET_ID, h->set_id, KHSM_SET_ID_LEN);
	khsm_audit_put_u8(KHSM_AUDIT_T_SET_TYPE, h->set_type);
	khsm_audit_put_str(KHSM_AUDIT_T_SET_NAME, h->set_name, KHSM_NAME_MAX);
	khsm_audit_put_u8(KHSM_AUDIT_T_CARD_INDEX, h->index);
	khsm_audit_put_str(KHSM_AUDIT_T_CARD_NAME, h->card_name, KHSM_NAME_MAX);
	khsm_audit_put_u8(KHSM_AUDIT_T_K, h->k);
	khsm_audit_put_u8(KHSM_AUDIT_T_N, h->n);
}

/* After a wrong passphrase (or during the wait): the delay now in force. */
static void card_delay(const u8 *image, size_t len, int err)
{
	const struct khsm_card_hdr *h = (const void *)image;
	const struct khsm_world *w = khsm_world_get_locked();
	u32 wait_ms = 0;

	if (!w || !image || len < sizeof(*h) ||
	    (err != -EACCES && err != -EAGAIN && err != -EPERM))
		return;
	if (khsm_retry_check(h->set_id, h->index, &w->opts, &wait_ms) == -EAGAIN)
		khsm_audit_put_u32(KHSM_AUDIT_T_DELAY_MS, wait_ms);
}

static u32 quorum_done(const struct khsm_insert_res *res)
{
	u32 mask = 0;
	int t;

	for (t = 0; t < KHSM_TOKEN__COUNT; t++)
		if (res->progress[t].done)
			mask |= 1U << t;
	return mask;
}

void khsm_audit_card(u16 event, const struct khsm_insert_req *req,
		     const struct khsm_insert_res *res, int err,
		     const struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&khsm_ctl_lock);
	mutex_lock(&khsm_audit_lock);
	khsm_audit_begin(event, err, 0);
	card_items(req->image, req->len);
	if (event == KHSM_AUDIT_CARD_INSERT)
		khsm_audit_put_u8(KHSM_AUDIT_T_SLOT, req->slot);
	if (req->verify_only)
		khsm_audit_put_u8(KHSM_AUDIT_T_VERIFY_ONLY, 1);
	if (res && !err && res->hdr.set_type == KHSM_SET_ACS)
		khsm_audit_put_u32(KHSM_AUDIT_T_QUORUM, quorum_done(res));
	if (res && !err && res->token_id)
		khsm_audit_put_u64(KHSM_AUDIT_T_TOKEN_ID, res->token_id);
	card_delay(req->image, req->len, err);
	khsm_audit_put_reason(err, extack);
	khsm_audit_end();
	mutex_unlock(&khsm_audit_lock);
}

void khsm_audit_card_remove(u8 slot, int err,
			    const struct netlink_ext_ack *extack)
{
	mutex_lock(&khsm_audit_lock);
	khsm_audit_begin(KHSM_AUDIT_CARD_REMOVE, err, 0);
	khsm_audit_put_u8(KHSM_AUDIT_T_SLOT, slot);
	khsm_audit_put_reason(err, extack);
	khsm_audit_end();
	mutex_unlock(&khsm_audit_lock);
}

void khsm_audit_cardset(const struct khsm_cardset_req *req, const u8 *set_id,
			int err, const struct netlink_ext_ack *extack)
{
	mutex_lock(&khsm_audit_lock);
	khsm_audit_begin(KHSM_AUDIT_CARDSET_CREATE, err, 0);
	if (req && !err) {
		khsm_audit_put(KHSM_AUDIT_T_SET_ID, set_id, KHSM_SET_ID_LEN);
		khsm_audit_put_u8(KHSM_AUDIT_T_SET_TYPE, req->type);
		khsm_audit_put_str(KHSM_AUDIT_T_SET_NAME, req->name, KHSM_NAME_MAX);
		khsm_audit_put_u8(KHSM_AUDIT_T_K, req->k);
		khsm_audit_put_u8(KHSM_AUDIT_T_N, req->n);
		if (req->timeout)
			khsm_audit_put_u32(KHSM_AUDIT_T_TIMEOUT, req->timeout);
	}
	khsm_audit_put_reason(err, extack);
	khsm_audit_end();
	mutex_unlock(&khsm_audit_lock);
}

void khsm_audit_token(u16 event, const struct khsm_token *t, u8 cause)
{
	u64 now = ktime_get_boottime_ns();

	mutex_lock(&khsm_audit_lock);
	khsm_audit_begin(event, 0, 0);
	khsm_audit_put_u64(KHSM_AUDIT_T_TOKEN_ID, t->id);
	khsm_audit_put(KHSM_AUDIT_T_SET_ID, t->set_id, KHSM_SET_ID_LEN);
	khsm_audit_put_u8(KHSM_AUDIT_T_SET_TYPE, t->type);
	khsm_audit_put_str(KHSM_AUDIT_T_SET_NAME, t->name, KHSM_NAME_MAX);
	if (event == KHSM_AUDIT_TOKEN_LOAD) {
		khsm_audit_put_u32(KHSM_AUDIT_T_OWNER_UID,
				   from_kuid(&init_user_ns, t->owner));
		if (gid_valid(t->share_gid))
			khsm_audit_put_u32(KHSM_AUDIT_T_SHARE_GID,
					   from_kgid(&init_user_ns, t->share_gid));
		if (t->expires > now)
			khsm_audit_put_u32(KHSM_AUDIT_T_TIMEOUT,
					   div_u64(t->expires - now + NSEC_PER_SEC / 2,
						   NSEC_PER_SEC));
	}
	if (cause)
		khsm_audit_put_u8(KHSM_AUDIT_T_CAUSE, cause);
	khsm_audit_end();
	mutex_unlock(&khsm_audit_lock);
}

/* --- application keys --- */

/* What a key blob says it is; authenticated only if it opened. */
static void blob_items(const u8 *blob, size_t len)
{
	const struct khsm_key_hdr *h = (const void *)blob;

	if (!blob || len < sizeof(*h) ||
	    memcmp(h->magic, KHSM_KEY_MAGIC, sizeof(h->magic)))
		return;
	khsm_audit_put(KHSM_AUDIT_T_KEY_HASH, h->key_hash, KHSM_KEY_HASH_LEN);
	khsm_audit_put_u32(KHSM_AUDIT_T_KEY_TYPE, le32_to_cpu(h->type));
	khsm_audit_put_u8(KHSM_AUDIT_T_PROTECTION, h->protection);
	if (memchr_inv(h->set_id, 0, KHSM_SET_ID_LEN))
		khsm_audit_put(KHSM_AUDIT_T_SET_ID, h->set_id, KHSM_SET_ID_LEN);
	khsm_audit_put_str(KHSM_AUDIT_T_APP, h->app, KHSM_APP_MAX);
	khsm_audit_put_str(KHSM_AUDIT_T_IDENT, h->ident, KHSM_IDENT_MAX);
}

static void new_key_items(const struct khsm_key_hdr *h)
{
	if (!h || !memchr_inv(h->key_hash, 0, KHSM_KEY_HASH_LEN))
		return;
	khsm_audit_put(KHSM_AUDIT_T_KEY_HASH, h->key_hash, KHSM_KEY_HASH_LEN);
	if (memchr_inv(h->set_id, 0, KHSM_SET_ID_LEN))
		khsm_audit_put(KHSM_AUDIT_T_SET_ID, h->set_id, KHSM_SET_ID_LEN);
	khsm_audit_put_u8(KHSM_AUDIT_T_RECOVERY,
			  !!(h->flags & KHSM_KEY_F_RECOVERY));
}

/* KEY_GENERATE and KEY_IMPORT: the request, never its key material. */
void khsm_audit_key_create(const struct khsm_key_req *req,
			   const struct khsm_key_hdr *h, int err,
			   const struct netlink_ext_ack *extack)
{
	mutex_lock(&khsm_audit_lock);
	khsm_audit_begin(req->import ? KHSM_AUDIT_KEY_IMPORT :
				       KHSM_AUDIT_KEY_GENERATE, err, 0);
	if (!err)
		new_key_items(h);
	khsm_audit_put_u32(KHSM_AUDIT_T_KEY_TYPE, req->type);
	khsm_audit_put_u8(KHSM_AUDIT_T_PROTECTION, req->protection);
	if (req->token_id)
		khsm_audit_put_u64(KHSM_AUDIT_T_TOKEN_ID, req->token_id);
	khsm_audit_put_str(KHSM_AUDIT_T_APP, req->app, KHSM_APP_MAX);
	khsm_audit_put_str(KHSM_AUDIT_T_IDENT, req->ident, KHSM_IDENT_MAX);
	khsm_audit_put_u32(KHSM_AUDIT_T_ACL_OPS, le32_to_cpu(req->acl.ops));
	khsm_audit_put_u32(KHSM_AUDIT_T_ACL_MECHS, le32_to_cpu(req->acl.mechs));
	khsm_audit_put_reason(err, extack);
	khsm_audit_end();
	mutex_unlock(&khsm_audit_lock);
}

void khsm_audit_key_recover(const u8 *blob, size_t len,
			    const struct khsm_key_hdr *h, int err,
			    const struct netlink_ext_ack *extack)
{
	mutex_lock(&khsm_audit_lock);
	khsm_audit_begin(KHSM_AUDIT_KEY_RECOVER, err, 0);
	if (!err && h)
		blob_items((const u8 *)h, sizeof(*h));
	else
		blob_items(blob, len);
	khsm_audit_put_reason(err, extack);
	khsm_audit_end();
	mutex_unlock(&khsm_audit_lock);
}

void khsm_audit_key_load(const u8 *blob, size_t len, u64 token_id, int err)
{
	mutex_lock(&khsm_audit_lock);
	if (!err || khsm_audit_refusal_allowed()) {
		khsm_audit_begin(KHSM_AUDIT_KEY_LOAD, err, 0);
		blob_items(blob, len);
		if (token_id)
			khsm_audit_put_u64(KHSM_AUDIT_T_TOKEN_ID, token_id);
		khsm_audit_end();
	}
	mutex_unlock(&khsm_audit_lock);
}

void khsm_audit_key_destroy(struct khsm_file *f, u64 handle)
{
	struct khsm_key *k = khsm_handle_get(f, handle);

	mutex_lock(&khsm_audit_lock);
	if (k || khsm_audit_refusal_allowed()) {
		khsm_audit_begin(KHSM_AUDIT_KEY_DESTROY, k ? 0 : -ENOENT, 0);
		if (k)
			khsm_audit_put(KHSM_AUDIT_T_KEY_HASH, k->key_hash,
				       KHSM_KEY_HASH_LEN);
		khsm_audit_end();
	}
	mutex_unlock(&khsm_audit_lock);
	khsm_key_put(k);
}

/*
 * The data path: a refused operation is a record (rate-limited: refusals
 * can come as fast as a caller can ask); everything else is counted per
 * key, or recorded one by one if the policy says so.
 */
void khsm_audit_key_op(const struct khsm_key *k, u32 op, u32 mech, int err)
{
	bool refused = khsm_audit_is_refusal(err) || err == -ENOENT;

	if (!refused && k && !khsm_audit_per_op()) {
		khsm_audit_usage_count(k->key_hash, op, !err);
		return;
	}
	mutex_lock(&khsm_audit_lock);
	if (!refused || khsm_audit_refusal_allowed()) {
		khsm_audit_begin(KHSM_AUDIT_KEY_OP, err,
				 refused ? KHSM_AUDIT_F_REFUSED : 0);
		if (k)
			khsm_audit_put(KHSM_AUDIT_T_KEY_HASH, k->key_hash,
				       KHSM_KEY_HASH_LEN);
		khsm_audit_put_u32(KHSM_AUDIT_T_OP, op);
		khsm_audit_put_u32(KHSM_AUDIT_T_MECH, mech);
		khsm_audit_end();
	}
	mutex_unlock(&khsm_audit_lock);
}
