/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkhsm: client library for khsm, the software HSM in the Linux kernel.
 *
 * A struct khsm handle holds up to two channels to the module: the generic
 * netlink family "khsm" (control: state and management) and the misc device
 * /dev/khsm (data: ioctls on the hot path). Every function that can fail
 * returns 0 or a negative errno; none prints, exits or aborts. After a
 * failed request, khsm_errmsg() has the kernel's explanation, if it gave one.
 *
 * A handle is not thread-safe: share one between threads only under a lock
 * of your own, or open one handle per thread. Distinct handles are
 * independent. The functions that take no handle are thread-safe.
 *
 * See libkhsm(3).
 */
#ifndef KHSM_KHSM_H
#define KHSM_KHSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/khsm.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define KHSM_API __attribute__((visibility("default")))
#else
#define KHSM_API
#endif

/* An open connection to the khsm module; opaque. */
struct khsm;

/* Channels for khsm_open(); 0 opens both. */
enum khsm_open_flags {
	KHSM_OPEN_CONTROL	= 1U << 0,	/* generic netlink family */
	KHSM_OPEN_DATA		= 1U << 1,	/* /dev/khsm or $KHSM_DEVICE */
};

/* Default data channel; the KHSM_DEVICE environment variable overrides it. */
#define KHSM_DEVICE_PATH	"/dev/khsm"

/*
 * What khsm_get_info() learnt. The library zeroes the whole struct before
 * filling it in; fields added later come out of __reserved, so the size of
 * the struct, and what old callers see, never changes for soname 1.
 */
struct khsm_info {
	uint32_t sections;		/* KHSM_INFO_F_* actually answered */
	uint32_t abi_version;		/* KHSM_ABI_VERSION of the module */
	uint32_t selftest_state;	/* enum khsm_selftest_state */
	uint32_t world_state;		/* enum khsm_world_state */
	char module_version[64];	/* "" if unknown (data channel only) */
	char selftest_reason[128];	/* "" unless the self-test failed */
	uint64_t __reserved[8];
};

/*
 * Open a handle with the channels in @flags. On success store it in *@out
 * and return 0; on failure set *@out to NULL and return a negative errno:
 * -ENOENT when the module is not loaded (no "khsm" family or no device
 * node), -EACCES or -EPERM when the caller may not use the device, -EINVAL
 * for unknown flags.
 */
KHSM_API int khsm_open(struct khsm **out, unsigned int flags);

/* Close both channels and free @h. NULL is a no-op. */
KHSM_API void khsm_close(struct khsm *h);

/*
 * Ask the module for its state: KHSM_CMD_GET_INFO on the control channel or,
 * if only the data channel is open, KHSM_IOC_INFO (which carries no version
 * string nor self-test reason). @sections is a mask of KHSM_INFO_F_*, 0 for
 * everything; the data channel ignores it. info->sections tells what came.
 */
KHSM_API int khsm_get_info_sections(struct khsm *h, uint32_t sections,
				    struct khsm_info *info);

/* khsm_get_info_sections(h, 0, info). */
KHSM_API int khsm_get_info(struct khsm *h, struct khsm_info *info);

/*
 * Text for an errno (negative or positive) as the khsm module means it,
 * e.g. EIO is "module is in its error state (self-test failed)". Never NULL;
 * the string is static.
 */
KHSM_API const char *khsm_strerror(int err);

/*
 * The kernel's extended-ack message for the last failed request on @h, or ""
 * if it sent none (or @h is NULL). Valid until the next call on @h.
 */
KHSM_API const char *khsm_errmsg(const struct khsm *h);

/*
 * Byte offset, from the start of the request's netlink header, of the
 * attribute the kernel blamed for the last failed request on @h, or -1.
 */
KHSM_API int khsm_erroffset(const struct khsm *h);

/* "pending", "passed", "failed"; "unknown" for values this library lacks. */
KHSM_API const char *khsm_selftest_state_name(uint32_t state);

/* "uninitialised", "operational", "error", "loading"; "unknown" likewise. */
KHSM_API const char *khsm_world_state_name(uint32_t state);

/*
 * Escape hatches for tests and tools that speak the ABI directly: the
 * resolved generic netlink family id, and the file descriptor of the data
 * channel (owned by @h: do not close it). -ENOTCONN if that channel is not
 * open on @h.
 */
KHSM_API int khsm_family_id(const struct khsm *h);
KHSM_API int khsm_device_fd(const struct khsm *h);

/* Version of this library, e.g. "0.1.0". */
KHSM_API const char *khsm_version(void);

/*
 * ---- Security World: options and policy ----
 *
 * The options of a world (enum khsm_opt_attr in <linux/khsm.h>), with the
 * attributes a caller gave marked in @set: only those go to the module, which
 * applies its documented defaults to the rest. The fields always hold the
 * effective value: khsm_world_options_init() fills in the defaults, and
 * setting ACS_K moves the quorums nobody set along with it (their default is
 * K). Change fields through khsm_world_options_set(), which checks ranges and
 * keeps @set right.
 */
#define KHSM_OPT_BIT(attr)	(UINT64_C(1) << (attr))

struct khsm_world_options {
	uint64_t set;			/* KHSM_OPT_BIT(KHSM_A_OPT_*) given */
	uint8_t acs_k;			/* [1] */
	uint8_t acs_n;			/* [1] */
	uint8_t load_quorum;		/* [K] */
	uint8_t key_recovery;		/* 0/1 [1] */
	uint8_t kr_quorum;		/* [K] */
	uint8_t pp_recovery;		/* 0/1 [0] */
	uint8_t pr_quorum;		/* [K] */
	uint8_t pp_short_refuse;	/* 0/1 [0] */
	uint8_t forced_audit;		/* 0/1 [0] */
	uint8_t strict;			/* 0/1 [0] */
	uint8_t no_import;		/* 0/1: keys only generated [0] */
	uint8_t audit_per_op;		/* 0/1: a record per operation [0] */
	uint32_t nso_timeout;		/* seconds [600] */
	uint32_t pp_min_len;		/* characters [0] */
	uint32_t retry_base_ms;		/* [1000] */
	uint32_t retry_max_ms;		/* [60000] */
	uint32_t lockout;		/* failures, 0: never [0] */
	uint32_t pbkdf2_iter;		/* [200000] */
	uint32_t protections;		/* 1 << KHSM_PROTECT_* [all] */
	uint32_t mechanisms;		/* 1 << KHSM_MECH_* [all] */
	uint32_t operator_gid;		/* 0: module's gid parameter [0] */
	uint32_t user_gid;		/* 0: the device node decides [0] */
	uint32_t audit_checkpoint;	/* records between checkpoints [64] */
	uint32_t __reserved[4];
};

