// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl token: load the logical token of an operator card set or
 * softcard, keep it (--hold) or run a command with it (preload), list the
 * loaded tokens and unload one.
 *
 * A token belongs to the connection that loaded it and goes when that
 * connection closes, persistent or not: a "token load" that has returned
 * has given its token up. --hold keeps the connection, and the card that
 * loaded a non-persistent token in its slot, until a signal or the end of
 * standard input; preload keeps them while its command runs.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json.h"
#include "keys.h"

/* How often --hold asks whether its token is still loaded. */
#define HOLD_CHECK_MS	1000

char *token_hex(char out[TOKEN_ID_LEN], uint64_t id)
{
	snprintf(out, TOKEN_ID_LEN, "%016" PRIx64, id);
	return out;
}

/* "persistent, uid 1000, gid 1001, pid 4242, 541 s left", a line. */
void print_token_text(FILE *f, const struct khsm_token_info *t)
{
	fprintf(f, "%s, uid %u", t->persistent ? "persistent" :
		"non-persistent", t->owner_uid);
	if (t->shared)
		fprintf(f, ", gid %u", t->share_gid);
	if (t->loader_pid)
		fprintf(f, ", pid %u", t->loader_pid);
	if (t->has_remaining)
		fprintf(f, ", %u s left", (t->remaining_ms + 999) / 1000);
	fputc('\n', f);
}

void print_token_json(FILE *f, const struct khsm_token_info *t)
{
	char id[TOKEN_ID_LEN];
	bool first = true;

	fputc('{', f);
	json_key(f, &first, "id");
	json_string(f, token_hex(id, t->id));
	json_key(f, &first, "set_id");
	json_hex(f, t->set_id, sizeof(t->set_id));
	json_key(f, &first, "name");
	json_string(f, t->name);
	json_key(f, &first, "type");
	json_string(f, khsm_set_type_name(t->type));
	json_key(f, &first, "persistent");
	json_bool(f, t->persistent);
	json_key(f, &first, "owner_uid");
	fprintf(f, "%u", t->owner_uid);
	json_key(f, &first, "share_gid");
	json_uint(f, t->shared, t->share_gid);
	json_key(f, &first, "loader_pid");
	json_uint(f, t->loader_pid, t->loader_pid);
	json_key(f, &first, "remaining_ms");
	json_uint(f, t->has_remaining, t->remaining_ms);
	fputc('}', f);
}

/* Loading a token, and what it took. */
struct loader {
	const char *cmd;
	const struct load_args *args;
	struct khsm *h;
	FILE *out;			/* our lines: stdout; preload: stderr */
	uint32_t share_gid;
	uint64_t id;
	struct khsm_cardset_record rec;
};

/* A loader with room for the set's record, which is large. */
static struct loader *loader_new(const char *cmd, const struct load_args *a,
				 FILE *out)
{
	struct loader *l = calloc(1, sizeof(*l));

	if (!l) {
		fail(cmd, "%s", strerror(ENOMEM));
		return NULL;
	}
	l->cmd = cmd;
	l->args = a;
	l->out = out;
	return l;
}

/* A group name, or a gid. */
static int parse_group(const char *cmd, const char *s, uint32_t *gid)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (!parse_u32(s, 0, UINT32_MAX - 1, gid))
		return 0;
	if (!getgrnam_r(s, &gr, buf, sizeof(buf), &res) && res) {
		*gid = res->gr_gid;
		return 0;
	}
	fail(cmd, "--share-gid %s: no such group", s);
	return KHSMCTL_EXIT_USAGE;
}

/* The first empty slot, unless --slot said which. */
static int pick_slot(struct loader *l, uint8_t *slot)
{
	struct khsm_slot *s = NULL;
	size_t n = 0, i;
	int err;

	*slot = l->args->present.slot;
	if (l->args->present.slot_given)
		return 0;
	err = khsm_slot_list(l->h, &s, &n);
	if (err)
		return report_error(l->cmd, l->h, err);
	for (i = 0; i < n && s[i].occupied; i++)
		;
	if (i < n)
		*slot = s[i].number;
	free(s);
	if (i < n)
		return 0;
	fail(l->cmd, "no empty slot");
	return KHSMCTL_EXIT_FAILED;
}

