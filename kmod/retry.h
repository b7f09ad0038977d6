/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KHSM_RETRY_H
#define _KHSM_RETRY_H

#include <linux/types.h>

struct khsm_opts;

enum khsm_retry_msg {
	KHSM_RETRY_MSG_WRONG,	/* this attempt was wrong */
	KHSM_RETRY_MSG_WAIT,	/* an earlier one was: still waiting */
};

int khsm_retry_init(void);
const char *khsm_retry_msg(enum khsm_retry_msg kind, u32 wait_ms);
int khsm_retry_check(const u8 *set_id, u8 index, const struct khsm_opts *o,
		     u32 *wait_ms);
u32 khsm_retry_failed(const u8 *set_id, u8 index, const struct khsm_opts *o);
void khsm_retry_succeeded(const u8 *set_id, u8 index);
void khsm_retry_uninit(void);

#endif /* _KHSM_RETRY_H */