/* The defaults of enum khsm_opt_attr, nothing set. */
KHSM_API void khsm_world_options_init(struct khsm_world_options *opts);

/*
 * Set option @attr (KHSM_A_OPT_*) to @value and mark it given. -EINVAL for
 * an unknown attribute, -ERANGE for a value outside its documented range.
 */
KHSM_API int khsm_world_options_set(struct khsm_world_options *opts,
				    unsigned int attr, uint32_t value);

/* The range khsm_world_options_set() accepts for @attr; -EINVAL if unknown. */
KHSM_API int khsm_world_options_range(unsigned int attr, uint32_t *min,
				      uint32_t *max);

/* The effective value of option @attr, given or not; -EINVAL if unknown. */
KHSM_API int khsm_world_options_get(const struct khsm_world_options *opts,
				    unsigned int attr, uint32_t *value);

/*
 * The hard invariants the module enforces (1 <= K <= N <= 64, quorums 1..N,
 * no quorum given for a disabled feature, retry max >= base), checked before
 * a long ceremony starts. 0, or -EINVAL with the reason in @err. The module
 * still decides; the recommendations are its business (KHSM_A_WARNING).
 */
KHSM_API int khsm_world_options_check(const struct khsm_world_options *opts,
				      char *err, size_t errlen);

/*
 * Policy text: one "key = value" per line, '#' starts a comment, blank
 * lines are ignored. Keys (khsm_policy_format() writes them in this order):
 *
 *   acs.quorum = K/N                   passphrase.min-length = N
 *   load-world.quorum = Q              passphrase.short = warn|refuse
 *   key-recovery = on|off              retry.delay = BASE_MS..MAX_MS
 *   key-recovery.quorum = Q            retry.lockout = N (0: none)
 *   passphrase-recovery = on|off       audit.forced = on|off
 *   passphrase-recovery.quorum = Q     pbkdf2.iterations = N
 *   nso-timeout = SECONDS              strict = on|off
 *   protections = NAME,...|all         groups.operator = GROUP|gid|none
 *   mechanisms = NAME,...|all          groups.user = GROUP|gid|none
 *   import = yes|no                    (no: KHSM_A_OPT_NO_IMPORT)
 *   audit.checkpoint = N               audit.per-operation = on|off
 *
 * khsm_policy_parse() applies the keys found in @text on top of @opts (so
 * initialise it first); on any error @opts is left as it was and the
 * function returns -EINVAL with "line N: ..." in @err (which may be NULL).
 * A key given twice is an error. khsm_policy_format() writes the options
 * marked in @opts->set so that parsing the text gives them back; 0 or the
 * negative errno of a failed write.
 */
KHSM_API int khsm_policy_parse(const char *text, struct khsm_world_options *opts,
			       char *err, size_t errlen);
KHSM_API int khsm_policy_format(const struct khsm_world_options *opts, FILE *f);

/*
 * ---- Security World: state ----
 */
#define KHSM_INFO_BIT(attr)	(UINT64_C(1) << (attr))

/*
 * What khsm_world_info() learnt; zeroed first. @present has
 * KHSM_INFO_BIT(KHSM_A_INFO_*) for each attribute the module sent: an
 * uninitialised module sends its state and little else. Later fields come
 * out of __reserved: the size never changes within soname 1.
 */
struct khsm_world_info {
	uint64_t present;		/* KHSM_INFO_BIT(KHSM_A_INFO_*) */
	uint32_t state;			/* enum khsm_world_state */
	uint32_t generation;		/* of the world file */
	uint64_t created;		/* seconds since the epoch */
	uint8_t world_id[KHSM_WORLD_ID_LEN];
	uint8_t acs_set_id[KHSM_SET_ID_LEN];
	uint8_t audit_pubkey[KHSM_AUDIT_PUBKEY_LEN];
	uint8_t bound;			/* the world file has a host key slot */
	uint8_t __pad[6];
	uint32_t tokens_loaded;		/* OCS and softcard tokens */
	uint32_t acs_auth;		/* 1 << enum khsm_acs_token authorised */
	uint32_t acs_auth_remaining_ms;	/* of those authorisations */
	uint32_t slots;			/* number of slots */
	struct khsm_world_options opts;	/* opts.set: what the module sent */
	/* "logon", "user", "encrypted" or "trusted": the key the world was
	 * bound to or opened with since it was loaded; "" when the module
	 * does not know (loaded with the ACS, or an older module). */
	char bind_key_type[16];
	uint64_t __reserved[6];
};

/* KHSM_CMD_GET_INFO, world section, on the control channel. */
KHSM_API int khsm_world_info(struct khsm *h, struct khsm_world_info *info);

/* "acs", "load-world", "key-recovery", "passphrase-recovery"; "unknown". */
KHSM_API const char *khsm_token_name(uint32_t token);

/* "acs", "ocs", "softcard"; "unknown". */
KHSM_API const char *khsm_set_type_name(uint32_t type);

/*
 * ---- World and card files ----
 *
 * The module authenticates every file it is given; these only check the
 * shape, so that a wrong file gets a clear message before it is sent (or a
 * passphrase asked for). 0, or -EBADMSG (not a khsm file of that kind,
 * truncated, inconsistent) or -EPROTONOSUPPORT (unknown format version),
 * with the reason in @err (which may be NULL).
 */
struct khsm_card_info {
	uint16_t version;
	uint8_t set_type;		/* enum khsm_set_type */
	uint8_t index;			/* 1..n */
	uint8_t k;
	uint8_t n;
	uint8_t has_passphrase;		/* KHSM_CARD_F_PASSPHRASE */
	uint8_t __pad;
	uint32_t flags;			/* KHSM_CARD_F_* */
	uint32_t pbkdf2_iter;
	uint64_t created;		/* seconds since the epoch */
	uint8_t world_id[KHSM_WORLD_ID_LEN];
	uint8_t set_id[KHSM_SET_ID_LEN];
	uint8_t pp_salt[KHSM_PP_SALT_LEN];
	char set_name[KHSM_NAME_MAX];
	char card_name[KHSM_NAME_MAX];
	uint64_t __reserved[4];
};

