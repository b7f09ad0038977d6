// SPDX-License-Identifier: GPL-2.0
/*
 * The audit log's core: records built one at a time, chained with
 * SHA-256, kept in a bounded ring, multicast on the "audit" group, copied
 * to the kernel's audit subsystem, and vouched for by checkpoints signed
 * with the loaded world's audit key. The ring is the only copy the module
 * keeps: a consumer (khsmctl audit follow) dumps and follows it and
 * acknowledges what it stored. Under forced audit the module refuses work
 * rather than let the ring drop records nobody has stored.
 *
 * Everything here is under khsm_audit_lock (a mutex: checkpoints sign,
 * multicasting allocates). It is taken inside khsm_ctl_lock by ceremonies
 * and alone by the data path; it never takes khsm_ctl_lock, so the data
 * path never waits for a ceremony. The signing key is a copy of the
 * world's, set and wiped as the world comes and goes (world_publish()).
 */
#include <crypto/sha2.h>
#include <linux/audit.h>
#include <linux/cred.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/version.h>
#include <net/genetlink.h>

#include "audit_int.h"
#include "ec.h"
#include "khsm.h"
#include "world.h"

static unsigned int audit_ring = 1024;
module_param(audit_ring, uint, 0444);
MODULE_PARM_DESC(audit_ring,
		 "audit records kept for the consumer to collect (16-65536, default 1024)");

#define RING_MIN	16
#define RING_MAX	65536
/* Refusals recorded per second; the rest are counted (KHSM_AUDIT_SUPPRESSED). */
#define REFUSALS_PER_SEC	64

struct audit_slot {
	u16 len;
	u8 digest[KHSM_AUDIT_DIGEST_LEN];
	u8 rec[KHSM_AUDIT_REC_MAX];
};

/* The record being built, the chain, the ring (see audit_int.h). */
DEFINE_MUTEX(khsm_audit_lock);

/* All under khsm_audit_lock; @blocked and @per_op are also read without. */
static struct {
	struct audit_slot *ring;
	u32 size;
	u64 next;		/* the next record's seq */
	u64 first;		/* the oldest kept (== next when empty) */
	u64 acked;		/* the last a consumer acknowledged */
	u64 lost;		/* unacknowledged records dropped under forced audit */
	u64 last_cp;		/* the last checkpoint's seq, 0: none */
	u32 since_cp;		/* records since it */
	u32 cp_interval;
	u8 prev[KHSM_AUDIT_DIGEST_LEN];	/* D(next - 1) */
	u8 instance[KHSM_AUDIT_INSTANCE_LEN];
	u8 world_id[KHSM_WORLD_ID_LEN];	/* loaded or loading, for headers */
	bool have_key;
	bool cp_due;		/* a world just became operational */
	bool forced;
	bool nl_up;		/* the family is registered: multicast */
	bool blocked;
	bool per_op;
	u8 key_world[KHSM_WORLD_ID_LEN];
	u8 priv[KHSM_KEY_LEN];	/* the world's audit key, a copy */
	u64 rl_second;
	u32 rl_count;
	u64 suppressed;
	size_t len;		/* of the record being built */
	u8 scratch[KHSM_AUDIT_REC_MAX];
} audit;

static struct khsm_audit_hdr *scratch_hdr(void)
{
	return (struct khsm_audit_hdr *)audit.scratch;
}

static struct audit_slot *ring_slot(u64 seq)
{
	u32 rem;

	div_u64_rem(seq - 1, audit.size, &rem);
	return &audit.ring[rem];
}

/* Records nobody has acknowledged, with room kept for what cannot wait. */
static u32 headroom(void)
{
	return clamp_t(u32, audit.size / 4, 4, 32);
}

static void update_blocked(void)
{
	u64 done = max(audit.acked, audit.first - 1);

	WRITE_ONCE(audit.blocked,
		   audit.forced && audit.next - 1 - done + headroom() >= audit.size);
}

/* --- building a record --- */

