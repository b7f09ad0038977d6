// SPDX-License-Identifier: GPL-2.0
/*
 * Slots, the virtual card readers, and sessions, the per-connection state
 * behind them. A card stays in its slot until the connection that put it
 * there removes it or closes; closing is the analogue of pulling the card,
 * and is seen through the NETLINK_URELEASE notifier on both target kernels.
 * Everything here is under khsm_ctl_lock (see world.h).
 */
#include <linux/list.h>
#include <linux/moduleparam.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

#include "khsm.h"
#include "audit.h"
#include "cards.h"
#include "retry.h"
#include "slots.h"
#include "tokens.h"

int khsm_nslots = 8;
module_param_named(slots, khsm_nslots, int, 0444);
MODULE_PARM_DESC(slots, "number of virtual card readers (1-64, default 8)");

struct khsm_slot {
	bool used;
	u32 portid;
	pid_t pid;
	u8 index;
	u8 set_id[KHSM_SET_ID_LEN];
	char card_name[KHSM_NAME_MAX];
	char set_name[KHSM_NAME_MAX];
};

/* A connection may collect the cards of this many sets at once. */
#define KHSM_MAX_SET_COLLECTS	8

struct khsm_session {
	struct list_head node;
	u32 portid;
	struct khsm_collect *acs;
	struct list_head sets;		/* struct khsm_set_collect */
	unsigned int nsets;
};

static struct khsm_slot *slots;
static LIST_HEAD(sessions);

static struct khsm_session *session_find(u32 portid, bool create)
{
	struct khsm_session *s;

	list_for_each_entry(s, &sessions, node)
		if (s->portid == portid)
			return s;
	if (!create)
		return NULL;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	s->portid = portid;
	INIT_LIST_HEAD(&s->sets);
	list_add(&s->node, &sessions);
	return s;
}

static void set_collect_free(struct khsm_session *s, struct khsm_set_collect *c)
{
	list_del(&c->node);
	s->nsets--;
	kfree_sensitive(c);
}

static void session_free(struct khsm_session *s)
{
	struct khsm_set_collect *c, *tmp;

	list_for_each_entry_safe(c, tmp, &s->sets, node)
		set_collect_free(s, c);
	list_del(&s->node);
	kfree_sensitive(s->acs);
	kfree(s);
}

/* A card leaves its slot: a non-persistent token it held goes with it. */
static void slot_empty(struct khsm_slot *slot)
{
	bool was_used = slot->used;

	memset(slot, 0, sizeof(*slot));
	if (was_used)
		khsm_tokens_slot_emptied(slot - slots);
}

/*
 * ACS_LOGOUT: the ACS shares every connection collected go with the
 * authorisation (wiped, and the same cards can authorise again).
 */
void khsm_slots_acs_forget(void)
{
	struct khsm_session *s;

	lockdep_assert_held(&khsm_ctl_lock);
	list_for_each_entry(s, &sessions, node) {
		kfree_sensitive(s->acs);
		s->acs = NULL;
	}
}

/* World gone, replaced or cleared: every card and partial quorum goes. */
void khsm_slots_clear_all(void)
{
	struct khsm_session *s, *tmp;
	int i;

	lockdep_assert_held(&khsm_ctl_lock);
	for (i = 0; i < khsm_nslots; i++)
		slot_empty(&slots[i]);
	list_for_each_entry_safe(s, tmp, &sessions, node)
		session_free(s);
}

static void session_closed(u32 portid)
{
	struct khsm_session *s;
	int i;

	mutex_lock(&khsm_ctl_lock);
	for (i = 0; i < khsm_nslots; i++)
		if (slots[i].used && slots[i].portid == portid)
			slot_empty(&slots[i]);
	s = session_find(portid, false);
	if (s)
		session_free(s);
	khsm_tokens_session_closed(portid);
	khsm_world_session_closed(portid);
	mutex_unlock(&khsm_ctl_lock);
}

