// SPDX-License-Identifier: GPL-2.0
/*
 * The Security World: creation, the world file, loading (with a host
 * binding key, or with the load-world quorum of ACS cards), unloading.
 *
 * The world file key (wfk) seals the world secrets with the file header
 * as associated data; each key slot wraps the wfk under one way in (the
 * load-world token, a binding key). Rewriting the file for a policy change
 * only reseals the body; replacing the ACS rotates the wfk too.
 */
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <net/netlink.h>

#include "acs.h"
#include "audit.h"
#include "ec.h"
#include "khsm.h"
#include "slots.h"
#include "tokens.h"
#include "keys.h"
#include "world.h"

/* The control plane's one lock (see world.h): the world and all it owns. */
DEFINE_MUTEX(khsm_ctl_lock);

static struct khsm_world *khsm_world;

struct khsm_world *khsm_world_get_locked(void)
{
	lockdep_assert_held(&khsm_ctl_lock);
	return khsm_world;
}

enum khsm_world_state khsm_world_state_locked(void)
{
	lockdep_assert_held(&khsm_ctl_lock);
	if (khsm_selftest_state() != KHSM_SELFTEST_PASSED)
		return KHSM_WORLD_ERROR;
	return khsm_world ? khsm_world->state : KHSM_WORLD_UNINITIALISED;
}

/* The groups the policy names take effect for every later request. */
static void world_publish(void)
{
	const struct khsm_world *w = khsm_world;

	if (w && w->state == KHSM_WORLD_OPERATIONAL)
		khsm_priv_set_policy(w->opts.operator_gid, w->opts.user_gid);
	else
		khsm_priv_set_policy(0, 0);
	khsm_audit_world_changed(w);
}

static void world_free(struct khsm_world *w)
{
	kfree_sensitive(w);
}

void khsm_made_free(struct khsm_made *made)
{
	unsigned int i;

	kfree_sensitive(made->world_file.data);
	for (i = 0; i < made->ncards; i++)
		kfree_sensitive(made->cards[i].data);
	memset(made, 0, sizeof(*made));
}

/*
 * The audit signing key pair: a P-256 scalar and its uncompressed point,
 * through ec.c, which knows how each kernel's ecc.ko wants its scalars
 * (the audit log's checkpoints are verified against this point).
 */
static int make_audit_key(struct khsm_world *w)
{
	return khsm_ec_generate(KHSM_KEY_EC_P256, w->secrets.audit_priv,
				w->hdr.audit_pubkey);
}

static void keyslot_aad(const struct khsm_world *w, u8 type,
			u8 aad[KHSM_WORLD_ID_LEN + 1])
{
	memcpy(aad, w->hdr.world_id, KHSM_WORLD_ID_LEN);
	aad[KHSM_WORLD_ID_LEN] = type;
}

int khsm_world_wrap_slot(struct khsm_world *w, u8 type,
			 const u8 key[KHSM_KEY_LEN],
			 struct khsm_world_keyslot *slot)
{
	u8 aad[KHSM_WORLD_ID_LEN + 1];

	memset(slot, 0, sizeof(*slot));
	slot->type = type;
	keyslot_aad(w, type, aad);
	return khsm_gcm_seal(key, aad, sizeof(aad), w->wfk, KHSM_KEY_LEN,
			     slot->nonce);
}

static int unwrap_slot(struct khsm_world *w, u8 type,
		       const u8 key[KHSM_KEY_LEN])
{
	const struct khsm_world_keyslot *slot = &w->keyslots[type - 1];
	u8 aad[KHSM_WORLD_ID_LEN + 1];

	if (slot->type != type)
		return -ENOKEY;
	keyslot_aad(w, type, aad);
	return khsm_gcm_open(key, aad, sizeof(aad), slot->nonce,
			     KHSM_GCM_OVERHEAD + KHSM_KEY_LEN, w->wfk);
}

static unsigned int nkeyslots(const struct khsm_world *w)
{
	return w->keyslots[KHSM_KEYSLOT_BIND - 1].type ? 2 : 1;
}

/* Seals the secrets anew under the current header and writes the file. */
int khsm_world_serialise(struct khsm_world *w, struct khsm_blob *out)
{
	size_t slots_len = nkeyslots(w) * sizeof(struct khsm_world_keyslot);
	size_t len = sizeof(w->hdr) + slots_len + KHSM_WORLD_BODY_LEN;
	u8 *file;
	int err;

	w->hdr.nkeyslots = nkeyslots(w);
	w->hdr.body_len = cpu_to_le32(KHSM_WORLD_BODY_LEN);
	khsm_opts_to_disk(&w->opts, &w->hdr.opts);
	err = khsm_gcm_seal(w->wfk, (const u8 *)&w->hdr, sizeof(w->hdr),
			    (const u8 *)&w->secrets, sizeof(w->secrets),
			    w->body);
	if (err)
		return err;
	file = kmalloc(len, GFP_KERNEL);
	if (!file)
		return -ENOMEM;
	memcpy(file, &w->hdr, sizeof(w->hdr));
	/* The ACS slot comes first; the BIND slot, if any, second. */
	memcpy(file + sizeof(w->hdr), w->keyslots, slots_len);
	memcpy(file + sizeof(w->hdr) + slots_len, w->body, KHSM_WORLD_BODY_LEN);
	out->data = file;
	out->len = len;
	return 0;
}

