// SPDX-License-Identifier: GPL-2.0
/*
 * Passphrase retry delays, per card, for every process alike: a wrong
 * passphrase makes the next attempt on that card wait (doubling up to the
 * policy's maximum), and an optional lockout ends attempts for good. Only
 * cards whose MAC verified get an entry, so the table is bounded by the
 * cards the world really made, not by what an attacker sends.
 */
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "options.h"
#include "retry.h"
#include "world.h"

struct khsm_retry {
	struct list_head node;
	u8 set_id[KHSM_SET_ID_LEN];
	u8 index;
	u32 failures;
	u64 not_before;		/* ktime_get_boottime_ns() */
};

static LIST_HEAD(retry_list);

/*
 * "Try again in N s" must reach the tool as extack text, and 6.1 has no
 * formatted extack: the message must outlive the request. So every text
 * the delay can need is made once, at load: seconds up to a minute, then
 * minutes up to the longest delay the policy allows (an hour).
 */
#define RETRY_MSG_SECS	60
#define RETRY_MSG_MINS	60
#define RETRY_MSG_LEN	96

static const char *const retry_prefix[] = {
	[KHSM_RETRY_MSG_WRONG] = "wrong passphrase: the next attempt on this card is allowed in",
	[KHSM_RETRY_MSG_WAIT] = "retry delay after a wrong passphrase: try this card again in",
};

static char (*retry_msgs)[RETRY_MSG_SECS + RETRY_MSG_MINS][RETRY_MSG_LEN];

int khsm_retry_init(void)
{
	int k, i;

	retry_msgs = kcalloc(ARRAY_SIZE(retry_prefix), sizeof(*retry_msgs),
			     GFP_KERNEL);
	if (!retry_msgs)
		return -ENOMEM;
	for (k = 0; k < ARRAY_SIZE(retry_prefix); k++) {
		for (i = 0; i < RETRY_MSG_SECS; i++)
			snprintf(retry_msgs[k][i], RETRY_MSG_LEN, "%s %d s",
				 retry_prefix[k], i + 1);
		for (i = 0; i < RETRY_MSG_MINS; i++)
			snprintf(retry_msgs[k][RETRY_MSG_SECS + i], RETRY_MSG_LEN,
				 "%s %d min", retry_prefix[k], i + 1);
	}
	return 0;
}

const char *khsm_retry_msg(enum khsm_retry_msg kind, u32 wait_ms)
{
	u32 secs = DIV_ROUND_UP(wait_ms, MSEC_PER_SEC) ?: 1;

	if (secs <= RETRY_MSG_SECS)
		return retry_msgs[kind][secs - 1];
	return retry_msgs[kind][RETRY_MSG_SECS - 1 +
				min_t(u32, DIV_ROUND_UP(secs, 60), RETRY_MSG_MINS)];
}

static struct khsm_retry *retry_find(const u8 *set_id, u8 index)
{
	struct khsm_retry *r;

	lockdep_assert_held(&khsm_ctl_lock);
	list_for_each_entry(r, &retry_list, node)
		if (r->index == index && !memcmp(r->set_id, set_id, KHSM_SET_ID_LEN))
			return r;
	return NULL;
}

int khsm_retry_check(const u8 *set_id, u8 index, const struct khsm_opts *o,
		     u32 *wait_ms)
{
	struct khsm_retry *r = retry_find(set_id, index);
	u64 now = ktime_get_boottime_ns();

	*wait_ms = 0;
	if (!r)
		return 0;
	if (o->lockout && r->failures >= o->lockout)
		return -EPERM;
	if (now >= r->not_before)
		return 0;
	*wait_ms = div_u64(r->not_before - now + NSEC_PER_MSEC - 1,
			   NSEC_PER_MSEC);
	return -EAGAIN;
}

static u32 retry_delay_ms(const struct khsm_opts *o, u32 failures)
{
	u64 delay = o->retry_base_ms;

	while (--failures && delay < o->retry_max_ms)
		delay <<= 1;
	return min_t(u64, delay, o->retry_max_ms);
}

/* Returns the delay now in force; 0 if out of memory (fail open on delay,
 * never on the refusal itself, which the caller has already decided).
 */
u32 khsm_retry_failed(const u8 *set_id, u8 index, const struct khsm_opts *o)
{
	struct khsm_retry *r = retry_find(set_id, index);
	u32 delay;

	if (!r) {
		r = kzalloc(sizeof(*r), GFP_KERNEL);
		if (!r)
			return 0;
		memcpy(r->set_id, set_id, KHSM_SET_ID_LEN);
		r->index = index;
		list_add(&r->node, &retry_list);
	}
	r->failures++;
	delay = retry_delay_ms(o, r->failures);
	r->not_before = ktime_get_boottime_ns() + (u64)delay * NSEC_PER_MSEC;
	return delay;
}

void khsm_retry_succeeded(const u8 *set_id, u8 index)
{
	struct khsm_retry *r = retry_find(set_id, index);

	if (r) {
		list_del(&r->node);
		kfree(r);
	}
}

void khsm_retry_uninit(void)
{
	struct khsm_retry *r, *tmp;

	kfree(retry_msgs);
	retry_msgs = NULL;
	list_for_each_entry_safe(r, tmp, &retry_list, node) {
		list_del(&r->node);
		kfree(r);
	}
}
