// SPDX-License-Identifier: GPL-2.0
/*
 * Application keys: generating or importing key material into a key blob,
 * and opening a blob into a key object for a handle.
 *
 * A blob's secret is sealed with AES-256-GCM under a key derived from the
 * module key (module protection) or from the token's key, and the key's
 * random id; the whole header (world, type, protection, set, ACL, public
 * key, names) is the associated data, so no field can be changed without
 * the blob failing to open. With key recovery the same secret is sealed a
 * second time under a key derived from the world's recovery key.
 */
#include <crypto/aead.h>
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <linux/ctype.h>
#include <linux/hashtable.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <net/netlink.h>

#include "acs.h"
#include "audit.h"
#include "ec.h"
#include "keys.h"
#include "khsm.h"
#include "tokens.h"

static struct kmem_cache *khsm_key_cache;

/*
 * Clear and world unload revoke every loaded key at once, module keys
 * included: each key remembers the count at its load.
 */
static atomic_t khsm_key_epoch = ATOMIC_INIT(0);

void khsm_keys_revoke_all(void)
{
	atomic_inc(&khsm_key_epoch);
}

bool khsm_key_revoked(const struct khsm_key *k)
{
	return (k->token && khsm_token_gone(k->token)) ||
	       k->epoch != atomic_read(&khsm_key_epoch);
}

/* Usage counters by key id; rare (keys with a limit), so one lock. */
static DEFINE_HASHTABLE(khsm_usage_table, 6);
static DEFINE_SPINLOCK(khsm_usage_lock);

int khsm_keys_init(void)
{
	/* No usercopy window: copy_to_user from a key object oopses. */
	khsm_key_cache = kmem_cache_create("khsm_key", sizeof(struct khsm_key),
					   0, SLAB_HWCACHE_ALIGN, NULL);
	return khsm_key_cache ? 0 : -ENOMEM;
}

void khsm_keys_uninit(void)
{
	kmem_cache_destroy(khsm_key_cache);
}

struct khsm_key *khsm_key_alloc(void)
{
	struct khsm_key *k;

	k = kmem_cache_zalloc(khsm_key_cache, GFP_KERNEL);
	if (k) {
		refcount_set(&k->ref, 1);
		k->epoch = atomic_read(&khsm_key_epoch);
	}
	return k;
}

static void usage_put(struct khsm_usage *u)
{
	bool last;

	spin_lock(&khsm_usage_lock);
	last = refcount_dec_and_test(&u->ref);
	if (last)
		hash_del(&u->node);
	spin_unlock(&khsm_usage_lock);
	if (last)
		kfree(u);
}

/* Every handle of one key shares one counter while any of them is loaded. */
int khsm_usage_attach(struct khsm_key *k)
{
	struct khsm_usage *u, *fresh;
	u32 bucket;

	if (!k->acl.usage_limit)
		return 0;
	memcpy(&bucket, k->key_id, sizeof(bucket));
	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
	if (!fresh)
		return -ENOMEM;
	spin_lock(&khsm_usage_lock);
	hash_for_each_possible(khsm_usage_table, u, node, bucket) {
		if (!memcmp(u->key_id, k->key_id, KHSM_KEY_ID_LEN)) {
			refcount_inc(&u->ref);
			k->usage = u;
			break;
		}
	}
	if (!k->usage) {
		refcount_set(&fresh->ref, 1);
		memcpy(fresh->key_id, k->key_id, KHSM_KEY_ID_LEN);
		hash_add(khsm_usage_table, &fresh->node, bucket);
		k->usage = fresh;
		fresh = NULL;
	}
	spin_unlock(&khsm_usage_lock);
	kfree(fresh);
	return 0;
}

static void key_free_tfms(struct khsm_key *k)
{
	if (k->tfm.gcm)
		crypto_free_aead(k->tfm.gcm);
	if (k->tfm.mac)
		crypto_free_shash(k->tfm.mac);
	if (k->tfm.hash)
		crypto_free_shash(k->tfm.hash);
}

