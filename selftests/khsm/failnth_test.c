// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection with /proc/thread-self/fail-nth (debug kernel only;
 * skipped where the kernel lacks it): module init with its n-th
 * allocation failing for n = 1, 2, ... until the load no longer meets a
 * fault, then each read-only netlink command and each state-free ioctl the
 * same way. Every injected failure must be clean: a documented errno
 * (ENOMEM, or ENOBUFS when netlink itself could not allocate), no module
 * left behind by a failed init, the module's state as before, and the next
 * call working. Leaks show in check-debug's kmemleak scan after the run.
 * A lifecycle test: it unloads khsm first and leaves it unloaded.
 * Needs KHSM_KO (set by selftests/run-guest) and the khsm group.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/khsm.h>

#include "kselftest_harness.h"
#include "nlraw.h"

#define FAIL_NTH "/proc/thread-self/fail-nth"
#define DBG "/sys/kernel/debug"

/* Bound on n per call, so a runaway loop ends as a failure, not a hang. */
#define MAX_NTH 4000

static int nth_fd = -1;

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -EIO;
}

/*
 * failslab skips sleeping allocations unless told not to, and almost
 * every allocation khsm makes may sleep; no stack dumps. fail_page_alloc
 * keeps skipping them: every page of the module's own image would be a
 * fault point of the loader's, not khsm's (and ~1 s each here).
 */
static int setup_fault_attrs(void)
{
	static const char *const set[][2] = {
		{ DBG "/failslab/ignore-gfp-wait", "N" },
		{ DBG "/failslab/verbose", "0" },
		{ DBG "/fail_page_alloc/verbose", "0" },
	};
	unsigned int i;
	int err;

	for (i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		err = write_file(set[i][0], set[i][1]);
		if (err)
			return err;
	}
	return 0;
}

/* Arms the n-th fault point of this thread (0 disarms). */
static void arm(int n)
{
	char s[16];
	int len = snprintf(s, sizeof(s), "%d", n);

	if (pwrite(nth_fd, s, len, 0) != len)
		abort();
}

/* Faults still to go: 0 once the armed one has fired. No allocation. */
static int left(void)
{
	char s[16] = "";

	if (pread(nth_fd, s, sizeof(s) - 1, 0) <= 0)
		abort();
	return atoi(s);
}

static int khsm_gid(void)
{
	struct group *g = getgrnam("khsm");

	return g ? (int)g->gr_gid : 0;
}

static int module_loaded(void)
{
	struct stat st;

	return stat("/sys/module/khsm", &st) == 0;
}

static int unload(void)
{
	return syscall(SYS_delete_module, "khsm", O_NONBLOCK) ? errno : 0;
}

static int info(struct khsm_ioc_info *in)
{
	int fd = open("/dev/khsm", O_RDWR | O_CLOEXEC), err = 0;

	memset(in, 0, sizeof(*in));
	in->size = sizeof(*in);
	if (fd < 0)
		return errno;
	if (ioctl(fd, KHSM_IOC_INFO, in))
		err = errno;
	close(fd);
	return err;
}

FIXTURE(fail) {
	int gid;
};

FIXTURE_SETUP(fail)
{
	if (access(FAIL_NTH, W_OK))
		SKIP(return, "no %s: not the debug kernel", FAIL_NTH);
	ASSERT_EQ(0, setup_fault_attrs());
	nth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, nth_fd);
	ASSERT_NE(NULL, getenv("KHSM_KO"));
	self->gid = khsm_gid();
	ASSERT_NE(0, self->gid);
	if (module_loaded())
		ASSERT_EQ(0, unload());
}

FIXTURE_TEARDOWN(fail)
{
	if (nth_fd >= 0) {
		arm(0);
		close(nth_fd);
		nth_fd = -1;
	}
	if (module_loaded())
		unload();
}

static int load(int ko, const char *params)
{
	return syscall(SYS_finit_module, ko, params, 0) ? errno : 0;
}

/*
 * Module init, each fault point in turn. A failed load leaves no module;
 * a load that met a fault in a known-answer test's allocation comes up in
 * its error state, which is the documented answer to a failed self-test.
 */
TEST_F_TIMEOUT(fail, module_init_every_step, 3000)
{
	char params[32];
	int ko, n, err, rest, failed = 0, degraded = 0;
	struct khsm_ioc_info in;

	ko = open(getenv("KHSM_KO"), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ko);
	snprintf(params, sizeof(params), "gid=%d", self->gid);
	ASSERT_EQ(0, system("modprobe ecc"));
	for (n = 1; n <= MAX_NTH; n++) {
		arm(n);
		err = load(ko, params);
		rest = left();
		arm(0);
		if (rest) {
			/* The load no longer reached the n-th fault point. */
			ASSERT_EQ(0, err);
			break;
		}
		if (err) {
			failed++;
			ASSERT_TRUE(err == ENOMEM || err == ENOBUFS)
				TH_LOG("n=%d: init failed with %s", n, strerror(err));
			ASSERT_FALSE(module_loaded()) TH_LOG("n=%d", n);
			continue;
		}
		/* Loaded although a fault fired: working or in its error state. */
		ASSERT_EQ(0, info(&in)) TH_LOG("n=%d", n);
		if (in.out_selftest_state != KHSM_SELFTEST_PASSED)
			degraded++;
		ASSERT_EQ(0, unload()) TH_LOG("n=%d", n);
	}
	ASSERT_GE(MAX_NTH, n);
	TH_LOG("%d fault points in init: %d failed the load, %d left the module in its error state",
	       n - 1, failed, degraded);
	ASSERT_EQ(0, info(&in));
	EXPECT_EQ(KHSM_SELFTEST_PASSED, in.out_selftest_state);
	EXPECT_EQ(0, unload());
	close(ko);
}

