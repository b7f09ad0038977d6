// SPDX-License-Identifier: GPL-2.0
/*
 * khsm: a software hardware security module living in the kernel.
 * This file is init and exit only; each concern has its own file.
 */
#include <linux/init.h>
#include <linux/module.h>

#include "audit.h"
#include "keys.h"
#include "khsm.h"
#include "retry.h"
#include "slots.h"
#include "tokens.h"
#include "world.h"

static int __init khsm_init(void)
{
	int err;

	/* The audit log first: the self-tests' outcome is its second record. */
	err = khsm_audit_init();
	if (err)
		return err;
	/*
	 * Self-tests first: their outcome must be settled before the device
	 * and the family let anyone in. A failure does not fail init; it
	 * leaves the module in its error state (see selftest.c).
	 */
	khsm_selftest_run();

	err = khsm_retry_init();
	if (err)
		goto err_out;
	err = khsm_tokens_init();
	if (err)
		goto err_retry;
	err = khsm_slots_init();
	if (err)
		goto err_tokens;
	err = khsm_keys_init();
	if (err)
		goto err_slots;
	err = khsm_chardev_init();
	if (err)
		goto err_keys;
	err = khsm_netlink_init();
	if (err)
		goto err_chardev;
	err = khsm_power_init();
	if (err)
		goto err_netlink;
	khsm_audit_start();

	pr_info("khsm %s loaded (ABI %u)%s\n", KHSM_VERSION, KHSM_ABI_VERSION,
		khsm_selftest_state() == KHSM_SELFTEST_PASSED ?
		"" : " in its error state");
	return 0;

err_netlink:
	khsm_netlink_uninit();
err_chardev:
	khsm_chardev_uninit();
err_keys:
	khsm_keys_uninit();
err_slots:
	khsm_slots_uninit();
err_tokens:
	khsm_tokens_uninit();
err_retry:
	khsm_retry_uninit();
err_out:
	khsm_audit_uninit();
	return err;
}

static void __exit khsm_exit(void)
{
	khsm_audit_stop();
	khsm_power_uninit();
	khsm_netlink_uninit();
	khsm_chardev_uninit();
	/* Every file is closed: no key object is left in the cache. */
	khsm_keys_uninit();
	/* No caller is left: zeroise the world before its slots go. */
	mutex_lock(&khsm_ctl_lock);
	if (khsm_world_get_locked())
		khsm_world_unload();
	mutex_unlock(&khsm_ctl_lock);
	khsm_slots_uninit();
	khsm_tokens_uninit();
	khsm_retry_uninit();
	khsm_audit_uninit();
}

module_init(khsm_init);
module_exit(khsm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("khsm: a software hardware security module (Security World in the kernel)");
MODULE_AUTHOR("khsm developers");
MODULE_VERSION(KHSM_VERSION);
MODULE_SOFTDEP("pre: gcm aes hmac sha256 sha512 cmac keywrap drbg ecc");
