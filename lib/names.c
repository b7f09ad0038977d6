// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Names of the application-key enums (key types, operations, mechanisms,
 * protections), the lists made of them, and which mechanism does what to
 * which key. The policy text (policy.c) spells protections and mechanisms
 * with the same tables, so a name means one thing everywhere.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

const char *const khsm_protection_names[KHSM_PROTECT__COUNT] = {
	[KHSM_PROTECT_MODULE] = "module",
	[KHSM_PROTECT_SOFTCARD] = "softcard",
	[KHSM_PROTECT_OCS] = "ocs",
};

const char *const khsm_mech_names[KHSM_MECH__COUNT] = {
	[KHSM_MECH_AES_GCM] = "aes-gcm",
	[KHSM_MECH_AES_KW] = "aes-kw",
	[KHSM_MECH_AES_KWP] = "aes-kwp",
	[KHSM_MECH_HMAC_SHA256] = "hmac-sha256",
	[KHSM_MECH_HMAC_SHA384] = "hmac-sha384",
	[KHSM_MECH_HMAC_SHA512] = "hmac-sha512",
	[KHSM_MECH_AES_CMAC] = "aes-cmac",
	[KHSM_MECH_ECDSA_P256_SHA256] = "ecdsa-p256-sha256",
	[KHSM_MECH_ECDSA_P384_SHA384] = "ecdsa-p384-sha384",
	[KHSM_MECH_ECDH_P256] = "ecdh-p256",
};

static const char *const op_names[KHSM_OP__COUNT] = {
	[KHSM_OP_ENCRYPT] = "encrypt",
	[KHSM_OP_DECRYPT] = "decrypt",
	[KHSM_OP_SIGN] = "sign",
	[KHSM_OP_VERIFY] = "verify",
	[KHSM_OP_MAC_GENERATE] = "mac-generate",
	[KHSM_OP_MAC_VERIFY] = "mac-verify",
	[KHSM_OP_WRAP] = "wrap",
	[KHSM_OP_UNWRAP] = "unwrap",
	[KHSM_OP_DERIVE] = "derive",
	[KHSM_OP_EXPORT_PUBLIC] = "export-public",
};

/* By enum khsm_key_type, which starts at 1. */
static const char *const type_names[] = {
	[KHSM_KEY_AES] = "aes",
	[KHSM_KEY_HMAC] = "hmac",
	[KHSM_KEY_EC_P256] = "ec-p256",
	[KHSM_KEY_EC_P384] = "ec-p384",
};

#define T(type)		(1U << (type))
#define O(op)		(1U << (op))

/* What each mechanism does, and to which key types. */
static const struct {
	uint32_t types;		/* 1 << enum khsm_key_type */
	uint32_t ops;		/* 1 << enum khsm_op */
} mech_use[KHSM_MECH__COUNT] = {
	[KHSM_MECH_AES_GCM] = { T(KHSM_KEY_AES),
				O(KHSM_OP_ENCRYPT) | O(KHSM_OP_DECRYPT) },
	[KHSM_MECH_AES_KW] = { T(KHSM_KEY_AES),
			       O(KHSM_OP_WRAP) | O(KHSM_OP_UNWRAP) },
	[KHSM_MECH_AES_KWP] = { T(KHSM_KEY_AES),
				O(KHSM_OP_WRAP) | O(KHSM_OP_UNWRAP) },
	[KHSM_MECH_HMAC_SHA256] = { T(KHSM_KEY_HMAC), O(KHSM_OP_MAC_GENERATE) |
				    O(KHSM_OP_MAC_VERIFY) },
	[KHSM_MECH_HMAC_SHA384] = { T(KHSM_KEY_HMAC), O(KHSM_OP_MAC_GENERATE) |
				    O(KHSM_OP_MAC_VERIFY) },
	[KHSM_MECH_HMAC_SHA512] = { T(KHSM_KEY_HMAC), O(KHSM_OP_MAC_GENERATE) |
				    O(KHSM_OP_MAC_VERIFY) },
	[KHSM_MECH_AES_CMAC] = { T(KHSM_KEY_AES), O(KHSM_OP_MAC_GENERATE) |
				 O(KHSM_OP_MAC_VERIFY) },
	[KHSM_MECH_ECDSA_P256_SHA256] = { T(KHSM_KEY_EC_P256),
					  O(KHSM_OP_SIGN) | O(KHSM_OP_VERIFY) },
	[KHSM_MECH_ECDSA_P384_SHA384] = { T(KHSM_KEY_EC_P384),
					  O(KHSM_OP_SIGN) | O(KHSM_OP_VERIFY) },
	[KHSM_MECH_ECDH_P256] = { T(KHSM_KEY_EC_P256), O(KHSM_OP_DERIVE) },
};

