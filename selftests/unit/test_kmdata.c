// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kmdata files: the atomic write (content, exact mode, group, no temporary
 * left behind, failures) and the bounded, mode-checked read.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "unit.h"

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/khsm-unit-XXXXXX";
	char *d = mkdtemp(tmpl);

	return d ? strdup(d) : NULL;
}

/* Files in @dir other than . and .., e.g. a temporary left behind. */
static int entries(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void rm_rf(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "chmod -R u+w '%s'; rm -rf '%s'", dir, dir);
	if (system(cmd))
		unit_fail(__FILE__, __LINE__, "cannot remove %s", dir);
}

static char *path_of(const char *dir, const char *name)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;
	return p;
}

static void write_content_and_mode(void)
{
	char *dir = tmpdir(), *path;
	uint8_t *data = NULL;
	struct stat st;
	mode_t old;
	size_t len;

	CHECK(dir);
	if (!dir)
		return;
	path = path_of(dir, "world");
	/* A umask that would narrow 0640: the mode still comes out exact. */
	old = umask(077);
	CHECK_INT(khsm_write_file_atomic(dir, "world", "hello", 5, 0640,
					 getgid()), 0);
	umask(old);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0640);
	CHECK_INT(st.st_gid, getgid());
	CHECK_INT(entries(dir), 1);	/* no temporary left */
	CHECK_INT(khsm_read_file(path, 0, &data, &len, NULL), 0);
	CHECK_INT(len, 5);
	CHECK(data && !memcmp(data, "hello", 6));	/* with its NUL */
	free(data);

	/* Replaced whole, with the new mode. */
	CHECK_INT(khsm_write_file_atomic(dir, "world", "", 0, 0600, (gid_t)-1),
		  0);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_size, 0);
	CHECK_INT(st.st_mode & 07777, 0600);
	CHECK_INT(entries(dir), 1);
	free(path);
	rm_rf(dir);
	free(dir);
}

static void write_bad_arguments(void)
{
	char *dir = tmpdir();

	CHECK(dir);
	if (!dir)
		return;
	CHECK_INT(khsm_write_file_atomic(dir, "", "x", 1, 0600, -1), -EINVAL);
	CHECK_INT(khsm_write_file_atomic(dir, ".", "x", 1, 0600, -1), -EINVAL);
	CHECK_INT(khsm_write_file_atomic(dir, "..", "x", 1, 0600, -1), -EINVAL);
	CHECK_INT(khsm_write_file_atomic(dir, "a/b", "x", 1, 0600, -1), -EINVAL);
	CHECK_INT(khsm_write_file_atomic(dir, "a", "x", 1, 04600, -1), -EINVAL);
	CHECK_INT(khsm_write_file_atomic(dir, "a", NULL, 1, 0600, -1), -EINVAL);
	CHECK_INT(khsm_write_file_atomic(NULL, "a", "x", 1, 0600, -1), -EINVAL);
	CHECK_INT(khsm_write_file_atomic("/nonexistent/khsm", "a", "x", 1, 0600,
					 -1), -ENOENT);
	CHECK_INT(entries(dir), 0);
	rm_rf(dir);
	free(dir);
}

/* The rename fails; the temporary must not stay. */
static void write_over_a_directory(void)
{
	char *dir = tmpdir(), *sub;

	CHECK(dir);
	if (!dir)
		return;
	sub = path_of(dir, "world");
	CHECK_INT(mkdir(sub, 0700), 0);
	CHECK_INT(khsm_write_file_atomic(dir, "world", "x", 1, 0640, -1),
		  -EISDIR);
	CHECK_INT(entries(dir), 1);	/* the directory, nothing else */
	free(sub);
	rm_rf(dir);
	free(dir);
}

/*
 * A directory we may not write to. Root writes anywhere, so as root the
 * write runs in a child that becomes nobody first.
 */
