// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency and lifetime (TESTPLAN.md): operations racing whatever ends
 * the key under them.
 *
 * Use-vs-destroy pairs: three worker threads, one each doing ECDSA sign,
 * AES-GCM decrypt and AES-KW unwrap in a loop on its own handle, while the
 * main thread ends those handles by DESTROY, token unload, the last card
 * of an OCS leaving its slot, close() of the shared descriptor, CLEAR, or
 * the set's 1-second token timeout (the smallest the ABI allows:
 * KHSM_A_CARDSET_TIMEOUT is in whole seconds), or attempts delete_module
 * (which must fail with EAGAIN while the descriptor is open, and change
 * nothing). Every result must be a success or the errno Documentation/
 * abi.md gives for that race, and no operation that STARTED after the
 * ending call returned (or, for the timeout, after the token's expiry
 * time) may succeed. Each pair is bounded by a count and by
 * KHSM_RACE_SECONDS (default 8) so that the seven of them stay under a
 * minute per kernel under TCG.
 *
 * Runs as root in the guest with khsm.ko loaded; makes its own worlds.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/genetlink.h>
#include <linux/khsm.h>
#include <linux/netlink.h>

#include "kselftest_harness.h"
#include "keyutil.h"

#define BIT(n) (1U << (n))
#define PP 0x3c
#define MAX_ITERS 400
#define MIN_ITERS 10
/* A worker that never sees its handle end gives up after this. */
#define WORKER_DEADLINE_NS (30ULL * 1000000000ULL)

static const unsigned char msg16[16] = "sixteen byte msg";
static const unsigned char gcm_secret[16] = { 0x11, 0x22, 0x33, 0x44 };
static const unsigned char kek_secret[16] = { 0x55, 0x66, 0x77, 0x88 };
static const unsigned char target_secret[16] = { 0x99, 0xaa, 0xbb, 0xcc };

enum { W_SIGN, W_DECRYPT, W_UNWRAP, W_N };
static const char *const w_name[W_N] = { "sign", "decrypt", "unwrap" };

/* The key blobs of one protection (module, a softcard, an OCS). */
struct keyset {
	struct ku_blob b[W_N];
};

