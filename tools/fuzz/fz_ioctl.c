// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /dev/khsm. Keys are loaded from the blobs the control channel made, and
 * operations run on them with fitting operations and mechanisms, their
 * outputs (ciphertexts, signatures, MACs, wrapped keys, public points)
 * fed back as later inputs. Then broken: sizes of every kind (0, one
 * below the first version, a zero or non-zero tail, above a page), flags
 * and reserved fields, lengths at their edges, and pointers that are
 * NULL, unmapped, read-only, in the kernel or running off the end of a
 * mapping. Every pointer lands in this thread's scratch mapping (or the
 * shared page the flipper scribbles on), never in the fuzzer's own data.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "fz.h"

#define PAGE		4096
#define KERNEL_PTR	0xffffffff81000000ULL

/*
 * Scratch layout: [guard][read-only page][data ... ][guard]. w->scratch
 * points at the data; the pages around it are there to be hit.
 */
#define SCRATCH_DATA	(256 * 1024)

static uint8_t *scratch_map(void)
{
	size_t total = SCRATCH_DATA + 3 * PAGE;
	uint8_t *p = mmap(NULL, total, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	mprotect(p, PAGE, PROT_NONE);
	mprotect(p + PAGE, PAGE, PROT_READ);
	mprotect(p + 2 * PAGE + SCRATCH_DATA, PAGE, PROT_NONE);
	return p + 2 * PAGE;
}

/* Where buffers go: a cursor into the scratch data. */
struct sbuf {
	struct worker *w;
	size_t off;
	bool shared;		/* this call's args live in the flipper page */
};

static struct rng *SR(struct sbuf *s)
{
	return &s->w->r;
}

static size_t scap(const struct sbuf *s)
{
	return s->shared ? SHARED_SCRATCH : SCRATCH_DATA;
}

/*
 * Room for @len bytes (at most scap()): callers never write more than
 * that themselves; the module may be told of more, and then runs into the
 * guard page.
 */
static void *salloc(struct sbuf *s, size_t len)
{
	uint8_t *base = s->shared ? shared_scratch : s->w->scratch;
	size_t cap = scap(s);
	void *p;

	len = (len + 7) & ~(size_t)7;
	if (s->off + len > cap)
		s->off = 0;
	if (len > cap)
		return base;
	p = base + s->off;
	s->off += len;
	return p;
}

/* A pointer that does not work, of one kind or another. */
static uint64_t bad_ptr(struct sbuf *s, size_t len)
{
	uint8_t *data = s->w->scratch;

	switch (rnd(SR(s), 6)) {
	case 0:
		return 0;
	case 1:		/* guard page before */
		return (uintptr_t)(data - 2 * PAGE + rnd(SR(s), PAGE));
	case 2:		/* read-only page: fine to read, not to write */
		return (uintptr_t)(data - PAGE);
	case 3:
		return KERNEL_PTR + rnd(SR(s), PAGE);
	case 4:		/* runs into the guard page after */
		return (uintptr_t)(data + SCRATCH_DATA - MIN(len / 2 + 1,
							    (size_t)PAGE));
	default:	/* misaligned, but valid */
		return (uintptr_t)salloc(s, len + 8) + 1 + rnd(SR(s), 7);
	}
}

/* A buffer of @len bytes (random content), or now and then a bad pointer. */
static uint64_t buf_in(struct sbuf *s, size_t len, const void *data)
{
	void *p;

	if (one_in(SR(s), 40))
		return bad_ptr(s, len);
	p = salloc(s, len);
	if (data)
		memcpy(p, data, MIN(len, scap(s)));
	else if (len)
		rnd_bytes(SR(s), p, MIN(len, scap(s)));
	return (uintptr_t)p;
}

/*
 * The size field: mostly exact; else too small, a zero tail (accepted), a
 * non-zero tail (E2BIG), above a page, or anything.
 */
static uint32_t pick_size(struct sbuf *s, uint8_t *arg, uint32_t exact,
			  uint32_t first)
{
	uint32_t n;

	if (!one_in(SR(s), 6))
		return exact;
	switch (rnd(SR(s), 7)) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return first - 1;
	case 3:		/* a zero tail */
		n = exact + 8 * (1 + rnd(SR(s), 8));
		memset(arg + exact, 0, n - exact);
		return n;
	case 4:		/* a non-zero tail */
		n = exact + 8 * (1 + rnd(SR(s), 8));
		memset(arg + exact, 0, n - exact);
		arg[exact + rnd(SR(s), n - exact)] = 1;
		return n;
	case 5:
		return PAGE + 1 + rnd(SR(s), 64);
	default:
		return rnd_edge32(SR(s));
	}
}