void khsm_key_put(struct khsm_key *k)
{
	if (!k || !refcount_dec_and_test(&k->ref))
		return;
	key_free_tfms(k);
	if (k->usage)
		usage_put(k->usage);
	if (k->token)
		khsm_token_put(k->token);
	memzero_explicit(k, sizeof(*k));
	kmem_cache_free(khsm_key_cache, k);
}

const char *khsm_mac_alg(u32 mech)
{
	switch (mech) {
	case KHSM_MECH_HMAC_SHA256:
		return "hmac(sha256)";
	case KHSM_MECH_HMAC_SHA384:
		return "hmac(sha384)";
	case KHSM_MECH_HMAC_SHA512:
		return "hmac(sha512)";
	case KHSM_MECH_AES_CMAC:
		return "cmac(aes)";
	}
	return NULL;
}

static struct crypto_shash *keyed_shash(const char *alg, const u8 *key,
					unsigned int len)
{
	struct crypto_shash *tfm;
	int err;

	tfm = crypto_alloc_shash(alg, 0, 0);
	if (IS_ERR(tfm) || !key)
		return tfm;
	err = crypto_shash_setkey(tfm, key, len);
	if (err) {
		crypto_free_shash(tfm);
		return ERR_PTR(err);
	}
	return tfm;
}

/*
 * Keys the transforms the key's ACL can use, once: an operation then only
 * builds a request on them. A key has at most one MAC mechanism keyed
 * here; an ACL naming several HMAC hashes gets the first, and the others
 * are keyed per operation (rare, and still correct).
 */
int khsm_key_setup(struct khsm_key *k)
{
	u32 mechs = k->acl.mechs;
	unsigned int m;
	int err;

	if (mechs & BIT(KHSM_MECH_AES_GCM)) {
		k->tfm.gcm = crypto_alloc_aead("gcm(aes)", 0, 0);
		if (IS_ERR(k->tfm.gcm)) {
			err = PTR_ERR(k->tfm.gcm);
			k->tfm.gcm = NULL;
			return err;
		}
		err = crypto_aead_setkey(k->tfm.gcm, k->secret, k->secret_len) ?:
		      crypto_aead_setauthsize(k->tfm.gcm, KHSM_GCM_TAG_LEN);
		if (err)
			return err;
	}
	for (m = 0; m < KHSM_MECH__COUNT; m++) {
		if (!(mechs & BIT(m)) || !khsm_mac_alg(m))
			continue;
		k->tfm.mac_mech = m;
		k->tfm.mac = keyed_shash(khsm_mac_alg(m), k->secret, k->secret_len);
		if (IS_ERR(k->tfm.mac)) {
			err = PTR_ERR(k->tfm.mac);
			k->tfm.mac = NULL;
			return err;
		}
		break;
	}
	if (mechs & (BIT(KHSM_MECH_ECDSA_P256_SHA256) |
		     BIT(KHSM_MECH_ECDSA_P384_SHA384))) {
		k->tfm.hash = keyed_shash(k->type == KHSM_KEY_EC_P384 ?
					  "sha384" : "sha256", NULL, 0);
		if (IS_ERR(k->tfm.hash)) {
			err = PTR_ERR(k->tfm.hash);
			k->tfm.hash = NULL;
			return err;
		}
	}
	return 0;
}

int khsm_key_hash(u32 type, const u8 *material, size_t len,
		  u8 out[KHSM_KEY_HASH_LEN])
{
	static const char label[] = "khsm key hash";
	u8 buf[sizeof(label) + 4 + KHSM_SECRET_MAX];
	__le32 t = cpu_to_le32(type);

	if (len > KHSM_SECRET_MAX)
		return -EINVAL;
	memcpy(buf, label, sizeof(label));
	memcpy(buf + sizeof(label), &t, sizeof(t));
	memcpy(buf + sizeof(label) + sizeof(t), material, len);
	sha256(buf, sizeof(label) + sizeof(t) + len, out);
	memzero_explicit(buf, sizeof(buf));
	return 0;
}

