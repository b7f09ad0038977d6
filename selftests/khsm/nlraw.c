// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nlraw.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int nlraw_put(void *buf, size_t size, size_t *off, uint16_t type,
	      const void *data, size_t len)
{
	struct nlattr *nla = (struct nlattr *)((char *)buf + *off);
	size_t total = NLA_ALIGN(NLA_HDRLEN + len);

	if (*off + total > size || NLA_HDRLEN + len > 0xffff)
		return -ENOSPC;
	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)nla + NLA_HDRLEN, data, len);
	memset((char *)nla + NLA_HDRLEN + len, 0, total - NLA_HDRLEN - len);
	*off += total;
	return 0;
}

static void parse_extack(struct nlraw *nl, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err = NLMSG_DATA(nlh);
	size_t off = sizeof(*err);
	const struct nlattr *nla;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(err->msg);
	while (NLMSG_HDRLEN + off + NLA_HDRLEN <= nlh->nlmsg_len) {
		nla = (const struct nlattr *)((const char *)err + off);
		if (nla->nla_len < NLA_HDRLEN ||
		    NLMSG_HDRLEN + off + nla->nla_len > nlh->nlmsg_len)
			return;
		if ((nla->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			size_t n = nla->nla_len - NLA_HDRLEN;

			if (n >= sizeof(nl->extack))
				n = sizeof(nl->extack) - 1;
			memcpy(nl->extack, (const char *)nla + NLA_HDRLEN, n);
			nl->extack[n] = '\0';
		}
		off += NLA_ALIGN(nla->nla_len);
	}
}

/*
 * Reads replies to the last request until its ack or error: every request
 * asks for an ack, so one always ends the exchange.
 */
static int recv_answer(struct nlraw *nl)
{
	static unsigned char buf[65536];
	ssize_t n;

	nl->extack[0] = '\0';
	nl->reply_len = 0;
	for (;;) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

		n = recv(nl->fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		for (; NLMSG_OK(nlh, (size_t)n); nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != nl->seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				parse_extack(nl, nlh);
				return -e->error;
			}
			if (nlh->nlmsg_len <= sizeof(nl->reply)) {
				memcpy(nl->reply, nlh, nlh->nlmsg_len);
				nl->reply_len = nlh->nlmsg_len;
			}
		}
	}
}

int nlraw_request(struct nlraw *nl, uint8_t cmd, uint8_t version,
		  uint16_t reserved, const void *payload, size_t len)
{
	static unsigned char buf[70000];
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = NLMSG_DATA(nlh);
	size_t total = NLMSG_HDRLEN + GENL_HDRLEN + len;

	if (total > sizeof(buf))
		return -ENOSPC;
	memset(buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_len = total;
	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	g->cmd = cmd;
	g->version = version;
	g->reserved = reserved;
	if (len)
		memcpy(buf + NLMSG_HDRLEN + GENL_HDRLEN, payload, len);
	nl->sent = 0;
	if (send(nl->fd, buf, total, 0) < 0)
		return -errno;
	nl->sent = 1;
	return recv_answer(nl);
}

static int resolve_family(struct nlraw *nl, const char *name)
{
	unsigned char attrs[64];
	const struct nlattr *nla;
	size_t off = 0, pos;
	uint16_t saved = nl->family;
	int err;

	if (nlraw_put(attrs, sizeof(attrs), &off, CTRL_ATTR_FAMILY_NAME, name,
		      strlen(name) + 1))
		return -ENAMETOOLONG;
	nl->family = GENL_ID_CTRL;
	err = nlraw_request(nl, CTRL_CMD_GETFAMILY, 1, 0, attrs, off);
	nl->family = saved;
	if (err)
		return err > 0 ? -err : err;
	for (pos = NLMSG_HDRLEN + GENL_HDRLEN; pos + NLA_HDRLEN <= nl->reply_len;
	     pos += NLA_ALIGN(nla->nla_len)) {
		nla = (const struct nlattr *)(nl->reply + pos);
		if (nla->nla_len < NLA_HDRLEN)
			break;
		if (nla->nla_type == CTRL_ATTR_FAMILY_ID) {
			memcpy(&nl->family, (const char *)nla + NLA_HDRLEN, 2);
			return 0;
		}
	}
	return -ENOENT;
}

int nlraw_open(struct nlraw *nl, const char *family_name)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, err;

	memset(nl, 0, sizeof(*nl));
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		return -errno;
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one,
		       sizeof(one)) < 0 ||
	    setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one,
		       sizeof(one)) < 0) {
		err = -errno;
		goto err_close;
	}
	err = resolve_family(nl, family_name);
	if (err)
		goto err_close;
	return 0;

err_close:
	close(nl->fd);
	nl->fd = -1;
	return err;
}

void nlraw_close(struct nlraw *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}
