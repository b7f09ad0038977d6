// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the fuzzer knows of the family it learns from the kernel, not from
 * the header: the family id, its commands and their flags
 * (CTRL_CMD_GETFAMILY), and the attribute policy of every command,
 * nested policies included (CTRL_CMD_GETPOLICY): types, ranges, masks,
 * lengths. A command or attribute the module grows later is fuzzed
 * without a change here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "fz.h"

struct fz_family fam;

/* Attributes of [p, p + len), as the kernel lays them out. */
#define for_each_attr(a, p, len, rem)					\
	for ((a) = (const struct nlattr *)(p), (rem) = (int)(len);	\
	     (rem) >= (int)NLA_HDRLEN && (a)->nla_len >= NLA_HDRLEN &&	\
	     (a)->nla_len <= (rem);					\
	     (rem) -= NLA_ALIGN((a)->nla_len),				\
	     (a) = (const struct nlattr *)((const char *)(a) +		\
					   NLA_ALIGN((a)->nla_len)))

#define ADATA(a)	((const void *)((const char *)(a) + NLA_HDRLEN))
#define ALEN(a)		((int)(a)->nla_len - NLA_HDRLEN)
#define ATYPE(a)	((a)->nla_type & NLA_TYPE_MASK)

static uint64_t get_uint(const struct nlattr *a)
{
	uint64_t v = 0;

	switch (ALEN(a)) {
	case 1: v = *(const uint8_t *)ADATA(a); break;
	case 2: v = *(const uint16_t *)ADATA(a); break;
	case 4: v = *(const uint32_t *)ADATA(a); break;
	case 8: memcpy(&v, ADATA(a), 8); break;
	}
	return v;
}

static int64_t get_sint(const struct nlattr *a)
{
	switch (ALEN(a)) {
	case 1: return *(const int8_t *)ADATA(a);
	case 2: return *(const int16_t *)ADATA(a);
	case 4: return *(const int32_t *)ADATA(a);
	case 8: { int64_t v; memcpy(&v, ADATA(a), 8); return v; }
	}
	return 0;
}

static int ctrl_send(int fd, uint8_t cmd, uint16_t flags, uint32_t seq)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		struct nlattr a;
		char name[8];
	} req;

	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = sizeof(req);
	req.n.nlmsg_type = GENL_ID_CTRL;
	req.n.nlmsg_flags = NLM_F_REQUEST | flags;
	req.n.nlmsg_seq = seq;
	req.g.cmd = cmd;
	req.g.version = 1;
	req.a.nla_type = CTRL_ATTR_FAMILY_NAME;
	req.a.nla_len = NLA_HDRLEN + sizeof(KHSM_GENL_NAME);
	memcpy(req.name, KHSM_GENL_NAME, sizeof(KHSM_GENL_NAME));
	return send(fd, &req, sizeof(req), 0) < 0 ? -errno : 0;
}

static void parse_ops(const struct nlattr *ops)
{
	const struct nlattr *op, *a;
	int rem, rem2;

	for_each_attr(op, ADATA(ops), ALEN(ops), rem) {
		uint32_t id = 0, flags = 0;

		for_each_attr(a, ADATA(op), ALEN(op), rem2) {
			if (ATYPE(a) == CTRL_ATTR_OP_ID)
				id = (uint32_t)get_uint(a);
			else if (ATYPE(a) == CTRL_ATTR_OP_FLAGS)
				flags = (uint32_t)get_uint(a);
		}
		if (id && id < FZ_MAX_CMD) {
			fam.cmd[id].present = true;
			fam.cmd[id].flags = flags;
		}
	}
}

static void parse_groups(const struct nlattr *groups)
{
	const struct nlattr *g, *a;
	int rem, rem2;

	for_each_attr(g, ADATA(groups), ALEN(groups), rem) {
		uint32_t id = 0;
		bool audit = false;

		for_each_attr(a, ADATA(g), ALEN(g), rem2) {
			if (ATYPE(a) == CTRL_ATTR_MCAST_GRP_ID)
				id = (uint32_t)get_uint(a);
			else if (ATYPE(a) == CTRL_ATTR_MCAST_GRP_NAME)
				audit = !strncmp(ADATA(a), KHSM_MCGRP_AUDIT,
						 ALEN(a));
		}
		if (audit)
			fam.audit_group = id;
	}
}

