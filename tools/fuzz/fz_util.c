// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsm-fuzz's plumbing: random numbers, the pools of what the module
 * handed back, the shared fd table, the trail of recent messages and the
 * kernel's taint.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "fz.h"

/* ---- xoshiro256** seeded through splitmix64 ---- */

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rnd64(struct rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

uint32_t rnd(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)((rnd64(r) >> 32) * n >> 32) : 0;
}

bool one_in(struct rng *r, uint32_t n)
{
	return n <= 1 || !rnd(r, n);
}

void rnd_bytes(struct rng *r, void *p, size_t n)
{
	uint8_t *b = p;

	while (n >= 8) {
		uint64_t v = rnd64(r);

		memcpy(b, &v, 8);
		b += 8;
		n -= 8;
	}
	if (n) {
		uint64_t v = rnd64(r);

		memcpy(b, &v, n);
	}
}

uint32_t rnd_edge32(struct rng *r)
{
	static const uint32_t edges[] = {
		0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127,
		128, 255, 256, 1023, 1024, 4095, 4096, 4097, 65535, 65536,
		(1u << 20), (1u << 20) + 1, 0x7fffffff, 0x80000000,
		0xfffffffe, 0xffffffff,
	};

	switch (rnd(r, 4)) {
	case 0:
		return (uint32_t)rnd64(r);
	case 1:
		return 1u << rnd(r, 32);
	default:
		return edges[rnd(r, ARRAY_SIZE(edges))];
	}
}

/* ---- pools ---- */

struct pool pools[P__COUNT];
struct ids ids = { .lock = PTHREAD_MUTEX_INITIALIZER };

static const char *const pool_names[P__COUNT] = {
	[P_WORLD] = "world", [P_ACS] = "acs-card", [P_CARD] = "card",
	[P_BLOB] = "blob", [P_POINT] = "point", [P_CT] = "ciphertext",
	[P_SIG] = "signature", [P_MAC] = "mac", [P_WRAPPED] = "wrapped",
};

void pools_init(void)
{
	int i;

	for (i = 0; i < P__COUNT; i++) {
		pthread_mutex_init(&pools[i].lock, NULL);
		pools[i].name = pool_names[i];
	}
}

void pool_add(enum pool_id p, struct rng *r, const void *data, size_t len,
	      const struct fz_blob *meta)
{
	struct pool *pl = &pools[p];
	struct fz_blob *e;
	uint8_t *copy;

	if (!len || len > 65536)
		return;
	copy = malloc(len);
	if (!copy)
		return;
	memcpy(copy, data, len);
	pthread_mutex_lock(&pl->lock);
	/* Fill up, then replace at random: old entries stay useful too. */
	e = &pl->e[pl->n < POOL_SLOTS ? pl->n++ : rnd(r, POOL_SLOTS)];
	free(e->data);
	if (meta)
		*e = *meta;
	else
		memset(e, 0, sizeof(*e));
	e->data = copy;
	e->len = (uint32_t)len;
	pl->added++;
	pthread_mutex_unlock(&pl->lock);
	cnt_add(&cnt->harvested[p], 1);
}

bool pool_pick(enum pool_id p, struct rng *r, struct fz_blob *out)
{
	struct pool *pl = &pools[p];
	bool ok = false;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&pl->lock);
	if (pl->n) {
		/* Recent entries more often: they are more likely valid. */
		uint32_t i = one_in(r, 2) && pl->added <= POOL_SLOTS ?
			     pl->n - 1 - rnd(r, MIN(pl->n, 4u)) : rnd(r, pl->n);

		*out = pl->e[i];
		out->data = malloc(out->len);
		if (out->data) {
			memcpy(out->data, pl->e[i].data, out->len);
			ok = true;
		}
	}
	pthread_mutex_unlock(&pl->lock);
	return ok;
}

