// SPDX-License-Identifier: GPL-2.0
/*
 * Key ACLs: what a key may do, checked once when its blob is made (so a
 * nonsensical or dangerous ACL never exists) and before every operation.
 * An ACL never changes after creation: it is the blob's associated data.
 */
#include <linux/bits.h>
#include <linux/cred.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "ec.h"
#include "keys.h"
#include "tokens.h"

#define MECHS_AES	(BIT(KHSM_MECH_AES_GCM) | BIT(KHSM_MECH_AES_KW) | \
			 BIT(KHSM_MECH_AES_KWP) | BIT(KHSM_MECH_AES_CMAC))
#define MECHS_HMAC	(BIT(KHSM_MECH_HMAC_SHA256) | \
			 BIT(KHSM_MECH_HMAC_SHA384) | \
			 BIT(KHSM_MECH_HMAC_SHA512))
#define MECHS_MAC	(MECHS_HMAC | BIT(KHSM_MECH_AES_CMAC))
#define MECHS_ECDSA	(BIT(KHSM_MECH_ECDSA_P256_SHA256) | \
			 BIT(KHSM_MECH_ECDSA_P384_SHA384))
#define MECHS_WRAP	(BIT(KHSM_MECH_AES_KW) | BIT(KHSM_MECH_AES_KWP))
#define OPS_WRAP	(BIT(KHSM_OP_WRAP) | BIT(KHSM_OP_UNWRAP))
#define OPS_PUBLIC	(BIT(KHSM_OP_VERIFY) | BIT(KHSM_OP_EXPORT_PUBLIC))

static u32 type_mechs(u32 type)
{
	switch (type) {
	case KHSM_KEY_AES:
		return MECHS_AES;
	case KHSM_KEY_HMAC:
		return MECHS_HMAC;
	case KHSM_KEY_EC_P256:
		return BIT(KHSM_MECH_ECDSA_P256_SHA256) | BIT(KHSM_MECH_ECDH_P256);
	case KHSM_KEY_EC_P384:
		return BIT(KHSM_MECH_ECDSA_P384_SHA384);
	}
	return 0;
}

/* The mechanisms that perform @op (EXPORT_PUBLIC needs none). */
static u32 op_mechs(u32 op)
{
	switch (op) {
	case KHSM_OP_ENCRYPT:
	case KHSM_OP_DECRYPT:
		return BIT(KHSM_MECH_AES_GCM);
	case KHSM_OP_SIGN:
	case KHSM_OP_VERIFY:
		return MECHS_ECDSA;
	case KHSM_OP_MAC_GENERATE:
	case KHSM_OP_MAC_VERIFY:
		return MECHS_MAC;
	case KHSM_OP_WRAP:
	case KHSM_OP_UNWRAP:
		return MECHS_WRAP;
	case KHSM_OP_DERIVE:
		return BIT(KHSM_MECH_ECDH_P256);
	}
	return 0;
}

bool khsm_mech_fits(u32 type, u32 mech)
{
	return mech < KHSM_MECH__COUNT && (type_mechs(type) & BIT(mech));
}

/* Bytes of secret @type keys may have: nonzero when @len is one. */
unsigned int khsm_key_secret_ok(u32 type, size_t len)
{
	switch (type) {
	case KHSM_KEY_AES:
		return len == 16 || len == 24 || len == 32;
	case KHSM_KEY_HMAC:
		return len >= 16 && len <= KHSM_HMAC_KEY_MAX;
	case KHSM_KEY_EC_P256:
	case KHSM_KEY_EC_P384:
		return len == khsm_ec_bytes(type);
	}
	return 0;
}

static int acl_check_ops(u32 ops, u32 mechs, u32 type, bool has_secret,
			 const char **why)
{
	unsigned long bits = ops;
	unsigned int op;

	if (!ops || (ops & ~KHSM_OP__ALL)) {
		*why = "the ACL must permit at least one known operation";
		return -EINVAL;
	}
	/* A wrapping key that also decrypts would unwrap keys in the clear. */
	if ((ops & OPS_WRAP) && (ops & ~OPS_WRAP)) {
		*why = "wrap and unwrap keys may do nothing else";
		return -EINVAL;
	}
	if (!has_secret && (ops & ~OPS_PUBLIC)) {
		*why = "a public key may only verify and export its public half";
		return -EINVAL;
	}
	if ((ops & BIT(KHSM_OP_EXPORT_PUBLIC)) && !khsm_ec_bytes(type)) {
		*why = "only EC keys have a public half to export";
		return -EINVAL;
	}
	for_each_set_bit(op, &bits, KHSM_OP__COUNT) {
		if (op != KHSM_OP_EXPORT_PUBLIC && !(op_mechs(op) & mechs)) {
			*why = "an operation of the ACL has no mechanism in it that performs it";
			return -EINVAL;
		}
	}
	return 0;
}