FIXTURE(soak) {
	struct nlraw nl;
	int fd;
	struct ku_files files;
	/* GCM ciphertext of msg16 and the wrapped target, valid for every
	 * keyset since the AES keys are imported from fixed secrets. */
	unsigned char iv[12], ct[64], wrapped[64];
	size_t ct_len, wrapped_len;
	struct keyset module;
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec t;

	clock_gettime(clk, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + t.tv_nsec;
}

static double race_budget(void)
{
	const char *e = getenv("KHSM_RACE_SECONDS");
	double s = e ? atof(e) : 8;

	return s > 0 ? s : 8;
}

static struct ku_keyspec spec(int kind, uint8_t protection, uint64_t token)
{
	struct ku_keyspec s;

	switch (kind) {
	case W_SIGN:
		s = ku_spec(KHSM_KEY_EC_P256, BIT(KHSM_OP_SIGN),
			    BIT(KHSM_MECH_ECDSA_P256_SHA256), 0);
		break;
	case W_DECRYPT:
		s = ku_spec(KHSM_KEY_AES, BIT(KHSM_OP_ENCRYPT) |
			    BIT(KHSM_OP_DECRYPT), BIT(KHSM_MECH_AES_GCM), 0);
		s.secret = gcm_secret;
		s.secret_len = sizeof(gcm_secret);
		break;
	default:
		s = ku_spec(KHSM_KEY_AES, BIT(KHSM_OP_WRAP) |
			    BIT(KHSM_OP_UNWRAP), BIT(KHSM_MECH_AES_KW), 0);
		s.secret = kek_secret;
		s.secret_len = sizeof(kek_secret);
		break;
	}
	s.protection = protection;
	s.token_id = token;
	return s;
}

/* The three blobs under @protection (and @token); 0 or the errno. */
static int keyset_make(struct nlraw *nl, uint8_t protection, uint64_t token,
		       struct keyset *ks)
{
	struct ku_keyspec s;
	int k, err;

	for (k = 0; k < W_N; k++) {
		s = spec(k, protection, token);
		err = k == W_SIGN ? ku_key_generate(nl, &s, &ks->b[k]) :
				    ku_key_import(nl, &s, &ks->b[k]);
		if (err)
			return err;
	}
	return 0;
}

static int keyset_load(int fd, const struct keyset *ks, uint64_t h[W_N])
{
	int k, err;

	for (k = 0; k < W_N; k++) {
		err = ku_load(fd, ks->b[k].data, ks->b[k].len, 0, &h[k]);
		if (err)
			return err;
	}
	return 0;
}

static int op_decrypt(int fd, uint64_t h, const FIXTURE_DATA(soak) *m)
{
	struct khsm_ioc_op op;
	unsigned char out[64];

	ku_op_init(&op, h, KHSM_OP_DECRYPT, KHSM_MECH_AES_GCM);
	ku_op_io(&op, m->ct, m->ct_len, out, sizeof(out));
	op.iv_uptr = (uintptr_t)m->iv;
	op.iv_len = sizeof(m->iv);
	return ku_op(fd, &op);
}

static int op_sign(int fd, uint64_t h)
{
	struct khsm_ioc_op op;
	unsigned char sig[128];

	ku_op_init(&op, h, KHSM_OP_SIGN, KHSM_MECH_ECDSA_P256_SHA256);
	ku_op_io(&op, msg16, sizeof(msg16), sig, sizeof(sig));
	return ku_op(fd, &op);
}

/* UNWRAP; the new handle is destroyed at once (handles are capped). */
static int op_unwrap(int fd, uint64_t h, const FIXTURE_DATA(soak) *m)
{
	struct khsm_acl acl;
	struct khsm_ioc_op op;
	int err;

	memset(&acl, 0, sizeof(acl));
	acl.ops = BIT(KHSM_OP_ENCRYPT) | BIT(KHSM_OP_DECRYPT);
	acl.mechs = BIT(KHSM_MECH_AES_GCM);
	ku_op_init(&op, h, KHSM_OP_UNWRAP, KHSM_MECH_AES_KW);
	ku_op_io(&op, m->wrapped, m->wrapped_len, NULL, 0);
	op.new_type = KHSM_KEY_AES;
	op.acl_uptr = (uintptr_t)&acl;
	err = ku_op(fd, &op);
	if (!err)
		ku_destroy(fd, op.out_handle);
	return err;
}

FIXTURE_SETUP(soak)
{
	struct ku_keyspec s;
	struct ku_blob tb;
	struct khsm_ioc_op op;
	uint64_t h[W_N], target;

	self->fd = -1;
	ASSERT_EQ(0, nlraw_open(&self->nl, KHSM_GENL_NAME));
	ASSERT_EQ(0, ku_world_fresh(&self->nl, &self->files))
		TH_LOG("world: %s", self->nl.extack);
	self->fd = ku_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", KU_DEV, strerror(errno));
	ASSERT_EQ(0, keyset_make(&self->nl, KHSM_PROTECT_MODULE, 0,
				 &self->module)) TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, keyset_load(self->fd, &self->module, h));

	ku_op_init(&op, h[W_DECRYPT], KHSM_OP_ENCRYPT, KHSM_MECH_AES_GCM);
	ku_op_io(&op, msg16, sizeof(msg16), self->ct, sizeof(self->ct));
	op.iv_uptr = (uintptr_t)self->iv;
	op.iv_len = sizeof(self->iv);
	ASSERT_EQ(0, ku_op(self->fd, &op));
	self->ct_len = op.out_len;

	s = ku_spec(KHSM_KEY_AES, BIT(KHSM_OP_ENCRYPT) | BIT(KHSM_OP_DECRYPT),
		    BIT(KHSM_MECH_AES_GCM), KHSM_ACL_F_WRAPPABLE);
	s.secret = target_secret;
	s.secret_len = sizeof(target_secret);
	ASSERT_EQ(0, ku_key_import(&self->nl, &s, &tb)) TH_LOG("%s",
							      self->nl.extack);
	ASSERT_EQ(0, ku_load(self->fd, tb.data, tb.len, 0, &target));
	ku_op_init(&op, h[W_UNWRAP], KHSM_OP_WRAP, KHSM_MECH_AES_KW);
	ku_op_io(&op, NULL, 0, self->wrapped, sizeof(self->wrapped));
	op.key2 = target;
	ASSERT_EQ(0, ku_op(self->fd, &op));
	self->wrapped_len = op.out_len;

	/* Each works before any race. */
	ASSERT_EQ(0, op_sign(self->fd, h[W_SIGN]));
	ASSERT_EQ(0, op_decrypt(self->fd, h[W_DECRYPT], self));
	ASSERT_EQ(0, op_unwrap(self->fd, h[W_UNWRAP], self));
	ASSERT_EQ(0, ku_destroy(self->fd, target));
	for (int k = 0; k < W_N; k++)
		ASSERT_EQ(0, ku_destroy(self->fd, h[k]));
}

