/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The audit log: every security-relevant event becomes a record, chained
 * by SHA-256 and vouched for by checkpoints signed with the world's audit
 * key (see "DOC: Audit records" in the uapi header and
 * Documentation/audit.md).
 *
 * Locking: audit.c has its own mutex, taken inside khsm_ctl_lock when a
 * ceremony holds that, and alone on the data path; it never takes
 * khsm_ctl_lock. So every hook below may be called with or without
 * khsm_ctl_lock, but never under a spinlock or in atomic context. Hooks
 * that read the world say so and need khsm_ctl_lock.
 */
#ifndef _KHSM_AUDIT_H
#define _KHSM_AUDIT_H

#include <linux/types.h>
#include <linux/khsm.h>
#include <net/netlink.h>

struct genl_family;
struct genl_info;
struct netlink_callback;
struct netlink_ext_ack;
struct sk_buff;
struct khsm_cardset_req;
struct khsm_file;
struct khsm_insert_req;
struct khsm_insert_res;
struct khsm_key;
struct khsm_key_req;
struct khsm_token;
struct khsm_world;

/* main.c: init makes the genesis record; start/stop bracket netlink. */
int khsm_audit_init(void);
void khsm_audit_start(void);
void khsm_audit_stop(void);
void khsm_audit_uninit(void);

/* Forced audit: 0, or -EBUSY (with a message) while the ring is full. */
int khsm_audit_admit(u8 cmd, struct netlink_ext_ack *extack);
int khsm_audit_admit_data(void);

/* A request refused before or outside an event of its own; returns @err. */
int khsm_audit_refused(u8 cmd, int err, const struct netlink_ext_ack *extack);

/* world.c: the world or its policy changed (khsm_ctl_lock held). */
void khsm_audit_world_changed(const struct khsm_world *w);

/*
 * netlink.c: the outcome of a world command. On success it reads the
 * world, so khsm_ctl_lock must be held; a failure needs no lock.
 */
void khsm_audit_world_cmd(u16 event, int err,
			  const struct netlink_ext_ack *extack);
void khsm_audit_cardset(const struct khsm_cardset_req *req, const u8 *set_id,
			int err, const struct netlink_ext_ack *extack);
void khsm_audit_card_remove(u8 slot, int err,
			    const struct netlink_ext_ack *extack);

/* slots.c: a card presented (khsm_ctl_lock held); @res may be NULL. */
void khsm_audit_card(u16 event, const struct khsm_insert_req *req,
		     const struct khsm_insert_res *res, int err,
		     const struct netlink_ext_ack *extack);

/* tokens.c, acs.c, state.c */
void khsm_audit_token(u16 event, const struct khsm_token *t, u8 cause);
void khsm_audit_acs(u16 event, u32 tokens, u32 timeout);
void khsm_audit_power(u8 cause);
void khsm_audit_selftest(u32 state, const char *reason);

/* keys.c, chardev.c, ops.c */
void khsm_audit_key_create(const struct khsm_key_req *req,
			   const struct khsm_key_hdr *h, int err,
			   const struct netlink_ext_ack *extack);
void khsm_audit_key_recover(const u8 *blob, size_t len,
			    const struct khsm_key_hdr *h, int err,
			    const struct netlink_ext_ack *extack);
void khsm_audit_key_load(const u8 *blob, size_t len, u64 token_id, int err);
void khsm_audit_key_destroy(struct khsm_file *f, u64 handle);
void khsm_audit_key_op(const struct khsm_key *k, u32 op, u32 mech, int err);

/* netlink.c: the AUDIT_* commands, and the family to multicast on */
extern const struct nla_policy khsm_audit_policy[KHSM_A_MAX + 1];
int khsm_audit_nl_get_start(struct netlink_callback *cb);
int khsm_audit_nl_get_dump(struct sk_buff *skb, struct netlink_callback *cb);
int khsm_audit_nl_ack(struct sk_buff *skb, struct genl_info *info);
int khsm_audit_nl_checkpoint(struct sk_buff *skb, struct genl_info *info);
int khsm_audit_nl_status(struct sk_buff *skb, struct genl_info *info);
const struct genl_family *khsm_nl_family(void);

#endif /* _KHSM_AUDIT_H */
