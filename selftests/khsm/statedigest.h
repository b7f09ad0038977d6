/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's state as a user sees it, as bytes to compare before and
 * after a request that must change nothing (a refused one, or one that
 * met an injected fault).
 */
#ifndef KHSM_SELFTEST_STATEDIGEST_H
#define KHSM_SELFTEST_STATEDIGEST_H

#include <stddef.h>

#include "nlpol.h"

/*
 * GET_INFO, SLOT_LIST, TOKEN_LIST, AUDIT_STATUS on @c and KHSM_IOC_INFO
 * on @fd, with the fields that move by themselves (times left, audit
 * sequence numbers) zeroed. Malloc'd; NULL with errno set on a failure.
 */
unsigned char *sd_digest(struct np_conn *c, int fd, size_t *len);

/* The first byte where @a and @b differ, or SD_SAME. */
#define SD_SAME ((size_t)-1)
size_t sd_differs(const unsigned char *a, size_t alen,
		  const unsigned char *b, size_t blen);

#endif
