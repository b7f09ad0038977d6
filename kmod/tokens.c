// SPDX-License-Identifier: GPL-2.0
/*
 * Logical tokens of operator card sets and softcards: creating a set,
 * rebuilding its token from K cards, and every way a token goes (the last
 * card leaving its slot, the loading connection closing, an explicit
 * unload, the timeout, clear, the world going).
 *
 * The token list and every token's fields but @ref are under khsm_ctl_lock
 * (world.h). The timeout runs on khsm_wq, holding a reference: the work
 * takes the lock and unloads the token unless that already happened, so
 * no timer outlives the module (khsm_tokens_uninit destroys the queue).
 */
#include <crypto/algapi.h>
#include <linux/cred.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/genetlink.h>

#include "audit.h"
#include "cards.h"
#include "khsm.h"
#include "shamir.h"
#include "tokens.h"

static LIST_HEAD(khsm_tokens);
static struct workqueue_struct *khsm_wq;

static int set_check(const u8 *tok, const u8 *set_id, u8 check[KHSM_HMAC_LEN])
{
	static const char label[] = "khsm set check";
	const struct khsm_kdf_part parts[] = {
		{ label, sizeof(label) },
		{ set_id, KHSM_SET_ID_LEN },
	};

	return khsm_hmac_sha256(tok, KHSM_KEY_LEN, parts, ARRAY_SIZE(parts),
				check);
}

/* --- creating a set --- */

struct set_material {
	u8 token[KHSM_KEY_LEN];
	u8 coeffs[KHSM_MAX_CARDS - 1][KHSM_KEY_LEN];
	u8 shares[KHSM_MAX_CARDS][KHSM_KEY_LEN];
	struct khsm_set_payload payload;
};

static int set_make_cards(struct khsm_world *w, const struct khsm_cardset_req *req,
			  const u8 *set_id, const struct khsm_card_spec *specs,
			  struct set_material *m, struct khsm_made *made)
{
	const struct khsm_card_ctx ctx = {
		.world_id = w->hdr.world_id,
		.set_id = set_id,
		.set_type = req->type,
		.k = req->k,
		.n = req->n,
		.set_name = req->name,
		.secret = w->secrets.card_secret,
		.escrow = req->flags & KHSM_SETF_PP_RECOVERY,
	};
	unsigned int i;
	int err;

	for (i = 0; i < req->n; i++) {
		memcpy(m->payload.share, m->shares[specs[i].index - 1],
		       KHSM_KEY_LEN);
		err = khsm_card_build(&ctx, &specs[i], (const u8 *)&m->payload,
				      sizeof(m->payload), &made->cards[i]);
		if (err)
			return err;
		made->ncards = i + 1;
	}
	return 0;
}

int khsm_cardset_create(struct khsm_world *w, struct khsm_cardset_req *req,
			const struct khsm_card_spec *specs,
			u8 set_id[KHSM_SET_ID_LEN], struct khsm_made *made,
			struct netlink_ext_ack *extack)
{
	struct set_material *m;
	int err;

	lockdep_assert_held(&khsm_ctl_lock);
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	err = khsm_rng_bytes(set_id, KHSM_SET_ID_LEN) ?:
	      khsm_rng_bytes(m->token, sizeof(m->token)) ?:
	      khsm_rng_bytes(m->coeffs, (req->k - 1) * KHSM_KEY_LEN) ?:
	      khsm_shamir_split(m->token, KHSM_KEY_LEN, req->k, req->n,
				&m->coeffs[0][0], &m->shares[0][0]) ?:
	      set_check(m->token, set_id, m->payload.check);
	if (!err) {
		m->payload.flags = cpu_to_le32(req->flags);
		m->payload.timeout = cpu_to_le32(req->timeout);
		err = set_make_cards(w, req, set_id, specs, m, made);
	}
	kfree_sensitive(m);
	return err;
}

/* --- loading a token --- */

int khsm_set_add_card(struct khsm_set_collect *c,
		      const struct khsm_card_hdr *hdr,
		      const struct khsm_set_payload *p,
		      struct netlink_ext_ack *extack)
{
	unsigned int i;