FIXTURE_TEARDOWN(soak)
{
	if (self->fd >= 0)
		close(self->fd);
	ku_world_unload(&self->nl);
	nlraw_close(&self->nl);
}

/* --- the race engine --- */

#define EXPECT_NONE (-1)	/* no errno is acceptable (rmmod attempt) */

struct worker {
	int fd, kind, expect;
	uint64_t h;
	const FIXTURE_DATA(soak) *m;
	/* Set once the ending call has returned. */
	atomic_int dead;
	/* Boottime after which the key has expired (timeout race), or 0. */
	uint64_t dead_after;
	uint64_t deadline;
	atomic_int go, stop, done;
	atomic_uint ops;
	unsigned int ok, expected, late_tries, late_ok, other;
	int other_errno;
};

static void *worker_thread(void *arg)
{
	struct worker *w = arg;
	bool late;
	int err;

	while (!atomic_load(&w->go))
		sched_yield();
	for (;;) {
		/* Decided before the call: did it start after the end? */
		late = atomic_load(&w->dead) ||
		       (w->dead_after && now_ns(CLOCK_BOOTTIME) >= w->dead_after);
		switch (w->kind) {
		case W_SIGN:
			err = op_sign(w->fd, w->h);
			break;
		case W_DECRYPT:
			err = op_decrypt(w->fd, w->h, w->m);
			break;
		default:
			err = op_unwrap(w->fd, w->h, w->m);
			break;
		}
		atomic_fetch_add(&w->ops, 1);
		w->late_tries += late;
		if (!err) {
			w->ok++;
			w->late_ok += late;
		} else if (err == w->expect) {
			/* Once ended it stays ended: three in a row. */
			if (++w->expected >= 3)
				break;
		} else {
			w->other++;
			w->other_errno = err;
			break;
		}
		if (atomic_load(&w->stop) ||
		    now_ns(CLOCK_MONOTONIC) > w->deadline)
			break;
	}
	atomic_store(&w->done, 1);
	return NULL;
}

struct race {
	struct worker w[W_N];
	pthread_t th[W_N];
	/* Totals over the iterations. */
	unsigned int iters, ops, ok, late_tries, late_ok;
	uint64_t t0;
};

static void race_start(struct __test_metadata *_metadata, struct race *r,
		       int fd, const uint64_t h[W_N], int expect,
		       const FIXTURE_DATA(soak) *m)
{
	int k;

	for (k = 0; k < W_N; k++) {
		struct worker *w = &r->w[k];

		memset(w, 0, sizeof(*w));
		w->fd = fd;
		w->kind = k;
		w->h = h[k];
		w->expect = expect;
		w->m = m;
		w->deadline = now_ns(CLOCK_MONOTONIC) + WORKER_DEADLINE_NS;
		ASSERT_EQ(0, pthread_create(&r->th[k], NULL, worker_thread, w));
	}
}

/* Lets the workers run until each has finished @n operations. */
static void race_go(struct race *r, unsigned int n)
{
	int k;

	for (k = 0; k < W_N; k++)
		atomic_store(&r->w[k].go, 1);
	for (k = 0; k < W_N; k++)
		while (atomic_load(&r->w[k].ops) < n &&
		       !atomic_load(&r->w[k].done))
			sched_yield();
}

static void race_dead(struct race *r)
{
	for (int k = 0; k < W_N; k++)
		atomic_store(&r->w[k].dead, 1);
}

static void race_join(struct __test_metadata *_metadata, struct race *r,
		      const char *what)
{
	int k;

	for (k = 0; k < W_N; k++)
		pthread_join(r->th[k], NULL);
	for (k = 0; k < W_N; k++) {
		struct worker *w = &r->w[k];

		EXPECT_EQ(0, w->other) TH_LOG("%s, iteration %u: %s failed with %s (expected %s)",
					      what, r->iters, w_name[k],
					      strerror(w->other_errno),
					      w->expect == EXPECT_NONE ?
					      "success" : strerror(w->expect));
		EXPECT_EQ(0, w->late_ok) TH_LOG("%s, iteration %u: %u %s operations started after the end and succeeded",
						what, r->iters, w->late_ok,
						w_name[k]);
		if (w->expect != EXPECT_NONE)
			EXPECT_EQ(3, w->expected) TH_LOG("%s, iteration %u: %s never saw %s",
							 what, r->iters,
							 w_name[k],
							 strerror(w->expect));
		r->ops += atomic_load(&w->ops);
		r->ok += w->ok;
		r->late_tries += w->late_tries;
		r->late_ok += w->late_ok;
	}
	r->iters++;
}

