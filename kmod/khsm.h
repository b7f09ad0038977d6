/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the files of khsm.ko. Each file owns one
 * concern; this header is the only place they meet.
 */
#ifndef _KHSM_H
#define _KHSM_H

#include <linux/types.h>
#include <linux/khsm.h>
#include <linux/netlink.h>
#include <linux/uidgid.h>

struct cred;
struct sk_buff;
struct netlink_ext_ack;

/*
 * Sets an extack message that is not a literal (NL_SET_ERR_MSG wants one).
 * @msg must live as long as the module: the ack is built after we return.
 */
static inline void khsm_set_errmsg(struct netlink_ext_ack *extack,
				   const char *msg)
{
	if (extack)
		extack->_msg = msg;
}

/* state.c: module-wide state (self-test outcome, world state) */
enum khsm_selftest_state khsm_selftest_state(void);
const char *khsm_selftest_reason(void);
void khsm_selftest_set_result(enum khsm_selftest_state state,
			      const char *reason);
enum khsm_world_state khsm_world_state(void);
int khsm_check_operational(struct netlink_ext_ack *extack);

/* priv.c: who may do what */
enum khsm_role {
	KHSM_ROLE_QUERY,	/* khsm group (or security officer) */
	KHSM_ROLE_OPERATOR,	/* khsm group (or security officer) */
	KHSM_ROLE_OFFICER,	/* CAP_SYS_ADMIN in the initial user ns */
};

extern int khsm_gid;
bool khsm_caller_in_init_userns(void);
int khsm_check_nl_role(const struct sk_buff *skb, enum khsm_role role,
		       struct netlink_ext_ack *extack);
int khsm_check_open(void);
const struct cred *khsm_nl_opener(const struct sk_buff *skb);
bool khsm_cred_in_kgroup(const struct cred *cred, kgid_t kgid);
void khsm_priv_set_policy(u32 operator_gid, u32 user_gid);

/* selftest.c: known-answer tests of the kernel crypto khsm relies on */
int khsm_selftest_run(void);

/* chardev.c: /dev/khsm */
int khsm_chardev_init(void);
void khsm_chardev_uninit(void);

/* netlink.c: the "khsm" generic netlink family */
int khsm_netlink_init(void);
void khsm_netlink_uninit(void);

/* power.c: suspend, hibernate, reboot and kexec drop what they must */
int khsm_power_init(void);
void khsm_power_uninit(void);

#endif /* _KHSM_H */
