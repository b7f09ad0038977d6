// SPDX-License-Identifier: GPL-2.0
/*
 * The khsm generic netlink family as a hostile client sees it: the strict
 * policy refuses every malformed request with EINVAL and says why in the
 * extended ack, and a good request still works afterwards.
 */
#include <errno.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/khsm.h>

#include "kselftest_harness.h"
#include "nlraw.h"

FIXTURE(nl) {
	struct nlraw nl;
	unsigned char attrs[70000];
	size_t off;
};

FIXTURE_SETUP(nl)
{
	int err = nlraw_open(&self->nl, KHSM_GENL_NAME);

	ASSERT_EQ(0, err) TH_LOG("resolve family %s: %s", KHSM_GENL_NAME,
				 strerror(-err));
	self->off = 0;
}

FIXTURE_TEARDOWN(nl)
{
	nlraw_close(&self->nl);
}

static int get_info(struct nlraw *nl, const void *attrs, size_t len)
{
	return nlraw_request(nl, KHSM_CMD_GET_INFO, KHSM_GENL_VERSION, 0,
			     attrs, len);
}

/* Finds attribute @type at the top of the reply or inside @nest (0: top). */
static const struct nlattr *reply_attr(const struct nlraw *nl, int nest,
				       int type)
{
	size_t pos = NLMSG_HDRLEN + GENL_HDRLEN, end = nl->reply_len;
	const struct nlattr *nla;

	while (pos + NLA_HDRLEN <= end) {
		nla = (const void *)(nl->reply + pos);
		if (nla->nla_len < NLA_HDRLEN || pos + nla->nla_len > end)
			return NULL;
		if ((nla->nla_type & NLA_TYPE_MASK) == (nest ?: type)) {
			if (!nest)
				return nla;
			end = pos + nla->nla_len;
			pos += NLA_HDRLEN;
			nest = 0;
			continue;
		}
		pos += NLA_ALIGN(nla->nla_len);
	}
	return NULL;
}

#define EXPECT_REFUSED(_nl, _err, _call) do {				\
	EXPECT_EQ(_err, _call);						\
	EXPECT_NE(0, (_nl)->extack[0])					\
		TH_LOG("no extack message with errno %d", _err);	\
	TH_LOG("extack: %s", (_nl)->extack);				\
} while (0)

TEST_F(nl, get_info_works)
{
	const struct nlattr *a;
	__u32 v;

	ASSERT_EQ(0, get_info(&self->nl, NULL, 0));
	a = reply_attr(&self->nl, KHSM_A_INFO, KHSM_A_INFO_ABI_VERSION);
	ASSERT_NE(NULL, a);
	memcpy(&v, (const char *)a + NLA_HDRLEN, 4);
	EXPECT_EQ(KHSM_ABI_VERSION, v);
	a = reply_attr(&self->nl, KHSM_A_INFO, KHSM_A_INFO_SELFTEST_STATE);
	ASSERT_NE(NULL, a);
	memcpy(&v, (const char *)a + NLA_HDRLEN, 4);
	EXPECT_EQ(KHSM_SELFTEST_PASSED, v);
	EXPECT_NE(NULL, reply_attr(&self->nl, KHSM_A_INFO,
				   KHSM_A_INFO_MODULE_VERSION));
	/* Nothing to explain when the self-test passed. */
	EXPECT_EQ(NULL, reply_attr(&self->nl, KHSM_A_INFO,
				   KHSM_A_INFO_SELFTEST_REASON));
}

TEST_F(nl, get_info_sections)
{
	__u32 sections = KHSM_INFO_F_WORLD;

	ASSERT_EQ(0, nlraw_put(self->attrs, sizeof(self->attrs), &self->off,
			       KHSM_A_INFO_SECTIONS, &sections, 4));
	ASSERT_EQ(0, get_info(&self->nl, self->attrs, self->off));
	EXPECT_NE(NULL, reply_attr(&self->nl, KHSM_A_INFO,
				   KHSM_A_INFO_WORLD_STATE));
	EXPECT_EQ(NULL, reply_attr(&self->nl, KHSM_A_INFO,
				   KHSM_A_INFO_ABI_VERSION));
}