static bool race_more(const struct __test_metadata *_metadata,
		      const struct race *r, unsigned int min, unsigned int max)
{
	if (!_metadata->passed)
		return false;
	if (!r->t0)
		return true;
	if (r->iters < min)
		return true;
	return r->iters < max &&
	       (now_ns(CLOCK_MONOTONIC) - r->t0) / 1e9 < race_budget();
}

static void race_report(struct race *r, const char *what)
{
	ksft_print_msg("%s: %u iterations in %.1f s, %u operations, %u succeeded, %u started after the end (%u of them succeeded)\n",
		       what, r->iters,
		       (now_ns(CLOCK_MONOTONIC) - r->t0) / 1e9, r->ops, r->ok,
		       r->late_tries, r->late_ok);
	fflush(stdout);
}

static void destroy_all(struct __test_metadata *_metadata, int fd,
			const uint64_t h[W_N])
{
	for (int k = 0; k < W_N; k++)
		EXPECT_EQ(0, ku_destroy(fd, h[k]));
}

/* A softcard or OCS with its keyset; the token loaded while making it. */
struct tokset {
	struct ku_files card;
	uint64_t token;
	struct keyset ks;
};

TEST_F_TIMEOUT(soak, destroy_races_sign_decrypt_unwrap, 120)
{
	struct race r = { 0 };
	uint64_t h[W_N];

	r.t0 = now_ns(CLOCK_MONOTONIC);
	while (race_more(_metadata, &r, MIN_ITERS, MAX_ITERS)) {
		ASSERT_EQ(0, keyset_load(self->fd, &self->module, h));
		race_start(_metadata, &r, self->fd, h, ENOENT, self);
		race_go(&r, r.iters % 3);
		/* Each handle ends with its own DESTROY. */
		for (int k = 0; k < W_N; k++) {
			EXPECT_EQ(0, ku_destroy(self->fd, h[k]));
			atomic_store(&r.w[k].dead, 1);
		}
		race_join(_metadata, &r, "destroy");
	}
	race_report(&r, "destroy");
}

TEST_F_TIMEOUT(soak, token_unload_races_sign_decrypt_unwrap, 120)
{
	struct race r = { 0 };
	struct tokset sc;
	uint64_t h[W_N];

	ASSERT_EQ(0, ku_softcard_create(&self->nl, "sc", PP, &sc.card));
	ASSERT_EQ(0, ku_card_insert(&self->nl, 0, &sc.card, PP, &sc.token));
	ASSERT_EQ(0, ku_card_remove(&self->nl, 0));
	ASSERT_EQ(0, keyset_make(&self->nl, KHSM_PROTECT_SOFTCARD, sc.token,
				 &sc.ks)) TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, ku_token_unload(&self->nl, sc.token));

	r.t0 = now_ns(CLOCK_MONOTONIC);
	while (race_more(_metadata, &r, MIN_ITERS, MAX_ITERS)) {
		ASSERT_EQ(0, ku_card_insert(&self->nl, 0, &sc.card, PP,
					    &sc.token));
		ASSERT_EQ(0, ku_card_remove(&self->nl, 0));
		ASSERT_EQ(0, keyset_load(self->fd, &sc.ks, h));
		race_start(_metadata, &r, self->fd, h, EKEYREVOKED, self);
		race_go(&r, r.iters % 3);
		EXPECT_EQ(0, ku_token_unload(&self->nl, sc.token));
		race_dead(&r);
		race_join(_metadata, &r, "token unload");
		destroy_all(_metadata, self->fd, h);
	}
	race_report(&r, "token unload");
}

TEST_F_TIMEOUT(soak, last_card_out_races_sign_decrypt_unwrap, 120)
{
	struct race r = { 0 };
	struct tokset ocs;
	uint64_t h[W_N];

	ASSERT_EQ(0, ku_cardset_create(&self->nl, KHSM_SET_OCS, "ocs", 0, PP,
				       &ocs.card)) TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, ku_card_insert(&self->nl, 3, &ocs.card, PP, &ocs.token));
	ASSERT_EQ(0, keyset_make(&self->nl, KHSM_PROTECT_OCS, ocs.token,
				 &ocs.ks)) TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, ku_card_remove(&self->nl, 3));

	r.t0 = now_ns(CLOCK_MONOTONIC);
	while (race_more(_metadata, &r, MIN_ITERS, MAX_ITERS)) {
		ASSERT_EQ(0, ku_card_insert(&self->nl, 3, &ocs.card, PP,
					    &ocs.token));
		ASSERT_EQ(0, keyset_load(self->fd, &ocs.ks, h));
		race_start(_metadata, &r, self->fd, h, EKEYREVOKED, self);
		race_go(&r, r.iters % 3);
		EXPECT_EQ(0, ku_card_remove(&self->nl, 3));
		race_dead(&r);
		race_join(_metadata, &r, "last card out");
		destroy_all(_metadata, self->fd, h);
	}
	race_report(&r, "last card out");
}

