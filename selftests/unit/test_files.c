// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The shape of card and world files: a good one parses, and truncation at
 * every byte, a bad magic, version, length, index, quorum or name does not.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "unit.h"

#define BODY	40	/* nonce 12, ciphertext 12, tag 16 */
#define MAC	32
#define CARD_LEN (sizeof(struct khsm_card_hdr) + BODY + MAC)

static void make_card(uint8_t *buf)
{
	struct khsm_card_hdr h;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, KHSM_CARD_MAGIC, 8);
	h.version = htole16(KHSM_CARD_VERSION);
	h.hdr_len = htole16(sizeof(h));
	h.body_len = htole32(BODY);
	h.created = htole64(1732380000);
	memset(h.world_id, 0x11, sizeof(h.world_id));
	memset(h.set_id, 0x22, sizeof(h.set_id));
	memset(h.pp_salt, 0x33, sizeof(h.pp_salt));
	h.set_type = KHSM_SET_ACS;
	h.index = 2;
	h.k = 2;
	h.n = 3;
	h.flags = htole32(KHSM_CARD_F_PASSPHRASE);
	h.pbkdf2_iter = htole32(200000);
	strcpy(h.set_name, "acs");
	strcpy(h.card_name, "alice");
	memset(buf, 0xee, CARD_LEN);
	memcpy(buf, &h, sizeof(h));
}

static struct khsm_card_hdr *hdr(uint8_t *buf)
{
	return (struct khsm_card_hdr *)buf;
}

static int card(const uint8_t *buf, size_t len, char *err)
{
	struct khsm_card_info ci;

	return khsm_card_parse(buf, len, &ci, err, 200);
}