TEST_F(nl, unknown_attribute)
{
	__u32 v = 0;

	nlraw_put(self->attrs, sizeof(self->attrs), &self->off, KHSM_A_MAX + 1,
		  &v, 4);
	EXPECT_REFUSED(&self->nl, EINVAL,
		       get_info(&self->nl, self->attrs, self->off));
	self->off = 0;
	nlraw_put(self->attrs, sizeof(self->attrs), &self->off, 200, &v, 4);
	EXPECT_REFUSED(&self->nl, EINVAL,
		       get_info(&self->nl, self->attrs, self->off));
}

TEST_F(nl, attribute_not_for_this_command)
{
	__u32 v = 0;

	/* KHSM_A_INFO is a reply attribute: a request must not carry it. */
	nlraw_put(self->attrs, sizeof(self->attrs), &self->off, KHSM_A_INFO,
		  &v, 4);
	EXPECT_REFUSED(&self->nl, EINVAL,
		       get_info(&self->nl, self->attrs, self->off));
}

TEST_F(nl, wrong_type)
{
	__u8 one = 1;
	__u64 eight = 1;

	nlraw_put(self->attrs, sizeof(self->attrs), &self->off,
		  KHSM_A_INFO_SECTIONS, &one, 1);
	EXPECT_REFUSED(&self->nl, EINVAL,
		       get_info(&self->nl, self->attrs, self->off));
	self->off = 0;
	nlraw_put(self->attrs, sizeof(self->attrs), &self->off,
		  KHSM_A_INFO_SECTIONS, &eight, 8);
	EXPECT_REFUSED(&self->nl, EINVAL,
		       get_info(&self->nl, self->attrs, self->off));
}

TEST_F(nl, empty_attribute)
{
	nlraw_put(self->attrs, sizeof(self->attrs), &self->off,
		  KHSM_A_INFO_SECTIONS, NULL, 0);
	EXPECT_REFUSED(&self->nl, EINVAL,
		       get_info(&self->nl, self->attrs, self->off));
}

TEST_F(nl, oversized_attribute)
{
	static unsigned char big[65000];

	ASSERT_EQ(0, nlraw_put(self->attrs, sizeof(self->attrs), &self->off,
			       KHSM_A_INFO_SECTIONS, big, sizeof(big)));
	EXPECT_REFUSED(&self->nl, EINVAL,
		       get_info(&self->nl, self->attrs, self->off));
}

TEST_F(nl, value_out_of_range)
{
	__u32 sections = KHSM_INFO_F__ALL + 1;

	nlraw_put(self->attrs, sizeof(self->attrs), &self->off,
		  KHSM_A_INFO_SECTIONS, &sections, 4);
	EXPECT_REFUSED(&self->nl, EINVAL,
		       get_info(&self->nl, self->attrs, self->off));
}

TEST_F(nl, trailing_garbage)
{
	static const unsigned char garbage[3] = { 1, 2, 3 };

	EXPECT_REFUSED(&self->nl, EINVAL,
		       get_info(&self->nl, garbage, sizeof(garbage)));
}

TEST_F(nl, truncated_attribute_header)
{
	struct nlattr bad = { .nla_len = 200, .nla_type = KHSM_A_INFO_SECTIONS };

	EXPECT_REFUSED(&self->nl, EINVAL,
		       get_info(&self->nl, &bad, sizeof(bad)));
}

TEST_F(nl, reserved_header_field)
{
	EXPECT_REFUSED(&self->nl, EINVAL,
		       nlraw_request(&self->nl, KHSM_CMD_GET_INFO,
				     KHSM_GENL_VERSION, 1, NULL, 0));
}

TEST_F(nl, unknown_command)
{
	EXPECT_EQ(EOPNOTSUPP, nlraw_request(&self->nl, KHSM_CMD_MAX + 1,
					    KHSM_GENL_VERSION, 0, NULL, 0));
	EXPECT_EQ(EOPNOTSUPP, nlraw_request(&self->nl, 255,
					    KHSM_GENL_VERSION, 0, NULL, 0));
}

TEST_F(nl, good_request_after_bad_ones)
{
	static const unsigned char garbage[3] = { 1, 2, 3 };

	get_info(&self->nl, garbage, sizeof(garbage));
	EXPECT_EQ(0, get_info(&self->nl, NULL, 0));
	EXPECT_EQ(0, self->nl.extack[0]);
}

TEST_HARNESS_MAIN
