// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsm_extack_parse() on NLMSG_ERROR messages built by hand, each handed
 * over in a heap buffer of exactly nlmsg_len bytes so that AddressSanitizer
 * catches any read past the end.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "unit.h"

struct msgbuf {
	union {
		struct nlmsghdr nlh;
		unsigned char b[2048];
	} u;
	size_t len;
};

static void put(struct msgbuf *m, const void *data, size_t len)
{
	memcpy(m->u.b + m->len, data, len);
	memset(m->u.b + m->len + len, 0, NLMSG_ALIGN(len) - len);
	m->len += NLMSG_ALIGN(len);
}

/*
 * Header and nlmsgerr of an error for a request whose payload was @plen
 * bytes; the echo of that payload, if any, is put() next.
 */
static void init_error(struct msgbuf *m, int error, uint16_t flags,
		       size_t plen)
{
	struct nlmsgerr e = {
		.error = error,
		.msg = {
			.nlmsg_len = NLMSG_HDRLEN + plen,
			.nlmsg_type = 0x20,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
			.nlmsg_seq = 42,
		},
	};
	struct nlmsghdr nlh = {
		.nlmsg_type = NLMSG_ERROR,
		.nlmsg_flags = flags,
		.nlmsg_seq = 42,
	};

	m->len = 0;
	put(m, &nlh, sizeof(nlh));
	put(m, &e, sizeof(e));
}

static void put_attr(struct msgbuf *m, uint16_t type, const void *data,
		     size_t len)
{
	struct nlattr a = { .nla_len = NLA_HDRLEN + len, .nla_type = type };

	put(m, &a, sizeof(a));
	memcpy(m->u.b + m->len, data, len);
	memset(m->u.b + m->len + len, 0, NLA_ALIGN(len) - len);
	m->len += NLA_ALIGN(len);
}

static void put_str(struct msgbuf *m, uint16_t type, const char *s)
{
	put_attr(m, type, s, strlen(s) + 1);
}

static void put_u32(struct msgbuf *m, uint16_t type, uint32_t v)
{
	put_attr(m, type, &v, sizeof(v));
}

/* An exact-size copy; @len 0 means the whole buffer. */
static struct nlmsghdr *finish(struct msgbuf *m, size_t len)
{
	struct nlmsghdr *nlh;

	if (!len)
		len = m->len;
	m->u.nlh.nlmsg_len = len;
	nlh = malloc(len);
	if (nlh)
		memcpy(nlh, m->u.b, len);
	return nlh;
}

static int parse(struct msgbuf *m, size_t len, struct khsm_extack *ext)
{
	struct nlmsghdr *nlh = finish(m, len);
	int ret;

	if (!nlh)
		return -ENOMEM;
	ret = khsm_extack_parse(nlh, ext);
	free(nlh);
	return ret;
}

static void capped_message_and_offset(void)
{
	struct khsm_extack ext;
	struct msgbuf m;

	init_error(&m, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 8);
	put_str(&m, NLMSGERR_ATTR_MSG, "Attribute failed policy validation");
	put_u32(&m, NLMSGERR_ATTR_OFFS, 20);
	CHECK_INT(parse(&m, 0, &ext), 0);
	CHECK_STR(ext.msg, "Attribute failed policy validation");
	CHECK_INT(ext.offset, 20);
}

/* Without NETLINK_CAP_ACK the request comes back first, padded. */
static void uncapped_echo_is_skipped(void)
{
	struct khsm_extack ext;
	struct msgbuf m;

	init_error(&m, -EPERM, NLM_F_ACK_TLVS, 5);
	put(&m, "\x01\x02\x03\x04\x05", 5);
	put_str(&m, NLMSGERR_ATTR_MSG, "hello");
	CHECK_INT(parse(&m, 0, &ext), 0);
	CHECK_STR(ext.msg, "hello");
	CHECK_INT(ext.offset, -1);
}

static void no_tlv_flag_means_no_tlvs(void)
{
	struct khsm_extack ext;
	struct msgbuf m;

	init_error(&m, -EINVAL, NLM_F_CAPPED, 0);
	put_str(&m, NLMSGERR_ATTR_MSG, "not for us");
	CHECK_INT(parse(&m, 0, &ext), 0);
	CHECK_STR(ext.msg, "");
	CHECK_INT(ext.offset, -1);
}

static void attribute_past_the_end(void)
{
	struct khsm_extack ext;
	struct msgbuf m;
	struct nlattr a = { .nla_len = 200, .nla_type = NLMSGERR_ATTR_MSG };

	init_error(&m, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0);
	put_u32(&m, NLMSGERR_ATTR_OFFS, 24);
	put(&m, &a, sizeof(a));
	put(&m, "abcd", 4);
	CHECK_INT(parse(&m, 0, &ext), -EPROTO);
	CHECK_STR(ext.msg, "");
	CHECK_INT(ext.offset, 24);	/* what came before the damage */
}

static void unterminated_message(void)
{
	struct khsm_extack ext;
	struct msgbuf m;

	init_error(&m, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0);
	put_attr(&m, NLMSGERR_ATTR_MSG, "abcd", 4);
	CHECK_INT(parse(&m, 0, &ext), 0);
	CHECK_STR(ext.msg, "abcd");
}

