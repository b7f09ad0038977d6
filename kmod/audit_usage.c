// SPDX-License-Identifier: GPL-2.0
/*
 * Per-key counters of the data path: a signature or a decryption that
 * succeeds is not a record of its own (unless the policy asks), it is
 * counted here under its key hash and summarised in a KEY_USAGE record
 * every audit_summary seconds, before each requested checkpoint and when
 * the world goes.
 *
 * The hot path finds its counter under RCU and increments it; a key seen
 * for the first time is added under usage_lock. Only flush removes
 * entries (those idle for two summaries), under khsm_audit_lock, and it
 * frees them after a grace period, so counting never races a free.
 */
#include <linux/hashtable.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "audit_int.h"

static unsigned int audit_summary = 60;
module_param(audit_summary, uint, 0444);
MODULE_PARM_DESC(audit_summary,
		 "seconds between the audit log's per-key usage summaries (1-86400, default 60)");

/* Keys counted at once; beyond, counts go to the entry of hash zero. */
#define USAGE_MAX	4096

struct audit_usage {
	struct hlist_node node;
	struct list_head dead;
	unsigned int idle;		/* summaries it had nothing for */
	u8 key_hash[KHSM_KEY_HASH_LEN];
	atomic64_t uses[KHSM_OP__COUNT];
	atomic64_t fails[KHSM_OP__COUNT];
};

static DEFINE_HASHTABLE(usage_table, 8);
static DEFINE_SPINLOCK(usage_lock);
static unsigned int usage_n;
static struct audit_usage usage_overflow;	/* hash zero, never freed */
static u64 usage_since;				/* boottime ns of the last flush */
static struct delayed_work usage_work;

static u32 bucket_of(const u8 *key_hash)
{
	u32 b;

	memcpy(&b, key_hash, sizeof(b));
	return b;
}

static struct audit_usage *usage_find(const u8 *key_hash, u32 bucket)
{
	struct audit_usage *u;

	hash_for_each_possible_rcu(usage_table, u, node, bucket,
				   lockdep_is_held(&usage_lock))
		if (!memcmp(u->key_hash, key_hash, KHSM_KEY_HASH_LEN))
			return u;
	return NULL;
}

static void usage_inc(struct audit_usage *u, u32 op, bool ok)
{
	atomic64_inc(ok ? &u->uses[op] : &u->fails[op]);
}

void khsm_audit_usage_count(const u8 *key_hash, u32 op, bool ok)
{
	u32 bucket = bucket_of(key_hash);
	struct audit_usage *u, *fresh;

	if (op >= KHSM_OP__COUNT)
		return;
	rcu_read_lock();
	u = usage_find(key_hash, bucket);
	if (u)
		usage_inc(u, op, ok);
	rcu_read_unlock();
	if (u)
		return;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
	spin_lock(&usage_lock);
	u = usage_find(key_hash, bucket);
	if (!u && fresh && usage_n < USAGE_MAX) {
		memcpy(fresh->key_hash, key_hash, KHSM_KEY_HASH_LEN);
		hash_add_rcu(usage_table, &fresh->node, bucket);
		usage_n++;
		u = fresh;
		fresh = NULL;
	}
	usage_inc(u ?: &usage_overflow, op, ok);
	spin_unlock(&usage_lock);
	kfree(fresh);
}

/* Takes the counts (zeroing them); false when there were none. */
static bool usage_take(struct audit_usage *u, __le64 *uses, __le64 *fails)
{
	bool any = false;
	s64 a, b;
	int i;

	for (i = 0; i < KHSM_OP__COUNT; i++) {
		a = atomic64_xchg(&u->uses[i], 0);
		b = atomic64_xchg(&u->fails[i], 0);
		uses[i] = cpu_to_le64(a);
		fails[i] = cpu_to_le64(b);
		any |= a || b;
	}
	return any;
}

static void usage_record(struct audit_usage *u, u64 period)
{
	__le64 uses[KHSM_OP__COUNT], fails[KHSM_OP__COUNT];

	if (!usage_take(u, uses, fails)) {
		u->idle++;
		return;
	}
	u->idle = 0;
	khsm_audit_begin(KHSM_AUDIT_KEY_USAGE, 0, 0);
	khsm_audit_put(KHSM_AUDIT_T_KEY_HASH, u->key_hash, KHSM_KEY_HASH_LEN);
	khsm_audit_put(KHSM_AUDIT_T_USES, uses, sizeof(uses));
	khsm_audit_put(KHSM_AUDIT_T_FAILS, fails, sizeof(fails));
	khsm_audit_put_u64(KHSM_AUDIT_T_PERIOD_NS, period);
	khsm_audit_end();
}

void khsm_audit_usage_flush(void)
{
	u64 now = ktime_get_boottime_ns(), period = now - usage_since;
	struct audit_usage *u, *tmp;
	struct hlist_node *n;
	LIST_HEAD(dead);
	unsigned int bkt;

	lockdep_assert_held(&khsm_audit_lock);
	usage_since = now;
	spin_lock(&usage_lock);
	hash_for_each_safe(usage_table, bkt, n, u, node) {
		if (u->idle < 2)
			continue;
		hash_del_rcu(&u->node);
		list_add(&u->dead, &dead);
		usage_n--;
	}
	spin_unlock(&usage_lock);

	/*
	 * We are the only one to remove entries, so they stay while we sleep
	 * recording them; concurrent adds are safe for this walk.
	 */
	for (bkt = 0; bkt < HASH_SIZE(usage_table); bkt++)
		hlist_for_each_entry_rcu(u, &usage_table[bkt], node,
					 lockdep_is_held(&khsm_audit_lock))
			usage_record(u, period);
	usage_record(&usage_overflow, period);

	if (list_empty(&dead))
		return;
	/* Counts that raced the removal are recorded, not lost. */
	synchronize_rcu();
	list_for_each_entry_safe(u, tmp, &dead, dead) {
		usage_record(u, period);
		kfree(u);
	}
}

static void usage_work_fn(struct work_struct *work)
{
	mutex_lock(&khsm_audit_lock);
	khsm_audit_usage_flush();
	mutex_unlock(&khsm_audit_lock);
	schedule_delayed_work(&usage_work, (unsigned long)audit_summary * HZ);
}

void khsm_audit_usage_start(void)
{
	if (!audit_summary || audit_summary > 86400) {
		pr_warn("audit_summary=%u out of range: using 60\n", audit_summary);
		audit_summary = 60;
	}
	usage_since = ktime_get_boottime_ns();
	INIT_DELAYED_WORK(&usage_work, usage_work_fn);
	schedule_delayed_work(&usage_work, (unsigned long)audit_summary * HZ);
}

void khsm_audit_usage_stop(void)
{
	cancel_delayed_work_sync(&usage_work);
}

/* Nothing counts any more: the device is gone. */
void khsm_audit_usage_free(void)
{
	struct audit_usage *u;
	struct hlist_node *n;
	unsigned int bkt;

	hash_for_each_safe(usage_table, bkt, n, u, node) {
		hash_del(&u->node);
		kfree(u);
	}
	usage_n = 0;
}
