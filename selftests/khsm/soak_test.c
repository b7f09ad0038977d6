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
 * The soak (soak_audit_use_counts_and_key_slab): four workers doing
 * random operations on module, softcard and OCS keys while tokens come
 * and go, reconciled at the end against the audit log's per-key use
 * counts and the module's key cache (see the test's comment).
 *
 * Runs as root in the guest with khsm.ko loaded; makes its own worlds.
 */
#include <endian.h>
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
#include <sys/socket.h>
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

/* GCM encryption of msg16 into @ct (@size bytes); *@len its length. */
static int op_encrypt(int fd, uint64_t h, unsigned char iv[12],
		      unsigned char *ct, size_t size, size_t *len)
{
	struct khsm_ioc_op op;
	int err;

	ku_op_init(&op, h, KHSM_OP_ENCRYPT, KHSM_MECH_AES_GCM);
	ku_op_io(&op, msg16, sizeof(msg16), ct, size);
	op.iv_uptr = (uintptr_t)iv;
	op.iv_len = 12;
	err = ku_op(fd, &op);
	if (!err)
		*len = op.out_len;
	return err;
}

/* UNWRAP of the fixture's wrapped key; *@out the new handle. */
static int op_unwrap_keep(int fd, uint64_t h, const FIXTURE_DATA(soak) *m,
			  uint64_t *out)
{
	struct khsm_acl acl = {
		.ops = BIT(KHSM_OP_ENCRYPT) | BIT(KHSM_OP_DECRYPT),
		.mechs = BIT(KHSM_MECH_AES_GCM),
	};

	return ku_unwrap(fd, h, KHSM_MECH_AES_KW, m->wrapped, m->wrapped_len,
			 KHSM_KEY_AES, &acl, out);
}

