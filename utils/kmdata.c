// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl's files in the key management data directory: the world file and
 * the ACS register, 0640 root:khsm, written atomically.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cards.h"

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

/* The directory itself, 0750 root:khsm, if it is not there yet. */
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
	if (errno != ENOENT || mkdir(kmdata_dir, 0750)) {
		fail(cmd, "%s: %s", kmdata_dir, strerror(errno));
		return KHSMCTL_EXIT_FAILED;
	}
	if (!khsm_kmdata_gid(&gid) && chown(kmdata_dir, (uid_t)-1, gid)) {
		fail(cmd, "%s: %s", kmdata_dir, strerror(errno));
		return KHSMCTL_EXIT_FAILED;
	}
	return 0;
}

bool world_file_exists(void)
{
	char *path = kmdata_path(KHSM_WORLD_FILE);
	bool ret = path && !access(path, F_OK);

	free(path);
	return ret;
}

static int write_kmdata(const char *cmd, const char *name, const void *data,
			size_t len)
{
	int ret;

	ret = khsm_write_file_atomic(kmdata_dir, name, data, len, 0640,
				     kmdata_group(name));
	if (ret) {
		fail(cmd, "writing %s/%s: %s", kmdata_dir, name, strerror(-ret));
		return KHSMCTL_EXIT_FAILED;
	}
	return 0;
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
