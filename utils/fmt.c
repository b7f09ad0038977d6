// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * How khsmctl shows bytes, keys and times, and reads numbers and names.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <openssl/evp.h>

#include "khsmctl.h"

/* Lowercase hex of @len bytes into @out, HEX_LEN(len) bytes; returns @out. */
char *hex(char *out, const uint8_t *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * len] = '\0';
	return out;
}

/*
 * SHA-256 of a public key, in hex: what an auditor compares with the
 * fingerprint on the ceremony record. OpenSSL's libcrypto rather than
 * AF_ALG, so that it works on any host, with or without the module.
 */
int key_fingerprint(const uint8_t *key, size_t len, char out[HEX_LEN(32)])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(key, len, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen != 32)
		return -EIO;
	hex(out, md, 32);
	return 0;
}

/* "2025-11-23T17:49:11Z" */
char *iso_time(char *out, size_t size, uint64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) ||
	    !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, size, "@%llu", (unsigned long long)t);
	return out;
}

/* Decimal only, within @min..@max: -EINVAL otherwise. */
int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v = 0;
	const char *p;

	if (!s || !*s || strlen(s) > 10)
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	if (v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* strlcpy(): @src cut to fit, always terminated. */
void copy_text(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * Card names and holders end up in slot lists, the register and the
 * terminal: 1 to @max - 1 bytes, no control characters (tabs and newlines
 * would break the register's lines).
 */
bool printable_name(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	size_t i;

	if (!n || n == max)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/*
 * Before a passphrase is read: no core dump, no ptrace by our own uid, no
 * /proc/PID/mem. Passphrases never come from argv or the environment.
 * RLIMIT_CORE too, because with fs.suid_dumpable=2 an undumpable process
 * still dumps core (for root to read); the pages holding secrets are kept
 * out of any dump by secure memory anyway. Idempotent.
 */
int harden_process(const char *cmd)
{
	const struct rlimit none = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)) {
		fail(cmd, "cannot make the process undumpable: %s",
		     strerror(errno));
		return KHSMCTL_EXIT_FAILED;
	}
	if (setrlimit(RLIMIT_CORE, &none)) {
		fail(cmd, "cannot turn core dumps off: %s", strerror(errno));
		return KHSMCTL_EXIT_FAILED;
	}
	return KHSMCTL_EXIT_OK;
}