/* UNWRAP; the new handle is destroyed at once (handles are capped). */
static int op_unwrap(int fd, uint64_t h, const FIXTURE_DATA(soak) *m)
{
	uint64_t nh;
	int err = op_unwrap_keep(fd, h, m, &nh);

	if (!err)
		ku_destroy(fd, nh);
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

	ASSERT_EQ(0, op_encrypt(self->fd, h[W_DECRYPT], self->iv, self->ct,
				sizeof(self->ct), &self->ct_len));

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

/* A softcard @name and its keyset, its token unloaded again; 0 or errno. */
static int tokset_softcard(struct nlraw *nl, const char *name,
			   struct tokset *t)
{
	return ku_softcard_create(nl, name, PP, &t->card) ?:
	       ku_card_insert(nl, 0, &t->card, PP, &t->token) ?:
	       ku_card_remove(nl, 0) ?:
	       keyset_make(nl, KHSM_PROTECT_SOFTCARD, t->token, &t->ks) ?:
	       ku_token_unload(nl, t->token);
}

/* A non-persistent OCS @name and its keyset, its card out of slot 3. */
static int tokset_ocs(struct nlraw *nl, const char *name, struct tokset *t)
{
	return ku_cardset_create(nl, KHSM_SET_OCS, name, 0, PP, &t->card) ?:
	       ku_card_insert(nl, 3, &t->card, PP, &t->token) ?:
	       keyset_make(nl, KHSM_PROTECT_OCS, t->token, &t->ks) ?:
	       ku_card_remove(nl, 3);
}

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

	ASSERT_EQ(0, tokset_softcard(&self->nl, "sc", &sc))
		TH_LOG("%s", self->nl.extack);

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

	ASSERT_EQ(0, tokset_ocs(&self->nl, "ocs", &ocs))
		TH_LOG("%s", self->nl.extack);

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

/* --- the soak (TESTPLAN.md): random use, churn, audit, slab --- */

#define SOAK_WORKERS	4
#define SOAK_MAX_STEPS	100000	/* admin steps: the count bound */
/* Unwrapped handles a worker keeps (no DESTROY records) before it
 * reconnects, well under KHSM_HANDLES_MAX. */
#define SOAK_KEEP	256
#define KEY_SLAB	"/sys/kernel/slab/khsm_key"

enum { P_MODULE, P_SOFTCARD, P_OCS, P_N };
#define SOAK_KEYS	(P_N * W_N)
enum { S_SIGN, S_ENCRYPT, S_DECRYPT, S_UNWRAP, S_N };
static const uint32_t s_op[S_N] = { KHSM_OP_SIGN, KHSM_OP_ENCRYPT,
				    KHSM_OP_DECRYPT, KHSM_OP_UNWRAP };
static const char *const s_name[S_N] = { "sign", "encrypt", "decrypt",
					 "unwrap" };

/* A worker: its own descriptor, random operations on every key. */
struct soaker {
	const FIXTURE_DATA(soak) *m;
	const struct keyset *sets[P_N];
	atomic_int *stop;
	atomic_int done;
	pthread_t th;
	uint64_t seed;
	int fd;
	uint64_t h[SOAK_KEYS];		/* 0: not loaded */
	unsigned int kept;
	unsigned long ok[SOAK_KEYS][S_N];
	unsigned long nokey, revoked, reconnects;
	const char *bad_what;		/* the first undocumented failure */
	int bad_errno;
};

/* One key's use counts, as the workers saw them and as audit says. */
struct usage_sum {
	unsigned char hash[KHSM_KEY_HASH_LEN];
	uint64_t want[KHSM_OP__COUNT], uses[KHSM_OP__COUNT];
	uint64_t fails[KHSM_OP__COUNT];
};

struct audit_tally {
	uint64_t next;			/* the next record wanted */
	unsigned long records, usage_records, lost, malformed;
	int n;
	struct usage_sum k[SOAK_KEYS + 8];
	unsigned long other_keys;	/* summaries beyond k[] */
};

struct soak_admin {
	struct nlraw nl;		/* its own connection: closed at times */
	struct tokset sc, ocs;
	bool sc_loaded, ocs_in;
	unsigned long steps, token_loads, card_inserts, reconnects;
};

struct soak_run {
	atomic_int stop;
	struct soaker w[SOAK_WORKERS];
	struct soak_admin a;
	struct audit_tally t;
};

static bool soak_bad(struct soaker *s, const char *what, int err)
{
	s->bad_what = what;
	s->bad_errno = err;
	return false;
}

static void soak_reconnect(struct soaker *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = ku_open();
	memset(s->h, 0, sizeof(s->h));
	s->kept = 0;
	s->reconnects++;
}

/* One operation @key's ACL allows, its kind in *@kind; 0 or the errno. */
static int soak_op(struct soaker *s, int key, int *kind)
{
	unsigned char iv[12], ct[64];
	uint64_t h = s->h[key], nh;
	size_t len;
	int err;

	switch (key % W_N) {
	case W_SIGN:
		*kind = S_SIGN;
		return op_sign(s->fd, h);
	case W_DECRYPT:
		*kind = xorshift64(&s->seed) & 1 ? S_DECRYPT : S_ENCRYPT;
		return *kind == S_DECRYPT ? op_decrypt(s->fd, h, s->m) :
		       op_encrypt(s->fd, h, iv, ct, sizeof(ct), &len);
	default:
		*kind = S_UNWRAP;
		err = op_unwrap_keep(s->fd, h, s->m, &nh);
		s->kept += !err;
		return err;
	}
}

/*
 * Loads @key if needed and runs one operation on it. The only failures
 * the churn may cause are a token key's: ENOKEY loading it while its
 * token is out, EKEYREVOKED using it once the token went (the handle is
 * then destroyed and reloaded later). False on anything else.
 */
static bool soak_step(struct soaker *s)
{
	int key = xorshift64(&s->seed) % SOAK_KEYS, kind, err;
	const struct ku_blob *b = &s->sets[key / W_N]->b[key % W_N];
	bool token = key / W_N != P_MODULE;

	if (s->kept >= SOAK_KEEP || !(xorshift64(&s->seed) % 512))
		soak_reconnect(s);
	if (s->fd < 0)
		return soak_bad(s, "open", errno);
	if (!s->h[key]) {
		err = ku_load(s->fd, b->data, b->len, 0, &s->h[key]);
		s->nokey += err == ENOKEY && token;
		if (err)
			return (err == ENOKEY && token) || soak_bad(s, "load", err);
	}
	err = soak_op(s, key, &kind);
	if (!err) {
		s->ok[key][kind]++;
		return true;
	}
	if (err != EKEYREVOKED || !token)
		return soak_bad(s, s_name[kind], err);
	s->revoked++;
	err = ku_destroy(s->fd, s->h[key]);
	s->h[key] = 0;
	return !err || soak_bad(s, "destroy", err);
}

static void *soak_thread(void *arg)
{
	struct soaker *s = arg;

	while (!atomic_load(s->stop) && soak_step(s))
		;
	atomic_store(&s->done, 1);
	return NULL;
}

/* --- the audit log, read back with AUDIT_GET --- */

/* The attribute @type among those in [@p, @p + @len), or NULL. */
static const struct nlattr *attr_find(const unsigned char *p, size_t len,
				      uint16_t type)
{
	const struct nlattr *a;
	size_t pos;

	for (pos = 0; pos + NLA_HDRLEN <= len; pos += NLA_ALIGN(a->nla_len)) {
		a = (const void *)(p + pos);
		if (a->nla_len < NLA_HDRLEN || pos + a->nla_len > len)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
	}
	return NULL;
}

/* The attribute @inner of the nest @outer of a genl message. */
static const struct nlattr *msg_nested(const struct nlmsghdr *nlh,
				       uint16_t outer, uint16_t inner)
{
	const unsigned char *p = (const unsigned char *)nlh;
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;
	const struct nlattr *n;

	if (nlh->nlmsg_len < off)
		return NULL;
	n = attr_find(p + off, nlh->nlmsg_len - off, outer);
	return n ? attr_find((const unsigned char *)n + NLA_HDRLEN,
			     n->nla_len - NLA_HDRLEN, inner) : NULL;
}

static struct usage_sum *tally_key(struct audit_tally *t,
				   const unsigned char *hash)
{
	for (int i = 0; i < t->n; i++)
		if (!memcmp(t->k[i].hash, hash, KHSM_KEY_HASH_LEN))
			return &t->k[i];
	if (t->n == (int)(sizeof(t->k) / sizeof(t->k[0])))
		return NULL;
	memcpy(t->k[t->n].hash, hash, KHSM_KEY_HASH_LEN);
	return &t->k[t->n++];
}

static void add_le64s(uint64_t *sum, const unsigned char *p)
{
	uint64_t v;

	for (int i = 0; i < KHSM_OP__COUNT; i++) {
		memcpy(&v, p + 8 * i, 8);
		sum[i] += le64toh(v);
	}
}

/* A KEY_USAGE record's counts, added to its key's. */
static void tally_usage(struct audit_tally *t, const unsigned char *r,
			size_t len, size_t pos)
{
	const unsigned char *it[3] = { NULL };
	static const uint16_t tags[3] = { KHSM_AUDIT_T_KEY_HASH,
		KHSM_AUDIT_T_USES, KHSM_AUDIT_T_FAILS };
	static const uint16_t lens[3] = { KHSM_KEY_HASH_LEN,
		8 * KHSM_OP__COUNT, 8 * KHSM_OP__COUNT };
	uint16_t tag, ilen;
	struct usage_sum *u;

	for (; pos + 4 <= len; pos += 4 + ilen) {
		memcpy(&tag, r + pos, 2);
		memcpy(&ilen, r + pos + 2, 2);
		tag = le16toh(tag);
		ilen = le16toh(ilen);
		if (pos + 4 + ilen > len)
			break;
		for (int i = 0; i < 3; i++)
			if (tag == tags[i] && ilen == lens[i])
				it[i] = r + pos + 4;
	}
	t->usage_records++;
	if (!it[0] || !it[1] || !it[2]) {
		t->malformed++;
		return;
	}
	u = tally_key(t, it[0]);
	if (!u) {
		t->other_keys++;
		return;
	}
	add_le64s(u->uses, it[1]);
	add_le64s(u->fails, it[2]);
}

/* One AUDIT_GET message: a gap in the sequence numbers is records lost. */
static void tally_msg(struct audit_tally *t, const struct nlmsghdr *nlh)
{
	const struct nlattr *a = msg_nested(nlh, KHSM_A_AUDIT,
					    KHSM_A_AUDIT_RECORD);
	const struct khsm_audit_hdr *h;
	size_t len;
	uint64_t seq;

	if (!a || a->nla_len - NLA_HDRLEN < sizeof(*h)) {
		t->malformed++;
		return;
	}
	h = (const void *)((const unsigned char *)a + NLA_HDRLEN);
	len = le16toh(h->len);
	seq = le64toh(h->seq);
	if (len > a->nla_len - NLA_HDRLEN || seq < t->next)
		return;
	t->lost += seq - t->next;
	t->next = seq + 1;
	t->records++;
	if (le16toh(h->event) == KHSM_AUDIT_KEY_USAGE)
		tally_usage(t, (const unsigned char *)h, len,
			    le16toh(h->hdr_len));
}

/* Reads the answer to a dump: 0, or the errno it ended with. */
static int dump_recv(struct nlraw *nl, struct audit_tally *t)
{
	static unsigned char buf[65536];
	struct nlmsghdr *nlh;
	int n, err;

	for (;;) {
		n = recv(nl->fd, buf, sizeof(buf), 0);
		if (n < 0)
			return errno;
		for (nlh = (void *)buf; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != nl->seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_DONE ||
			    nlh->nlmsg_type == NLMSG_ERROR) {
				memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
				return -err;
			}
			tally_msg(t, nlh);
		}
	}
}

