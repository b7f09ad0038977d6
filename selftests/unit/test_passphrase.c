// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Passphrase input and stretching: lines from a descriptor (one per card,
 * empty for none, CRLF tolerated), the leftover-line check, locked memory,
 * and khsm_pp_derive(), which needs AF_ALG: where the host has none, its
 * clean failure is what is tested, and the result is compared with
 * OpenSSL's PBKDF2 where it has.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <kcapi.h>
#include <openssl/evp.h>

#include "cards.h"
#include "unit.h"

/* A pipe already holding @text, its write end closed. */
static int pipe_with(const char *text, size_t len)
{
	int fds[2];

	if (pipe(fds))
		return -1;
	if (write(fds[1], text, len) != (ssize_t)len) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	close(fds[1]);
	return fds[0];
}

static void one_line_per_card(void)
{
	static const char text[] = "first\n\nthird\r\nfourth";
	char buf[PP_MAX + 1];
	size_t len;
	int fd = pipe_with(text, sizeof(text) - 1);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_INT(pp_read_line(fd, buf, sizeof(buf), &len), 0);
	CHECK_STR(buf, "first");
	CHECK_INT(len, 5);
	CHECK_INT(pp_read_line(fd, buf, sizeof(buf), &len), 0);
	CHECK_INT(len, 0);		/* card 2: no passphrase */
	CHECK_INT(pp_read_line(fd, buf, sizeof(buf), &len), 0);
	CHECK_STR(buf, "third");	/* CRLF */
	CHECK_INT(pp_read_line(fd, buf, sizeof(buf), &len), 0);
	CHECK_STR(buf, "fourth");	/* no final newline */
	CHECK_INT(pp_read_line(fd, buf, sizeof(buf), &len), -ENODATA);
	close(fd);
}

static void odd_lines(void)
{
	static const char text[] = "12345678\nab\0cd\n  spaced  \n";
	char buf[16];
	size_t len;
	int fd = pipe_with(text, sizeof(text) - 1);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	/* A refused line is read whole: the next one starts clean. */
	CHECK_INT(pp_read_line(fd, buf, 8, &len), -EMSGSIZE);
	CHECK_INT(pp_read_line(fd, buf, sizeof(buf), &len), -EINVAL);
	/* Spaces belong to the passphrase. */
	CHECK_INT(pp_read_line(fd, buf, sizeof(buf), &len), 0);
	CHECK_STR(buf, "  spaced  ");
	close(fd);
}

static void leftover_lines(void)
{
	static const char ok[] = "a\nb\n\n\n";
	static const char extra[] = "a\nb\nc\n";
	struct pp_opts o = { .fd = -1 };
	struct pp_source s;
	char buf[PP_MAX + 1];
	size_t len;

	o.fd = pipe_with(ok, sizeof(ok) - 1);
	CHECK_INT(pp_source_open(&s, &o, "test"), 0);
	CHECK_INT(pp_next(&s, "test", "", buf, &len), 0);
	CHECK_INT(pp_next(&s, "test", "", buf, &len), 0);
	CHECK_STR(buf, "b");
	CHECK_INT(pp_no_more_lines(&s, "test", buf), 0);
	pp_source_close(&s);
	close(o.fd);

	o.fd = pipe_with(extra, sizeof(extra) - 1);
	CHECK_INT(pp_source_open(&s, &o, "test"), 0);
	CHECK_INT(pp_next(&s, "test", "", buf, &len), 0);
	CHECK_INT(pp_next(&s, "test", "", buf, &len), 0);
	fprintf(stderr, "# expected: ");
	CHECK_INT(pp_no_more_lines(&s, "test", buf), KHSMCTL_EXIT_USAGE);
	pp_source_close(&s);
	close(o.fd);

	/* --no-passphrase: every card gets none, nothing is read. */
	o.fd = -1;
	o.none = true;
	CHECK_INT(pp_source_open(&s, &o, "test"), 0);
	CHECK_INT(pp_next(&s, "test", "", buf, &len), 0);
	CHECK_INT(len, 0);
	pp_source_close(&s);
}

static void characters(void)
{
	CHECK_INT(utf8_chars("", 0), 0);
	CHECK_INT(utf8_chars("abc", 3), 3);
	CHECK_INT(utf8_chars("h\xc3\xa9h\xc3\xa9", 6), 4);	/* héhé */
	CHECK_INT(utf8_chars("\xf0\x9f\x94\x91", 4), 1);	/* a key */
}