bool pool_pick_world(enum pool_id p, struct rng *r, struct fz_blob *out)
{
	struct pool *pl = &pools[p];
	uint64_t world = __atomic_load_n(&ids.world, __ATOMIC_RELAXED);
	int tries;

	if (one_in(r, 4) || !world)
		return pool_pick(p, r, out);
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&pl->lock);
	for (tries = 0; pl->n && tries < 8; tries++) {
		uint32_t i = rnd(r, pl->n);

		if (pl->e[i].world != world)
			continue;
		*out = pl->e[i];
		out->data = malloc(out->len);
		if (out->data)
			memcpy(out->data, pl->e[i].data, out->len);
		break;
	}
	pthread_mutex_unlock(&pl->lock);
	return out->data ? true : pool_pick(p, r, out);
}

void blob_free(struct fz_blob *b)
{
	free(b->data);
	b->data = NULL;
}

void token_add(struct rng *r, uint64_t t)
{
	if (!t)
		return;
	pthread_mutex_lock(&ids.lock);
	ids.tokens[ids.ntokens < IDS_SLOTS ? ids.ntokens++ :
		   rnd(r, IDS_SLOTS)] = t;
	pthread_mutex_unlock(&ids.lock);
	cnt_add(&cnt->tokens, 1);
}

uint64_t token_pick(struct rng *r)
{
	uint64_t t = 0;

	pthread_mutex_lock(&ids.lock);
	if (ids.ntokens)
		t = ids.tokens[rnd(r, ids.ntokens)];
	pthread_mutex_unlock(&ids.lock);
	return t;
}

void handle_add(struct rng *r, const struct handle *h)
{
	uint32_t max = ARRAY_SIZE(ids.handles);

	pthread_mutex_lock(&ids.lock);
	ids.handles[ids.nhandles < max ? ids.nhandles++ : rnd(r, max)] = *h;
	pthread_mutex_unlock(&ids.lock);
	cnt_add(&cnt->handles, 1);
}

bool handle_pick(struct rng *r, struct handle *out)
{
	bool ok = false;

	pthread_mutex_lock(&ids.lock);
	if (ids.nhandles) {
		*out = ids.handles[rnd(r, ids.nhandles)];
		ok = true;
	}
	pthread_mutex_unlock(&ids.lock);
	return ok;
}

void handle_forget(uint64_t h)
{
	uint32_t i;

	pthread_mutex_lock(&ids.lock);
	for (i = 0; i < ids.nhandles; i++) {
		if (ids.handles[i].h == h) {
			ids.handles[i] = ids.handles[--ids.nhandles];
			break;
		}
	}
	pthread_mutex_unlock(&ids.lock);
}

/* The handles of a descriptor that was closed are gone with it. */
void handle_forget_fd(int fd)
{
	uint32_t i;

	pthread_mutex_lock(&ids.lock);
	for (i = 0; i < ids.nhandles;) {
		if (ids.handles[i].fd == fd)
			ids.handles[i] = ids.handles[--ids.nhandles];
		else
			i++;
	}
	pthread_mutex_unlock(&ids.lock);
}

/* ---- shared fds ---- */

static struct {
	pthread_mutex_t lock;
	int fd[FD_SLOTS];
	enum fd_kind kind[FD_SLOTS];
} fds = { .lock = PTHREAD_MUTEX_INITIALIZER };

void fds_init(void)
{
	int i;

	for (i = 0; i < FD_SLOTS; i++) {
		fds.fd[i] = -1;
		fds.kind[i] = FD_NONE;
	}
}

static int open_kind(enum fd_kind kind)
{
	int fd = kind == FD_DEV ? open("/dev/khsm", O_RDWR | O_CLOEXEC) :
		 nl_socket_open();

	if (fd >= 0)
		cnt_add(&cnt->opens, 1);
	return fd;
}

/* Caller holds fds.lock. A free slot, or -1. */
static int free_slot(void)
{
	int i;

	for (i = 0; i < FD_SLOTS; i++)
		if (fds.kind[i] == FD_NONE)
			return i;
	return -1;
}

int fd_pick(struct rng *r, enum fd_kind kind)
{
	int i, n = 0, fd = -1, slot;
	int match[FD_SLOTS];

	pthread_mutex_lock(&fds.lock);
	for (i = 0; i < FD_SLOTS; i++)
		if (fds.kind[i] == kind)
			match[n++] = i;
	if (n && !one_in(r, 64)) {
		fd = fds.fd[match[rnd(r, n)]];
	} else if ((slot = free_slot()) >= 0) {
		fd = open_kind(kind);
		if (fd >= 0) {
			fds.fd[slot] = fd;
			fds.kind[slot] = kind;
		}
	} else if (n) {
		fd = fds.fd[match[rnd(r, n)]];
	}
	pthread_mutex_unlock(&fds.lock);
	return fd;
}

