// SPDX-License-Identifier: GPL-2.0
/*
 * Power transitions (kmod/power.c): suspend and hibernation take what
 * stands for "an operator is present with cards" and leave what was
 * loaded to outlive its cards.
 *
 * The transitions are real ones, driven through /sys/power/state with
 * /sys/power/pm_test set to "freezer": the kernel runs the PM notifier
 * chain and freezes every task, then thaws instead of powering down.
 * Debian's kernels have PM_DEBUG; a kernel without pm_test skips.
 *
 * Runs as root in the guest with khsm.ko loaded; makes its own worlds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/khsm.h>

#include "kselftest_harness.h"
#include "keyutil.h"

#define PP 0x3c

FIXTURE(power) {
	struct nlraw nl;
	int fd;
	struct ku_files world;
	struct ku_files ocs;
	struct ku_files soft;
	uint64_t ocs_token, soft_token;
	uint64_t ocs_h, soft_h;
};

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return errno;
	n = write(fd, s, strlen(s));
	if (n < 0)
		err = errno;
	close(fd);
	return err;
}

static int pm_test_available(void)
{
	return access("/sys/power/pm_test", W_OK) == 0;
}

/* One transition to @state ("freeze" or "disk") that thaws at once. */
static int pm_transition(const char *state)
{
	int err;

	/* Absent on kernels built without it: the default delay is 5 s. */
	write_file("/sys/module/suspend/parameters/pm_test_delay", "0");
	err = write_file("/sys/power/pm_test", "freezer");
	if (err)
		return err;
	err = write_file("/sys/power/state", state);
	write_file("/sys/power/pm_test", "none");
	return err;
}

static int mac(int fd, uint64_t h)
{
	struct khsm_ioc_op op;
	unsigned char out[32];

	ku_op_init(&op, h, KHSM_OP_MAC_GENERATE, KHSM_MECH_HMAC_SHA256);
	ku_op_io(&op, "power", 5, out, sizeof(out));
	return ku_op(fd, &op);
}

static uint64_t hmac_key(struct __test_metadata *_metadata,
			 FIXTURE_DATA(power) *self, uint8_t protection,
			 uint64_t token)
{
	struct ku_keyspec s = ku_spec(KHSM_KEY_HMAC, BIT(KHSM_OP_MAC_GENERATE),
				      BIT(KHSM_MECH_HMAC_SHA256), 0);
	struct ku_blob b;
	uint64_t h = 0;

	s.protection = protection;
	s.token_id = token;
	EXPECT_EQ(0, ku_key_generate(&self->nl, &s, &b))
		TH_LOG("generate: %s", self->nl.extack);
	EXPECT_EQ(0, ku_load(self->fd, b.data, b.len, 0, &h));
	return h;
}

/*
 * An authorised officer (the ACS card in slot 0), a non-persistent OCS
 * token whose card stays in slot 2, a persistent softcard token whose
 * card left; a key of each loaded.
 */
FIXTURE_SETUP(power)
{
	self->fd = -1;
	if (!pm_test_available())
		SKIP(return, "no /sys/power/pm_test (kernel without PM_DEBUG)");
	ASSERT_EQ(0, nlraw_open(&self->nl, KHSM_GENL_NAME));
	ASSERT_EQ(0, ku_world_fresh(&self->nl, &self->world))
		TH_LOG("world: %s", self->nl.extack);
	self->fd = ku_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ku_cardset_create(&self->nl, KHSM_SET_OCS, "ocs", 0, PP,
				       &self->ocs)) TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, ku_softcard_create(&self->nl, "soft", PP, &self->soft))
		TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, ku_card_insert(&self->nl, 1, &self->soft, PP,
				    &self->soft_token));
	ASSERT_EQ(0, ku_card_remove(&self->nl, 1));
	ASSERT_EQ(0, ku_card_insert(&self->nl, 2, &self->ocs, PP,
				    &self->ocs_token));
	ASSERT_EQ(0, ku_card_insert(&self->nl, 0, &self->world, -1, NULL))
		TH_LOG("ACS card: %s", self->nl.extack);
	ASSERT_NE(0, ku_info_u32(&self->nl, KHSM_A_INFO_ACS_AUTH) &
		     BIT(KHSM_TOKEN_ACS));
	self->ocs_h = hmac_key(_metadata, self, KHSM_PROTECT_OCS,
			       self->ocs_token);
	self->soft_h = hmac_key(_metadata, self, KHSM_PROTECT_SOFTCARD,
				self->soft_token);
	ASSERT_EQ(0, mac(self->fd, self->ocs_h));
	ASSERT_EQ(0, mac(self->fd, self->soft_h));
}

