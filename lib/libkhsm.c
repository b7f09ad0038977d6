// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Handles: opening and closing the two channels, and what a caller may ask
 * a handle about itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

#define KHSM_OPEN_ALL ((unsigned int)(KHSM_OPEN_CONTROL | KHSM_OPEN_DATA))

/*
 * secure_getenv(): a setuid or file-capability program must not be pointed
 * at another device by whoever runs it.
 */
static int data_open(struct khsm *h)
{
	const char *path = secure_getenv("KHSM_DEVICE");

	if (!path || !*path)
		path = KHSM_DEVICE_PATH;
	h->fd = open(path, O_RDWR | O_CLOEXEC);
	return h->fd < 0 ? -errno : 0;
}

KHSM_API int khsm_open(struct khsm **out, unsigned int flags)
{
	struct khsm *h = NULL;
	int ret = -EINVAL;

	if (!out)
		goto out;
	*out = NULL;
	if (flags & ~KHSM_OPEN_ALL)
		goto out;
	if (!flags)
		flags = KHSM_OPEN_ALL;

	ret = -ENOMEM;
	h = calloc(1, sizeof(*h));
	if (!h)
		goto out;
	h->family = -ENOTCONN;
	h->fd = -1;
	khsm_extack_clear(&h->ext);

	if (flags & KHSM_OPEN_CONTROL) {
		ret = khsm_nl_open(h);
		if (ret)
			goto out;
	}
	if (flags & KHSM_OPEN_DATA) {
		ret = data_open(h);
		if (ret)
			goto out;
	}
	*out = h;
	h = NULL;
	ret = 0;
out:
	khsm_close(h);
	return ret;
}

KHSM_API void khsm_close(struct khsm *h)
{
	if (!h)
		return;
	khsm_nl_close(h);
	if (h->fd >= 0)
		close(h->fd);
	free(h);
}

/* Every request starts here: a clean extack, and the channel it needs. */
int khsm_need_control(struct khsm *h)
{
	if (!h)
		return -EINVAL;
	khsm_extack_clear(&h->ext);
	return h->sk ? 0 : -ENOTCONN;
}

KHSM_API const char *khsm_errmsg(const struct khsm *h)
{
	return h ? h->ext.msg : "";
}

KHSM_API int khsm_erroffset(const struct khsm *h)
{
	return h ? h->ext.offset : -1;
}

KHSM_API int khsm_family_id(const struct khsm *h)
{
	return h && h->sk ? h->family : -ENOTCONN;
}

KHSM_API int khsm_device_fd(const struct khsm *h)
{
	return h && h->fd >= 0 ? h->fd : -ENOTCONN;
}