static void card_good(void)
{
	uint8_t buf[CARD_LEN];
	struct khsm_card_info ci;
	char err[200];

	make_card(buf);
	memset(&ci, 0xa5, sizeof(ci));
	CHECK_INT(khsm_card_parse(buf, sizeof(buf), &ci, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_INT(ci.version, 1);
	CHECK_INT(ci.set_type, KHSM_SET_ACS);
	CHECK_INT(ci.index, 2);
	CHECK_INT(ci.k, 2);
	CHECK_INT(ci.n, 3);
	CHECK_INT(ci.has_passphrase, 1);
	CHECK_INT(ci.pbkdf2_iter, 200000);
	CHECK_INT(ci.created, 1732380000);
	CHECK_INT(ci.world_id[15], 0x11);
	CHECK_INT(ci.set_id[0], 0x22);
	CHECK_INT(ci.pp_salt[7], 0x33);
	CHECK_STR(ci.set_name, "acs");
	CHECK_STR(ci.card_name, "alice");
	CHECK_INT(ci.__reserved[3], 0);
	CHECK_STR(khsm_set_type_name(ci.set_type), "acs");
}

static void card_truncated_everywhere(void)
{
	uint8_t buf[CARD_LEN];
	char err[200];
	size_t len;

	make_card(buf);
	for (len = 0; len < sizeof(buf); len++) {
		if (card(buf, len, err) != -EBADMSG)
			unit_fail(__FILE__, __LINE__, "length %zu accepted", len);
		if (len && !strstr(err, "truncated"))
			unit_fail(__FILE__, __LINE__, "length %zu: %s", len, err);
	}
	CHECK_INT(card(buf, 0, err), -EBADMSG);
	CHECK_STR(err, "not a khsm card file");
}

static void card_bad_shapes(void)
{
	uint8_t buf[CARD_LEN + 1];
	char err[200];

	make_card(buf);
	CHECK_INT(card(buf, CARD_LEN + 1, err), -EBADMSG);
	CHECK_STR(err, "card file has 1 stray bytes after its end");

	make_card(buf);
	buf[0] = 'X';
	CHECK_INT(card(buf, CARD_LEN, err), -EBADMSG);
	CHECK_STR(err, "not a khsm card file");

	make_card(buf);
	memcpy(buf, KHSM_WORLD_MAGIC, 8);
	CHECK_INT(card(buf, CARD_LEN, err), -EBADMSG);
	CHECK_STR(err, "not a khsm card file");

	make_card(buf);
	hdr(buf)->version = htole16(2);
	CHECK_INT(card(buf, CARD_LEN, err), -EPROTONOSUPPORT);
	CHECK(strstr(err, "version 2 is not supported"));

	make_card(buf);
	hdr(buf)->hdr_len = htole16(sizeof(struct khsm_card_hdr) - 4);
	CHECK_INT(card(buf, CARD_LEN, err), -EBADMSG);
	CHECK(strstr(err, "header length"));

	make_card(buf);
	hdr(buf)->body_len = htole32(0xffffffff);
	CHECK_INT(card(buf, CARD_LEN, err), -EBADMSG);
	CHECK(strstr(err, "body length"));

	make_card(buf);
	hdr(buf)->body_len = htole32(27);
	CHECK_INT(card(buf, CARD_LEN, err), -EBADMSG);
}

static void card_bad_fields(void)
{
	static const struct { uint8_t index, k, n; } bad[] = {
		{ 4, 2, 3 },	/* index > n */
		{ 0, 2, 3 },	/* index 0 */
		{ 1, 0, 3 },	/* k 0 */
		{ 1, 4, 3 },	/* k > n */
		{ 1, 1, 0 },	/* n 0 */
		{ 65, 1, 65 },	/* n > 64 */
	};
	uint8_t buf[CARD_LEN];
	char err[200];
	size_t i;

	for (i = 0; i < UNIT_ARRAY_SIZE(bad); i++) {
		make_card(buf);
		hdr(buf)->index = bad[i].index;
		hdr(buf)->k = bad[i].k;
		hdr(buf)->n = bad[i].n;
		if (card(buf, CARD_LEN, err) != -EBADMSG)
			unit_fail(__FILE__, __LINE__, "%u, %u of %u accepted",
				  bad[i].index, bad[i].k, bad[i].n);
	}
	make_card(buf);
	hdr(buf)->index = 64;
	hdr(buf)->k = 64;
	hdr(buf)->n = 64;
	CHECK_INT(card(buf, CARD_LEN, err), 0);

	make_card(buf);
	hdr(buf)->set_type = 4;
	CHECK_INT(card(buf, CARD_LEN, err), -EBADMSG);
	CHECK_STR(err, "unknown card set type 4");
}

static void card_unterminated_names(void)
{
	uint8_t buf[CARD_LEN];
	char err[200];

	make_card(buf);
	memset(hdr(buf)->set_name, 'a', KHSM_NAME_MAX);
	CHECK_INT(card(buf, CARD_LEN, err), -EBADMSG);
	CHECK_STR(err, "card file: set name is not NUL-terminated");

	make_card(buf);
	memset(hdr(buf)->card_name, 'b', KHSM_NAME_MAX);
	CHECK_INT(card(buf, CARD_LEN, err), -EBADMSG);
	CHECK_STR(err, "card file: card name is not NUL-terminated");

	make_card(buf);
	memset(hdr(buf)->card_name, 'b', KHSM_NAME_MAX - 1);
	CHECK_INT(card(buf, CARD_LEN, err), 0);
}

/* The count we would run ourselves: bounded, but only with a passphrase. */
static void card_pbkdf2_bounds(void)
{
	uint8_t buf[CARD_LEN];
	struct khsm_card_info ci;
	char err[200];

	make_card(buf);
	hdr(buf)->pbkdf2_iter = htole32(0xffffffff);
	CHECK_INT(card(buf, CARD_LEN, err), -EBADMSG);
	CHECK(strstr(err, "PBKDF2"));
	hdr(buf)->flags = 0;
	CHECK_INT(khsm_card_parse(buf, CARD_LEN, &ci, NULL, 0), 0);
	CHECK_INT(ci.has_passphrase, 0);
	CHECK_INT(khsm_card_parse(NULL, CARD_LEN, &ci, NULL, 0), -EINVAL);
	CHECK_INT(khsm_card_parse(buf, CARD_LEN, NULL, NULL, 0), -EINVAL);
}

#define WORLD_BODY	64
#define SLOT		sizeof(struct khsm_world_keyslot)

static size_t make_world(uint8_t *buf, unsigned int nslots)
{
	struct khsm_world_hdr h;
	struct khsm_world_keyslot ks[2];

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, KHSM_WORLD_MAGIC, 8);
	h.version = htole16(KHSM_WORLD_VERSION);
	h.hdr_len = htole16(sizeof(h));
	h.generation = htole32(7);
	memset(h.world_id, 0x44, sizeof(h.world_id));
	memset(h.acs_set_id, 0x55, sizeof(h.acs_set_id));
	h.created = htole64(1700000000);
	h.opts.acs_k = 3;
	h.opts.acs_n = 5;
	h.opts.load_quorum = 2;
	h.opts.kr_quorum = 0;	/* key recovery off */
	h.opts.pr_quorum = 2;
	h.opts.flags = htole32(KHSM_WORLD_F_STRICT);
	h.opts.nso_timeout = htole32(300);
	h.opts.pp_min_len = htole32(8);
	h.opts.retry_base_ms = htole32(1000);
	h.opts.retry_max_ms = htole32(60000);
	h.opts.pbkdf2_iter = htole32(200000);
	h.audit_pubkey[0] = 4;
	h.nkeyslots = (uint8_t)nslots;
	h.body_len = htole32(WORLD_BODY);
	memset(ks, 0, sizeof(ks));
	ks[0].type = KHSM_KEYSLOT_ACS;
	ks[1].type = KHSM_KEYSLOT_BIND;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), ks, nslots * SLOT);
	memset(buf + sizeof(h) + nslots * SLOT, 0xdd, WORLD_BODY);
	return sizeof(h) + nslots * SLOT + WORLD_BODY;
}

