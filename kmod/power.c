// SPDX-License-Identifier: GPL-2.0
/*
 * Power transitions. A host that suspends or hibernates may be left
 * unattended, and a hibernation image carries RAM to disk: the
 * authorisations that mean "an operator is here with cards" (cards in
 * slots, partial quorums, non-persistent tokens, ACS authorisations) go
 * before it, as pulling the cards out of a real HSM would. Persistent
 * tokens and loaded keys stay: they were loaded to outlive their cards.
 *
 * Reboot, halt, power-off and kexec (kernel_kexec() calls the reboot
 * chain) zeroise the whole world: kexec keeps RAM for the next kernel,
 * and a warm reboot may too.
 *
 * Both notifiers take khsm_ctl_lock (world.h), the outermost lock; they
 * run in process context with nothing of ours held.
 */
#include <linux/notifier.h>
#include <linux/reboot.h>
#include <linux/suspend.h>

#include "acs.h"
#include "audit.h"
#include "khsm.h"
#include "slots.h"
#include "tokens.h"
#include "world.h"

static void power_drop_presence(u8 cause)
{
	struct khsm_world *w;

	mutex_lock(&khsm_ctl_lock);
	w = khsm_world_get_locked();
	khsm_audit_power(cause);
	if (w && w->state == KHSM_WORLD_OPERATIONAL) {
		if (w->auth_mask)
			khsm_acs_logout(w);
		khsm_tokens_unload_present(cause);
	}
	/* A world still LOADING loses its quorum in progress too. */
	khsm_slots_clear_all();
	mutex_unlock(&khsm_ctl_lock);
}

static int khsm_pm_notify(struct notifier_block *nb, unsigned long event,
			  void *unused)
{
	switch (event) {
	case PM_SUSPEND_PREPARE:
		power_drop_presence(KHSM_AUDIT_CAUSE_SUSPEND);
		break;
	case PM_HIBERNATION_PREPARE:
		power_drop_presence(KHSM_AUDIT_CAUSE_HIBERNATE);
		break;
	}
	return NOTIFY_DONE;
}

static int khsm_reboot_notify(struct notifier_block *nb, unsigned long event,
			      void *unused)
{
	mutex_lock(&khsm_ctl_lock);
	khsm_audit_power(KHSM_AUDIT_CAUSE_REBOOT);
	if (khsm_world_get_locked())
		khsm_world_unload();
	mutex_unlock(&khsm_ctl_lock);
	return NOTIFY_DONE;
}

static struct notifier_block khsm_pm_nb = {
	.notifier_call = khsm_pm_notify,
};

static struct notifier_block khsm_reboot_nb = {
	.notifier_call = khsm_reboot_notify,
};

int khsm_power_init(void)
{
	int err;

	err = register_pm_notifier(&khsm_pm_nb);
	if (err)
		return err;
	err = register_reboot_notifier(&khsm_reboot_nb);
	if (err)
		unregister_pm_notifier(&khsm_pm_nb);
	return err;
}

void khsm_power_uninit(void)
{
	unregister_reboot_notifier(&khsm_reboot_nb);
	unregister_pm_notifier(&khsm_pm_nb);
}