/* The key that seals one key's secret: base (module, token or recovery). */
static int seal_key(const u8 *base, const char *label, const u8 *key_id,
		    u8 out[KHSM_KEY_LEN])
{
	const struct khsm_kdf_part parts[] = {
		{ label, strlen(label) + 1 },
		{ key_id, KHSM_KEY_ID_LEN },
	};

	return khsm_hmac_sha256(base, KHSM_KEY_LEN, parts, ARRAY_SIZE(parts),
				out);
}

#define SEAL_LABEL	"khsm key seal"
#define RECOVERY_LABEL	"khsm key recovery"

static int seal_under(const u8 *base, const char *label,
		      const struct khsm_key_hdr *hdr, const u8 *secret,
		      u8 *out)
{
	u8 key[KHSM_KEY_LEN];
	int err;

	err = seal_key(base, label, hdr->key_id, key) ?:
	      khsm_gcm_seal(key, (const u8 *)hdr, sizeof(*hdr), secret,
			    hdr->secret_len, out);
	memzero_explicit(key, sizeof(key));
	return err;
}

/* --- making a blob --- */

struct key_material {
	u8 secret[KHSM_SECRET_MAX];
	u8 pub[KHSM_PUBKEY_MAX];
	size_t secret_len;
	size_t pub_len;
};

static int material_generate(const struct khsm_key_req *req,
			     struct key_material *m, const char **why)
{
	unsigned int ec = khsm_ec_bytes(req->type);

	if (ec) {
		m->secret_len = ec;
		m->pub_len = 1 + 2 * ec;
		return khsm_ec_generate(req->type, m->secret, m->pub);
	}
	m->secret_len = req->len ?: KHSM_KEY_LEN;
	if (!khsm_key_secret_ok(req->type, m->secret_len)) {
		*why = "AES keys have 16, 24 or 32 bytes, HMAC keys 16 to 128";
		return -EINVAL;
	}
	return khsm_rng_bytes(m->secret, m->secret_len);
}

static int material_import(const struct khsm_key_req *req,
			   struct key_material *m, const char **why)
{
	unsigned int ec = khsm_ec_bytes(req->type);
	int err;

	*why = "the key material does not fit the key type";
	if (req->secret_len && !khsm_key_secret_ok(req->type, req->secret_len))
		return -EINVAL;
	if (!req->secret_len && (!ec || !req->pub_len))
		return -EINVAL;
	if (req->pub_len && !ec)
		return -EINVAL;
	memcpy(m->secret, req->secret, req->secret_len);
	m->secret_len = req->secret_len;
	if (!ec)
		return 0;
	m->pub_len = 1 + 2 * ec;
	if (!req->secret_len) {
		*why = "the public key is not a point of the curve";
		if (req->pub_len != m->pub_len)
			return -EINVAL;
		memcpy(m->pub, req->pub, m->pub_len);
		return khsm_ec_check_public(req->type, m->pub, m->pub_len);
	}
	*why = "the private key is out of range for the curve";
	err = khsm_ec_public_from_private(req->type, m->secret, m->pub);
	if (err)
		return err;
	*why = "the public key given does not belong to the private key";
	if (req->pub_len && (req->pub_len != m->pub_len ||
			     memcmp(req->pub, m->pub, m->pub_len)))
		err = -EINVAL;
	return err;
}