static void world_good(void)
{
	uint8_t buf[sizeof(struct khsm_world_hdr) + 2 * SLOT + WORLD_BODY];
	struct khsm_world_file_info wf;
	char err[200];
	size_t len;

	len = make_world(buf, 1);
	CHECK_INT(khsm_world_file_parse(buf, len, &wf, err, sizeof(err)), 0);
	CHECK_INT(wf.generation, 7);
	CHECK_INT(wf.bound, 0);
	CHECK_INT(wf.nkeyslots, 1);
	CHECK_INT(wf.world_id[0], 0x44);
	CHECK_INT(wf.acs_set_id[0], 0x55);
	CHECK_INT(wf.created, 1700000000);
	CHECK_INT(wf.audit_pubkey[0], 4);
	CHECK_INT(wf.opts.acs_k, 3);
	CHECK_INT(wf.opts.acs_n, 5);
	CHECK_INT(wf.opts.load_quorum, 2);
	CHECK_INT(wf.opts.key_recovery, 0);
	CHECK(!(wf.opts.set & KHSM_OPT_BIT(KHSM_A_OPT_KR_QUORUM)));
	CHECK_INT(wf.opts.pp_recovery, 1);
	CHECK_INT(wf.opts.pr_quorum, 2);
	CHECK_INT(wf.opts.strict, 1);
	CHECK_INT(wf.opts.forced_audit, 0);
	CHECK_INT(wf.opts.nso_timeout, 300);
	CHECK_INT(wf.opts.pp_min_len, 8);
	CHECK_INT(khsm_world_options_check(&wf.opts, NULL, 0), 0);

	len = make_world(buf, 2);
	CHECK_INT(khsm_world_file_parse(buf, len, &wf, err, sizeof(err)), 0);
	CHECK_INT(wf.bound, 1);
}

static void world_bad(void)
{
	uint8_t buf[sizeof(struct khsm_world_hdr) + 2 * SLOT + WORLD_BODY];
	struct khsm_world_file_info wf;
	char err[200];
	size_t len, n;

	len = make_world(buf, 2);
	for (n = 0; n < len; n++)
		if (khsm_world_file_parse(buf, n, &wf, err, sizeof(err)) !=
		    -EBADMSG)
			unit_fail(__FILE__, __LINE__, "length %zu accepted", n);

	make_world(buf, 2);
	buf[sizeof(struct khsm_world_hdr) + SLOT] = KHSM_KEYSLOT_ACS;
	CHECK_INT(khsm_world_file_parse(buf, len, &wf, err, sizeof(err)),
		  -EBADMSG);
	CHECK(strstr(err, "key slot 1 has type 1"));

	len = make_world(buf, 1);
	buf[sizeof(struct khsm_world_hdr)] = 9;
	CHECK_INT(khsm_world_file_parse(buf, len, &wf, err, sizeof(err)),
		  -EBADMSG);

	len = make_world(buf, 0);
	CHECK_INT(khsm_world_file_parse(buf, len, &wf, err, sizeof(err)),
		  -EBADMSG);
	CHECK_STR(err, "world file has 0 key slots");

	len = make_world(buf, 1);
	make_card(buf);
	CHECK_INT(khsm_world_file_parse(buf, len, &wf, err, sizeof(err)),
		  -EBADMSG);
	CHECK_STR(err, "not a khsm world file");
}

static const struct unit_test tests[] = {
	{ "card file", card_good },
	{ "card truncated at every byte", card_truncated_everywhere },
	{ "card magic, version, lengths", card_bad_shapes },
	{ "card index, quorum, set type", card_bad_fields },
	{ "card names must be terminated", card_unterminated_names },
	{ "card PBKDF2 count bounded", card_pbkdf2_bounds },
	{ "world file", world_good },
	{ "world file refusals", world_bad },
};

UNIT_SUITE(files, tests);