static void put_actor(struct khsm_audit_hdr *h)
{
	if (current->flags & PF_KTHREAD) {
		h->flags |= KHSM_AUDIT_F_MODULE;
		h->uid = cpu_to_le32(U32_MAX);
		h->loginuid = cpu_to_le32(U32_MAX);
		h->sessionid = cpu_to_le32(U32_MAX);
	} else {
		h->uid = cpu_to_le32(from_kuid(&init_user_ns, current_euid()));
		h->loginuid = cpu_to_le32(from_kuid(&init_user_ns,
						    audit_get_loginuid(current)));
		h->sessionid = cpu_to_le32(audit_get_sessionid(current));
		h->pid = cpu_to_le32(task_tgid_nr(current));
	}
	get_task_comm(h->comm, current);
}

bool khsm_audit_is_refusal(int err)
{
	switch (abs(err)) {
	case EPERM:
	case EACCES:
	case EAGAIN:
	case EBUSY:
	case EXDEV:
	case ENOKEY:
	case EKEYREVOKED:
	case EKEYEXPIRED:
	case EDQUOT:
		return true;
	}
	return false;
}

void khsm_audit_begin(u16 event, int err, u8 flags)
{
	struct khsm_audit_hdr *h = scratch_hdr();

	lockdep_assert_held(&khsm_audit_lock);
	memset(h, 0, sizeof(*h));
	h->version = KHSM_AUDIT_VERSION;
	h->flags = flags | (khsm_audit_is_refusal(err) ? KHSM_AUDIT_F_REFUSED : 0);
	h->event = cpu_to_le16(event);
	h->hdr_len = cpu_to_le16(sizeof(*h));
	h->seq = cpu_to_le64(audit.next);
	h->wall_ns = cpu_to_le64(ktime_get_real_ns());
	h->boot_ns = cpu_to_le64(ktime_get_boottime_ns());
	h->result = cpu_to_le32(abs(err));
	put_actor(h);
	memcpy(h->instance, audit.instance, sizeof(h->instance));
	memcpy(h->world_id, audit.world_id, sizeof(h->world_id));
	audit.len = sizeof(*h);
}

void khsm_audit_put(u16 tag, const void *data, size_t len)
{
	__le16 tl[2] = { cpu_to_le16(tag), cpu_to_le16(len) };

	if (audit.len + sizeof(tl) + len > sizeof(audit.scratch)) {
		scratch_hdr()->flags |= KHSM_AUDIT_F_TRUNCATED;
		return;
	}
	memcpy(audit.scratch + audit.len, tl, sizeof(tl));
	memcpy(audit.scratch + audit.len + sizeof(tl), data, len);
	audit.len += sizeof(tl) + len;
}

void khsm_audit_put_u8(u16 tag, u8 v)
{
	khsm_audit_put(tag, &v, sizeof(v));
}

void khsm_audit_put_u32(u16 tag, u32 v)
{
	__le32 x = cpu_to_le32(v);

	khsm_audit_put(tag, &x, sizeof(x));
}

void khsm_audit_put_u64(u16 tag, u64 v)
{
	__le64 x = cpu_to_le64(v);

	khsm_audit_put(tag, &x, sizeof(x));
}

void khsm_audit_put_str(u16 tag, const char *s, size_t max)
{
	if (s)
		khsm_audit_put(tag, s, strnlen(s, max));
}

/* The extack text of a failure: the module's own words, never user data. */
void khsm_audit_put_reason(int err, const struct netlink_ext_ack *extack)
{
	if (err && extack && extack->_msg)
		khsm_audit_put_str(KHSM_AUDIT_T_REASON, extack->_msg, 256);
}

/* --- sending it out --- */

