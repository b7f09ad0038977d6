// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Key blobs in the kmdata directory: key_APP_IDENT, 0640, group khsm,
 * owned by whoever made the key, like the records of card sets. The
 * module authenticates a blob when it loads it, so a changed blob does
 * not load; but its header (what "key list", "key info" and "key pubkey"
 * show) is only as good as the file's modes, so a blob others may write
 * is refused.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys.h"

void key_file(char *buf, size_t size, const char *app, const char *ident)
{
	snprintf(buf, size, "%s%s_%s", KHSM_KEY_FILE_PREFIX, app, ident);
}

/*
 * The blob of key APP IDENT, parsed, and the key it says it is: a blob
 * copied to another name is not taken for the key of that name.
 */
int read_key_blob(const char *cmd, const char *app, const char *ident,
		  struct key_blob *kb)
{
	char why[200];
	mode_t mode = 0;
	char *path;
	int ret;

	memset(kb, 0, sizeof(*kb));
	key_file(kb->file, sizeof(kb->file), app, ident);
	path = kmdata_path(kb->file);
	if (!path) {
		fail(cmd, "%s", strerror(ENOMEM));
		return KHSMCTL_EXIT_FAILED;
	}
	ret = kmdata_dir_safe(cmd);
	if (ret) {
		free(path);
		return ret;
	}
	ret = khsm_read_file(path, KHSM_READ_NO_GROUP_WRITE |
			     KHSM_READ_NO_OTHER_WRITE, &kb->blob, &kb->len,
			     &mode);
	if (ret == -ENOENT) {
		fail(cmd, "no key %s %s (no %s)", app, ident, path);
	} else if (ret == -EPERM) {
		ret = refuse_mode(cmd, path, mode);
		free(path);
		return ret;
	} else if (ret)
		fail(cmd, "%s: %s", path, strerror(-ret));
	else if (khsm_key_blob_parse(kb->blob, kb->len, &kb->info, why,
				     sizeof(why)))
		fail(cmd, "%s: %s", path, why);
	else if (strcmp(kb->info.app, app) || strcmp(kb->info.ident, ident))
		fail(cmd, "%s holds key %s %s, not %s %s", path, kb->info.app,
		     kb->info.ident, app, ident);
	else
		ret = 1;
	free(path);
	if (ret == 1)
		return 0;
	free(kb->blob);
	kb->blob = NULL;
	return KHSMCTL_EXIT_FAILED;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The kmdata file names that look like key blobs, sorted. */
int list_key_files(const char *cmd, char ***names, size_t *n)
{
	size_t plen = strlen(KHSM_KEY_FILE_PREFIX);
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
		if (strncmp(e->d_name, KHSM_KEY_FILE_PREFIX, plen) ||
		    !strchr(e->d_name + plen, '_'))
			continue;
		v = realloc(*names, (*n + 1) * sizeof(*v));
		if (!v || !(v[*n] = strdup(e->d_name))) {
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

int key_spki(const struct khsm_key_info *ki, bool pem, uint8_t **out,
	     size_t *len)
{
	if (!ki->pub_len)
		return -ENOKEY;
	return khsm_ec_spki_from_point(ki->type, ki->pubkey, ki->pub_len, pem,
				       out, len);
}

/* SHA-256 of the SubjectPublicKeyInfo DER, as "openssl pkey" would hash it. */
int key_spki_fingerprint(const struct khsm_key_info *ki,
			 char out[HEX_LEN(32)])
{
	uint8_t *der = NULL;
	size_t len = 0;
	int ret;

	ret = key_spki(ki, false, &der, &len);
	if (!ret)
		ret = key_fingerprint(der, len, out);
	free(der);
	return ret;
}

void print_names(FILE *f, uint32_t mask, const char *(*name)(uint32_t))
{
	const char *sep = "";
	uint32_t i;

	for (i = 0; i < 32; i++) {
		if (!(mask & (1U << i)))
			continue;
		fprintf(f, "%s%s", sep, name(i));
		sep = ",";
	}
}

/* @len bytes to @path (0644, replaced), or to stdout for NULL or "-". */
int write_output(const char *cmd, const char *path, const void *data,
		 size_t len)
{
	const uint8_t *p = data;
	ssize_t n;
	int fd;

	if (!path || !strcmp(path, "-")) {
		if (fwrite(data, 1, len, stdout) == len)
			return 0;
		fail(cmd, "writing output: %s", strerror(errno));
		return KHSMCTL_EXIT_FAILED;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fail(cmd, "%s: %s", path, strerror(errno));
		return KHSMCTL_EXIT_FAILED;
	}
	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		len -= (size_t)n;
	}
	if (len || close(fd)) {
		fail(cmd, "%s: %s", path, strerror(errno ? errno : EIO));
		if (len)
			close(fd);
		return KHSMCTL_EXIT_FAILED;
	}
	return 0;
}