static bool name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum(*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

/* What the policy and the world say about a request; under khsm_ctl_lock. */
static int key_policy_check(const struct khsm_world *w,
			    const struct khsm_key_req *req,
			    struct netlink_ext_ack *extack)
{
	if (req->protection >= KHSM_PROTECT__COUNT ||
	    !(w->opts.protections & BIT(req->protection))) {
		NL_SET_ERR_MSG_MOD(extack, "the policy does not allow this protection");
		return -EPERM;
	}
	if (req->import && (w->opts.flags & KHSM_WORLD_F_NO_IMPORT)) {
		NL_SET_ERR_MSG_MOD(extack, "the policy does not allow importing keys");
		return -EPERM;
	}
	if (le32_to_cpu(req->acl.mechs) & ~w->opts.mechanisms) {
		NL_SET_ERR_MSG_MOD(extack, "the policy does not allow a mechanism of the ACL");
		return -EPERM;
	}
	if (!name_ok(req->app) || !name_ok(req->ident)) {
		NL_SET_ERR_MSG_MOD(extack, "application and key names take letters, digits, '-' and '_'");
		return -EINVAL;
	}
	return 0;
}

static u8 protection_set_type(u8 protection)
{
	return protection == KHSM_PROTECT_OCS ? KHSM_SET_OCS : KHSM_SET_SOFTCARD;
}

static int key_token(const struct khsm_key_req *req, struct khsm_token **t,
		     struct netlink_ext_ack *extack)
{
	int err;

	*t = NULL;
	if (req->protection == KHSM_PROTECT_MODULE)
		return 0;
	if (!req->token_id) {
		NL_SET_ERR_MSG_MOD(extack, "a softcard or OCS key needs the id of its loaded token");
		return -EINVAL;
	}
	err = khsm_token_get_for_key(req->token_id, NULL,
				     protection_set_type(req->protection),
				     req->opener, t);
	if (err == -ENOKEY) {
		NL_SET_ERR_MSG_MOD(extack, "no such token is loaded");
	} else if (err == -EBADMSG) {
		NL_SET_ERR_MSG_MOD(extack, "the token is not of the kind the protection names");
		err = -EINVAL;
	} else if (err == -EACCES) {
		NL_SET_ERR_MSG_MOD(extack, "the token is not the caller's to use");
	}
	return err;
}

/* Recovery: on by default where the world and the set allow it. */
static int key_recovery(const struct khsm_world *w, const struct khsm_key_req *req,
			const struct khsm_token *t, bool *on,
			struct netlink_ext_ack *extack)
{
	bool allowed = w->opts.quorum[KHSM_TOKEN_KEY_RECOVERY] &&
		       (!t || (t->flags & KHSM_SETF_RECOVERY));

	*on = req->recovery < 0 ? allowed : req->recovery;
	if (*on && !allowed) {
		NL_SET_ERR_MSG_MOD(extack, "key recovery is off for the world or the card set");
		return -EINVAL;
	}
	return 0;
}

static void hdr_fill(struct khsm_key_hdr *h, const struct khsm_world *w,
		     const struct khsm_key_req *req,
		     const struct khsm_token *t, const struct key_material *m,
		     bool recovery)
{
	memcpy(h->magic, KHSM_KEY_MAGIC, sizeof(h->magic));
	h->version = cpu_to_le16(KHSM_KEY_VERSION);
	h->hdr_len = cpu_to_le16(sizeof(*h));
	h->type = cpu_to_le32(req->type);
	h->protection = req->protection;
	h->flags = recovery ? KHSM_KEY_F_RECOVERY : 0;
	h->secret_len = m->secret_len;
	h->pub_len = m->pub_len;
	memcpy(h->world_id, w->hdr.world_id, KHSM_WORLD_ID_LEN);
	if (t)
		memcpy(h->set_id, t->set_id, KHSM_SET_ID_LEN);
	h->created = cpu_to_le64(ktime_get_real_seconds());
	h->acl = req->acl;
	memcpy(h->pubkey, m->pub, m->pub_len);
	strscpy(h->app, req->app, sizeof(h->app));
	strscpy(h->ident, req->ident, sizeof(h->ident));
	h->body_len = cpu_to_le32(m->secret_len + KHSM_GCM_OVERHEAD);
	h->rec_len = recovery ? h->body_len : 0;
}

static int blob_seal(const struct khsm_world *w, const struct khsm_token *t,
		     const struct khsm_key_hdr *h, const struct key_material *m,
		     struct khsm_blob *blob)
{
	size_t body = le32_to_cpu(h->body_len);
	u8 *p;
	int err;

	blob->len = sizeof(*h) + body + le32_to_cpu(h->rec_len);
	blob->data = kzalloc(blob->len, GFP_KERNEL);
	if (!blob->data)
		return -ENOMEM;
	p = blob->data;
	memcpy(p, h, sizeof(*h));
	err = seal_under(t ? t->key : w->secrets.module_key, SEAL_LABEL, h,
			 m->secret, p + sizeof(*h));
	if (!err && h->rec_len)
		err = seal_under(w->secrets.recovery_key, RECOVERY_LABEL, h,
				 m->secret, p + sizeof(*h) + body);
	if (err) {
		kfree(blob->data);
		blob->data = NULL;
	}
	return err;
}

static int key_make(const struct khsm_world *w, const struct khsm_key_req *req,
		    const struct khsm_token *t, bool recovery,
		    struct key_material *m, struct khsm_key_hdr *h,
		    struct netlink_ext_ack *extack)
{
	struct khsm_kacl acl;
	const char *why = NULL;
	int err;

	err = req->import ? material_import(req, m, &why) :
			    material_generate(req, m, &why);
	if (!err)
		err = khsm_acl_import(&req->acl, req->type, m->secret_len, &acl,
				      &why);
	if (err) {
		if (why)
			khsm_set_errmsg(extack, why);
		return err;
	}
	hdr_fill(h, w, req, t, m, recovery);
	err = khsm_rng_bytes(h->key_id, KHSM_KEY_ID_LEN);
	if (!err)
		err = m->secret_len && !m->pub_len ?
		      khsm_key_hash(req->type, m->secret, m->secret_len, h->key_hash) :
		      khsm_key_hash(req->type, m->pub, m->pub_len, h->key_hash);
	return err;
}

/* What making a blob works on: the secret (wiped) and the new header. */
struct key_scratch {
	struct key_material m;
	struct khsm_key_hdr h;
};

/* The operational world, under khsm_ctl_lock; ERR_PTR(-ENOKEY) if none. */
static struct khsm_world *world_for_keys(struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&khsm_ctl_lock);
	if (khsm_world_state_locked() != KHSM_WORLD_OPERATIONAL) {
		NL_SET_ERR_MSG_MOD(extack, "no world is loaded");
		return ERR_PTR(-ENOKEY);
	}
	return khsm_world_get_locked();
}

