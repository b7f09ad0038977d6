// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The audit commands (AUDIT_STATUS, AUDIT_GET, AUDIT_ACK,
 * AUDIT_CHECKPOINT) and the "audit" multicast group.
 *
 * The group gets a socket of its own: on the handle's socket, records
 * would arrive in the middle of other requests' replies. It is read with
 * plain recv() so that ENOBUFS (records dropped because the reader was
 * slow) reaches the caller as itself, not as one of libnl's codes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>

#include "internal.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static const struct nla_policy top_policy[KHSM_A_MAX + 1] = {
	[KHSM_A_AUDIT]	= { .type = NLA_NESTED },
};

static const struct nla_policy audit_policy[KHSM_A_AUDIT_MAX + 1] = {
	[KHSM_A_AUDIT_RECORD]	= { .type = NLA_UNSPEC, .minlen = 1,
				    .maxlen = KHSM_AUDIT_REC_MAX },
	[KHSM_A_AUDIT_DIGEST]	= { .type = NLA_UNSPEC,
				    .minlen = KHSM_AUDIT_DIGEST_LEN,
				    .maxlen = KHSM_AUDIT_DIGEST_LEN },
	[KHSM_A_AUDIT_SEQ]	= { .type = NLA_U64 },
	[KHSM_A_AUDIT_INSTANCE]	= { .type = NLA_UNSPEC,
				    .minlen = KHSM_AUDIT_INSTANCE_LEN,
				    .maxlen = KHSM_AUDIT_INSTANCE_LEN },
	[KHSM_A_AUDIT_FIRST]	= { .type = NLA_U64 },
	[KHSM_A_AUDIT_NEXT]	= { .type = NLA_U64 },
	[KHSM_A_AUDIT_ACKED]	= { .type = NLA_U64 },
	[KHSM_A_AUDIT_RING]	= { .type = NLA_U32 },
	[KHSM_A_AUDIT_LAST_CHECKPOINT] = { .type = NLA_U64 },
	[KHSM_A_AUDIT_LOST]	= { .type = NLA_U64 },
	[KHSM_A_AUDIT_FORCED]	= { .type = NLA_FLAG },
	[KHSM_A_AUDIT_BLOCKED]	= { .type = NLA_FLAG },
};

/* The KHSM_A_AUDIT nest of a reply or a record message. */
static int audit_nest(struct nlmsghdr *nlh, struct nlattr **tb)
{
	struct nlattr *top[KHSM_A_MAX + 1];

	if (!genlmsg_valid_hdr(nlh, 0) ||
	    genlmsg_parse(nlh, 0, top, KHSM_A_MAX, top_policy) ||
	    !top[KHSM_A_AUDIT] ||
	    nla_parse_nested(tb, KHSM_A_AUDIT_MAX, top[KHSM_A_AUDIT],
			     audit_policy))
		return -EPROTO;
	return 0;
}

static uint64_t get_u64(struct nlattr **tb, int attr)
{
	return tb[attr] ? nla_get_u64(tb[attr]) : 0;
}

int khsm_audit_status_parse(struct nl_msg *msg, struct khsm_audit_status *st)
{
	struct nlattr *tb[KHSM_A_AUDIT_MAX + 1];

	/* NEXT is at least 1: sequence numbers start there. */
	if (audit_nest(nlmsg_hdr(msg), tb) || !tb[KHSM_A_AUDIT_INSTANCE] ||
	    !tb[KHSM_A_AUDIT_NEXT] || !nla_get_u64(tb[KHSM_A_AUDIT_NEXT]))
		return -EPROTO;
	nla_memcpy(st->instance, tb[KHSM_A_AUDIT_INSTANCE],
		   KHSM_AUDIT_INSTANCE_LEN);
	st->first = get_u64(tb, KHSM_A_AUDIT_FIRST);
	st->next = get_u64(tb, KHSM_A_AUDIT_NEXT);
	st->acked = get_u64(tb, KHSM_A_AUDIT_ACKED);
	st->last_checkpoint = get_u64(tb, KHSM_A_AUDIT_LAST_CHECKPOINT);
	st->lost = get_u64(tb, KHSM_A_AUDIT_LOST);
	st->ring = tb[KHSM_A_AUDIT_RING] ? nla_get_u32(tb[KHSM_A_AUDIT_RING]) : 0;
	st->forced = !!tb[KHSM_A_AUDIT_FORCED];
	st->blocked = !!tb[KHSM_A_AUDIT_BLOCKED];
	return 0;
}

