/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkhsm internals. Nothing here is exported from the shared library (the
 * build uses -fvisibility=hidden and libkhsm.map); the unit tests link the
 * static library to reach the pure parts.
 */
#ifndef KHSM_INTERNAL_H
#define KHSM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include <khsm/khsm.h>

#ifndef KHSM_VERSION
#define KHSM_VERSION "0.1.0"
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct nl_sock;
struct nl_cb;
struct nl_msg;
struct nlattr;

/* What an NLMSG_ERROR said beyond its errno. */
struct khsm_extack {
	char msg[256];		/* NLMSGERR_ATTR_MSG, truncated, or "" */
	int offset;		/* NLMSGERR_ATTR_OFFS, or -1 */
};

struct khsm {
	struct nl_sock *sk;	/* control channel, NULL if not open */
	struct nl_cb *cb;	/* our handlers, kept apart from sk's own */
	int family;		/* resolved family id, -ENOTCONN if none */
	int fd;			/* data channel, -1 if not open */
	struct khsm_extack ext;	/* of the last failed request */
};

/* libkhsm.c */
int khsm_need_control(struct khsm *h);

/* extack.c: pure, works on any buffer */
void khsm_extack_clear(struct khsm_extack *ext);
int khsm_extack_parse(const struct nlmsghdr *nlh, struct khsm_extack *ext);

/* errors.c */
int khsm_nlerr_to_errno(int nlerr);

/* Room for the attributes of the largest request: a file, or 64 cards. */
#define KHSM_REQ_MAX	(KHSM_FILE_MAX + 4096)

/* netlink.c */
int khsm_nl_open(struct khsm *h);
void khsm_nl_close(struct khsm *h);
struct nl_msg *khsm_nl_request(int family, uint8_t cmd, uint8_t version);
struct nl_msg *khsm_nl_request_size(int family, uint8_t cmd, uint8_t version,
				    size_t size);
void khsm_nl_free_wiped(struct nl_msg *msg);

/* Called for each reply message; returns 0 or a negative errno. */
typedef int (*khsm_parse_fn)(struct nl_msg *msg, void *arg);
int khsm_nl_transact(struct khsm *h, struct nl_msg *req, khsm_parse_fn parse,
		     void *arg);

/* info.c */
int khsm_info_parse(struct nl_msg *msg, struct khsm_info *info);
int khsm_world_info_parse(struct nl_msg *msg, struct khsm_world_info *info);

/* options.c */
void khsm_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int khsm_opts_put(struct nl_msg *msg, int type,
		  const struct khsm_world_options *opts);
int khsm_opts_parse(const struct nlattr *nest, struct khsm_world_options *opts);
void khsm_opts_from_file(const struct khsm_world_opts *f,
			 struct khsm_world_options *opts);

/* format.c: magic, version and header length of a khsm file of kind @what */
int khsm_file_start(const char *what, char *err, size_t errlen,
		    const uint8_t *buf, size_t len, const char magic[8],
		    uint16_t version, size_t hdr_size);

/* world.c */
int khsm_cardset_put(struct nl_msg *msg, const struct khsm_world_options *opts,
		     const struct khsm_card_req *cards, size_t ncards,
		     const struct khsm_bind_key *bind);
int khsm_cards_put(struct nl_msg *msg, const struct khsm_card_req *cards,
		   size_t n);

/* card.c */
int khsm_insert_put(struct nl_msg *msg, const struct khsm_insert_req *req);
int khsm_card_passphrase_put(struct nl_msg *msg, const void *image,
			     size_t len, const uint8_t *old_key,
			     const struct khsm_card_req *card);

/* cardset.c */
int khsm_cardset_create_put(struct nl_msg *msg,
			    const struct khsm_cardset_req *req,
			    const struct khsm_card_req *cards, size_t ncards);

/* reply.c: replies of the world, card, set and token commands, pure */
int khsm_reply_parse(struct nl_msg *msg, struct nlattr **tb);
int khsm_world_result_parse(struct nl_msg *msg, struct khsm_world_result *res);
int khsm_insert_result_parse(struct nl_msg *msg,
			     struct khsm_insert_result *res);
/* Appends to *slots (*nslots entries so far), so dumps may come in parts. */
int khsm_slots_parse(struct nl_msg *msg, struct khsm_slot **slots,
		     size_t *nslots);
int khsm_cardset_result_parse(struct nl_msg *msg,
			      struct khsm_cardset_result *res);
/* Appends, as khsm_slots_parse() does. */
int khsm_tokens_parse(struct nl_msg *msg, struct khsm_token_info **tokens,
		      size_t *n);

/* names.c: the policy text spells these the same */
extern const char *const khsm_protection_names[KHSM_PROTECT__COUNT];
extern const char *const khsm_mech_names[KHSM_MECH__COUNT];

/* key.c */
int khsm_key_put(struct nl_msg *msg, const struct khsm_key_req *req,
		 bool import);
int khsm_key_recover_put(struct nl_msg *msg, const void *blob, size_t len,
			 uint64_t token_id);

/* reply.c: KEY_GENERATE, KEY_IMPORT and KEY_RECOVER */
int khsm_key_result_parse(struct nl_msg *msg, struct khsm_key_result *res);

/* audit_nl.c: the audit replies, the multicast records, the group id */
int khsm_audit_status_parse(struct nl_msg *msg, struct khsm_audit_status *st);
/* One record message (AUDIT_GET dump part or multicast) to @fn. */
int khsm_audit_record_msg(struct nlmsghdr *nlh, khsm_audit_record_fn fn,
			  void *arg);
int khsm_audit_seq_parse(struct nl_msg *msg, uint64_t *seq);
/* *group set only when the reply names the audit group. */
int khsm_audit_group_parse(struct nl_msg *msg, uint32_t *group);

/* reply.c: CARD_PASSPHRASE's one card file, into *@out (zeroed) */
int khsm_card_file_parse(struct nl_msg *msg, struct khsm_card_file *out);

#endif /* KHSM_INTERNAL_H */