int khsm_acl_import(const struct khsm_acl *in, u32 type, bool has_secret,
		    struct khsm_kacl *acl, const char **why)
{
	u32 flags = le32_to_cpu(in->flags);
	int err;

	memset(acl, 0, sizeof(*acl));
	acl->ops = le32_to_cpu(in->ops);
	acl->mechs = le32_to_cpu(in->mechs);
	acl->flags = flags;
	acl->usage_limit = le64_to_cpu(in->usage_limit);
	acl->not_before = le64_to_cpu(in->not_before);
	acl->not_after = le64_to_cpu(in->not_after);
	memcpy(acl->wrap_key_hash, in->wrap_key_hash, KHSM_KEY_HASH_LEN);

	*why = "reserved ACL fields and unknown flags must be zero";
	if ((flags & ~KHSM_ACL_F__ALL) || in->__reserved0 ||
	    memchr_inv(in->__reserved, 0, sizeof(in->__reserved)))
		return -EINVAL;
	*why = "a mechanism of the ACL does not fit the key type";
	if (!acl->mechs || (acl->mechs & ~type_mechs(type)))
		return -EINVAL;
	err = acl_check_ops(acl->ops, acl->mechs, type, has_secret, why);
	if (err)
		return err;
	*why = "not-before is after not-after";
	if (acl->not_before && acl->not_after &&
	    acl->not_before > acl->not_after)
		return -EINVAL;
	*why = "only a wrap key can name the key it wraps";
	if (!(acl->ops & BIT(KHSM_OP_WRAP)) &&
	    memchr_inv(acl->wrap_key_hash, 0, KHSM_KEY_HASH_LEN))
		return -EINVAL;
	*why = "the caller-IV flag needs encrypt";
	if ((flags & KHSM_ACL_F_CALLER_IV) &&
	    !(acl->ops & BIT(KHSM_OP_ENCRYPT)))
		return -EINVAL;

	acl->uid = make_kuid(&init_user_ns, le32_to_cpu(in->uid));
	acl->gid = make_kgid(&init_user_ns, le32_to_cpu(in->gid));
	*why = "the ACL's uid or gid is not valid";
	if (((flags & KHSM_ACL_F_UID) && !uid_valid(acl->uid)) ||
	    ((flags & KHSM_ACL_F_GID) && !gid_valid(acl->gid)))
		return -EINVAL;
	*why = NULL;
	return 0;
}

/*
 * Everything about the key and the caller that can refuse @op with @mech,
 * cheapest first. The usage count is separate: it is spent only once the
 * request itself has been found well formed.
 */
int khsm_acl_check(const struct khsm_key *k, u32 op, u32 mech)
{
	const struct khsm_kacl *acl = &k->acl;
	time64_t now;

	if (khsm_key_revoked(k))
		return -EKEYREVOKED;
	if (op >= KHSM_OP__COUNT || mech >= KHSM_MECH__COUNT ||
	    !(op_mechs(op) & BIT(mech)) || !khsm_mech_fits(k->type, mech))
		return -EINVAL;
	if (!(acl->ops & BIT(op)) || !(acl->mechs & BIT(mech)))
		return -EPERM;
	if ((acl->flags & KHSM_ACL_F_UID) && !uid_eq(current_euid(), acl->uid))
		return -EACCES;
	if ((acl->flags & KHSM_ACL_F_GID) && !in_egroup_p(acl->gid))
		return -EACCES;
	if (acl->not_before || acl->not_after) {
		now = ktime_get_real_seconds();
		if ((acl->not_before && now < acl->not_before) ||
		    (acl->not_after && now > acl->not_after))
			return -EKEYEXPIRED;
	}
	return 0;
}

void khsm_acl_refund_use(struct khsm_key *k)
{
	if (k->usage)
		atomic64_dec(&k->usage->used);
}

int khsm_acl_count_use(struct khsm_key *k)
{
	if (!k->usage)
		return 0;
	if (atomic64_fetch_add_unless(&k->usage->used, 1,
				      k->acl.usage_limit) >= k->acl.usage_limit)
		return -EDQUOT;
	return 0;
}