/* The argument struct: room for a tail, in scratch or in the shared page. */
static uint8_t *arg_alloc(struct sbuf *s, size_t size)
{
	uint8_t *p = salloc(s, size + 128);

	memset(p, 0, size + 128);
	return p;
}

static int nr_slot(unsigned long cmd)
{
	unsigned int nr = _IOC_NR(cmd);

	return nr >= KHSM_IOCTL_BASE && nr < KHSM_IOCTL_BASE + 7 ?
	       (int)(nr - KHSM_IOCTL_BASE) : 7;
}

/* The call itself; the argument pointer may be broken too. */
static int call(struct worker *w, struct sbuf *s, int fd, unsigned long cmd,
		void *arg, size_t size, const char *what)
{
	uint64_t p = (uintptr_t)arg;
	int ret;

	if (one_in(&w->r, 60))
		p = bad_ptr(s, size);
	uint64_t t0 = now_us();

	ret = ioctl(fd, cmd, (void *)(uintptr_t)p) ? errno : 0;
	cnt_add(&cnt->ioc_us[nr_slot(cmd)], now_us() - t0);
	cnt_add(&cnt->ioctls, 1);
	cnt_add(&cnt->ioc_err[nr_slot(cmd)][errno_slot(ret)], 1);
	trail_note(w, what, arg, MIN(size, (size_t)PAGE), ret);
	if (ret == EBADF && fd == w->dev) {
		close(w->dev);	/* harmless if someone else's now */
		handle_forget_fd(w->dev);
		w->dev = -1;
	}
	return ret;
}

/* ---- the ioctls ---- */

static void do_info(struct worker *w, struct sbuf *s, int fd)
{
	struct khsm_ioc_info *a = (void *)arg_alloc(s, sizeof(*a));

	a->size = pick_size(s, (uint8_t *)a, sizeof(*a), sizeof(*a));
	if (one_in(&w->r, 20))
		a->flags = 1u << rnd(&w->r, 32);
	if (one_in(&w->r, 20))
		a->__reserved = 1;
	call(w, s, fd, KHSM_IOC_INFO, a, sizeof(*a), "IOC_INFO");
}

static void do_random(struct worker *w, struct sbuf *s, int fd)
{
	struct khsm_ioc_random *a = (void *)arg_alloc(s, sizeof(*a));
	uint32_t len = 1 + rnd(&w->r, one_in(&w->r, 4) ? KHSM_RANDOM_MAX : 64);

	if (one_in(&w->r, 10))
		len = rnd_edge32(&w->r);
	a->size = pick_size(s, (uint8_t *)a, sizeof(*a), sizeof(*a));
	a->len = len;
	a->out_uptr = one_in(&w->r, 30) ? bad_ptr(s, len) :
		      (uintptr_t)salloc(s, MIN(len, (uint32_t)KHSM_RANDOM_MAX));
	if (one_in(&w->r, 30))
		a->flags = 1;
	if (one_in(&w->r, 30))
		a->__reserved = 1;
	call(w, s, fd, KHSM_IOC_RANDOM, a, sizeof(*a), "IOC_RANDOM");
}

