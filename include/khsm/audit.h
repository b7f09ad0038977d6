/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkhsm: the audit log. Included by <khsm/khsm.h>; do not include it
 * alone.
 *
 * The module keeps a bounded ring of audit records (see "DOC: Audit
 * records" in <linux/khsm.h>), multicasts each new one and dumps them on
 * request. A log file, as khsmctl audit follow writes it, is the records
 * one after the other, each followed by its 32-byte chain digest; nothing
 * else. The parser and the verifier below need no module and no handle.
 */
#ifndef KHSM_AUDIT_H
#define KHSM_AUDIT_H

#ifndef KHSM_KHSM_H
#error "include <khsm/khsm.h>, not <khsm/audit.h>"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*
 * ---- Reading the ring (control channel) ----
 */

/* KHSM_CMD_AUDIT_STATUS. The library zeroes it first. */
struct khsm_audit_status {
	uint8_t instance[KHSM_AUDIT_INSTANCE_LEN];
	uint64_t first;			/* oldest record kept */
	uint64_t next;			/* seq the next record gets */
	uint64_t acked;			/* last acknowledged, 0: none */
	uint64_t last_checkpoint;	/* 0: none yet */
	uint64_t lost;			/* dropped unacknowledged (forced) */
	uint32_t ring;			/* records the ring holds */
	uint8_t forced;			/* the policy asks for forced audit */
	uint8_t blocked;		/* ...and it is refusing work now */
	uint8_t __pad[2];
	uint64_t __reserved[4];
};

KHSM_API int khsm_audit_status(struct khsm *h, struct khsm_audit_status *st);

/*
 * Called for each record: @rec is @len bytes of encoding, @digest its
 * chain digest (KHSM_AUDIT_DIGEST_LEN bytes). Return 0 to go on, or a
 * negative errno to stop (the caller gets it back).
 */
typedef int (*khsm_audit_record_fn)(const uint8_t *rec, size_t len,
				    const uint8_t *digest, void *arg);

/*
 * KHSM_CMD_AUDIT_GET: every record the ring holds from @from on (0: the
 * oldest), in order, to @fn. Records older than the ring's oldest are
 * gone; the caller sees the gap in the sequence numbers.
 */
KHSM_API int khsm_audit_dump(struct khsm *h, uint64_t from,
			     khsm_audit_record_fn fn, void *arg);

/*
 * KHSM_CMD_AUDIT_ACK: every record up to @seq of module instance
 * @instance is stored safely. -ESTALE: the module was reloaded since.
 */
KHSM_API int khsm_audit_ack(struct khsm *h, const uint8_t *instance,
			    uint64_t seq);

/* KHSM_CMD_AUDIT_CHECKPOINT: a signed checkpoint now; *@seq is its. */
KHSM_API int khsm_audit_checkpoint(struct khsm *h, uint64_t *seq);

/*
 * A socket of its own in the "audit" multicast group (which needs
 * CAP_SYS_ADMIN): non-blocking and close-on-exec; the caller polls and
 * close()s it. @h (control channel) resolves the group.
 */
KHSM_API int khsm_audit_subscribe(struct khsm *h, int *fd);

/*
 * Reads what the socket @fd holds now, handing each record to @fn.
 * 0 when it is drained; -ENOBUFS when the kernel dropped some because the
 * socket was full (dump from the last one seen to catch up; the socket
 * goes on working); another negative errno on failure.
 */
KHSM_API int khsm_audit_sub_read(int fd, khsm_audit_record_fn fn, void *arg);

/*
 * ---- Records (pure) ----
 */

/* One item of a record; @value points into the caller's buffer. */
struct khsm_audit_item {
	uint16_t tag;			/* enum khsm_audit_tag */
	uint16_t len;
	const uint8_t *value;
};

#define KHSM_AUDIT_ITEMS_MAX	128

struct khsm_audit_record {
	uint16_t len;			/* bytes of the encoding */
	uint8_t version;
	uint8_t flags;			/* KHSM_AUDIT_F_* */
	uint16_t event;			/* enum khsm_audit_event */
	uint16_t hdr_len;
	uint64_t seq;
	uint64_t wall_ns;
	uint64_t boot_ns;
	uint32_t result;		/* 0 or a positive errno */
	uint32_t uid;
	uint32_t loginuid;
	uint32_t sessionid;
	uint32_t pid;
	char comm[17];			/* NUL-terminated */
	uint8_t instance[KHSM_AUDIT_INSTANCE_LEN];
	uint8_t world_id[KHSM_WORLD_ID_LEN];
	size_t nitems;
	struct khsm_audit_item items[KHSM_AUDIT_ITEMS_MAX];
};

/*
 * Parses the record at the start of @buf (@len bytes available: a record
 * may be followed by more). 0, -EMSGSIZE when @len is shorter than the
 * record says it is, -EBADMSG when it is not a well-formed record (of a
 * version this library reads).
 */
KHSM_API int khsm_audit_record_parse(const void *buf, size_t len,
				     struct khsm_audit_record *rec);

/* The first item of @tag, or NULL. */
KHSM_API const struct khsm_audit_item *
khsm_audit_record_item(const struct khsm_audit_record *rec, uint16_t tag);

/* "card-insert", ...; NULL for a value this library does not know. */
KHSM_API const char *khsm_audit_event_name(uint16_t event);
/* "set-name", ...; NULL likewise. */
KHSM_API const char *khsm_audit_tag_name(uint16_t tag);
/* "request", "card-removed", ...; NULL likewise. */
KHSM_API const char *khsm_audit_cause_name(uint8_t cause);

/*
 * ---- Verifying a log (pure, with libcrypto) ----
 */

/* A world's audit public key: from its world file (world id known) or a PEM. */
struct khsm_audit_key {
	uint8_t world_id[KHSM_WORLD_ID_LEN];
	uint8_t has_world_id;		/* 0: the key may be any world's */
	uint8_t pubkey[KHSM_AUDIT_PUBKEY_LEN];
	uint8_t __pad[6];
};

/* The verdict, worst first (the verdict is the worst finding's). */
enum khsm_audit_verdict {
	KHSM_AUDIT_VERIFIED,		/* complete, untampered, all vouched for */
	KHSM_AUDIT_UNSEALED,		/* intact, but records after the last
					 * checkpoint (or a cut last entry) are
					 * not vouched for */
	KHSM_AUDIT_INCOMPLETE,		/* intact, but it does not begin at a
					 * chain's start, or a checkpoint has no
					 * key given to check it */
	KHSM_AUDIT_TAMPERED,		/* altered, reordered, missing or foreign
					 * records, or a bad signature */
};

enum khsm_audit_finding_kind {
	KHSM_AUDIT_FIND_MALFORMED,	/* not a record: the rest is unreadable */
	KHSM_AUDIT_FIND_CUT,		/* the last entry is incomplete */
	KHSM_AUDIT_FIND_HEAD,		/* begins after a chain's start */
	KHSM_AUDIT_FIND_GAP,		/* sequence numbers missing */
	KHSM_AUDIT_FIND_ORDER,		/* a sequence number repeated or back */
	KHSM_AUDIT_FIND_FOREIGN,	/* of another module instance */
	KHSM_AUDIT_FIND_DIGEST,		/* does not hash to its digest */
	KHSM_AUDIT_FIND_SIGNATURE,	/* a checkpoint's signature is bad */
	KHSM_AUDIT_FIND_NO_KEY,		/* a checkpoint nobody gave a key for */
	KHSM_AUDIT_FIND_UNSEALED,	/* records after the last checkpoint */
};

struct khsm_audit_finding {
	enum khsm_audit_finding_kind kind;
	size_t index;			/* entry number in the file, from 0 */
	size_t offset;			/* its byte offset */
	uint64_t seq;			/* its sequence number (0: unknown) */
	uint64_t count;			/* records concerned (GAP, UNSEALED) */
	char text[192];
};

struct khsm_audit_verify {
	enum khsm_audit_verdict verdict;
	uint64_t records;		/* entries read */
	uint64_t segments;		/* module lives (chains) in the file */
	uint64_t checkpoints;		/* checkpoints seen */
	uint64_t checkpoints_ok;	/* ...whose signature verified */
	uint64_t first_seq;
	uint64_t last_seq;
	uint64_t sealed;		/* records vouched for by a checkpoint */
	uint64_t findings;
	uint64_t __reserved[4];
};

typedef void (*khsm_audit_finding_fn)(const struct khsm_audit_finding *f,
				      void *arg);

/*
 * Verifies the log in @log (@len bytes) against @nkeys keys: sequence
 * continuity, the chain, every checkpoint's signature and what they vouch
 * for. Each finding goes to @fn (may be NULL) as it is found; @res gets
 * the counts and the verdict. 0 when the log could be judged (whatever
 * the verdict), -EINVAL for bad arguments (a key that is not a point of
 * P-256 among them), -ENOMEM.
 */
KHSM_API int khsm_audit_verify(const uint8_t *log, size_t len,
			       const struct khsm_audit_key *keys, size_t nkeys,
			       struct khsm_audit_verify *res,
			       khsm_audit_finding_fn fn, void *arg);

/*
 * The end of the last complete entry of a log, and that entry's instance
 * and sequence number (0 if the log has none): where khsmctl audit
 * follow resumes. Framing only; nothing is verified.
 */
KHSM_API size_t khsm_audit_log_tail(const uint8_t *log, size_t len,
				    uint8_t *instance, uint64_t *seq);

#ifdef __cplusplus
}
#endif

#endif /* KHSM_AUDIT_H */