static void write_read_only_dir(void)
{
	char *dir = tmpdir();
	int status, ret;
	pid_t pid;

	CHECK(dir);
	if (!dir)
		return;
	CHECK_INT(chmod(dir, 0555), 0);
	if (geteuid()) {
		CHECK_INT(khsm_write_file_atomic(dir, "world", "x", 1, 0640, -1),
			  -EACCES);
	} else {
		pid = fork();
		if (!pid) {
			if (setgid(65534) || setuid(65534))
				_exit(2);
			ret = khsm_write_file_atomic(dir, "world", "x", 1, 0640,
						     -1);
			_exit(ret == -EACCES ? 0 : 1);
		}
		CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	CHECK_INT(entries(dir), 0);
	rm_rf(dir);
	free(dir);
}

static void write_file(const char *path, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	char buf[4096];
	size_t n;

	memset(buf, 'x', sizeof(buf));
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	while (len) {
		n = len < sizeof(buf) ? len : sizeof(buf);
		CHECK_INT(write(fd, buf, n), n);
		len -= n;
	}
	CHECK_INT(fchmod(fd, mode), 0);
	close(fd);
}

static void read_bounds_and_modes(void)
{
	char *dir = tmpdir(), *path;
	uint8_t *data = NULL;
	mode_t mode = 0;
	size_t len = 0;

	CHECK(dir);
	if (!dir)
		return;
	path = path_of(dir, "f");
	write_file(path, KHSM_FILE_MAX, 0600);
	CHECK_INT(khsm_read_file(path, 0, &data, &len, &mode), 0);
	CHECK_INT(len, KHSM_FILE_MAX);
	CHECK_INT(mode, 0600);
	free(data);
	data = NULL;

	write_file(path, KHSM_FILE_MAX + 1, 0600);
	CHECK_INT(khsm_read_file(path, 0, &data, &len, NULL), -EFBIG);
	CHECK(!data);

	write_file(path, 10, 0664);
	CHECK_INT(khsm_read_file(path, KHSM_READ_NO_GROUP_WRITE, &data, &len,
				 &mode), -EPERM);
	CHECK_INT(mode, 0664);
	CHECK_INT(khsm_read_file(path, KHSM_READ_NO_OTHER_WRITE, &data, &len,
				 NULL), 0);
	free(data);
	data = NULL;
	write_file(path, 10, 0646);
	CHECK_INT(khsm_read_file(path, KHSM_READ_NO_OTHER_WRITE, &data, &len,
				 NULL), -EPERM);
	CHECK_INT(khsm_read_file(path, KHSM_READ_NO_OTHER_READ, &data, &len,
				 NULL), -EPERM);

	CHECK_INT(khsm_read_file(dir, 0, &data, &len, NULL), -EINVAL);
	CHECK_INT(khsm_read_file("/nonexistent/khsm", 0, &data, &len, NULL),
		  -ENOENT);
	CHECK_INT(khsm_read_file(path, 0, NULL, &len, NULL), -EINVAL);
	free(path);
	rm_rf(dir);
	free(dir);
}

static void kmdata_dir_and_group(void)
{
	gid_t gid;
	int ret;

	unsetenv("KHSM_KMDATA");
	CHECK_STR(khsm_kmdata_dir(), KHSM_KMDATA_DEFAULT);
	setenv("KHSM_KMDATA", "/srv/khsm", 1);
	CHECK_STR(khsm_kmdata_dir(), "/srv/khsm");
	setenv("KHSM_KMDATA", "", 1);
	CHECK_STR(khsm_kmdata_dir(), KHSM_KMDATA_DEFAULT);
	unsetenv("KHSM_KMDATA");
	ret = khsm_kmdata_gid(&gid);
	CHECK(ret == 0 || ret == -ENOENT);
	CHECK_INT(khsm_kmdata_gid(NULL), -EINVAL);
}

static const struct unit_test tests[] = {
	{ "atomic write: content, mode, group", write_content_and_mode },
	{ "atomic write: bad arguments", write_bad_arguments },
	{ "atomic write: target is a directory", write_over_a_directory },
	{ "atomic write: read-only directory", write_read_only_dir },
	{ "read: bound and modes", read_bounds_and_modes },
	{ "kmdata directory and group", kmdata_dir_and_group },
};

UNIT_SUITE(kmdata, tests);
