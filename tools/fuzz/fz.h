/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * khsm-fuzz: a policy-aware fuzzer of the khsm control channel (generic
 * netlink family "khsm") and of /dev/khsm's ioctls. See khsm-fuzz.c.
 *
 * Pieces:
 *   fz_policy.c  learns the family: its id, commands (CTRL_CMD_GETFAMILY)
 *                and every command's attribute policy (CTRL_CMD_GETPOLICY),
 *                parsed by selftests/khsm/nlpol.c as for policy_test
 *   fz_nl.c      builds messages from the policy and from what the module
 *                handed back (world and card files, tokens, key blobs),
 *                mutates them, sends them and harvests the replies
 *   fz_ioctl.c   the same for the ioctls: keys loaded from harvested
 *                blobs, operations with their outputs fed back in
 *   fz_util.c    random numbers, pools, the fd table, counters, logging
 */
#ifndef KHSM_FZ_H
#define KHSM_FZ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/khsm.h>

#include "nlpol.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)	((a) < (b) ? (a) : (b))

/* ---- random numbers: one state per thread (xoshiro256**) ---- */

struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);
uint64_t rnd64(struct rng *r);
/* 0..n-1 (0 if n is 0) */
uint32_t rnd(struct rng *r, uint32_t n);
/* true with probability 1/n */
bool one_in(struct rng *r, uint32_t n);
void rnd_bytes(struct rng *r, void *p, size_t n);
/* An "interesting" 32-bit value: edges, powers of two, random. */
uint32_t rnd_edge32(struct rng *r);

/* ---- the learned family ---- */

/*
 * Filled by fz_learn() from selftests/khsm/nlpol.c's parse of the dump
 * (struct np_family), in the shape the message builder wants.
 */
#define FZ_MAX_ATTR	NP_MAX_ATTR	/* attribute types per policy */
#define FZ_MAX_POL	NP_MAX_POL	/* policies in the family's dump */
#define FZ_MAX_CMD	NP_MAX_CMD

struct fz_pattr {
	bool present;
	uint32_t type;			/* NL_ATTR_TYPE_* */
	bool has_s, has_u, has_len, has_mask;
	int64_t min_s, max_s;
	uint64_t min_u, max_u;
	uint32_t min_len, max_len;
	uint64_t mask;
	int nested;			/* policy index, or -1 */
	uint32_t nested_maxtype;
};

struct fz_policy {
	bool present;
	uint32_t maxtype;
	struct fz_pattr a[FZ_MAX_ATTR];
};

struct fz_cmd {
	bool present;
	uint32_t flags;			/* GENL_CMD_CAP_*, GENL_ADMIN_PERM */
	int do_policy;			/* index, or -1 (takes no attribute) */
	int dump_policy;
};

struct fz_family {
	uint16_t id;
	uint32_t version, maxattr;
	struct fz_cmd cmd[FZ_MAX_CMD];
	struct fz_policy pol[FZ_MAX_POL];
	uint32_t audit_group;		/* multicast group id, 0 if none */
};

extern struct fz_family fam;

/* 0 or -errno. Needs the module loaded. */
int fz_learn(void);
void fz_print_family(void);
/* The policy of @cmd (NULL if it takes no attribute). */
const struct fz_policy *fz_cmd_policy(uint8_t cmd);
/* The learned entry for attribute @type of @pol, or NULL. */
const struct fz_pattr *fz_attr(const struct fz_policy *pol, uint32_t type);

/* ---- what the module handed back (shared by all threads) ---- */

#define POOL_SLOTS	48
#define FZ_CARD_MAX	KHSM_FILE_MAX

struct fz_blob {
	uint32_t len;
	uint8_t *data;
	int pp;			/* cards: passphrase byte, -1 none */
	uint32_t type;		/* keys: enum khsm_key_type; cards: set type */
	uint32_t ops, mechs;	/* keys: the ACL */
	uint8_t k;		/* cards: the set's quorum */
	uint64_t token;		/* keys: the token it was made under */
	uint64_t world;		/* serial of the world it belongs to */
};

struct pool {
	pthread_mutex_t lock;
	const char *name;
	uint32_t n;		/* entries filled so far, at most POOL_SLOTS */
	uint64_t added;
	struct fz_blob e[POOL_SLOTS];
};

enum pool_id {
	P_WORLD,	/* world files */
	P_ACS,		/* ACS card files of those worlds */
	P_CARD,		/* OCS and softcard card files */
	P_BLOB,		/* key blobs */
	P_POINT,	/* EC public points (PUBKEY) */
	P_CT,		/* AES-GCM ciphertext || tag, with its IV after it */
	P_SIG,		/* ECDSA signatures */
	P_MAC,		/* MACs */
	P_WRAPPED,	/* wrapped keys */
	P__COUNT
};

extern struct pool pools[P__COUNT];

void pools_init(void);
/* Copies @len bytes of @data with @meta's other fields. */
void pool_add(enum pool_id p, struct rng *r, const void *data, size_t len,
	      const struct fz_blob *meta);
/* A copy of a random entry into @out (data malloc'd); false if empty. */
bool pool_pick(enum pool_id p, struct rng *r, struct fz_blob *out);
/* The same, mostly one of the world now loaded (ids.world). */
bool pool_pick_world(enum pool_id p, struct rng *r, struct fz_blob *out);
void blob_free(struct fz_blob *b);

/* Numbers: tokens, handles (with their fd), the audit cursor. */
#define IDS_SLOTS	64

struct handle {
	uint64_t h;
	int fd;
	uint32_t type, ops, mechs;
};