static int put_record(struct sk_buff *skb, const struct audit_slot *slot)
{
	struct nlattr *nest = nla_nest_start(skb, KHSM_A_AUDIT);

	if (!nest ||
	    nla_put(skb, KHSM_A_AUDIT_RECORD, slot->len, slot->rec) ||
	    nla_put(skb, KHSM_A_AUDIT_DIGEST, KHSM_AUDIT_DIGEST_LEN,
		    slot->digest)) {
		if (nest)
			nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* A listener that cannot keep up gets ENOBUFS and dumps what it missed. */
static void multicast(const struct audit_slot *slot)
{
	const struct genl_family *fam = khsm_nl_family();
	struct sk_buff *skb;
	void *hdr;

	if (!audit.nl_up || !genl_has_listeners(fam, &init_net, 0))
		return;
	skb = genlmsg_new(slot->len + 128, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, fam, 0, KHSM_CMD_AUDIT_GET);
	if (!hdr || put_record(skb, slot)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(fam, skb, 0, 0, GFP_KERNEL);
}

#ifdef CONFIG_AUDIT
static u16 get_le16(const u8 *p)
{
	__le16 v;

	memcpy(&v, p, sizeof(v));
	return le16_to_cpu(v);
}

static u32 get_le32(const u8 *p)
{
	__le32 v;

	memcpy(&v, p, sizeof(v));
	return le32_to_cpu(v);
}

static u64 get_le64(const u8 *p)
{
	__le64 v;

	memcpy(&v, p, sizeof(v));
	return le64_to_cpu(v);
}

static const char *const event_names[] = {
	[KHSM_AUDIT_MODULE_LOAD] = "module-load",
	[KHSM_AUDIT_MODULE_UNLOAD] = "module-unload",
	[KHSM_AUDIT_SELFTEST] = "selftest",
	[KHSM_AUDIT_CHECKPOINT] = "checkpoint",
	[KHSM_AUDIT_WORLD_CREATE] = "world-create",
	[KHSM_AUDIT_WORLD_LOAD] = "world-load",
	[KHSM_AUDIT_WORLD_UNLOAD] = "world-unload",
	[KHSM_AUDIT_CARD_INSERT] = "card-insert",
	[KHSM_AUDIT_CARD_REMOVE] = "card-remove",
	[KHSM_AUDIT_CARD_PASSPHRASE] = "card-passphrase",
	[KHSM_AUDIT_TOKEN_LOAD] = "token-load",
	[KHSM_AUDIT_TOKEN_UNLOAD] = "token-unload",
	[KHSM_AUDIT_ACS_AUTHORISE] = "acs-authorise",
	[KHSM_AUDIT_ACS_EXPIRE] = "acs-expire",
	[KHSM_AUDIT_ACS_LOGOUT] = "acs-logout",
	[KHSM_AUDIT_ACS_REPLACE] = "acs-replace",
	[KHSM_AUDIT_WORLD_BIND] = "world-bind",
	[KHSM_AUDIT_POLICY_SET] = "policy-set",
	[KHSM_AUDIT_CARDSET_CREATE] = "cardset-create",
	[KHSM_AUDIT_KEY_GENERATE] = "key-generate",
	[KHSM_AUDIT_KEY_IMPORT] = "key-import",
	[KHSM_AUDIT_KEY_RECOVER] = "key-recover",
	[KHSM_AUDIT_KEY_LOAD] = "key-load",
	[KHSM_AUDIT_KEY_DESTROY] = "key-destroy",
	[KHSM_AUDIT_KEY_USAGE] = "key-usage",
	[KHSM_AUDIT_KEY_OP] = "key-op",
	[KHSM_AUDIT_REFUSED] = "refused",
	[KHSM_AUDIT_CLEAR] = "clear",
	[KHSM_AUDIT_SUPPRESSED] = "suppressed",
	[KHSM_AUDIT_POWER] = "power",
};

/*
 * audit_log_n_untrustedstring() is not exported: the same rule, here.
 * Text that could end a field or fake one (space, quote, control, 8-bit)
 * goes as hex, the way auditd tools expect; anything else in quotes.
 */
static void kaudit_string(struct audit_buffer *ab, const char *name,
			  const u8 *v, size_t len)
{
	size_t i, n;

	for (i = 0; i < len; i++)
		if (v[i] <= 0x20 || v[i] >= 0x7f || v[i] == '"')
			break;
	if (i == len) {
		audit_log_format(ab, " %s=\"%.*s\"", name, (int)len, v);
		return;
	}
	audit_log_format(ab, " %s=", name);
	for (i = 0; i < len; i += n) {
		n = min_t(size_t, len - i, 64);
		audit_log_format(ab, "%*phN", (int)n, v + i);
	}
}

static void kaudit_item(struct audit_buffer *ab, u16 tag, const u8 *v,
			u16 len)
{
	static const char *const strings[] = {
		[KHSM_AUDIT_T_SET_NAME] = "set",
		[KHSM_AUDIT_T_CARD_NAME] = "card_name",
		[KHSM_AUDIT_T_APP] = "app",
		[KHSM_AUDIT_T_IDENT] = "ident",
		[KHSM_AUDIT_T_REASON] = "reason",
	};

	if (tag < ARRAY_SIZE(strings) && strings[tag]) {
		kaudit_string(ab, strings[tag], v, len);
	} else if (tag == KHSM_AUDIT_T_KEY_HASH && len == KHSM_KEY_HASH_LEN) {
		audit_log_format(ab, " key=%*phN", len, v);
	} else if (tag == KHSM_AUDIT_T_SET_ID && len == KHSM_SET_ID_LEN) {
		audit_log_format(ab, " set_id=%*phN", len, v);
	} else if (len == 1 && (tag == KHSM_AUDIT_T_CARD_INDEX ||
				tag == KHSM_AUDIT_T_SLOT ||
				tag == KHSM_AUDIT_T_CAUSE)) {
		audit_log_format(ab, " %s=%u", tag == KHSM_AUDIT_T_SLOT ? "slot" :
				 tag == KHSM_AUDIT_T_CAUSE ? "cause" : "card", v[0]);
	} else if (tag == KHSM_AUDIT_T_TOKEN_ID && len == 8) {
		audit_log_format(ab, " token=%016llx", get_le64(v));
	} else if (tag == KHSM_AUDIT_T_OP && len == 4) {
		audit_log_format(ab, " key_op=%u", get_le32(v));
	}
}

/*
 * The kernel's audit subsystem gets a readable line per record, with its
 * digest so auditd's copy can be matched with the chained log. GFP_NOWAIT:
 * a full audit backlog must not stall the HSM; audit_log_lost() counts it.
 */
static void kaudit(const struct audit_slot *slot)
{
	const struct khsm_audit_hdr *h = (const void *)slot->rec;
	u16 event = le16_to_cpu(h->event);
	u32 result = le32_to_cpu(h->result);
	struct audit_buffer *ab;
	size_t off = sizeof(*h);
	u16 tag, len;

	ab = audit_log_start(audit_context(), GFP_NOWAIT, AUDIT_KERNEL_OTHER);
	if (!ab)
		return;
	audit_log_format(ab, "op=khsm-%s khsm_seq=%llu res=%u errno=%u pid=%u uid=%u auid=%u ses=%u",
			 event < ARRAY_SIZE(event_names) && event_names[event] ?
			 event_names[event] : "unknown",
			 le64_to_cpu(h->seq), !result, result, le32_to_cpu(h->pid),
			 le32_to_cpu(h->uid), le32_to_cpu(h->loginuid),
			 le32_to_cpu(h->sessionid));
	kaudit_string(ab, "comm", h->comm, strnlen(h->comm, sizeof(h->comm)));
	audit_log_format(ab, " world=%*phN digest=%*phN", KHSM_WORLD_ID_LEN,
			 h->world_id, KHSM_AUDIT_DIGEST_LEN, slot->digest);
	while (off + 4 <= slot->len) {
		tag = get_le16(slot->rec + off);
		len = get_le16(slot->rec + off + 2);
		if (off + 4 + len > slot->len)
			break;
		kaudit_item(ab, tag, slot->rec + off + 4, len);
		off += 4 + len;
	}
	audit_log_end(ab);
}
#else
static void kaudit(const struct audit_slot *slot)
{
}
#endif

/* --- chaining and storing it --- */

static void chain(u8 out[KHSM_AUDIT_DIGEST_LEN], const u8 *rec, size_t len)
{
	struct sha256_state st;

	sha256_init(&st);
	sha256_update(&st, audit.prev, KHSM_AUDIT_DIGEST_LEN);
	sha256_update(&st, rec, len);
	sha256_final(&st, out);
}

static void commit(void)
{
	struct khsm_audit_hdr *h = scratch_hdr();
	struct audit_slot *slot;

	h->len = cpu_to_le16(audit.len);
	chain(audit.prev, audit.scratch, audit.len);
	if (audit.next - audit.first == audit.size) {
		if (audit.forced && audit.first > audit.acked)
			audit.lost++;
		audit.first++;
	}
	slot = ring_slot(audit.next);
	slot->len = audit.len;
	memcpy(slot->digest, audit.prev, KHSM_AUDIT_DIGEST_LEN);
	memcpy(slot->rec, audit.scratch, audit.len);
	audit.next++;
	audit.since_cp++;
	update_blocked();
	multicast(slot);
	kaudit(slot);
}

/*
 * Signs SHA-256(label || le64 seq || SHA-256(D(seq - 1) || record so far)),
 * the record's own header and items included: see "DOC: Audit records".
 */
static int checkpoint(void)
{
	static const char label[] = KHSM_AUDIT_CHECKPOINT_LABEL;
	struct khsm_audit_hdr *h = scratch_hdr();
	u8 digest[SHA256_DIGEST_SIZE], sig[KHSM_ECDSA_SIG_MAX];
	__le64 seq = cpu_to_le64(audit.next);
	struct sha256_state st;
	size_t sig_len = 0;
	int err;

	khsm_audit_begin(KHSM_AUDIT_CHECKPOINT, 0, 0);
	memcpy(h->world_id, audit.key_world, sizeof(h->world_id));
	khsm_audit_put_u64(KHSM_AUDIT_T_FIRST, audit.last_cp + 1);
	h->len = cpu_to_le16(audit.len);
	chain(digest, audit.scratch, audit.len);
	sha256_init(&st);
	sha256_update(&st, label, sizeof(label) - 1);
	sha256_update(&st, (const u8 *)&seq, sizeof(seq));
	sha256_update(&st, digest, sizeof(digest));
	sha256_final(&st, digest);
	err = khsm_ecdsa_sign(KHSM_KEY_EC_P256, audit.priv, digest,
			      sizeof(digest), sig, &sig_len);
	if (err) {
		pr_err_ratelimited("audit checkpoint %llu not signed (%d)\n",
				   audit.next, err);
		h->result = cpu_to_le32(-err);
	} else {
		khsm_audit_put(KHSM_AUDIT_T_SIGNATURE, sig, sig_len);
	}
	commit();
	audit.last_cp = le64_to_cpu(seq);
	audit.since_cp = 0;
	audit.cp_due = false;
	return err;
}

void khsm_audit_end(void)
{
	lockdep_assert_held(&khsm_audit_lock);
	commit();
	if (audit.have_key &&
	    (audit.cp_due || audit.since_cp >= audit.cp_interval))
		checkpoint();
}

bool khsm_audit_refusal_allowed(void)
{
	u64 now = ktime_get_boottime_seconds();
	u64 n;

	lockdep_assert_held(&khsm_audit_lock);
	if (now != audit.rl_second) {
		audit.rl_second = now;
		audit.rl_count = 0;
	}
	if (audit.rl_count >= REFUSALS_PER_SEC) {
		audit.suppressed++;
		return false;
	}
	audit.rl_count++;
	if (audit.suppressed) {
		n = audit.suppressed;
		audit.suppressed = 0;
		khsm_audit_begin(KHSM_AUDIT_SUPPRESSED, 0, 0);
		khsm_audit_put_u64(KHSM_AUDIT_T_COUNT, n);
		khsm_audit_end();
	}
	return true;
}

/* --- forced audit --- */

int khsm_audit_admit(u8 cmd, struct netlink_ext_ack *extack)
{
	switch (cmd) {
	case KHSM_CMD_GET_INFO:
	case KHSM_CMD_SLOT_LIST:
	case KHSM_CMD_TOKEN_LIST:
	case KHSM_CMD_AUDIT_GET:
	case KHSM_CMD_AUDIT_ACK:
	case KHSM_CMD_AUDIT_STATUS:
	/* Giving up power is never held back. */
	case KHSM_CMD_CLEAR:
	case KHSM_CMD_WORLD_UNLOAD:
	case KHSM_CMD_ACS_LOGOUT:
	case KHSM_CMD_CARD_REMOVE:
		return 0;
	}
	if (!READ_ONCE(audit.blocked))
		return 0;
	NL_SET_ERR_MSG_MOD(extack,
			   "forced audit: the audit ring is full of records no consumer has stored; run khsmctl audit follow");
	return -EBUSY;
}

int khsm_audit_admit_data(void)
{
	return READ_ONCE(audit.blocked) ? -EBUSY : 0;
}

/* --- the world's key --- */

static void key_set(const struct khsm_world *w)
{
	u8 pub[KHSM_AUDIT_PUBKEY_LEN];

	memcpy(audit.priv, w->secrets.audit_priv, sizeof(audit.priv));
	memcpy(audit.key_world, w->hdr.world_id, sizeof(audit.key_world));
	audit.have_key = true;
	audit.cp_due = true;
	/* A key that does not match the published one would sign in vain. */
	if (khsm_ec_public_from_private(KHSM_KEY_EC_P256, audit.priv, pub) ||
	    memcmp(pub, w->hdr.audit_pubkey, sizeof(pub)))
		pr_err("the world's audit key does not match its public key: checkpoints will not verify\n");
}

/* The last records of a world, sealed with its key before it is wiped. */
static void world_gone(void)
{
	khsm_audit_usage_flush();
	khsm_audit_begin(KHSM_AUDIT_WORLD_UNLOAD, 0, 0);
	memcpy(scratch_hdr()->world_id, audit.key_world, KHSM_WORLD_ID_LEN);
	commit();
	checkpoint();
	memzero_explicit(audit.priv, sizeof(audit.priv));
	memset(audit.key_world, 0, sizeof(audit.key_world));
	audit.have_key = false;
}

void khsm_audit_world_changed(const struct khsm_world *w)
{
	bool up = w && w->state == KHSM_WORLD_OPERATIONAL;

	lockdep_assert_held(&khsm_ctl_lock);
	mutex_lock(&khsm_audit_lock);
	if (audit.have_key &&
	    (!up || memcmp(audit.key_world, w->hdr.world_id, KHSM_WORLD_ID_LEN)))
		world_gone();
	if (w)
		memcpy(audit.world_id, w->hdr.world_id, KHSM_WORLD_ID_LEN);
	else
		memset(audit.world_id, 0, KHSM_WORLD_ID_LEN);
	audit.forced = up && (w->opts.flags & KHSM_WORLD_F_FORCED_AUDIT);
	WRITE_ONCE(audit.per_op, up && (w->opts.flags & KHSM_WORLD_F_AUDIT_PER_OP));
	audit.cp_interval = up && w->opts.audit_checkpoint ?
			    w->opts.audit_checkpoint : KHSM_AUDIT_CHECKPOINT_DEFAULT;
	if (up && !audit.have_key)
		key_set(w);
	update_blocked();
	mutex_unlock(&khsm_audit_lock);
}

bool khsm_audit_per_op(void)
{
	return READ_ONCE(audit.per_op);
}

/* --- the AUDIT_* commands --- */

static const struct nla_policy audit_attr_policy[KHSM_A_AUDIT_MAX + 1] = {
	[KHSM_A_AUDIT_SEQ]	= { .type = NLA_U64 },
	[KHSM_A_AUDIT_INSTANCE]	= NLA_POLICY_EXACT_LEN(KHSM_AUDIT_INSTANCE_LEN),
};

const struct nla_policy khsm_audit_policy[KHSM_A_MAX + 1] = {
	[KHSM_A_AUDIT]		= NLA_POLICY_NESTED(audit_attr_policy),
};

static struct nlattr **dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

static int parse_nest(struct nlattr **attrs, struct nlattr **tb,
		      struct netlink_ext_ack *extack)
{
	memset(tb, 0, sizeof(*tb) * (KHSM_A_AUDIT_MAX + 1));
	if (!attrs[KHSM_A_AUDIT])
		return 0;
	return nla_parse_nested(tb, KHSM_A_AUDIT_MAX, attrs[KHSM_A_AUDIT],
				audit_attr_policy, extack);
}

/* Dumps have no pre_doit: the role is checked here. */
int khsm_audit_nl_get_start(struct netlink_callback *cb)
{
	struct nlattr *tb[KHSM_A_AUDIT_MAX + 1];
	int err;

	err = khsm_check_nl_role(cb->skb, KHSM_ROLE_OFFICER, cb->extack);
	if (err)
		return khsm_audit_refused(KHSM_CMD_AUDIT_GET, err, cb->extack);
	err = parse_nest(dump_attrs(cb), tb, cb->extack);
	if (err)
		return err;
	cb->args[0] = tb[KHSM_A_AUDIT_SEQ] ? nla_get_u64(tb[KHSM_A_AUDIT_SEQ]) : 0;
	return 0;
}

int khsm_audit_nl_get_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	u64 seq = cb->args[0];
	void *hdr;

	mutex_lock(&khsm_audit_lock);
	seq = max(seq, audit.first);
	for (; seq < audit.next; seq++) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, khsm_nl_family(),
				  NLM_F_MULTI, KHSM_CMD_AUDIT_GET);
		if (!hdr)
			break;
		if (put_record(skb, ring_slot(seq))) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	mutex_unlock(&khsm_audit_lock);
	cb->args[0] = seq;
	return skb->len;
}

int khsm_audit_nl_ack(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[KHSM_A_AUDIT_MAX + 1];
	struct nlattr *nest = info->attrs[KHSM_A_AUDIT];
	u64 seq;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, KHSM_A_AUDIT))
		return -EINVAL;
	err = parse_nest(info->attrs, tb, info->extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(info->extack, nest, tb, KHSM_A_AUDIT_INSTANCE) ||
	    NL_REQ_ATTR_CHECK(info->extack, nest, tb, KHSM_A_AUDIT_SEQ))
		return -EINVAL;
	seq = nla_get_u64(tb[KHSM_A_AUDIT_SEQ]);
	mutex_lock(&khsm_audit_lock);
	if (memcmp(nla_data(tb[KHSM_A_AUDIT_INSTANCE]), audit.instance,
		   KHSM_AUDIT_INSTANCE_LEN)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[KHSM_A_AUDIT_INSTANCE],
				    "these records are of an earlier load of the module");
		err = -ESTALE;
	} else if (seq >= audit.next) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[KHSM_A_AUDIT_SEQ],
				    "no record has this sequence number yet");
		err = -ERANGE;
	} else {
		audit.acked = max(audit.acked, seq);
		update_blocked();
	}
	mutex_unlock(&khsm_audit_lock);
	return err;
}