static void long_message_truncated(void)
{
	struct khsm_extack ext;
	struct msgbuf m;
	char s[400];

	memset(s, 'x', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	init_error(&m, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0);
	put_str(&m, NLMSGERR_ATTR_MSG, s);
	CHECK_INT(parse(&m, 0, &ext), 0);
	CHECK_INT(strlen(ext.msg), sizeof(ext.msg) - 1);
}

static void missing_attribute_without_text(void)
{
	struct khsm_extack ext;
	struct msgbuf m;

	init_error(&m, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0);
	put_u32(&m, NLMSGERR_ATTR_MISS_TYPE, 7);
	CHECK_INT(parse(&m, 0, &ext), 0);
	CHECK_STR(ext.msg, "missing attribute 7");

	init_error(&m, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0);
	put_u32(&m, NLMSGERR_ATTR_MISS_TYPE, 7);
	put_str(&m, NLMSGERR_ATTR_MSG, "Missing attribute");
	CHECK_INT(parse(&m, 0, &ext), 0);
	CHECK_STR(ext.msg, "Missing attribute");
}

static void unknown_tlvs_skipped(void)
{
	struct khsm_extack ext;
	struct msgbuf m;

	init_error(&m, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0);
	put_attr(&m, NLMSGERR_ATTR_COOKIE, "\x01\x02\x03", 3);
	put_attr(&m, NLMSGERR_ATTR_POLICY | NLA_F_NESTED, "\x04\x00\x01\x00", 4);
	put_attr(&m, 99, "", 0);
	put_str(&m, NLMSGERR_ATTR_MSG, "after the rest");
	CHECK_INT(parse(&m, 0, &ext), 0);
	CHECK_STR(ext.msg, "after the rest");
}

/* A last attribute without its padding is still whole. */
static void last_padding_cut_off(void)
{
	struct khsm_extack ext;
	struct msgbuf m;
	size_t len;

	init_error(&m, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0);
	len = m.len + NLA_HDRLEN + 6;
	put_str(&m, NLMSGERR_ATTR_MSG, "abcde");
	CHECK_INT(parse(&m, len, &ext), 0);
	CHECK_STR(ext.msg, "abcde");
}

static void malformed_headers(void)
{
	struct khsm_extack ext;
	struct msgbuf m;

	/* Too short for a struct nlmsgerr. */
	init_error(&m, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0);
	CHECK_INT(parse(&m, NLMSG_HDRLEN + 8, &ext), -EPROTO);

	/* An echo longer than the message. */
	init_error(&m, -EINVAL, NLM_F_ACK_TLVS, 4000);
	put_str(&m, NLMSGERR_ATTR_MSG, "lost");
	CHECK_INT(parse(&m, 0, &ext), -EPROTO);
	CHECK_STR(ext.msg, "");

	/* An echoed header shorter than a header. */
	init_error(&m, -EINVAL, NLM_F_ACK_TLVS, 0);
	((struct nlmsgerr *)(m.u.b + NLMSG_HDRLEN))->msg.nlmsg_len = 3;
	put_str(&m, NLMSGERR_ATTR_MSG, "lost");
	CHECK_INT(parse(&m, 0, &ext), -EPROTO);

	/* An offset attribute too short for its u32. */
	init_error(&m, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0);
	put_attr(&m, NLMSGERR_ATTR_OFFS, "\x01\x02", 2);
	CHECK_INT(parse(&m, 0, &ext), -EPROTO);
	CHECK_INT(ext.offset, -1);

	/* An attribute length below its own header. */
	init_error(&m, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0);
	put_attr(&m, NLMSGERR_ATTR_MSG, "abcd", 4);
	((struct nlattr *)(m.u.b + m.len - 8))->nla_len = 2;
	CHECK_INT(parse(&m, 0, &ext), -EPROTO);
}

/* A success ACK may carry TLVs (warnings); they parse the same way. */
static void ack_with_warning(void)
{
	struct khsm_extack ext;
	struct msgbuf m;

	init_error(&m, 0, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0);
	put_str(&m, NLMSGERR_ATTR_MSG, "deprecated attribute");
	CHECK_INT(parse(&m, 0, &ext), 0);
	CHECK_STR(ext.msg, "deprecated attribute");
}

static const struct unit_test tests[] = {
	{ "capped message and offset", capped_message_and_offset },
	{ "uncapped echo is skipped", uncapped_echo_is_skipped },
	{ "no NLM_F_ACK_TLVS, no TLVs", no_tlv_flag_means_no_tlvs },
	{ "attribute past the end", attribute_past_the_end },
	{ "unterminated message", unterminated_message },
	{ "long message truncated", long_message_truncated },
	{ "missing attribute without text", missing_attribute_without_text },
	{ "unknown TLVs skipped", unknown_tlvs_skipped },
	{ "last padding cut off", last_padding_cut_off },
	{ "malformed headers", malformed_headers },
	{ "ACK with a warning", ack_with_warning },
};

UNIT_SUITE(extack, tests);
