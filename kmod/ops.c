// SPDX-License-Identifier: GPL-2.0
/*
 * KHSM_IOC_OP: one operation with a key handle. Every length is checked
 * against KHSM_DATA_MAX before anything is allocated; user data is copied
 * into a kernel buffer of exactly its size (kvmalloc, so a large input
 * never needs a high-order page) and the result copied out only on
 * success. Secrets and plaintexts are wiped before their buffers go.
 */
#include <crypto/aead.h>
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "audit.h"
#include "ec.h"
#include "keys.h"
#include "tokens.h"
#include "wrap.h"

#define MAC_MIN_LEN	8	/* shortest MAC MAC_VERIFY compares */

/* A kernel copy of a user buffer; kvfree_sensitive() releases it. */
static void *copy_in(u64 uptr, u32 len, u32 extra)
{
	void *buf;

	buf = kvmalloc(len + extra ?: 1, GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(buf, u64_to_user_ptr(uptr), len)) {
		kvfree(buf);
		return ERR_PTR(-EFAULT);
	}
	return buf;
}

static int copy_out(u64 uptr, const void *buf, u32 len)
{
	return copy_to_user(u64_to_user_ptr(uptr), buf, len) ? -EFAULT : 0;
}

/* Room for @need bytes, or EMSGSIZE telling the caller how many. */
static int out_room(struct khsm_ioc_op *op, u32 need)
{
	if (op->out_len < need) {
		op->out_len = need;
		return -EMSGSIZE;
	}
	op->out_len = need;
	return 0;
}

/* --- AES-GCM --- */

/* A scatterlist over a kvmalloc'd buffer, page by page if vmapped. */
static int sg_over(struct sg_table *t, struct scatterlist *one, u8 *buf,
		   size_t len, struct scatterlist **sgl)
{
	struct scatterlist *sg;
	unsigned int n, i;
	size_t chunk;
	int err;

	if (!is_vmalloc_addr(buf)) {
		sg_init_one(one, buf, len);
		*sgl = one;
		return 0;
	}
	n = DIV_ROUND_UP(offset_in_page(buf) + len, PAGE_SIZE);
	err = sg_alloc_table(t, n, GFP_KERNEL);
	if (err)
		return err;
	for_each_sg(t->sgl, sg, n, i) {
		chunk = min_t(size_t, len, PAGE_SIZE - offset_in_page(buf));
		sg_set_page(sg, vmalloc_to_page(buf), chunk, offset_in_page(buf));
		buf += chunk;
		len -= chunk;
	}
	*sgl = t->sgl;
	return 0;
}

static int gcm_run(struct khsm_key *k, u8 *buf, u32 aad_len, u32 in_len,
		   u8 *iv, bool enc)
{
	size_t total = aad_len + in_len + (enc ? KHSM_GCM_TAG_LEN : 0);
	struct sg_table table = {};
	struct scatterlist one, *sgl;
	DECLARE_CRYPTO_WAIT(wait);
	struct aead_request *req;
	int err;

	req = aead_request_alloc(k->tfm.gcm, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	err = sg_over(&table, &one, buf, total, &sgl);
	if (err)
		goto out;
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP |
				  CRYPTO_TFM_REQ_MAY_BACKLOG,
				  crypto_req_done, &wait);
	aead_request_set_ad(req, aad_len);
	aead_request_set_crypt(req, sgl, sgl, in_len, iv);
	err = crypto_wait_req(enc ? crypto_aead_encrypt(req) :
				    crypto_aead_decrypt(req), &wait);
	sg_free_table(&table);
out:
	aead_request_free(req);
	return err;
}