static struct sk_buff *reply_new(struct genl_info *info, u8 cmd, void **hdr)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);

	if (!msg)
		return NULL;
	*hdr = genlmsg_put_reply(msg, info, khsm_nl_family(), 0, cmd);
	if (!*hdr) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int reply_seq(struct genl_info *info, u64 seq)
{
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;

	msg = reply_new(info, KHSM_CMD_AUDIT_CHECKPOINT, &hdr);
	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, KHSM_A_AUDIT);
	if (!nest || nla_put_u64_64bit(msg, KHSM_A_AUDIT_SEQ, seq,
				       KHSM_A_AUDIT_PAD)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

int khsm_audit_nl_checkpoint(struct sk_buff *skb, struct genl_info *info)
{
	u64 seq = 0;
	int err = 0;

	mutex_lock(&khsm_audit_lock);
	if (!audit.have_key) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "no world is operational: there is no audit key to sign with");
		err = -ENOKEY;
	} else {
		khsm_audit_usage_flush();
		err = checkpoint();
		seq = audit.last_cp;
	}
	mutex_unlock(&khsm_audit_lock);
	return err ?: reply_seq(info, seq);
}

static int put_status(struct sk_buff *msg)
{
	struct nlattr *nest = nla_nest_start(msg, KHSM_A_AUDIT);

	if (!nest ||
	    nla_put(msg, KHSM_A_AUDIT_INSTANCE, KHSM_AUDIT_INSTANCE_LEN,
		    audit.instance) ||
	    nla_put_u64_64bit(msg, KHSM_A_AUDIT_FIRST, audit.first,
			      KHSM_A_AUDIT_PAD) ||
	    nla_put_u64_64bit(msg, KHSM_A_AUDIT_NEXT, audit.next,
			      KHSM_A_AUDIT_PAD) ||
	    nla_put_u64_64bit(msg, KHSM_A_AUDIT_ACKED, audit.acked,
			      KHSM_A_AUDIT_PAD) ||
	    nla_put_u32(msg, KHSM_A_AUDIT_RING, audit.size) ||
	    nla_put_u64_64bit(msg, KHSM_A_AUDIT_LAST_CHECKPOINT, audit.last_cp,
			      KHSM_A_AUDIT_PAD) ||
	    nla_put_u64_64bit(msg, KHSM_A_AUDIT_LOST, audit.lost,
			      KHSM_A_AUDIT_PAD) ||
	    (audit.forced && nla_put_flag(msg, KHSM_A_AUDIT_FORCED)) ||
	    (audit.blocked && nla_put_flag(msg, KHSM_A_AUDIT_BLOCKED)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

int khsm_audit_nl_status(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = reply_new(info, KHSM_CMD_AUDIT_STATUS, &hdr);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&khsm_audit_lock);
	err = put_status(msg);
	mutex_unlock(&khsm_audit_lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* --- life --- */

static void genesis(void)
{
	static const char label[] = KHSM_AUDIT_GENESIS_LABEL;
	struct sha256_state st;

	sha256_init(&st);
	sha256_update(&st, label, sizeof(label) - 1);
	sha256_update(&st, audit.instance, sizeof(audit.instance));
	sha256_final(&st, audit.prev);
}

int khsm_audit_init(void)
{
	if (audit_ring < RING_MIN || audit_ring > RING_MAX) {
		pr_err("audit_ring=%u: must be between %u and %u\n", audit_ring,
		       RING_MIN, RING_MAX);
		return -EINVAL;
	}
	audit.ring = kvcalloc(audit_ring, sizeof(*audit.ring), GFP_KERNEL);
	if (!audit.ring)
		return -ENOMEM;
	audit.size = audit_ring;
	audit.next = 1;
	audit.first = 1;
	audit.cp_interval = KHSM_AUDIT_CHECKPOINT_DEFAULT;
	get_random_bytes(audit.instance, sizeof(audit.instance));
	genesis();

	mutex_lock(&khsm_audit_lock);
	khsm_audit_begin(KHSM_AUDIT_MODULE_LOAD, 0, 0);
	khsm_audit_put_str(KHSM_AUDIT_T_VERSION, KHSM_VERSION, 64);
	khsm_audit_put_u32(KHSM_AUDIT_T_RING, audit.size);
	khsm_audit_end();
	mutex_unlock(&khsm_audit_lock);
	return 0;
}

void khsm_audit_start(void)
{
	mutex_lock(&khsm_audit_lock);
	audit.nl_up = true;
	mutex_unlock(&khsm_audit_lock);
	khsm_audit_usage_start();
}

/* Before the family goes: the last records still reach the consumer. */
void khsm_audit_stop(void)
{
	khsm_audit_usage_stop();
	mutex_lock(&khsm_audit_lock);
	khsm_audit_usage_flush();
	khsm_audit_begin(KHSM_AUDIT_MODULE_UNLOAD, 0, 0);
	commit();
	if (audit.have_key)
		checkpoint();
	audit.nl_up = false;
	mutex_unlock(&khsm_audit_lock);
}

void khsm_audit_uninit(void)
{
	khsm_audit_usage_free();
	mutex_lock(&khsm_audit_lock);
	memzero_explicit(audit.priv, sizeof(audit.priv));
	audit.have_key = false;
	kvfree(audit.ring);
	audit.ring = NULL;
	mutex_unlock(&khsm_audit_lock);
}