/*
 * close() in the main thread while the workers use the same descriptor:
 * a call already inside the ioctl holds the file and may finish; once
 * close() has returned the number is gone (EBADF). Nothing in this
 * process opens a file meanwhile, so the number is not reused.
 */
TEST_F_TIMEOUT(soak, close_races_sign_decrypt_unwrap, 120)
{
	struct race r = { 0 };
	uint64_t h[W_N];
	int fd;

	r.t0 = now_ns(CLOCK_MONOTONIC);
	while (race_more(_metadata, &r, MIN_ITERS, MAX_ITERS)) {
		fd = ku_open();
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, keyset_load(fd, &self->module, h));
		race_start(_metadata, &r, fd, h, EBADF, self);
		race_go(&r, r.iters % 3);
		EXPECT_EQ(0, close(fd));
		race_dead(&r);
		race_join(_metadata, &r, "close");
	}
	race_report(&r, "close");
	/* The closed descriptors' handles went with them: a new one works. */
	ASSERT_EQ(0, keyset_load(self->fd, &self->module, h));
	EXPECT_EQ(0, op_sign(self->fd, h[W_SIGN]));
}

TEST_F_TIMEOUT(soak, clear_races_sign_decrypt_unwrap, 120)
{
	struct race r = { 0 };
	uint64_t h[W_N];

	r.t0 = now_ns(CLOCK_MONOTONIC);
	while (race_more(_metadata, &r, MIN_ITERS, MAX_ITERS)) {
		ASSERT_EQ(0, keyset_load(self->fd, &self->module, h));
		race_start(_metadata, &r, self->fd, h, EKEYREVOKED, self);
		race_go(&r, r.iters % 3);
		EXPECT_EQ(0, ku_request(&self->nl, KHSM_CMD_CLEAR, NULL))
			TH_LOG("%s", self->nl.extack);
		race_dead(&r);
		race_join(_metadata, &r, "clear");
		destroy_all(_metadata, self->fd, h);
	}
	race_report(&r, "clear");
}

/*
 * A set whose tokens go 1 s after loading (KHSM_A_CARDSET_TIMEOUT is in
 * whole seconds: 1 s is the shortest the ABI has). The module takes the
 * expiry time before it answers CARD_INSERT, so an operation started at
 * or after (the answer + 1 s) started after the expiry and must fail,
 * whether or not the module's expiry work has run yet.
 */
TEST_F_TIMEOUT(soak, token_timeout_races_sign_decrypt_unwrap, 120)
{
	struct race r = { 0 };
	struct tokset t;
	uint64_t h[W_N], acked;
	int tries, err = -1;

	ASSERT_EQ(0, ku_cardset_create_timeout(&self->nl, KHSM_SET_SOFTCARD,
					       "timed", 1, PP, 1, &t.card))
		TH_LOG("%s", self->nl.extack);
	/* Three keys to make within the second: retried if TCG is slow. */
	for (tries = 0; tries < 5 && err; tries++) {
		ASSERT_EQ(0, ku_card_insert(&self->nl, 0, &t.card, PP,
					    &t.token));
		ASSERT_EQ(0, ku_card_remove(&self->nl, 0));
		err = keyset_make(&self->nl, KHSM_PROTECT_SOFTCARD, t.token,
				  &t.ks);
		ku_token_unload(&self->nl, t.token);
	}
	ASSERT_EQ(0, err) TH_LOG("%s", self->nl.extack);

	r.t0 = now_ns(CLOCK_MONOTONIC);
	while (race_more(_metadata, &r, 3, 12)) {
		ASSERT_EQ(0, ku_card_insert(&self->nl, 0, &t.card, PP,
					    &t.token));
		acked = now_ns(CLOCK_BOOTTIME);
		ASSERT_EQ(0, ku_card_remove(&self->nl, 0));
		ASSERT_EQ(0, keyset_load(self->fd, &t.ks, h));
		race_start(_metadata, &r, self->fd, h, EKEYREVOKED, self);
		for (int k = 0; k < W_N; k++)
			r.w[k].dead_after = acked + 1000000000ULL;
		race_go(&r, 0);
		race_join(_metadata, &r, "timeout");
		destroy_all(_metadata, self->fd, h);
		/* Its expiry work may not have run yet: unloaded either way. */
		ku_token_unload(&self->nl, t.token);
	}
	race_report(&r, "timeout");
}