static int status_reply(struct nl_msg *msg, void *arg)
{
	return khsm_audit_status_parse(msg, arg);
}

KHSM_API int khsm_audit_status(struct khsm *h, struct khsm_audit_status *st)
{
	struct nl_msg *msg;
	int ret;

	if (!st)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	ret = khsm_need_control(h);
	if (ret)
		return ret;
	msg = khsm_nl_request(h->family, KHSM_CMD_AUDIT_STATUS,
			      KHSM_GENL_VERSION);
	if (!msg)
		return -ENOMEM;
	ret = khsm_nl_transact(h, msg, status_reply, st);
	nlmsg_free(msg);
	if (!ret && !st->next)	/* an ack without the reply */
		ret = -EPROTO;
	return ret;
}

struct record_cb {
	khsm_audit_record_fn fn;
	void *arg;
};

int khsm_audit_record_msg(struct nlmsghdr *nlh, khsm_audit_record_fn fn,
			  void *arg)
{
	struct nlattr *tb[KHSM_A_AUDIT_MAX + 1];

	if (audit_nest(nlh, tb) || !tb[KHSM_A_AUDIT_RECORD] ||
	    !tb[KHSM_A_AUDIT_DIGEST])
		return -EPROTO;
	return fn(nla_data(tb[KHSM_A_AUDIT_RECORD]),
		  (size_t)nla_len(tb[KHSM_A_AUDIT_RECORD]),
		  nla_data(tb[KHSM_A_AUDIT_DIGEST]), arg);
}

static int dump_reply(struct nl_msg *msg, void *arg)
{
	const struct record_cb *cb = arg;

	return khsm_audit_record_msg(nlmsg_hdr(msg), cb->fn, cb->arg);
}

KHSM_API int khsm_audit_dump(struct khsm *h, uint64_t from,
			     khsm_audit_record_fn fn, void *arg)
{
	struct record_cb cb = { fn, arg };
	struct nlattr *nest;
	struct nl_msg *msg;
	int ret;

	if (!fn)
		return -EINVAL;
	ret = khsm_need_control(h);
	if (ret)
		return ret;
	msg = nlmsg_alloc();
	if (!msg)
		return -ENOMEM;
	ret = -EMSGSIZE;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, h->family, 0,
			 NLM_F_REQUEST | NLM_F_DUMP, KHSM_CMD_AUDIT_GET,
			 KHSM_GENL_VERSION))
		goto out;
	nest = nla_nest_start(msg, KHSM_A_AUDIT | NLA_F_NESTED);
	if (!nest || nla_put_u64(msg, KHSM_A_AUDIT_SEQ, from))
		goto out;
	nla_nest_end(msg, nest);
	ret = khsm_nl_transact(h, msg, dump_reply, &cb);
out:
	nlmsg_free(msg);
	return ret;
}

KHSM_API int khsm_audit_ack(struct khsm *h, const uint8_t *instance,
			    uint64_t seq)
{
	struct nlattr *nest;
	struct nl_msg *msg;
	int ret;

	if (!instance)
		return -EINVAL;
	ret = khsm_need_control(h);
	if (ret)
		return ret;
	msg = khsm_nl_request(h->family, KHSM_CMD_AUDIT_ACK, KHSM_GENL_VERSION);
	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, KHSM_A_AUDIT | NLA_F_NESTED);
	if (!nest ||
	    nla_put(msg, KHSM_A_AUDIT_INSTANCE, KHSM_AUDIT_INSTANCE_LEN,
		    instance) ||
	    nla_put_u64(msg, KHSM_A_AUDIT_SEQ, seq)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	ret = khsm_nl_transact(h, msg, NULL, NULL);
	nlmsg_free(msg);
	return ret;
}

int khsm_audit_seq_parse(struct nl_msg *msg, uint64_t *seq)
{
	struct nlattr *tb[KHSM_A_AUDIT_MAX + 1];

	/* A checkpoint is a record: its sequence number is at least 1. */
	if (audit_nest(nlmsg_hdr(msg), tb) || !tb[KHSM_A_AUDIT_SEQ] ||
	    !nla_get_u64(tb[KHSM_A_AUDIT_SEQ]))
		return -EPROTO;
	*seq = nla_get_u64(tb[KHSM_A_AUDIT_SEQ]);
	return 0;
}

static int seq_reply(struct nl_msg *msg, void *arg)
{
	return khsm_audit_seq_parse(msg, arg);
}