static int world_init_hdr(struct khsm_world *w, const struct khsm_opts *opts)
{
	struct khsm_world_hdr *hdr = &w->hdr;

	memcpy(hdr->magic, KHSM_WORLD_MAGIC, sizeof(hdr->magic));
	hdr->version = cpu_to_le16(KHSM_WORLD_VERSION);
	hdr->hdr_len = cpu_to_le16(sizeof(*hdr));
	hdr->generation = cpu_to_le32(1);
	hdr->created = cpu_to_le64(ktime_get_real_seconds());
	w->opts = *opts;
	return khsm_rng_bytes(hdr->world_id, sizeof(hdr->world_id));
}

static int world_init_secrets(struct khsm_world *w)
{
	struct khsm_world_secrets *s = &w->secrets;
	int err;

	err = khsm_rng_bytes(w->wfk, sizeof(w->wfk)) ?:
	      khsm_rng_bytes(s->module_key, sizeof(s->module_key)) ?:
	      khsm_rng_bytes(s->card_secret, sizeof(s->card_secret));
	if (!err && w->opts.quorum[KHSM_TOKEN_KEY_RECOVERY])
		err = khsm_rng_bytes(s->recovery_key, sizeof(s->recovery_key));
	return err ?: make_audit_key(w);
}

/* All or nothing: a failed bind leaves the old slot and key in place. */
static int world_bind(struct khsm_world *w, const struct khsm_bind_req *bind,
		      struct netlink_ext_ack *extack)
{
	struct khsm_world_keyslot slot;
	u8 kek[KHSM_KEY_LEN];
	int err;

	err = khsm_bind_kek(bind, w->hdr.world_id, kek, extack) ?:
	      khsm_world_wrap_slot(w, KHSM_KEYSLOT_BIND, kek, &slot);
	if (!err) {
		memcpy(w->secrets.bind_kek, kek, sizeof(kek));
		w->keyslots[KHSM_KEYSLOT_BIND - 1] = slot;
		w->bind_type = khsm_bind_type_name(bind->type);
	}
	memzero_explicit(kek, sizeof(kek));
	return err;
}

/*
 * WORLD_NEW and ACS_REPLACE make the new world aside, and the caller
 * installs it (khsm_world_install) only once its reply, the files the
 * administrator must keep, is built: a failure up to then, an allocation
 * for the reply included, leaves the module as it was.
 */
struct khsm_world *khsm_world_create(const struct khsm_opts *opts,
				     const struct khsm_card_spec *specs,
				     unsigned int n,
				     const struct khsm_bind_req *bind,
				     struct khsm_made *made,
				     struct netlink_ext_ack *extack)
{
	struct khsm_world *w;
	int err;

	lockdep_assert_held(&khsm_ctl_lock);
	if (khsm_world) {
		NL_SET_ERR_MSG_MOD(extack, "a world is already loaded");
		return ERR_PTR(-EEXIST);
	}
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return ERR_PTR(-ENOMEM);
	err = world_init_hdr(w, opts) ?: world_init_secrets(w);
	if (!err && bind)
		err = world_bind(w, bind, extack);
	if (!err)
		err = khsm_acs_build(w, specs, n, made, extack);
	if (!err)
		err = khsm_world_serialise(w, &made->world_file);
	if (err) {
		khsm_made_free(made);
		world_free(w);
		return ERR_PTR(err);
	}
	w->state = KHSM_WORLD_OPERATIONAL;
	return w;
}

/*
 * Installs a world from khsm_world_create or khsm_world_replace_acs. A
 * replacement takes the loaded world's place in the same memory (what
 * holds the pointer keeps it); the cards in the slots belonged to the
 * old ACS, and its authorisation goes with it.
 */
void khsm_world_install(struct khsm_world *w)
{
	lockdep_assert_held(&khsm_ctl_lock);
	if (khsm_world) {
		khsm_slots_clear_all();
		memcpy(khsm_world, w, sizeof(*w));
		khsm_world->auth_mask = 0;
		world_free(w);
	} else {
		khsm_world = w;
	}
	world_publish();
}