static int op_gcm(struct khsm_key *k, struct khsm_ioc_op *op, bool enc)
{
	u32 out_len = enc ? op->in_len + KHSM_GCM_TAG_LEN :
			    op->in_len - KHSM_GCM_TAG_LEN;
	u8 iv[KHSM_GCM_NONCE_LEN];
	u8 *buf;
	int err;

	err = out_room(op, out_len);
	if (err)
		return err;
	if (!enc || (op->flags & KHSM_OP_F_CALLER_IV)) {
		if (copy_from_user(iv, u64_to_user_ptr(op->iv_uptr), sizeof(iv)))
			return -EFAULT;
	} else {
		/*
		 * A random 96-bit IV from the kernel's CRNG: per-CPU and
		 * lockless, where the DRBG would serialise every encryption
		 * behind its mutexes. NIST SP 800-38D 8.3 limits a key to
		 * 2^32 encryptions with random IVs: documented. The _wait
		 * form refuses to run before the CRNG is seeded (once it is,
		 * the wait is a static branch).
		 */
		err = get_random_bytes_wait(iv, sizeof(iv));
		if (err)
			return err;
	}
	buf = copy_in(op->aad_uptr, op->aad_len, op->in_len +
		      (enc ? KHSM_GCM_TAG_LEN : 0));
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	err = -EFAULT;
	if (copy_from_user(buf + op->aad_len, u64_to_user_ptr(op->in_uptr),
			   op->in_len))
		goto out;
	err = gcm_run(k, buf, op->aad_len, op->in_len, iv, enc);
	if (!err && enc && !(op->flags & KHSM_OP_F_CALLER_IV))
		err = copy_out(op->iv_uptr, iv, sizeof(iv));
	if (!err)
		err = copy_out(op->out_uptr, buf + op->aad_len, out_len);
out:
	kvfree_sensitive(buf, op->aad_len + op->in_len +
			 (enc ? KHSM_GCM_TAG_LEN : 0));
	return err;
}

static int gcm_check(const struct khsm_key *k, const struct khsm_ioc_op *op)
{
	if (op->iv_len != KHSM_GCM_NONCE_LEN || op->aux_len)
		return -EINVAL;
	if (op->op == KHSM_OP_DECRYPT) {
		if (op->flags & KHSM_OP_F_CALLER_IV)
			return -EINVAL;
		return op->in_len < KHSM_GCM_TAG_LEN ? -EINVAL : 0;
	}
	if ((op->flags & KHSM_OP_F_CALLER_IV) &&
	    !(k->acl.flags & KHSM_ACL_F_CALLER_IV))
		return -EPERM;
	return 0;
}

/* --- hashing and MACs --- */

static struct crypto_shash *mac_tfm(struct khsm_key *k, u32 mech)
{
	struct crypto_shash *tfm;
	int err;

	if (k->tfm.mac && k->tfm.mac_mech == mech)
		return k->tfm.mac;
	tfm = crypto_alloc_shash(khsm_mac_alg(mech), 0, 0);
	if (IS_ERR(tfm))
		return tfm;
	err = crypto_shash_setkey(tfm, k->secret, k->secret_len);
	if (err) {
		crypto_free_shash(tfm);
		return ERR_PTR(err);
	}
	return tfm;
}

/* Inputs up to this size are hashed from the stack: no allocation. */
#define SMALL_INPUT	256

static int digest_user(struct crypto_shash *tfm, u64 uptr, u32 len, u8 *out)
{
	u8 small[SMALL_INPUT];
	u8 *buf;
	int err;

	if (len <= sizeof(small)) {
		if (copy_from_user(small, u64_to_user_ptr(uptr), len))
			return -EFAULT;
		err = crypto_shash_tfm_digest(tfm, small, len, out);
		memzero_explicit(small, len);
		return err;
	}
	buf = copy_in(uptr, len, 0);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	err = crypto_shash_tfm_digest(tfm, buf, len, out);
	kvfree_sensitive(buf, len);
	return err;
}