struct ids {
	pthread_mutex_t lock;
	uint64_t tokens[IDS_SLOTS];
	uint32_t ntokens;
	struct handle handles[IDS_SLOTS * 4];
	uint32_t nhandles;
	uint8_t audit_instance[KHSM_AUDIT_INSTANCE_LEN];
	uint64_t audit_next;
	bool have_audit;
	uint8_t world_k;	/* the current world's ACS quorum, if known */
	bool world_up;		/* a world is loaded, as far as we saw */
	uint64_t world;		/* serial of that world (0: none known) */
	uint64_t world_serial;	/* the last serial given out */
};

extern struct ids ids;

void token_add(struct rng *r, uint64_t t);
uint64_t token_pick(struct rng *r);	/* 0 if none */
void handle_add(struct rng *r, const struct handle *h);
bool handle_pick(struct rng *r, struct handle *out);
void handle_forget(uint64_t h);
void handle_forget_fd(int fd);

/* ---- file descriptors shared by the threads (chaos: close, dup) ---- */

enum fd_kind { FD_NONE, FD_DEV, FD_NL };

#define FD_SLOTS	24

void fds_init(void);
/* A shared fd of @kind, opening one if there is none: -1 on failure. */
int fd_pick(struct rng *r, enum fd_kind kind);
/* Close, dup or open shared fds at random. */
void fd_chaos(struct rng *r);
void fds_close_all(void);
/* pthread_atfork() handlers: no lock of ours is held across fork(). */
void fz_atfork_prepare(void);
void fz_atfork_parent(void);
void fz_atfork_child(void);

/*
 * A page other threads keep scribbling on (the flipper thread): some
 * ioctl arguments and buffers are put there, so the module reads input
 * that changes under it (double fetches).
 */
#define SHARED_SCRATCH	65536
extern uint8_t *shared_scratch;

/* ---- counters (in MAP_SHARED memory: forked children add to them) ---- */

#define FZ_ERRNO_MAX	160

struct counters {
	uint64_t nl_msgs;		/* netlink messages sent to khsm */
	uint64_t nl_sends;		/* datagrams */
	uint64_t ioctls;
	uint64_t forks, threads_started, closes, dups, opens;
	uint64_t nl_err[KHSM_CMD_MAX + 2][FZ_ERRNO_MAX];
	uint64_t ioc_err[8][FZ_ERRNO_MAX];	/* by ioctl nr - base; 7: other */
	uint64_t nl_us[KHSM_CMD_MAX + 2];	/* time spent, microseconds */
	uint64_t ioc_us[8];
	uint64_t harvested[P__COUNT];
	uint64_t tokens, handles;
	uint64_t enoent_nl;		/* ENOENT on the control channel */
	uint64_t stop;			/* set when a thread saw a problem */
};

extern struct counters *cnt;

static inline void cnt_add(uint64_t *c, uint64_t v)
{
	__atomic_add_fetch(c, v, __ATOMIC_RELAXED);
}

/* ---- options and per-thread state ---- */

struct fz_opts {
	uint64_t seed;
	uint64_t nl_target, ioc_target;
	unsigned int threads;
	unsigned int max_seconds;
	bool no_fork, no_chaos;
	bool no_avoid;			/* walk into the known bugs too */
	bool poweroff;			/* --poweroff-on-hang (guest only) */
	int verbose;			/* 2: every request and its result */
	const char *save_seeds;		/* directory, or NULL */
	const char *crash_dir;		/* where the recent-message log goes */
	gid_t khsm_gid;			/* 0: none */
	unsigned int slots;		/* the module's card slots */
};

extern struct fz_opts opt;

/* What one thread keeps between actions. */
struct worker {
	struct rng r;
	int id;
	int nl;			/* private control socket, -1 if closed */
	uint32_t seq;
	int dev;		/* private /dev/khsm fd, -1 if closed */
	uint8_t *scratch;	/* ioctl buffers: pointers never leave it */
	size_t scratch_len;
	bool forked;		/* a child process */
	bool userns;		/* in a user namespace: refusals expected */
	uint8_t *msg;		/* message being built */
	size_t msg_cap;
	unsigned int acs_inserted;	/* ACS cards on @nl since it opened */
	uint64_t slots;			/* slots @nl has cards in */
};

/* fz_nl.c */
int nl_socket_open(void);
void nl_setup(void);		/* binding keys in the user keyring */
void nl_print_known(void);	/* the known bugs it steers around */
void nl_list_known(void);	/* their reproducers, on stdout */
/* An ACL that fits a key of @type most of the time. */
void fz_make_acl(struct rng *r, uint32_t type, struct khsm_acl *acl);
/* The operations mechanism @mech performs (1 << enum khsm_op). */
uint32_t fz_mech_ops(uint32_t mech);
void nl_action(struct worker *w);
void nl_drain(int fd);
/* GET_INFO on a fresh socket: 0 if the module answers and passed its
 * self-test. */
int nl_health(void);

/* fz_ioctl.c */
void ioc_action(struct worker *w);

/* fz_util.c: the last messages sent, for a report after a kernel problem */
void trail_note(struct worker *w, const char *what, const void *data,
		size_t len, int result);
void trail_dump(const char *why);
/* true when the kernel's taint changed since start (WARN, BUG, ...). */
bool kernel_tainted(void);
void taint_baseline(void);
void save_seed(const char *kind, const void *data, size_t len);
void fz_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t now_ms(void);
uint64_t now_us(void);

int errno_slot(int err);
const char *cmd_name(unsigned int cmd);

#endif