/* A world made aside and not installed: nothing of it stays. */
void khsm_world_discard(struct khsm_world *w)
{
	world_free(w);
}

/* Shape checks of an untrusted world file, before any key is tried. */
static int world_parse(struct khsm_world *w, const u8 *file, size_t len,
		       struct netlink_ext_ack *extack)
{
	const struct khsm_world_hdr *hdr = (const void *)file;
	size_t slots_len;
	unsigned int i;

	if (len < sizeof(*hdr) || memcmp(hdr->magic, KHSM_WORLD_MAGIC, 8)) {
		NL_SET_ERR_MSG_MOD(extack, "not a khsm world file");
		return -EBADMSG;
	}
	if (le16_to_cpu(hdr->version) != KHSM_WORLD_VERSION) {
		NL_SET_ERR_MSG_MOD(extack, "world file format version not supported");
		return -EPROTONOSUPPORT;
	}
	memcpy(&w->hdr, hdr, sizeof(*hdr));
	slots_len = hdr->nkeyslots * sizeof(struct khsm_world_keyslot);
	if (le16_to_cpu(hdr->hdr_len) != sizeof(*hdr) ||
	    !hdr->nkeyslots || hdr->nkeyslots > KHSM_WORLD_MAX_KEYSLOTS ||
	    le32_to_cpu(hdr->body_len) != KHSM_WORLD_BODY_LEN ||
	    len != sizeof(*hdr) + slots_len + KHSM_WORLD_BODY_LEN ||
	    memchr_inv(hdr->__reserved, 0, sizeof(hdr->__reserved)) ||
	    hdr->__reserved2 || khsm_opts_from_disk(&hdr->opts, &w->opts))
		goto damaged;
	for (i = 0; i < hdr->nkeyslots; i++) {
		const struct khsm_world_keyslot *slot = (const void *)
			(file + sizeof(*hdr) + i * sizeof(*slot));

		if (slot->type != i + 1 ||
		    memchr_inv(slot->__reserved, 0, sizeof(slot->__reserved)))
			goto damaged;
		w->keyslots[i] = *slot;
	}
	memcpy(w->body, file + sizeof(*hdr) + slots_len, KHSM_WORLD_BODY_LEN);
	return 0;

damaged:
	NL_SET_ERR_MSG_MOD(extack, "world file is damaged or truncated");
	return -EBADMSG;
}

static int open_body(struct khsm_world *w, struct netlink_ext_ack *extack)
{
	int err;

	err = khsm_gcm_open(w->wfk, (const u8 *)&w->hdr, sizeof(w->hdr),
			    w->body, KHSM_WORLD_BODY_LEN, (u8 *)&w->secrets);
	if (err == -EBADMSG)
		NL_SET_ERR_MSG_MOD(extack, "world file was tampered with");
	return err;
}

static int load_with_bind_key(struct khsm_world *w,
			      const struct khsm_bind_req *bind,
			      struct netlink_ext_ack *extack)
{
	u8 kek[KHSM_KEY_LEN];
	int err;

	err = khsm_bind_kek(bind, w->hdr.world_id, kek, extack);
	if (err)
		return err;
	err = unwrap_slot(w, KHSM_KEYSLOT_BIND, kek);
	memzero_explicit(kek, sizeof(kek));
	if (err == -ENOKEY) {
		NL_SET_ERR_MSG_MOD(extack,
				   "this world file has no host binding key: load it with the ACS");
		return -EINVAL;
	}
	if (err == -EBADMSG) {
		NL_SET_ERR_MSG_MOD(extack,
				   "wrong binding key, or the world file is damaged");
		return err;
	}
	err = err ?: open_body(w, extack);
	if (!err)
		w->bind_type = khsm_bind_type_name(bind->type);
	return err;
}

int khsm_world_load(const u8 *file, size_t len,
		    const struct khsm_bind_req *bind, u32 portid,
		    struct netlink_ext_ack *extack)
{
	struct khsm_world *w;
	int err;

	lockdep_assert_held(&khsm_ctl_lock);
	if (khsm_world) {
		if (khsm_world->state == KHSM_WORLD_LOADING)
			NL_SET_ERR_MSG_MOD(extack, "another connection is loading a world");
		else
			NL_SET_ERR_MSG_MOD(extack, "a world is already loaded");
		return -EEXIST;
	}
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	err = world_parse(w, file, len, extack);
	if (!err && bind)
		err = load_with_bind_key(w, bind, extack);
	if (err) {
		world_free(w);
		return err;
	}
	if (bind) {
		w->state = KHSM_WORLD_OPERATIONAL;
	} else {
		w->state = KHSM_WORLD_LOADING;
		w->loading_portid = portid;
	}
	khsm_world = w;
	world_publish();
	return 0;
}