/* AUDIT_GET from @t->next on, into @t; 0 or the errno. */
static int audit_drain(struct nlraw *nl, struct audit_tally *t)
{
	static unsigned char msg[NLMSG_HDRLEN + GENL_HDRLEN + 64];
	struct nlmsghdr *n = (void *)msg;
	struct genlmsghdr *g = NLMSG_DATA(n);
	static struct ku_buf a;
	void *nest;

	a.off = 0;
	nest = ku_nest_start(&a, KHSM_A_AUDIT);
	ku_put_u64(&a, KHSM_A_AUDIT_SEQ, t->next);
	ku_nest_end(&a, nest);
	memset(msg, 0, sizeof(msg));
	n->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + a.off;
	n->nlmsg_type = nl->family;
	n->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	n->nlmsg_seq = ++nl->seq;
	g->cmd = KHSM_CMD_AUDIT_GET;
	g->version = KHSM_GENL_VERSION;
	memcpy(msg + NLMSG_HDRLEN + GENL_HDRLEN, a.b, a.off);
	if (send(nl->fd, msg, n->nlmsg_len, 0) < 0)
		return errno;
	return dump_recv(nl, t);
}

/* AUDIT_CHECKPOINT (which first writes every key's usage summary). */
static int audit_checkpoint(struct nlraw *nl, uint64_t *seq)
{
	const struct nlattr *a;
	int err = ku_request(nl, KHSM_CMD_AUDIT_CHECKPOINT, NULL);

	if (err)
		return err;
	a = msg_nested((const void *)nl->reply, KHSM_A_AUDIT,
		       KHSM_A_AUDIT_SEQ);
	if (!a || a->nla_len != NLA_HDRLEN + 8)
		return ENODATA;
	memcpy(seq, (const unsigned char *)a + NLA_HDRLEN, 8);
	return 0;
}