/* A softcard's one card is its kmdata file; an OCS's are --card files. */
static int present_set(struct loader *l, struct presenter *p)
{
	const struct present_args *a = &l->args->present;
	char file[NAME_MAX];
	const char *one[1];
	char *path;
	int ret;

	if (l->rec.type != KHSM_SET_SOFTCARD)
		return present_cards(p, a->cards, a->ncards);
	set_file(file, sizeof(file), KHSM_SOFTCARD_PREFIX, l->rec.name);
	path = kmdata_path(file);
	if (!path) {
		fail(l->cmd, "%s", strerror(ENOMEM));
		return KHSMCTL_EXIT_FAILED;
	}
	one[0] = path;
	p->read_flags = KHSM_READ_NO_GROUP_WRITE | KHSM_READ_NO_OTHER_WRITE;
	ret = present_cards(p, one, 1);
	free(path);
	return ret;
}

/* Cards until the token loads, with passphrases and secrets of our own. */
static int present(struct loader *l)
{
	struct presenter p;
	int ret;

	ret = presenter_open(&p, l->h, l->cmd, 0, &l->args->present) ?:
	      pick_slot(l, &p.slot);
	if (!ret) {
		p.out = l->out;
		p.set = &l->rec;
		p.keep_last = !l->rec.persistent;
		p.share = l->args->share != NULL;
		p.share_gid = l->share_gid;
		ret = present_set(l, &p);
		l->id = p.token_id;
	}
	presenter_close(&p);
	return ret;
}

/* Which cards make sense for the set, before any is read. */
static int check_cards_given(const struct loader *l)
{
	const struct present_args *a = &l->args->present;

	if (l->rec.type == KHSM_SET_SOFTCARD && a->ncards) {
		fail(l->cmd, "'%s' is a softcard: its card is in the kmdata directory, no --card",
		     l->rec.name);
		return KHSMCTL_EXIT_USAGE;
	}
	if (l->rec.type == KHSM_SET_OCS && !a->ncards && !interactive()) {
		fail(l->cmd, "not on a terminal: give --card");
		return KHSMCTL_EXIT_USAGE;
	}
	return 0;
}

/* Load the token of l->args->name on a new connection, l->h. */
static int load_token(struct loader *l)
{
	return (l->args->share ?
		parse_group(l->cmd, l->args->share, &l->share_gid) : 0) ?:
	       read_set_record(l->cmd, l->args->name, &l->rec) ?:
	       check_cards_given(l) ?: harden_process(l->cmd) ?:
	       open_control(l->cmd, &l->h) ?: present(l);
}

/* "token ID loaded": from now on a script may rely on the token. */
static void say_loaded(struct loader *l)
{
	char id[TOKEN_ID_LEN];

	fprintf(l->out, "token %s loaded\n", token_hex(id, l->id));
	fflush(l->out);
}

/* Unload it now rather than leave it to the close; "token ID WHAT". */
static void give_up(struct loader *l, const char *what)
{
	char id[TOKEN_ID_LEN];
	int err;

	err = khsm_token_unload(l->h, l->id);
	if (err && err != -ENOKEY)
		warn("%s: unloading the token: %s (closing the connection unloads it)",
		     l->cmd, khsm_strerror(err));
	fprintf(l->out, "token %s %s\n", token_hex(id, l->id),
		err == -ENOKEY ? "gone" : what);
	fflush(l->out);
}

/* Is the token still loaded? Unknown (and no more asking) counts as yes. */
static bool token_there(struct loader *l, bool *checking)
{
	struct khsm_token_info *t = NULL;
	size_t n = 0, i;
	int err;

	err = khsm_token_list(l->h, &t, &n);
	if (err) {
		warn("%s: cannot see the loaded tokens (%s): holding on all the same",
		     l->cmd, khsm_strerror(err));
		*checking = false;
		return true;
	}
	for (i = 0; i < n && t[i].id != l->id; i++)
		;
	free(t);
	return i < n;
}