int khsm_key_create(const struct khsm_key_req *req, struct khsm_blob *blob,
		    u8 key_hash[KHSM_KEY_HASH_LEN],
		    struct netlink_ext_ack *extack)
{
	struct khsm_token *t = NULL;
	struct key_material *m;
	struct key_scratch *s;
	struct khsm_key_hdr *h;
	struct khsm_world *w;
	bool recovery;
	int err;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	m = &s->m;
	h = &s->h;
	mutex_lock(&khsm_ctl_lock);
	w = world_for_keys(extack);
	err = PTR_ERR_OR_ZERO(w);
	if (err)
		goto out_unlock;
	err = key_policy_check(w, req, extack) ?:
	      key_token(req, &t, extack) ?:
	      key_recovery(w, req, t, &recovery, extack) ?:
	      key_make(w, req, t, recovery, m, h, extack) ?:
	      blob_seal(w, t, h, m, blob);
	if (!err)
		memcpy(key_hash, h->key_hash, KHSM_KEY_HASH_LEN);
out_unlock:
	khsm_audit_key_create(req, h, err, extack);
	mutex_unlock(&khsm_ctl_lock);
	if (t)
		khsm_token_put(t);
	kfree_sensitive(s);
	return err;
}

/* --- opening a blob --- */

static int hdr_check(const struct khsm_key_hdr *h, size_t len,
		     const struct khsm_world *w)
{
	size_t body, rec;
	unsigned int ec;
	u32 type;

	/* Nothing of the header is read before its length is known good. */
	if (len < sizeof(*h) || memcmp(h->magic, KHSM_KEY_MAGIC, sizeof(h->magic)))
		return -EBADMSG;
	type = le32_to_cpu(h->type);
	body = le32_to_cpu(h->body_len);
	rec = le32_to_cpu(h->rec_len);
	ec = khsm_ec_bytes(type);
	if (le16_to_cpu(h->version) != KHSM_KEY_VERSION)
		return -EPROTONOSUPPORT;
	if (le16_to_cpu(h->hdr_len) != sizeof(*h) ||
	    h->protection >= KHSM_PROTECT__COUNT ||
	    (h->flags & ~KHSM_KEY_F_RECOVERY) ||
	    (h->secret_len && !khsm_key_secret_ok(type, h->secret_len)) ||
	    (!h->secret_len && !ec) ||
	    h->pub_len != (ec ? 1 + 2 * ec : 0) ||
	    body != h->secret_len + KHSM_GCM_OVERHEAD ||
	    rec != ((h->flags & KHSM_KEY_F_RECOVERY) ? body : 0) ||
	    len != sizeof(*h) + body + rec)
		return -EBADMSG;
	if (memcmp(h->world_id, w->hdr.world_id, KHSM_WORLD_ID_LEN))
		return -EXDEV;
	return 0;
}