	for (i = 0; i < c->count; i++) {
		if (c->xs[i] == hdr->index) {
			NL_SET_ERR_MSG_MOD(extack,
					   "this card was already read: a repeated card counts once");
			return -EEXIST;
		}
	}
	if (!c->count) {
		memcpy(c->set_id, hdr->set_id, KHSM_SET_ID_LEN);
		memcpy(c->check, p->check, sizeof(c->check));
		strscpy(c->name, hdr->set_name, sizeof(c->name));
		c->type = hdr->set_type;
		c->k = hdr->k;
		c->flags = le32_to_cpu(p->flags);
		c->timeout = le32_to_cpu(p->timeout);
	}
	c->xs[c->count] = hdr->index;
	memcpy(c->shares[c->count], p->share, KHSM_KEY_LEN);
	c->count++;
	return 0;
}

static struct khsm_token *token_find(u64 id)
{
	struct khsm_token *t;

	list_for_each_entry(t, &khsm_tokens, node)
		if (t->id == id)
			return t;
	return NULL;
}

static bool set_loaded(const u8 *set_id)
{
	struct khsm_token *t;

	list_for_each_entry(t, &khsm_tokens, node)
		if (!memcmp(t->set_id, set_id, KHSM_SET_ID_LEN))
			return true;
	return false;
}

/* Random, unguessable and unique among the loaded tokens; never 0. */
static int token_new_id(u64 *id)
{
	int err;

	do {
		err = khsm_rng_bytes(id, sizeof(*id));
	} while (!err && (!*id || token_find(*id)));
	return err;
}

static void token_release(struct kref *ref)
{
	kfree_sensitive(container_of(ref, struct khsm_token, ref));
}

void khsm_token_put(struct khsm_token *t)
{
	kref_put(&t->ref, token_release);
}

static void token_unload(struct khsm_token *t, u8 cause)
{
	lockdep_assert_held(&khsm_ctl_lock);
	khsm_audit_token(KHSM_AUDIT_TOKEN_UNLOAD, t, cause);
	WRITE_ONCE(t->revoked, true);
	memzero_explicit(t->key, sizeof(t->key));
	list_del(&t->node);
	/* A pending timeout held a reference of its own. */
	if (t->expires && cancel_delayed_work(&t->expiry))
		khsm_token_put(t);
	khsm_token_put(t);
}

static void token_expire(struct work_struct *work)
{
	struct khsm_token *t = container_of(to_delayed_work(work),
					    struct khsm_token, expiry);

	mutex_lock(&khsm_ctl_lock);
	if (!t->revoked)
		token_unload(t, KHSM_AUDIT_CAUSE_TIMEOUT);
	mutex_unlock(&khsm_ctl_lock);
	khsm_token_put(t);
}

static int token_combine(struct khsm_set_collect *c, u8 key[KHSM_KEY_LEN])
{
	const u8 *ys[KHSM_MAX_CARDS];
	u8 check[KHSM_HMAC_LEN];
	unsigned int i;
	int err;

	for (i = 0; i < c->k; i++)
		ys[i] = c->shares[i];
	err = khsm_shamir_combine(c->xs, ys, c->k, KHSM_KEY_LEN, key) ?:
	      set_check(key, c->set_id, check);
	if (!err && crypto_memneq(check, c->check, sizeof(check)))
		err = -EBADMSG;
	memzero_explicit(check, sizeof(check));
	return err;
}

static void token_arm_timeout(struct khsm_token *t, u32 timeout)
{
	if (!timeout)
		return;
	t->expires = ktime_get_boottime_ns() + (u64)timeout * NSEC_PER_SEC;
	kref_get(&t->ref);
	queue_delayed_work(khsm_wq, &t->expiry,
			   msecs_to_jiffies((u64)timeout * MSEC_PER_SEC));
}