/* Loads the module without faults, for the command tests. */
static int load_clean(int gid)
{
	char params[32];
	int ko = open(getenv("KHSM_KO"), O_RDONLY | O_CLOEXEC), err;

	if (ko < 0)
		return errno;
	snprintf(params, sizeof(params), "gid=%d", gid);
	if (system("modprobe ecc"))
		return EIO;
	err = load(ko, params);
	close(ko);
	return err;
}

static const struct {
	const char *name;
	int cmd;
} read_cmds[] = {
	{ "GET_INFO", KHSM_CMD_GET_INFO },
	{ "SLOT_LIST", KHSM_CMD_SLOT_LIST },
	{ "TOKEN_LIST", KHSM_CMD_TOKEN_LIST },
	{ "AUDIT_STATUS", KHSM_CMD_AUDIT_STATUS },
};

/* Netlink: the request fails with ENOMEM/ENOBUFS or succeeds; no change. */
TEST_F_TIMEOUT(fail, netlink_read_commands, 1200)
{
	struct khsm_ioc_info before, after;
	struct nlraw nl;
	unsigned int i;
	int n, err, rest, hits;

	ASSERT_EQ(0, load_clean(self->gid));
	ASSERT_EQ(0, info(&before));
	ASSERT_EQ(0, nlraw_open(&nl, KHSM_GENL_NAME));
	for (i = 0; i < sizeof(read_cmds) / sizeof(read_cmds[0]); i++) {
		hits = 0;
		for (n = 1; n <= MAX_NTH; n++) {
			arm(n);
			err = nlraw_request(&nl, read_cmds[i].cmd,
					    KHSM_GENL_VERSION, 0, NULL, 0);
			rest = left();
			arm(0);
			if (err < 0)
				err = -err;
			if (rest) {
				ASSERT_EQ(0, err) TH_LOG("%s", read_cmds[i].name);
				break;
			}
			hits++;
			ASSERT_TRUE(err == 0 || err == ENOMEM || err == ENOBUFS)
				TH_LOG("%s n=%d: %s", read_cmds[i].name, n, strerror(err));
			ASSERT_EQ(0, info(&after));
			ASSERT_EQ(0, memcmp(&before, &after, sizeof(before)));
		}
		ASSERT_GE(MAX_NTH, n);
		/* And the next one, without a fault, works. */
		ASSERT_EQ(0, nlraw_request(&nl, read_cmds[i].cmd,
					   KHSM_GENL_VERSION, 0, NULL, 0));
		TH_LOG("%s: %d fault points", read_cmds[i].name, hits);
	}
	nlraw_close(&nl);
	EXPECT_EQ(0, unload());
}

/* The ioctls that need no key: INFO and RANDOM. */
TEST_F_TIMEOUT(fail, ioctl_info_random, 600)
{
	struct khsm_ioc_random rnd;
	struct khsm_ioc_info in;
	unsigned char buf[KHSM_RANDOM_MAX];
	int fd, n, err, rest, which;

	ASSERT_EQ(0, load_clean(self->gid));
	fd = open("/dev/khsm", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (which = 0; which < 2; which++) {
		for (n = 1; n <= MAX_NTH; n++) {
			memset(&in, 0, sizeof(in));
			in.size = sizeof(in);
			memset(&rnd, 0, sizeof(rnd));
			rnd.size = sizeof(rnd);
			rnd.len = sizeof(buf);
			rnd.out_uptr = (uintptr_t)buf;
			arm(n);
			err = ioctl(fd, which ? KHSM_IOC_RANDOM : KHSM_IOC_INFO,
				    which ? (void *)&rnd : (void *)&in) ? errno : 0;
			rest = left();
			arm(0);
			if (rest) {
				ASSERT_EQ(0, err);
				break;
			}
			ASSERT_TRUE(err == 0 || err == ENOMEM)
				TH_LOG("%s n=%d: %s", which ? "RANDOM" : "INFO", n,
				       strerror(err));
		}
		ASSERT_GE(MAX_NTH, n);
		TH_LOG("%s: %d fault points", which ? "RANDOM" : "INFO", n - 1);
	}
	close(fd);
	EXPECT_EQ(0, unload());
}

TEST_HARNESS_MAIN