KHSM_API int khsm_audit_checkpoint(struct khsm *h, uint64_t *seq)
{
	uint64_t got = 0;
	struct nl_msg *msg;
	int ret;

	ret = khsm_need_control(h);
	if (ret)
		return ret;
	msg = khsm_nl_request(h->family, KHSM_CMD_AUDIT_CHECKPOINT,
			      KHSM_GENL_VERSION);
	if (!msg)
		return -ENOMEM;
	ret = khsm_nl_transact(h, msg, seq_reply, &got);
	nlmsg_free(msg);
	if (!ret && !got)
		ret = -EPROTO;
	if (!ret && seq)
		*seq = got;
	return ret;
}

/* --- the multicast group --- */

/*
 * The group's entry in the family's CTRL_CMD_GETFAMILY reply. The policy
 * makes libnl check that the name is terminated and the id is 4 bytes
 * before strcmp() and nla_get_u32() read them.
 */
int khsm_audit_group_parse(struct nl_msg *msg, uint32_t *group)
{
	static const struct nla_policy ctrl_policy[CTRL_ATTR_MAX + 1] = {
		[CTRL_ATTR_MCAST_GROUPS] = { .type = NLA_NESTED },
	};
	static const struct nla_policy grp_policy[CTRL_ATTR_MCAST_GRP_MAX + 1] = {
		[CTRL_ATTR_MCAST_GRP_NAME] = { .type = NLA_STRING },
		[CTRL_ATTR_MCAST_GRP_ID] = { .type = NLA_U32 },
	};
	struct nlattr *tb[CTRL_ATTR_MAX + 1], *grp[CTRL_ATTR_MCAST_GRP_MAX + 1];
	struct nlattr *g;
	int rem;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, CTRL_ATTR_MAX, ctrl_policy) ||
	    !tb[CTRL_ATTR_MCAST_GROUPS])
		return -EPROTO;
	nla_for_each_nested(g, tb[CTRL_ATTR_MCAST_GROUPS], rem) {
		if (nla_parse_nested(grp, CTRL_ATTR_MCAST_GRP_MAX, g,
				     grp_policy) ||
		    !grp[CTRL_ATTR_MCAST_GRP_NAME] || !grp[CTRL_ATTR_MCAST_GRP_ID])
			continue;
		if (!strcmp(nla_get_string(grp[CTRL_ATTR_MCAST_GRP_NAME]),
			    KHSM_MCGRP_AUDIT))
			*group = nla_get_u32(grp[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return 0;
}

static int group_reply(struct nl_msg *msg, void *arg)
{
	return khsm_audit_group_parse(msg, arg);
}

static int audit_group(struct khsm *h, uint32_t *group)
{
	struct nl_msg *msg;
	int ret;

	*group = 0;
	msg = khsm_nl_request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	if (!msg)
		return -ENOMEM;
	ret = nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, KHSM_GENL_NAME) ?
	      -EMSGSIZE : khsm_nl_transact(h, msg, group_reply, group);
	nlmsg_free(msg);
	if (!ret && !*group)
		ret = -EPROTO;
	return ret;
}

KHSM_API int khsm_audit_subscribe(struct khsm *h, int *fd)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, s, ret;
	uint32_t group;

	if (!fd)
		return -EINVAL;
	*fd = -1;
	ret = khsm_need_control(h);
	if (!ret)
		ret = audit_group(h, &group);
	if (ret)
		return ret;
	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
		   NETLINK_GENERIC);
	if (s < 0)
		return -errno;
	/* A big buffer: the module sends a burst when a ceremony runs. */
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &(int){ 1 << 20 }, sizeof(int));
	setsockopt(s, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(s, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
		       sizeof(group))) {
		ret = -errno;
		close(s);
		return ret;
	}
	*fd = s;
	return 0;
}

KHSM_API int khsm_audit_sub_read(int fd, khsm_audit_record_fn fn, void *arg)
{
	const size_t size = 65536;
	struct nlmsghdr *nlh;
	int len, ret = 0;
	uint8_t *buf;
	ssize_t n;

	if (fd < 0 || !fn)
		return -EINVAL;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	while (!ret) {
		n = recv(fd, buf, size, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				ret = -errno;
			break;
		}
		len = (int)n;
		for (nlh = (struct nlmsghdr *)buf; !ret && nlmsg_ok(nlh, len);
		     nlh = nlmsg_next(nlh, &len))
			if (nlh->nlmsg_type >= NLMSG_MIN_TYPE)
				ret = khsm_audit_record_msg(nlh, fn, arg);
	}
	free(buf);
	return ret;
}