KHSM_API int khsm_card_parse(const void *buf, size_t len,
			     struct khsm_card_info *info, char *err,
			     size_t errlen);

struct khsm_world_file_info {
	uint16_t version;
	uint8_t nkeyslots;
	uint8_t bound;			/* has a KHSM_KEYSLOT_BIND slot */
	uint32_t generation;
	uint64_t created;
	uint8_t world_id[KHSM_WORLD_ID_LEN];
	uint8_t acs_set_id[KHSM_SET_ID_LEN];
	uint8_t audit_pubkey[KHSM_AUDIT_PUBKEY_LEN];
	uint8_t __pad[7];
	struct khsm_world_options opts;
	uint64_t __reserved[4];
};

KHSM_API int khsm_world_file_parse(const void *buf, size_t len,
				   struct khsm_world_file_info *info,
				   char *err, size_t errlen);

/*
 * ---- Passphrases ----
 *
 * PBKDF2-HMAC-SHA256 of @pp (@len bytes) with @salt and @iter iterations
 * (1000..10000000), through libkcapi and the kernel's crypto API (AF_ALG).
 * 0 or a negative errno: -EAFNOSUPPORT where the kernel has no AF_ALG.
 * @out is wiped on failure. libkcapi logs its errors on stderr unless the
 * application calls kcapi_set_verbosity(KCAPI_LOG_NONE).
 */
KHSM_API int khsm_pp_derive(const char *pp, size_t len,
			    const uint8_t salt[KHSM_PP_SALT_LEN], uint32_t iter,
			    uint8_t out[KHSM_PP_KEY_LEN]);

/*
 * Zeroed memory for secrets: locked (mlock), left out of core dumps
 * (MADV_DONTDUMP) and of children (MADV_WIPEONFORK). NULL with errno set
 * on failure. khsm_secure_free() wipes and unmaps it; @size must be the
 * size allocated. NULL is a no-op.
 */
KHSM_API void *khsm_secure_alloc(size_t size);
KHSM_API void khsm_secure_free(void *p, size_t size);

/*
 * ---- Key management data (kmdata) ----
 */
#define KHSM_KMDATA_DEFAULT	"/var/lib/khsm"
#define KHSM_KMDATA_GROUP	"khsm"
#define KHSM_WORLD_FILE		"world"		/* 0640 root:khsm */
#define KHSM_ACS_REGISTER	"acs-register"	/* 0640 root:khsm */

/* $KHSM_KMDATA (ignored in secure-execution mode) or KHSM_KMDATA_DEFAULT. */
KHSM_API const char *khsm_kmdata_dir(void);

/* The gid of KHSM_KMDATA_GROUP; -ENOENT if there is no such group. */
KHSM_API int khsm_kmdata_gid(gid_t *gid);

/* khsm_read_file() flags: what the file's mode must not allow. */
enum khsm_read_flags {
	KHSM_READ_NO_GROUP_WRITE	= 1U << 0,
	KHSM_READ_NO_OTHER_WRITE	= 1U << 1,
	KHSM_READ_NO_OTHER_READ		= 1U << 2,
};

/*
 * Read the regular file @path, at most KHSM_FILE_MAX bytes, into a buffer
 * the caller frees with free(); it holds @len bytes and a NUL after them.
 * The file's mode goes to @mode (may be NULL) whenever it could be read.
 * -EFBIG if the file is larger, -EINVAL if it is not a regular file,
 * -EPERM if its mode allows what @flags forbid, else open(2) and read(2)
 * errors.
 */
KHSM_API int khsm_read_file(const char *path, unsigned int flags,
			    uint8_t **data, size_t *len, mode_t *mode);

/*
 * Replace @dir/@name with @len bytes of @data, atomically: a temporary file
 * in @dir created with O_EXCL and mode @mode (the umask can only narrow it
 * until it is set exactly), group @gid unless it is (gid_t)-1, written,
 * fsync()ed, renamed over @name, and @dir fsync()ed. Any failure, fsync
 * included, fails the call and removes the temporary file. @name is one
 * path component; @mode has permission bits only.
 */
KHSM_API int khsm_write_file_atomic(const char *dir, const char *name,
				    const void *data, size_t len, mode_t mode,
				    gid_t gid);

/*
 * ---- Security World: commands ----
 *
 * Each sends one request on the control channel and waits for the answer.
 * On failure they return the module's negative errno and khsm_errmsg() has
 * its explanation; results are only filled on success.
 */

/* A host binding key in the kernel keyrings: "TYPE:DESC". */
struct khsm_bind_key {
	char type[16];			/* logon, user, encrypted, trusted */
	char desc[KHSM_BIND_DESC_MAX];	/* NUL-terminated */
};

/* Split "TYPE:DESC" at the first ':'; -EINVAL for an unknown type or a
 * description that is empty or too long. */
KHSM_API int khsm_bind_key_parse(const char *spec, struct khsm_bind_key *key);

/*
 * One card of a new ACS. @pp_key is a secret: keep these in
 * khsm_secure_alloc() memory and wipe them after the request.
 */
struct khsm_card_req {
	uint8_t index;			/* 1..N */
	uint8_t has_passphrase;		/* pp_salt, pp_key, pbkdf2_iter valid */
	uint8_t __pad[2];
	uint32_t pbkdf2_iter;
	char name[KHSM_NAME_MAX];
	uint8_t pp_salt[KHSM_PP_SALT_LEN];
	uint8_t pp_key[KHSM_PP_KEY_LEN];
	uint64_t __reserved[2];
};

/* A card file the module wrote. */
struct khsm_card_file {
	uint8_t index;
	uint8_t __pad[7];
	size_t len;
	uint8_t *data;
};

/*
 * What a command that writes the world file returns. Zeroed by the call;
 * the arrays belong to it until khsm_world_result_free().
 */
struct khsm_world_result {
	uint8_t world_id[KHSM_WORLD_ID_LEN];
	uint8_t audit_pubkey[KHSM_AUDIT_PUBKEY_LEN];
	uint8_t has_world_id;
	uint8_t has_audit_pubkey;
	uint8_t __pad[5];
	uint8_t *world_file;
	size_t world_file_len;
	struct khsm_card_file *cards;	/* sorted by index */
	size_t ncards;
	char **warnings;		/* KHSM_A_WARNING texts, in order */
	size_t nwarnings;
	uint64_t __reserved[4];
};

/* Free what @res holds and zero it; NULL is a no-op. */
KHSM_API void khsm_world_result_free(struct khsm_world_result *res);