/*
 * Other threads may be using the fd this closes (that is the point): a
 * number they hold may now be closed or reused by another of these.
 */
void fd_chaos(struct rng *r)
{
	int i = rnd(r, FD_SLOTS), slot, fd;

	pthread_mutex_lock(&fds.lock);
	switch (rnd(r, 3)) {
	case 0:		/* close */
		if (fds.kind[i] != FD_NONE) {
			if (fds.kind[i] == FD_DEV && !one_in(r, 4))
				handle_forget_fd(fds.fd[i]);
			close(fds.fd[i]);
			fds.fd[i] = -1;
			fds.kind[i] = FD_NONE;
			cnt_add(&cnt->closes, 1);
		}
		break;
	case 1:		/* dup: a second number for the same open file */
		if (fds.kind[i] != FD_NONE && (slot = free_slot()) >= 0) {
			fd = fcntl(fds.fd[i], F_DUPFD_CLOEXEC, 3);
			if (fd >= 0) {
				fds.fd[slot] = fd;
				fds.kind[slot] = fds.kind[i];
				cnt_add(&cnt->dups, 1);
			}
		}
		break;
	default:	/* open */
		if ((slot = free_slot()) >= 0) {
			enum fd_kind k = one_in(r, 2) ? FD_DEV : FD_NL;

			fd = open_kind(k);
			if (fd >= 0) {
				fds.fd[slot] = fd;
				fds.kind[slot] = k;
			}
		}
		break;
	}
	pthread_mutex_unlock(&fds.lock);
}

void fds_close_all(void)
{
	int i;

	pthread_mutex_lock(&fds.lock);
	for (i = 0; i < FD_SLOTS; i++) {
		if (fds.kind[i] != FD_NONE)
			close(fds.fd[i]);
		fds.fd[i] = -1;
		fds.kind[i] = FD_NONE;
	}
	pthread_mutex_unlock(&fds.lock);
}

/* ---- the trail: each thread's last messages ---- */

#define TRAIL_LEN	32
#define TRAIL_BYTES	512

struct trail_entry {
	uint64_t ms;
	int worker;
	int result;
	char what[48];
	uint16_t len;		/* of the whole input */
	uint8_t data[TRAIL_BYTES];
};

#define TRAIL_WORKERS	64

static struct trail_entry trail[TRAIL_WORKERS][TRAIL_LEN];
static unsigned int trail_pos[TRAIL_WORKERS];

void trail_note(struct worker *w, const char *what, const void *data,
		size_t len, int result)
{
	struct trail_entry *e;
	int t = w->id % TRAIL_WORKERS;

	e = &trail[t][trail_pos[t]++ % TRAIL_LEN];
	e->ms = now_ms();
	e->worker = w->id;
	e->result = result;
	snprintf(e->what, sizeof(e->what), "%s", what);
	e->len = (uint16_t)MIN(len, 65535u);
	memcpy(e->data, data, MIN(len, (size_t)TRAIL_BYTES));
}

/*
 * Everything the threads sent last, oldest first per thread, as hex: the
 * start of a reproducer. To stderr and to crash_dir/trail.txt.
 */
