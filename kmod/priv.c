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
		 "numeric gid of the khsm operator group (default -1: none, only CAP_SYS_ADMIN may use the control channel)");

bool khsm_caller_in_init_userns(void)
{
	return current_user_ns() == &init_user_ns;
}

static bool cred_in_khsm_group(const struct cred *cred)
{
	kgid_t kgid;
	int i;

	if (khsm_gid < 0)
		return false;
	kgid = make_kgid(&init_user_ns, khsm_gid);
	if (!gid_valid(kgid))
		return false;
	if (gid_eq(cred->egid, kgid))
		return true;
	for (i = 0; i < cred->group_info->ngroups; i++)
		if (gid_eq(cred->group_info->gid[i], kgid))
			return true;
	return false;
}

static const struct cred *nl_sender_file_cred(const struct sk_buff *skb)
{
	const struct sock *sk = NETLINK_CB(skb).sk;

	if (!sk || !sk->sk_socket || !sk->sk_socket->file)
		return NULL;
	return sk->sk_socket->file->f_cred;
}

static bool nl_in_khsm_group(const struct sk_buff *skb)
{
	const struct cred *opener = nl_sender_file_cred(skb);

	return opener && cred_in_khsm_group(opener) &&
	       cred_in_khsm_group(current_cred());
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
			   "caller is not in the khsm group (module parameter gid)");
	return -EPERM;
}