/*
 * KHSM_CMD_WORLD_NEW: a world whose ACS is @cards (@ncards of them, which
 * must be N), optionally bound to the host key @bind (NULL: none). The
 * result has the world id, audit key, world file, card files and warnings.
 */
KHSM_API int khsm_world_new(struct khsm *h,
			    const struct khsm_world_options *opts,
			    const struct khsm_card_req *cards, size_t ncards,
			    const struct khsm_bind_key *bind,
			    struct khsm_world_result *res);

/*
 * KHSM_CMD_WORLD_LOAD. With @bind the world is operational at once;
 * without, *@state is KHSM_WORLD_LOADING and this handle must present the
 * load-world quorum with khsm_card_insert(). @state and @world_id may be
 * NULL.
 */
KHSM_API int khsm_world_load(struct khsm *h, const void *file, size_t len,
			     const struct khsm_bind_key *bind, uint32_t *state,
			     uint8_t world_id[KHSM_WORLD_ID_LEN]);

KHSM_API int khsm_world_unload(struct khsm *h);
KHSM_API int khsm_clear(struct khsm *h);
KHSM_API int khsm_acs_logout(struct khsm *h);

/* KHSM_CMD_ACS_REPLACE: @opts carries ACS_K, ACS_N and the quorums. */
KHSM_API int khsm_acs_replace(struct khsm *h,
			      const struct khsm_world_options *opts,
			      const struct khsm_card_req *cards, size_t ncards,
			      struct khsm_world_result *res);

/* KHSM_CMD_WORLD_BIND; the result has the new world file. */
KHSM_API int khsm_world_bind(struct khsm *h, const struct khsm_bind_key *bind,
			     struct khsm_world_result *res);

/* KHSM_CMD_POLICY_SET; the result has the new world file and warnings. */
KHSM_API int khsm_policy_set(struct khsm *h,
			     const struct khsm_world_options *opts,
			     struct khsm_world_result *res);

/*
 * ---- Cards and slots ----
 */
#define KHSM_QUORUM_MAX		8	/* entries khsm_card_insert() keeps */

/* khsm_card_insert() and khsm_card_insert_req() flags */
enum khsm_insert_flags {
	KHSM_INSERT_VERIFY_ONLY	= 1U << 0,	/* check, then forget the card */
	KHSM_INSERT_SHARE_GID	= 1U << 1,	/* req->share_gid is valid */
};

struct khsm_quorum {
	uint32_t token;			/* enum khsm_acs_token */
	uint8_t have;			/* cards read by this connection */
	uint8_t need;			/* the token's quorum */
	uint8_t done;			/* met and verified */
	uint8_t __pad;
};

struct khsm_insert_result {
	uint8_t index;			/* the card read */
	uint8_t k;
	uint8_t n;
	uint8_t has_set_id;
	uint8_t set_id[KHSM_SET_ID_LEN];
	char card_name[KHSM_NAME_MAX];
	char set_name[KHSM_NAME_MAX];
	uint32_t nquorum;		/* entries in @quorum */
	struct khsm_quorum quorum[KHSM_QUORUM_MAX];
	/*
	 * A card of an operator card set or softcard (since 1.2): the
	 * progress of its set, from the KHSM_A_QUORUM_SET_ID entry, and the
	 * token it loaded when it completed the quorum (KHSM_A_TOKEN_ID).
	 */
	uint64_t token_id;
	uint8_t has_token_id;		/* @token_id valid: the token loaded */
	uint8_t has_set_quorum;		/* @set_have, @set_need, @set_done valid */
	uint8_t set_have;		/* cards of the set read so far */
	uint8_t set_need;		/* the set's K */
	uint8_t set_done;		/* met and verified */
	uint8_t __pad2[3];
	uint64_t __reserved[2];
};

/*
 * KHSM_CMD_CARD_INSERT of the card file @image into @slot, with the
 * passphrase key @pp_key (KHSM_PP_KEY_LEN bytes, from khsm_pp_derive()) or
 * NULL for a card without one. @flags: KHSM_INSERT_*.
 */
KHSM_API int khsm_card_insert(struct khsm *h, uint8_t slot, const void *image,
			      size_t len, const uint8_t *pp_key,
			      unsigned int flags, struct khsm_insert_result *res);

/*
 * The whole CARD_INSERT request; zero it first. Fields added later come
 * out of __reserved, where zero means "as before".
 */
struct khsm_insert_req {
	const void *image;		/* the card file */
	size_t len;			/* 1..KHSM_FILE_MAX bytes */
	const uint8_t *pp_key;		/* KHSM_PP_KEY_LEN bytes, or NULL */
	uint32_t flags;			/* KHSM_INSERT_* */
	uint32_t share_gid;		/* with KHSM_INSERT_SHARE_GID: the group
					 * that may use the token the card
					 * completes, besides the loading uid */
	uint8_t slot;
	uint8_t __pad[7];
	uint64_t __reserved[4];
};

/*
 * KHSM_CMD_CARD_INSERT of @req. For the card that completes the quorum of
 * an operator card set or softcard, res->has_token_id is set and
 * res->token_id names the token it loaded. A non-persistent token lasts
 * while that card stays in its slot; every token goes when @h is closed.
 */
KHSM_API int khsm_card_insert_req(struct khsm *h,
				  const struct khsm_insert_req *req,
				  struct khsm_insert_result *res);

/* The progress of @token in @res, or NULL if the module sent none. */
KHSM_API const struct khsm_quorum *
khsm_insert_quorum(const struct khsm_insert_result *res, uint32_t token);

KHSM_API int khsm_card_remove(struct khsm *h, uint8_t slot);

/*
 * KHSM_CMD_CARD_PASSPHRASE (since 1.4): the card file @image (@len bytes)
 * sealed again under a new passphrase. @card says which: its index must
 * be the card's, its name is ignored (the card keeps its own), and with
 * has_passphrase its pp_salt, pp_key and pbkdf2_iter are the new
 * passphrase's (keep it in khsm_secure_alloc() memory); without, the new
 * card has none (a softcard must keep one: -EINVAL). @old_key is the old
 * passphrase's key (khsm_pp_derive() with the card's salt and count), or
 * NULL for a card without one.
 *
 * Opening the card with @old_key is an attempt like any CARD_INSERT: the
 * same refusals, retry delays and lockout (-EACCES a wrong passphrase,
 * -EAGAIN its delay has not passed). A lost passphrase: @old_key NULL for
 * a card that has one, of an operator card set or softcard made with
 * passphrase recovery, and the module opens the card's escrow copy when
 * the passphrase-recovery ACS quorum is authorised (-EACCES otherwise;
 * -EOPNOTSUPP for a set made without it). ACS cards need CAP_SYS_ADMIN.
 *
 * On success *@out (zeroed first) holds the new card file; free it with
 * khsm_card_file_free(). The old card file still opens with the old
 * passphrase: replace it, and every copy of it.
 */