int khsm_token_load(struct khsm_set_collect *c, u32 portid, int slot,
		    kgid_t share_gid, u64 *id, struct netlink_ext_ack *extack)
{
	struct khsm_token *t;
	int err;

	lockdep_assert_held(&khsm_ctl_lock);
	if (set_loaded(c->set_id)) {
		NL_SET_ERR_MSG_MOD(extack, "this card set's token is already loaded");
		return -EEXIST;
	}
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	err = token_combine(c, t->key) ?: token_new_id(&t->id);
	if (err) {
		if (err == -EBADMSG)
			NL_SET_ERR_MSG_MOD(extack, "the cards do not rebuild this set's token");
		kfree_sensitive(t);
		return err;
	}
	kref_init(&t->ref);
	INIT_DELAYED_WORK(&t->expiry, token_expire);
	t->type = c->type;
	t->flags = c->flags;
	memcpy(t->set_id, c->set_id, KHSM_SET_ID_LEN);
	strscpy(t->name, c->name, sizeof(t->name));
	t->owner = current_euid();
	t->share_gid = share_gid;
	t->portid = portid;
	t->slot = (t->flags & KHSM_SETF_PERSISTENT) ? -1 : slot;
	t->loader = task_tgid_vnr(current);
	list_add_tail(&t->node, &khsm_tokens);
	token_arm_timeout(t, c->timeout);
	khsm_audit_token(KHSM_AUDIT_TOKEN_LOAD, t, 0);
	*id = t->id;
	return 0;
}

/*
 * @opener: the credentials of the netlink socket's opener (NULL: none).
 * Ownership is asked of both them and current, as the role is: a helper
 * of the owner's uid writing to another user's socket unloads nothing.
 */
int khsm_token_unload_id(u64 id, bool officer, const struct cred *opener,
			 struct netlink_ext_ack *extack)
{
	struct khsm_token *t;

	lockdep_assert_held(&khsm_ctl_lock);
	t = token_find(id);
	if (!t) {
		NL_SET_ERR_MSG_MOD(extack, "no such token");
		return -ENOKEY;
	}
	if (!officer && (!uid_eq(t->owner, current_euid()) ||
			 (opener && !uid_eq(t->owner, opener->euid)))) {
		NL_SET_ERR_MSG_MOD(extack, "only the uid that loaded a token unloads it");
		return -EPERM;
	}
	token_unload(t, KHSM_AUDIT_CAUSE_REQUEST);
	return 0;
}

static bool token_usable_by(const struct khsm_token *t,
			    const struct cred *cred)
{
	return uid_eq(t->owner, cred->euid) ||
	       (gid_valid(t->share_gid) &&
		khsm_cred_in_kgroup(cred, t->share_gid));
}

/*
 * The token a key of @set_id (@type, 0: any) needs, by @id or, for 0, the loaded
 * token of that set. On success the caller holds a reference; the token
 * may still be revoked later, which every use checks. The token must be
 * usable by current and, for a netlink request, by the socket's @opener.
 */
int khsm_token_get_for_key(u64 id, const u8 *set_id, u8 type,
			   const struct cred *opener, struct khsm_token **out)
{
	struct khsm_token *t;

	lockdep_assert_held(&khsm_ctl_lock);
	/* Token ids are never 0: without a set id, 0 names nothing. */
	if (!id && !set_id)
		return -ENOKEY;
	list_for_each_entry(t, &khsm_tokens, node) {
		if (id ? t->id != id :
		    memcmp(t->set_id, set_id, KHSM_SET_ID_LEN))
			continue;
		/* Past its timeout it is gone, listed or not (see _gone). */
		if (khsm_token_gone(t))
			continue;
		if ((type && t->type != type) ||
		    (set_id && memcmp(t->set_id, set_id, KHSM_SET_ID_LEN)))
			return -EBADMSG;
		if (!token_usable_by(t, current_cred()) ||
		    (opener && !token_usable_by(t, opener)))
			return -EACCES;
		kref_get(&t->ref);
		*out = t;
		return 0;
	}
	return -ENOKEY;
}