static int op_mac(struct khsm_key *k, struct khsm_ioc_op *op)
{
	struct crypto_shash *tfm;
	u8 mac[HASH_MAX_DIGESTSIZE], given[HASH_MAX_DIGESTSIZE];
	unsigned int ds;
	int err;

	tfm = mac_tfm(k, op->mech);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	ds = crypto_shash_digestsize(tfm);
	if (op->op == KHSM_OP_MAC_GENERATE) {
		err = out_room(op, ds);
	} else {
		op->out_len = 0;
		err = op->aux_len < MAC_MIN_LEN || op->aux_len > ds ? -EINVAL :
		      copy_from_user(given, u64_to_user_ptr(op->aux_uptr),
				     op->aux_len) ? -EFAULT : 0;
	}
	if (!err)
		err = digest_user(tfm, op->in_uptr, op->in_len, mac);
	if (!err && op->op == KHSM_OP_MAC_GENERATE)
		err = copy_out(op->out_uptr, mac, ds);
	else if (!err && crypto_memneq(mac, given, op->aux_len))
		err = -EBADMSG;
	if (tfm != k->tfm.mac)
		crypto_free_shash(tfm);
	memzero_explicit(mac, sizeof(mac));
	return err;
}

/* --- ECDSA --- */

static int ecdsa_digest(struct khsm_key *k, const struct khsm_ioc_op *op,
			u8 *digest, unsigned int *len)
{
	*len = crypto_shash_digestsize(k->tfm.hash);
	if (!(op->flags & KHSM_OP_F_PREHASHED))
		return digest_user(k->tfm.hash, op->in_uptr, op->in_len, digest);
	if (op->in_len != *len)
		return -EINVAL;
	return copy_from_user(digest, u64_to_user_ptr(op->in_uptr), *len) ?
	       -EFAULT : 0;
}

/* The longest DER signature of the curve: r and s each with a sign byte. */
static u32 ecdsa_sig_max(u32 type)
{
	return 2 + 2 * (2 + khsm_ec_bytes(type) + 1);
}

static int op_sign(struct khsm_key *k, struct khsm_ioc_op *op)
{
	u8 digest[HASH_MAX_DIGESTSIZE], sig[KHSM_ECDSA_SIG_MAX];
	unsigned int dlen;
	size_t sig_len;
	int err;

	/*
	 * Each signature has its own DER length: ask for room for the
	 * longest, so a caller sized by EMSGSIZE never fails again.
	 */
	if (op->out_len < ecdsa_sig_max(k->type)) {
		op->out_len = ecdsa_sig_max(k->type);
		return -EMSGSIZE;
	}
	err = ecdsa_digest(k, op, digest, &dlen) ?:
	      khsm_ecdsa_sign(k->type, k->secret, digest, dlen, sig, &sig_len) ?:
	      out_room(op, sig_len) ?:
	      copy_out(op->out_uptr, sig, sig_len);
	memzero_explicit(digest, sizeof(digest));
	return err;
}

static int op_verify(struct khsm_key *k, struct khsm_ioc_op *op)
{
	u8 digest[HASH_MAX_DIGESTSIZE], sig[2 * KHSM_ECDSA_SIG_MAX];
	unsigned int dlen;
	int err;

	op->out_len = 0;
	/* Longer than any DER signature of the curve: it cannot verify. */
	if (op->aux_len > sizeof(sig))
		return -EBADMSG;
	if (copy_from_user(sig, u64_to_user_ptr(op->aux_uptr), op->aux_len))
		return -EFAULT;
	err = ecdsa_digest(k, op, digest, &dlen);
	if (!err)
		err = khsm_ecdsa_verify(k->type, k->pub, digest, dlen, sig,
					op->aux_len);
	return err;
}

/* --- new keys: unwrap and derive --- */

static int new_key_acl(struct khsm_key *nk, const struct khsm_ioc_op *op)
{
	struct khsm_acl acl;
	const char *why;
	u32 allowed;
	int err;

	if (copy_from_user(&acl, u64_to_user_ptr(op->acl_uptr), sizeof(acl)))
		return -EFAULT;
	err = khsm_acl_import(&acl, nk->type, true, &nk->acl, &why);
	if (err)
		return err;
	mutex_lock(&khsm_ctl_lock);
	allowed = khsm_world_state_locked() == KHSM_WORLD_OPERATIONAL ?
		  khsm_world_get_locked()->opts.mechanisms : 0;
	mutex_unlock(&khsm_ctl_lock);
	return nk->acl.mechs & ~allowed ? -EPERM : 0;
}