static int open_under(const u8 *base, const char *label, const u8 *blob,
		      size_t off, u8 *out)
{
	const struct khsm_key_hdr *h = (const void *)blob;
	u8 key[KHSM_KEY_LEN];
	int err;

	err = seal_key(base, label, h->key_id, key) ?:
	      khsm_gcm_open(key, blob, sizeof(*h), blob + off,
			    le32_to_cpu(h->body_len), out);
	memzero_explicit(key, sizeof(key));
	return err;
}

/*
 * The recovery copy is opened too, though only recovery needs it: a blob
 * whose recovery copy was damaged must be noticed now, not on the day it
 * is needed.
 */
static int blob_unseal(const struct khsm_world *w, const struct khsm_token *t,
		       const u8 *blob, struct khsm_key *k)
{
	const struct khsm_key_hdr *h = (const void *)blob;
	size_t body = le32_to_cpu(h->body_len);
	u8 copy[KHSM_SECRET_MAX];
	int err;

	err = open_under(t ? t->key : w->secrets.module_key, SEAL_LABEL, blob,
			 sizeof(*h), k->secret);
	if (err || !h->rec_len)
		return err;
	err = open_under(w->secrets.recovery_key, RECOVERY_LABEL, blob,
			 sizeof(*h) + body, copy);
	if (!err && crypto_memneq(copy, k->secret, h->secret_len))
		err = -EBADMSG;
	memzero_explicit(copy, sizeof(copy));
	return err;
}

static int key_fill(struct khsm_key *k, const struct khsm_key_hdr *h)
{
	const char *why;

	k->type = le32_to_cpu(h->type);
	k->secret_len = h->secret_len;
	k->pub_len = h->pub_len;
	memcpy(k->pub, h->pubkey, h->pub_len);
	memcpy(k->key_id, h->key_id, KHSM_KEY_ID_LEN);
	memcpy(k->key_hash, h->key_hash, KHSM_KEY_HASH_LEN);
	/* Authenticated, but a blob of a later, laxer module is refused. */
	return khsm_acl_import(&h->acl, k->type, h->secret_len, &k->acl, &why) ?
	       -EBADMSG : 0;
}

/* Under khsm_ctl_lock: the world's and the token's part of a load. */
static int key_open_locked(const u8 *blob, size_t len, u64 token_id,
			   struct khsm_key *k)
{
	const struct khsm_key_hdr *h = (const void *)blob;
	struct khsm_world *w = khsm_world_get_locked();
	int err;