FIXTURE_TEARDOWN(power)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->nl.fd > 0) {
		ku_world_unload(&self->nl);
		nlraw_close(&self->nl);
	}
}

FIXTURE_VARIANT(power) {
	const char *state;
	const char *cause;
};

FIXTURE_VARIANT_ADD(power, suspend) {
	.state = "freeze",
	.cause = "suspend",
};

FIXTURE_VARIANT_ADD(power, hibernate) {
	.state = "disk",
	.cause = "hibernate",
};

/* Each record of the kernel's audit ring with @event and @cause. */
static int audit_has(const char *event, const char *cause)
{
	char cmd[512];
	const char *top = getenv("KHSM_TOP");

	if (!top)
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "set -e; f=$(mktemp); trap 'rm -f $f' EXIT; "
		 "%s/utils/khsmctl audit follow --out $f --once --no-ack 2>/dev/null; "
		 "%s/utils/khsmctl audit show $f | tail -n 40 | "
		 "grep -E ' %s .*cause=%s' >/dev/null",
		 top, top, event, cause);
	return system(cmd);
}

/* The harness runs the body after a SKIP in the fixture's setup. */
#define SKIP_WITHOUT_PM_TEST()						\
	do {								\
		if (!pm_test_available())				\
			SKIP(return, "no /sys/power/pm_test");		\
	} while (0)

TEST_F_TIMEOUT(power, transition_drops_presence_keeps_persistent, 120)
{
	int err;

	SKIP_WITHOUT_PM_TEST();

	err = pm_transition(variant->state);
	if (err == EPERM || err == EINVAL || err == ENODEV)
		SKIP(return, "the kernel refuses %s here: %s", variant->state,
		     strerror(err));
	ASSERT_EQ(0, err) TH_LOG("%s: %s", variant->state, strerror(err));

	/* The officer is logged out, the cards left their slots. */
	EXPECT_EQ(0, ku_info_u32(&self->nl, KHSM_A_INFO_ACS_AUTH));
	EXPECT_EQ(0, ku_info_u32(&self->nl, KHSM_A_INFO_ACS_AUTH_REMAINING));
	/* The OCS token went with its card: its key is revoked. */
	EXPECT_EQ(EKEYREVOKED, mac(self->fd, self->ocs_h));
	EXPECT_EQ(ENOKEY, ku_token_unload(&self->nl, self->ocs_token));
	/* The persistent softcard token and its key stay. */
	EXPECT_EQ(0, mac(self->fd, self->soft_h));
	/* The world stays operational: the cards work again. */
	EXPECT_EQ(KHSM_WORLD_OPERATIONAL,
		  ku_info_u32(&self->nl, KHSM_A_INFO_WORLD_STATE));
	EXPECT_EQ(0, ku_card_insert(&self->nl, 2, &self->ocs, PP,
				    &self->ocs_token));
	EXPECT_EQ(0, ku_card_insert(&self->nl, 0, &self->world, -1, NULL));
	EXPECT_NE(0, ku_info_u32(&self->nl, KHSM_A_INFO_ACS_AUTH));
	EXPECT_EQ(0, ku_token_unload(&self->nl, self->soft_token));
	EXPECT_EQ(EKEYREVOKED, mac(self->fd, self->soft_h));
	EXPECT_EQ(0, audit_has("power", variant->cause))
		TH_LOG("no 'power cause=%s' record in the audit ring",
		       variant->cause);
	EXPECT_EQ(0, audit_has("token-unload", variant->cause))
		TH_LOG("no 'token-unload cause=%s' record", variant->cause);
}

/* With no world at all, a transition is harmless and recorded. */
TEST_F_TIMEOUT(power, transition_without_world, 120)
{
	int err;

	SKIP_WITHOUT_PM_TEST();

	ASSERT_EQ(0, ku_world_unload(&self->nl));
	err = pm_transition(variant->state);
	if (err == EPERM || err == EINVAL || err == ENODEV)
		SKIP(return, "the kernel refuses %s here: %s", variant->state,
		     strerror(err));
	ASSERT_EQ(0, err);
	EXPECT_EQ(KHSM_WORLD_UNINITIALISED, ku_info_u32(&self->nl, KHSM_A_INFO_WORLD_STATE));
	EXPECT_EQ(0, audit_has("power", variant->cause));
}

TEST_HARNESS_MAIN