static int khsm_netlink_notify(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	const struct netlink_notify *n = ptr;

	if (event == NETLINK_URELEASE && n->protocol == NETLINK_GENERIC &&
	    net_eq(n->net, &init_net) && n->portid)
		session_closed(n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block khsm_netlink_nb = {
	.notifier_call = khsm_netlink_notify,
};

/* Which world, and whose: a load in progress belongs to one connection. */
static int insert_world(const struct khsm_insert_req *req,
			struct khsm_world **wp, struct netlink_ext_ack *extack)
{
	struct khsm_world *w = khsm_world_get_locked();

	if (!w) {
		NL_SET_ERR_MSG_MOD(extack, "no world is loaded");
		return -ENOKEY;
	}
	if (w->state == KHSM_WORLD_LOADING && w->loading_portid != req->portid) {
		NL_SET_ERR_MSG_MOD(extack,
				   "another connection is loading the world");
		return -EBUSY;
	}
	*wp = w;
	return 0;
}

static int insert_slot(const struct khsm_insert_req *req,
		       struct netlink_ext_ack *extack)
{
	if (req->slot >= khsm_nslots) {
		NL_SET_ERR_MSG_MOD(extack, "no such slot");
		return -EINVAL;
	}
	if (slots[req->slot].used) {
		NL_SET_ERR_MSG_MOD(extack, "slot holds a card: remove it first");
		return -EBUSY;
	}
	return 0;
}

static bool is_token_set(u8 set_type)
{
	return set_type == KHSM_SET_OCS || set_type == KHSM_SET_SOFTCARD;
}

/* The secret the card's keys derive from: the ACS's salt, else the world's. */
static const u8 *card_set_secret(const struct khsm_world *w,
				 const struct khsm_card *card)
{
	return card->hdr.set_type == KHSM_SET_ACS ? w->hdr.acs_salt :
						   w->secrets.card_secret;
}

static size_t card_plain_len(const struct khsm_card *card)
{
	return card->hdr.set_type == KHSM_SET_ACS ? KHSM_ACS_CARD_PLAIN_LEN :
						   sizeof(struct khsm_set_payload);
}

/* Is this card one of the current ACS, or of a set, of this world? */
static int insert_identify(const struct khsm_insert_req *req,
			   const struct khsm_world *w,
			   const struct khsm_card *card,
			   struct netlink_ext_ack *extack)
{
	const struct khsm_card_hdr *hdr = &card->hdr;

	if (memcmp(hdr->world_id, w->hdr.world_id, KHSM_WORLD_ID_LEN)) {
		NL_SET_ERR_MSG_MOD(extack, "card belongs to another world");
		return -EXDEV;
	}
	if (is_token_set(hdr->set_type)) {
		if (w->state != KHSM_WORLD_OPERATIONAL) {
			NL_SET_ERR_MSG_MOD(extack,
					   "the world is still loading: present ACS cards");
			return -EBUSY;
		}
		return khsm_card_verify(card, w->secrets.card_secret, extack);
	}
	if (hdr->set_type != KHSM_SET_ACS) {
		NL_SET_ERR_MSG_MOD(extack, "unknown card set type");
		return -EBADMSG;
	}
	if (!req->officer) {
		NL_SET_ERR_MSG_MOD(extack, "ACS cards need CAP_SYS_ADMIN");
		return -EPERM;
	}
	if (memcmp(hdr->set_id, w->hdr.acs_set_id, KHSM_SET_ID_LEN)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "card of a replaced ACS: the world no longer accepts it");
		return -EXDEV;
	}
	return khsm_card_verify(card, w->hdr.acs_salt, extack);
}

static int insert_passphrase(const struct khsm_insert_req *req,
			     const struct khsm_card *card,
			     struct netlink_ext_ack *extack)
{
	bool has_pp = le32_to_cpu(card->hdr.flags) & KHSM_CARD_F_PASSPHRASE;

	if (has_pp && !req->pp_key) {
		NL_SET_ERR_MSG_MOD(extack, "this card has a passphrase");
		return -EACCES;
	}
	if (!has_pp && req->pp_key) {
		NL_SET_ERR_MSG_MOD(extack, "this card has no passphrase");
		return -EINVAL;
	}
	return 0;
}

/* Wrong passphrase or not, every outcome of an attempt is counted. */
static int insert_open(const struct khsm_insert_req *req,
		       const struct khsm_world *w, const struct khsm_card *card,
		       u8 *plain, struct netlink_ext_ack *extack)
{
	const struct khsm_card_hdr *hdr = &card->hdr;
	u32 wait_ms;
	int err;

	err = khsm_retry_check(hdr->set_id, hdr->index, &w->opts, &wait_ms);
	if (err == -EPERM) {
		NL_SET_ERR_MSG_MOD(extack,
				   "card locked after too many wrong passphrases");
		return err;
	}
	if (err) {
		khsm_set_errmsg(extack, khsm_retry_msg(KHSM_RETRY_MSG_WAIT, wait_ms));
		return err;
	}
	err = khsm_card_decrypt(card, card_set_secret(w, card), req->pp_key,
				plain, card_plain_len(card));
	if (err == -EBADMSG) {
		wait_ms = khsm_retry_failed(hdr->set_id, hdr->index, &w->opts);
		khsm_set_errmsg(extack, khsm_retry_msg(KHSM_RETRY_MSG_WRONG, wait_ms));
		return -EACCES;
	}
	if (!err)
		khsm_retry_succeeded(hdr->set_id, hdr->index);
	return err;
}

static int collect_acs(struct khsm_session *s, struct khsm_world *w,
		       const struct khsm_card *card, const u8 *plain,
		       struct khsm_insert_res *res,
		       struct netlink_ext_ack *extack)
{
	int err;

	if (!s->acs) {
		s->acs = kzalloc(sizeof(*s->acs), GFP_KERNEL);
		if (!s->acs)
			return -ENOMEM;
	}
	err = khsm_acs_add_card(w, s->acs, &card->hdr, plain, extack);
	khsm_acs_progress(w, s->acs, res->progress);
	return err;
}

static struct khsm_set_collect *set_collect_get(struct khsm_session *s,
						const u8 *set_id,
						struct netlink_ext_ack *extack)
{
	struct khsm_set_collect *c;

	list_for_each_entry(c, &s->sets, node)
		if (!memcmp(c->set_id, set_id, KHSM_SET_ID_LEN))
			return c;
	if (s->nsets >= KHSM_MAX_SET_COLLECTS) {
		NL_SET_ERR_MSG_MOD(extack,
				   "this connection is collecting too many card sets at once");
		return ERR_PTR(-ENOSPC);
	}
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	memcpy(c->set_id, set_id, KHSM_SET_ID_LEN);
	list_add(&c->node, &s->sets);
	s->nsets++;
	return c;
}

/* The card that meets the quorum loads the token; the shares are spent. */
static int collect_set(struct khsm_session *s, const struct khsm_insert_req *req,
		       const struct khsm_card *card, const u8 *plain,
		       struct khsm_insert_res *res,
		       struct netlink_ext_ack *extack)
{
	struct khsm_set_collect *c;
	int err;

	c = set_collect_get(s, card->hdr.set_id, extack);
	if (IS_ERR(c))
		return PTR_ERR(c);
	err = khsm_set_add_card(c, &card->hdr,
				(const struct khsm_set_payload *)plain, extack);
	res->set_progress.have = c->count;
	res->set_progress.need = c->k;
	if (err || c->count < c->k)
		return err;
	err = khsm_token_load(c, req->portid, req->slot, req->share_gid,
			      &res->token_id, extack);
	res->set_progress.done = !err;
	set_collect_free(s, c);
	return err;
}

static int insert_collect(const struct khsm_insert_req *req,
			  struct khsm_world *w, const struct khsm_card *card,
			  const u8 *plain, struct khsm_insert_res *res,
			  struct netlink_ext_ack *extack)
{
	struct khsm_session *s;

	s = session_find(req->portid, true);
	if (!s)
		return -ENOMEM;
	if (is_token_set(card->hdr.set_type))
		return collect_set(s, req, card, plain, res, extack);
	return collect_acs(s, w, card, plain, res, extack);
}

static void slot_fill(struct khsm_slot *slot, const struct khsm_insert_req *req,
		      const struct khsm_card_hdr *hdr)
{
	slot->used = true;
	slot->portid = req->portid;
	slot->pid = task_tgid_vnr(current);
	slot->index = hdr->index;
	memcpy(slot->set_id, hdr->set_id, KHSM_SET_ID_LEN);
	strscpy(slot->card_name, hdr->card_name, sizeof(slot->card_name));
	strscpy(slot->set_name, hdr->set_name, sizeof(slot->set_name));
}

int khsm_card_insert(const struct khsm_insert_req *req,
		     struct khsm_insert_res *res,
		     struct netlink_ext_ack *extack)
{
	u8 plain[KHSM_ACS_CARD_PLAIN_LEN];
	struct khsm_card card;
	struct khsm_world *w;
	int err;

	BUILD_BUG_ON(sizeof(struct khsm_set_payload) > sizeof(plain));
	lockdep_assert_held(&khsm_ctl_lock);
	memset(res, 0, sizeof(*res));
	err = insert_world(req, &w, extack) ?:
	      insert_slot(req, extack) ?:
	      khsm_card_parse(req->image, req->len, &card, extack) ?:
	      insert_identify(req, w, &card, extack) ?:
	      insert_passphrase(req, &card, extack) ?:
	      insert_open(req, w, &card, plain, extack);
	if (err)
		goto out;
	res->hdr = card.hdr;
	if (req->verify_only) {
		khsm_acs_progress(w, NULL, res->progress);
		goto out;
	}
	/* In its slot first: a non-persistent token binds to that slot. */
	slot_fill(&slots[req->slot], req, &card.hdr);
	err = insert_collect(req, w, &card, plain, res, extack);
	if (err)
		memset(&slots[req->slot], 0, sizeof(slots[req->slot]));
out:
	khsm_audit_card(KHSM_AUDIT_CARD_INSERT, req, res, err, extack);
	memzero_explicit(plain, sizeof(plain));
	return err;
}

static int repassphrase_check(const struct khsm_world *w,
			      const struct khsm_card *card,
			      const struct khsm_card_spec *spec,
			      struct netlink_ext_ack *extack)
{
	if (w->state != KHSM_WORLD_OPERATIONAL) {
		NL_SET_ERR_MSG_MOD(extack, "the world is still loading");
		return -EBUSY;
	}
	if (spec->index != card->hdr.index) {
		NL_SET_ERR_MSG_MOD(extack, "the new passphrase names another card index");
		return -EINVAL;
	}
	if (card->hdr.set_type == KHSM_SET_SOFTCARD && !spec->has_pp) {
		NL_SET_ERR_MSG_MOD(extack, "a softcard needs a passphrase");
		return -EINVAL;
	}
	return 0;
}

/*
 * A lost passphrase: the escrow copy opens with no passphrase, so only
 * under the passphrase-recovery quorum, and only for a set made with
 * passphrase recovery. No retry counting: nothing is being guessed.
 */
static int repassphrase_escrow(struct khsm_world *w,
			       const struct khsm_card *card, u8 *plain,
			       struct netlink_ext_ack *extack)
{
	int err;

	if (!card->escrow_len) {
		NL_SET_ERR_MSG_MOD(extack, "this card's set was made without passphrase recovery");
		return -EOPNOTSUPP;
	}
	err = khsm_acs_require(w, KHSM_TOKEN_PP_RECOVERY, extack);
	if (err == -EACCES)
		NL_SET_ERR_MSG_MOD(extack, "this card has a passphrase; replacing a lost one needs the passphrase-recovery ACS quorum");
	if (err)
		return err;
	return khsm_card_open_escrow(card, w->secrets.card_secret, plain,
				     card_plain_len(card));
}

static int repassphrase_open(const struct khsm_insert_req *req,
			     struct khsm_world *w, const struct khsm_card *card,
			     u8 *plain, struct netlink_ext_ack *extack)
{
	bool has_pp = le32_to_cpu(card->hdr.flags) & KHSM_CARD_F_PASSPHRASE;

	if (has_pp && !req->pp_key && is_token_set(card->hdr.set_type))
		return repassphrase_escrow(w, card, plain, extack);
	return insert_passphrase(req, card, extack) ?:
	       insert_open(req, w, card, plain, extack);
}

/*
 * A card sealed again under a new passphrase, given the old one. Opening
 * it is an attempt like any other, delay and lockout included, so this is
 * no way around them. The old card file keeps working: the caller replaces
 * it (and should destroy every copy).
 */
int khsm_card_repassphrase(const struct khsm_insert_req *req,
			   const struct khsm_card_spec *spec,
			   struct khsm_blob *out,
			   struct netlink_ext_ack *extack)
{
	u8 plain[KHSM_ACS_CARD_PLAIN_LEN];
	struct khsm_card_spec fresh;
	struct khsm_card_ctx ctx;
	struct khsm_card card;
	struct khsm_world *w;
	int err;

	lockdep_assert_held(&khsm_ctl_lock);
	err = insert_world(req, &w, extack) ?:
	      khsm_card_parse(req->image, req->len, &card, extack) ?:
	      repassphrase_check(w, &card, spec, extack) ?:
	      insert_identify(req, w, &card, extack) ?:
	      repassphrase_open(req, w, &card, plain, extack);
	if (err)
		goto out;
	ctx = (struct khsm_card_ctx) {
		.world_id = card.hdr.world_id,
		.set_id = card.hdr.set_id,
		.set_type = card.hdr.set_type,
		.k = card.hdr.k,
		.n = card.hdr.n,
		.set_name = card.hdr.set_name,
		.secret = card_set_secret(w, &card),
		.escrow = card.escrow_len,
	};
	fresh = *spec;
	strscpy(fresh.name, card.hdr.card_name, sizeof(fresh.name));
	err = khsm_card_build(&ctx, &fresh, plain, card_plain_len(&card), out);
	memzero_explicit(&fresh, sizeof(fresh));
out:
	khsm_audit_card(KHSM_AUDIT_CARD_PASSPHRASE, req, NULL, err, extack);
	memzero_explicit(plain, sizeof(plain));
	return err;
}

int khsm_card_remove(u32 portid, u8 slot, struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&khsm_ctl_lock);
	if (slot >= khsm_nslots) {
		NL_SET_ERR_MSG_MOD(extack, "no such slot");
		return -EINVAL;
	}
	if (!slots[slot].used) {
		NL_SET_ERR_MSG_MOD(extack, "slot is empty");
		return -ENODATA;
	}
	if (slots[slot].portid != portid) {
		NL_SET_ERR_MSG_MOD(extack,
				   "only the connection that inserted a card removes it");
		return -EPERM;
	}
	slot_empty(&slots[slot]);
	return 0;
}