static bool do_load(struct worker *w, struct sbuf *s, int fd)
{
	struct khsm_ioc_load *a = (void *)arg_alloc(s, sizeof(*a));
	struct fz_blob b;
	uint32_t len;
	bool ok;

	if (!pool_pick_world(P_BLOB, &w->r, &b)) {
		/* Nothing made yet: a blob of noise (EBADMSG, EINVAL). */
		memset(&b, 0, sizeof(b));
		b.len = 1 + rnd(&w->r, 600);
		b.data = malloc(b.len);
		if (!b.data)
			return false;
		rnd_bytes(&w->r, b.data, b.len);
		if (b.len >= 8)
			memcpy(b.data, KHSM_KEY_MAGIC, 8);
	}
	len = b.len;
	if (one_in(&w->r, 12)) {		/* damaged */
		switch (rnd(&w->r, 3)) {
		case 0:
			b.data[rnd(&w->r, b.len)] ^= (uint8_t)(1u << rnd(&w->r, 8));
			break;
		case 1:
			len = rnd(&w->r, b.len);
			break;
		default:
			len = one_in(&w->r, 2) ? KHSM_BLOB_MAX + 1 :
			      rnd_edge32(&w->r);
			break;
		}
	}
	a->size = pick_size(s, (uint8_t *)a, sizeof(*a),
			    offsetof(struct khsm_ioc_load, out_ops) + 4);
	a->blob_len = len;
	a->blob_uptr = buf_in(s, MIN(len, b.len), b.data);
	a->token_id = one_in(&w->r, 3) ? b.token : one_in(&w->r, 4) ?
		      token_pick(&w->r) : 0;
	if (one_in(&w->r, 40))
		a->flags = 1;
	ok = !call(w, s, fd, KHSM_IOC_LOAD, a, sizeof(*a), "IOC_LOAD") &&
	     a->out_handle && !s->shared;
	if (ok) {
		struct handle h = { .h = a->out_handle, .fd = fd,
				    .type = a->out_type, .ops = a->out_ops,
				    .mechs = b.mechs };

		handle_add(&w->r, &h);
	}
	blob_free(&b);
	return ok;
}

/*
 * A handle, preferably one that lives on @fd: true if it does. Else one
 * of another fd, or a made-up one (ENOENT either way).
 */
static bool pick_handle(struct worker *w, int fd, struct handle *h)
{
	int i;

	for (i = 0; i < 8; i++)
		if (handle_pick(&w->r, h) && h->fd == fd)
			return true;
	if (handle_pick(&w->r, h))
		return false;
	memset(h, 0, sizeof(*h));
	h->h = one_in(&w->r, 2) ? 0 : rnd64(&w->r);
	return false;
}

/* A handle of @fd, loading a key into it first when it has none. */
static bool handle_on(struct worker *w, struct sbuf *s, int fd,
		      struct handle *h)
{
	if (pick_handle(w, fd, h) || one_in(&w->r, 4))
		return true;
	return do_load(w, s, fd) && pick_handle(w, fd, h);
}

/* What an answer says about the handle: gone for good, or not. */
static void handle_result(int fd, const struct handle *h, int err)
{
	if (h->fd == fd && (err == ENOENT || err == EKEYREVOKED))
		handle_forget(h->h);
}

static void do_destroy(struct worker *w, struct sbuf *s, int fd)
{
	struct khsm_ioc_destroy *a = (void *)arg_alloc(s, sizeof(*a));
	struct handle h;
	int err;

	pick_handle(w, fd, &h);
	a->size = pick_size(s, (uint8_t *)a, sizeof(*a), sizeof(*a));
	a->handle = h.h;
	if (one_in(&w->r, 40))
		a->flags = 1;
	err = call(w, s, fd, KHSM_IOC_DESTROY, a, sizeof(*a), "IOC_DESTROY");
	if (!err)
		handle_forget(h.h);
	handle_result(fd, &h, err);
}

static uint32_t pick_bit(struct rng *r, uint32_t mask, uint32_t count)
{
	uint32_t i, n = 0, pick;

	for (i = 0; i < count; i++)
		n += !!(mask & (1u << i));
	if (!n)
		return rnd(r, count);
	pick = rnd(r, n);
	for (i = 0; i < count; i++)
		if ((mask & (1u << i)) && !pick--)
			return i;
	return 0;
}

