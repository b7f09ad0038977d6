// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Application keys without the module: the key blob header (a good one
 * parses, every truncation and every inconsistency does not), the names
 * of types, operations and mechanisms, and KEY_GENERATE / KEY_IMPORT on
 * the wire.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>

#include "internal.h"
#include "unit.h"

#define BODY(s)		((s) + 12 + 16)
#define HDR		sizeof(struct khsm_key_hdr)
#define MAX_BLOB	(HDR + 2 * BODY(KHSM_SECRET_MAX))

/* A P-256 key under softcard protection, with a recovery copy. */
static size_t make_blob(uint8_t *buf)
{
	struct khsm_key_hdr h;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, KHSM_KEY_MAGIC, 8);
	h.version = htole16(KHSM_KEY_VERSION);
	h.hdr_len = htole16(sizeof(h));
	h.type = htole32(KHSM_KEY_EC_P256);
	h.protection = KHSM_PROTECT_SOFTCARD;
	h.flags = KHSM_KEY_F_RECOVERY;
	h.secret_len = 32;
	h.pub_len = 65;
	memset(h.world_id, 0x11, sizeof(h.world_id));
	memset(h.key_id, 0x22, sizeof(h.key_id));
	memset(h.set_id, 0x33, sizeof(h.set_id));
	h.created = htole64(1732380000);
	h.acl.ops = htole32(1U << KHSM_OP_SIGN | 1U << KHSM_OP_EXPORT_PUBLIC);
	h.acl.mechs = htole32(1U << KHSM_MECH_ECDSA_P256_SHA256);
	h.acl.flags = htole32(KHSM_ACL_F_UID);
	h.acl.uid = htole32(1000);
	h.acl.usage_limit = htole64(5);
	memset(h.key_hash, 0x44, sizeof(h.key_hash));
	h.pubkey[0] = 0x04;
	memset(h.pubkey + 1, 0x55, 64);
	strcpy(h.app, "web-tls");
	strcpy(h.ident, "signer_2025");
	h.body_len = htole32(BODY(32));
	h.rec_len = htole32(BODY(32));
	memset(buf, 0xee, HDR + 2 * BODY(32));
	memcpy(buf, &h, sizeof(h));
	return HDR + 2 * BODY(32);
}

static struct khsm_key_hdr *hdr(uint8_t *buf)
{
	return (struct khsm_key_hdr *)buf;
}

static int parse(const uint8_t *buf, size_t len, char *err)
{
	struct khsm_key_info ki;

	err[0] = '\0';
	return khsm_key_blob_parse(buf, len, &ki, err, 200);
}

