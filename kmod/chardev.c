// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/khsm: the data path. Every ioctl takes a struct that begins with its
 * size; the dispatch table below reads it with copy_struct_from_user() so
 * old binaries keep working against new modules and new binaries get E2BIG
 * (not silent truncation) from old ones.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "audit.h"
#include "kcrypto.h"
#include "keys.h"
#include "khsm.h"

union khsm_ioc_buffer {
	struct khsm_ioc_info info;
	struct khsm_ioc_random random;
	struct khsm_ioc_load load;
	struct khsm_ioc_destroy destroy;
	struct khsm_ioc_op op;
	struct khsm_ioc_batch batch;
	struct khsm_ioc_pubkey pubkey;
};

struct khsm_ioctl_op {
	unsigned int size;	/* current size of the struct */
	unsigned int min_size;	/* size of its first version */
	bool needs_operational;
	int (*execute)(struct khsm_file *f, void *arg, void __user *uarg,
		       u32 usize);
};

/* Copies the kernel's answer back, never more than the caller passed in. */
static int ioc_respond(void __user *uarg, const void *arg, u32 usize,
		       size_t ksize)
{
	if (copy_to_user(uarg, arg, min_t(size_t, usize, ksize)))
		return -EFAULT;
	return 0;
}

static int ioc_info(struct khsm_file *f, void *arg, void __user *uarg,
		    u32 usize)
{
	struct khsm_ioc_info *info = arg;

	if (info->flags || info->__reserved)
		return -EINVAL;
	info->out_abi_version = KHSM_ABI_VERSION;
	info->out_selftest_state = khsm_selftest_state();
	info->out_world_state = khsm_world_state();
	return ioc_respond(uarg, info, usize, sizeof(*info));
}

