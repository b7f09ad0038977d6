/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw generic netlink for tests that must send exactly the bytes they
 * mean, malformed ones included: libnl would refuse to build them.
 */
#ifndef KHSM_SELFTEST_NLRAW_H
#define KHSM_SELFTEST_NLRAW_H

#include <stddef.h>
#include <stdint.h>

struct nlraw {
	int fd;
	uint16_t family;
	uint32_t seq;
	char extack[256];	/* NLMSGERR_ATTR_MSG of the last reply */
	unsigned char reply[16384];
	size_t reply_len;	/* bytes of the last non-error reply */
	/*
	 * The last request reached the kernel: a -errno after that is the
	 * answer lost on the way back (ENOBUFS: the request was carried out).
	 */
	int sent;
};

/* Opens a socket with extended acks and resolves @family_name. 0 or -errno. */
int nlraw_open(struct nlraw *nl, const char *family_name);
void nlraw_close(struct nlraw *nl);

/*
 * Builds a request: nlmsghdr + genlmsghdr(cmd, version, reserved) followed
 * by @payload as is. Returns the errno the kernel answered (0 for success,
 * positive errno on error) or -errno for a local failure.
 */
int nlraw_request(struct nlraw *nl, uint8_t cmd, uint8_t version,
		  uint16_t reserved, const void *payload, size_t len);

/* Appends one attribute to buf at *off; returns 0 or -ENOSPC. */
int nlraw_put(void *buf, size_t size, size_t *off, uint16_t type,
	      const void *data, size_t len);

#endif