/* Standard input at its end (or unusable); what came before is dropped. */
static bool input_ended(short revents)
{
	char buf[256];
	ssize_t n;

	if (revents & POLLNVAL)
		return true;
	n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n > 0 || (n < 0 && (errno == EINTR || errno == EAGAIN)))
		return false;
	return true;
}

enum hold_end { HOLD_RELEASE, HOLD_GONE, HOLD_ERROR };

static enum hold_end hold_wait(struct loader *l, int sfd)
{
	struct pollfd fds[2] = {
		{ .fd = STDIN_FILENO, .events = POLLIN },
		{ .fd = sfd, .events = POLLIN },
	};
	bool checking = true;
	int n;

	for (;;) {
		n = poll(fds, 2, checking ? HOLD_CHECK_MS : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fail(l->cmd, "poll: %s", strerror(errno));
			return HOLD_ERROR;
		}
		if (fds[1].revents) {
			struct signalfd_siginfo si;

			/* Read, or it stays pending for when it is unblocked. */
			if (read(sfd, &si, sizeof(si)) < 0)
				fail(l->cmd, "signalfd: %s", strerror(errno));
			return HOLD_RELEASE;
		}
		if (fds[0].revents && input_ended(fds[0].revents))
			return HOLD_RELEASE;
		if (!n && !token_there(l, &checking))
			return HOLD_GONE;
	}
}

/*
 * --hold: SIGINT, SIGTERM, SIGHUP or the end of standard input give the
 * token up (exit 0); its going by itself (timeout, "token unload",
 * "clear") ends the hold too (exit 1).
 */
