// SPDX-License-Identifier: GPL-2.0
/* The module's state as bytes; see statedigest.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/netlink.h>
#include <linux/khsm.h>

#include "statedigest.h"

/* Attributes that legitimately move between two reads. */
static bool moves(int cmd, int depth, int type)
{
	switch (cmd) {
	case KHSM_CMD_GET_INFO:	/* the NSO authorisation's time left */
		return depth == 1 && type == KHSM_A_INFO_ACS_AUTH_REMAINING;
	case KHSM_CMD_TOKEN_LIST:	/* a token's time left */
		return depth == 2 && type == KHSM_A_TOKEN_REMAINING_MS;
	case KHSM_CMD_AUDIT_STATUS:	/* refused requests are audited */
		return depth == 1 && (type == KHSM_A_AUDIT_FIRST ||
				      type == KHSM_A_AUDIT_NEXT ||
				      type == KHSM_A_AUDIT_RING ||
				      type == KHSM_A_AUDIT_LAST_CHECKPOINT ||
				      type == KHSM_A_AUDIT_LOST);
	}
	return false;
}

static void blank(unsigned char *p, size_t len, int cmd, int depth)
{
	size_t pos = 0;

	while (pos + NLA_HDRLEN <= len) {
		struct nlattr *a = (struct nlattr *)(p + pos);
		int t = a->nla_type & NLA_TYPE_MASK;

		if (a->nla_len < NLA_HDRLEN || pos + a->nla_len > len)
			return;
		if (moves(cmd, depth, t))
			memset(p + pos + NLA_HDRLEN, 0, a->nla_len - NLA_HDRLEN);
		else if (a->nla_type & NLA_F_NESTED)
			blank(p + pos + NLA_HDRLEN, a->nla_len - NLA_HDRLEN,
			      cmd, depth + 1);
		pos += NLA_ALIGN(a->nla_len);
	}
}

static int append(unsigned char **d, size_t *n, const void *p, size_t len)
{
	unsigned char *nd = realloc(*d, *n + len);

	if (!nd)
		return -1;
	*d = nd;
	memcpy(nd + *n, p, len);
	*n += len;
	return 0;
}

unsigned char *sd_digest(struct np_conn *c, int fd, size_t *len)
{
	static const uint8_t cmds[] = { KHSM_CMD_GET_INFO, KHSM_CMD_SLOT_LIST,
					KHSM_CMD_TOKEN_LIST,
					KHSM_CMD_AUDIT_STATUS };
	struct khsm_ioc_info info;
	unsigned char *d = NULL;
	size_t n = 0, i;
	int err;

	for (i = 0; i < sizeof(cmds); i++) {
		err = np_request(c, cmds[i], 0, 0, NULL, 0);
		if (err)
			goto fail;
		blank(c->data, c->data_len, cmds[i], 0);
		err = -ENOMEM;
		if (append(&d, &n, &cmds[i], 1) ||
		    append(&d, &n, c->data, c->data_len))
			goto fail;
	}
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	if (ioctl(fd, KHSM_IOC_INFO, &info)) {
		err = -errno;
		goto fail;
	}
	err = -ENOMEM;
	if (append(&d, &n, &info, sizeof(info)))
		goto fail;
	*len = n;
	return d;
fail:
	free(d);
	errno = err < 0 ? -err : err;
	return NULL;
}

size_t sd_differs(const unsigned char *a, size_t alen,
		  const unsigned char *b, size_t blen)
{
	size_t i;

	for (i = 0; i < alen && i < blen; i++)
		if (a[i] != b[i])
			return i;
	return alen == blen ? SD_SAME : i;
}