/* One attribute's description inside CTRL_ATTR_POLICY. */
static void parse_pattr(struct fz_pattr *p, const struct nlattr *desc)
{
	const struct nlattr *a;
	int rem;

	p->present = true;
	p->nested = -1;
	for_each_attr(a, ADATA(desc), ALEN(desc), rem) {
		switch (ATYPE(a)) {
		case NL_POLICY_TYPE_ATTR_TYPE:
			p->type = (uint32_t)get_uint(a);
			break;
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_S:
			p->has_s = true;
			p->min_s = get_sint(a);
			break;
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_S:
			p->has_s = true;
			p->max_s = get_sint(a);
			break;
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_U:
			p->has_u = true;
			p->min_u = get_uint(a);
			break;
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_U:
			p->has_u = true;
			p->max_u = get_uint(a);
			break;
		case NL_POLICY_TYPE_ATTR_MIN_LENGTH:
			p->has_len = true;
			p->min_len = (uint32_t)get_uint(a);
			break;
		case NL_POLICY_TYPE_ATTR_MAX_LENGTH:
			p->has_len = true;
			p->max_len = (uint32_t)get_uint(a);
			break;
		case NL_POLICY_TYPE_ATTR_POLICY_IDX:
			p->nested = (int)get_uint(a);
			break;
		case NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE:
			p->nested_maxtype = (uint32_t)get_uint(a);
			break;
		case NL_POLICY_TYPE_ATTR_MASK:
			p->has_mask = true;
			p->mask = get_uint(a);
			break;
		}
	}
}

static void parse_policy(const struct nlattr *top)
{
	const struct nlattr *pol, *attr;
	int rem, rem2;

	for_each_attr(pol, ADATA(top), ALEN(top), rem) {
		uint32_t idx = ATYPE(pol);

		if (idx >= FZ_MAX_POL)
			continue;
		fam.pol[idx].present = true;
		for_each_attr(attr, ADATA(pol), ALEN(pol), rem2) {
			uint32_t t = ATYPE(attr);

			if (t >= FZ_MAX_ATTR)
				continue;
			parse_pattr(&fam.pol[idx].a[t], attr);
			if (t > fam.pol[idx].maxtype)
				fam.pol[idx].maxtype = t;
		}
	}
}

static void parse_op_policy(const struct nlattr *top)
{
	const struct nlattr *op, *a;
	int rem, rem2;

	for_each_attr(op, ADATA(top), ALEN(top), rem) {
		uint32_t cmd = ATYPE(op);

		if (cmd >= FZ_MAX_CMD)
			continue;
		for_each_attr(a, ADATA(op), ALEN(op), rem2) {
			if (ATYPE(a) == CTRL_ATTR_POLICY_DO)
				fam.cmd[cmd].do_policy = (int)get_uint(a);
			else if (ATYPE(a) == CTRL_ATTR_POLICY_DUMP)
				fam.cmd[cmd].dump_policy = (int)get_uint(a);
		}
	}
}

static void parse_ctrl_msg(const struct nlmsghdr *nlh)
{
	const struct nlattr *a;
	int rem;

	for_each_attr(a, (const char *)NLMSG_DATA(nlh) + GENL_HDRLEN,
		      nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, rem) {
		switch (ATYPE(a)) {
		case CTRL_ATTR_FAMILY_ID:
			fam.id = (uint16_t)get_uint(a);
			break;
		case CTRL_ATTR_VERSION:
			fam.version = (uint32_t)get_uint(a);
			break;
		case CTRL_ATTR_MAXATTR:
			fam.maxattr = (uint32_t)get_uint(a);
			break;
		case CTRL_ATTR_OPS:
			parse_ops(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			parse_groups(a);
			break;
		case CTRL_ATTR_POLICY:
			parse_policy(a);
			break;
		case CTRL_ATTR_OP_POLICY:
			parse_op_policy(a);
			break;
		}
	}
}

/* Reads until the ack, the error or NLMSG_DONE of request @seq. */
static int ctrl_recv(int fd, uint32_t seq)
{
	static uint8_t buf[65536];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nlh;

		if (n < 0)
			return -errno;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nlh->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
			if (nlh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN)
				parse_ctrl_msg(nlh);
		}
	}
}

