// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Extended-ack parsing. libnl 3.7 hands an error callback the struct
 * nlmsgerr and nothing else, and has no extack support of its own, so we
 * walk the TLVs that follow it ourselves. Kept free of libnl so the unit
 * tests can feed it crafted buffers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

void khsm_extack_clear(struct khsm_extack *ext)
{
	ext->msg[0] = '\0';
	ext->offset = -1;
}

/*
 * Where the TLVs start: after the nlmsgerr, and after the echo of our
 * request unless the kernel capped it (NETLINK_CAP_ACK). The echo is padded
 * to NLMSG_ALIGNTO (nlmsg_append() in the kernel). 0 if the header lies.
 */
static size_t tlv_start(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = (const void *)((const char *)nlh + NLMSG_HDRLEN);
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*e));

	if (nlh->nlmsg_flags & NLM_F_CAPPED)
		return off;
	if (e->msg.nlmsg_len < NLMSG_HDRLEN)
		return 0;
	off += NLMSG_ALIGN((size_t)e->msg.nlmsg_len - NLMSG_HDRLEN);
	return off <= nlh->nlmsg_len ? off : 0;
}

/* Copy a string attribute; the kernel NUL-terminates, but do not trust it. */
static void copy_msg(struct khsm_extack *ext, const char *s, size_t len)
{
	size_t n = strnlen(s, len);

	if (n >= sizeof(ext->msg))
		n = sizeof(ext->msg) - 1;
	memcpy(ext->msg, s, n);
	ext->msg[n] = '\0';
}

static int read_u32(const struct nlattr *a, uint32_t *v)
{
	if (a->nla_len < NLA_HDRLEN + sizeof(*v))
		return -EPROTO;
	memcpy(v, (const char *)a + NLA_HDRLEN, sizeof(*v));
	return 0;
}

static int parse_tlv(const struct nlattr *a, struct khsm_extack *ext,
		     uint32_t *miss_type)
{
	const char *data = (const char *)a + NLA_HDRLEN;
	uint32_t v;

	switch (a->nla_type & NLA_TYPE_MASK) {
	case NLMSGERR_ATTR_MSG:
		copy_msg(ext, data, a->nla_len - NLA_HDRLEN);
		return 0;
	case NLMSGERR_ATTR_OFFS:
		if (read_u32(a, &v) || v > INT32_MAX)
			return -EPROTO;
		ext->offset = (int)v;
		return 0;
	case NLMSGERR_ATTR_MISS_TYPE:
		return read_u32(a, miss_type);
	default:	/* cookie, policy, ...: nothing a caller needs */
		return 0;
	}
}

/*
 * Fill @ext from the NLMSG_ERROR (or ACK) @nlh, whose nlmsg_len bytes must
 * all be readable. Returns 0, or -EPROTO if the message is malformed; @ext
 * then keeps whatever was parsed before the damage.
 */
int khsm_extack_parse(const struct nlmsghdr *nlh, struct khsm_extack *ext)
{
	uint32_t miss_type = 0;
	size_t off, end;
	int ret = -EPROTO;

	khsm_extack_clear(ext);
	if (nlh->nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nlmsgerr)))
		goto out;
	ret = 0;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		goto out;

	ret = -EPROTO;
	off = tlv_start(nlh);
	if (!off)
		goto out;
	end = nlh->nlmsg_len;
	while (end - off >= NLA_HDRLEN) {
		const struct nlattr *a = (const void *)((const char *)nlh + off);

		if (a->nla_len < NLA_HDRLEN || a->nla_len > end - off)
			goto out;
		if (parse_tlv(a, ext, &miss_type))
			goto out;
		off += NLA_ALIGN(a->nla_len);
		if (off > end)	/* padding of the last attribute cut off */
			break;
	}
	ret = 0;
out:
	/* Policy checks may name only the missing attribute; say so. */
	if (!ext->msg[0] && miss_type)
		snprintf(ext->msg, sizeof(ext->msg), "missing attribute %u",
			 miss_type);
	return ret;
}