KHSM_API int khsm_card_passphrase(struct khsm *h, const void *image,
				  size_t len, const uint8_t *old_key,
				  const struct khsm_card_req *card,
				  struct khsm_card_file *out);

/* Free @f's data and zero it (since 1.4); NULL is a no-op. */
KHSM_API void khsm_card_file_free(struct khsm_card_file *f);

struct khsm_slot {
	uint8_t number;
	uint8_t occupied;
	uint8_t card_index;
	uint8_t __pad;
	uint32_t owner_pid;		/* who inserted the card */
	char card_name[KHSM_NAME_MAX];
	char set_name[KHSM_NAME_MAX];
	uint64_t __reserved[2];
};

/*
 * KHSM_CMD_SLOT_LIST: *@slots is an array of *@nslots entries (NULL if
 * none) that the caller frees with free().
 */
KHSM_API int khsm_slot_list(struct khsm *h, struct khsm_slot **slots,
			    size_t *nslots);

/*
 * ---- Operator card sets, softcards and logical tokens ----
 *
 * An operator card set (OCS) is K of N cards whose quorum, presented with
 * khsm_card_insert_req() on one handle, loads a logical token; a softcard
 * is a 1-of-1 set whose one card has a passphrase and lives in kmdata.
 * The module keeps no list of sets: their cards carry everything, and the
 * tools keep a record of each in kmdata (see khsm_cardset_record_parse()).
 */

/* khsm_cardset_req flags */
enum khsm_cardset_flags {
	KHSM_CARDSET_PERSISTENT	 = 1U << 0,	/* outlives its last card */
	KHSM_CARDSET_RECOVERY	 = 1U << 1,	/* keys recoverable (needs the
						 * world's key recovery) */
	KHSM_CARDSET_NO_RECOVERY = 1U << 2,	/* keys not recoverable */
	KHSM_CARDSET_PP_RECOVERY = 1U << 3,	/* passphrases replaceable (needs
						 * the world's switch) */
};

/*
 * A set to create. Without KHSM_CARDSET_RECOVERY or _NO_RECOVERY the
 * module follows the world's key recovery switch. Zero it first.
 */
struct khsm_cardset_req {
	uint8_t type;			/* KHSM_SET_OCS or KHSM_SET_SOFTCARD */
	uint8_t k;			/* quorum, 1..n */
	uint8_t n;			/* cards, 1..KHSM_MAX_CARDS; softcard: 1 */
	uint8_t __pad;
	uint32_t flags;			/* KHSM_CARDSET_* */
	uint32_t timeout;		/* seconds after loading; 0: none */
	char name[KHSM_NAME_MAX];	/* NUL-terminated, not empty */
	uint64_t __reserved[4];
};

#define KHSM_CARDSET_BIT(attr)	(UINT32_C(1) << (attr))

/*
 * What KHSM_CMD_CARDSET_CREATE returns: the set as the module fixed it
 * (@present has KHSM_CARDSET_BIT(KHSM_A_CARDSET_*) for each attribute it
 * sent; SET_ID always) and its card files. Zeroed by the call; the cards
 * belong to it until khsm_cardset_result_free().
 */
struct khsm_cardset_result {
	uint32_t present;
	uint8_t set_id[KHSM_SET_ID_LEN];
	uint8_t type;
	uint8_t k;
	uint8_t n;
	uint8_t persistent;
	uint8_t recovery;
	uint8_t pp_recovery;
	uint8_t __pad[2];
	uint32_t timeout;
	char name[KHSM_NAME_MAX];
	struct khsm_card_file *cards;	/* sorted by index */
	size_t ncards;
	uint64_t __reserved[4];
};

/*
 * KHSM_CMD_CARDSET_CREATE: the set @req whose cards are @cards (@ncards of
 * them, which must be N; each with its passphrase key, if any, as for
 * khsm_world_new(): keep them in khsm_secure_alloc() memory). Needs no
 * ACS. -EINVAL for unknown flags or both recovery flags.
 */
KHSM_API int khsm_cardset_create(struct khsm *h,
				 const struct khsm_cardset_req *req,
				 const struct khsm_card_req *cards,
				 size_t ncards,
				 struct khsm_cardset_result *res);

/* Free what @res holds and zero it; NULL is a no-op. */
KHSM_API void khsm_cardset_result_free(struct khsm_cardset_result *res);

/* A loaded logical token (KHSM_CMD_TOKEN_LIST). */
struct khsm_token_info {
	uint64_t id;			/* random, unguessable */
	uint8_t set_id[KHSM_SET_ID_LEN];
	uint8_t type;			/* enum khsm_set_type */
	uint8_t persistent;
	uint8_t shared;			/* @share_gid valid */
	uint8_t has_remaining;		/* @remaining_ms valid: it has a timeout */
	uint32_t owner_uid;		/* the uid that loaded it */
	uint32_t share_gid;
	uint32_t loader_pid;		/* who presented the last card; 0 unknown */
	uint32_t remaining_ms;		/* before its timeout */
	char name[KHSM_NAME_MAX];	/* the set's */
	uint64_t __reserved[2];
};

/*
 * KHSM_CMD_TOKEN_LIST: *@tokens is an array of *@n entries (NULL if none)
 * that the caller frees with free().
 */
KHSM_API int khsm_token_list(struct khsm *h, struct khsm_token_info **tokens,
			     size_t *n);

/*
 * KHSM_CMD_TOKEN_UNLOAD: unload token @id now (its loader or an officer);
 * -ENOKEY if there is no such token.
 */
KHSM_API int khsm_token_unload(struct khsm *h, uint64_t id);

/*
 * ---- Card set records (kmdata) ----
 *
 * The record of a set, KHSM_CARDSET_RECORD_PREFIX followed by its name
 * (the tools write it 0640, group khsm): what a program needs to find the
 * set's token in khsm_token_list() and its cards, nothing secret. A
 * softcard's card is KHSM_SOFTCARD_PREFIX followed by its name, 0640.
 */