static void locked_memory(void)
{
	uint8_t *p = khsm_secure_alloc(10000);
	size_t i, nonzero = 0;

	CHECK(p);
	if (!p)
		return;
	CHECK_INT((uintptr_t)p % (uintptr_t)sysconf(_SC_PAGESIZE), 0);
	for (i = 0; i < 10000; i++)
		nonzero += p[i] != 0;
	CHECK_INT(nonzero, 0);
	memset(p, 0x5a, 10000);
	khsm_secure_free(p, 10000);
	khsm_secure_free(NULL, 1);
	CHECK(!khsm_secure_alloc(0));
}

/*
 * The VmFlags of the mapping holding @addr in /proc/self/smaps, into
 * @flags (" lo dd ..."); false if no mapping holds it.
 */
static bool vm_flags(const void *addr, char *flags, size_t size)
{
	unsigned long start, end, a = (unsigned long)addr;
	bool inside = false, found = false;
	char line[512];
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' '))
			inside = a >= start && a < end;
		else if (inside && !strncmp(line, "VmFlags:", 8)) {
			snprintf(flags, size, "%s", line + 8);
			found = true;
		}
	}
	fclose(f);
	return found;
}

static bool has_flag(const char *flags, const char *flag)
{
	char word[8];

	snprintf(word, sizeof(word), " %s", flag);
	return strstr(flags, word) != NULL;
}

/* Locked, out of core dumps, wiped in children; gone when freed. */
static void secure_memory_flags(void)
{
	uint8_t *p = khsm_secure_alloc(5000);
	char flags[256];

	CHECK(p);
	if (!p)
		return;
	p[4999] = 1;
	CHECK(vm_flags(p, flags, sizeof(flags)));
	if (!has_flag(flags, "lo") || !has_flag(flags, "dd") ||
	    !has_flag(flags, "wf"))
		unit_fail(__FILE__, __LINE__, "secure memory not lo+dd+wf:%s",
			  flags);
	CHECK(vm_flags(p + 4096, flags, sizeof(flags)));
	CHECK(has_flag(flags, "lo"));
	khsm_secure_free(p, 5000);
	CHECK(!vm_flags(p, flags, sizeof(flags)));
}

/* What the stand-in PBKDF2 of the ceremony below saw. */
static struct {
	int dumpable;
	bool locked;
	char pp[32];
} seen;

static int seeing_derive(const char *pp, size_t len,
			 const uint8_t salt[KHSM_PP_SALT_LEN], uint32_t iter,
			 uint8_t out[KHSM_PP_KEY_LEN])
{
	char flags[256];

	(void)salt;
	(void)iter;
	seen.dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	seen.locked = vm_flags(pp, flags, sizeof(flags)) &&
		      has_flag(flags, "lo") && has_flag(flags, "dd");
	snprintf(seen.pp, sizeof(seen.pp), "%.*s", (int)len, pp);
	memset(out, 0x77, KHSM_PP_KEY_LEN);
	return 0;
}

/*
 * A card presented with its passphrase on a descriptor, as "token load"
 * does: from before the passphrase is read the process is undumpable and
 * has no core limit; the passphrase sits in locked, undumped memory while
 * it is stretched, and is wiped once it is. In a child, which this leaves
 * undumpable; the child's exit status is the number of the failed check.
 */
static int ceremony_child(void)
{
	static const char text[] = "tr0ub4dor\n";
	struct khsm_card_info ci = { .index = 1, .has_passphrase = 1,
				     .pbkdf2_iter = 1000 };
	struct present_args a;
	struct presenter p;
	struct rlimit core;
	size_t i, left = 0;
	int fd;

	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) ||
	    prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 1)
		return 10;
	present_args_init(&a);
	fd = pipe_with(text, sizeof(text) - 1);
	if (fd < 0)
		return 11;
	a.pp.fd = fd;
	pp_derive = seeing_derive;
	if (presenter_open(&p, NULL, "test", 0, &a))
		return 12;
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return 1;	/* not hardened before reading */
	if (getrlimit(RLIMIT_CORE, &core) || core.rlim_cur || core.rlim_max)
		return 2;
	if (card_key(&p, &ci, "Passphrase: "))
		return 13;
	if (strcmp(seen.pp, "tr0ub4dor"))
		return 14;
	if (seen.dumpable != 0)
		return 3;
	if (!seen.locked)
		return 4;	/* read into ordinary memory */
	for (i = 0; i < sizeof(p.sec->pp); i++)
		left += p.sec->pp[i] != 0;
	if (left)
		return 5;	/* not wiped after stretching */
	if (p.sec->key[0] != 0x77)
		return 15;
	presenter_close(&p);
	close(fd);
	return 0;
}

