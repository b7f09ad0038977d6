/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The khsm family as the kernel describes it (CTRL_CMD_GETFAMILY and
 * CTRL_CMD_GETPOLICY), and a netlink connection that sends any bytes and
 * reads every answer: acks, errors with their extended ack (message and
 * missing attribute), multi-part replies and dumps, or no answer at all.
 */
#ifndef KHSM_SELFTEST_NLPOL_H
#define KHSM_SELFTEST_NLPOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NP_MAX_CMD	64
#define NP_MAX_POL	32
#define NP_MAX_ATTR	64

struct np_attr {
	bool present;
	uint32_t type;		/* enum netlink_attribute_type */
	bool has_min_len, has_max_len, has_u, has_s, has_mask;
	uint64_t min_len, max_len, min_u, max_u, mask;
	int64_t min_s, max_s;
	int nested;		/* policy index, -1 if none */
	uint32_t nested_maxtype;
};

struct np_policy {
	bool present;
	uint32_t maxtype;	/* highest attribute listed */
	struct np_attr a[NP_MAX_ATTR];
};

struct np_family {
	uint16_t id;
	uint32_t version, hdrsize, maxattr;
	struct {
		bool present;
		uint32_t flags;		/* GENL_CMD_CAP_* */
		int do_pol, dump_pol;	/* -1: none */
	} cmd[NP_MAX_CMD];
	struct np_policy pol[NP_MAX_POL];
	int ngroups;
	uint32_t group_id[8];
	char group_name[8][32];
};

struct np_conn {
	int fd;
	uint16_t family;
	uint32_t seq;
	char msg[256];		/* NLMSGERR_ATTR_MSG of the last error */
	int miss_type;		/* NLMSGERR_ATTR_MISS_TYPE, or -1 */
	bool answered;		/* an ack, error or NLMSG_DONE came */
	unsigned char *data;	/* payloads (after the genl header) */
	size_t data_len, data_cap;
	int nmsgs;		/* non-error messages of the last answer */
};

/* 0 or -errno. Extended acks on, a receive timeout of three seconds. */
int np_open(struct np_conn *c);
void np_close(struct np_conn *c);

/*
 * Sends @len bytes as they are (the caller built the headers) and reads
 * the answer to sequence number @seq. Returns 0 for an ack or a complete
 * dump, the positive errno of an error, -ETIMEDOUT when nothing came.
 */
int np_xfer(struct np_conn *c, const void *msg, size_t len, uint32_t seq);

/*
 * A request of the family c->family: @nlflags are added to
 * NLM_F_REQUEST | NLM_F_ACK, @attrs follow the genl header as they are.
 */
int np_request(struct np_conn *c, uint8_t cmd, uint16_t nlflags,
	       uint16_t reserved, const void *attrs, size_t len);

/* Resolves "khsm" with its ops and groups, then dumps its policies. */
int np_learn(struct np_conn *c, const char *name, struct np_family *f);

/* An attribute builder with a stack of open nests. */
struct np_buf {
	unsigned char b[200000];
	size_t off;
	size_t nest[64];
	int depth;
};

void np_reset(struct np_buf *b);
void np_put(struct np_buf *b, uint16_t type, const void *d, size_t len);
void np_put_fill(struct np_buf *b, uint16_t type, int byte, size_t len);
void np_nest(struct np_buf *b, uint16_t type);	/* type as given */
void np_end(struct np_buf *b);
void np_raw(struct np_buf *b, const void *d, size_t len);

#endif
