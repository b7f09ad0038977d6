// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Passphrases: read from a terminal with echo off, or one per line from a
 * file or descriptor, into locked memory, and stretched there. They never
 * come from argv or the environment, and are wiped once stretched.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cards.h"

int (*pp_derive)(const char *pp, size_t len,
		 const uint8_t salt[KHSM_PP_SALT_LEN], uint32_t iter,
		 uint8_t out[KHSM_PP_KEY_LEN]) = khsm_pp_derive;

/* A signal that arrived while the terminal had echo off. */
static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
	caught = sig;
}

/*
 * Every passphrase is read into one of these, so hardening the process
 * here is hardening it before the first passphrase, whichever command
 * reads it.
 */
struct secrets *secrets_alloc(const char *cmd)
{
	struct secrets *s;

	if (harden_process(cmd))
		return NULL;
	s = khsm_secure_alloc(sizeof(*s));
	if (!s)
		fail(cmd, "cannot lock memory for passphrases: %s (see ulimit -l)",
		     strerror(errno));
	return s;
}

void secrets_free(struct secrets *s)
{
	khsm_secure_free(s, sizeof(*s));
}

/*
 * One line from @fd into @buf, without its "\n" or "\r\n", NUL-terminated,
 * a byte at a time so nothing past the line is consumed (the next card's
 * line stays in the descriptor). 0; -ENODATA at end of input; -EMSGSIZE
 * if the line does not fit in @size - 1 bytes, or -EINVAL if it holds a
 * NUL byte, having read the whole line all the same.
 */
int pp_read_line(int fd, char *buf, size_t size, size_t *len)
{
	size_t n = 0, got = 0;
	int ret = 0;
	ssize_t r;
	char c;

	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR && !caught)
			continue;
		if (r < 0)
			return -errno;
		if (!r && !got)
			return -ENODATA;
		if (!r || c == '\n')
			break;
		got++;
		if (!c)
			ret = -EINVAL;
		else if (n + 1 >= size)
			ret = ret ?: -EMSGSIZE;
		else
			buf[n++] = c;
	}
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return ret;
}

bool interactive(void)
{
	return isatty(STDIN_FILENO);
}

static const int tty_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

/*
 * A line from the terminal, with echo off for secrets. A signal restores
 * the terminal and then takes its course, so ^C never leaves it mute.
 */
static int tty_line(const char *prompt, bool echo, char *buf, size_t size,
		    size_t *len)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct sigaction old[ARRAY_SIZE(tty_signals)];
	struct termios saved, quiet;
	size_t i;
	int ret;

	if (echo) {
		fputs(prompt, stderr);
		fflush(stderr);
		return pp_read_line(STDIN_FILENO, buf, size, len);
	}
	if (tcgetattr(STDIN_FILENO, &saved))
		return -errno;
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	caught = 0;
	for (i = 0; i < ARRAY_SIZE(tty_signals); i++)
		sigaction(tty_signals[i], &sa, &old[i]);	/* no SA_RESTART */
	/* Echo off before the prompt: nothing typed after it may show. */
	ret = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) ? -errno : 0;
	if (!ret) {
		fputs(prompt, stderr);
		fflush(stderr);
		ret = pp_read_line(STDIN_FILENO, buf, size, len);
	}
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	for (i = 0; i < ARRAY_SIZE(tty_signals); i++)
		sigaction(tty_signals[i], &old[i], NULL);
	if (caught) {
		explicit_bzero(buf, size);
		raise(caught);
		return -EINTR;
	}
	return ret;
}

/* "PROMPT [DEF]: ", and DEF when the answer is empty. */
int ask(const char *prompt, const char *def, char *buf, size_t size)
{
	char line[512];
	size_t len;
	int ret;

	snprintf(line, sizeof(line), "%s%s%s%s: ", prompt, def ? " [" : "",
		 def ? def : "", def ? "]" : "");
	ret = tty_line(line, true, buf, size, &len);
	if (ret)
		return ret;
	if (!len && def)
		snprintf(buf, size, "%s", def);
	return 0;
}