static int hold_token(struct loader *l)
{
	enum hold_end end = HOLD_ERROR;
	sigset_t sigs, old;
	char id[TOKEN_ID_LEN];
	int sfd;

	/* Before the token is announced: a signal after that releases it. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, &old);
	say_loaded(l);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sfd < 0)
		fail(l->cmd, "signalfd: %s", strerror(errno));
	else
		end = hold_wait(l, sfd);
	if (end == HOLD_RELEASE) {
		give_up(l, "released");
	} else if (end == HOLD_GONE) {
		fprintf(l->out, "token %s gone\n", token_hex(id, l->id));
		fail(l->cmd, "the token was unloaded: its timeout, 'token unload' or 'clear'");
	}
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return end == HOLD_RELEASE ? 0 : KHSMCTL_EXIT_FAILED;
}

static void load_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s token load NAME [--card FILE]... [--share-gid GROUP]\n"
		"           [--passphrase-fd FD | --passphrase-file FILE] [--slot N] [--hold]\n"
		"\n"
		"Load the logical token of card set or softcard NAME: present the\n"
		"set's cards (a softcard's is in the kmdata directory) until it loads,\n"
		"and print \"token ID loaded\". A token goes with the connection that\n"
		"loaded it: without --hold it is unloaded again as this command exits.\n"
		"\n"
		"  --card FILE             a card of the set (repeat, in order)\n"
		"  --share-gid GROUP       let GROUP use the token too (name or gid)\n"
		"  --passphrase-fd FD      the Jth card's passphrase on line J of FD\n"
		"  --passphrase-file FILE  the same, from FILE\n"
		"  --slot N                slot for the cards (default: the first empty)\n"
		"  --hold                  keep the token (and a non-persistent set's last\n"
		"                          card) until SIGINT, SIGTERM, SIGHUP or the end\n"
		"                          of standard input\n",
		PROG_NAME);
}

static int token_load(int argc, char *argv[])
{
	struct loader *l;
	struct load_args a;
	char err[256];
	int ret;

	ret = usage_or_run(parse_load_args(argc, argv, false, &a, err,
					   sizeof(err)),
			   "token load", err, load_usage);
	if (ret >= 0)
		return ret;
	l = loader_new("token load", &a, stdout);
	if (!l)
		return KHSMCTL_EXIT_FAILED;
	ret = load_token(l);
	if (!ret && a.hold) {
		ret = hold_token(l);
	} else if (!ret) {
		say_loaded(l);
		fprintf(stderr, "%s: %s: the token goes as this command exits (--hold or 'token preload' keep it)\n",
			PROG_NAME, l->cmd);
	}
	khsm_close(l->h);
	free(l);
	return ret;
}

/* preload's command, and what its signals do to us meanwhile. */
static pid_t child;

static void forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

static const struct {
	int sig;
	void (*handler)(int);
} child_signals[] = {
	{ SIGTERM, forward },
	{ SIGHUP, forward },
	{ SIGINT, SIG_IGN },
	{ SIGQUIT, SIG_IGN },
};

/* In the child: the mask it had, the token id, the command. */
static void exec_command(const struct loader *l, const sigset_t *mask)
{
	char **argv = l->args->command;
	char id[TOKEN_ID_LEN];

	sigprocmask(SIG_SETMASK, mask, NULL);
	if (!setenv("KHSM_TOKEN_ID", token_hex(id, l->id), 1))
		execvp(argv[0], argv);
	fprintf(stderr, "%s: %s: %s: %s\n", PROG_NAME, l->cmd, argv[0],
		strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* Its exit status, or 128 + the signal that killed it, as shells say. */
static int wait_child(const char *cmd)
{
	int status;

	while (waitpid(child, &status, 0) < 0) {
		if (errno != EINTR) {
			fail(cmd, "waitpid: %s", strerror(errno));
			return KHSMCTL_EXIT_FAILED;
		}
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) :
	       KHSMCTL_EXIT_FAILED;
}

/*
 * Run the command with the token: SIGTERM and SIGHUP are passed on to it;
 * SIGINT and SIGQUIT, which a terminal sends it itself, leave us be.
 * Signals are blocked across fork() so that none is lost or mishandled.
 */
static int run_command(struct loader *l)
{
	struct sigaction sa = { .sa_flags = SA_RESTART };
	struct sigaction old[ARRAY_SIZE(child_signals)];
	sigset_t sigs, mask;
	size_t i;
	int ret;

	sigemptyset(&sigs);
	for (i = 0; i < ARRAY_SIZE(child_signals); i++)
		sigaddset(&sigs, child_signals[i].sig);
	fflush(NULL);		/* nothing buffered goes out twice */
	sigprocmask(SIG_BLOCK, &sigs, &mask);
	child = fork();
	if (!child)
		exec_command(l, &mask);
	if (child < 0) {
		sigprocmask(SIG_SETMASK, &mask, NULL);
		fail(l->cmd, "fork: %s", strerror(errno));
		return KHSMCTL_EXIT_FAILED;
	}
	for (i = 0; i < ARRAY_SIZE(child_signals); i++) {
		sa.sa_handler = child_signals[i].handler;
		sigaction(child_signals[i].sig, &sa, &old[i]);
	}
	sigprocmask(SIG_SETMASK, &mask, NULL);
	ret = wait_child(l->cmd);
	for (i = 0; i < ARRAY_SIZE(child_signals); i++)
		sigaction(child_signals[i].sig, &old[i], NULL);
	child = 0;
	return ret;
}

static void preload_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s token preload NAME [--card FILE]... [--share-gid GROUP]\n"
		"           [--passphrase-fd FD | --passphrase-file FILE] [--slot N]\n"
		"           -- COMMAND [ARGS...]\n"
		"\n"
		"Load the token of card set or softcard NAME as 'token load' does, run\n"
		"COMMAND with KHSM_TOKEN_ID=ID (16 hex digits) in its environment,\n"
		"keep the token while it runs, unload it when it exits, and exit with\n"
		"its status (128 + N if signal N killed it). Our own lines go to\n"
		"standard error. SIGTERM and SIGHUP are passed on to COMMAND.\n",
		PROG_NAME);
}

static int token_preload(int argc, char *argv[])
{
	struct loader *l;
	struct load_args a;
	char err[256];
	int ret;

	ret = usage_or_run(parse_load_args(argc, argv, true, &a, err,
					   sizeof(err)),
			   "token preload", err, preload_usage);
	if (ret >= 0)
		return ret;
	l = loader_new("token preload", &a, stderr);
	if (!l)
		return KHSMCTL_EXIT_FAILED;
	ret = load_token(l);
	if (!ret) {
		say_loaded(l);
		ret = run_command(l);
		give_up(l, "unloaded");
	}
	khsm_close(l->h);
	free(l);
	return ret;
}

static void list_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s token list [--json]\n"
		"\n"
		"Show the loaded logical tokens: id, set, persistence, who loaded it,\n"
		"the group it is shared with, and the time left before its timeout.\n"
		"\n"
		"  --json    print one JSON array instead of text\n",
		PROG_NAME);
}