	if (khsm_world_state_locked() != KHSM_WORLD_OPERATIONAL)
		return -ENOKEY;
	/* Under the lock clear takes: a key opened now is of this epoch. */
	k->epoch = atomic_read(&khsm_key_epoch);
	err = hdr_check(h, len, w);
	if (err)
		return err;
	if (h->protection != KHSM_PROTECT_MODULE) {
		err = khsm_token_get_for_key(token_id, h->set_id,
					     protection_set_type(h->protection),
					     NULL, &k->token);
		if (err)
			return err;
		if (khsm_token_gone(k->token))
			return -EKEYREVOKED;
	} else if (memchr_inv(h->set_id, 0, KHSM_SET_ID_LEN)) {
		return -EBADMSG;
	}
	return blob_unseal(w, k->token, blob, k) ?: key_fill(k, h);
}

int khsm_key_open(const u8 *blob, size_t len, u64 token_id,
		  struct khsm_key **out)
{
	struct khsm_key *k;
	int err;

	k = khsm_key_alloc();
	if (!k)
		return -ENOMEM;
	mutex_lock(&khsm_ctl_lock);
	err = key_open_locked(blob, len, token_id, k);
	mutex_unlock(&khsm_ctl_lock);
	if (!err)
		err = khsm_usage_attach(k) ?: khsm_key_setup(k);
	if (err) {
		khsm_key_put(k);
		return err;
	}
	*out = k;
	return 0;
}

/* --- recovery to a replacement set --- */

static int recover_locked(struct khsm_world *w, const u8 *blob, size_t len,
			  struct khsm_token *t, struct key_material *m,
			  struct khsm_key_hdr *h, struct netlink_ext_ack *extack)
{
	const struct khsm_key_hdr *old = (const void *)blob;
	size_t body;
	int err;

	err = hdr_check(old, len, w);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "not a key blob of this world");
		return err;
	}
	if (!old->rec_len) {
		NL_SET_ERR_MSG_MOD(extack, "this key was made with key recovery off");
		return -EPERM;
	}
	body = le32_to_cpu(old->body_len);
	err = open_under(w->secrets.recovery_key, RECOVERY_LABEL, blob,
			 sizeof(*old) + body, m->secret);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "the blob's recovery copy does not open");
		return err;
	}
	m->secret_len = old->secret_len;
	memcpy(h, old, sizeof(*h));
	h->protection = t->type == KHSM_SET_OCS ? KHSM_PROTECT_OCS :
						  KHSM_PROTECT_SOFTCARD;
	memcpy(h->set_id, t->set_id, KHSM_SET_ID_LEN);
	if (!(t->flags & KHSM_SETF_RECOVERY)) {
		h->flags &= ~KHSM_KEY_F_RECOVERY;
		h->rec_len = 0;
	}
	return 0;
}

int khsm_key_recover(const u8 *blob, size_t len, u64 token_id,
		     const struct cred *opener, struct khsm_blob *out,
		     u8 key_hash[KHSM_KEY_HASH_LEN],
		     struct netlink_ext_ack *extack)
{
	struct khsm_token *t = NULL;
	struct key_material *m;
	struct key_scratch *s;
	struct khsm_key_hdr *h;
	struct khsm_world *w;
	int err;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	m = &s->m;
	h = &s->h;
	mutex_lock(&khsm_ctl_lock);
	w = world_for_keys(extack);
	err = PTR_ERR_OR_ZERO(w);
	if (err)
		goto out_unlock;
	err = khsm_acs_require(w, KHSM_TOKEN_KEY_RECOVERY, extack);
	if (err)
		goto out_unlock;
	err = khsm_token_get_for_key(token_id, NULL, 0, opener, &t);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "the replacement token is not loaded, or not the caller's");
		goto out_unlock;
	}
	err = recover_locked(w, blob, len, t, m, h, extack) ?:
	      blob_seal(w, t, h, m, out);
	if (!err)
		memcpy(key_hash, h->key_hash, KHSM_KEY_HASH_LEN);
out_unlock:
	khsm_audit_key_recover(blob, len, h, err, extack);
	mutex_unlock(&khsm_ctl_lock);
	if (t)
		khsm_token_put(t);
	kfree_sensitive(s);
	return err;
}