/* Only "y" or "yes" say yes; end of input says no. */
bool confirm(const char *question)
{
	char prompt[512], answer[16];
	size_t len;

	snprintf(prompt, sizeof(prompt), "%s [y/N]: ", question);
	if (tty_line(prompt, true, answer, sizeof(answer), &len))
		return false;
	return !strcmp(answer, "y") || !strcmp(answer, "yes");
}

/* A passphrase file must not be writable by others; warn if readable. */
static int check_pp_file(int fd, const char *file, const char *cmd)
{
	struct stat st;

	if (fstat(fd, &st)) {
		fail(cmd, "%s: %s", file, strerror(errno));
		return KHSMCTL_EXIT_FAILED;
	}
	if (!S_ISREG(st.st_mode))
		return 0;	/* a pipe or /dev/stdin: the caller's business */
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return refuse_mode(cmd, file, st.st_mode);
	if (st.st_mode & (S_IRGRP | S_IROTH))
		warn("%s is readable by others (mode %04o)", file,
		     (unsigned int)(st.st_mode & 07777));
	return 0;
}

static int open_pp_file(struct pp_source *s, const char *file, const char *cmd)
{
	s->fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (s->fd < 0) {
		fail(cmd, "%s: %s", file, strerror(errno));
		return KHSMCTL_EXIT_FAILED;
	}
	s->own_fd = true;
	snprintf(s->what, sizeof(s->what), "%s", file);
	return check_pp_file(s->fd, file, cmd);
}

int pp_source_open(struct pp_source *s, const struct pp_opts *o,
		   const char *cmd)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->none = o->none;
	if (o->file)
		return open_pp_file(s, o->file, cmd);
	if (o->fd >= 0) {
		if (fcntl(o->fd, F_GETFD) < 0) {
			fail(cmd, "--passphrase-fd %d: %s", o->fd,
			     strerror(errno));
			return KHSMCTL_EXIT_USAGE;
		}
		s->fd = o->fd;
		snprintf(s->what, sizeof(s->what), "--passphrase-fd %d", o->fd);
		return 0;
	}
	s->tty = !o->none && interactive();
	return 0;
}

void pp_source_close(struct pp_source *s)
{
	if (s->own_fd && s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->own_fd = false;
}

static int line_error(struct pp_source *s, const char *cmd, int err)
{
	switch (err) {
	case -ENODATA:
		fail(cmd, "%s: no line %u: one passphrase line per card",
		     s->what, s->line);
		break;
	case -EMSGSIZE:
		fail(cmd, "%s: line %u: longer than %d bytes", s->what, s->line,
		     PP_MAX);
		break;
	case -EINVAL:
		fail(cmd, "%s: line %u: NUL byte", s->what, s->line);
		break;
	default:
		fail(cmd, "%s: %s", s->what, strerror(-err));
	}
	return KHSMCTL_EXIT_FAILED;
}

/*
 * The next card's passphrase into @buf (PP_MAX + 1 bytes): its line from
 * the file or descriptor, or asked on the terminal with @prompt; an empty
 * one means none. Returns 0 or an exit status, having said why.
 */
int pp_next(struct pp_source *s, const char *cmd, const char *prompt,
	    char *buf, size_t *len)
{
	int ret;

	*len = 0;
	buf[0] = '\0';
	if (s->none)
		return 0;
	if (s->fd >= 0) {
		s->line++;
		ret = pp_read_line(s->fd, buf, PP_MAX + 1, len);
		return ret ? line_error(s, cmd, ret) : 0;
	}
	if (!s->tty) {
		fail(cmd, "not on a terminal: give --passphrase-fd or --passphrase-file");
		return KHSMCTL_EXIT_USAGE;
	}
	ret = tty_line(prompt, false, buf, PP_MAX + 1, len);
	if (ret == -EMSGSIZE)
		fail(cmd, "passphrase longer than %d bytes", PP_MAX);
	else if (ret && ret != -ENODATA)
		fail(cmd, "reading the passphrase: %s", strerror(-ret));
	else if (ret)
		fail(cmd, "no passphrase (end of input)");
	return ret ? KHSMCTL_EXIT_FAILED : 0;
}

/*
 * After the last card of a new set: a line left over means the lines and
 * the cards were not what the operator thought, and some card would get a
 * passphrase meant for another. Empty trailing lines are harmless. @buf
 * (PP_MAX + 1 bytes) takes what is read.
 */
int pp_no_more_lines(struct pp_source *s, const char *cmd, char *buf)
{
	size_t len;
	int err;

	while (s->fd >= 0) {
		s->line++;
		err = pp_read_line(s->fd, buf, PP_MAX + 1, &len);
		if (err == -ENODATA)
			return 0;
		if (err)
			return line_error(s, cmd, err);
		if (len) {
			fail(cmd, "%s: line %u: more passphrases than cards",
			     s->what, s->line);
			return KHSMCTL_EXIT_USAGE;
		}
	}
	return 0;
}

/* --passphrase-fd and --passphrase-file, or getopt's abbreviations of them. */
static bool pp_option(const char *name, size_t len)
{
	static const char *const ok[] = { "--passphrase-fd", "--passphrase-file" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ok); i++)
		if (len > strlen("--passphrase-") && !strncmp(name, ok[i], len))
			return true;
	return false;
}