#define KHSM_CARDSET_RECORD_PREFIX	"cardset_"
#define KHSM_SOFTCARD_PREFIX		"softcard_"
#define KHSM_HOLDER_MAX			128	/* register text, with the NUL */
#define KHSM_CARDSET_RECORD_FORMAT	1

struct khsm_cardset_record {
	uint8_t set_id[KHSM_SET_ID_LEN];
	uint8_t world_id[KHSM_WORLD_ID_LEN];
	uint8_t type;			/* KHSM_SET_OCS or KHSM_SET_SOFTCARD */
	uint8_t k;
	uint8_t n;
	uint8_t persistent;		/* 0/1 */
	uint8_t recovery;		/* 0/1 */
	uint8_t pp_recovery;		/* 0/1 */
	uint8_t __pad[2];
	uint32_t timeout;		/* seconds, 0: none */
	uint64_t created;		/* seconds since the epoch */
	char name[KHSM_NAME_MAX];
	char card_names[KHSM_MAX_CARDS][KHSM_NAME_MAX];	/* "" unknown */
	char holders[KHSM_MAX_CARDS][KHSM_HOLDER_MAX];	/* "" none */
	uint64_t __reserved[4];
};

/*
 * A set name that can be part of a kmdata file name: 1 to
 * KHSM_NAME_MAX - 1 of A-Z a-z 0-9 . _ -, not starting with '.' or '-'.
 */
KHSM_API bool khsm_cardset_name_valid(const char *name);

/*
 * Record text: "key = value" lines, '#' starts a comment line:
 *
 *   format = 1                          persistent = yes|no
 *   name = NAME                         timeout = SECONDS (0: none)
 *   type = ocs|softcard                 recovery = on|off
 *   set-id = HEX (32 digits)            passphrase-recovery = on|off
 *   world-id = HEX (32 digits)          created = SECONDS since the epoch
 *   quorum = K/N                        card.I = NAME, holder.I = TEXT
 *
 * khsm_cardset_record_format() writes @r (card.I for every named card,
 * holder.I for every holder); -EINVAL if a field cannot be written back
 * (a name that khsm_cardset_name_valid() refuses, a value with a control
 * character), else 0 or the negative errno of a failed write.
 * khsm_cardset_record_parse() fills @r (zeroed first) from @text: every
 * key but card.I and holder.I is required, a key given twice is an error,
 * unknown keys are skipped (a newer writer's). -EINVAL with "line N: ..."
 * in @err (may be NULL), -EPROTONOSUPPORT for another format.
 */
KHSM_API int khsm_cardset_record_format(const struct khsm_cardset_record *r,
					FILE *f);
KHSM_API int khsm_cardset_record_parse(const char *text,
				       struct khsm_cardset_record *r,
				       char *err, size_t errlen);

/*
 * ---- Application keys: names ----
 */

/* "aes", "hmac", "ec-p256", "ec-p384"; "unknown" for other values. */
KHSM_API const char *khsm_key_type_name(uint32_t type);

/* The reverse of khsm_key_type_name(); -EINVAL for an unknown name. */
KHSM_API int khsm_key_type_parse(const char *name, uint32_t *type);

/*
 * "encrypt", "decrypt", "sign", "verify", "mac-generate", "mac-verify",
 * "wrap", "unwrap", "derive", "export-public"; "unknown".
 */
KHSM_API const char *khsm_op_name(uint32_t op);

/* The policy text's names: "aes-gcm", ..., "ecdh-p256"; "unknown". */
KHSM_API const char *khsm_mech_name(uint32_t mech);

/* "module", "softcard", "ocs"; "unknown". */
KHSM_API const char *khsm_protection_name(uint32_t protection);

/*
 * Comma-separated names, each at most once and no spaces, into a mask of
 * (1 << enum khsm_op) or (1 << enum khsm_mech). -EINVAL with the reason
 * in @err (may be NULL) for an unknown, repeated or empty name.
 */
KHSM_API int khsm_ops_parse(const char *list, uint32_t *ops, char *err,
			    size_t errlen);
KHSM_API int khsm_mechs_parse(const char *list, uint32_t *mechs, char *err,
			      size_t errlen);

/*
 * The mechanisms (1 << enum khsm_mech) that work with a key of @type and
 * perform one of @ops (1 << enum khsm_op); 0 if none does. EXPORT_PUBLIC
 * needs no mechanism. An ACL whose mechanisms do not fit its key, or
 * that has an operation none of them performs, is refused by the module.
 */
KHSM_API uint32_t khsm_key_mechs(uint32_t type, uint32_t ops);

/*
 * An application name (@size KHSM_APP_MAX) or key identifier (@size
 * KHSM_IDENT_MAX): 1 to @size - 1 of A-Z a-z 0-9 - _.
 */
KHSM_API bool khsm_key_name_valid(const char *name, size_t size);

/*
 * ---- Application keys: making them (control channel) ----
 *
 * A key is generated inside the module or, when the policy allows, sealed
 * from material the caller gives (import). Either way the module returns a
 * key blob: the key sealed under the module key or its token's key, with
 * its header (struct khsm_key_hdr) as associated data. The caller stores
 * the blob (khsmctl keeps it in kmdata as KHSM_KEY_FILE_PREFIX APP "_"
 * IDENT, 0644, group khsm: services outside the group read it, only its
 * maker may replace it) and loads it with khsm_key_load() to use it.
 *
 * The key's ACL is a struct khsm_acl of <linux/khsm.h>, fixed for life and
 * little endian like every ABI struct: fill it with htole32()/htole64().
 */
#define KHSM_KEY_FILE_PREFIX	"key_"

/* khsm_key_req.recovery: whatever the world and the token's set say. */
#define KHSM_KEY_RECOVERY_DEFAULT	(-1)

/*
 * A key to generate or import; start from khsm_key_req_init(). Fields
 * added later come out of __reserved, where zero means "as before".
 */