/* An input length: mostly small, sometimes at an edge. */
static uint32_t data_len(struct rng *r)
{
	switch (rnd(r, 12)) {
	case 0:
		return 0;
	case 1:
		return rnd_edge32(r);
	case 2:
		return 4096 + rnd(r, 60 * 1024);
	case 3:
		return KHSM_DATA_MAX + rnd(r, 2);
	default:
		return rnd(r, 300);
	}
}

/* Output room: what it needs, give or take. */
static uint32_t out_room(struct rng *r, uint32_t need)
{
	if (!one_in(r, 6))
		return need;
	return one_in(r, 2) ? (need ? need - 1 : 0) : rnd(r, need + 64);
}

/* Fill one operation for handle @h (in @s), as a caller would. */
static void fill_op(struct worker *w, struct sbuf *s, int fd,
		    struct khsm_ioc_op *op, const struct handle *h)
{
	struct fz_blob b = { 0 };
	struct khsm_acl *acl;
	struct handle h2;
	uint32_t len, opn, mech;

	memset(op, 0, sizeof(*op));
	op->size = sizeof(*op);
	op->handle = h->h;
	/*
	 * Locals: @op may sit in the page the flipper rewrites, so nothing
	 * is read back from it.
	 */
	opn = one_in(&w->r, 20) ? rnd(&w->r, KHSM_OP__COUNT + 2) :
	      pick_bit(&w->r, h->ops, KHSM_OP__COUNT);
	mech = one_in(&w->r, 20) ? rnd(&w->r, KHSM_MECH__COUNT + 2) :
	       pick_bit(&w->r, h->mechs, KHSM_MECH__COUNT);
	/* A mechanism that performs this operation, if the ACL has one. */
	if (!(fz_mech_ops(mech) & (1u << opn)) && !one_in(&w->r, 8)) {
		uint32_t m;

		for (m = 0; m < KHSM_MECH__COUNT; m++)
			if ((h->mechs & (1u << m)) && (fz_mech_ops(m) & (1u << opn)))
				mech = m;
	}
	op->op = opn;
	op->mech = mech;
	len = data_len(&w->r);
	switch (opn) {
	case KHSM_OP_ENCRYPT:
		op->in_len = len;
		op->in_uptr = buf_in(s, MIN(len, 65536u), NULL);
		op->out_len = out_room(&w->r, len + 16);
		op->out_uptr = (uintptr_t)salloc(s, MIN(op->out_len, 70000u));
		op->iv_len = one_in(&w->r, 10) ? rnd(&w->r, 20) : 12;
		op->iv_uptr = buf_in(s, 16, NULL);
		if (one_in(&w->r, 3))
			op->flags |= KHSM_OP_F_CALLER_IV;
		if (one_in(&w->r, 3)) {
			op->aad_len = rnd(&w->r, 64);
			op->aad_uptr = buf_in(s, op->aad_len, NULL);
		}
		break;
	case KHSM_OP_DECRYPT:
		if (pool_pick(P_CT, &w->r, &b) && b.len > 12) {
			op->in_len = b.len - 12;
			op->in_uptr = buf_in(s, b.len - 12, b.data);
			op->iv_uptr = buf_in(s, 12, b.data + b.len - 12);
		} else {
			op->in_len = len;
			op->in_uptr = buf_in(s, MIN(len, 65536u), NULL);
			op->iv_uptr = buf_in(s, 12, NULL);
		}
		op->iv_len = 12;
		op->out_len = out_room(&w->r, op->in_len > 16 ? op->in_len - 16 : 0);
		op->out_uptr = (uintptr_t)salloc(s, MIN(op->out_len, 70000u));
		break;
	case KHSM_OP_SIGN:
	case KHSM_OP_VERIFY:
		if (one_in(&w->r, 2)) {
			op->flags |= KHSM_OP_F_PREHASHED;
			len = one_in(&w->r, 4) ? rnd(&w->r, 80) :
			      h->type == KHSM_KEY_EC_P384 ? 48 : 32;
		}
		op->in_len = len;
		op->in_uptr = buf_in(s, MIN(len, 65536u), NULL);
		if (opn == KHSM_OP_SIGN) {
			op->out_len = out_room(&w->r, 104);
			op->out_uptr = (uintptr_t)salloc(s, 128);
		} else if (pool_pick(P_SIG, &w->r, &b)) {
			op->aux_len = b.len;
			op->aux_uptr = buf_in(s, b.len, b.data);
		} else {
			op->aux_len = rnd(&w->r, 110);
			op->aux_uptr = buf_in(s, op->aux_len, NULL);
		}
		break;
	case KHSM_OP_MAC_GENERATE:
	case KHSM_OP_MAC_VERIFY:
		op->in_len = len;
		op->in_uptr = buf_in(s, MIN(len, 65536u), NULL);
		if (opn == KHSM_OP_MAC_GENERATE) {
			op->out_len = out_room(&w->r, 64);
			op->out_uptr = (uintptr_t)salloc(s, 128);
		} else if (pool_pick(P_MAC, &w->r, &b)) {
			op->aux_len = b.len;
			op->aux_uptr = buf_in(s, b.len, b.data);
		} else {
			op->aux_len = rnd(&w->r, 70);
			op->aux_uptr = buf_in(s, op->aux_len, NULL);
		}
		break;
	case KHSM_OP_WRAP:
		pick_handle(w, fd, &h2);
		op->key2 = h2.h;
		op->out_len = out_room(&w->r, 200);
		op->out_uptr = (uintptr_t)salloc(s, 256);
		break;
	case KHSM_OP_UNWRAP:
	case KHSM_OP_DERIVE:
		if (pool_pick(opn == KHSM_OP_UNWRAP ? P_WRAPPED : P_POINT,
			      &w->r, &b)) {
			op->in_len = b.len;
			op->in_uptr = buf_in(s, b.len, b.data);
		} else {
			op->in_len = rnd(&w->r, 100);
			op->in_uptr = buf_in(s, op->in_len, NULL);
		}
		op->new_type = one_in(&w->r, 10) ? rnd(&w->r, 6) :
			       KHSM_KEY_AES + rnd(&w->r, 2);
		op->new_len = opn == KHSM_OP_DERIVE ?
			      (one_in(&w->r, 10) ? rnd(&w->r, 64) :
			       16 + 8 * rnd(&w->r, 3)) : 0;
		acl = salloc(s, sizeof(*acl));
		fz_make_acl(&w->r, op->new_type, acl);
		op->acl_uptr = one_in(&w->r, 30) ? bad_ptr(s, sizeof(*acl)) :
			       (uintptr_t)acl;
		break;
	default:
		op->in_len = len;
		op->in_uptr = buf_in(s, MIN(len, 65536u), NULL);
		op->out_len = rnd(&w->r, 200);
		op->out_uptr = (uintptr_t)salloc(s, 256);
		break;
	}
	blob_free(&b);
	if (one_in(&w->r, 30))
		op->out_uptr = bad_ptr(s, op->out_len);
	if (one_in(&w->r, 40))
		op->flags |= 1u << rnd(&w->r, 32);
	if (one_in(&w->r, 60))
		op->handle = h->h ^ (1ULL << rnd(&w->r, 64));
}