static int delete_khsm(void)
{
	return syscall(SYS_delete_module, "khsm", O_NONBLOCK) ? errno : 0;
}

/*
 * delete_module while the descriptor is open and in use: EAGAIN (the
 * open file holds the module), and every operation before, during and
 * after it succeeds.
 */
TEST_F_TIMEOUT(soak, rmmod_attempt_races_sign_decrypt_unwrap, 120)
{
	struct race r = { 0 };
	struct ku_keyspec s;
	uint64_t h[W_N];
	unsigned int at[W_N];
	int k;

	r.t0 = now_ns(CLOCK_MONOTONIC);
	while (race_more(_metadata, &r, MIN_ITERS, MAX_ITERS)) {
		ASSERT_EQ(0, keyset_load(self->fd, &self->module, h));
		race_start(_metadata, &r, self->fd, h, EXPECT_NONE, self);
		race_go(&r, r.iters % 3);
		EXPECT_EQ(EAGAIN, delete_khsm());
		/* Three more operations each after the attempt. */
		for (k = 0; k < W_N; k++)
			at[k] = atomic_load(&r.w[k].ops);
		for (k = 0; k < W_N; k++)
			while (atomic_load(&r.w[k].ops) < at[k] + 3 &&
			       !atomic_load(&r.w[k].done))
				sched_yield();
		for (k = 0; k < W_N; k++)
			atomic_store(&r.w[k].stop, 1);
		race_join(_metadata, &r, "rmmod attempt");
		for (k = 0; k < W_N; k++)
			EXPECT_EQ(atomic_load(&r.w[k].ops), r.w[k].ok);
		destroy_all(_metadata, self->fd, h);
	}
	race_report(&r, "rmmod attempt");
	EXPECT_EQ(0, access("/sys/module/khsm", F_OK));
	/* Both sides still work. */
	ASSERT_EQ(0, keyset_load(self->fd, &self->module, h));
	EXPECT_EQ(0, op_sign(self->fd, h[W_SIGN]));
	s = spec(W_SIGN, KHSM_PROTECT_MODULE, 0);
	EXPECT_EQ(0, ku_key_generate(&self->nl, &s, NULL));
}

/* --- connection lifetime --- */

/* Entries of the nested array @arr in the last reply (with @flag inside
 * each, if @flag). */
static unsigned int reply_count(const struct nlraw *nl, uint16_t arr,
				uint16_t flag)
{
	size_t pos = NLMSG_HDRLEN + GENL_HDRLEN, p2, p3;
	const struct nlattr *a, *e, *f;
	unsigned int n = 0;

	for (; pos + NLA_HDRLEN <= nl->reply_len; pos += NLA_ALIGN(a->nla_len)) {
		a = (const void *)(nl->reply + pos);
		if (a->nla_len < NLA_HDRLEN || pos + a->nla_len > nl->reply_len)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) != arr)
			continue;
		for (p2 = NLA_HDRLEN; p2 + NLA_HDRLEN <= a->nla_len;
		     p2 += NLA_ALIGN(e->nla_len)) {
			e = (const void *)((const unsigned char *)a + p2);
			if (e->nla_len < NLA_HDRLEN)
				break;
			if (!flag) {
				n++;
				continue;
			}
			for (p3 = NLA_HDRLEN; p3 + NLA_HDRLEN <= e->nla_len;
			     p3 += NLA_ALIGN(f->nla_len)) {
				f = (const void *)((const unsigned char *)e + p3);
				if (f->nla_len < NLA_HDRLEN)
					break;
				if ((f->nla_type & NLA_TYPE_MASK) == flag)
					n++;
			}
		}
	}
	return n;
}

static int occupied_slots(struct nlraw *nl)
{
	int err = ku_request(nl, KHSM_CMD_SLOT_LIST, NULL);

	return err ? -err : (int)reply_count(nl, KHSM_A_SLOTS,
					     KHSM_A_SLOT_OCCUPIED);
}

static int loaded_tokens(struct nlraw *nl)
{
	int err = ku_request(nl, KHSM_CMD_TOKEN_LIST, NULL);

	return err ? -err : (int)reply_count(nl, KHSM_A_TOKENS, 0);
}

