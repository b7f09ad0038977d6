// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl's files in the key management data directory: the world file,
 * the ACS register, the records of card sets and the softcards' cards,
 * all 0640 and group khsm, and the key blobs, 0644 (services outside the
 * group use them), written atomically. Officers write the first two as
 * root; operators write the others as themselves, which needs the
 * directory writable by the khsm group (khsmctl(8), FILES).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cards.h"

/*
 * @path, which khsmctl reads, may be changed by others than its writers
 * (the group or everyone, as @mode says): refused, with the mode, and an
 * exit status of its own so that scripts can tell it from a failure.
 */
int refuse_mode(const char *cmd, const char *path, mode_t mode)
{
	fail(cmd, "%s: mode %04o lets others write it; refusing", path,
	     (unsigned int)(mode & 07777));
	return KHSMCTL_EXIT_UNSAFE;
}

/*
 * The kmdata directory before a file of it is trusted: whoever may write
 * the directory may replace the file. 0755 (officers only), or 3775 for
 * operators, where the sticky bit stops one replacing another's files
 * (khsmctl(8), FILES); writable by everyone it is never safe. 0, or an
 * exit status having said why. A missing directory is the reader's to
 * report.
 */
int kmdata_dir_safe(const char *cmd)
{
	struct stat st;

	if (stat(kmdata_dir, &st) || !S_ISDIR(st.st_mode))
		return 0;
	if ((st.st_mode & S_IWOTH) ||
	    ((st.st_mode & S_IWGRP) && !(st.st_mode & S_ISVTX))) {
		fail(cmd, "%s: directory mode %04o lets others replace its files; refusing (0755, or 3775 for operators)",
		     kmdata_dir, (unsigned int)(st.st_mode & 07777));
		return KHSMCTL_EXIT_UNSAFE;
	}
	return 0;
}

char *kmdata_path(const char *name)
{
	char *path;

	return asprintf(&path, "%s/%s", kmdata_dir, name) < 0 ? NULL : path;
}

/* The khsm group if there is one; else the file keeps its creator's. */
static gid_t kmdata_group(const char *file)
{
	gid_t gid;

	if (!khsm_kmdata_gid(&gid))
		return gid;
	warn("no group '%s': %s/%s keeps the group of its creator",
	     KHSM_KMDATA_GROUP, kmdata_dir, file);
	return (gid_t)-1;
}

/*
 * The directory itself, 0755 root:khsm, if it is not there yet: everyone
 * may read the key blobs in it (the other files are 0640); only its
 * owner may add files until an administrator lets the group (khsmctl(8),
 * FILES). Mode set after the group, whatever the umask.
 */
int kmdata_prepare(const char *cmd)
{
	struct stat st;
	gid_t gid;

	if (!stat(kmdata_dir, &st)) {
		if (S_ISDIR(st.st_mode))
			return 0;
		fail(cmd, "%s: not a directory", kmdata_dir);
		return KHSMCTL_EXIT_FAILED;
	}
	if (errno != ENOENT || mkdir(kmdata_dir, 0700) ||
	    (!khsm_kmdata_gid(&gid) && chown(kmdata_dir, (uid_t)-1, gid)) ||
	    chmod(kmdata_dir, KMDATA_DIR_MODE)) {
		fail(cmd, "%s: %s", kmdata_dir, strerror(errno));
		return KHSMCTL_EXIT_FAILED;
	}
	return 0;
}

bool kmdata_exists(const char *name)
{
	char *path = kmdata_path(name);
	bool ret = path && !access(path, F_OK);

	free(path);
	return ret;
}

bool world_file_exists(void)
{
	return kmdata_exists(KHSM_WORLD_FILE);
}

/* Found out before a ceremony, not after the module made its cards. */
int kmdata_writable(const char *cmd)
{
	if (!access(kmdata_dir, W_OK | X_OK))
		return 0;
	fail(cmd, "%s: %s%s", kmdata_dir, strerror(errno),
	     errno == EACCES ? " (operators need it writable by the khsm group: khsmctl(8), FILES)" : "");
	return KHSMCTL_EXIT_FAILED;
}

static int write_kmdata_mode(const char *cmd, const char *name,
			     const void *data, size_t len, mode_t mode)
{
	int ret;

	ret = khsm_write_file_atomic(kmdata_dir, name, data, len, mode,
				     kmdata_group(name));
	if (ret) {
		fail(cmd, "writing %s/%s: %s", kmdata_dir, name, strerror(-ret));
		return KHSMCTL_EXIT_FAILED;
	}
	return 0;
}

int write_kmdata(const char *cmd, const char *name, const void *data,
		 size_t len)
{
	return write_kmdata_mode(cmd, name, data, len, KMDATA_FILE_MODE);
}

