// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Card set records: set names, the text written and read back, and what
 * the parser refuses (every refusal names its line).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "unit.h"

static void sample(struct khsm_cardset_record *r)
{
	memset(r, 0, sizeof(*r));
	memset(r->set_id, 0xa5, sizeof(r->set_id));
	memset(r->world_id, 0x11, sizeof(r->world_id));
	r->type = KHSM_SET_OCS;
	r->k = 2;
	r->n = 3;
	r->persistent = 1;
	r->recovery = 1;
	r->timeout = 300;
	r->created = 1732380000;
	strcpy(r->name, "payments-2025");
	strcpy(r->card_names[0], "alice = A #1");	/* '=' and '#' kept */
	strcpy(r->card_names[1], " bob ");		/* and blanks */
	strcpy(r->holders[0], "Alice A. (CISO)");
}

static char *format(const struct khsm_cardset_record *r, int *ret)
{
	char *text = NULL;
	size_t size;
	FILE *f = open_memstream(&text, &size);

	if (!f) {
		*ret = -ENOMEM;
		return NULL;
	}
	*ret = khsm_cardset_record_format(r, f);
	fclose(f);
	return text;
}

static void names(void)
{
	char long_name[KHSM_NAME_MAX + 1];

	CHECK(khsm_cardset_name_valid("web"));
	CHECK(khsm_cardset_name_valid("CA_root.2025-a"));
	CHECK(!khsm_cardset_name_valid(""));
	CHECK(!khsm_cardset_name_valid(NULL));
	CHECK(!khsm_cardset_name_valid(".hidden"));
	CHECK(!khsm_cardset_name_valid("-rf"));
	CHECK(!khsm_cardset_name_valid("a/b"));
	CHECK(!khsm_cardset_name_valid("two words"));
	CHECK(!khsm_cardset_name_valid("caf\xc3\xa9"));
	memset(long_name, 'a', sizeof(long_name));
	long_name[KHSM_NAME_MAX - 1] = '\0';
	CHECK(khsm_cardset_name_valid(long_name));
	long_name[KHSM_NAME_MAX - 1] = 'a';
	long_name[KHSM_NAME_MAX] = '\0';
	CHECK(!khsm_cardset_name_valid(long_name));
}