/*
 * Finishes a key made inside an operation: it lives only behind its
 * handle, under the parent's token (so it goes when the token goes).
 */
static int new_key_finish(struct khsm_file *f, struct khsm_key *parent,
			  struct khsm_key *nk, struct khsm_ioc_op *op)
{
	int err;

	nk->type = op->new_type;
	nk->epoch = parent->epoch;
	if (khsm_ec_bytes(nk->type)) {
		nk->pub_len = 1 + 2 * khsm_ec_bytes(nk->type);
		err = khsm_ec_public_from_private(nk->type, nk->secret, nk->pub);
		if (err)
			return err;
	}
	if (parent->token) {
		kref_get(&parent->token->ref);
		nk->token = parent->token;
	}
	err = new_key_acl(nk, op) ?:
	      khsm_rng_bytes(nk->key_id, KHSM_KEY_ID_LEN) ?:
	      khsm_key_hash(nk->type, nk->pub_len ? nk->pub : nk->secret,
			    nk->pub_len ?: nk->secret_len, nk->key_hash) ?:
	      khsm_usage_attach(nk) ?:
	      khsm_key_setup(nk);
	if (!err) {
		refcount_inc(&nk->ref);
		err = khsm_handle_add(f, nk);
		if (err)
			refcount_dec(&nk->ref);
	}
	if (!err)
		op->out_handle = nk->handle;
	return err;
}

static int op_unwrap(struct khsm_file *f, struct khsm_key *k,
		     struct khsm_ioc_op *op)
{
	struct khsm_key *nk;
	size_t len;
	u8 *in;
	int err;

	op->out_len = 0;
	if (op->in_len > KHSM_SECRET_MAX + 16)
		return -EINVAL;
	nk = khsm_key_alloc();
	if (!nk)
		return -ENOMEM;
	in = copy_in(op->in_uptr, op->in_len, 0);
	err = PTR_ERR_OR_ZERO(in);
	if (err)
		goto out;
	err = khsm_aes_unwrap(k->secret, k->secret_len,
			      op->mech == KHSM_MECH_AES_KWP, in, op->in_len,
			      nk->secret, &len);
	kvfree(in);
	if (!err && !khsm_key_secret_ok(op->new_type, len))
		err = -EINVAL;
	if (err)
		goto out;
	nk->secret_len = len;
	err = new_key_finish(f, k, nk, op);
out:
	khsm_key_put(nk);
	return err;
}

static int op_derive(struct khsm_file *f, struct khsm_key *k,
		     struct khsm_ioc_op *op)
{
	u8 peer[KHSM_EC_PUB_MAX], secret[KHSM_EC_MAX_BYTES];
	struct khsm_key *nk;
	int err;

	op->out_len = 0;
	if (op->in_len > sizeof(peer) ||
	    (op->new_type != KHSM_KEY_AES && op->new_type != KHSM_KEY_HMAC) ||
	    op->new_len > khsm_ec_bytes(k->type) ||
	    !khsm_key_secret_ok(op->new_type, op->new_len))
		return -EINVAL;
	if (copy_from_user(peer, u64_to_user_ptr(op->in_uptr), op->in_len))
		return -EFAULT;
	nk = khsm_key_alloc();
	if (!nk)
		return -ENOMEM;
	err = khsm_ecdh(k->type, k->secret, peer, op->in_len, secret);
	if (!err) {
		memcpy(nk->secret, secret, op->new_len);
		nk->secret_len = op->new_len;
		err = new_key_finish(f, k, nk, op);
	}
	memzero_explicit(secret, sizeof(secret));
	khsm_key_put(nk);
	return err;
}

/* --- wrap --- */

static int wrap_target(struct khsm_key *k, struct khsm_key *t)
{
	if (khsm_key_revoked(t))
		return -EKEYREVOKED;
	if (!t->secret_len)
		return -EINVAL;
	if (!(t->acl.flags & KHSM_ACL_F_WRAPPABLE))
		return -EPERM;
	if (memchr_inv(k->acl.wrap_key_hash, 0, KHSM_KEY_HASH_LEN) &&
	    crypto_memneq(k->acl.wrap_key_hash, t->key_hash, KHSM_KEY_HASH_LEN))
		return -EPERM;
	return 0;
}