struct khsm_key_req {
	uint32_t type;			/* enum khsm_key_type */
	uint32_t len;			/* generate AES, HMAC: secret bytes;
					 * 0: the module's default (32) */
	uint8_t protection;		/* enum khsm_protection */
	int8_t recovery;		/* KHSM_KEY_RECOVERY_DEFAULT, 0 none,
					 * 1 seal a recovery copy */
	uint8_t __pad[6];
	uint64_t token_id;		/* softcard and OCS protection: a
					 * loaded token of that set the caller
					 * may use (khsm_token_list()) */
	struct khsm_acl acl;		/* little endian */
	char app[KHSM_APP_MAX];		/* khsm_key_name_valid() */
	char ident[KHSM_IDENT_MAX];	/* khsm_key_name_valid() */
	/*
	 * Import: exactly one of @secret (AES or HMAC bytes, or the EC
	 * private scalar, big endian, of the curve's length: a secret, keep
	 * it in khsm_secure_alloc() memory) and @public_key (an
	 * uncompressed EC point: a key that verifies and exports itself).
	 */
	const uint8_t *secret;
	size_t secret_len;
	const uint8_t *public_key;
	size_t public_len;
	uint64_t __reserved[4];
};

/* Zero @req and set recovery to KHSM_KEY_RECOVERY_DEFAULT. */
KHSM_API void khsm_key_req_init(struct khsm_key_req *req);

/* A new key blob. Zeroed by the call; @blob is its until freed. */
struct khsm_key_result {
	uint8_t *blob;
	size_t blob_len;
	uint8_t key_hash[KHSM_KEY_HASH_LEN];	/* names the key */
	uint64_t __reserved[4];
};

/*
 * KHSM_CMD_KEY_GENERATE and KHSM_CMD_KEY_IMPORT. -EINVAL before anything
 * is sent for a request that cannot be right (names, recovery, import
 * material); the module's refusals as <linux/khsm.h> lists them: EPERM
 * (protection, mechanism or import not allowed by the policy), ENOKEY,
 * EACCES, EKEYREVOKED (the token), EINVAL (the ACL). The import request
 * is wiped before it is freed.
 */
KHSM_API int khsm_key_generate(struct khsm *h, const struct khsm_key_req *req,
			       struct khsm_key_result *res);
KHSM_API int khsm_key_import(struct khsm *h, const struct khsm_key_req *req,
			     struct khsm_key_result *res);

/* Free what @res holds and zero it; NULL is a no-op. */
KHSM_API void khsm_key_result_free(struct khsm_key_result *res);

/*
 * KHSM_CMD_KEY_RECOVER (since 1.4; CAP_SYS_ADMIN and the key-recovery
 * ACS quorum): the key of @blob (@len bytes), opened through its
 * recovery copy under the world's recovery key, sealed again under the
 * loaded token @token_id of a replacement card set or softcard that the
 * caller may use. The new blob has the same key, key id, key hash and
 * ACL, the new set's protection, and a recovery copy only if that set
 * allows recovery. Errors: -EACCES the quorum is not authorised (or the
 * token is not the caller's), -EPERM the key was made without a recovery
 * copy, -ENOKEY no such token, and those of KEY_GENERATE. Blobs made
 * before still load with the old set's token: the old set keeps its
 * keys until every copy of their old blobs is gone.
 */
KHSM_API int khsm_key_recover(struct khsm *h, const void *blob, size_t len,
			      uint64_t token_id, struct khsm_key_result *res);

/*
 * What a key blob's header says, read without any key: for listing
 * blobs and exporting a public key. The module authenticates the header
 * when the blob is loaded; nothing here is checked that way.
 */
struct khsm_key_info {
	uint16_t version;		/* KHSM_KEY_VERSION */
	uint8_t protection;		/* enum khsm_protection */
	uint8_t flags;			/* KHSM_KEY_F_* */
	uint32_t type;			/* enum khsm_key_type */
	uint8_t secret_len;		/* 0: a public key alone */
	uint8_t pub_len;		/* bytes of @pubkey used (EC keys) */
	uint8_t has_recovery;		/* a recovery copy follows the body */
	uint8_t __pad[5];
	uint64_t created;		/* seconds since the epoch */
	uint8_t world_id[KHSM_WORLD_ID_LEN];
	uint8_t key_id[KHSM_KEY_ID_LEN];
	uint8_t set_id[KHSM_SET_ID_LEN];	/* zero for module protection */
	uint8_t key_hash[KHSM_KEY_HASH_LEN];
	uint8_t pubkey[KHSM_PUBKEY_MAX];	/* uncompressed EC point */
	uint8_t __pad2[7];
	struct khsm_acl acl;		/* as stored: little endian */
	char app[KHSM_APP_MAX];
	char ident[KHSM_IDENT_MAX];
	uint32_t body_len;
	uint32_t rec_len;
	uint64_t __reserved[4];
};

/*
 * Check the shape of the key blob @buf (@len bytes) and fill @info: magic,
 * version, header length, a known type and protection, lengths that fit
 * the type and add up to @len exactly, names, an ACL with known bits. 0,
 * or -EBADMSG (not a key blob, truncated, inconsistent) or
 * -EPROTONOSUPPORT (another format version), with the reason in @err
 * (may be NULL).
 */
KHSM_API int khsm_key_blob_parse(const void *buf, size_t len,
				 struct khsm_key_info *info, char *err,
				 size_t errlen);

/*
 * ---- Application keys: EC key encodings (OpenSSL's libcrypto) ----
 *
 * PEM or DER is told apart by the "-----BEGIN" a PEM text has. Errors:
 * -EBADMSG not such a key (or an encrypted one), -EPROTONOSUPPORT a key
 * of another algorithm or curve than P-256 and P-384, -ENOMEM, -EINVAL.
 */
#define KHSM_EC_SCALAR_MAX	48	/* bytes of a P-384 private scalar */

/*
 * An unencrypted EC private key, PKCS#8 ("PRIVATE KEY") or SEC1 ("EC
 * PRIVATE KEY"), into its curve (KHSM_KEY_EC_P256 or _P384) and its
 * private scalar, big endian, of the curve's length: what
 * khsm_key_req.secret wants. @priv is a secret: give khsm_secure_alloc()
 * memory; it is wiped on failure. @in is the caller's to wipe.
 */
KHSM_API int khsm_ec_private_from_pkcs8(const void *in, size_t len,
					uint32_t *type,
					uint8_t priv[KHSM_EC_SCALAR_MAX],
					size_t *priv_len);

/*
 * A SubjectPublicKeyInfo ("PUBLIC KEY") into its curve and uncompressed
 * point: what khsm_key_req.public_key wants.
 */
KHSM_API int khsm_ec_point_from_spki(const void *in, size_t len,
				     uint32_t *type,
				     uint8_t point[KHSM_PUBKEY_MAX],
				     size_t *point_len);

