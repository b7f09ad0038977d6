// SPDX-License-Identifier: GPL-2.0
/*
 * A tiny probe for the shell selftests: makes one raw call and prints the
 * errno name it got ("OK" for success), so a script can assert the exact
 * refusal without a C harness.
 *   khsm_probe open | info | random LEN | delete-module NAME
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/khsm.h>

static const char *errname(int err)
{
	switch (err) {
	case 0: return "OK";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case EINVAL: return "EINVAL";
	case EBUSY: return "EBUSY";
	case EAGAIN: return "EAGAIN";
	case EMSGSIZE: return "EMSGSIZE";
	default: return strerror(err);
	}
}

static int probe_device(const char *what, const char *arg)
{
	unsigned char buf[KHSM_RANDOM_MAX];
	struct khsm_ioc_random r = { .size = sizeof(r) };
	struct khsm_ioc_info info = { .size = sizeof(info) };
	int fd, err = 0;

	fd = open(getenv("KHSM_DEVICE") ?: "/dev/khsm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (!strcmp(what, "info")) {
		if (ioctl(fd, KHSM_IOC_INFO, &info))
			err = errno;
		else
			printf("abi=%u selftest=%u world=%u\n",
			       info.out_abi_version, info.out_selftest_state,
			       info.out_world_state);
	} else if (!strcmp(what, "random")) {
		r.len = arg ? strtoul(arg, NULL, 0) : 16;
		r.out_uptr = (uintptr_t)buf;
		if (r.len > sizeof(buf))
			r.len = sizeof(buf);
		if (ioctl(fd, KHSM_IOC_RANDOM, &r))
			err = errno;
	}
	close(fd);
	return err;
}

int main(int argc, char *argv[])
{
	int err;

	if (argc < 2) {
		fprintf(stderr, "usage: %s open|info|random LEN|delete-module NAME\n",
			argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "delete-module"))
		err = syscall(SYS_delete_module, argc > 2 ? argv[2] : "khsm",
			      O_NONBLOCK) ? errno : 0;
	else
		err = probe_device(argv[1], argc > 2 ? argv[2] : NULL);
	printf("%s\n", errname(err));
	return err ? 1 : 0;
}