void trail_dump(const char *why)
{
	char path[512];
	FILE *f = NULL;
	int t, i, k;

	if (opt.crash_dir) {
		snprintf(path, sizeof(path), "%s/khsm-fuzz-trail.%d.txt",
			 opt.crash_dir, (int)getpid());
		f = fopen(path, "w");
	}
	fprintf(stderr, "khsm-fuzz: %s; last messages%s%s\n", why,
		f ? " in " : "", f ? path : " follow");
	if (!f)
		f = stderr;
	fprintf(f, "# khsm-fuzz trail: %s (seed %llu)\n", why,
		(unsigned long long)opt.seed);
	for (t = 0; t < TRAIL_WORKERS; t++) {
		for (i = 0; i < TRAIL_LEN; i++) {
			struct trail_entry *e =
				&trail[t][(trail_pos[t] + i) % TRAIL_LEN];

			if (!e->ms)
				continue;
			fprintf(f, "t%d %llu.%03llu %s len %u -> %d\n  ",
				e->worker, (unsigned long long)e->ms / 1000,
				(unsigned long long)e->ms % 1000, e->what,
				e->len, e->result);
			for (k = 0; k < MIN(e->len, TRAIL_BYTES); k++)
				fprintf(f, "%02x", e->data[k]);
			fprintf(f, "\n");
		}
	}
	if (f != stderr)
		fclose(f);
}

/* ---- the kernel's taint ---- */

static unsigned long taint_start;

static unsigned long read_taint(void)
{
	char buf[32] = "";
	int fd = open("/proc/sys/kernel/tainted", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtoul(buf, NULL, 10) : 0;
}

void taint_baseline(void)
{
	taint_start = read_taint();
}

bool kernel_tainted(void)
{
	/* O (4096) and E (8192) come with loading the module. */
	return (read_taint() & ~taint_start & ~(4096UL | 8192UL)) != 0;
}

/* ---- seeds for the host fuzzers' corpora ---- */

/* A few of each kind: kinds are "card", "world", "keyblob", "reply". */
void save_seed(const char *kind, const void *data, size_t len)
{
	static int n, per_kind[8];
	static const char *kinds[8];
	char path[512];
	int fd, k;

	if (!opt.save_seeds)
		return;
	for (k = 0; k < 8 && kinds[k] && strcmp(kinds[k], kind); k++)
		;
	if (k == 8)
		return;
	kinds[k] = kind;
	/* Replies: two of each command's (fz_nl.c); files: a few. */
	if (__atomic_fetch_add(&per_kind[k], 1, __ATOMIC_RELAXED) >=
	    (strcmp(kind, "reply") ? 6 : 48))
		return;
	snprintf(path, sizeof(path), "%s/%s", opt.save_seeds, kind);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/guest-%d", opt.save_seeds, kind,
		 __atomic_add_fetch(&n, 1, __ATOMIC_RELAXED));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, data, len) != (ssize_t)len)
		fz_log("short write to %s", path);
	close(fd);
}

void fz_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "khsm-fuzz: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int errno_slot(int err)
{
	if (err < 0)
		err = -err;
	return err < FZ_ERRNO_MAX ? err : FZ_ERRNO_MAX - 1;
}

const char *cmd_name(unsigned int cmd)
{
	static const char *const names[] = {
		"UNSPEC", "GET_INFO", "WORLD_NEW", "WORLD_LOAD",
		"WORLD_UNLOAD", "CARD_INSERT", "CARD_REMOVE", "SLOT_LIST",
		"ACS_LOGOUT", "ACS_REPLACE", "WORLD_BIND", "POLICY_SET",
		"CLEAR", "CARDSET_CREATE", "TOKEN_LIST", "TOKEN_UNLOAD",
		"KEY_GENERATE", "KEY_IMPORT", "KEY_RECOVER",
		"CARD_PASSPHRASE", "AUDIT_GET", "AUDIT_ACK",
		"AUDIT_CHECKPOINT", "AUDIT_STATUS",
	};

	return cmd < ARRAY_SIZE(names) ? names[cmd] : "(unknown)";
}

/* ---- fork() with threads: take every lock of ours first ---- */

uint8_t *shared_scratch;

void fz_atfork_prepare(void)
{
	int i;

	pthread_mutex_lock(&fds.lock);
	pthread_mutex_lock(&ids.lock);
	for (i = 0; i < P__COUNT; i++)
		pthread_mutex_lock(&pools[i].lock);
}

void fz_atfork_parent(void)
{
	int i;

	for (i = P__COUNT - 1; i >= 0; i--)
		pthread_mutex_unlock(&pools[i].lock);
	pthread_mutex_unlock(&ids.lock);
	pthread_mutex_unlock(&fds.lock);
}

void fz_atfork_child(void)
{
	fz_atfork_parent();
}
