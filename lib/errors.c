// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Error texts and state names. Everything here returns static strings so
 * callers on any thread can use them without a buffer.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <netlink/errno.h>

#include "internal.h"

/*
 * The errnos the module gives a sense of its own; the rest read as the C
 * library says. ENOENT is what opening a channel meets when the module is
 * not loaded (no family, no device node); commands must keep to ENOKEY for
 * a missing object, or this text would lie.
 */
static const struct {
	int err;
	const char *text;
} khsm_errors[] = {
	{ ENOENT,	"khsm module not loaded" },
	{ EIO,		"module is in its error state (self-test failed)" },
	{ EPERM,	"not permitted (by the policy or the key's ACL, or without the khsm group or CAP_SYS_ADMIN)" },
	{ EACCES,	"access denied (wrong passphrase, no ACS authorisation, or no access to the device)" },
	{ EKEYREVOKED,	"key handle revoked (its token was unloaded)" },
	{ EKEYEXPIRED,	"key outside its validity window (not before, not after)" },
	{ EDQUOT,	"key usage limit reached" },
	{ ENOKEY,	"no such key or token, or no world loaded" },
	{ EKEYREJECTED,	"key rejected (wrong passphrase or failed integrity check)" },
	{ EAGAIN,	"temporarily refused, retry later (the message says when)" },
	{ EBADMSG,	"damaged, truncated or foreign file, or wrong key" },
	{ EXDEV,	"card of another world or of a replaced card set" },
	{ EPROTONOSUPPORT, "file format version not supported" },
	{ ENOTCONN,	"channel not open on this khsm handle" },
	{ EPROTO,	"unexpected reply from the khsm module" },
};

static const char *libc_text(int err)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 32)
	/* Thread-safe and never a "Unknown error %d" in a shared buffer. */
	const char *s = strerrordesc_np(err);

	return s ? s : "unknown error";
#else
	return strerror(err);
#endif
}

KHSM_API const char *khsm_strerror(int err)
{
	size_t i;

	if (err == INT_MIN)	/* -INT_MIN overflows; no errno is that */
		return "unknown error";
	if (err < 0)
		err = -err;
	if (!err)
		return "success";
	for (i = 0; i < ARRAY_SIZE(khsm_errors); i++)
		if (khsm_errors[i].err == err)
			return khsm_errors[i].text;
	return libc_text(err);
}

/*
 * libnl reports its own NLE_* codes, which lose detail (nl_syserr2nlerr()
 * folds many errnos into one). Map them back to the closest errno; codes
 * that mean "the message made no sense" become EPROTO, never EIO, which the
 * module uses for its error state.
 */
static const struct {
	int nlerr;
	int err;
} nlerr_table[] = {
	{ NLE_INTR,		EINTR },
	{ NLE_BAD_SOCK,		EBADF },
	{ NLE_AGAIN,		EAGAIN },
	{ NLE_NOMEM,		ENOMEM },
	{ NLE_EXIST,		EEXIST },
	{ NLE_INVAL,		EINVAL },
	{ NLE_RANGE,		ERANGE },
	{ NLE_MSGSIZE,		EMSGSIZE },
	{ NLE_OPNOTSUPP,	EOPNOTSUPP },
	{ NLE_AF_NOSUPPORT,	EAFNOSUPPORT },
	{ NLE_OBJ_NOTFOUND,	ENOENT },
	{ NLE_NOADDR,		EADDRNOTAVAIL },
	{ NLE_BUSY,		EBUSY },
	{ NLE_PROTO_MISMATCH,	EPROTONOSUPPORT },
	{ NLE_NOACCESS,		EACCES },
	{ NLE_PERM,		EPERM },
	{ NLE_NODEV,		ENODEV },
	{ NLE_DUMP_INTR,	EINTR },
};

int khsm_nlerr_to_errno(int nlerr)
{
	size_t i;

	if (nlerr == INT_MIN)
		return -EPROTO;
	if (nlerr < 0)
		nlerr = -nlerr;
	if (!nlerr)
		return 0;
	for (i = 0; i < ARRAY_SIZE(nlerr_table); i++)
		if (nlerr_table[i].nlerr == nlerr)
			return -nlerr_table[i].err;
	return -EPROTO;
}

KHSM_API const char *khsm_selftest_state_name(uint32_t state)
{
	static const char *const names[] = {
		[KHSM_SELFTEST_PENDING]	= "pending",
		[KHSM_SELFTEST_PASSED]	= "passed",
		[KHSM_SELFTEST_FAILED]	= "failed",
	};

	return state < ARRAY_SIZE(names) ? names[state] : "unknown";
}

KHSM_API const char *khsm_world_state_name(uint32_t state)
{
	static const char *const names[] = {
		[KHSM_WORLD_UNINITIALISED]	= "uninitialised",
		[KHSM_WORLD_OPERATIONAL]	= "operational",
		[KHSM_WORLD_ERROR]		= "error",
		[KHSM_WORLD_LOADING]		= "loading",
	};

	return state < ARRAY_SIZE(names) ? names[state] : "unknown";
}

KHSM_API const char *khsm_token_name(uint32_t token)
{
	static const char *const names[] = {
		[KHSM_TOKEN_ACS]		= "acs",
		[KHSM_TOKEN_LOAD_WORLD]		= "load-world",
		[KHSM_TOKEN_KEY_RECOVERY]	= "key-recovery",
		[KHSM_TOKEN_PP_RECOVERY]	= "passphrase-recovery",
	};

	return token < ARRAY_SIZE(names) ? names[token] : "unknown";
}

KHSM_API const char *khsm_set_type_name(uint32_t type)
{
	static const char *const names[] = {
		[KHSM_SET_ACS]		= "acs",
		[KHSM_SET_OCS]		= "ocs",
		[KHSM_SET_SOFTCARD]	= "softcard",
	};

	return type < ARRAY_SIZE(names) && names[type] ? names[type] :
	       "unknown";
}

KHSM_API const char *khsm_version(void)
{
	return KHSM_VERSION;
}
