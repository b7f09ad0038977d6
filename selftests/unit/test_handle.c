// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Handles without the module: argument checks, the NULL-safe accessors,
 * and the data channel pointed at other files through KHSM_DEVICE.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "internal.h"
#include "unit.h"

static void bad_arguments(void)
{
	struct khsm *h = (struct khsm *)&h;	/* must be reset to NULL */
	struct khsm_info info;

	CHECK_INT(khsm_open(NULL, 0), -EINVAL);
	CHECK_INT(khsm_open(&h, 1U << 7), -EINVAL);
	CHECK(h == NULL);
	CHECK_INT(khsm_get_info(NULL, &info), -EINVAL);
	CHECK_INT(khsm_get_info_sections(NULL, KHSM_INFO_F_WORLD, &info),
		  -EINVAL);
}

static void null_handle_accessors(void)
{
	khsm_close(NULL);
	CHECK_STR(khsm_errmsg(NULL), "");
	CHECK_INT(khsm_erroffset(NULL), -1);
	CHECK_INT(khsm_family_id(NULL), -ENOTCONN);
	CHECK_INT(khsm_device_fd(NULL), -ENOTCONN);
}

static void missing_device(void)
{
	struct khsm *h = NULL;

	setenv("KHSM_DEVICE", "/nonexistent/khsm", 1);
	CHECK_INT(khsm_open(&h, KHSM_OPEN_DATA), -ENOENT);
	CHECK(h == NULL);
	unsetenv("KHSM_DEVICE");
}

/*
 * /dev/null opens O_RDWR but knows no ioctl: the whole data path short of
 * the module, including the fallback of get_info to KHSM_IOC_INFO.
 */
static void data_channel_on_dev_null(void)
{
	struct khsm_info info;
	struct khsm *h = NULL;
	int fd;

	setenv("KHSM_DEVICE", "/dev/null", 1);
	CHECK_INT(khsm_open(&h, KHSM_OPEN_DATA), 0);
	unsetenv("KHSM_DEVICE");
	if (!h)
		return;
	fd = khsm_device_fd(h);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CHECK_INT(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	CHECK_INT(khsm_family_id(h), -ENOTCONN);
	CHECK_INT(khsm_get_info(h, &info), -ENOTTY);
	CHECK_INT(info.sections, 0);
	CHECK_STR(khsm_errmsg(h), "");
	CHECK_INT(khsm_erroffset(h), -1);
	khsm_close(h);
}

static void info_struct_has_room(void)
{
	/* The size is ABI of libkhsm.so.1: growth comes from __reserved. */
	CHECK_INT(sizeof(struct khsm_info), 272);
}

/* The same for the structs of the Security World API (KHSM_1.1). */
static void world_structs_have_room(void)
{
	CHECK_INT(sizeof(struct khsm_world_options), 80);
	CHECK_INT(sizeof(struct khsm_world_info), 288);
	CHECK_INT(sizeof(struct khsm_card_info), 232);
	CHECK_INT(sizeof(struct khsm_world_file_info), 232);
	CHECK_INT(sizeof(struct khsm_card_req), 136);
	CHECK_INT(sizeof(struct khsm_quorum), 8);
	CHECK_INT(sizeof(struct khsm_insert_result), 248);
	CHECK_INT(sizeof(struct khsm_slot), 152);
	CHECK_INT(sizeof(struct khsm_bind_key), 272);
	if (sizeof(void *) == 8) {	/* these hold pointers */
		CHECK_INT(sizeof(struct khsm_card_file), 24);
		CHECK_INT(sizeof(struct khsm_world_result), 168);
	}
}

static const struct unit_test tests[] = {
	{ "bad arguments", bad_arguments },
	{ "NULL handle accessors", null_handle_accessors },
	{ "missing device is ENOENT", missing_device },
	{ "data channel on /dev/null", data_channel_on_dev_null },
	{ "struct khsm_info size is fixed", info_struct_has_room },
	{ "Security World struct sizes are fixed", world_structs_have_room },
};

UNIT_SUITE(handle, tests);
