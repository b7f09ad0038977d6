// SPDX-License-Identifier: GPL-2.0
/*
 * Module-wide state. The self-test result is written once during init,
 * before the device and the netlink family exist, so readers need no lock;
 * READ_ONCE/WRITE_ONCE document that it is shared.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <net/netlink.h>

#include "audit.h"
#include "khsm.h"
#include "world.h"

static enum khsm_selftest_state selftest_state = KHSM_SELFTEST_PENDING;
static char selftest_reason[128];

enum khsm_selftest_state khsm_selftest_state(void)
{
	return READ_ONCE(selftest_state);
}

const char *khsm_selftest_reason(void)
{
	return selftest_reason;
}

void khsm_selftest_set_result(enum khsm_selftest_state state,
			      const char *reason)
{
	strscpy(selftest_reason, reason ?: "", sizeof(selftest_reason));
	WRITE_ONCE(selftest_state, state);
	khsm_audit_selftest(state, reason);
}

enum khsm_world_state khsm_world_state(void)
{
	enum khsm_world_state state;

	mutex_lock(&khsm_ctl_lock);
	state = khsm_world_state_locked();
	mutex_unlock(&khsm_ctl_lock);
	return state;
}

/*
 * Every entry point that does work calls this first: in the error state
 * the module refuses everything but GET_INFO, and says why.
 */
int khsm_check_operational(struct netlink_ext_ack *extack)
{
	if (likely(khsm_selftest_state() == KHSM_SELFTEST_PASSED))
		return 0;
	NL_SET_ERR_MSG_MOD(extack,
			   "module is in its error state (self-test failed); reload it");
	return -EIO;
}