/* What an operation gave back goes to the pools. */
static void keep_output(struct worker *w, int fd, const struct khsm_ioc_op *op,
			const struct handle *h)
{
	const uint8_t *out = (const void *)(uintptr_t)op->out_uptr;
	uint8_t tmp[65536 + 12];

	if (op->out_status || !out)
		return;
	switch (op->op) {
	case KHSM_OP_ENCRYPT:
		if (op->out_len > 16 && op->out_len <= 65536 && op->iv_uptr &&
		    op->iv_len == 12) {
			memcpy(tmp, out, op->out_len);
			memcpy(tmp + op->out_len,
			       (const void *)(uintptr_t)op->iv_uptr, 12);
			pool_add(P_CT, &w->r, tmp, op->out_len + 12, NULL);
		}
		break;
	case KHSM_OP_SIGN:
		if (op->out_len <= 128)
			pool_add(P_SIG, &w->r, out, op->out_len, NULL);
		break;
	case KHSM_OP_MAC_GENERATE:
		if (op->out_len <= 128)
			pool_add(P_MAC, &w->r, out, op->out_len, NULL);
		break;
	case KHSM_OP_WRAP:
		if (op->out_len <= 256)
			pool_add(P_WRAPPED, &w->r, out, op->out_len, NULL);
		break;
	case KHSM_OP_UNWRAP:
	case KHSM_OP_DERIVE:
		if (op->out_handle) {
			struct handle nh = { .h = op->out_handle, .fd = fd,
					     .type = op->new_type };
			const struct khsm_acl *acl =
				(const void *)(uintptr_t)op->acl_uptr;

			if ((uintptr_t)acl >= (uintptr_t)w->scratch &&
			    (uintptr_t)acl < (uintptr_t)w->scratch + SCRATCH_DATA) {
				nh.ops = acl->ops;
				nh.mechs = acl->mechs;
			}
			handle_add(&w->r, &nh);
		}
		break;
	}
	(void)h;
}

