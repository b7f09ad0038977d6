// SPDX-License-Identifier: GPL-2.0
/*
 * A 32-bit caller of /dev/khsm: built with -m32, it reaches the ioctls
 * through compat_ptr_ioctl, which converts only the argument pointer, so
 * every struct must mean the same to it as to a 64-bit caller and every
 * __aligned_u64 pointer must take a 32-bit address. INFO, RANDOM, and a
 * key's life: LOAD of a blob the 64-bit khsmctl made (ioctl32_test.sh
 * passes its path in KHSM_IOCTL32_BLOB), AES-GCM through OP both ways,
 * DESTROY, and OP refused afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/khsm.h>

#include "kselftest_harness.h"

#define DEV "/dev/khsm"

/* A pointer as the ABI carries it. */
#define UPTR(p)	((__u64)(uintptr_t)(p))

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	ASSERT_EQ(4, (int)sizeof(void *)) TH_LOG("not built with -m32");
	self->fd = open(DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV, strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

static int ioc(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

TEST_F(dev, info)
{
	struct khsm_ioc_info info;

	/* A canary in the output fields; the input ones as the ABI wants. */
	memset(&info, 0xa5, sizeof(info));
	info.size = sizeof(info);
	info.flags = 0;
	info.__reserved = 0;
	ASSERT_EQ(0, ioc(self->fd, KHSM_IOC_INFO, &info));
	EXPECT_LT(0, info.out_abi_version);
	EXPECT_EQ(0, info.__reserved);
	/* The same refusals as for a 64-bit caller. */
	info.size = 1;
	EXPECT_EQ(EINVAL, ioc(self->fd, KHSM_IOC_INFO, &info));
	info.size = sizeof(info);
	info.flags = 1U << 31;
	EXPECT_EQ(EINVAL, ioc(self->fd, KHSM_IOC_INFO, &info));
}

TEST_F(dev, random)
{
	struct khsm_ioc_random r = { .size = sizeof(r) };
	uint8_t buf[96 + 8];
	size_t i, zero = 0;

	memset(buf, 0, sizeof(buf));
	r.len = 96;
	r.out_uptr = UPTR(buf + 1);	/* odd 32-bit address */
	ASSERT_EQ(0, ioc(self->fd, KHSM_IOC_RANDOM, &r));
	EXPECT_EQ(0, buf[0]);
	for (i = 1; i <= 96; i++)
		zero += !buf[i];
	EXPECT_GT(20, zero);	/* random, not untouched */
	for (i = 97; i < sizeof(buf); i++)
		EXPECT_EQ(0, buf[i]);
	/* A pointer a 32-bit process cannot have. */
	r.out_uptr = 1ULL << 40;
	EXPECT_EQ(EFAULT, ioc(self->fd, KHSM_IOC_RANDOM, &r));
}

static uint8_t *read_blob(const char *path, size_t *len)
{
	static uint8_t blob[KHSM_FILE_MAX];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	n = read(fd, blob, sizeof(blob));
	close(fd);
	if (n <= 0)
		return NULL;
	*len = (size_t)n;
	return blob;
}

static int gcm(int fd, __u64 handle, __u32 op, const void *in, __u32 in_len,
	       void *out, __u32 *out_len, uint8_t iv[12])
{
	struct khsm_ioc_op o = {
		.size = sizeof(o), .handle = handle, .op = op,
		.mech = KHSM_MECH_AES_GCM, .in_len = in_len,
		.out_len = *out_len, .in_uptr = UPTR(in), .out_uptr = UPTR(out),
		.iv_len = 12, .iv_uptr = UPTR(iv),
	};
	int ret = ioc(fd, KHSM_IOC_OP, &o);

	*out_len = o.out_len;
	return ret;
}

TEST_F(dev, key_life)
{
	const char *path = getenv("KHSM_IOCTL32_BLOB");
	struct khsm_ioc_load ld = { .size = sizeof(ld) };
	struct khsm_ioc_destroy d = { .size = sizeof(d) };
	uint8_t iv[12], ct[64 + 16], pt[64];
	const char msg[] = "from a 32-bit process, through compat_ptr_ioctl";
	__u32 ct_len = sizeof(ct), pt_len = sizeof(pt);
	size_t len = 0;
	uint8_t *blob;

	if (!path)
		SKIP(return, "no KHSM_IOCTL32_BLOB (ioctl32_test.sh makes one)");
	blob = read_blob(path, &len);
	ASSERT_NE(NULL, blob) TH_LOG("%s: %s", path, strerror(errno));
	ld.blob_len = len;
	ld.blob_uptr = UPTR(blob);
	ASSERT_EQ(0, ioc(self->fd, KHSM_IOC_LOAD, &ld));
	EXPECT_NE(0, ld.out_handle);

	ASSERT_EQ(0, gcm(self->fd, ld.out_handle, KHSM_OP_ENCRYPT, msg,
			 sizeof(msg), ct, &ct_len, iv));
	EXPECT_EQ(sizeof(msg) + 16, ct_len);
	EXPECT_NE(0, memcmp(ct, msg, sizeof(msg)));
	ASSERT_EQ(0, gcm(self->fd, ld.out_handle, KHSM_OP_DECRYPT, ct, ct_len,
			 pt, &pt_len, iv));
	EXPECT_EQ(sizeof(msg), pt_len);
	EXPECT_EQ(0, memcmp(pt, msg, sizeof(msg)));
	/* A flipped tag bit: EBADMSG, as for anyone. */
	ct[ct_len - 1] ^= 1;
	pt_len = sizeof(pt);
	EXPECT_EQ(EBADMSG, gcm(self->fd, ld.out_handle, KHSM_OP_DECRYPT, ct,
			       ct_len, pt, &pt_len, iv));

	d.handle = ld.out_handle;
	ASSERT_EQ(0, ioc(self->fd, KHSM_IOC_DESTROY, &d));
	ct_len = sizeof(ct);
	EXPECT_NE(0, gcm(self->fd, ld.out_handle, KHSM_OP_ENCRYPT, msg,
			 sizeof(msg), ct, &ct_len, iv));
	EXPECT_EQ(ENOENT, ioc(self->fd, KHSM_IOC_DESTROY, &d));
}

TEST_HARNESS_MAIN