/* The last card of a non-persistent token left its slot. */
void khsm_tokens_slot_emptied(int slot)
{
	struct khsm_token *t, *tmp;

	lockdep_assert_held(&khsm_ctl_lock);
	list_for_each_entry_safe(t, tmp, &khsm_tokens, node)
		if (t->slot == slot)
			token_unload(t, KHSM_AUDIT_CAUSE_CARD_REMOVED);
}

void khsm_tokens_session_closed(u32 portid)
{
	struct khsm_token *t, *tmp;

	lockdep_assert_held(&khsm_ctl_lock);
	list_for_each_entry_safe(t, tmp, &khsm_tokens, node)
		if (t->portid == portid)
			token_unload(t, KHSM_AUDIT_CAUSE_CLOSED);
}

/* Power transitions: every token tied to a card in a slot goes. */
void khsm_tokens_unload_present(u8 cause)
{
	struct khsm_token *t, *tmp;

	lockdep_assert_held(&khsm_ctl_lock);
	list_for_each_entry_safe(t, tmp, &khsm_tokens, node)
		if (t->slot >= 0)
			token_unload(t, cause);
}

void khsm_tokens_unload_all(void)
{
	struct khsm_token *t, *tmp;

	lockdep_assert_held(&khsm_ctl_lock);
	list_for_each_entry_safe(t, tmp, &khsm_tokens, node)
		token_unload(t, KHSM_AUDIT_CAUSE_CLEAR);
}

unsigned int khsm_tokens_count(void)
{
	struct khsm_token *t;
	unsigned int n = 0;

	lockdep_assert_held(&khsm_ctl_lock);
	list_for_each_entry(t, &khsm_tokens, node)
		n++;
	return n;
}

static int token_put_one(struct sk_buff *msg, const struct khsm_token *t)
{
	u64 now = ktime_get_boottime_ns();
	struct nlattr *nest;

	nest = nla_nest_start(msg, KHSM_A_TOKEN_ENTRY);
	if (!nest ||
	    nla_put_u64_64bit(msg, KHSM_A_TOKEN_TOKEN_ID, t->id, KHSM_A_TOKEN_PAD) ||
	    nla_put(msg, KHSM_A_TOKEN_SET_ID, KHSM_SET_ID_LEN, t->set_id) ||
	    nla_put_string(msg, KHSM_A_TOKEN_NAME, t->name) ||
	    nla_put_u8(msg, KHSM_A_TOKEN_TYPE, t->type) ||
	    ((t->flags & KHSM_SETF_PERSISTENT) &&
	     nla_put_flag(msg, KHSM_A_TOKEN_PERSISTENT)) ||
	    nla_put_u32(msg, KHSM_A_TOKEN_OWNER_UID,
			from_kuid(&init_user_ns, t->owner)) ||
	    (gid_valid(t->share_gid) &&
	     nla_put_u32(msg, KHSM_A_TOKEN_SHARE_GID,
			 from_kgid(&init_user_ns, t->share_gid))) ||
	    nla_put_u32(msg, KHSM_A_TOKEN_LOADER_PID, t->loader) ||
	    (t->expires &&
	     nla_put_u32(msg, KHSM_A_TOKEN_REMAINING_MS,
			 t->expires > now ?
			 div_u64(t->expires - now, NSEC_PER_MSEC) : 0)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

int khsm_tokens_put(struct sk_buff *msg)
{
	struct khsm_token *t;
	struct nlattr *nest;

	lockdep_assert_held(&khsm_ctl_lock);
	nest = nla_nest_start(msg, KHSM_A_TOKENS);
	if (!nest)
		return -EMSGSIZE;
	list_for_each_entry(t, &khsm_tokens, node)
		if (token_put_one(msg, t))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

int khsm_tokens_init(void)
{
	khsm_wq = alloc_workqueue("khsm", 0, 0);
	return khsm_wq ? 0 : -ENOMEM;
}

void khsm_tokens_uninit(void)
{
	mutex_lock(&khsm_ctl_lock);
	khsm_tokens_unload_all();
	mutex_unlock(&khsm_ctl_lock);
	/* Waits for a timeout that was already running when it was cancelled. */
	destroy_workqueue(khsm_wq);
}