/*
 * Open a netlink socket, insert a card of a non-persistent OCS, close:
 * the slot empties and the token goes with the connection, every time
 * (each cycle inserts into the same slot, so a leftover card would be
 * EBUSY on the next). KHSM_CYCLES (default 10^5) cycles, cut to what
 * fits in KHSM_CYCLE_SECONDS (default 30) under TCG unless KHSM_CYCLES
 * is given; the count is printed.
 */
TEST_F_TIMEOUT(soak, open_insert_close_cycles_leave_nothing, 900)
{
	const char *e = getenv("KHSM_CYCLES"), *es = getenv("KHSM_CYCLE_SECONDS");
	unsigned long cycles = e ? strtoul(e, NULL, 0) : 100000, i;
	double budget = es ? atof(es) : 30, per;
	struct ku_files ocs;
	struct nlraw c;
	uint64_t tok = 0, t0;
	int slots0, tokens0, err;

	ASSERT_EQ(0, ku_cardset_create(&self->nl, KHSM_SET_OCS, "cyc", 0, PP,
				       &ocs)) TH_LOG("%s", self->nl.extack);
	slots0 = occupied_slots(&self->nl);
	tokens0 = loaded_tokens(&self->nl);
	ASSERT_LE(0, slots0);
	ASSERT_LE(0, tokens0);

	t0 = now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < cycles; i++) {
		ASSERT_EQ(0, nlraw_open(&c, KHSM_GENL_NAME)) TH_LOG("cycle %lu", i);
		err = ku_card_insert(&c, 5, &ocs, PP, &tok);
		nlraw_close(&c);
		ASSERT_EQ(0, err) TH_LOG("cycle %lu: %s", i, c.extack);
		if (i == 99 && !e) {
			per = (now_ns(CLOCK_MONOTONIC) - t0) / 1e9 / 100;
			if (per * cycles > budget) {
				cycles = budget / per;
				if (cycles < 1000)
					cycles = 1000;
				ksft_print_msg("one cycle takes %.2f ms: %lu cycles (KHSM_CYCLES=100000 for the full count)\n",
					       per * 1e3, cycles);
				fflush(stdout);
			}
		}
	}
	ksft_print_msg("%lu open/insert/close cycles in %.1f s\n", i,
		       (now_ns(CLOCK_MONOTONIC) - t0) / 1e9);
	fflush(stdout);
	/* The release notifier runs as the socket goes; nothing is left. */
	EXPECT_EQ(slots0, occupied_slots(&self->nl));
	EXPECT_EQ(tokens0, loaded_tokens(&self->nl));
	/* The last token is gone, and the slot takes a card again. */
	EXPECT_EQ(ENOKEY, ku_token_unload(&self->nl, tok));
	ASSERT_EQ(0, ku_card_insert(&self->nl, 5, &ocs, PP, &tok));
	EXPECT_EQ(slots0 + 1, occupied_slots(&self->nl));
	EXPECT_EQ(tokens0 + 1, loaded_tokens(&self->nl));
	EXPECT_EQ(0, ku_card_remove(&self->nl, 5));
	EXPECT_EQ(tokens0, loaded_tokens(&self->nl));
}

/* --- handles (TESTPLAN.md, Privilege: Handles) --- */

static uint64_t xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static bool is_real(uint64_t g, const uint64_t *h, int n)
{
	for (int i = 0; i < n; i++)
		if (g == h[i])
			return true;
	return false;
}

/*
 * Random 64-bit handles on a descriptor that holds real keys: no guess
 * reaches a key (ENOENT every time). KHSM_HANDLE_GUESSES (default 10^6)
 * go through OP_BATCH, 1024 a call, plus 10^4 single OPs and DESTROYs and
 * every one-bit change of each real handle.
 */
