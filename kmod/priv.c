// SPDX-License-Identifier: GPL-2.0
/*
 * Roles. A netlink request is judged on two sets of credentials: the
 * process sending it (current) and the process that opened the socket
 * (the socket file's f_cred). Both must hold the role, so neither a
 * privileged helper tricked into writing to an attacker's socket nor an
 * attacker handed a privileged socket can act beyond its own rights. This
 * is what netlink_capable() does for capabilities; groups get the same.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/moduleparam.h>
#include <linux/netlink.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "khsm.h"

int khsm_gid = -1;
module_param_named(gid, khsm_gid, int, 0444);
MODULE_PARM_DESC(gid,
		 "numeric gid of the khsm operator group until a world's policy names one (default -1: none, only CAP_SYS_ADMIN may use the control channel)");

/*
 * The loaded world's policy may name the operator and user groups; they
 * are read on every request without the control lock, so world.c
 * publishes them here whenever the world or its policy changes.
 */
static atomic_t policy_operator_gid = ATOMIC_INIT(0);
static atomic_t policy_user_gid = ATOMIC_INIT(0);

void khsm_priv_set_policy(u32 operator_gid, u32 user_gid)
{
	atomic_set(&policy_operator_gid, operator_gid);
	atomic_set(&policy_user_gid, user_gid);
}

/* -1: no operator group at all */
static long operator_gid(void)
{
	u32 gid = atomic_read(&policy_operator_gid);

	return gid ? gid : khsm_gid;
}

bool khsm_caller_in_init_userns(void)
{
	return current_user_ns() == &init_user_ns;
}

/* in_egroup_p() for any credentials, not only current's */
bool khsm_cred_in_kgroup(const struct cred *cred, kgid_t kgid)
{
	int i;

	if (!cred || !gid_valid(kgid))
		return false;
	if (gid_eq(cred->egid, kgid))
		return true;
	for (i = 0; i < cred->group_info->ngroups; i++)
		if (gid_eq(cred->group_info->gid[i], kgid))
			return true;
	return false;
}

static bool cred_in_group(const struct cred *cred, long gid)
{
	if (gid < 0)
		return false;
	return khsm_cred_in_kgroup(cred, make_kgid(&init_user_ns, gid));
}

/*
 * The credentials of the process that opened the request's socket. Every
 * check of a netlink request that looks at a uid or a group (a token's
 * owner, its share group) asks them as well as current's, for the reason
 * given at the top of this file.
 */
const struct cred *khsm_nl_opener(const struct sk_buff *skb)
{
	const struct sock *sk = NETLINK_CB(skb).sk;

	if (!sk || !sk->sk_socket || !sk->sk_socket->file)
		return NULL;
	return sk->sk_socket->file->f_cred;
}

static bool nl_in_khsm_group(const struct sk_buff *skb)
{
	const struct cred *opener = khsm_nl_opener(skb);

	long gid = operator_gid();

	return opener && cred_in_group(opener, gid) &&
	       cred_in_group(current_cred(), gid);
}

int khsm_check_nl_role(const struct sk_buff *skb, enum khsm_role role,
		       struct netlink_ext_ack *extack)
{
	if (!khsm_caller_in_init_userns() ||
	    sk_user_ns(NETLINK_CB(skb).sk) != &init_user_ns) {
		NL_SET_ERR_MSG_MOD(extack,
				   "callers outside the initial user namespace are refused");
		return -EPERM;
	}
	if (netlink_capable(skb, CAP_SYS_ADMIN))
		return 0;
	if (role == KHSM_ROLE_OFFICER) {
		NL_SET_ERR_MSG_MOD(extack,
				   "security officer command: needs CAP_SYS_ADMIN");
		return -EPERM;
	}
	if (nl_in_khsm_group(skb))
		return 0;
	NL_SET_ERR_MSG_MOD(extack,
			   "caller is not in the khsm group (the policy's operator group, else module parameter gid)");
	return -EPERM;
}

/*
 * Opening /dev/khsm: the device node's permissions come first; a policy
 * that names a user group narrows them further to that group, the
 * operator group and CAP_SYS_ADMIN.
 */
int khsm_check_open(void)
{
	const struct cred *cred = current_cred();
	u32 user_gid = atomic_read(&policy_user_gid);

	if (!khsm_caller_in_init_userns())
		return -EPERM;
	if (!user_gid || capable(CAP_SYS_ADMIN) ||
	    cred_in_group(cred, user_gid) || cred_in_group(cred, operator_gid()))
		return 0;
	return -EPERM;
}
