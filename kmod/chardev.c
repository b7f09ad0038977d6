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

#include "kcrypto.h"
#include "khsm.h"

union khsm_ioc_buffer {
	struct khsm_ioc_info info;
	struct khsm_ioc_random random;
};

struct khsm_ioctl_op {
	unsigned int size;	/* current size of the struct */
	unsigned int min_size;	/* size of its first version */
	bool needs_operational;
	int (*execute)(void *arg, void __user *uarg, u32 usize);
};

/* Copies the kernel's answer back, never more than the caller passed in. */
static int ioc_respond(void __user *uarg, const void *arg, u32 usize,
		       size_t ksize)
{
	if (copy_to_user(uarg, arg, min_t(size_t, usize, ksize)))
		return -EFAULT;
	return 0;
}

static int ioc_info(void *arg, void __user *uarg, u32 usize)
{
	struct khsm_ioc_info *info = arg;

	if (info->flags || info->__reserved)
		return -EINVAL;
	info->out_abi_version = KHSM_ABI_VERSION;
	info->out_selftest_state = khsm_selftest_state();
	info->out_world_state = khsm_world_state();
	return ioc_respond(uarg, info, usize, sizeof(*info));
}

static int ioc_random(void *arg, void __user *uarg, u32 usize)
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

#define IOCTL_OP(_nr, _fn, _struct, _last, _operational)                     \
	[_nr - KHSM_IOCTL_BASE] = {                                          \
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
	return op->execute(&buf, uarg, usize);
}

static int khsm_fops_open(struct inode *inode, struct file *filp)
{
	/* Namespaced root is not the host's root: keep keys out of reach. */
	return khsm_check_open();
}

static const struct file_operations khsm_fops = {
	.owner		= THIS_MODULE,
	.open		= khsm_fops_open,
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
