// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nlpol.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define ADATA(a)	((const unsigned char *)(a) + NLA_HDRLEN)
#define ALEN(a)		((int)(a)->nla_len - NLA_HDRLEN)
#define ATYPE(a)	((a)->nla_type & NLA_TYPE_MASK)

/* Attributes of [p, p + len) as the kernel walks them. */
#define for_each_attr(a, p, len, rem)					\
	for ((a) = (const struct nlattr *)(p), (rem) = (int)(len);	\
	     (rem) >= (int)NLA_HDRLEN && (a)->nla_len >= NLA_HDRLEN &&	\
	     (a)->nla_len <= (rem);					\
	     (rem) -= NLA_ALIGN((a)->nla_len),				\
	     (a) = (const struct nlattr *)((const char *)(a) +		\
					   NLA_ALIGN((a)->nla_len)))

static uint64_t get_u(const struct nlattr *a)
{
	uint64_t v = 0;

	switch (ALEN(a)) {
	case 1: v = *ADATA(a); break;
	case 2: { uint16_t x; memcpy(&x, ADATA(a), 2); v = x; break; }
	case 4: { uint32_t x; memcpy(&x, ADATA(a), 4); v = x; break; }
	case 8: memcpy(&v, ADATA(a), 8); break;
	}
	return v;
}

static int64_t get_s(const struct nlattr *a)
{
	switch (ALEN(a)) {
	case 1: return *(const int8_t *)ADATA(a);
	case 2: { int16_t x; memcpy(&x, ADATA(a), 2); return x; }
	case 4: { int32_t x; memcpy(&x, ADATA(a), 4); return x; }
	case 8: { int64_t x; memcpy(&x, ADATA(a), 8); return x; }
	}
	return 0;
}

int np_open(struct np_conn *c)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 3 };	/* the debug kernel is slow */
	int one = 1, bufsz = 1 << 20;

	memset(c, 0, sizeof(*c));
	c->miss_type = -1;
	c->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (c->fd < 0)
		return -errno;
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(c->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one,
		       sizeof(one)) < 0 ||
	    setsockopt(c->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one,
		       sizeof(one)) < 0 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz)) < 0) {
		int err = -errno;

		close(c->fd);
		c->fd = -1;
		return err;
	}
	return 0;
}

void np_close(struct np_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->data);
	c->data = NULL;
}

static void keep(struct np_conn *c, const struct nlmsghdr *nlh)
{
	size_t n = nlh->nlmsg_len - NLMSG_HDRLEN;

	c->nmsgs++;
	if (n < GENL_HDRLEN)
		return;
	n -= GENL_HDRLEN;
	if (c->data_len + n > c->data_cap) {
		size_t cap = (c->data_len + n) * 2;
		unsigned char *p = realloc(c->data, cap);

		if (!p)
			return;
		c->data = p;
		c->data_cap = cap;
	}
	memcpy(c->data + c->data_len,
	       (const unsigned char *)NLMSG_DATA(nlh) + GENL_HDRLEN, n);
	c->data_len += n;
}

/* The TLVs after an error (or NLMSG_DONE's int) starting at @off. */
static void parse_tlvs(struct np_conn *c, const struct nlmsghdr *nlh,
		       size_t off)
{
	const struct nlattr *a;
	int rem;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    NLMSG_HDRLEN + off > nlh->nlmsg_len)
		return;
	for_each_attr(a, (const char *)NLMSG_DATA(nlh) + off,
		      nlh->nlmsg_len - NLMSG_HDRLEN - off, rem) {
		if (ATYPE(a) == NLMSGERR_ATTR_MSG) {
			size_t n = ALEN(a);

			if (n >= sizeof(c->msg))
				n = sizeof(c->msg) - 1;
			memcpy(c->msg, ADATA(a), n);
			c->msg[n] = '\0';
		} else if (ATYPE(a) == NLMSGERR_ATTR_MISS_TYPE) {
			c->miss_type = (int)get_u(a);
		}
	}
}

/* Handles one message; returns 1 when it ends the exchange. */
static int one_msg(struct np_conn *c, const struct nlmsghdr *nlh, int *err)
{
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(nlh);
		size_t off = sizeof(*e);

		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(e->msg);
		parse_tlvs(c, nlh, off);
		*err = -e->error;
		return 1;
	}
	if (nlh->nlmsg_type == NLMSG_DONE) {
		int v = 0;

		if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
			memcpy(&v, NLMSG_DATA(nlh), sizeof(int));
		parse_tlvs(c, nlh, sizeof(int));
		*err = -v;
		return 1;
	}
	keep(c, nlh);
	return 0;
}