static int op_wrap(struct khsm_file *f, struct khsm_key *k,
		   struct khsm_ioc_op *op)
{
	bool pad = op->mech == KHSM_MECH_AES_KWP;
	struct khsm_key *t;
	size_t len, need;
	u8 *out = NULL;
	int err;

	t = khsm_handle_get(f, op->key2);
	if (!t)
		return -ENOENT;
	err = wrap_target(k, t);
	need = err ? 0 : khsm_aes_wrap_len(pad, t->secret_len);
	if (!err && !need)
		err = -EINVAL;
	if (!err)
		err = out_room(op, need);
	/* Linear memory: the wrap runs on scatterlists. */
	if (!err) {
		out = kmalloc(need, GFP_KERNEL);
		err = out ? 0 : -ENOMEM;
	}
	if (!err)
		err = khsm_aes_wrap(k->secret, k->secret_len, pad, t->secret,
				    t->secret_len, out, &len) ?:
		      copy_out(op->out_uptr, out, len);
	kfree(out);
	khsm_key_put(t);
	return err;
}

/* --- dispatch --- */

static int op_check(const struct khsm_key *k, const struct khsm_ioc_op *op)
{
	if (op->op == KHSM_OP_ENCRYPT || op->op == KHSM_OP_DECRYPT)
		return gcm_check(k, op);
	if (op->iv_len || op->aad_len)
		return -EINVAL;
	if ((op->flags & KHSM_OP_F_PREHASHED) &&
	    op->op != KHSM_OP_SIGN && op->op != KHSM_OP_VERIFY)
		return -EINVAL;
	if (op->flags & KHSM_OP_F_CALLER_IV)
		return -EINVAL;
	return 0;
}

static int op_run(struct khsm_file *f, struct khsm_key *k,
		  struct khsm_ioc_op *op)
{
	switch (op->op) {
	case KHSM_OP_ENCRYPT:
		return op_gcm(k, op, true);
	case KHSM_OP_DECRYPT:
		return op_gcm(k, op, false);
	case KHSM_OP_SIGN:
		return op_sign(k, op);
	case KHSM_OP_VERIFY:
		return op_verify(k, op);
	case KHSM_OP_MAC_GENERATE:
	case KHSM_OP_MAC_VERIFY:
		return op_mac(k, op);
	case KHSM_OP_WRAP:
		return op_wrap(f, k, op);
	case KHSM_OP_UNWRAP:
		return op_unwrap(f, k, op);
	case KHSM_OP_DERIVE:
		return op_derive(f, k, op);
	}
	return -EINVAL;
}

/*
 * Runs one operation; its outcome also goes to @op->out_status, which the
 * caller copies back with the rest of the struct.
 */
int khsm_ioc_key_op(struct khsm_file *f, struct khsm_ioc_op *op)
{
	struct khsm_key *k;
	int err;

	op->out_handle = 0;
	if ((op->flags & ~KHSM_OP_F__ALL) || op->op >= KHSM_OP__COUNT ||
	    op->mech >= KHSM_MECH__COUNT) {
		err = -EINVAL;
		goto out;
	}
	if (op->in_len > KHSM_DATA_MAX || op->aad_len > KHSM_DATA_MAX) {
		err = -EMSGSIZE;
		goto out;
	}
	k = khsm_handle_get(f, op->handle);
	if (!k) {
		err = -ENOENT;
		khsm_audit_key_op(NULL, op->op, op->mech, err);
		goto out;
	}
	err = khsm_acl_check(k, op->op, op->mech) ?:
	      op_check(k, op) ?:
	      khsm_acl_count_use(k);
	if (!err) {
		err = op_run(f, k, op);
		/* Asking how big the output is did no crypto: no use spent. */
		if (err == -EMSGSIZE)
			khsm_acl_refund_use(k);
	}
	khsm_audit_key_op(k, op->op, op->mech, err);
	khsm_key_put(k);
out:
	op->out_status = err;
	return err;
}