static int slot_put(struct sk_buff *msg, int i)
{
	const struct khsm_slot *slot = &slots[i];
	struct nlattr *nest;

	nest = nla_nest_start(msg, KHSM_A_SLOT_ENTRY);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(msg, KHSM_A_SLOT_NUMBER, i) ||
	    (slot->used &&
	     (nla_put_flag(msg, KHSM_A_SLOT_OCCUPIED) ||
	      nla_put_u8(msg, KHSM_A_SLOT_CARD_INDEX, slot->index) ||
	      nla_put_string(msg, KHSM_A_SLOT_CARD_NAME, slot->card_name) ||
	      nla_put_string(msg, KHSM_A_SLOT_SET_NAME, slot->set_name) ||
	      nla_put_u32(msg, KHSM_A_SLOT_OWNER_PID, slot->pid)))) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

int khsm_slots_put(struct sk_buff *msg)
{
	struct nlattr *nest;
	int i, err = 0;

	lockdep_assert_held(&khsm_ctl_lock);
	nest = nla_nest_start(msg, KHSM_A_SLOTS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; !err && i < khsm_nslots; i++)
		err = slot_put(msg, i);
	if (err) {
		nla_nest_cancel(msg, nest);
		return err;
	}
	nla_nest_end(msg, nest);
	return 0;
}

int khsm_slots_init(void)
{
	int err;

	if (khsm_nslots < 1 || khsm_nslots > KHSM_MAX_CARDS) {
		pr_err("slots=%d: must be between 1 and %d\n", khsm_nslots,
		       KHSM_MAX_CARDS);
		return -EINVAL;
	}
	slots = kcalloc(khsm_nslots, sizeof(*slots), GFP_KERNEL);
	if (!slots)
		return -ENOMEM;
	err = netlink_register_notifier(&khsm_netlink_nb);
	if (err) {
		kfree(slots);
		slots = NULL;
	}
	return err;
}

void khsm_slots_uninit(void)
{
	netlink_unregister_notifier(&khsm_netlink_nb);
	mutex_lock(&khsm_ctl_lock);
	khsm_slots_clear_all();
	mutex_unlock(&khsm_ctl_lock);
	kfree(slots);
	slots = NULL;
}