static void ceremony_hardening(void)
{
	int status = -1;
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0)
		_exit(ceremony_child());
	CHECK_INT(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), 0);
}

static void derive_arguments(void)
{
	uint8_t salt[KHSM_PP_SALT_LEN] = { 0 }, out[KHSM_PP_KEY_LEN];

	memset(out, 0xa5, sizeof(out));
	CHECK_INT(khsm_pp_derive("pw", 2, salt, 999, out), -EINVAL);
	CHECK_INT(out[0] | out[31], 0);		/* wiped */
	CHECK_INT(khsm_pp_derive("pw", 2, salt, 10000001, out), -EINVAL);
	CHECK_INT(khsm_pp_derive("pw", 2, NULL, 1000, out), -EINVAL);
	CHECK_INT(khsm_pp_derive(NULL, 2, salt, 1000, out), -EINVAL);
	CHECK_INT(khsm_pp_derive("pw", 2, salt, 1000, NULL), -EINVAL);
}

/* PBKDF2-HMAC-SHA256, as OpenSSL computes it, must come out of AF_ALG. */
static void derive_matches_openssl(void)
{
	static const uint8_t salt[KHSM_PP_SALT_LEN] = "0123456789abcdef";
	uint8_t got[KHSM_PP_KEY_LEN], want[KHSM_PP_KEY_LEN];
	int ret;

	kcapi_set_verbosity(KCAPI_LOG_NONE);
	memset(got, 0xa5, sizeof(got));
	ret = khsm_pp_derive("correct horse", 13, salt, 1000, got);
	if (ret == -EAFNOSUPPORT) {
		CHECK_INT(got[0] | got[31], 0);	/* wiped */
		unit_skip("no AF_ALG on this host: the failure is clean");
		return;
	}
	CHECK_INT(ret, 0);
	CHECK_INT(PKCS5_PBKDF2_HMAC("correct horse", 13, salt, sizeof(salt),
				    1000, EVP_sha256(), sizeof(want), want), 1);
	CHECK(!memcmp(got, want, sizeof(want)));
}

static int fake_derive(const char *pp, size_t len,
		       const uint8_t salt[KHSM_PP_SALT_LEN], uint32_t iter,
		       uint8_t out[KHSM_PP_KEY_LEN])
{
	size_t i;

	(void)iter;
	for (i = 0; i < KHSM_PP_KEY_LEN; i++)
		out[i] = (uint8_t)((len ? pp[i % len] : 0) ^ salt[i % 16]);
	return 0;
}

/* The tool's callers go through pp_derive, which tests may replace. */
static void derive_is_injectable(void)
{
	uint8_t salt[KHSM_PP_SALT_LEN] = { 1 }, key[KHSM_PP_KEY_LEN];

	CHECK(pp_derive == khsm_pp_derive);
	pp_derive = fake_derive;
	CHECK_INT(pp_stretch("test", 1, "ab", 2, salt, 1000, key), 0);
	CHECK_INT(key[0], 'a' ^ 1);
	CHECK_INT(key[1], 'b');
	pp_derive = khsm_pp_derive;
}

static const struct unit_test tests[] = {
	{ "one line per card", one_line_per_card },
	{ "long lines, NUL bytes, spaces", odd_lines },
	{ "lines left over", leftover_lines },
	{ "characters are code points", characters },
	{ "locked memory", locked_memory },
	{ "secure memory is lo+dd+wf", secure_memory_flags },
	{ "undumpable before the passphrase, wiped after", ceremony_hardening },
	{ "khsm_pp_derive arguments", derive_arguments },
	{ "khsm_pp_derive is PBKDF2-HMAC-SHA256", derive_matches_openssl },
	{ "PBKDF2 is injectable", derive_is_injectable },
};

UNIT_SUITE(passphrase, tests);