static bool in_scratch(struct worker *w, uint64_t p, size_t len)
{
	return p >= (uintptr_t)w->scratch &&
	       p + len <= (uintptr_t)w->scratch + SCRATCH_DATA;
}

static void do_op(struct worker *w, struct sbuf *s, int fd)
{
	struct khsm_ioc_op *op = (void *)arg_alloc(s, sizeof(*op));
	struct handle h;
	int err;

	handle_on(w, s, fd, &h);
	fill_op(w, s, fd, op, &h);
	op->size = pick_size(s, (uint8_t *)op, sizeof(*op),
			     offsetof(struct khsm_ioc_op, out_handle) + 8);
	err = call(w, s, fd, KHSM_IOC_OP, op, sizeof(*op), "IOC_OP");
	if (!err && !s->shared && in_scratch(w, op->out_uptr, op->out_len))
		keep_output(w, fd, op, &h);
	handle_result(fd, &h, err);
}

static void do_batch(struct worker *w, struct sbuf *s, int fd)
{
	struct khsm_ioc_batch *a = (void *)arg_alloc(s, sizeof(*a));
	uint32_t count = 1 + rnd(&w->r, one_in(&w->r, 8) ? 64 : 8);
	uint32_t op_size = sizeof(struct khsm_ioc_op), i;
	struct khsm_ioc_op *ops;
	struct handle h;

	if (one_in(&w->r, 8)) {	/* the op's own size, broken */
		static const uint32_t sizes[] = { 0, 8, 64, 120, 128, 136, 4096,
						  4097 };

		op_size = sizes[rnd(&w->r, ARRAY_SIZE(sizes))];
	}
	/* The array fits the scratch, with room for the ops' own buffers. */
	count = MIN(count, (uint32_t)(scap(s) / 2 / (MIN(op_size, 4096u) + 8)));
	if (!count)
		count = 1;
	ops = salloc(s, (size_t)count * MIN(op_size, 4096u) + 256);
	memset(ops, 0, (size_t)count * MIN(op_size, 4096u) + 256);
	for (i = 0; i < count; i++) {
		struct khsm_ioc_op one;

		pick_handle(w, fd, &h);
		fill_op(w, s, fd, &one, &h);
		one.size = op_size;
		memcpy((uint8_t *)ops + (size_t)i * MIN(op_size, 4096u), &one,
		       MIN(op_size, (uint32_t)sizeof(one)));
	}
	a->size = pick_size(s, (uint8_t *)a, sizeof(*a), sizeof(*a));
	a->count = one_in(&w->r, 20) ? rnd_edge32(&w->r) : count;
	a->op_size = op_size;
	a->ops_uptr = one_in(&w->r, 30) ? bad_ptr(s, count * op_size) :
		      (uintptr_t)ops;
	if (one_in(&w->r, 40))
		a->flags = 1;
	if (one_in(&w->r, 40))
		a->__reserved = 1;
	call(w, s, fd, KHSM_IOC_OP_BATCH, a, sizeof(*a), "IOC_OP_BATCH");
}

