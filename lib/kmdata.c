// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Key management data: where it lives, reading its files with a bound and
 * a mode check, and replacing them so that a crash leaves the old file or
 * the new one, never a torn one.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* Like KHSM_DEVICE: a privileged program must not be pointed elsewhere. */
KHSM_API const char *khsm_kmdata_dir(void)
{
	const char *dir = secure_getenv("KHSM_KMDATA");

	return dir && *dir ? dir : KHSM_KMDATA_DEFAULT;
}

KHSM_API int khsm_kmdata_gid(gid_t *gid)
{
	struct group gr, *res = NULL;
	char buf[4096];
	int ret;

	if (!gid)
		return -EINVAL;
	ret = getgrnam_r(KHSM_KMDATA_GROUP, &gr, buf, sizeof(buf), &res);
	if (ret)
		return -ret;
	if (!res)
		return -ENOENT;
	*gid = res->gr_gid;
	return 0;
}

static int check_mode(mode_t mode, unsigned int flags)
{
	if ((flags & KHSM_READ_NO_GROUP_WRITE) && (mode & S_IWGRP))
		return -EPERM;
	if ((flags & KHSM_READ_NO_OTHER_WRITE) && (mode & S_IWOTH))
		return -EPERM;
	if ((flags & KHSM_READ_NO_OTHER_READ) && (mode & S_IROTH))
		return -EPERM;
	return 0;
}

/* Read to EOF, at most @max bytes; -EFBIG if there is more. */
static int read_bounded(int fd, uint8_t *buf, size_t max, size_t *len)
{
	size_t got = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, buf + got, max + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			break;
		got += (size_t)n;
		if (got > max)
			return -EFBIG;
	}
	*len = got;
	return 0;
}

KHSM_API int khsm_read_file(const char *path, unsigned int flags,
			    uint8_t **data, size_t *len, mode_t *mode)
{
	uint8_t *buf = NULL;
	struct stat st;
	int fd = -1, ret = -EINVAL;

	if (!path || !data || !len)
		goto out;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		goto out;
	}
	if (mode)
		*mode = st.st_mode & 07777;
	ret = -EINVAL;
	if (!S_ISREG(st.st_mode))
		goto out;
	ret = check_mode(st.st_mode, flags);
	if (ret)
		goto out;
	/* The size may change under us: the read, not fstat, is the bound. */
	ret = -ENOMEM;
	buf = malloc(KHSM_FILE_MAX + 2);
	if (!buf)
		goto out;
	ret = read_bounded(fd, buf, KHSM_FILE_MAX, len);
	if (ret)
		goto out;
	buf[*len] = '\0';
	*data = buf;
	buf = NULL;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* One path component, with room left for the temporary name's decoration. */
static bool valid_name(const char *name)
{
	size_t n = strlen(name);

	return n && n <= NAME_MAX - 32 && !strchr(name, '/') &&
	       strcmp(name, ".") && strcmp(name, "..");
}

/*
 * ".NAME.XXXXXXXXXXXXXXXX" in @dfd, created with O_EXCL so it is ours
 * alone, never followed if someone planted a link there. Returns the fd.
 */
static int tmp_create(int dfd, const char *name, mode_t mode, char *tmp,
		      size_t size)
{
	uint64_t rnd;
	int i, fd;

	for (i = 0; i < 16; i++) {
		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			return -errno;
		snprintf(tmp, size, ".%s.%016llx", name, (unsigned long long)rnd);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
			    O_NOFOLLOW | O_NOCTTY, mode);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Group first, then the exact mode: fchown() may clear mode bits, and the
 * umask may have narrowed what openat() set.
 */
static int tmp_fill(int fd, const void *data, size_t len, mode_t mode,
		    gid_t gid)
{
	if (gid != (gid_t)-1 && fchown(fd, (uid_t)-1, gid))
		return -errno;
	if (fchmod(fd, mode))
		return -errno;
	return write_all(fd, data, len) ?: (fsync(fd) ? -errno : 0);
}

KHSM_API int khsm_write_file_atomic(const char *dir, const char *name,
				    const void *data, size_t len, mode_t mode,
				    gid_t gid)
{
	char tmp[NAME_MAX + 1];
	int dfd = -1, fd = -1;
	bool created = false;
	int ret = -EINVAL;

	if (!dir || !name || (!data && len) || (mode & ~(mode_t)0777) ||
	    !valid_name(name))
		goto out;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		ret = -errno;
		goto out;
	}
	fd = tmp_create(dfd, name, mode, tmp, sizeof(tmp));
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	created = true;
	ret = tmp_fill(fd, data, len, mode, gid);
	/* close() reports the write-back errors some filesystems defer. */
	if (close(fd) && !ret)
		ret = -errno;
	fd = -1;
	if (!ret && renameat(dfd, tmp, dfd, name))
		ret = -errno;
	if (!ret) {
		created = false;	/* it is @name now */
		/* Without this the rename itself may not survive a crash. */
		if (fsync(dfd))
			ret = -errno;
	}
out:
	if (created)
		unlinkat(dfd, tmp, 0);
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return ret;
}