int fz_learn(void)
{
	int fd = nl_socket_open(), err, i;

	if (fd < 0)
		return fd;
	memset(&fam, 0, sizeof(fam));
	for (i = 0; i < FZ_MAX_CMD; i++)
		fam.cmd[i].do_policy = fam.cmd[i].dump_policy = -1;
	err = ctrl_send(fd, CTRL_CMD_GETFAMILY, NLM_F_ACK, 1);
	if (!err)
		err = ctrl_recv(fd, 1);
	if (!err && !fam.id)
		err = -ENOENT;
	if (!err)
		err = ctrl_send(fd, CTRL_CMD_GETPOLICY, NLM_F_DUMP, 2);
	if (!err)
		err = ctrl_recv(fd, 2);
	close(fd);
	return err;
}

const struct fz_policy *fz_cmd_policy(uint8_t cmd)
{
	int p = cmd < FZ_MAX_CMD ? fam.cmd[cmd].do_policy : -1;

	return p >= 0 && p < FZ_MAX_POL && fam.pol[p].present ? &fam.pol[p] :
	       NULL;
}

const struct fz_pattr *fz_attr(const struct fz_policy *pol, uint32_t type)
{
	if (!pol || type >= FZ_MAX_ATTR || !pol->a[type].present)
		return NULL;
	return &pol->a[type];
}

static const char *type_name(uint32_t t)
{
	static const char *const names[] = {
		"invalid", "flag", "u8", "u16", "u32", "u64", "s8", "s16",
		"s32", "s64", "binary", "string", "nul-string", "nested",
		"nested-array", "bitfield32", "sint", "uint",
	};

	return t < ARRAY_SIZE(names) ? names[t] : "?";
}

void fz_print_family(void)
{
	unsigned int c, p, a, ncmd = 0, npol = 0, nattr = 0;

	for (c = 0; c < FZ_MAX_CMD; c++)
		ncmd += fam.cmd[c].present;
	for (p = 0; p < FZ_MAX_POL; p++) {
		npol += fam.pol[p].present;
		for (a = 0; a < FZ_MAX_ATTR; a++)
			nattr += fam.pol[p].a[a].present;
	}
	fprintf(stderr, "khsm-fuzz: family %u version %u maxattr %u: %u commands, %u policies, %u attributes, audit group %u\n",
		fam.id, fam.version, fam.maxattr, ncmd, npol, nattr,
		fam.audit_group);
	if (!opt.verbose)
		return;
	for (c = 0; c < FZ_MAX_CMD; c++) {
		if (!fam.cmd[c].present)
			continue;
		fprintf(stderr, "  cmd %2u %-16s flags 0x%02x do-policy %d\n", c,
			cmd_name(c), fam.cmd[c].flags, fam.cmd[c].do_policy);
	}
	for (p = 0; p < FZ_MAX_POL; p++) {
		if (!fam.pol[p].present)
			continue;
		fprintf(stderr, "  policy %u (maxtype %u)\n", p,
			fam.pol[p].maxtype);
		for (a = 0; a < FZ_MAX_ATTR; a++) {
			const struct fz_pattr *x = &fam.pol[p].a[a];

			if (!x->present)
				continue;
			fprintf(stderr, "    %2u %-12s", a, type_name(x->type));
			if (x->has_u)
				fprintf(stderr, " u %llu..%llu",
					(unsigned long long)x->min_u,
					(unsigned long long)x->max_u);
			if (x->has_s)
				fprintf(stderr, " s %lld..%lld",
					(long long)x->min_s, (long long)x->max_s);
			if (x->has_len)
				fprintf(stderr, " len %u..%u", x->min_len,
					x->max_len);
			if (x->has_mask)
				fprintf(stderr, " mask 0x%llx",
					(unsigned long long)x->mask);
			if (x->nested >= 0)
				fprintf(stderr, " -> policy %d", x->nested);
			fputc('\n', stderr);
		}
	}
}