/*
 * A key blob: encrypted and authenticated, and what a service needs to
 * use its key, so readable by all; writable by its owner alone (a group
 * member must not swap someone's key), like every file here.
 */
int write_key_blob(const char *cmd, const char *name, const void *data,
		   size_t len)
{
	return write_kmdata_mode(cmd, name, data, len, KEY_BLOB_MODE);
}

int write_world_file(const char *cmd, const struct khsm_world_result *res)
{
	return write_kmdata(cmd, KHSM_WORLD_FILE, res->world_file,
			    res->world_file_len);
}

int write_register(const char *cmd, const char *text)
{
	return write_kmdata(cmd, KHSM_ACS_REGISTER, text, strlen(text));
}

/* Recommendations the request did not follow: the module's own words. */
void print_warnings(const struct khsm_world_result *res)
{
	size_t i;

	for (i = 0; i < res->nwarnings; i++)
		warn("%s", res->warnings[i]);
}

/* "cardset_NAME", "softcard_NAME": @name is khsm_cardset_name_valid(). */
void set_file(char *buf, size_t size, const char *prefix, const char *name)
{
	snprintf(buf, size, "%s%s", prefix, name);
}

/*
 * The record of set @name, quietly: 0, a negative errno, or -EBADMSG with
 * the reason in @why. Nobody but its writers may have changed it.
 */
int load_set_record(const char *name, struct khsm_cardset_record *r,
		    mode_t *mode, char *why, size_t size)
{
	char file[NAME_MAX];
	uint8_t *text = NULL;
	char *path;
	size_t len;
	int ret;

	set_file(file, sizeof(file), KHSM_CARDSET_RECORD_PREFIX, name);
	path = kmdata_path(file);
	if (!path)
		return -ENOMEM;
	ret = khsm_read_file(path, KHSM_READ_NO_GROUP_WRITE |
			     KHSM_READ_NO_OTHER_WRITE, &text, &len, mode);
	free(path);
	if (ret)
		return ret;
	ret = -EBADMSG;
	if (memchr(text, '\0', len)) {
		snprintf(why, size, "NUL byte");
	} else if (!khsm_cardset_record_parse((char *)text, r, why, size)) {
		ret = strcmp(r->name, name) ? -EBADMSG : 0;
		if (ret)
			snprintf(why, size, "the record of '%s'", r->name);
	}
	free(text);
	return ret;
}

/* The same, saying what is wrong; 0 or an exit status. */
int read_set_record(const char *cmd, const char *name,
		    struct khsm_cardset_record *r)
{
	char file[NAME_MAX], why[200];
	mode_t mode = 0;
	int ret;

	ret = kmdata_dir_safe(cmd);
	if (ret)
		return ret;
	ret = load_set_record(name, r, &mode, why, sizeof(why));
	if (!ret)
		return 0;
	set_file(file, sizeof(file), KHSM_CARDSET_RECORD_PREFIX, name);
	if (ret == -EPERM) {
		char *path = kmdata_path(file);

		ret = refuse_mode(cmd, path ? path : file, mode);
		free(path);
		return ret;
	}
	if (ret == -ENOENT)
		fail(cmd, "no card set or softcard '%s' (no %s/%s)", name,
		     kmdata_dir, file);
	else if (ret == -EPERM)
		fail(cmd, "%s/%s: mode %04o lets others write it; refusing",
		     kmdata_dir, file, (unsigned int)mode);
	else
		fail(cmd, "%s/%s: %s", kmdata_dir, file,
		     ret == -EBADMSG ? why : strerror(-ret));
	return KHSMCTL_EXIT_FAILED;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the sets with a record, sorted; free with free_names(). */
int list_set_names(const char *cmd, char ***names, size_t *n)
{
	size_t plen = strlen(KHSM_CARDSET_RECORD_PREFIX);
	struct dirent *e;
	char **v;
	DIR *d;

	*names = NULL;
	*n = 0;
	d = opendir(kmdata_dir);
	if (!d) {
		fail(cmd, "%s: %s", kmdata_dir, strerror(errno));
		return KHSMCTL_EXIT_FAILED;
	}
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, KHSM_CARDSET_RECORD_PREFIX, plen) ||
		    !khsm_cardset_name_valid(e->d_name + plen))
			continue;
		v = realloc(*names, (*n + 1) * sizeof(*v));
		if (!v || !(v[*n] = strdup(e->d_name + plen))) {
			*names = v ? v : *names;
			closedir(d);
			fail(cmd, "%s", strerror(ENOMEM));
			return KHSMCTL_EXIT_FAILED;
		}
		*names = v;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(**names), by_name);
	return 0;
}

void free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