TEST_F_TIMEOUT(soak, random_handle_guesses_all_enoent, 600)
{
	const char *e = getenv("KHSM_HANDLE_GUESSES");
	unsigned long total = e ? strtoul(e, NULL, 0) : 1000000, done = 0, left;
	static struct khsm_ioc_op ops[KHSM_BATCH_MAX];
	unsigned char out[128];
	struct khsm_ioc_batch b;
	struct khsm_ioc_op op;
	uint64_t h[2 * W_N], seed, g, t0;
	unsigned int i, n, hits = 0, wrong = 0;
	int err;

	ASSERT_EQ(0, keyset_load(self->fd, &self->module, h));
	ASSERT_EQ(0, keyset_load(self->fd, &self->module, h + W_N));
	seed = now_ns(CLOCK_REALTIME) | 1;
	ksft_print_msg("seed %#llx\n", (unsigned long long)seed);
	t0 = now_ns(CLOCK_MONOTONIC);

	while (done < total) {
		left = total - done;
		n = left < KHSM_BATCH_MAX ? (unsigned int)left : KHSM_BATCH_MAX;
		for (i = 0; i < n; i++) {
			do
				g = xorshift64(&seed);
			while (is_real(g, h, 2 * W_N));
			ku_op_init(&ops[i], g, KHSM_OP_SIGN,
				   KHSM_MECH_ECDSA_P256_SHA256);
			ku_op_io(&ops[i], msg16, sizeof(msg16), out, sizeof(out));
		}
		memset(&b, 0, sizeof(b));
		b.size = sizeof(b);
		b.count = n;
		b.op_size = sizeof(ops[0]);
		b.ops_uptr = (uintptr_t)ops;
		ASSERT_EQ(0, ku_ioc(self->fd, KHSM_IOC_OP_BATCH, &b));
		hits += b.out_done;
		for (i = 0; i < n; i++)
			wrong += ops[i].out_status != -ENOENT;
		done += n;
	}
	EXPECT_EQ(0, hits);
	EXPECT_EQ(0, wrong);
	ksft_print_msg("%lu batched guesses in %.1f s: %u succeeded, %u not ENOENT\n",
		       done, (now_ns(CLOCK_MONOTONIC) - t0) / 1e9, hits, wrong);
	fflush(stdout);

	hits = wrong = 0;
	for (i = 0; i < 10000; i++) {
		do
			g = xorshift64(&seed);
		while (is_real(g, h, 2 * W_N));
		ku_op_init(&op, g, KHSM_OP_SIGN, KHSM_MECH_ECDSA_P256_SHA256);
		ku_op_io(&op, msg16, sizeof(msg16), out, sizeof(out));
		err = ku_op(self->fd, &op);
		hits += !err;
		wrong += err && err != ENOENT;
		err = ku_destroy(self->fd, g);
		hits += !err;
		wrong += err && err != ENOENT;
	}
	/* Neighbours of the real handles. */
	for (i = 0; i < 2 * W_N; i++)
		for (n = 0; n < 64; n++) {
			g = h[i] ^ (1ULL << n);
			if (is_real(g, h, 2 * W_N))
				continue;
			err = op_sign(self->fd, g);
			hits += !err;
			wrong += err && err != ENOENT;
		}
	EXPECT_EQ(0, hits);
	EXPECT_EQ(0, wrong);
	/* The real ones were not disturbed. */
	EXPECT_EQ(0, op_sign(self->fd, h[W_SIGN]));
	EXPECT_EQ(0, op_sign(self->fd, h[W_N + W_SIGN]));
	EXPECT_EQ(0, op_decrypt(self->fd, h[W_DECRYPT], self));
}

/* A handle is its descriptor's: on another one, open or later, ENOENT. */
TEST_F(soak, handles_from_another_descriptor_enoent)
{
	uint64_t h[W_N], h2[W_N];
	int fd2, fd3, k;

	fd2 = ku_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, keyset_load(self->fd, &self->module, h));
	ASSERT_EQ(0, keyset_load(fd2, &self->module, h2));
	EXPECT_EQ(ENOENT, op_sign(fd2, h[W_SIGN]));
	EXPECT_EQ(ENOENT, op_decrypt(fd2, h[W_DECRYPT], self));
	EXPECT_EQ(ENOENT, op_unwrap(fd2, h[W_UNWRAP], self));
	EXPECT_EQ(ENOENT, op_sign(self->fd, h2[W_SIGN]));
	for (k = 0; k < W_N; k++)
		EXPECT_EQ(ENOENT, ku_destroy(fd2, h[k]));
	/* The refused DESTROYs took nothing away. */
	EXPECT_EQ(0, op_sign(self->fd, h[W_SIGN]));
	EXPECT_EQ(0, op_sign(fd2, h2[W_SIGN]));

	/* After close: on a new descriptor (maybe with the same number). */
	EXPECT_EQ(0, close(fd2));
	fd3 = ku_open();
	ASSERT_LE(0, fd3);
	for (k = 0; k < W_N; k++)
		EXPECT_EQ(ENOENT, ku_destroy(fd3, h2[k]));
	EXPECT_EQ(ENOENT, op_sign(fd3, h2[W_SIGN]));
	EXPECT_EQ(ENOENT, op_sign(fd3, h[W_SIGN]));
	close(fd3);
	EXPECT_EQ(0, op_sign(self->fd, h[W_SIGN]));
}

TEST_HARNESS_MAIN