/* The load-world quorum was met: the token it rebuilt opens the file. */
int khsm_world_finish_load(struct khsm_world *w, const u8 lwk[KHSM_KEY_LEN],
			   struct netlink_ext_ack *extack)
{
	int err;

	lockdep_assert_held(&khsm_ctl_lock);
	err = unwrap_slot(w, KHSM_KEYSLOT_ACS, lwk);
	if (err == -EBADMSG)
		NL_SET_ERR_MSG_MOD(extack,
				   "the cards do not open this world file (damaged, or of another ACS)");
	if (!err)
		err = open_body(w, extack);
	if (err)
		return err;
	w->state = KHSM_WORLD_OPERATIONAL;
	w->loading_portid = 0;
	world_publish();
	return 0;
}

void khsm_world_unload(void)
{
	lockdep_assert_held(&khsm_ctl_lock);
	khsm_slots_clear_all();
	khsm_tokens_unload_all();
	khsm_keys_revoke_all();
	world_free(khsm_world);
	khsm_world = NULL;
	world_publish();
}

/* A connection went away: a load it started goes with it. */
void khsm_world_session_closed(u32 portid)
{
	lockdep_assert_held(&khsm_ctl_lock);
	if (khsm_world && khsm_world->state == KHSM_WORLD_LOADING &&
	    khsm_world->loading_portid == portid) {
		world_free(khsm_world);
		khsm_world = NULL;
		khsm_audit_world_changed(NULL);
	}
}

static void bump_generation(struct khsm_world *w)
{
	le32_add_cpu(&w->hdr.generation, 1);
}

/*
 * The loaded world with a new ACS, made aside (see khsm_world_create):
 * a copy with a new wfk, the binding key's slot rewrapped under it, new
 * ACS shares and the next generation.
 */
struct khsm_world *khsm_world_replace_acs(const struct khsm_opts *opts,
					  const struct khsm_card_spec *specs,
					  unsigned int n,
					  struct khsm_made *made,
					  struct netlink_ext_ack *extack)
{
	struct khsm_world *w;
	int err;

	lockdep_assert_held(&khsm_ctl_lock);
	w = kmemdup(khsm_world, sizeof(*w), GFP_KERNEL);
	if (!w)
		return ERR_PTR(-ENOMEM);
	w->opts = *opts;
	/* A new wfk: copies of the old world file stay with the old cards. */
	err = khsm_rng_bytes(w->wfk, sizeof(w->wfk));
	if (!err && w->keyslots[KHSM_KEYSLOT_BIND - 1].type)
		err = khsm_world_wrap_slot(w, KHSM_KEYSLOT_BIND,
					   w->secrets.bind_kek,
					   &w->keyslots[KHSM_KEYSLOT_BIND - 1]);
	if (!err)
		err = khsm_acs_build(w, specs, n, made, extack);
	if (!err) {
		bump_generation(w);
		err = khsm_world_serialise(w, &made->world_file);
	}
	if (err) {
		khsm_made_free(made);
		world_free(w);
		return ERR_PTR(err);
	}
	return w;
}

int khsm_world_bind(const struct khsm_bind_req *bind, struct khsm_blob *out,
		    struct netlink_ext_ack *extack)
{
	struct khsm_world *w = khsm_world;
	struct khsm_world_keyslot old_slot;
	const char *old_type = w->bind_type;
	__le32 old_generation = w->hdr.generation;
	u8 old_kek[KHSM_KEY_LEN];
	int err;

	lockdep_assert_held(&khsm_ctl_lock);
	old_slot = w->keyslots[KHSM_KEYSLOT_BIND - 1];
	memcpy(old_kek, w->secrets.bind_kek, sizeof(old_kek));
	err = world_bind(w, bind, extack);
	if (err)
		goto out;
	bump_generation(w);
	err = khsm_world_serialise(w, out);
	if (err) {
		/* No file for the new binding, so the old one stands. */
		w->keyslots[KHSM_KEYSLOT_BIND - 1] = old_slot;
		memcpy(w->secrets.bind_kek, old_kek, sizeof(old_kek));
		w->bind_type = old_type;
		w->hdr.generation = old_generation;
	}
out:
	memzero_explicit(old_kek, sizeof(old_kek));
	return err;
}

int khsm_world_set_policy(const struct khsm_opts *opts, struct khsm_blob *out)
{
	struct khsm_world *w = khsm_world;

	struct khsm_opts old = w->opts;
	__le32 old_generation = w->hdr.generation;
	int err;

	lockdep_assert_held(&khsm_ctl_lock);
	w->opts = *opts;
	bump_generation(w);
	err = khsm_world_serialise(w, out);
	if (err) {
		/* No file for it, so no policy change either. */
		w->opts = old;
		w->hdr.generation = old_generation;
		return err;
	}
	world_publish();
	return 0;
}
