/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Between the files of the audit log only: audit.c builds and chains
 * records, audit_events.c says what each event records, audit_usage.c
 * counts the data path per key.
 *
 * A record is built in one buffer under khsm_audit_lock: begin, put its
 * items, end. end chains it, stores it in the ring, sends it out and,
 * when one is due, adds a checkpoint.
 */
#ifndef _KHSM_AUDIT_INT_H
#define _KHSM_AUDIT_INT_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/khsm.h>

#include "audit.h"

struct netlink_ext_ack;

extern struct mutex khsm_audit_lock;

void khsm_audit_begin(u16 event, int err, u8 flags);
void khsm_audit_put(u16 tag, const void *data, size_t len);
void khsm_audit_put_u8(u16 tag, u8 v);
void khsm_audit_put_u32(u16 tag, u32 v);
void khsm_audit_put_u64(u16 tag, u64 v);
void khsm_audit_put_str(u16 tag, const char *s, size_t max);
void khsm_audit_put_reason(int err, const struct netlink_ext_ack *extack);
void khsm_audit_end(void);

/* Refusals come in floods; false: count this one instead of recording it. */
bool khsm_audit_refusal_allowed(void);
/* The errnos that mean "refused" rather than "failed". */
bool khsm_audit_is_refusal(int err);

/* The policy asks for a record per data-path operation. */
bool khsm_audit_per_op(void);

/*
 * audit_usage.c: per-key counters of the data path. count takes no lock
 * but a spinlock; flush (under khsm_audit_lock) records and resets them.
 */
void khsm_audit_usage_count(const u8 *key_hash, u32 op, bool ok);
void khsm_audit_usage_flush(void);
void khsm_audit_usage_start(void);
void khsm_audit_usage_stop(void);
void khsm_audit_usage_free(void);

#endif /* _KHSM_AUDIT_INT_H */
