// SPDX-License-Identifier: GPL-2.0
/*
 * Module lifetime under load: insmod/rmmod cycles with nothing loaded and
 * with a loaded world and 10^3 key handles, rmmod refused while
 * /dev/khsm is open, and nothing left behind (the kernel log is checked
 * for "Slab cache still has objects", warnings and oopses by the harness
 * and here).
 *
 * Loads khsm.ko itself with finit_module(2) (KHSM_KO, as run-guest
 * exports it) so that a cycle costs the module's own init and exit, not
 * an insmod process. Leaves the module unloaded.
 *
 * make check runs 200 idle cycles and 20 with 10^3 handles (about 75 s
 * under TCG); KHSM_CYCLES_IDLE=1000 KHSM_CYCLES_LOADED=100 is the full
 * count of TESTPLAN.md (about 6 min), KHSM_CYCLE_KEYS the handles per
 * loaded cycle (1000). See Documentation/testing.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <sys/syscall.h>
#include <linux/khsm.h>

#include "kselftest_harness.h"
#include "keyutil.h"


static unsigned int env_count(const char *name, unsigned int dflt)
{
	const char *v = getenv(name);

	return v && *v ? (unsigned int)strtoul(v, NULL, 10) : dflt;
}

static int mod_load(void)
{
	const char *ko = getenv("KHSM_KO");
	struct group *g = getgrnam("khsm");
	char params[64];
	int fd, err = 0;

	if (!ko)
		return ENOENT;
	snprintf(params, sizeof(params), "gid=%u", g ? (unsigned int)g->gr_gid : 0);
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (syscall(SYS_finit_module, fd, params, 0))
		err = errno;
	close(fd);
	return err;
}

static int mod_unload(void)
{
	return syscall(SYS_delete_module, "khsm", O_NONBLOCK) ? errno : 0;
}

static int mod_loaded(void)
{
	return access("/sys/module/khsm", F_OK) == 0;
}

/* Lines of the kernel log (cleared at setup) matching a regex. */
static int klog_count(const char *pattern)
{
	char cmd[256];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "dmesg | grep -cE '%s'", pattern);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fscanf(p, "%d", &n) != 1)
		n = -1;
	pclose(p);
	return n;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static const char *bad_klog =
	"Slab cache still has objects|BUG:|WARNING:|Oops|UBSAN|KFENCE|refcount_t|list_del corruption";

FIXTURE(cycle) {
	struct ku_files world;
	struct ku_blob *blobs;
	unsigned int nkeys;
};

/* One world and its keys' blobs, made once; each cycle loads them. */
FIXTURE_SETUP(cycle)
{
	struct ku_keyspec hmac = ku_spec(KHSM_KEY_HMAC,
					 BIT(KHSM_OP_MAC_GENERATE),
					 BIT(KHSM_MECH_HMAC_SHA256), 0);
	struct ku_keyspec aes = ku_spec(KHSM_KEY_AES, BIT(KHSM_OP_ENCRYPT),
					BIT(KHSM_MECH_AES_GCM), 0);
	struct nlraw nl;
	unsigned int i;

	ASSERT_EQ(0, system("dmesg -C"));
	if (mod_loaded())
		ASSERT_EQ(0, mod_unload());
	system("modprobe ecc");
	ASSERT_EQ(0, mod_load());
	self->nkeys = env_count("KHSM_CYCLE_KEYS", 1000);
	/* Generating 10^3 keys costs 10^3 requests: do it once, keep blobs. */
	self->blobs = calloc(64, sizeof(*self->blobs));
	ASSERT_NE(NULL, self->blobs);
	ASSERT_EQ(0, nlraw_open(&nl, KHSM_GENL_NAME));
	ASSERT_EQ(0, ku_world_fresh(&nl, &self->world)) TH_LOG("%s", nl.extack);
	for (i = 0; i < 64; i++)
		ASSERT_EQ(0, ku_key_generate(&nl, i & 1 ? &aes : &hmac,
					     &self->blobs[i]))
			TH_LOG("%s", nl.extack);
	nlraw_close(&nl);
}

FIXTURE_TEARDOWN(cycle)
{
	free(self->blobs);
	if (mod_loaded())
		mod_unload();
}

TEST_F_TIMEOUT(cycle, idle_insmod_rmmod, 900)
{
	unsigned int i, n = env_count("KHSM_CYCLES_IDLE", 200);
	double t0 = now();

	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, mod_unload()) TH_LOG("cycle %u", i);
		ASSERT_EQ(0, mod_load()) TH_LOG("cycle %u", i);
	}
	ksft_print_msg("%u idle cycles in %.1f s\n", n, now() - t0);
	fflush(stdout);
	ASSERT_EQ(0, mod_unload());
	EXPECT_EQ(0, klog_count(bad_klog));
	EXPECT_FALSE(access("/sys/module/khsm", F_OK) == 0);
	EXPECT_FALSE(access("/dev/khsm", F_OK) == 0);
}

/* The 64 blobs loaded over and over: nkeys handles on @fd. */
static int load_keys(FIXTURE_DATA(cycle) *self, int fd, uint64_t *first)
{
	unsigned int i;
	uint64_t h;
	int err;

	for (i = 0; i < self->nkeys; i++) {
		err = ku_load(fd, self->blobs[i % 64].data,
			      self->blobs[i % 64].len, 0, &h);
		if (err)
			return err;
		if (!i)
			*first = h;
	}
	return 0;
}

TEST_F_TIMEOUT(cycle, loaded_world_and_keys, 900)
{
	unsigned int i, n = env_count("KHSM_CYCLES_LOADED", 20);
	unsigned char out[32];
	struct khsm_ioc_op op;
	struct nlraw nl;
	double t0 = now();
	uint64_t h = 0;
	int fd, err;

	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, mod_unload()) TH_LOG("cycle %u", i);
		ASSERT_EQ(0, mod_load()) TH_LOG("cycle %u", i);
		/* The family id may change with each load: resolve it again. */
		ASSERT_EQ(0, nlraw_open(&nl, KHSM_GENL_NAME));
		err = ku_world_load(&nl, &self->world);
		ASSERT_EQ(0, err) TH_LOG("cycle %u: world load: %s", i, nl.extack);
		fd = ku_open();
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, load_keys(self, fd, &h)) TH_LOG("cycle %u", i);
		/* Blob 0 is an HMAC key: its handle works... */
		ku_op_init(&op, h, KHSM_OP_MAC_GENERATE, KHSM_MECH_HMAC_SHA256);
		ku_op_io(&op, "cycle", 5, out, sizeof(out));
		EXPECT_EQ(0, ku_op(fd, &op)) TH_LOG("cycle %u", i);
		/* ...and rmmod is refused while a descriptor is open. */
		EXPECT_EQ(EAGAIN, mod_unload()) TH_LOG("cycle %u", i);
		EXPECT_TRUE(mod_loaded());
		close(fd);
		nlraw_close(&nl);
		if (!_metadata->passed)
			break;
	}
	ksft_print_msg("%u cycles with a world and %u handles in %.1f s\n",
		       i, self->nkeys, now() - t0);
	fflush(stdout);
	/* The world is still loaded: exit zeroises it. */
	ASSERT_EQ(0, mod_unload());
	EXPECT_EQ(0, klog_count(bad_klog));
}

TEST_HARNESS_MAIN