static void round_trip(void)
{
	struct khsm_cardset_record r, back;
	char err[128];
	char *text;
	int ret;

	sample(&r);
	text = format(&r, &ret);
	CHECK_INT(ret, 0);
	if (!text)
		return;
	CHECK(strstr(text, "\nformat = 1\nname = payments-2025\ntype = ocs\n"));
	CHECK(strstr(text, "\nset-id = a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5\n"));
	CHECK(strstr(text, "\nquorum = 2/3\npersistent = yes\ntimeout = 300\n"
		     "recovery = on\npassphrase-recovery = off\n"
		     "created = 1732380000\n"));
	CHECK(strstr(text, "\ncard.1 = alice = A #1\nholder.1 = Alice A. (CISO)\n"
		     "card.2 =  bob \n"));
	CHECK(!strstr(text, "card.3"));
	CHECK_INT(khsm_cardset_record_parse(text, &back, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK(!memcmp(&r, &back, sizeof(r)));
	free(text);

	/* A softcard, and text a person tidied: no space, CR-free, reordered. */
	CHECK_INT(khsm_cardset_record_parse(
		"# edited\n  created=5\ntype=softcard\nname=web\nformat=1\n"
		"set-id=A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5\n"
		"world-id = 00000000000000000000000000000000\nquorum = 1 / 1\n"
		"persistent = yes\ntimeout = 0\nrecovery = off\n"
		"passphrase-recovery = off\nfuture.key = whatever\n",
		&back, err, sizeof(err)), 0);
	CHECK_INT(back.type, KHSM_SET_SOFTCARD);
	CHECK_INT(back.set_id[15], 0xa5);
	CHECK_INT(back.created, 5);
	CHECK_INT(back.n, 1);
}

static void format_refusals(void)
{
	struct khsm_cardset_record r;
	char *text;
	int ret;

	sample(&r);
	strcpy(r.name, "no spaces allowed");
	free(format(&r, &ret));
	CHECK_INT(ret, -EINVAL);
	sample(&r);
	strcpy(r.card_names[1], "tab\there");
	free(format(&r, &ret));
	CHECK_INT(ret, -EINVAL);
	sample(&r);
	strcpy(r.card_names[3], "beyond N");
	free(format(&r, &ret));
	CHECK_INT(ret, -EINVAL);
	sample(&r);
	r.k = 4;
	free(format(&r, &ret));
	CHECK_INT(ret, -EINVAL);
	sample(&r);
	r.type = KHSM_SET_ACS;
	free(format(&r, &ret));
	CHECK_INT(ret, -EINVAL);
	sample(&r);
	text = format(&r, &ret);
	CHECK_INT(ret, 0);
	free(text);
	CHECK_INT(khsm_cardset_record_format(NULL, stdout), -EINVAL);
}

/* The sample record's text with @from replaced by @to. */
static char *edited(const char *from, const char *to)
{
	struct khsm_cardset_record r;
	char *text, *at, *out = NULL;
	int ret;

	sample(&r);
	text = format(&r, &ret);
	if (!text)
		return NULL;
	at = strstr(text, from);
	if (at && asprintf(&out, "%.*s%s%s", (int)(at - text), text, to,
			   at + strlen(from)) < 0)
		out = NULL;
	free(text);
	return out;
}

static const struct {
	const char *from, *to, *err;
	int ret;
} refusals[] = {
	{ "format = 1\n", "format = 2\n", "line 2: record format 2 is not supported",
	  -EPROTONOSUPPORT },
	{ "format = 1\n", "", "no format", -EINVAL },
	{ "type = ocs", "type = acs", "line 4: type wants softcard or ocs, not 'acs'",
	  -EINVAL },
	{ "set-id = a5", "set-id = x5", "line 5: set-id wants 32 hex digits", -EINVAL },
	{ "quorum = 2/3", "quorum = 4/3", "line 7: quorum wants K/N", -EINVAL },
	{ "quorum = 2/3", "quorum = 1/65", "quorum wants K/N", -EINVAL },
	{ "timeout = 300", "timeout = 4294967296", "line 9: timeout wants a decimal",
	  -EINVAL },
	{ "persistent = yes", "persistent = true", "persistent wants no or yes",
	  -EINVAL },
	{ "name = payments-2025", "name = a/b", "line 3: name wants a set name",
	  -EINVAL },
	{ "card.1 = alice", "card.3 = x\ncard.1 = alice", "", 0 },
	{ "card.1 = alice", "card.2 = x\ncard.1 = alice", "card 2's name given twice",
	  -EINVAL },
	{ "card.1 = alice", "card.4 = x\ncard.1 = alice", "a card beyond the set's 3",
	  -EINVAL },
	{ "card.1 = alice", "card.1 =\ncard.5 = x", "1 to 63 bytes", -EINVAL },
	{ "created = 1732380000", "created = 1\ncreated = 2",
	  "line 13: created already set on line 12", -EINVAL },
	{ "timeout = 300", "timeout = 3\r", "line 9: control character", -EINVAL },
	{ "timeout = 300", "timeout", "line 9: expected 'key = value'", -EINVAL },
};

static void parse_refusals(void)
{
	struct khsm_cardset_record r;
	char err[160];
	size_t i;
	char *text;
	int ret;

	for (i = 0; i < UNIT_ARRAY_SIZE(refusals); i++) {
		text = edited(refusals[i].from, refusals[i].to);
		CHECK(text);
		if (!text)
			continue;
		memset(&r, 0x5a, sizeof(r));
		ret = khsm_cardset_record_parse(text, &r, err, sizeof(err));
		if (ret != refusals[i].ret || !strstr(err, refusals[i].err))
			unit_fail(__FILE__, __LINE__, "'%s' -> '%s': %d '%s'",
				  refusals[i].from, refusals[i].to, ret, err);
		/* Nothing half-parsed is left behind. */
		if (ret)
			CHECK(!r.name[0] && !r.k && !r.card_names[0][0]);
		free(text);
	}
	CHECK_INT(khsm_cardset_record_parse(
		"format = 1\nname = sc\ntype = softcard\n"
		"set-id = 00000000000000000000000000000000\n"
		"world-id = 00000000000000000000000000000000\nquorum = 1/2\n"
		"persistent = yes\ntimeout = 0\nrecovery = on\n"
		"passphrase-recovery = off\ncreated = 1\n", &r, err,
		sizeof(err)), -EINVAL);
	CHECK_STR(err, "a softcard is 1 of 1 cards");
	CHECK_INT(khsm_cardset_record_parse(NULL, &r, NULL, 0), -EINVAL);
	CHECK_INT(khsm_cardset_record_parse("", &r, NULL, 0), -EINVAL);
}

static const struct unit_test tests[] = {
	{ "set names", names },
	{ "record round trip", round_trip },
	{ "record format refusals", format_refusals },
	{ "record parse refusals", parse_refusals },
};

UNIT_SUITE(records, tests);