static int ioc_random(struct khsm_file *f, void *arg, void __user *uarg,
		      u32 usize)
{
	struct khsm_ioc_random *r = arg;
	u8 *buf;
	int err;

	if (r->flags || r->__reserved || !r->len)
		return -EINVAL;
	if (r->len > KHSM_RANDOM_MAX)
		return -EMSGSIZE;
	buf = kmalloc(r->len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	err = khsm_rng_bytes(buf, r->len);
	if (err)
		goto out;
	if (copy_to_user(u64_to_user_ptr(r->out_uptr), buf, r->len))
		err = -EFAULT;
out:
	kfree_sensitive(buf);
	return err;
}

static int ioc_load(struct khsm_file *f, void *arg, void __user *uarg,
		    u32 usize)
{
	struct khsm_ioc_load *l = arg;
	struct khsm_key *k;
	u8 *blob;
	int err;

	if (l->flags || l->__reserved || !l->blob_len)
		return -EINVAL;
	if (l->blob_len > KHSM_BLOB_MAX)
		return -EMSGSIZE;
	blob = memdup_user(u64_to_user_ptr(l->blob_uptr), l->blob_len);
	if (IS_ERR(blob))
		return PTR_ERR(blob);
	err = khsm_key_open(blob, l->blob_len, l->token_id, &k);
	khsm_audit_key_load(blob, l->blob_len, l->token_id, err);
	kfree(blob);
	if (err)
		return err;
	err = khsm_handle_add(f, k);
	if (err) {
		khsm_key_put(k);
		return err;
	}
	l->out_handle = k->handle;
	l->out_type = k->type;
	l->out_ops = k->acl.ops;
	err = ioc_respond(uarg, l, usize, sizeof(*l));
	/* The caller never learnt the handle: do not leave it behind. */
	if (err)
		khsm_handle_destroy(f, l->out_handle);
	return err;
}

static int ioc_destroy(struct khsm_file *f, void *arg, void __user *uarg,
		       u32 usize)
{
	struct khsm_ioc_destroy *d = arg;

	if (d->flags)
		return -EINVAL;
	khsm_audit_key_destroy(f, d->handle);
	return khsm_handle_destroy(f, d->handle);
}

static int ioc_op(struct khsm_file *f, void *arg, void __user *uarg,
		  u32 usize)
{
	int err = khsm_ioc_key_op(f, arg);

	/* Refused or not, the caller learns out_status (and out_len). */
	return ioc_respond(uarg, arg, usize, sizeof(struct khsm_ioc_op)) ?: err;
}

#define OP_MIN_SIZE offsetofend(struct khsm_ioc_op, out_handle)

/*
 * One element of a batch: 0 done, 1 failed (its own status says why), or
 * -EFAULT when the array itself cannot be read or written, which ends the
 * batch. An operation's own bad data pointer is only that operation's.
 */
static int batch_one(struct khsm_file *f, u8 __user *uop, u32 op_size)
{
	struct khsm_ioc_op op;
	int err;

	err = copy_struct_from_user(&op, sizeof(op), uop, op_size);
	if (err == -EFAULT)
		return err;
	if (err) {
		/* A tail this module does not know: say so in its status. */
		return put_user(err, (s32 __user *)(uop +
				offsetof(struct khsm_ioc_op, out_status))) ?: 1;
	}
	op.size = op_size;
	err = khsm_ioc_key_op(f, &op);
	if (ioc_respond(uop, &op, op_size, sizeof(op)))
		return -EFAULT;
	return err ? 1 : 0;
}

static int ioc_batch(struct khsm_file *f, void *arg, void __user *uarg,
		     u32 usize)
{
	struct khsm_ioc_batch *b = arg;
	u8 __user *uops = u64_to_user_ptr(b->ops_uptr);
	u32 i;
	int err;

	if (b->flags || b->__reserved || !b->count ||
	    b->count > KHSM_BATCH_MAX || b->op_size < OP_MIN_SIZE)
		return -EINVAL;
	if (b->op_size > PAGE_SIZE)
		return -E2BIG;
	b->out_done = 0;
	for (i = 0; i < b->count; i++) {
		err = batch_one(f, uops + (size_t)i * b->op_size, b->op_size);
		if (err < 0)
			return err;
		if (!err)
			b->out_done++;
		if (fatal_signal_pending(current))
			return -EINTR;
	}
	return ioc_respond(uarg, b, usize, sizeof(*b));
}

static int ioc_pubkey(struct khsm_file *f, void *arg, void __user *uarg,
		      u32 usize)
{
	struct khsm_ioc_pubkey *p = arg;
	u8 pub[KHSM_PUBKEY_MAX];
	struct khsm_key *k;
	int err = 0;

	if (p->flags || p->__reserved)
		return -EINVAL;
	k = khsm_handle_get(f, p->handle);
	if (!k)
		return -ENOENT;
	if (khsm_key_revoked(k))
		err = -EKEYREVOKED;
	else if (!(k->acl.ops & BIT(KHSM_OP_EXPORT_PUBLIC)))
		err = -EPERM;
	else if (!k->pub_len)
		err = -EINVAL;
	else if (p->out_len < k->pub_len)
		err = -EMSGSIZE;
	khsm_audit_key_op(k, KHSM_OP_EXPORT_PUBLIC, 0, err);
	/*
	 * Key objects have no usercopy window, public half included: the
	 * point leaves through a copy, so a stray copy of a secret cannot.
	 */
	memcpy(pub, k->pub, k->pub_len);
	p->out_len = k->pub_len;
	khsm_key_put(k);
	if (!err && copy_to_user(u64_to_user_ptr(p->out_uptr), pub, p->out_len))
		err = -EFAULT;
	if (!err || err == -EMSGSIZE)
		err = ioc_respond(uarg, p, usize, sizeof(*p)) ?: err;
	return err;
}

#define IOCTL_OP(_nr, _fn, _struct, _last, _operational)                     \
	[(_nr) - KHSM_IOCTL_BASE] = {                                        \
		.size = sizeof(_struct) +                                    \
			BUILD_BUG_ON_ZERO(sizeof(union khsm_ioc_buffer) <    \
					  sizeof(_struct)),                  \
		.min_size = offsetofend(_struct, _last),                     \
		.needs_operational = _operational,                           \
		.execute = _fn,                                              \
	}

static const struct khsm_ioctl_op khsm_ioctl_ops[] = {
	IOCTL_OP(KHSM_IOC_NR_INFO, ioc_info, struct khsm_ioc_info,
		 __reserved, false),
	IOCTL_OP(KHSM_IOC_NR_RANDOM, ioc_random, struct khsm_ioc_random,
		 out_uptr, true),
	IOCTL_OP(KHSM_IOC_NR_LOAD, ioc_load, struct khsm_ioc_load,
		 out_ops, true),
	IOCTL_OP(KHSM_IOC_NR_DESTROY, ioc_destroy, struct khsm_ioc_destroy,
		 handle, true),
	IOCTL_OP(KHSM_IOC_NR_OP, ioc_op, struct khsm_ioc_op,
		 out_handle, true),
	IOCTL_OP(KHSM_IOC_NR_OP_BATCH, ioc_batch, struct khsm_ioc_batch,
		 __reserved, true),
	IOCTL_OP(KHSM_IOC_NR_PUBKEY, ioc_pubkey, struct khsm_ioc_pubkey,
		 out_uptr, true),
};

static long khsm_fops_ioctl(struct file *filp, unsigned int cmd,
			    unsigned long arg)
{
	const struct khsm_ioctl_op *op;
	union khsm_ioc_buffer buf;
	void __user *uarg = (void __user *)arg;
	unsigned int nr = _IOC_NR(cmd);
	u32 usize;
	int err;

	if (_IOC_TYPE(cmd) != KHSM_IOCTL_TYPE || _IOC_DIR(cmd) != _IOC_NONE ||
	    _IOC_SIZE(cmd) || nr < KHSM_IOCTL_BASE ||
	    nr - KHSM_IOCTL_BASE >= ARRAY_SIZE(khsm_ioctl_ops))
		return -ENOTTY;
	op = &khsm_ioctl_ops[nr - KHSM_IOCTL_BASE];
	if (!op->execute)
		return -ENOTTY;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < op->min_size)
		return -EINVAL;
	/* Bounds the zero-tail scan: no struct will ever be a page. */
	if (usize > PAGE_SIZE)
		return -E2BIG;
	err = copy_struct_from_user(&buf, op->size, uarg, usize);
	if (err)
		return err;
	/*
	 * The size was fetched twice; a racing writer must not make the two
	 * disagree, so the struct carries the one that was checked.
	 */
	memset((u8 *)&buf + op->size, 0, sizeof(buf) - op->size);
	*(u32 *)&buf = usize;

	if (op->needs_operational && khsm_check_operational(NULL))
		return -EIO;
	if (op->needs_operational && khsm_audit_admit_data())
		return -EBUSY;
	return op->execute(filp->private_data, &buf, uarg, usize);
}

static int khsm_fops_open(struct inode *inode, struct file *filp)
{
	int err;

	/* Namespaced root is not the host's root: keep keys out of reach. */
	err = khsm_check_open();
	if (err)
		return err;
	filp->private_data = khsm_file_alloc();
	return filp->private_data ? 0 : -ENOMEM;
}

static int khsm_fops_release(struct inode *inode, struct file *filp)
{
	khsm_file_free(filp->private_data);
	return 0;
}

static const struct file_operations khsm_fops = {
	.owner		= THIS_MODULE,
	.open		= khsm_fops_open,
	.release	= khsm_fops_release,
	.unlocked_ioctl	= khsm_fops_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice khsm_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "khsm",
	.fops	= &khsm_fops,
	.mode	= 0660,
};

int khsm_chardev_init(void)
{
	return misc_register(&khsm_misc);
}

void khsm_chardev_uninit(void)
{
	misc_deregister(&khsm_misc);
}
