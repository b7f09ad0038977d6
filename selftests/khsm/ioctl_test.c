// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/khsm ioctl ABI: the size-first extensible structs, every refusal
 * with its documented errno, and that nothing uninitialised comes back.
 * Runs as root in the guest with khsm.ko loaded and its self-test passed.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/khsm.h>

#include "kselftest_harness.h"

#define DEV "/dev/khsm"

FIXTURE(dev) {
	int fd;
	long page;
};

FIXTURE_SETUP(dev)
{
	self->fd = open(DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV, strerror(errno));
	self->page = sysconf(_SC_PAGESIZE);
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

/* ioctl returning 0 or the errno, so asserts read like the errno table */
static int ioc(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

static void info_init(struct khsm_ioc_info *info)
{
	memset(info, 0xA5, sizeof(*info));
	info->size = sizeof(*info);
	info->flags = 0;
	info->__reserved = 0;
}

TEST_F(dev, info_exact_size)
{
	struct khsm_ioc_info info;

	info_init(&info);
	ASSERT_EQ(0, ioc(self->fd, KHSM_IOC_INFO, &info));
	EXPECT_EQ(sizeof(info), info.size);
	EXPECT_EQ(KHSM_ABI_VERSION, info.out_abi_version);
	EXPECT_EQ(KHSM_SELFTEST_PASSED, info.out_selftest_state);
	EXPECT_EQ(KHSM_WORLD_UNINITIALISED, info.out_world_state);
	EXPECT_EQ(0, info.flags);
	EXPECT_EQ(0, info.__reserved);
}

TEST_F(dev, info_too_small)
{
	struct khsm_ioc_info info;
	const __u32 sizes[] = { 0, 1, 4, sizeof(info) - 1 };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		info_init(&info);
		info.size = sizes[i];
		EXPECT_EQ(EINVAL, ioc(self->fd, KHSM_IOC_INFO, &info))
			TH_LOG("size %u", sizes[i]);
		/* A refused call writes nothing back. */
		EXPECT_EQ(0xA5A5A5A5u, info.out_abi_version);
	}
}

TEST_F(dev, info_larger_zero_tail_accepted)
{
	unsigned char buf[sizeof(struct khsm_ioc_info) + 16];
	struct khsm_ioc_info *info = (void *)buf;
	size_t i;

	memset(buf, 0, sizeof(buf));
	info->size = sizeof(buf);
	ASSERT_EQ(0, ioc(self->fd, KHSM_IOC_INFO, buf));
	EXPECT_EQ(KHSM_ABI_VERSION, info->out_abi_version);
	/* The module does not know the tail and must not write it. */
	for (i = sizeof(*info); i < sizeof(buf); i++)
		EXPECT_EQ(0, buf[i]);
}

TEST_F(dev, info_larger_nonzero_tail_e2big)
{
	unsigned char buf[sizeof(struct khsm_ioc_info) + 16];
	struct khsm_ioc_info *info = (void *)buf;

	memset(buf, 0, sizeof(buf));
	info->size = sizeof(buf);
	buf[sizeof(buf) - 1] = 1;
	EXPECT_EQ(E2BIG, ioc(self->fd, KHSM_IOC_INFO, buf));
}

TEST_F(dev, info_above_page_size_e2big)
{
	unsigned char *buf = calloc(1, self->page * 2);
	struct khsm_ioc_info *info = (void *)buf;

	ASSERT_NE(NULL, buf);
	info->size = self->page + 8;
	EXPECT_EQ(E2BIG, ioc(self->fd, KHSM_IOC_INFO, buf));
	free(buf);
}

TEST_F(dev, info_flags_and_reserved_must_be_zero)
{
	struct khsm_ioc_info info;

	info_init(&info);
	info.flags = 1;
	EXPECT_EQ(EINVAL, ioc(self->fd, KHSM_IOC_INFO, &info));
	info_init(&info);
	info.__reserved = 1;
	EXPECT_EQ(EINVAL, ioc(self->fd, KHSM_IOC_INFO, &info));
}

TEST_F(dev, bad_pointers_efault)
{
	struct khsm_ioc_info *ro;
	void *none;

	EXPECT_EQ(EFAULT, ioc(self->fd, KHSM_IOC_INFO, NULL));
	none = mmap(NULL, self->page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	ASSERT_NE(MAP_FAILED, none);
	EXPECT_EQ(EFAULT, ioc(self->fd, KHSM_IOC_INFO, none));
	munmap(none, self->page);

	/* Valid input the module cannot write its answer back to. */
	ro = mmap(NULL, self->page, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	memset(ro, 0, sizeof(*ro));
	ro->size = sizeof(*ro);
	ASSERT_EQ(0, mprotect(ro, self->page, PROT_READ));
	EXPECT_EQ(EFAULT, ioc(self->fd, KHSM_IOC_INFO, ro));
	munmap(ro, self->page);
}

TEST_F(dev, misaligned_struct_accepted)
{
	unsigned char buf[sizeof(struct khsm_ioc_info) + 1];
	struct khsm_ioc_info info;

	info_init(&info);
	memcpy(buf + 1, &info, sizeof(info));
	EXPECT_EQ(0, ioc(self->fd, KHSM_IOC_INFO, buf + 1));
	memcpy(&info, buf + 1, sizeof(info));
	EXPECT_EQ(KHSM_ABI_VERSION, info.out_abi_version);
}

TEST_F(dev, unknown_commands_enotty)
{
	struct khsm_ioc_info info;

	info_init(&info);
	EXPECT_EQ(ENOTTY, ioc(self->fd, _IO(KHSM_IOCTL_TYPE, KHSM_IOCTL_BASE + 60), &info));
	EXPECT_EQ(ENOTTY, ioc(self->fd, _IO(KHSM_IOCTL_TYPE, 0), &info));
	EXPECT_EQ(ENOTTY, ioc(self->fd, _IO(KHSM_IOCTL_TYPE + 1, KHSM_IOC_NR_INFO), &info));
	/* The size lives in the struct, never in the command number. */
	EXPECT_EQ(ENOTTY, ioc(self->fd, _IOWR(KHSM_IOCTL_TYPE, KHSM_IOC_NR_INFO,
					     struct khsm_ioc_info), &info));
}

static int random_call(int fd, void *out, __u32 len)
{
	struct khsm_ioc_random r = {
		.size = sizeof(r),
		.len = len,
		.out_uptr = (uintptr_t)out,
	};

	return ioc(fd, KHSM_IOC_RANDOM, &r);
}

TEST_F(dev, random_bytes)
{
	unsigned char a[64], b[64];
	size_t i, same = 0;

	memset(a, 0xA5, sizeof(a));
	memset(b, 0xA5, sizeof(b));
	ASSERT_EQ(0, random_call(self->fd, a, 32));
	ASSERT_EQ(0, random_call(self->fd, b, 32));
	EXPECT_NE(0, memcmp(a, b, 32));
	for (i = 0; i < 32; i++)
		same += a[i] == 0xA5;
	EXPECT_GT(8, same);
	/* Exactly len bytes are written: the canary past them survives. */
	for (i = 32; i < sizeof(a); i++)
		EXPECT_EQ(0xA5, a[i]);
}

TEST_F(dev, random_limits)
{
	unsigned char *buf = malloc(KHSM_RANDOM_MAX + 1);

	ASSERT_NE(NULL, buf);
	EXPECT_EQ(EINVAL, random_call(self->fd, buf, 0));
	EXPECT_EQ(0, random_call(self->fd, buf, 1));
	EXPECT_EQ(0, random_call(self->fd, buf, KHSM_RANDOM_MAX));
	EXPECT_EQ(EMSGSIZE, random_call(self->fd, buf, KHSM_RANDOM_MAX + 1));
	EXPECT_EQ(EMSGSIZE, random_call(self->fd, buf, 0xffffffffu));
	free(buf);
}

TEST_F(dev, random_bad_buffers)
{
	struct khsm_ioc_random r = { .size = sizeof(r), .len = 16 };
	void *ro;

	EXPECT_EQ(EFAULT, random_call(self->fd, NULL, 16));
	ro = mmap(NULL, self->page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(EFAULT, random_call(self->fd, ro, 16));
	munmap(ro, self->page);

	r.out_uptr = (uintptr_t)&r;
	r.flags = 2;
	EXPECT_EQ(EINVAL, ioc(self->fd, KHSM_IOC_RANDOM, &r));
	r.flags = 0;
	r.__reserved = 7;
	EXPECT_EQ(EINVAL, ioc(self->fd, KHSM_IOC_RANDOM, &r));
	r.__reserved = 0;
	r.size = offsetof(struct khsm_ioc_random, out_uptr);
	EXPECT_EQ(EINVAL, ioc(self->fd, KHSM_IOC_RANDOM, &r));
}

TEST_HARNESS_MAIN