int np_xfer(struct np_conn *c, const void *msg, size_t len, uint32_t seq)
{
	static unsigned char buf[1 << 17];
	int err = 0;
	ssize_t n;

	c->msg[0] = '\0';
	c->miss_type = -1;
	c->answered = false;
	c->data_len = 0;
	c->nmsgs = 0;
	if (send(c->fd, msg, len, 0) < 0)
		return -errno;
	for (;;) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		for (; NLMSG_OK(nlh, (size_t)n); nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (one_msg(c, nlh, &err)) {
				c->answered = true;
				return err;
			}
		}
	}
}

int np_request(struct np_conn *c, uint8_t cmd, uint16_t nlflags,
	       uint16_t reserved, const void *attrs, size_t len)
{
	static unsigned char buf[1 << 18];
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = NLMSG_DATA(nlh);
	size_t total = NLMSG_HDRLEN + GENL_HDRLEN + len;

	if (total > sizeof(buf))
		return -ENOSPC;
	memset(buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_len = total;
	nlh->nlmsg_type = c->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | nlflags;
	nlh->nlmsg_seq = ++c->seq;
	g->cmd = cmd;
	g->version = 1;
	g->reserved = reserved;
	if (len)
		memcpy(buf + NLMSG_HDRLEN + GENL_HDRLEN, attrs, len);
	return np_xfer(c, buf, total, c->seq);
}

/* --- the policy dump --- */

static void parse_ops(struct np_family *f, const struct nlattr *ops)
{
	const struct nlattr *op, *a;
	int rem, rem2;

	for_each_attr(op, ADATA(ops), ALEN(ops), rem) {
		uint32_t id = 0, flags = 0;

		for_each_attr(a, ADATA(op), ALEN(op), rem2) {
			if (ATYPE(a) == CTRL_ATTR_OP_ID)
				id = (uint32_t)get_u(a);
			else if (ATYPE(a) == CTRL_ATTR_OP_FLAGS)
				flags = (uint32_t)get_u(a);
		}
		if (id < NP_MAX_CMD) {
			f->cmd[id].present = true;
			f->cmd[id].flags = flags;
		}
	}
}

static void parse_groups(struct np_family *f, const struct nlattr *groups)
{
	const struct nlattr *g, *a;
	int rem, rem2;

	for_each_attr(g, ADATA(groups), ALEN(groups), rem) {
		int i = f->ngroups;

		if (i >= 8)
			return;
		for_each_attr(a, ADATA(g), ALEN(g), rem2) {
			if (ATYPE(a) == CTRL_ATTR_MCAST_GRP_ID)
				f->group_id[i] = (uint32_t)get_u(a);
			else if (ATYPE(a) == CTRL_ATTR_MCAST_GRP_NAME)
				strncpy(f->group_name[i], (const char *)ADATA(a),
					sizeof(f->group_name[i]) - 1);
		}
		f->ngroups++;
	}
}

static void parse_pattr(struct np_attr *p, const struct nlattr *desc)
{
	const struct nlattr *a;
	int rem;

	p->present = true;
	p->nested = -1;
	for_each_attr(a, ADATA(desc), ALEN(desc), rem) {
		switch (ATYPE(a)) {
		case NL_POLICY_TYPE_ATTR_TYPE:
			p->type = (uint32_t)get_u(a);
			break;
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_S:
			p->has_s = true;
			p->min_s = get_s(a);
			break;
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_S:
			p->has_s = true;
			p->max_s = get_s(a);
			break;
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_U:
			p->has_u = true;
			p->min_u = get_u(a);
			break;
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_U:
			p->has_u = true;
			p->max_u = get_u(a);
			break;
		case NL_POLICY_TYPE_ATTR_MIN_LENGTH:
			p->has_min_len = true;
			p->min_len = get_u(a);
			break;
		case NL_POLICY_TYPE_ATTR_MAX_LENGTH:
			p->has_max_len = true;
			p->max_len = get_u(a);
			break;
		case NL_POLICY_TYPE_ATTR_POLICY_IDX:
			p->nested = (int)get_u(a);
			break;
		case NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE:
			p->nested_maxtype = (uint32_t)get_u(a);
			break;
		case NL_POLICY_TYPE_ATTR_MASK:
			p->has_mask = true;
			p->mask = get_u(a);
			break;
		}
	}
}

static void parse_policy(struct np_family *f, const struct nlattr *top)
{
	const struct nlattr *pol, *attr;
	int rem, rem2;

	for_each_attr(pol, ADATA(top), ALEN(top), rem) {
		uint32_t idx = ATYPE(pol);

		if (idx >= NP_MAX_POL)
			continue;
		f->pol[idx].present = true;
		for_each_attr(attr, ADATA(pol), ALEN(pol), rem2) {
			uint32_t t = ATYPE(attr);

			if (t >= NP_MAX_ATTR)
				continue;
			parse_pattr(&f->pol[idx].a[t], attr);
			if (t > f->pol[idx].maxtype)
				f->pol[idx].maxtype = t;
		}
	}
}

static void parse_op_policy(struct np_family *f, const struct nlattr *top)
{
	const struct nlattr *op, *a;
	int rem, rem2;

	for_each_attr(op, ADATA(top), ALEN(top), rem) {
		uint32_t cmd = ATYPE(op);

		if (cmd >= NP_MAX_CMD)
			continue;
		for_each_attr(a, ADATA(op), ALEN(op), rem2) {
			if (ATYPE(a) == CTRL_ATTR_POLICY_DO)
				f->cmd[cmd].do_pol = (int)get_u(a);
			else if (ATYPE(a) == CTRL_ATTR_POLICY_DUMP)
				f->cmd[cmd].dump_pol = (int)get_u(a);
		}
	}
}

/* Every kept payload of the last answer: a run of top-level attributes. */
static void parse_ctrl(struct np_conn *c, struct np_family *f)
{
	const struct nlattr *a;
	int rem;

	for_each_attr(a, c->data, c->data_len, rem) {
		switch (ATYPE(a)) {
		case CTRL_ATTR_FAMILY_ID:
			f->id = (uint16_t)get_u(a);
			break;
		case CTRL_ATTR_VERSION:
			f->version = (uint32_t)get_u(a);
			break;
		case CTRL_ATTR_HDRSIZE:
			f->hdrsize = (uint32_t)get_u(a);
			break;
		case CTRL_ATTR_MAXATTR:
			f->maxattr = (uint32_t)get_u(a);
			break;
		case CTRL_ATTR_OPS:
			parse_ops(f, a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			parse_groups(f, a);
			break;
		case CTRL_ATTR_POLICY:
			parse_policy(f, a);
			break;
		case CTRL_ATTR_OP_POLICY:
			parse_op_policy(f, a);
			break;
		}
	}
}

int np_learn(struct np_conn *c, const char *name, struct np_family *f)
{
	struct np_buf *b = calloc(1, sizeof(*b));
	uint16_t saved = c->family;
	int i, err;

	if (!b)
		return -ENOMEM;
	memset(f, 0, sizeof(*f));
	for (i = 0; i < NP_MAX_CMD; i++)
		f->cmd[i].do_pol = f->cmd[i].dump_pol = -1;
	c->family = GENL_ID_CTRL;
	np_put(b, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	err = np_request(c, CTRL_CMD_GETFAMILY, 0, 0, b->b, b->off);
	if (!err) {
		parse_ctrl(c, f);
		np_reset(b);
		np_put(b, CTRL_ATTR_FAMILY_ID, &f->id, 2);
		/*
		 * Dump messages are kept back to back, each a run of
		 * top-level attributes: parse_ctrl walks them as one.
		 */
		err = np_request(c, CTRL_CMD_GETPOLICY, NLM_F_DUMP, 0, b->b,
				 b->off);
		if (!err)
			parse_ctrl(c, f);
	}
	c->family = saved;
	free(b);
	if (err)
		return err > 0 ? -err : err;
	return f->id ? 0 : -ENOENT;
}

/* --- building attributes --- */

void np_reset(struct np_buf *b)
{
	b->off = 0;
	b->depth = 0;
}

void np_raw(struct np_buf *b, const void *d, size_t len)
{
	if (b->off + len > sizeof(b->b))
		abort();
	memcpy(b->b + b->off, d, len);
	b->off += len;
}

static void put_hdr(struct np_buf *b, uint16_t type, size_t len)
{
	struct nlattr nla = { .nla_len = (uint16_t)(NLA_HDRLEN + len),
			      .nla_type = type };

	np_raw(b, &nla, sizeof(nla));
}

static void pad(struct np_buf *b)
{
	static const unsigned char zero[4];

	np_raw(b, zero, NLA_ALIGN(b->off) - b->off);
}

void np_put(struct np_buf *b, uint16_t type, const void *d, size_t len)
{
	put_hdr(b, type, len);
	if (len)
		np_raw(b, d, len);
	pad(b);
}

void np_put_fill(struct np_buf *b, uint16_t type, int byte, size_t len)
{
	put_hdr(b, type, len);
	if (b->off + len > sizeof(b->b))
		abort();
	memset(b->b + b->off, byte, len);
	b->off += len;
	pad(b);
}

void np_nest(struct np_buf *b, uint16_t type)
{
	b->nest[b->depth++] = b->off;
	put_hdr(b, type, 0);
}

void np_end(struct np_buf *b)
{
	size_t start = b->nest[--b->depth];
	struct nlattr *nla = (struct nlattr *)(b->b + start);

	nla->nla_len = (uint16_t)(b->off - start);
}