static const char *name_of(const char *const *names, size_t n, uint32_t v)
{
	return v < n && names[v] ? names[v] : "unknown";
}

KHSM_API const char *khsm_key_type_name(uint32_t type)
{
	return name_of(type_names, ARRAY_SIZE(type_names), type);
}

KHSM_API const char *khsm_op_name(uint32_t op)
{
	return name_of(op_names, ARRAY_SIZE(op_names), op);
}

KHSM_API const char *khsm_mech_name(uint32_t mech)
{
	return name_of(khsm_mech_names, KHSM_MECH__COUNT, mech);
}

KHSM_API const char *khsm_protection_name(uint32_t protection)
{
	return name_of(khsm_protection_names, KHSM_PROTECT__COUNT, protection);
}

static int find_name(const char *const *names, size_t n, const char *s,
		     size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i] && strlen(names[i]) == len &&
		    !memcmp(names[i], s, len))
			return (int)i;
	return -1;
}

KHSM_API int khsm_key_type_parse(const char *name, uint32_t *type)
{
	int i;

	if (!name || !type)
		return -EINVAL;
	i = find_name(type_names, ARRAY_SIZE(type_names), name, strlen(name));
	if (i < 0)
		return -EINVAL;
	*type = (uint32_t)i;
	return 0;
}

/* "a,b,c" of @names (@what in messages): each once, none empty. */
static int parse_list(const char *list, const char *const *names, size_t n,
		      const char *what, uint32_t *mask, char *err,
		      size_t errlen)
{
	const char *p, *end;
	uint32_t m = 0;
	size_t len;
	int i;

	if (!list || !mask)
		return -EINVAL;
	khsm_seterr(err, errlen, "%s", "");
	for (p = list;; p = end + 1) {
		end = strchrnul(p, ',');
		len = (size_t)(end - p);
		i = find_name(names, n, p, len);
		if (i < 0) {
			khsm_seterr(err, errlen, "unknown %s '%.*s'", what,
				    (int)(len > 64 ? 64 : len), p);
			return -EINVAL;
		}
		if (m & (1U << i)) {
			khsm_seterr(err, errlen, "%s '%s' given twice", what,
				    names[i]);
			return -EINVAL;
		}
		m |= 1U << i;
		if (!*end)
			break;
	}
	*mask = m;
	return 0;
}

KHSM_API int khsm_ops_parse(const char *list, uint32_t *ops, char *err,
			    size_t errlen)
{
	return parse_list(list, op_names, KHSM_OP__COUNT, "operation", ops,
			  err, errlen);
}

KHSM_API int khsm_mechs_parse(const char *list, uint32_t *mechs, char *err,
			      size_t errlen)
{
	return parse_list(list, khsm_mech_names, KHSM_MECH__COUNT, "mechanism",
			  mechs, err, errlen);
}

KHSM_API uint32_t khsm_key_mechs(uint32_t type, uint32_t ops)
{
	uint32_t m = 0;
	unsigned int i;

	if (type >= 32)
		return 0;
	for (i = 0; i < KHSM_MECH__COUNT; i++)
		if ((mech_use[i].types & T(type)) && (mech_use[i].ops & ops))
			m |= 1U << i;
	return m;
}

KHSM_API bool khsm_key_name_valid(const char *name, size_t size)
{
	size_t i, n;

	if (!name || size < 2)
		return false;
	n = strnlen(name, size);
	if (!n || n == size)
		return false;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", name[i]))
			return false;
	return true;
}