static const struct option list_options[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void print_list(const struct khsm_token_info *t, size_t n, bool json)
{
	char id[TOKEN_ID_LEN];
	size_t i;

	if (json)
		putchar('[');
	for (i = 0; i < n; i++) {
		if (json) {
			fputs(i ? ", " : "", stdout);
			print_token_json(stdout, &t[i]);
			continue;
		}
		printf("token %s: %s '%s', ", token_hex(id, t[i].id),
		       khsm_set_type_name(t[i].type), t[i].name);
		print_token_text(stdout, &t[i]);
	}
	if (json)
		fputs("]\n", stdout);
}

static int token_list(int argc, char *argv[])
{
	const char *cmd = "token list";
	struct khsm_token_info *t = NULL;
	struct verb_args va;
	struct khsm *h = NULL;
	char err[256];
	size_t n = 0;
	int ret, e;

	ret = usage_or_run(parse_verb_args(argc, argv, list_options, 0, &va,
					   err, sizeof(err)),
			   cmd, err, list_usage);
	if (ret >= 0)
		return ret;
	ret = open_control(cmd, &h);
	if (ret)
		goto out;
	e = khsm_token_list(h, &t, &n);
	if (e)
		ret = report_error(cmd, h, e);
	else
		print_list(t, n, va.json);
out:
	free(t);
	khsm_close(h);
	return ret;
}

/* 1 to 16 hex digits, "0x" allowed before them ("key" takes them too). */
int parse_token_id(const char *s, uint64_t *id)
{
	size_t n;

	if (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2))
		s += 2;
	n = strlen(s);
	if (!n || n > 16 || strspn(s, "0123456789abcdefABCDEF") != n)
		return -EINVAL;
	*id = strtoull(s, NULL, 16);
	return 0;
}

static void unload_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s token unload ID\n"
		"\n"
		"Unload token ID (hex, as 'token list' shows it) now: its keys stop\n"
		"working at once. Its loader's uid, or CAP_SYS_ADMIN.\n",
		PROG_NAME);
}

static const struct option unload_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int token_unload(int argc, char *argv[])
{
	const char *cmd = "token unload";
	struct verb_args va;
	struct khsm *h = NULL;
	char err[256];
	uint64_t id;
	int ret, e;

	ret = usage_or_run(parse_verb_args(argc, argv, unload_options, 1, &va,
					   err, sizeof(err)),
			   cmd, err, unload_usage);
	if (ret >= 0)
		return ret;
	if (va.npos != 1 || parse_token_id(va.pos[0], &id)) {
		fail(cmd, "one ID, 1 to 16 hex digits");
		unload_usage(stderr);
		return KHSMCTL_EXIT_USAGE;
	}
	ret = open_control(cmd, &h);
	if (!ret) {
		e = khsm_token_unload(h, id);
		ret = e ? report_error(cmd, h, e) : KHSMCTL_EXIT_OK;
	}
	khsm_close(h);
	return ret;
}

static const struct verb token_verbs[] = {
	{ "load", token_load, "Load a set's token (--hold keeps it)" },
	{ "preload", token_preload, "Load a token and run a command with it" },
	{ "list", token_list, "Show the loaded tokens" },
	{ "unload", token_unload, "Unload a token now" },
};

int token_main(int argc, char *argv[])
{
	return run_verb("token", token_verbs, ARRAY_SIZE(token_verbs), argc,
			argv);
}