static void blob_good(void)
{
	uint8_t buf[MAX_BLOB];
	struct khsm_key_info ki;
	size_t len = make_blob(buf);
	char err[200];

	CHECK_INT(khsm_key_blob_parse(buf, len, &ki, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_INT(ki.version, KHSM_KEY_VERSION);
	CHECK_INT(ki.type, KHSM_KEY_EC_P256);
	CHECK_INT(ki.protection, KHSM_PROTECT_SOFTCARD);
	CHECK_INT(ki.has_recovery, 1);
	CHECK_INT(ki.secret_len, 32);
	CHECK_INT(ki.pub_len, 65);
	CHECK_INT(ki.created, 1732380000);
	CHECK_INT(ki.world_id[15], 0x11);
	CHECK_INT(ki.key_id[0], 0x22);
	CHECK_INT(ki.set_id[0], 0x33);
	CHECK_INT(ki.key_hash[31], 0x44);
	CHECK_INT(ki.pubkey[0], 0x04);
	CHECK_INT(ki.pubkey[64], 0x55);
	CHECK_INT(ki.pubkey[65], 0);
	CHECK_INT(le32toh(ki.acl.ops), 1U << KHSM_OP_SIGN |
		  1U << KHSM_OP_EXPORT_PUBLIC);
	CHECK_INT(le32toh(ki.acl.uid), 1000);
	CHECK_INT(le64toh(ki.acl.usage_limit), 5);
	CHECK_STR(ki.app, "web-tls");
	CHECK_STR(ki.ident, "signer_2025");
	CHECK_INT(ki.body_len, BODY(32));
	CHECK_INT(ki.rec_len, BODY(32));
}

/* Each type with the lengths it allows, module protection, no copy. */
static void blob_types(void)
{
	static const struct {
		uint32_t type;
		uint8_t secret, pub;
		int want;
	} cases[] = {
		{ KHSM_KEY_AES, 16, 0, 0 },
		{ KHSM_KEY_AES, 24, 0, 0 },
		{ KHSM_KEY_AES, 32, 0, 0 },
		{ KHSM_KEY_AES, 20, 0, -EBADMSG },
		{ KHSM_KEY_AES, 0, 0, -EBADMSG },
		{ KHSM_KEY_AES, 32, 65, -EBADMSG },
		{ KHSM_KEY_HMAC, 16, 0, 0 },
		{ KHSM_KEY_HMAC, 17, 0, 0 },
		{ KHSM_KEY_HMAC, KHSM_HMAC_KEY_MAX, 0, 0 },
		{ KHSM_KEY_HMAC, KHSM_HMAC_KEY_MAX + 1, 0, -EBADMSG },
		{ KHSM_KEY_HMAC, 15, 0, -EBADMSG },
		{ KHSM_KEY_EC_P256, 32, 65, 0 },
		{ KHSM_KEY_EC_P256, 0, 65, 0 },		/* public only */
		{ KHSM_KEY_EC_P256, 48, 65, -EBADMSG },
		{ KHSM_KEY_EC_P256, 32, 97, -EBADMSG },
		{ KHSM_KEY_EC_P256, 32, 0, -EBADMSG },
		{ KHSM_KEY_EC_P384, 48, 97, 0 },
		{ KHSM_KEY_EC_P384, 0, 97, 0 },
		{ KHSM_KEY_EC_P384, 32, 97, -EBADMSG },
		{ 0, 32, 0, -EBADMSG },
		{ 5, 32, 0, -EBADMSG },
	};
	uint8_t buf[MAX_BLOB];
	char err[200];
	size_t i, len;

	for (i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		make_blob(buf);
		hdr(buf)->type = htole32(cases[i].type);
		hdr(buf)->protection = KHSM_PROTECT_MODULE;
		memset(hdr(buf)->set_id, 0, KHSM_SET_ID_LEN);
		hdr(buf)->flags = 0;
		hdr(buf)->secret_len = cases[i].secret;
		hdr(buf)->pub_len = cases[i].pub;
		len = cases[i].secret ? BODY(cases[i].secret) : 0;
		hdr(buf)->body_len = htole32((uint32_t)len);
		hdr(buf)->rec_len = 0;
		if (parse(buf, HDR + len, err) != cases[i].want)
			unit_fail(__FILE__, __LINE__,
				  "type %u, %u secret, %u public: %s",
				  cases[i].type, cases[i].secret, cases[i].pub,
				  err);
	}
}

static void blob_every_truncation(void)
{
	uint8_t buf[MAX_BLOB];
	size_t len = make_blob(buf), n;
	char err[200];

	for (n = 0; n < len; n++) {
		if (parse(buf, n, err) != -EBADMSG)
			unit_fail(__FILE__, __LINE__, "%zu of %zu bytes accepted",
				  n, len);
	}
	CHECK_INT(parse(buf, 12, err), -EBADMSG);
	CHECK(strstr(err, "truncated key blob file"));
	CHECK_INT(parse(buf, len - 1, err), -EBADMSG);
	CHECK(strstr(err, "truncated"));
	CHECK_INT(parse(buf, len + 1, err), -EBADMSG);
	CHECK(strstr(err, "1 stray bytes"));
}

/* One field broken at a time; each named in the message. */
static void blob_refusals(void)
{
	struct khsm_key_info ki;
	uint8_t buf[MAX_BLOB];
	size_t len;
	char err[200];

	len = make_blob(buf);
	buf[0] = 'X';
	CHECK_INT(parse(buf, len, err), -EBADMSG);
	CHECK_STR(err, "not a khsm key blob file");

	len = make_blob(buf);
	hdr(buf)->magic[7] = '1';	/* the magic's own NUL */
	CHECK_INT(parse(buf, len, err), -EBADMSG);

	len = make_blob(buf);
	hdr(buf)->version = htole16(2);
	CHECK_INT(parse(buf, len, err), -EPROTONOSUPPORT);
	CHECK(strstr(err, "version 2 is not supported"));

	len = make_blob(buf);
	hdr(buf)->hdr_len = htole16(HDR + 8);
	CHECK_INT(parse(buf, len, err), -EBADMSG);
	CHECK(strstr(err, "header length"));

	len = make_blob(buf);
	hdr(buf)->body_len = htole32(BODY(32) + 1);
	CHECK_INT(parse(buf, len, err), -EBADMSG);
	CHECK(strstr(err, "body of 61 bytes for 32 secret bytes"));

	len = make_blob(buf);
	hdr(buf)->rec_len = 0;
	CHECK_INT(parse(buf, len - BODY(32), err), -EBADMSG);
	CHECK(strstr(err, "recovery copy of 0 bytes"));

	len = make_blob(buf);
	hdr(buf)->flags = 0;
	CHECK_INT(parse(buf, len, err), -EBADMSG);
	CHECK(strstr(err, "without the recovery flag"));

	len = make_blob(buf);
	hdr(buf)->flags = 0x81;
	CHECK_INT(parse(buf, len, err), -EBADMSG);
	CHECK(strstr(err, "unknown flags 0x81"));

	len = make_blob(buf);
	hdr(buf)->pubkey[0] = 0x02;
	CHECK_INT(parse(buf, len, err), -EBADMSG);
	CHECK(strstr(err, "public key of 65 bytes"));

	len = make_blob(buf);
	hdr(buf)->protection = KHSM_PROTECT__COUNT;
	CHECK_INT(parse(buf, len, err), -EBADMSG);
	CHECK(strstr(err, "unknown protection 3"));

	len = make_blob(buf);
	memset(hdr(buf)->set_id, 0, KHSM_SET_ID_LEN);
	CHECK_INT(parse(buf, len, err), -EBADMSG);
	CHECK(strstr(err, "softcard protection without a set id"));

	len = make_blob(buf);
	hdr(buf)->protection = KHSM_PROTECT_MODULE;
	CHECK_INT(parse(buf, len, err), -EBADMSG);
	CHECK(strstr(err, "module protection with a set id"));

	len = make_blob(buf);
	memset(hdr(buf)->app, 'a', KHSM_APP_MAX);
	CHECK_INT(parse(buf, len, err), -EBADMSG);
	CHECK(strstr(err, "application name"));

	len = make_blob(buf);
	strcpy(hdr(buf)->ident, "a/b");
	CHECK_INT(parse(buf, len, err), -EBADMSG);
	CHECK(strstr(err, "key identifier"));

	len = make_blob(buf);
	hdr(buf)->ident[0] = '\0';
	CHECK_INT(parse(buf, len, err), -EBADMSG);

	len = make_blob(buf);
	hdr(buf)->acl.ops = 0;
	CHECK_INT(parse(buf, len, err), -EBADMSG);
	CHECK(strstr(err, "ACL operations 0x0"));

	len = make_blob(buf);
	hdr(buf)->acl.mechs = htole32(1U << KHSM_MECH__COUNT);
	CHECK_INT(parse(buf, len, err), -EBADMSG);
	CHECK(strstr(err, "ACL mechanisms"));

	len = make_blob(buf);
	hdr(buf)->acl.flags = htole32(1U << 4);
	CHECK_INT(parse(buf, len, err), -EBADMSG);
	CHECK(strstr(err, "ACL flags 0x10"));

	/* Lengths that would add up past the largest blob. */
	len = make_blob(buf);
	hdr(buf)->body_len = htole32(0xffffffe0);
	CHECK_INT(parse(buf, len, err), -EBADMSG);

	CHECK_INT(khsm_key_blob_parse(NULL, 1, &ki, NULL, 0), -EINVAL);
	CHECK_INT(khsm_key_blob_parse(buf, len, NULL, NULL, 0), -EINVAL);
	CHECK_INT(khsm_key_blob_parse(buf, 0, &ki, NULL, 0), -EBADMSG);
}

static void type_names(void)
{
	uint32_t t, back;

	for (t = KHSM_KEY_AES; t <= KHSM_KEY_EC_P384; t++) {
		CHECK_INT(khsm_key_type_parse(khsm_key_type_name(t), &back), 0);
		CHECK_INT(back, t);
	}
	CHECK_STR(khsm_key_type_name(KHSM_KEY_EC_P384), "ec-p384");
	CHECK_STR(khsm_key_type_name(0), "unknown");
	CHECK_STR(khsm_key_type_name(99), "unknown");
	CHECK_INT(khsm_key_type_parse("AES", &back), -EINVAL);
	CHECK_INT(khsm_key_type_parse("unknown", &back), -EINVAL);
	CHECK_INT(khsm_key_type_parse("", &back), -EINVAL);
	CHECK_INT(khsm_key_type_parse(NULL, &back), -EINVAL);
	CHECK_STR(khsm_op_name(KHSM_OP_EXPORT_PUBLIC), "export-public");
	CHECK_STR(khsm_op_name(KHSM_OP__COUNT), "unknown");
	CHECK_STR(khsm_mech_name(KHSM_MECH_ECDH_P256), "ecdh-p256");
	CHECK_STR(khsm_mech_name(KHSM_MECH__COUNT), "unknown");
	CHECK_STR(khsm_protection_name(KHSM_PROTECT_OCS), "ocs");
	CHECK_STR(khsm_protection_name(7), "unknown");
}

static void op_and_mech_lists(void)
{
	uint32_t m;
	char err[100];

	CHECK_INT(khsm_ops_parse("encrypt,decrypt,sign,verify,mac-generate,"
				 "mac-verify,wrap,unwrap,derive,export-public",
				 &m, err, sizeof(err)), 0);
	CHECK_INT(m, KHSM_OP__ALL);
	CHECK_STR(err, "");
	CHECK_INT(khsm_ops_parse("sign", &m, NULL, 0), 0);
	CHECK_INT(m, 1U << KHSM_OP_SIGN);
	CHECK_INT(khsm_ops_parse("sign,sign", &m, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "operation 'sign' given twice");
	CHECK_INT(khsm_ops_parse("sign,,verify", &m, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "unknown operation ''");
	CHECK_INT(khsm_ops_parse("sign, verify", &m, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "unknown operation ' verify'");
	CHECK_INT(khsm_ops_parse("", &m, err, sizeof(err)), -EINVAL);
	CHECK_INT(khsm_ops_parse("sign,", &m, err, sizeof(err)), -EINVAL);
	CHECK_INT(khsm_ops_parse("all", &m, err, sizeof(err)), -EINVAL);
	CHECK_INT(khsm_mechs_parse("aes-gcm,ecdsa-p384-sha384", &m, err,
				   sizeof(err)), 0);
	CHECK_INT(m, 1U << KHSM_MECH_AES_GCM |
		  1U << KHSM_MECH_ECDSA_P384_SHA384);
	CHECK_INT(khsm_mechs_parse("hmac-sha1", &m, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "unknown mechanism 'hmac-sha1'");
	CHECK_INT(khsm_mechs_parse(NULL, &m, err, sizeof(err)), -EINVAL);
}

static void mechanisms_fit(void)
{
	uint32_t all = KHSM_OP__ALL;

	CHECK_INT(khsm_key_mechs(KHSM_KEY_AES, all),
		  1U << KHSM_MECH_AES_GCM | 1U << KHSM_MECH_AES_KW |
		  1U << KHSM_MECH_AES_KWP | 1U << KHSM_MECH_AES_CMAC);
	CHECK_INT(khsm_key_mechs(KHSM_KEY_AES, 1U << KHSM_OP_WRAP),
		  1U << KHSM_MECH_AES_KW | 1U << KHSM_MECH_AES_KWP);
	CHECK_INT(khsm_key_mechs(KHSM_KEY_AES, 1U << KHSM_OP_SIGN), 0);
	CHECK_INT(khsm_key_mechs(KHSM_KEY_HMAC, 1U << KHSM_OP_MAC_VERIFY),
		  1U << KHSM_MECH_HMAC_SHA256 | 1U << KHSM_MECH_HMAC_SHA384 |
		  1U << KHSM_MECH_HMAC_SHA512);
	CHECK_INT(khsm_key_mechs(KHSM_KEY_EC_P256, all),
		  1U << KHSM_MECH_ECDSA_P256_SHA256 | 1U << KHSM_MECH_ECDH_P256);
	CHECK_INT(khsm_key_mechs(KHSM_KEY_EC_P384, all),
		  1U << KHSM_MECH_ECDSA_P384_SHA384);
	CHECK_INT(khsm_key_mechs(KHSM_KEY_EC_P384, 1U << KHSM_OP_DERIVE), 0);
	CHECK_INT(khsm_key_mechs(KHSM_KEY_EC_P256,
				 1U << KHSM_OP_EXPORT_PUBLIC), 0);
	CHECK_INT(khsm_key_mechs(0, all), 0);
	CHECK_INT(khsm_key_mechs(77, all), 0);
}

static void key_names(void)
{
	char app[KHSM_APP_MAX + 1];

	CHECK(khsm_key_name_valid("web-tls_2", KHSM_APP_MAX));
	CHECK(!khsm_key_name_valid("", KHSM_APP_MAX));
	CHECK(!khsm_key_name_valid("a.b", KHSM_APP_MAX));
	CHECK(!khsm_key_name_valid("a b", KHSM_APP_MAX));
	CHECK(!khsm_key_name_valid(NULL, KHSM_APP_MAX));
	memset(app, 'a', KHSM_APP_MAX);
	app[KHSM_APP_MAX - 1] = '\0';
	CHECK(khsm_key_name_valid(app, KHSM_APP_MAX));
	app[KHSM_APP_MAX - 1] = 'a';
	app[KHSM_APP_MAX] = '\0';
	CHECK(!khsm_key_name_valid(app, KHSM_APP_MAX));
	CHECK(khsm_key_name_valid(app, KHSM_IDENT_MAX));
}

static struct nl_msg *message(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc_size(8192);

	if (msg && !genlmsg_put(msg, 1, 1, 0x20, 0, 0, cmd, KHSM_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

static void request_req(struct khsm_key_req *req)
{
	khsm_key_req_init(req);
	req->type = KHSM_KEY_AES;
	req->protection = KHSM_PROTECT_MODULE;
	req->acl.ops = htole32(1U << KHSM_OP_ENCRYPT);
	req->acl.mechs = htole32(1U << KHSM_MECH_AES_GCM);
	strcpy(req->app, "app");
	strcpy(req->ident, "k1");
}

static void generate_request(void)
{
	struct nlattr *top[KHSM_A_MAX + 1], *kb[KHSM_A_KEY_MAX + 1];
	struct nl_msg *msg = message(KHSM_CMD_KEY_GENERATE);
	struct khsm_key_req req;
	struct khsm_acl acl;

	CHECK(msg);
	if (!msg)
		return;
	request_req(&req);
	CHECK_INT(req.recovery, KHSM_KEY_RECOVERY_DEFAULT);
	CHECK_INT(khsm_key_put(msg, &req, false), 0);
	CHECK_INT(genlmsg_parse(nlmsg_hdr(msg), 0, top, KHSM_A_MAX, NULL), 0);
	CHECK(top[KHSM_A_KEY] && (top[KHSM_A_KEY]->nla_type & NLA_F_NESTED));
	CHECK(!top[KHSM_A_TOKEN_ID]);
	if (!top[KHSM_A_KEY])
		goto out;
	CHECK_INT(nla_parse_nested(kb, KHSM_A_KEY_MAX, top[KHSM_A_KEY], NULL),
		  0);
	CHECK_INT(nla_get_u32(kb[KHSM_A_KEY_TYPE]), KHSM_KEY_AES);
	CHECK_INT(nla_get_u8(kb[KHSM_A_KEY_PROTECTION]), KHSM_PROTECT_MODULE);
	CHECK_INT(nla_len(kb[KHSM_A_KEY_ACL]), sizeof(acl));
	nla_memcpy(&acl, kb[KHSM_A_KEY_ACL], sizeof(acl));
	CHECK(!memcmp(&acl, &req.acl, sizeof(acl)));
	CHECK_STR(nla_get_string(kb[KHSM_A_KEY_APP]), "app");
	CHECK_STR(nla_get_string(kb[KHSM_A_KEY_IDENT]), "k1");
	/* The module's defaults: not sent. */
	CHECK(!kb[KHSM_A_KEY_LEN] && !kb[KHSM_A_KEY_RECOVERY]);
	CHECK(!kb[KHSM_A_KEY_SECRET] && !kb[KHSM_A_KEY_PUBLIC]);
out:
	nlmsg_free(msg);
}

static void import_request(void)
{
	struct nlattr *top[KHSM_A_MAX + 1], *kb[KHSM_A_KEY_MAX + 1];
	struct nl_msg *msg = message(KHSM_CMD_KEY_IMPORT);
	static const uint8_t secret[16] = { 1, 2, 3 };
	struct khsm_key_req req;

	CHECK(msg);
	if (!msg)
		return;
	request_req(&req);
	req.protection = KHSM_PROTECT_SOFTCARD;
	req.token_id = 0x1122334455667788ULL;
	req.recovery = 0;
	req.secret = secret;
	req.secret_len = sizeof(secret);
	CHECK_INT(khsm_key_put(msg, &req, true), 0);
	CHECK_INT(genlmsg_parse(nlmsg_hdr(msg), 0, top, KHSM_A_MAX, NULL), 0);
	CHECK(top[KHSM_A_TOKEN_ID] &&
	      nla_get_u64(top[KHSM_A_TOKEN_ID]) == req.token_id);
	if (!top[KHSM_A_KEY])
		goto out;
	nla_parse_nested(kb, KHSM_A_KEY_MAX, top[KHSM_A_KEY], NULL);
	CHECK(kb[KHSM_A_KEY_RECOVERY] &&
	      nla_get_u8(kb[KHSM_A_KEY_RECOVERY]) == 0);
	CHECK(kb[KHSM_A_KEY_SECRET] && nla_len(kb[KHSM_A_KEY_SECRET]) == 16 &&
	      !memcmp(nla_data(kb[KHSM_A_KEY_SECRET]), secret, 16));
	CHECK(!kb[KHSM_A_KEY_PUBLIC]);
out:
	nlmsg_free(msg);
}

/* Refused before anything is put in the message. */
static void request_refusals(void)
{
	static const uint8_t material[97] = { 4 };
	struct nl_msg *msg = message(KHSM_CMD_KEY_IMPORT);
	struct khsm_key_req req;
	struct khsm_key_result res;

	CHECK(msg);
	if (!msg)
		return;
	request_req(&req);
	strcpy(req.app, "no spaces");
	CHECK_INT(khsm_key_put(msg, &req, false), -EINVAL);
	request_req(&req);
	req.ident[0] = '\0';
	CHECK_INT(khsm_key_put(msg, &req, false), -EINVAL);
	request_req(&req);
	req.recovery = 2;
	CHECK_INT(khsm_key_put(msg, &req, false), -EINVAL);
	request_req(&req);
	req.secret = material;		/* generate takes no material */
	req.secret_len = 16;
	CHECK_INT(khsm_key_put(msg, &req, false), -EINVAL);
	request_req(&req);		/* import takes exactly one */
	CHECK_INT(khsm_key_put(msg, &req, true), -EINVAL);
	req.secret = material;
	req.secret_len = 16;
	req.public_key = material;
	req.public_len = 65;
	CHECK_INT(khsm_key_put(msg, &req, true), -EINVAL);
	req.public_key = NULL;
	req.secret_len = KHSM_SECRET_MAX + 1;
	CHECK_INT(khsm_key_put(msg, &req, true), -EINVAL);
	req.secret_len = 16;
	req.len = 16;			/* the material says */
	CHECK_INT(khsm_key_put(msg, &req, true), -EINVAL);
	/* Nothing went into the message. */
	CHECK_INT(genlmsg_attrlen(nlmsg_data(nlmsg_hdr(msg)), 0), 0);
	nlmsg_free(msg);

	CHECK_INT(khsm_key_generate(NULL, &req, &res), -EINVAL);
	CHECK(!res.blob);
	CHECK_INT(khsm_key_import(NULL, &req, NULL), -EINVAL);
	khsm_key_result_free(NULL);
	khsm_key_req_init(NULL);
}

static void key_reply(void)
{
	struct nl_msg *msg = message(KHSM_CMD_KEY_GENERATE);
	struct khsm_key_result res;
	uint8_t hash[KHSM_KEY_HASH_LEN];
	struct nlattr *n;

	CHECK(msg);
	if (!msg)
		return;
	memset(hash, 0x5a, sizeof(hash));
	n = nla_nest_start(msg, KHSM_A_KEY | NLA_F_NESTED);
	nla_put(msg, KHSM_A_KEY_BLOB, 5, "BLOB!");
	nla_put(msg, KHSM_A_KEY_HASH, sizeof(hash), hash);
	nla_nest_end(msg, n);
	memset(&res, 0, sizeof(res));
	CHECK_INT(khsm_key_result_parse(msg, &res), 0);
	CHECK_INT(res.blob_len, 5);
	CHECK(res.blob && !memcmp(res.blob, "BLOB!", 5));
	CHECK(!memcmp(res.key_hash, hash, sizeof(hash)));
	/* One reply per request. */
	CHECK_INT(khsm_key_result_parse(msg, &res), -EPROTO);
	khsm_key_result_free(&res);
	CHECK(!res.blob && !res.blob_len);
	nlmsg_free(msg);

	/* Both attributes are needed, the hash of its exact length. */
	msg = message(KHSM_CMD_KEY_GENERATE);
	n = nla_nest_start(msg, KHSM_A_KEY | NLA_F_NESTED);
	nla_put(msg, KHSM_A_KEY_BLOB, 5, "BLOB!");
	nla_put(msg, KHSM_A_KEY_HASH, 31, hash);
	nla_nest_end(msg, n);
	CHECK_INT(khsm_key_result_parse(msg, &res), -EPROTO);
	nlmsg_free(msg);
	msg = message(KHSM_CMD_KEY_GENERATE);
	n = nla_nest_start(msg, KHSM_A_KEY | NLA_F_NESTED);
	nla_put(msg, KHSM_A_KEY_HASH, sizeof(hash), hash);
	nla_nest_end(msg, n);
	CHECK_INT(khsm_key_result_parse(msg, &res), -EPROTO);
	nlmsg_free(msg);
	msg = message(KHSM_CMD_KEY_GENERATE);
	CHECK_INT(khsm_key_result_parse(msg, &res), -EPROTO);
	nlmsg_free(msg);
	CHECK(!res.blob);
}

/* KEY_RECOVER: the blob in the key nest, the token beside it. */
static void recover_request(void)
{
	struct nlattr *top[KHSM_A_MAX + 1], *kb[KHSM_A_KEY_MAX + 1];
	struct nl_msg *msg = message(KHSM_CMD_KEY_RECOVER);
	static const uint8_t big[KHSM_BLOB_MAX + 1];
	struct khsm_key_result res;

	CHECK(msg);
	if (!msg)
		return;
	CHECK_INT(khsm_key_recover_put(msg, "BLOB", 0, 7), -EINVAL);
	CHECK_INT(khsm_key_recover_put(msg, NULL, 4, 7), -EINVAL);
	CHECK_INT(khsm_key_recover_put(msg, "BLOB", 4, 0), -EINVAL);
	CHECK_INT(khsm_key_recover_put(msg, big, sizeof(big), 7), -EFBIG);
	CHECK_INT(genlmsg_attrlen(nlmsg_data(nlmsg_hdr(msg)), 0), 0);
	CHECK_INT(khsm_key_recover_put(msg, "BLOB", 4, 0x1122334455667788ULL),
		  0);
	CHECK_INT(genlmsg_parse(nlmsg_hdr(msg), 0, top, KHSM_A_MAX, NULL), 0);
	CHECK(top[KHSM_A_TOKEN_ID] &&
	      nla_get_u64(top[KHSM_A_TOKEN_ID]) == 0x1122334455667788ULL);
	CHECK(top[KHSM_A_KEY] && (top[KHSM_A_KEY]->nla_type & NLA_F_NESTED));
	if (top[KHSM_A_KEY]) {
		nla_parse_nested(kb, KHSM_A_KEY_MAX, top[KHSM_A_KEY], NULL);
		CHECK(kb[KHSM_A_KEY_BLOB] && nla_len(kb[KHSM_A_KEY_BLOB]) == 4 &&
		      !memcmp(nla_data(kb[KHSM_A_KEY_BLOB]), "BLOB", 4));
		CHECK(!kb[KHSM_A_KEY_TYPE] && !kb[KHSM_A_KEY_ACL]);
	}
	nlmsg_free(msg);
	CHECK_INT(khsm_key_recover(NULL, "BLOB", 4, 7, &res), -EINVAL);
	CHECK(!res.blob);
	CHECK_INT(khsm_key_recover(NULL, "BLOB", 4, 7, NULL), -EINVAL);
}

static const struct unit_test tests[] = {
	{ "blob: a good one parses", blob_good },
	{ "blob: lengths of each type", blob_types },
	{ "blob: every truncation, stray bytes", blob_every_truncation },
	{ "blob: magic, version, lengths, names, ACL", blob_refusals },
	{ "names of types, operations, mechanisms", type_names },
	{ "operation and mechanism lists", op_and_mech_lists },
	{ "which mechanisms fit a key", mechanisms_fit },
	{ "application and key names", key_names },
	{ "generate request on the wire", generate_request },
	{ "import request on the wire", import_request },
	{ "requests refused before they are sent", request_refusals },
	{ "key reply", key_reply },
	{ "recover request on the wire", recover_request },
};

UNIT_SUITE(keys, tests);