static void do_pubkey(struct worker *w, struct sbuf *s, int fd)
{
	struct khsm_ioc_pubkey *a = (void *)arg_alloc(s, sizeof(*a));
	struct handle h;
	uint8_t *out;
	int err;

	handle_on(w, s, fd, &h);
	a->size = pick_size(s, (uint8_t *)a, sizeof(*a), sizeof(*a));
	a->handle = h.h;
	a->out_len = out_room(&w->r, KHSM_PUBKEY_MAX);
	out = salloc(s, 128);
	a->out_uptr = one_in(&w->r, 30) ? bad_ptr(s, a->out_len) :
		      (uintptr_t)out;
	if (one_in(&w->r, 40))
		a->flags = 1;
	if (one_in(&w->r, 40))
		a->__reserved = 1;
	err = call(w, s, fd, KHSM_IOC_PUBKEY, a, sizeof(*a), "IOC_PUBKEY");
	if (!err && !s->shared && a->out_uptr == (uintptr_t)out &&
	    (a->out_len == 65 || a->out_len == 97))
		pool_add(P_POINT, &w->r, out, a->out_len, NULL);
	handle_result(fd, &h, err);
}

/* Commands that are not khsm's: other types, directions, numbers. */
static void do_unknown(struct worker *w, struct sbuf *s, int fd)
{
	uint8_t *a = arg_alloc(s, 256);
	unsigned long cmd;

	rnd_bytes(&w->r, a, 256);
	switch (rnd(&w->r, 4)) {
	case 0:		/* a khsm number outside the table */
		cmd = _IO(KHSM_IOCTL_TYPE, KHSM_IOCTL_BASE + 7 + rnd(&w->r, 8));
		break;
	case 1:		/* below the base */
		cmd = _IO(KHSM_IOCTL_TYPE, rnd(&w->r, KHSM_IOCTL_BASE));
		break;
	case 2:		/* a known number with size and direction bits */
		cmd = _IOWR(KHSM_IOCTL_TYPE, KHSM_IOCTL_BASE + rnd(&w->r, 7),
			    struct khsm_ioc_op);
		break;
	default:	/* generic file ioctls */
		cmd = one_in(&w->r, 2) ? FIONREAD : FIONBIO;
		break;
	}
	call(w, s, fd, cmd, a, 256, "IOC_UNKNOWN");
}

static int private_dev(struct worker *w)
{
	int fd;

	if (w->dev >= 0)
		return w->dev;
	fd = open("/dev/khsm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	w->dev = fcntl(fd, F_DUPFD_CLOEXEC, 700 + w->id * 2);
	close(fd);
	return w->dev;
}

void ioc_action(struct worker *w)
{
	struct sbuf s = { .w = w, .off = rnd(&w->r, SCRATCH_DATA / 2) & ~7u };
	int fd = private_dev(w);
	unsigned int x;

	if (!w->scratch) {
		w->scratch = scratch_map();
		if (!w->scratch)
			return;
	}
	if (one_in(&w->r, 4)) {
		int d = fd_pick(&w->r, one_in(&w->r, 40) ? FD_NL : FD_DEV);

		if (d >= 0)
			fd = d;
	}
	if (fd < 0)
		return;
	/* Arguments on the page the flipper rewrites: double fetches. */
	if (shared_scratch && one_in(&w->r, 25)) {
		s.shared = true;
		s.off = rnd(&w->r, SHARED_SCRATCH / 2) & ~7u;
	}
	x = rnd(&w->r, 100);
	if (x < 8)
		do_info(w, &s, fd);
	else if (x < 16)
		do_random(w, &s, fd);
	else if (x < 36)
		do_load(w, &s, fd);
	else if (x < 43)
		do_destroy(w, &s, fd);
	else if (x < 80)
		do_op(w, &s, fd);
	else if (x < 89)
		do_batch(w, &s, fd);
	else if (x < 97)
		do_pubkey(w, &s, fd);
	else
		do_unknown(w, &s, fd);
	if (one_in(&w->r, 200) && w->dev >= 0 && !opt.no_chaos) {
		/* Closing destroys every handle this fd loaded. Now and
		 * then they stay in the pool: ENOENT from then on. */
		close(w->dev);
		if (!one_in(&w->r, 4))
			handle_forget_fd(w->dev);
		w->dev = -1;
	}
}