/*
 * "--passphrase SECRET", "--password=SECRET" and their like: refused before
 * getopt sees them, in words that do not repeat the argument (getopt's
 * own message would, into a terminal's scrollback or a CI log). Options
 * end at "--".
 */
bool passphrase_in_argv(int argc, char *argv[])
{
	size_t len;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (strncmp(argv[i], "--pass", strlen("--pass")))
			continue;
		len = strcspn(argv[i], "=");
		if (pp_option(argv[i], len))
			continue;
		fprintf(stderr,
			"%s: passphrases are never taken from the command line or the environment: use --passphrase-fd FD or --passphrase-file FILE\n",
			PROG_NAME);
		return true;
	}
	return false;
}

/* Characters, as a person counts them: UTF-8 code points. */
size_t utf8_chars(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/* SP 800-131A: FIPS mode's HMAC (the kernel's, so PBKDF2's) keys. */
#define FIPS_HMAC_KEY_MIN	14u

static bool fips_mode(void)
{
	char c = '0';
	int fd = open("/proc/sys/crypto/fips_enabled", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1)
		c = '0';
	close(fd);
	return c == '1';
}

/*
 * PBKDF2 takes a visible while at the default 200000 iterations; say what
 * is happening, one line per card, so a ceremony never looks hung.
 */
int pp_stretch(const char *cmd, unsigned int index, const char *pp, size_t len,
	       const uint8_t salt[KHSM_PP_SALT_LEN], uint32_t iter,
	       uint8_t key[KHSM_PP_KEY_LEN])
{
	int ret;

	fprintf(stderr, "card %u: stretching the passphrase (%u PBKDF2-HMAC-SHA256 iterations)\n",
		index, iter);
	ret = pp_derive(pp, len, salt, iter, key);
	if (ret == -EAFNOSUPPORT)
		fail(cmd, "PBKDF2 needs the kernel's AF_ALG sockets (CONFIG_CRYPTO_USER_API_HASH): %s",
		     strerror(-ret));
	else if (ret == -EINVAL && len < FIPS_HMAC_KEY_MIN && fips_mode())
		fail(cmd, "card %u: the kernel is in FIPS mode, whose HMAC refuses keys under 112 bits: a passphrase needs at least %u bytes here (this one has %zu)",
		     index, FIPS_HMAC_KEY_MIN, len);
	else if (ret)
		fail(cmd, "PBKDF2: %s", strerror(-ret));
	return ret ? KHSMCTL_EXIT_FAILED : 0;
}
