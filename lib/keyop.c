// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The data channel: key handles and operations through the /dev/khsm
 * ioctls. This is a service's hot path: each call fills one ioctl struct
 * on the stack, makes one ioctl and reads its outputs back; nothing is
 * allocated, copied or logged. The caller's buffers go to the module as
 * they are (batches included).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "internal.h"

/* A length the ABI's u32 fields can carry. */
static bool fits(size_t n)
{
	return n <= UINT32_MAX;
}

/* Room for an output: what the caller has, as far as a u32 says it. */
static uint32_t room(size_t n)
{
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/*
 * The one ioctl of a call. The device sends no text: an extack message
 * of an earlier control request must not pass for this failure's.
 */
static int ioc(struct khsm *h, unsigned long cmd, void *arg)
{
	if (!h)
		return -EINVAL;
	khsm_extack_clear(&h->ext);
	if (h->fd < 0)
		return -ENOTCONN;
	return ioctl(h->fd, cmd, arg) < 0 ? -errno : 0;
}

KHSM_API int khsm_key_load(struct khsm *h, const void *blob, size_t len,
			   uint64_t token_id, uint64_t *key)
{
	struct khsm_ioc_load ld = {
		.size = sizeof(ld),
		.blob_len = (uint32_t)len,
		.blob_uptr = KHSM_UPTR(blob),
		.token_id = token_id,
	};
	int ret;

	if (!blob || !key || !fits(len))
		return -EINVAL;
	ret = ioc(h, KHSM_IOC_LOAD, &ld);
	if (!ret)
		*key = ld.out_handle;
	return ret;
}

KHSM_API int khsm_key_destroy(struct khsm *h, uint64_t key)
{
	struct khsm_ioc_destroy d = { .size = sizeof(d), .handle = key };

	return ioc(h, KHSM_IOC_DESTROY, &d);
}

KHSM_API void khsm_op_init(struct khsm_ioc_op *op, uint64_t key,
			   uint32_t opcode, uint32_t mech)
{
	memset(op, 0, sizeof(*op));
	op->size = sizeof(*op);
	op->handle = key;
	op->op = opcode;
	op->mech = mech;
}

KHSM_API int khsm_op(struct khsm *h, struct khsm_ioc_op *op)
{
	if (!op)
		return -EINVAL;
	return ioc(h, KHSM_IOC_OP, op);
}

/* Run @op; the bytes it produced (or, on -EMSGSIZE, needs) to @out_len. */
static int run(struct khsm *h, struct khsm_ioc_op *op, size_t *out_len)
{
	int ret = ioc(h, KHSM_IOC_OP, op);

	if (out_len && (!ret || ret == -EMSGSIZE))
		*out_len = op->out_len;
	return ret;
}

/* The input and output every operation but WRAP, PUBKEY has. */
static int set_io(struct khsm_ioc_op *op, const void *in, size_t in_len,
		  void *out, const size_t *out_len)
{
	if (!fits(in_len) || (in_len && !in) || (out_len && !out))
		return -EINVAL;
	op->in_len = (uint32_t)in_len;
	op->in_uptr = KHSM_UPTR(in);
	if (out_len) {
		op->out_len = room(*out_len);
		op->out_uptr = KHSM_UPTR(out);
	}
	return 0;
}

/* VERIFY's signature, MAC_VERIFY's MAC. */
static int set_aux(struct khsm_ioc_op *op, const void *aux, size_t len)
{
	if (!aux || !fits(len))
		return -EINVAL;
	op->aux_len = (uint32_t)len;
	op->aux_uptr = KHSM_UPTR(aux);
	return 0;
}

KHSM_API int khsm_sign(struct khsm *h, uint64_t key, uint32_t mech,
		       uint32_t flags, const void *in, size_t in_len,
		       void *sig, size_t *sig_len)
{
	struct khsm_ioc_op op;

	khsm_op_init(&op, key, KHSM_OP_SIGN, mech);
	op.flags = flags;
	if (!sig_len || set_io(&op, in, in_len, sig, sig_len))
		return -EINVAL;
	return run(h, &op, sig_len);
}

KHSM_API int khsm_verify(struct khsm *h, uint64_t key, uint32_t mech,
			 uint32_t flags, const void *in, size_t in_len,
			 const void *sig, size_t sig_len)
{
	struct khsm_ioc_op op;

	khsm_op_init(&op, key, KHSM_OP_VERIFY, mech);
	op.flags = flags;
	if (set_io(&op, in, in_len, NULL, NULL) || set_aux(&op, sig, sig_len))
		return -EINVAL;
	return run(h, &op, NULL);
}

/* AES-GCM's IV and associated data. */
static int set_gcm(struct khsm_ioc_op *op, const void *aad, size_t aad_len,
		   const uint8_t *iv, size_t iv_len)
{
	if (!fits(aad_len) || (aad_len && !aad) || !fits(iv_len) ||
	    (iv_len && !iv))
		return -EINVAL;
	op->aad_len = (uint32_t)aad_len;
	op->aad_uptr = KHSM_UPTR(aad);
	op->iv_len = (uint32_t)iv_len;
	op->iv_uptr = KHSM_UPTR(iv);
	return 0;
}

KHSM_API int khsm_encrypt(struct khsm *h, uint64_t key, uint32_t mech,
			  uint32_t flags, const void *in, size_t in_len,
			  const void *aad, size_t aad_len, uint8_t *iv,
			  size_t iv_len, void *out, size_t *out_len)
{
	struct khsm_ioc_op op;

	khsm_op_init(&op, key, KHSM_OP_ENCRYPT, mech);
	op.flags = flags;
	if (!out_len || set_io(&op, in, in_len, out, out_len) ||
	    set_gcm(&op, aad, aad_len, iv, iv_len))
		return -EINVAL;
	return run(h, &op, out_len);
}

KHSM_API int khsm_decrypt(struct khsm *h, uint64_t key, uint32_t mech,
			  const void *in, size_t in_len, const void *aad,
			  size_t aad_len, const uint8_t *iv, size_t iv_len,
			  void *out, size_t *out_len)
{
	struct khsm_ioc_op op;

	khsm_op_init(&op, key, KHSM_OP_DECRYPT, mech);
	if (!out_len || set_io(&op, in, in_len, out, out_len) ||
	    set_gcm(&op, aad, aad_len, iv, iv_len))
		return -EINVAL;
	return run(h, &op, out_len);
}

KHSM_API int khsm_mac(struct khsm *h, uint64_t key, uint32_t mech,
		      const void *in, size_t in_len, void *mac,
		      size_t *mac_len)
{
	struct khsm_ioc_op op;

	khsm_op_init(&op, key, KHSM_OP_MAC_GENERATE, mech);
	if (!mac_len || set_io(&op, in, in_len, mac, mac_len))
		return -EINVAL;
	return run(h, &op, mac_len);
}

KHSM_API int khsm_mac_verify(struct khsm *h, uint64_t key, uint32_t mech,
			     const void *in, size_t in_len, const void *mac,
			     size_t mac_len)
{
	struct khsm_ioc_op op;

	khsm_op_init(&op, key, KHSM_OP_MAC_VERIFY, mech);
	if (set_io(&op, in, in_len, NULL, NULL) || set_aux(&op, mac, mac_len))
		return -EINVAL;
	return run(h, &op, NULL);
}

KHSM_API int khsm_wrap(struct khsm *h, uint64_t key, uint32_t mech,
		       uint64_t target, void *out, size_t *out_len)
{
	struct khsm_ioc_op op;

	khsm_op_init(&op, key, KHSM_OP_WRAP, mech);
	op.key2 = target;
	if (!out_len || set_io(&op, NULL, 0, out, out_len))
		return -EINVAL;
	return run(h, &op, out_len);
}

/* UNWRAP and DERIVE: the new key's type and ACL, and where it goes. */
static int with_new_key(struct khsm *h, struct khsm_ioc_op *op,
			uint32_t new_type, const struct khsm_acl *acl,
			uint64_t *handle)
{
	int ret;

	if (!acl || !handle)
		return -EINVAL;
	op->new_type = new_type;
	op->acl_uptr = KHSM_UPTR(acl);
	ret = run(h, op, NULL);
	if (!ret)
		*handle = op->out_handle;
	return ret;
}

KHSM_API int khsm_unwrap(struct khsm *h, uint64_t key, uint32_t mech,
			 const void *in, size_t in_len, uint32_t new_type,
			 const struct khsm_acl *acl, uint64_t *new_key)
{
	struct khsm_ioc_op op;

	khsm_op_init(&op, key, KHSM_OP_UNWRAP, mech);
	if (set_io(&op, in, in_len, NULL, NULL))
		return -EINVAL;
	return with_new_key(h, &op, new_type, acl, new_key);
}

KHSM_API int khsm_derive(struct khsm *h, uint64_t key, uint32_t mech,
			 const uint8_t *peer, size_t peer_len,
			 uint32_t new_type, uint32_t new_len,
			 const struct khsm_acl *acl, uint64_t *new_key)
{
	struct khsm_ioc_op op;

	khsm_op_init(&op, key, KHSM_OP_DERIVE, mech);
	op.new_len = new_len;
	if (set_io(&op, peer, peer_len, NULL, NULL))
		return -EINVAL;
	return with_new_key(h, &op, new_type, acl, new_key);
}

KHSM_API int khsm_pubkey(struct khsm *h, uint64_t key, uint8_t *out,
			 size_t *out_len)
{
	struct khsm_ioc_pubkey pk = { .size = sizeof(pk), .handle = key };
	int ret;

	if (!out || !out_len)
		return -EINVAL;
	pk.out_len = room(*out_len);
	pk.out_uptr = KHSM_UPTR(out);
	ret = ioc(h, KHSM_IOC_PUBKEY, &pk);
	if (!ret || ret == -EMSGSIZE)
		*out_len = pk.out_len;
	return ret;
}

KHSM_API int khsm_random(struct khsm *h, void *buf, size_t len)
{
	struct khsm_ioc_random r = { .size = sizeof(r) };
	uint8_t *p = buf;
	int ret;

	if (!buf && len)
		return -EINVAL;
	while (len) {
		r.len = len > KHSM_RANDOM_MAX ? KHSM_RANDOM_MAX : (uint32_t)len;
		r.out_uptr = KHSM_UPTR(p);
		ret = ioc(h, KHSM_IOC_RANDOM, &r);
		if (ret)
			return ret;
		p += r.len;
		len -= r.len;
	}
	return 0;
}

KHSM_API int khsm_batch(struct khsm *h, struct khsm_ioc_op *ops, size_t count,
			uint32_t *done)
{
	struct khsm_ioc_batch b = {
		.size = sizeof(b),
		.count = (uint32_t)count,
		.op_size = sizeof(*ops),
		.ops_uptr = KHSM_UPTR(ops),
	};
	int ret;

	if (!ops || !count || !fits(count))
		return -EINVAL;
	ret = ioc(h, KHSM_IOC_OP_BATCH, &b);
	if (!ret && done)
		*done = b.out_done;
	return ret;
}