/*
 * The SubjectPublicKeyInfo of the uncompressed point @point of curve
 * @type, DER or (@pem) PEM text, in *@out (free() it), *@out_len bytes.
 * -EINVAL for a point that is not on the curve.
 */
KHSM_API int khsm_ec_spki_from_point(uint32_t type, const uint8_t *point,
				     size_t len, bool pem, uint8_t **out,
				     size_t *out_len);

/*
 * ---- Application keys: using them (data channel) ----
 *
 * One ioctl on the handle's /dev/khsm descriptor per call, with its
 * struct on the stack: no allocation, nothing else. The handle needs
 * KHSM_OPEN_DATA (-ENOTCONN otherwise). A key handle works only on the
 * struct khsm that loaded it and goes when it is closed or destroyed.
 * Lengths in and out are bytes; an output too small fails with -EMSGSIZE
 * and *@out_len set to what it needs. Errors, besides those of every
 * ioctl: -ENOENT no such key handle here, -EKEYREVOKED its token went
 * (or CLEAR, or the world was unloaded), -EPERM the key's ACL does not
 * permit the operation or mechanism, -EACCES, -EKEYEXPIRED, -EDQUOT it
 * refuses the caller, the time or one more use, -EBADMSG a signature, MAC
 * or tag that does not match. Documentation/abi.md has the full table.
 * khsm_errmsg() is "" after them: the device sends no text.
 */

/* For the *_uptr fields of the ioctl structs. */
#define KHSM_UPTR(p)	((__u64)(uintptr_t)(p))

/* KHSM_IOC_LOAD: the blob becomes *@key; @token_id 0 picks a token. */
KHSM_API int khsm_key_load(struct khsm *h, const void *blob, size_t len,
			   uint64_t token_id, uint64_t *key);

/* KHSM_IOC_DESTROY. */
KHSM_API int khsm_key_destroy(struct khsm *h, uint64_t key);

/*
 * ECDSA: sign @in (the message, or with KHSM_OP_F_PREHASHED in @flags its
 * digest) into a DER signature, or verify one (0 valid, -EBADMSG not).
 */
KHSM_API int khsm_sign(struct khsm *h, uint64_t key, uint32_t mech,
		       uint32_t flags, const void *in, size_t in_len,
		       void *sig, size_t *sig_len);
KHSM_API int khsm_verify(struct khsm *h, uint64_t key, uint32_t mech,
			 uint32_t flags, const void *in, size_t in_len,
			 const void *sig, size_t sig_len);

/*
 * AES-GCM: @out is the ciphertext and its 16-byte tag. The module writes
 * the IV (12 bytes) to @iv, or reads it from there with
 * KHSM_OP_F_CALLER_IV in @flags (which the ACL must allow). Decrypt takes
 * ciphertext || tag and fails with -EBADMSG, writing nothing, on a wrong
 * tag.
 */
KHSM_API int khsm_encrypt(struct khsm *h, uint64_t key, uint32_t mech,
			  uint32_t flags, const void *in, size_t in_len,
			  const void *aad, size_t aad_len, uint8_t *iv,
			  size_t iv_len, void *out, size_t *out_len);
KHSM_API int khsm_decrypt(struct khsm *h, uint64_t key, uint32_t mech,
			  const void *in, size_t in_len, const void *aad,
			  size_t aad_len, const uint8_t *iv, size_t iv_len,
			  void *out, size_t *out_len);

/* HMAC or CMAC; khsm_mac_verify() compares in constant time. */
KHSM_API int khsm_mac(struct khsm *h, uint64_t key, uint32_t mech,
		      const void *in, size_t in_len, void *mac,
		      size_t *mac_len);
KHSM_API int khsm_mac_verify(struct khsm *h, uint64_t key, uint32_t mech,
			     const void *in, size_t in_len, const void *mac,
			     size_t mac_len);

/*
 * AES key wrap of the key @target (a handle of this struct khsm whose ACL
 * makes it wrappable) under @key, and the reverse: the unwrapped key, of
 * @new_type (AES or HMAC) with the ACL @acl, becomes *@new_key.
 */
KHSM_API int khsm_wrap(struct khsm *h, uint64_t key, uint32_t mech,
		       uint64_t target, void *out, size_t *out_len);
KHSM_API int khsm_unwrap(struct khsm *h, uint64_t key, uint32_t mech,
			 const void *in, size_t in_len, uint32_t new_type,
			 const struct khsm_acl *acl, uint64_t *new_key);

/*
 * ECDH with the peer's uncompressed point: the first @new_len bytes of
 * the shared x become *@new_key, of @new_type (AES or HMAC) with @acl.
 */
KHSM_API int khsm_derive(struct khsm *h, uint64_t key, uint32_t mech,
			 const uint8_t *peer, size_t peer_len,
			 uint32_t new_type, uint32_t new_len,
			 const struct khsm_acl *acl, uint64_t *new_key);

/* KHSM_IOC_PUBKEY: the key's uncompressed point (65 or 97 bytes). */
KHSM_API int khsm_pubkey(struct khsm *h, uint64_t key, uint8_t *out,
			 size_t *out_len);

/* @len bytes from the kernel DRBG, KHSM_RANDOM_MAX per ioctl. */
KHSM_API int khsm_random(struct khsm *h, void *buf, size_t len);

/*
 * Building operations for khsm_batch() (or khsm_op()): zero @op, set its
 * size, key, operation (enum khsm_op) and mechanism; the caller then sets
 * the lengths and KHSM_UPTR()s its operation needs.
 */
KHSM_API void khsm_op_init(struct khsm_ioc_op *op, uint64_t key,
			   uint32_t opcode, uint32_t mech);

/* KHSM_IOC_OP of @op as it is; its outputs are written back into it. */
KHSM_API int khsm_op(struct khsm *h, struct khsm_ioc_op *op);

/*
 * KHSM_IOC_OP_BATCH of the @count (1..KHSM_BATCH_MAX) operations at @ops,
 * in place: no copy is made. 0 when the batch ran, whatever became of
 * each operation: its out_status is 0 or a negative errno, and *@done
 * (may be NULL) counts those that succeeded. The batch itself fails only
 * when it is malformed.
 */
KHSM_API int khsm_batch(struct khsm *h, struct khsm_ioc_op *ops, size_t count,
			uint32_t *done);

#ifdef __cplusplus
}
#endif

#include <khsm/audit.h>

#endif /* KHSM_KHSM_H */