/* --- the key cache --- */

/*
 * Objects in use in the module's key cache. "shrink" first flushes the
 * per-CPU slabs, whose free objects "objects" would count as in use (the
 * guests' slub_debug already keeps debug caches off the per-CPU fast
 * path; this makes it exact without). -2: the cache was merged with
 * another (its entry is a link), so its count is not khsm's; -1: none.
 */
static long key_slab_objects(void)
{
	char link[64];
	long n = -1;
	FILE *f;

	if (readlink(KEY_SLAB, link, sizeof(link)) >= 0)
		return -2;
	f = fopen(KEY_SLAB "/shrink", "w");
	if (f) {
		fputs("1", f);
		fclose(f);
	}
	f = fopen(KEY_SLAB "/objects", "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/* --- the admin side: tokens in and out, its connection closed --- */

/* Softcard token in (insert, remove: it stays) or out (TOKEN_UNLOAD). */
static int admin_softcard(struct soak_admin *a)
{
	int err;

	if (a->sc_loaded) {
		a->sc_loaded = false;
		return ku_token_unload(&a->nl, a->sc.token);
	}
	err = ku_card_insert(&a->nl, 0, &a->sc.card, PP, &a->sc.token) ?:
	      ku_card_remove(&a->nl, 0);
	a->sc_loaded = !err;
	a->token_loads += !err;
	a->card_inserts += !err;
	return err;
}

/* OCS card in (its token loads) or out (its token goes). */
static int admin_ocs(struct soak_admin *a)
{
	int err;

	if (a->ocs_in) {
		a->ocs_in = false;
		return ku_card_remove(&a->nl, 3);
	}
	err = ku_card_insert(&a->nl, 3, &a->ocs.card, PP, &a->ocs.token);
	a->ocs_in = !err;
	a->token_loads += !err;
	a->card_inserts += !err;
	return err;
}

/* Closing the connection takes every token it loaded and its cards. */
static int admin_reconnect(struct soak_admin *a)
{
	nlraw_close(&a->nl);
	a->sc_loaded = a->ocs_in = false;
	a->reconnects++;
	return nlraw_open(&a->nl, KHSM_GENL_NAME);
}

static int admin_step(struct soak_admin *a, uint64_t r)
{
	a->steps++;
	r %= 9;
	if (r < 4)
		return admin_softcard(a);
	return r < 8 ? admin_ocs(a) : admin_reconnect(a);
}

static double soak_budget(void)
{
	const char *e = getenv("KHSM_SOAK_SECONDS");
	double s = e ? atof(e) : 120;

	/* Under the test's timeout (3600 s), with room for the end. */
	return s > 0 && s <= 3300 ? s : 120;
}

static void soak_start(struct __test_metadata *_metadata, struct soak_run *r,
		       const FIXTURE_DATA(soak) *m, uint64_t seed)
{
	for (int i = 0; i < SOAK_WORKERS; i++) {
		struct soaker *s = &r->w[i];

		s->m = m;
		s->sets[P_MODULE] = &m->module;
		s->sets[P_SOFTCARD] = &r->a.sc.ks;
		s->sets[P_OCS] = &r->a.ocs.ks;
		s->stop = &r->stop;
		s->seed = seed + 0x9e3779b97f4a7c15ULL * (i + 1);
		s->fd = ku_open();
		ASSERT_LE(0, s->fd);
		ASSERT_EQ(0, pthread_create(&s->th, NULL, soak_thread, s));
	}
}

static bool soak_worker_stopped(const struct soak_run *r)
{
	for (int i = 0; i < SOAK_WORKERS; i++)
		if (atomic_load(&r->w[i].done))
			return true;
	return false;
}

/* Churn and audit reading until the time is up or something failed. */
static void soak_admin_loop(struct __test_metadata *_metadata,
			    struct soak_run *r, struct nlraw *nl,
			    uint64_t seed)
{
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	double budget = soak_budget();
	int err;

	while ((now_ns(CLOCK_MONOTONIC) - t0) / 1e9 < budget &&
	       r->a.steps < SOAK_MAX_STEPS && !soak_worker_stopped(r)) {
		err = admin_step(&r->a, xorshift64(&seed));
		ASSERT_EQ(0, err) TH_LOG("admin step %lu: %s", r->a.steps,
					 r->a.nl.extack);
		/* Often enough that the ring (1024 records) never laps us. */
		ASSERT_EQ(0, audit_drain(nl, &r->t));
		usleep(20000 + xorshift64(&seed) % 80000);
	}
}

static void soak_join(struct __test_metadata *_metadata, struct soak_run *r)
{
	atomic_store(&r->stop, 1);
	for (int i = 0; i < SOAK_WORKERS; i++) {
		struct soaker *s = &r->w[i];

		pthread_join(s->th, NULL);
		EXPECT_FALSE(s->bad_what) TH_LOG("worker %d: %s failed with %s, not an errno the churn explains",
						   i, s->bad_what,
						   strerror(s->bad_errno));
	}
}

/* The workers' successes, by key hash (keys may share one) and op. */
static void soak_expect(struct __test_metadata *_metadata,
			struct soak_run *r, unsigned long ops[S_N])
{
	struct usage_sum *u;
	int i, key, k;

	for (key = 0; key < SOAK_KEYS; key++) {
		u = tally_key(&r->t, r->w[0].sets[key / W_N]->b[key % W_N].hash);
		ASSERT_TRUE(u != NULL);
		for (i = 0; i < SOAK_WORKERS; i++)
			for (k = 0; k < S_N; k++) {
				u->want[s_op[k]] += r->w[i].ok[key][k];
				ops[k] += r->w[i].ok[key][k];
			}
	}
}

static void soak_reconcile(struct __test_metadata *_metadata,
			   struct soak_run *r)
{
	uint64_t want = 0, uses = 0;
	char hex[2 * KHSM_KEY_HASH_LEN + 1];
	int i, op;

	EXPECT_EQ(0, r->t.lost) TH_LOG("%lu audit records left the ring unread",
				       r->t.lost);
	EXPECT_EQ(0, r->t.malformed);
	EXPECT_EQ(0, r->t.other_keys);
	for (i = 0; i < r->t.n; i++) {
		struct usage_sum *u = &r->t.k[i];

		ku_hex(u->hash, 8, hex);
		for (op = 0; op < KHSM_OP__COUNT; op++) {
			want += u->want[op];
			uses += u->uses[op];
			EXPECT_EQ(u->want[op], u->uses[op]) TH_LOG("key %s..., op %d: %llu operations succeeded, audit counted %llu",
								   hex, op,
								   (unsigned long long)u->want[op],
								   (unsigned long long)u->uses[op]);
			EXPECT_EQ(0, u->fails[op]) TH_LOG("key %s..., op %d: audit counted %llu failures; every failure was a refusal",
							  hex, op,
							  (unsigned long long)u->fails[op]);
		}
	}
	TH_LOG("audit: %lu records read, %lu KEY_USAGE summaries over %d key hashes; %llu successful operations, %llu counted",
	       r->t.records, r->t.usage_records, r->t.n,
	       (unsigned long long)want, (unsigned long long)uses);
}

static void soak_log(struct __test_metadata *_metadata,
		     const struct soak_run *r, const unsigned long ops[S_N],
		     double secs)
{
	unsigned long nokey = 0, revoked = 0, reconnects = 0;

	for (int i = 0; i < SOAK_WORKERS; i++) {
		nokey += r->w[i].nokey;
		revoked += r->w[i].revoked;
		reconnects += r->w[i].reconnects;
	}
	TH_LOG("%.1f s, %d workers: %lu sign, %lu encrypt, %lu decrypt, %lu unwrap succeeded; %lu ENOKEY loads, %lu EKEYREVOKED ops, %lu worker reconnects",
	       secs, SOAK_WORKERS, ops[S_SIGN], ops[S_ENCRYPT],
	       ops[S_DECRYPT], ops[S_UNWRAP], nokey, revoked, reconnects);
	TH_LOG("admin: %lu steps, %lu token loads, %lu card inserts, %lu netlink reconnects",
	       r->a.steps, r->a.token_loads, r->a.card_inserts,
	       r->a.reconnects);
}

/*
 * SOAK_WORKERS threads on their own descriptors sign, encrypt, decrypt
 * and unwrap with module, softcard and OCS keys at random, closing and
 * reopening their descriptors now and then, while the admin side loads
 * and unloads the softcard's token, inserts and removes the OCS card and
 * closes its own connection (which takes both tokens). Every failure
 * must be ENOKEY (LOAD, token out) or EKEYREVOKED (OP, token gone) on a
 * token key. At the end, after a checkpoint (which writes each key's
 * KEY_USAGE summary), the audit log's use counts since the start must
 * equal the successes per key and operation, with no failures counted;
 * and once every descriptor and token is gone the key cache holds as
 * many objects as before. KHSM_SOAK_SECONDS (default 120) bounds it.
 */
TEST_F_TIMEOUT(soak, soak_audit_use_counts_and_key_slab, 3600)
{
	static struct soak_run r;
	unsigned long ops[S_N] = { 0 };
	uint64_t seed = now_ns(CLOCK_REALTIME) | 1, cp, t0;
	long slab0, slab_mid, slab1;

	ASSERT_EQ(0, tokset_softcard(&self->nl, "soak-sc", &r.a.sc))
		TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, tokset_ocs(&self->nl, "soak-ocs", &r.a.ocs))
		TH_LOG("%s", self->nl.extack);
	ASSERT_EQ(0, nlraw_open(&r.a.nl, KHSM_GENL_NAME));
	slab0 = key_slab_objects();
	ASSERT_NE(-1, slab0) TH_LOG("%s: %s", KEY_SLAB, strerror(errno));
	/* Uses before this (the fixture's) go into summaries before cp. */
	ASSERT_EQ(0, audit_checkpoint(&self->nl, &cp));
	r.t.next = cp + 1;
	TH_LOG("seed %#llx, %.0f s", (unsigned long long)seed, soak_budget());

	t0 = now_ns(CLOCK_MONOTONIC);
	soak_start(_metadata, &r, self, seed);
	soak_admin_loop(_metadata, &r, &self->nl, seed);
	slab_mid = key_slab_objects();	/* the workers' keys: shows it counts */
	soak_join(_metadata, &r);
	ASSERT_EQ(0, audit_checkpoint(&self->nl, &cp));
	ASSERT_EQ(0, audit_drain(&self->nl, &r.t));
	ASSERT_LT(cp, r.t.next);
	soak_expect(_metadata, &r, ops);
	soak_log(_metadata, &r, ops, (now_ns(CLOCK_MONOTONIC) - t0) / 1e9);
	soak_reconcile(_metadata, &r);

	for (int i = 0; i < SOAK_WORKERS; i++)
		close(r.w[i].fd);
	nlraw_close(&r.a.nl);
	slab1 = key_slab_objects();
	TH_LOG("khsm_key objects: %ld before, %ld at the end of the churn, %ld after",
	       slab0, slab_mid, slab1);
	if (slab0 == -2)
		TH_LOG("khsm_key is merged with another cache: not compared");
	else
		EXPECT_EQ(slab0, slab1);
}

TEST_HARNESS_MAIN
