// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl's ceremonies end to end, against fake_khsm.c instead of the
 * module (build/khsmctl-fake): the files they write and their modes, what
 * they print, how they exit, and what they undo. Non-interactive only:
 * stdin is /dev/null throughout.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "khsmctl.h"
#include "unit.h"

static char top[64];		/* scratch directory of this suite */
static char khsmctl[2200];	/* the fake-linked binary */
static char out[65536];		/* stdout of the last run */
static char err[65536];		/* stderr of the last run */

static void slurp(const char *path, char *buf, size_t size)
{
	ssize_t n = 0;
	int fd = open(path, O_RDONLY);

	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
}

static void spill(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_INT(write(fd, text, strlen(text)), (long long)strlen(text));
	fchmod(fd, mode);
	close(fd);
}

/* Run "khsmctl ARGS" in the scratch directory; its exit status. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char args[2048], cmd[8192], path[128];
	va_list ap;
	int status;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && %s %s </dev/null >%s/out 2>%s/err", top, khsmctl,
		 args, top, top);
	status = system(cmd);
	snprintf(path, sizeof(path), "%s/out", top);
	slurp(path, out, sizeof(out));
	snprintf(path, sizeof(path), "%s/err", top);
	slurp(path, err, sizeof(err));
	/* A leak or overflow on a failure path must not pass for exit 1. */
	if (strstr(err, "Sanitizer"))
		unit_fail(__FILE__, __LINE__, "khsmctl %s:\n%s", args, err);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A shell pipeline in the scratch directory: jq over khsmctl's output. */
static int shell(const char *cmd)
{
	char full[8192];
	int status;

	snprintf(full, sizeof(full), "cd %s && %s", top, cmd);
	status = system(full);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define CHECK_HAS(hay, needle) do {					\
	if (!strstr((hay), (needle)))					\
		unit_fail(__FILE__, __LINE__, "no '%s' in:\n%s", (needle), \
			  (hay));					\
} while (0)

static int mode_of(const char *rel)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	return stat(path, &st) ? -1 : (int)(st.st_mode & 07777);
}

static bool setup(void)
{
	char tmpl[] = "/tmp/khsmctl-unit-XXXXXX", self[2048], env[512];
	ssize_t n;

	if (top[0])
		return true;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0 || !mkdtemp(tmpl))
		return false;
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(khsmctl, sizeof(khsmctl), "%s/khsmctl-fake", self);
	setenv("KHSMCTL_FAKE", khsmctl, 1);
	snprintf(top, sizeof(top), "%s", tmpl);
	snprintf(env, sizeof(env), "%s/state", top);
	setenv("KHSM_FAKE_STATE", env, 1);
	snprintf(env, sizeof(env), "%s/kmdata", top);
	setenv("KHSM_KMDATA", env, 1);
	unsetenv("KHSM_FAKE_WARN");
	return !access(khsmctl, X_OK);
}

static bool ready(void)
{
	if (setup())
		return true;
	unit_skip("no build/khsmctl-fake");
	return false;
}

static void world_new(void)
{
	char fp[HEX_LEN(32)], want[128], reg[4096];
	uint8_t pub[KHSM_AUDIT_PUBKEY_LEN];

	if (!ready())
		return;
	shell("mkdir -p cards");
	run("--kmdata %s/kmdata world new -K 2 -N 3 --card-dir cards "
	    "--passphrase-file pp --no-passphrase", top);
	CHECK_HAS(err, "exclude each other");

	/* Card 2 has no passphrase: its line is empty. */
	{
		char pp[256];

		snprintf(pp, sizeof(pp), "%s/pp", top);
		spill(pp, "pass-one-long\n\npass-three-long\n", 0600);
	}
	setenv("KHSM_FAKE_WARN", "N >= 2K: a lost card or two costs the quorum", 1);
	CHECK_INT(run("world new -K 2 -N 3 --card-dir cards --passphrase-file pp "
		      "--card-name alice --card-holder 'Alice A. (CISO)'"), 0);
	unsetenv("KHSM_FAKE_WARN");
	CHECK_HAS(out, "world id: 11111111111111111111111111111111\n");
	memset(pub, 4, sizeof(pub));
	key_fingerprint(pub, sizeof(pub), fp);
	snprintf(want, sizeof(want), "audit key sha256: %s\n", fp);
	CHECK_HAS(out, want);
	CHECK_HAS(out, "card 1: cards/acs-1.card\n");
	CHECK_HAS(out, "card 3: cards/acs-3.card\n");
	CHECK_HAS(out, "# khsm ACS register\n");
	CHECK_HAS(err, "khsmctl: warning: N >= 2K");
	CHECK_HAS(err, "card 1: stretching the passphrase (200000 PBKDF2");
	CHECK(!strstr(err, "card 2: stretching"));
	CHECK_INT(mode_of("cards/acs-1.card"), 0600);
	CHECK_INT(mode_of("cards/acs-2.card"), 0600);
	CHECK_INT(mode_of("kmdata"), 0755);
	CHECK_INT(mode_of("kmdata/world"), 0640);
	CHECK_INT(mode_of("kmdata/acs-register"), 0640);
	snprintf(want, sizeof(want), "%s/kmdata/acs-register", top);
	slurp(want, reg, sizeof(reg));
	CHECK_HAS(reg, "# index\tcard name\tholder\tset id\tdate\n");
	CHECK_HAS(reg, "\n1\talice\tAlice A. (CISO)\t");
	CHECK_HAS(reg, "\n2\tacs-2\t-\t");
	CHECK_HAS(reg, "\t2024-11-23\n");
	CHECK_HAS(reg, "2 of 3 cards");
	/* Nothing else in the card directory: no temporaries. */
	CHECK_INT(shell("test $(ls -A cards | wc -l) -eq 3"), 0);
}

static void world_new_refusals(void)
{
	if (!ready())
		return;
	/* A world file is there already. */
	CHECK_INT(run("world new --card-dir cards --no-passphrase"), 1);
	CHECK_HAS(err, "kmdata/world exists (--yes replaces it)");
	/* Leftover passphrase lines, before anything is made. */
	shell("printf 'a\\nb\\n' > pp2");
	CHECK_INT(run("--kmdata other world new --card-dir . "
		      "--passphrase-file pp2"), 2);
	CHECK_HAS(err, "line 2: more passphrases than cards");
	/* No terminal, no card directory. */
	CHECK_INT(run("--kmdata other world new --no-passphrase"), 2);
	CHECK_HAS(err, "not on a terminal: give --card-dir");
	/* A passphrase file others may write. */
	shell("chmod 0666 pp2");
	CHECK_INT(run("--kmdata other world new --card-dir . --passphrase-file pp2"),
		  KHSMCTL_EXIT_UNSAFE);
	CHECK_HAS(err, "mode 0666 lets others write it");
}

static void world_info(void)
{
	if (!ready())
		return;
	CHECK_INT(run("world info"), 0);
	CHECK_HAS(out, "state:            operational\n");
	CHECK_HAS(out, "world id:         1111");
	CHECK_HAS(out, "acs:              2 of 3 cards\n");
	CHECK_HAS(out, "quorums:          load-world 2, key-recovery 2, passphrase-recovery off\n");
	CHECK_HAS(out, "authorised:       none\n");
	CHECK_HAS(out, "created:          2024-11-23T16:40:00Z\n");
	CHECK_HAS(out, "policy:\n  acs.quorum = 2/3\n");
	CHECK_INT(run("world info --json"), 0);
	CHECK_INT(shell("jq -e '.state == \"operational\" and .options.acs_k == 2 "
			"and .options.kr_quorum == 2 and .options.pr_quorum == null "
			"and .options.key_recovery == true and .bound == false "
			"and (.audit_key_sha256 | length) == 64 "
			"and .acs_auth.tokens == [] and .slots == 2 "
			"and .world_id == \"11111111111111111111111111111111\"' "
			"out >/dev/null"), 0);
}

static void policy_show_parses_back(void)
{
	struct khsm_world_options o;
	char why[256];

	if (!ready())
		return;
	CHECK_INT(run("policy show"), 0);
	CHECK_HAS(out, "# khsm policy of world 1111");
	khsm_world_options_init(&o);
	CHECK_INT(khsm_policy_parse(out, &o, why, sizeof(why)), 0);
	CHECK_INT(o.acs_k, 2);
	CHECK_INT(o.pbkdf2_iter, 200000);
}

static void world_load_with_cards(void)
{
	if (!ready())
		return;
	CHECK_INT(run("world unload"), 0);
	CHECK_INT(run("world load"), 2);
	CHECK_HAS(err, "give --bind-key or --card");
	/* Line J for the Jth --card: card 2's is empty. */
	shell("printf 'pass-one-long\\n\\n' > pp-load");
	CHECK_INT(run("world load --card cards/acs-1.card --card cards/acs-2.card "
		      "--passphrase-file pp-load"), 0);
	CHECK_HAS(out, "load-world: 1 of 2 cards\nload-world: 2 of 2 cards\n"
		  "world 11111111111111111111111111111111 operational\n");
	CHECK_INT(run("world load --card cards/acs-1.card"), 1);
	CHECK_HAS(err, "a world is already loaded");
}

static void wrong_passphrase_exits_1(void)
{
	if (!ready())
		return;
	CHECK_INT(run("world unload"), 0);
	shell("printf 'wrong\\n' > pp-wrong");
	CHECK_INT(run("world load --card cards/acs-1.card --passphrase-file pp-wrong"),
		  1);
	CHECK_HAS(err, "cards/acs-1.card: access denied");
	CHECK_HAS(err, "try again in 1 s");
	/* Not enough cards: the quorum is not met. */
	CHECK_INT(run("world load --card cards/acs-2.card"), 1);
	CHECK_HAS(out, "load-world: 1 of 2 cards\n");
	CHECK_HAS(err, "load-world quorum not met");
	/* Lines out of step: card 2 has no passphrase. */
	shell("printf 'pass-one-long\\n' > pp-step");
	CHECK_INT(run("world load --card cards/acs-2.card --card cards/acs-1.card "
		      "--passphrase-file pp-step"), 2);
	CHECK_HAS(err, "line 1 is for cards/acs-2.card, which has no passphrase");
	/* A file that is no card. */
	CHECK_INT(run("world load --card pp-wrong"), 1);
	CHECK_HAS(err, "pp-wrong: not a khsm card file");
	CHECK_INT(run("world load --card cards/acs-1.card --card cards/acs-2.card "
		      "--passphrase-file pp-load"), 0);
}

static void acs_verify(void)
{
	if (!ready())
		return;
	shell("printf 'pass-three-long\\n' > pp-3");
	CHECK_INT(run("acs verify --passphrase-file pp-3 cards/acs-3.card"), 0);
	CHECK_STR(out, "card 3 'acs-3' of set 'acs' (quorum 2 of 3)\npassphrase ok\n");
	CHECK_INT(run("acs verify cards/acs-2.card"), 0);
	CHECK_HAS(out, "no passphrase\n");
	CHECK_INT(run("acs verify --passphrase-file pp-wrong cards/acs-3.card"), 1);
	CHECK_INT(run("acs verify"), 2);
}

/* The first line of /proc/PID/FILE starting with @key, or "". */
static void proc_line(pid_t pid, const char *file, const char *key,
		      char *buf, size_t size)
{
	char path[64], line[512];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key))) {
			snprintf(buf, size, "%s", line);
			break;
		}
	fclose(f);
}

/*
 * khsmctl waiting for a passphrase on a descriptor nothing has been written
 * to yet: its secrets are already in locked memory and it is already
 * undumpable. An undumpable process's /proc/PID/status belongs to root,
 * so the tool runs as another uid than this test's (nobody, when this is
 * root) for the owner to tell. The passphrase options are the only way in.
 */
static void prompt_is_hardened(void)
{
	char dir[] = "/tmp/khsmctl-pp-XXXXXX", line[512], cmd[512];
	uid_t uid = geteuid() ? geteuid() : 65534;
	unsigned long locked = 0;
	struct stat st;
	int fds[2], i;
	pid_t pid;

	if (!ready() || !mkdtemp(dir))
		return;
	snprintf(cmd, sizeof(cmd),
		 "chmod 0755 %s && cp %s/cards/acs-3.card %s/ && chmod 0644 %s/acs-3.card",
		 dir, top, dir, dir);
	CHECK_INT(system(cmd), 0);
	CHECK_INT(pipe(fds), 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(fds[0], 3);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (!geteuid() && (setgroups(0, NULL) || setgid(65534) ||
				   setuid(65534)))
			_exit(126);
		if (chdir(dir))
			_exit(126);
		execl(khsmctl, khsmctl, "acs", "verify", "--passphrase-fd", "3",
		      "acs-3.card", (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	/* Until it sits in read(3, ...): syscall 0, first argument 3. */
	for (i = 0; i < 1000; i++) {
		proc_line(pid, "syscall", "0 0x3 ", line, sizeof(line));
		if (line[0])
			break;
		usleep(10000);
	}
	CHECK(line[0]);
	proc_line(pid, "status", "VmLck:", line, sizeof(line));
	CHECK(sscanf(line, "VmLck: %lu kB", &locked) == 1);
	if (locked == 0)
		unit_fail(__FILE__, __LINE__, "nothing locked: %s", line);
	snprintf(cmd, sizeof(cmd), "/proc/%d/status", (int)pid);
	CHECK_INT(stat(cmd, &st), 0);
	if (st.st_uid != 0)	/* it would be @uid if dumpable */
		unit_fail(__FILE__, __LINE__, "pid %d is dumpable (owner %u, uid %u)",
			  (int)pid, (unsigned int)st.st_uid, (unsigned int)uid);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(fds[1]);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_INT(system(cmd), 0);

	/* No other way to give a passphrase: argv and environment refused. */
	CHECK_INT(run("acs verify --passphrase pass-three-long cards/acs-3.card"), 2);
	CHECK_HAS(err, "never taken from the command line");
	CHECK_INT(run("acs verify --password=pass-three-long cards/acs-3.card"), 2);
	CHECK_HAS(err, "use --passphrase-fd FD or --passphrase-file FILE");
	CHECK(!strstr(err, "pass-three-long"));		/* not repeated */
	CHECK_INT(run("--pass=pass-three-long acs verify cards/acs-3.card"), 2);
	CHECK(!strstr(err, "pass-three-long"));
	/* An abbreviation of a real option is still one. */
	CHECK_INT(run("acs verify --passphrase-fi pp-3 cards/acs-3.card"), 0);
	setenv("KHSM_PASSPHRASE", "pass-three-long", 1);
	setenv("PASSPHRASE", "pass-three-long", 1);
	CHECK_INT(run("acs verify cards/acs-3.card"), 2);	/* no tty: asks */
	CHECK_HAS(err, "not on a terminal");
	unsetenv("KHSM_PASSPHRASE");
	unsetenv("PASSPHRASE");
}

static void acs_authorise_and_policy(void)
{
	if (!ready())
		return;
	shell("printf 'nso-timeout = 120\\n' > policy; chmod 0644 policy");
	CHECK_INT(run("acs logout"), 0);
	CHECK_INT(run("policy load policy"), 4);
	CHECK_HAS(err, "present the ACS with --card, or run 'khsmctl acs authorise' first");
	shell("printf '\\npass-one-long\\n' > pp-2-1");
	CHECK_INT(run("acs authorise --card cards/acs-2.card --card cards/acs-1.card "
		      "--passphrase-file pp-2-1"), 0);
	/* Two cards meet the key-recovery quorum (K) too. */
	CHECK_STR(out, "acs: 1 of 2 cards\nacs: 2 of 2 cards\n"
		  "authorised: acs, key-recovery (600 s left)\n");
	CHECK_INT(run("policy load policy"), 0);
	CHECK_HAS(out, "world file: ");
	CHECK_HAS(out, "/kmdata/world\n");
	CHECK_INT(run("world info --json"), 0);
	CHECK_INT(shell("jq -e '.options.nso_timeout == 120 and .generation == 2 "
			"and .acs_auth.tokens == [\"acs\", \"key-recovery\"]' "
			"out >/dev/null"), 0);
	CHECK_INT(run("acs logout"), 0);
	/* Authorised in the same process with --card. */
	CHECK_INT(run("policy load policy --card cards/acs-2.card --card cards/acs-1.card "
		      "--passphrase-file pp-2-1"), 0);
	shell("printf 'bogus = 1\\n' > bad-policy");
	/* What 'policy show' writes loads back; other quorums do not. */
	CHECK_INT(shell("$KHSMCTL_FAKE policy show > shown; chmod 0600 shown"), 0);
	CHECK_INT(run("policy load shown"), 0);
	shell("printf 'acs.quorum = 3/5\\n' > quorum");
	CHECK_INT(run("policy load quorum"), 2);
	CHECK_HAS(err, "quorum: acs.quorum differs from the world's");
	shell("printf '# nothing\\n' > empty");
	CHECK_INT(run("policy load empty"), 2);
	CHECK_HAS(err, "empty changes nothing");
	CHECK_INT(run("policy load bad-policy"), 2);
	CHECK_HAS(err, "bad-policy: line 1: unknown key 'bogus'");
	shell("chmod 0666 policy");
	CHECK_INT(run("policy load policy"), KHSMCTL_EXIT_UNSAFE);
	CHECK_HAS(err, "mode 0666 lets others write it; refusing");
}

static void acs_replace(void)
{
	char reg[4096], path[256];

	if (!ready())
		return;
	CHECK_INT(run("acs logout"), 0);
	shell("mkdir -p cards2; printf 'new-one-long\\n\\n\\npass-one-long\\n' > pp-r");
	CHECK_INT(run("acs replace -K 1 -N 2 --card-dir cards2 --passphrase-file pp-r "
		      "--card cards/acs-2.card --card cards/acs-1.card "
		      "--card-name carol"), 0);
	CHECK_HAS(out, "card 2: cards2/acs-2.card\n");
	CHECK(!strstr(out, "audit key"));
	CHECK_INT(mode_of("cards2/acs-1.card"), 0600);
	snprintf(path, sizeof(path), "%s/kmdata/acs-register", top);
	slurp(path, reg, sizeof(reg));
	CHECK_HAS(reg, "\n1\tcarol\t-\t");
	CHECK_HAS(reg, "1 of 2 cards");
	/* The old cards belong to a replaced set now. */
	CHECK_INT(run("acs verify cards/acs-2.card"), 1);
	CHECK_HAS(err, "card of another world or of a replaced card set");
	CHECK_INT(run("world info --json"), 0);
	CHECK_INT(shell("jq -e '.options.acs_k == 1 and .options.acs_n == 2 "
			"and .options.key_recovery == true' out >/dev/null"), 0);
}

/* Cards that cannot be written after WORLD_NEW: the world goes again. */
static void world_new_undone(void)
{
	char pull[128];

	if (!ready())
		return;
	CHECK_INT(run("world unload"), 0);
	shell("mkdir -p usb");
	snprintf(pull, sizeof(pull), "%s/usb", top);
	setenv("KHSM_FAKE_PULL", pull, 1);
	CHECK_INT(run("--kmdata undo world new --card-dir usb --no-passphrase"), 1);
	unsetenv("KHSM_FAKE_PULL");
	CHECK_HAS(err, "writing card 1 to usb/acs-1.card: No such file");
	CHECK_HAS(err, "the new world is unloaded again");
	CHECK_INT(run("world info --json"), 0);
	CHECK_INT(shell("jq -e '.state == \"uninitialised\" and .world_id == null "
			"and .options == null' out >/dev/null"), 0);
	CHECK_INT(mode_of("undo/world"), -1);
}

/* A policy that refuses short passphrases: nothing is created. */
static void short_passphrase_refused(void)
{
	if (!ready())
		return;
	shell("printf 'passphrase.min-length = 12\\npassphrase.short = refuse\\n' > strict;"
	      "printf 'short\\n' > pp-short");
	CHECK_INT(run("--kmdata short world new --policy strict --card-dir cards3 "
		      "--passphrase-file pp-short"), 1);
	CHECK_HAS(err, "cards3: No such file or directory");
	shell("mkdir -p cards3");
	CHECK_INT(run("--kmdata short world new --policy strict --card-dir cards3 "
		      "--passphrase-file pp-short"), 1);
	CHECK_HAS(err, "card 1: passphrase too short: the policy refuses fewer than 12 characters");
	CHECK_INT(run("--kmdata short world new --policy strict --card-dir cards3 "
		      "--no-passphrase"), 1);
	CHECK_HAS(err, "card 1: no passphrase");
	CHECK_INT(run("world info --json"), 0);
	CHECK_INT(shell("jq -e '.state == \"uninitialised\"' out >/dev/null"), 0);
	/* Warn, not refuse: created, with a warning. */
	shell("printf 'passphrase.min-length = 12\\n' > lenient");
	CHECK_INT(run("--kmdata short world new --policy lenient --card-dir cards3 "
		      "--passphrase-file pp-short"), 0);
	CHECK_HAS(err, "warning: card 1: short passphrase (the policy asks for at least 12 characters)");
}

static void slot_list(void)
{
	if (!ready())
		return;
	CHECK_INT(run("slot list"), 0);
	CHECK_STR(out, "slot 0: empty\nslot 1: card 2 'bob \"the\" card' of set 'acs', pid 4242\n");
	CHECK_INT(run("slot list --json"), 0);
	CHECK_INT(shell("jq -e '.[1].card_name == \"bob \\\"the\\\" card\" and "
			".[0].card_name == null and .[1].owner_pid == 4242' "
			"out >/dev/null"), 0);
}

static void usage_and_help(void)
{
	if (!ready())
		return;
	CHECK_INT(run("world"), 2);
	CHECK_INT(run("world frobnicate"), 2);
	CHECK_HAS(err, "unknown verb 'frobnicate'");
	CHECK_INT(run("world help new"), 0);
	CHECK_HAS(out, "--passphrase-file FILE");
	CHECK_INT(run("help acs"), 0);
	CHECK_HAS(out, "authorise");
	CHECK_INT(run("clear extra"), 2);
	CHECK_INT(run("clear --help"), 0);
	CHECK_INT(run("world bind"), 2);
	CHECK_INT(run("world bind --bind-key bogus:x"), 2);
}

/*
 * Card sets, softcards and tokens, in a world of their own (kmdata "sets")
 * whose policy refuses passphrases under 8 characters.
 */
#define SETS	"--kmdata sets "

static void sets_world(void)
{
	if (!ready())
		return;
	run("world unload");
	shell("mkdir -p sets-acs ocs; printf 'acs-pass-long\n' > pp-acs;"
	      "printf 'passphrase.min-length = 8\npassphrase.short = refuse\n' > strict8;"
	      "printf 'alice-pass\nbob-pass\ncarol-pass\n' > pp-ocs;"
	      "printf 'signer-pass\n' > pp-soft; chmod 0600 pp-*");
	CHECK_INT(run(SETS "world new --policy strict8 --card-dir sets-acs "
		      "--passphrase-file pp-acs"), 0);
}

static void read_record(const char *name, struct khsm_cardset_record *r)
{
	char path[256], text[8192], why[128];

	snprintf(path, sizeof(path), "%s/sets/cardset_%s", top, name);
	slurp(path, text, sizeof(text));
	CHECK_INT(khsm_cardset_record_parse(text, r, why, sizeof(why)), 0);
}

static void cardset_create(void)
{
	struct khsm_cardset_record r;
	char want[128], id[HEX_LEN(KHSM_SET_ID_LEN)];

	if (!ready())
		return;
	CHECK_INT(run(SETS "cardset create webtls -K 2 -N 3 --card-dir ocs "
		      "--card-name alice --card-holder 'Alice A.' --timeout 300 "
		      "--passphrase-file pp-ocs"), 0);
	CHECK_HAS(out, "\nrecord: sets/cardset_webtls\ncard 1: ocs/webtls-1.card\n"
		  "card 2: ocs/webtls-2.card\ncard 3: ocs/webtls-3.card\n");
	CHECK_HAS(err, "card 3: stretching the passphrase");
	CHECK_INT(mode_of("ocs/webtls-1.card"), 0600);
	CHECK_INT(mode_of("ocs/webtls-3.card"), 0600);
	CHECK_INT(mode_of("sets/cardset_webtls"), 0640);
	CHECK_INT(shell("test $(ls -A ocs | wc -l) -eq 3"), 0);
	read_record("webtls", &r);
	CHECK_INT(r.type, KHSM_SET_OCS);
	CHECK(r.k == 2 && r.n == 3 && !r.persistent && r.timeout == 300);
	CHECK_INT(r.recovery, 1);	/* the world's key recovery */
	CHECK_STR(r.card_names[0], "alice");
	CHECK_STR(r.card_names[2], "webtls-3");
	CHECK_STR(r.holders[0], "Alice A.");
	CHECK_STR(r.holders[1], "");
	CHECK(!memcmp(r.world_id, "\x11\x11\x11\x11", 4));
	snprintf(want, sizeof(want), "set id: %s\n",
		 hex(id, r.set_id, sizeof(r.set_id)));
	CHECK(!strncmp(out, want, strlen(want)));
}

static void cardset_refusals(void)
{
	if (!ready())
		return;
	CHECK_INT(run(SETS "cardset create x -K 3 -N 2 --card-dir ocs "
		      "--passphrase-file pp-ocs"), 2);
	CHECK_HAS(err, "-K 3 is above -N 2");
	CHECK_INT(run(SETS "cardset create 'a b' --card-dir ocs "
		      "--passphrase-file pp-ocs"), 2);
	CHECK_INT(run(SETS "cardset create x --passphrase-file pp-soft"), 2);
	CHECK_HAS(err, "not on a terminal: give --card-dir");
	/* The policy: no passphrase is too short a one. */
	CHECK_INT(run(SETS "cardset create x --card-dir ocs --no-passphrase"), 1);
	CHECK_HAS(err, "card 1: no passphrase: the policy refuses fewer than 8");
	/* One name, one set. */
	CHECK_INT(run(SETS "cardset create webtls -K 2 -N 3 --card-dir ocs "
		      "--passphrase-file pp-ocs"), 1);
	CHECK_HAS(err, "warning: a card set named 'webtls' exists already");
	CHECK_HAS(err, "sets/cardset_webtls exists (--yes replaces it)");
	CHECK_INT(shell("test $(ls -A ocs | wc -l) -eq 3 && "
			"test ! -e sets/cardset_x"), 0);
}

static void softcard_create(void)
{
	struct khsm_cardset_record r;

	if (!ready())
		return;
	CHECK_INT(run(SETS "softcard create signer --passphrase-file pp-soft"), 0);
	CHECK_HAS(out, "\nrecord: sets/cardset_signer\n"
		  "card 1: sets/softcard_signer\n");
	CHECK_INT(mode_of("sets/softcard_signer"), 0640);
	CHECK_INT(mode_of("sets/cardset_signer"), 0640);
	read_record("signer", &r);
	CHECK(r.type == KHSM_SET_SOFTCARD && r.k == 1 && r.n == 1 &&
	      r.persistent);
	CHECK_STR(r.card_names[0], "signer");

	/* A passphrase is required, and follows the policy. */
	shell("printf '\n' > pp-empty; printf 'short\n' > pp-short;"
	      "chmod 0600 pp-empty pp-short");
	CHECK_INT(run(SETS "softcard create sc --passphrase-file pp-empty"), 1);
	CHECK_HAS(err, "a softcard needs a passphrase");
	CHECK_INT(run(SETS "softcard create sc --passphrase-file pp-short"), 1);
	CHECK_HAS(err, "passphrase too short");
	CHECK_INT(run(SETS "softcard create sc"), 2);
	CHECK_INT(shell("test ! -e sets/softcard_sc && test ! -e sets/cardset_sc"),
		  0);

	/* Its name again: a warning, and only --yes replaces it. */
	CHECK_INT(run(SETS "softcard create signer --passphrase-file pp-soft"), 1);
	CHECK_HAS(err, "warning: a softcard named 'signer' exists already");
	CHECK_HAS(err, "widen what one broken passphrase opens");
	CHECK_HAS(err, "sets/softcard_signer exists (--yes replaces it)");
	CHECK_INT(run(SETS "softcard create signer --passphrase-file pp-soft "
		      "--yes"), 0);
	CHECK_HAS(err, "replacing it: keys protected by the old softcard");
	/* Never another type's name. */
	CHECK_INT(run(SETS "softcard create webtls --passphrase-file pp-soft "
		      "--yes"), 1);
	CHECK_HAS(err, "'webtls' names an operator card set already");
}

static void cardset_list_info(void)
{
	if (!ready())
		return;
	CHECK_INT(run(SETS "cardset list"), 0);
	CHECK_STR(out,
		  "signer: softcard, 1 of 1 cards, persistent, no timeout, tokens: none\n"
		  "webtls: ocs, 2 of 3 cards, non-persistent, timeout 300 s, tokens: none\n");
	CHECK_INT(run(SETS "cardset list --json"), 0);
	CHECK_INT(shell("jq -e 'length == 2 and .[0].name == \"signer\" and "
			".[0].type == \"softcard\" and .[0].persistent == true and "
			"(.[0].softcard_file | endswith(\"sets/softcard_signer\")) and "
			".[1].k == 2 and .[1].n == 3 and .[1].timeout == 300 and "
			".[1].softcard_file == null and .[1].recovery == true and "
			".[1].cards[0] == {\"index\": 1, \"name\": \"alice\", "
			"\"holder\": \"Alice A.\"} and .[1].cards[1].holder == null and "
			"(.[1].set_id | length) == 32 and .[1].tokens == []' "
			"out >/dev/null"), 0);
	CHECK_INT(run(SETS "cardset info webtls"), 0);
	CHECK_HAS(out, "name:             webtls\ntype:             ocs\n");
	CHECK_HAS(out, "quorum:           2 of 3 cards\npersistent:       no\n"
		  "timeout:          300 s\nrecovery:         on\n"
		  "pp recovery:      off\n");
	CHECK_HAS(out, "card 1:           alice (Alice A.)\n"
		  "card 2:           webtls-2\n");
	CHECK_HAS(out, "token:            none\n");
	CHECK_INT(run(SETS "cardset info webtls --json"), 0);
	CHECK_INT(shell("jq -e '.name == \"webtls\" and .tokens == []' out "
			">/dev/null"), 0);
	CHECK_INT(run(SETS "cardset info nosuch"), 1);
	CHECK_HAS(err, "no card set or softcard 'nosuch'");
	CHECK_INT(run(SETS "cardset info"), 2);
}

/* Cards 1 and 3 of webtls: their passphrases, a line each. */
#define WEBTLS_CARDS "--card ocs/webtls-1.card --card ocs/webtls-3.card " \
		     "--passphrase-file pp-13 "

static void token_load_once(void)
{
	if (!ready())
		return;
	shell("printf 'alice-pass\ncarol-pass\n' > pp-13; chmod 0600 pp-13");
	CHECK_INT(run(SETS "token load webtls " WEBTLS_CARDS), 0);
	CHECK_HAS(out, "webtls: 1 of 2 cards\nwebtls: 2 of 2 cards\ntoken ");
	CHECK_INT(shell("grep -Eqx 'token [0-9a-f]{16} loaded' out"), 0);
	CHECK_HAS(err, "the token goes as this command exits");
	/* Gone with its connection. */
	CHECK_INT(run(SETS "token list --json"), 0);
	CHECK_STR(out, "[]\n");
	CHECK_INT(run(SETS "token list"), 0);
	CHECK_STR(out, "");
	/* The wrong cards, a softcard's card given, no such set. */
	CHECK_INT(run(SETS "token load webtls --card sets-acs/acs-1.card"), 1);
	CHECK_HAS(err, "card 1 of acs 'acs' (set ");
	CHECK_HAS(err, "), not of 'webtls'");
	CHECK_INT(run(SETS "token load signer --card ocs/webtls-1.card"), 2);
	CHECK_HAS(err, "'signer' is a softcard");
	CHECK_INT(run(SETS "token load webtls"), 2);
	CHECK_HAS(err, "not on a terminal: give --card");
	CHECK_INT(run(SETS "token load nosuch"), 1);
	CHECK_INT(run(SETS "token load webtls --card ocs/webtls-1.card "
		      "--passphrase-file pp-13"), 1);
	CHECK_HAS(err, "webtls quorum not met: not enough cards");
	CHECK_INT(run(SETS "token load signer --passphrase-file pp-13"), 1);
	CHECK_HAS(err, "wrong passphrase");
	CHECK_INT(run(SETS "token load signer --share-gid no-such-group-x "
		      "--passphrase-file pp-soft"), 2);
}

/*
 * "token load --hold" in the background, its input a FIFO the script keeps
 * open; @then runs once it has said "loaded" ($pid is the holder's, $id
 * the token's), the FIFO stays open 3 s more unless the holder is done
 * sooner, and the holder's exit status lands in hold.rc.
 */
static int hold(const char *load, const char *then)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd),
		 "rm -f ctl hold.out hold.err hold.rc; mkfifo ctl;"
		 "$KHSMCTL_FAKE " SETS "token load %s --hold <ctl >hold.out 2>hold.err &"
		 " pid=$!; exec 3>ctl;"
		 "i=0; until grep -q loaded hold.out; do i=$((i+1));"
		 " [ $i -lt 100 ] || exit 9; sleep 0.1; done;"
		 "id=$(awk '/loaded/ {print $2}' hold.out); %s;"
		 "i=0; until grep -Eq 'released|gone' hold.out || [ $i -ge 30 ];"
		 " do i=$((i+1)); sleep 0.1; done;"
		 "exec 3>&-; wait $pid; echo $? > hold.rc",
		 load, then);
	return shell(cmd);
}

static void check_hold_err(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/hold.err", top);
	slurp(path, err, sizeof(err));
	if (strstr(err, "Sanitizer"))
		unit_fail(__FILE__, __LINE__, "token load --hold:\n%s", err);
	snprintf(path, sizeof(path), "%s/hold.out", top);
	slurp(path, out, sizeof(out));
}

static void token_hold(void)
{
	char rc[16], path[128];

	if (!ready())
		return;
	snprintf(path, sizeof(path), "%s/hold.rc", top);
	/* Held while another process looks; SIGTERM gives it up. */
	CHECK_INT(hold("webtls " WEBTLS_CARDS "--share-gid 0",
		       "$KHSMCTL_FAKE " SETS "token list --json > held.json;"
		       "$KHSMCTL_FAKE " SETS "cardset list > held.txt;"
		       "kill -TERM $pid"), 0);
	check_hold_err();
	CHECK_INT(shell("jq -e 'length == 1 and .[0].name == \"webtls\" and "
			".[0].type == \"ocs\" and .[0].persistent == false and "
			".[0].share_gid == 0 and .[0].remaining_ms > 0 and "
			".[0].loader_pid > 0 and (.[0].id | test(\"^[0-9a-f]{16}$\"))' "
			"held.json >/dev/null"), 0);
	CHECK_INT(shell("id=$(awk '/loaded/ {print $2}' hold.out);"
			"grep -qx \"webtls: .*tokens: $id\" held.txt"), 0);
	CHECK_INT(shell("grep -Eqx 'token [0-9a-f]{16} released' hold.out"), 0);
	slurp(path, rc, sizeof(rc));
	CHECK_STR(rc, "0\n");
	CHECK_INT(run(SETS "token list --json"), 0);
	CHECK_STR(out, "[]\n");

	/* Unloaded from elsewhere: the holder says it is gone, exit 1. */
	CHECK_INT(hold("signer --passphrase-file pp-soft",
		       "$KHSMCTL_FAKE " SETS "token unload $id"), 0);
	check_hold_err();
	CHECK_INT(shell("grep -Eqx 'token [0-9a-f]{16} gone' hold.out"), 0);
	CHECK_HAS(err, "the token was unloaded");
	slurp(path, rc, sizeof(rc));
	CHECK_STR(rc, "1\n");

	/* The end of standard input gives it up too. */
	CHECK_INT(run(SETS "token load signer --passphrase-file pp-soft --hold"), 0);
	CHECK_HAS(out, "signer: 1 of 1 cards\ntoken ");
	CHECK_INT(shell("grep -Eqx 'token [0-9a-f]{16} released' out"), 0);
}

static void token_unload(void)
{
	if (!ready())
		return;
	CHECK_INT(run(SETS "token unload 0123456789abcdef"), 1);
	CHECK_HAS(err, "no such token");
	CHECK_INT(run(SETS "token unload xyz"), 2);
	CHECK_INT(run(SETS "token unload 0123456789abcdef0"), 2);
	CHECK_INT(run(SETS "token unload"), 2);
}

static void token_preload(void)
{
	if (!ready())
		return;
	CHECK_INT(run(SETS "token preload signer --passphrase-file pp-soft -- "
		      "sh -c 'echo \"id=$KHSM_TOKEN_ID\";"
		      " $KHSMCTL_FAKE " SETS "token list --json > during.json;"
		      " exit 7'"), 7);
	/* Its stdout is the command's alone. */
	CHECK_INT(shell("grep -Eqx 'id=[0-9a-f]{16}' out && test $(wc -l < out) -eq 1"),
		  0);
	CHECK_INT(shell("id=$(sed 's/id=//' out);"
			"jq -e --arg id $id 'length == 1 and .[0].id == $id and "
			".[0].name == \"signer\" and .[0].persistent == true' "
			"during.json >/dev/null && "
			"grep -qx \"token $id loaded\" err && "
			"grep -qx \"token $id unloaded\" err"), 0);
	CHECK_INT(run(SETS "token list --json"), 0);
	CHECK_STR(out, "[]\n");
	/* Killed by a signal: 128 + N, as a shell says. */
	CHECK_INT(run(SETS "token preload signer --passphrase-file pp-soft -- "
		      "sh -c 'kill -TERM $$'"), 128 + 15);
	CHECK_INT(run(SETS "token preload signer --passphrase-file pp-soft -- "
		      "/nonexistent/command"), 127);
	CHECK_HAS(err, "/nonexistent/command: No such file or directory");
	CHECK_INT(run(SETS "token preload signer --passphrase-file pp-soft"), 2);
	CHECK_HAS(err, "-- COMMAND [ARGS...] is needed");
	/* Nothing loaded, nothing run. */
	CHECK_INT(run(SETS "token preload nosuch -- touch ran"), 1);
	CHECK_INT(mode_of("ran"), -1);
}

static void card_remove(void)
{
	if (!ready())
		return;
	CHECK_INT(run("card remove"), 2);
	CHECK_INT(run("card remove 256"), 2);
	CHECK_INT(run("card remove 1"), 0);
	CHECK_INT(run("card help remove"), 0);
	CHECK_HAS(out, "Usage: khsmctl card remove SLOT");
	CHECK_INT(run("help token"), 0);
	CHECK_HAS(out, "preload");
	CHECK_INT(run("token preload --help"), 0);
	CHECK_HAS(out, "KHSM_TOKEN_ID");
}

/*
 * Application keys, in the card sets' world: its softcard "signer" and
 * card set "webtls" protect some of them.
 */
#define PRELOAD_SIGNER	SETS "token preload signer --passphrase-file pp-soft -- " \
			"$KHSMCTL_FAKE " SETS
#define PRELOAD_WEBTLS	SETS "token preload webtls --card ocs/webtls-1.card " \
			"--card ocs/webtls-2.card --passphrase-file pp-ocs -- " \
			"$KHSMCTL_FAKE " SETS
#define EC_KEY		"--type ec-p256 --ops sign,verify,export-public"

static void key_generate(void)
{
	if (!ready())
		return;
	CHECK_INT(run(SETS "key generate --app web --ident sig --protect module "
		      EC_KEY), 0);
	CHECK_INT(shell("grep -Eq '^key hash: [0-9a-f]{64}$' out && "
			"grep -qx 'file: sets/key_web_sig' out && "
			"grep -Eq '^public key sha256: [0-9a-f]{64}$' out"), 0);
	CHECK_INT(mode_of("sets/key_web_sig"), 0644);
	/* Never over a key by accident. */
	CHECK_INT(run(SETS "key generate --app web --ident sig --protect module "
		      EC_KEY), 1);
	CHECK_HAS(err, "sets/key_web_sig exists (--force replaces it)");
	CHECK_INT(shell("cp sets/key_web_sig old-sig"), 0);
	CHECK_INT(run(SETS "key generate --app web --ident sig --protect module "
		      EC_KEY " --force"), 0);
	CHECK_HAS(err, "the key it held is lost unless a copy of it is kept");
	CHECK_INT(shell("! cmp -s old-sig sets/key_web_sig"), 0);
	CHECK_INT(run(SETS "key generate --app web --ident aes1 --type aes "
		      "--bits 128 --protect module --ops encrypt,decrypt "
		      "--caller-iv --usage-limit 10 --not-after 2030-01-01 "
		      "--no-recovery"), 0);
	CHECK(!strstr(out, "public key"));
	CHECK_INT(run(SETS "key generate --app web_x --ident a --type aes "
		      "--protect module --ops encrypt"), 2);
	CHECK_HAS(err, "--app web_x: 1 to 31 of A-Z a-z 0-9 -");
	CHECK_HAS(err, "Usage: khsmctl key generate");
}

static void key_pubkey_sign_verify(void)
{
	if (!ready())
		return;
	CHECK_INT(run(SETS "key pubkey web sig --out sig.pem"), 0);
	CHECK_INT(run(SETS "key pubkey web sig --der --out sig.der"), 0);
	CHECK_INT(shell("openssl pkey -pubin -in sig.pem -outform DER | "
			"cmp -s - sig.der"), 0);
	CHECK_INT(run(SETS "key pubkey web aes1"), 1);
	CHECK_HAS(err, "web aes1 is an aes key: it has no public key");
	shell("head -c 100000 /dev/urandom > msg");
	CHECK_INT(run(SETS "key sign web sig --in msg --out msg.sig"), 0);
	CHECK_INT(shell("openssl dgst -sha256 -verify sig.pem -signature msg.sig "
			"msg >/dev/null"), 0);
	CHECK_INT(run(SETS "key verify web sig --in msg --sig msg.sig"), 0);
	CHECK_STR(out, "signature ok\n");
	/* A signature openssl made with another key does not verify. */
	shell("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
	      "-out other.pem 2>/dev/null; openssl dgst -sha256 -sign other.pem "
	      "-out other.sig msg");
	CHECK_INT(run(SETS "key verify web sig --in msg --sig other.sig"), 1);
	CHECK_HAS(err, "signature does not match");
	CHECK_INT(run(SETS "key sign web aes1 --in msg --out x.sig"), 1);
	CHECK_HAS(err, "web aes1 is an aes key: sign and verify need an EC key");
	CHECK_INT(run(SETS "key sign web sig --in msg"), 2);
	CHECK_INT(run(SETS "key sign web nosuch --in msg --out x.sig"), 1);
	CHECK_HAS(err, "no key web nosuch");
}

static void key_list_info(void)
{
	if (!ready())
		return;
	CHECK_INT(run(SETS "key list"), 0);
	CHECK_STR(out, "web aes1: aes, module, encrypt,decrypt\n"
		  "web sig: ec-p256, module, sign,verify,export-public\n");
	CHECK_INT(run(SETS "key list --app nosuch --json"), 0);
	CHECK_STR(out, "[]\n");
	CHECK_INT(run(SETS "key info web aes1"), 0);
	CHECK_HAS(out, "type:              aes\n");
	CHECK_HAS(out, "protection:        module\n");
	CHECK_HAS(out, "recovery copy:     no\n");
	CHECK_HAS(out, "operations:        encrypt,decrypt\n");
	CHECK_HAS(out, "mechanisms:        aes-gcm\n");
	CHECK_HAS(out, "caller iv:         yes\n");
	CHECK_HAS(out, "usage limit:       10\n");
	CHECK_HAS(out, "not after:         2030-01-01T00:00:00Z\n");
	CHECK_HAS(out, "file:              sets/key_web_aes1\n");
	/* The fingerprint is the SPKI DER's, as openssl hashes it. */
	CHECK_INT(run(SETS "key info web sig --json"), 0);
	CHECK_INT(shell("fp=$(sha256sum < sig.der | cut -c1-64); "
			"jq -e --arg fp $fp '.public_key_sha256 == $fp and "
			".type == \"ec-p256\" and .protection == \"module\" and "
			".set_id == null and .recovery == true and "
			".acl.ops == [\"sign\", \"verify\", \"export-public\"] and "
			".acl.mechs == [\"ecdsa-p256-sha256\"] and "
			".acl.usage_limit == null and (.public_key | length) == 130' "
			"out >/dev/null"), 0);
	CHECK_INT(run(SETS "key list --json"), 0);
	CHECK_INT(shell("jq -e 'length == 2 and .[0].ident == \"aes1\" and "
			".[0].acl.caller_iv == true and .[0].acl.not_after == 1893456000' "
			"out >/dev/null"), 0);
	/* A blob others may write, or under another key's name, is refused. */
	shell("chmod 0660 sets/key_web_aes1");
	CHECK_INT(run(SETS "key info web aes1"), KHSMCTL_EXIT_UNSAFE);
	CHECK_HAS(err, "mode 0660 lets others write it; refusing");
	CHECK_INT(run(SETS "key list"), 1);
	CHECK_HAS(out, "web sig: ec-p256");
	shell("chmod 0640 sets/key_web_aes1; cp sets/key_web_aes1 sets/key_web_copy");
	CHECK_INT(run(SETS "key info web copy"), 1);
	CHECK_HAS(err, "holds key web aes1, not web copy");
	shell("rm sets/key_web_copy");
	CHECK_INT(run(SETS "key info web"), 2);
}

static void key_softcard_and_cardset(void)
{
	if (!ready())
		return;
	/* Without a token held, nothing is asked of the module. */
	CHECK_INT(run(SETS "key generate --app web --ident soft --protect "
		      "softcard:signer " EC_KEY), 1);
	CHECK_HAS(err, "no token of 'signer' is loaded for you");
	CHECK_HAS(err, "token preload signer -- khsmctl key generate");
	CHECK_INT(run(SETS "key generate --app web --ident soft --protect "
		      "cardset:signer " EC_KEY), 2);
	CHECK_HAS(err, "'signer' is a softcard, not a card set");
	CHECK_INT(run(SETS "key generate --app web --ident soft --protect "
		      "softcard:nosuch " EC_KEY), 1);
	CHECK_HAS(err, "no card set or softcard 'nosuch'");
	CHECK_INT(run(PRELOAD_SIGNER "key generate --app web --ident soft "
		      "--protect softcard:signer " EC_KEY), 0);
	CHECK_INT(run(SETS "key info web soft"), 0);
	CHECK_HAS(out, "protection:        softcard signer\n");
	CHECK_HAS(out, "set id:            ");
	/* Its token gone, it does not load; held, it signs. */
	CHECK_INT(run(SETS "key sign web soft --in msg --out soft.sig"), 1);
	CHECK_HAS(err, "its softcard's token must be loaded and yours");
	CHECK_INT(run(PRELOAD_SIGNER "key sign web soft --in msg --out soft.sig"),
		  0);
	CHECK_INT(run(SETS "key pubkey web soft --out soft.pem"), 0);
	CHECK_INT(shell("openssl dgst -sha256 -verify soft.pem -signature soft.sig "
			"msg >/dev/null"), 0);
	CHECK_INT(run(PRELOAD_WEBTLS "key generate --app tls --ident hmac1 "
		      "--type hmac --len 48 --protect cardset:webtls "
		      "--ops mac-generate,mac-verify --mechs hmac-sha384"), 0);
	CHECK_INT(run(SETS "key list --app tls"), 0);
	CHECK_STR(out, "tls hmac1: hmac, ocs webtls, mac-generate,mac-verify\n");
	CHECK_INT(run(SETS "key generate --app web --ident x --protect "
		      "softcard:signer --token 0123456789abcdef " EC_KEY), 1);
	CHECK_HAS(err, "no such token is loaded");
}

static void key_import(void)
{
	if (!ready())
		return;
	shell("head -c 32 /dev/urandom > aes.key; chmod 0600 aes.key;"
	      "head -c 20 /dev/urandom > short.key; chmod 0600 short.key;"
	      "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 "
	      "-out p384.pem; chmod 0600 p384.pem;"
	      "openssl pkey -in p384.pem -pubout -out p384.pub;"
	      "openssl pkey -in p384.pem -outform DER -out p384.der; chmod 0600 p384.der");
	CHECK_INT(run(SETS "key import --app imp --ident aes --type aes "
		      "--from aes.key --protect module --ops encrypt"), 0);
	CHECK_INT(run(SETS "key import --app imp --ident short --type aes "
		      "--from short.key --protect module --ops encrypt"), 1);
	CHECK_HAS(err, "short.key: 20 bytes is no aes key");
	shell("chmod 0666 aes.key");
	CHECK_INT(run(SETS "key import --app imp --ident aes2 --type aes "
		      "--from aes.key --protect module --ops encrypt"),
		  KHSMCTL_EXIT_UNSAFE);
	CHECK_HAS(err, "aes.key: mode 0666 lets others write it; refusing");
	shell("chmod 0644 aes.key");
	CHECK_INT(run(SETS "key import --app imp --ident aes2 --type aes "
		      "--from aes.key --protect module --ops encrypt"), 0);
	CHECK_HAS(err, "aes.key is readable by others");
	/* An EC private key: the module's public key is openssl's. */
	CHECK_INT(run(SETS "key import --app imp --ident p384 --type ec-p384 "
		      "--from p384.der --protect module --ops sign,export-public"),
		  0);
	CHECK_INT(run(SETS "key pubkey imp p384"), 0);
	CHECK_INT(shell("$KHSMCTL_FAKE " SETS "key pubkey imp p384 | "
			"cmp -s - p384.pub"), 0);
	CHECK_INT(run(SETS "key sign imp p384 --in msg --out p384.sig"), 0);
	CHECK_INT(shell("openssl dgst -sha384 -verify p384.pub -signature p384.sig "
			"msg >/dev/null"), 0);
	CHECK_INT(run(SETS "key import --app imp --ident p256 --type ec-p256 "
		      "--from p384.pem --protect module --ops sign"), 2);
	CHECK_HAS(err, "p384.pem holds an ec-p384 key, not ec-p256");
	CHECK_INT(run(SETS "key import --app imp --ident bad --type ec-p384 "
		      "--from aes.key --protect module --ops sign"), 1);
	CHECK_HAS(err, "not an unencrypted EC private key");
	/* A public key alone verifies, and signs nothing. */
	CHECK_INT(run(SETS "key import --app imp --ident pub --type ec-p384 "
		      "--from p384.pub --public --protect module "
		      "--ops verify,export-public"), 0);
	CHECK_INT(run(SETS "key info imp pub"), 0);
	CHECK_HAS(out, "type:              ec-p384 (public key only)\n");
	CHECK_INT(run(SETS "key verify imp pub --in msg --sig p384.sig"), 0);
	CHECK_INT(run(SETS "key sign imp pub --in msg --out x.sig"), 1);
	CHECK_HAS(err, "imp pub is a public key alone: it cannot sign");
}

/* The policy's import = no: generate only. */
static void key_import_refused(void)
{
	if (!ready())
		return;
	shell("printf 'import = no\\n' > no-import; chmod 0644 no-import");
	CHECK_INT(run(SETS "policy load no-import --card sets-acs/acs-1.card "
		      "--passphrase-file pp-acs"), 0);
	CHECK_INT(run(SETS "policy show"), 0);
	CHECK_HAS(out, "import = no\n");
	CHECK_INT(run(SETS "key import --app imp --ident aes3 --type aes "
		      "--from aes.key --protect module --ops encrypt"), 4);
	CHECK_HAS(err, "the policy does not allow importing keys");
	CHECK_INT(mode_of("sets/key_imp_aes3"), -1);
	CHECK_INT(run(SETS "key generate --app imp --ident gen --type aes "
		      "--protect module --ops encrypt"), 0);
}

/*
 * Every file khsmctl trusts, made writable by others, and the kmdata
 * directory made writable by others than its scheme allows: refused with
 * the path and the mode, exit 8; put back, accepted again.
 */
static void unsafe_modes(void)
{
	static const struct {
		const char *file, *mode, *cmd;
	} files[] = {
		{ "sets/world", "0660", "world load --card sets-acs/acs-1.card" },
		{ "sets/world", "0642", "world load --card sets-acs/acs-1.card" },
		{ "sets/cardset_webtls", "0660", "cardset info webtls" },
		{ "sets/softcard_signer", "0662", "token load signer --passphrase-file pp-soft" },
		{ "sets/key_web_aes1", "0646", "key info web aes1" },
		{ "pp-soft", "0620", "token load signer --passphrase-file pp-soft" },
	};
	char cmd[256], want[128];
	mode_t was;
	size_t i;

	if (!ready())
		return;
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		was = (mode_t)mode_of(files[i].file);
		snprintf(cmd, sizeof(cmd), "chmod %s %s", files[i].mode,
			 files[i].file);
		CHECK_INT(shell(cmd), 0);
		CHECK_INT(run(SETS "%s", files[i].cmd), KHSMCTL_EXIT_UNSAFE);
		snprintf(want, sizeof(want), "%s: mode %s lets others write it; refusing",
			 files[i].file, files[i].mode);
		CHECK_HAS(err, want);
		snprintf(cmd, sizeof(cmd), "chmod %04o %s", (unsigned int)was,
			 files[i].file);
		CHECK_INT(shell(cmd), 0);
	}
	CHECK_INT(run(SETS "cardset info webtls"), 0);

	/* The directory: 0755 as made, 3775 for operators, nothing else. */
	CHECK_INT(mode_of("sets"), 0755);
	shell("chmod 0775 sets");
	CHECK_INT(run(SETS "key info web aes1"), KHSMCTL_EXIT_UNSAFE);
	CHECK_HAS(err, "sets: directory mode 0775 lets others replace its files; refusing");
	CHECK_INT(run(SETS "cardset info webtls"), KHSMCTL_EXIT_UNSAFE);
	CHECK_INT(run(SETS "world load --card sets-acs/acs-1.card"),
		  KHSMCTL_EXIT_UNSAFE);
	CHECK_INT(run(SETS "token load signer --passphrase-file pp-soft"),
		  KHSMCTL_EXIT_UNSAFE);
	shell("chmod 0757 sets");
	CHECK_INT(run(SETS "key info web aes1"), KHSMCTL_EXIT_UNSAFE);
	CHECK_HAS(err, "directory mode 0757");
	shell("chmod 1777 sets");
	CHECK_INT(run(SETS "key info web aes1"), KHSMCTL_EXIT_UNSAFE);
	shell("chmod 3775 sets");
	CHECK_INT(run(SETS "key info web aes1"), 0);
	shell("chmod 0755 sets");
	CHECK_INT(run(SETS "key info web aes1"), 0);
}

static void key_delete(void)
{
	if (!ready())
		return;
	CHECK_INT(run(SETS "key delete web sig"), 0);
	CHECK_STR(out, "deleted sets/key_web_sig\n");
	CHECK_HAS(err, "copies of the blob (backups, other hosts) still load key web sig");
	CHECK_INT(mode_of("sets/key_web_sig"), -1);
	CHECK_INT(run(SETS "key delete web sig"), 1);
	CHECK_HAS(err, "no such key");
	CHECK_INT(run("help key"), 0);
	CHECK_HAS(out, "generate");
	CHECK_INT(run("key help import"), 0);
	CHECK_HAS(out, "Usage: khsmctl key import");
	CHECK_INT(run("key frobnicate"), 2);
}

/*
 * Key recovery: the officer's quorum, a token of the replacement set
 * held, and a key that has a recovery copy. web soft (softcard signer)
 * goes to card set webtls.
 */
static void key_recover(void)
{
	if (!ready())
		return;
	CHECK_INT(run(SETS "acs logout"), 0);
	CHECK_INT(run(PRELOAD_WEBTLS "key recover web soft --to cardset:webtls"),
		  4);
	CHECK_HAS(err, "needs the key-recovery ACS quorum");
	CHECK_HAS(err, "run 'khsmctl acs authorise' first");
	CHECK_INT(run(SETS "acs authorise --card sets-acs/acs-1.card "
		      "--passphrase-file pp-acs"), 0);
	CHECK_HAS(out, "authorised: acs, key-recovery (600 s left)\n");
	/* No token of the set held: nothing asked. */
	CHECK_INT(run(SETS "key recover web soft --to cardset:webtls"), 1);
	CHECK_HAS(err, "no token of 'webtls' is loaded for you");
	CHECK_HAS(err, "khsmctl key recover ...");
	CHECK_INT(run(SETS "key recover web soft --to softcard:webtls"), 2);
	CHECK_HAS(err, "'webtls' is an operator card set, not a softcard "
		  "(--to cardset:NAME)");
	CHECK_INT(run(SETS "key recover web soft --to webtls"), 2);
	CHECK_HAS(err, "--to webtls: cardset:NAME or softcard:NAME");
	CHECK_INT(run(PRELOAD_SIGNER "key recover web soft --to softcard:signer"),
		  1);
	CHECK_HAS(err, "key web soft is protected by 'signer' already");
	/* Made with --no-recovery: the module says no. */
	CHECK_INT(run(PRELOAD_WEBTLS "key recover web aes1 --to cardset:webtls"),
		  4);
	CHECK_HAS(err, "made without a recovery copy");
	shell("cp sets/key_web_soft old-soft");
	CHECK_INT(run(PRELOAD_WEBTLS "key recover web soft --to cardset:webtls"),
		  0);
	CHECK_HAS(out, "file: sets/key_web_soft\nprotection: ocs webtls\n"
		  "recovery copy: yes\n");
	CHECK_HAS(err, "copies of the old blob (backups, other hosts) still load");
	CHECK_INT(mode_of("sets/key_web_soft"), 0644);
	CHECK_INT(run(SETS "key info web soft"), 0);
	CHECK_HAS(out, "protection:        ocs webtls\n");
	/* The same key: what it signs verifies with the old public key. */
	CHECK_INT(run(PRELOAD_WEBTLS "key sign web soft --in msg --out rec.sig"),
		  0);
	CHECK_INT(shell("openssl dgst -sha256 -verify soft.pem -signature rec.sig "
			"msg >/dev/null"), 0);
	CHECK_INT(run(PRELOAD_SIGNER "key sign web soft --in msg --out x.sig"), 1);
	CHECK_INT(run("key help recover"), 0);
	CHECK_HAS(out, "Usage: khsmctl key recover APP ID --to");
}

/* Passphrase changes: webtls-3 and the softcard, under the strict8 policy. */
static void card_passphrase(void)
{
	if (!ready())
		return;
	shell("printf 'carol-pass\ncarol-new-pass\n' > pp-c;"
	      "printf 'carol-pass\nshort\n' > pp-c-short;"
	      "printf 'carol-pass\n\n' > pp-c-empty;"
	      "printf 'wrong-pass\ncarol-other-pass\n' > pp-c-wrong;"
	      "printf 'carol-new-pass\n' > pp-c-new;"
	      "printf 'alice-pass\ncarol-new-pass\n' > pp-13-new;"
	      "printf 'signer-pass\nsigner-new-pass\n' > pp-s;"
	      "printf 'signer-new-pass\n' > pp-s-new; chmod 0600 pp-*;"
	      "chmod 0640 ocs/webtls-3.card; cp ocs/webtls-3.card old-3.card");
	CHECK_INT(run(SETS "card passphrase ocs/webtls-3.card "
		      "--passphrase-file pp-c-wrong"), 1);
	CHECK_HAS(err, "card passphrase: access denied");
	CHECK_HAS(err, "wrong passphrase; try again in 1 s");
	CHECK_INT(shell("cmp -s old-3.card ocs/webtls-3.card"), 0);
	CHECK_INT(run(SETS "card passphrase ocs/webtls-3.card "
		      "--passphrase-file pp-c-short"), 1);
	CHECK_HAS(err, "card 3: passphrase too short: the policy refuses fewer than 8");
	CHECK_INT(run(SETS "card passphrase ocs/webtls-3.card "
		      "--passphrase-file pp-c-empty"), 1);
	CHECK_HAS(err, "empty: --no-passphrase removes the card's passphrase");
	CHECK_INT(run(SETS "card passphrase ocs/webtls-3.card --no-passphrase "
		      "--passphrase-file pp-c-new"), 1);
	CHECK_HAS(err, "card 3: no passphrase: the policy refuses fewer than 8");
	CHECK_INT(run(SETS "card passphrase ocs/webtls-3.card --lost "
		      "--passphrase-file pp-c-new"), 1);
	CHECK_HAS(err, "made without passphrase recovery");
	CHECK_INT(run(SETS "card passphrase ocs/webtls-3.card"), 2);
	CHECK_HAS(err, "not on a terminal: give --passphrase-fd or --passphrase-file");
	CHECK_INT(shell("cmp -s old-3.card ocs/webtls-3.card"), 0);
	CHECK_INT(run(SETS "card passphrase ocs/webtls-3.card "
		      "--passphrase-file pp-c"), 0);
	CHECK_STR(out, "card 3 'webtls-3' of ocs 'webtls': new passphrase\n"
		  "file: ocs/webtls-3.card\n");
	CHECK_HAS(err, "copies of the old card file still open with the old passphrase");
	CHECK_INT(mode_of("ocs/webtls-3.card"), 0640);
	CHECK_INT(shell("test $(ls -A ocs | grep -c '^\\.') -eq 0"), 0);
	CHECK_INT(run(SETS "token load webtls " WEBTLS_CARDS), 1);
	CHECK_HAS(err, "wrong passphrase");
	CHECK_INT(run(SETS "token load webtls --card ocs/webtls-1.card "
		      "--card ocs/webtls-3.card --passphrase-file pp-13-new"), 0);
	/* A softcard keeps a passphrase; its new one loads it. */
	CHECK_INT(run(SETS "card passphrase sets/softcard_signer --no-passphrase"),
		  2);
	CHECK_HAS(err, "a softcard keeps a passphrase");
	CHECK_INT(run(SETS "card passphrase sets/softcard_signer "
		      "--passphrase-file pp-s"), 0);
	CHECK_HAS(out, "card 1 'signer' of softcard 'signer': new passphrase\n");
	CHECK_INT(mode_of("sets/softcard_signer"), 0640);
	CHECK_INT(run(SETS "token load signer --passphrase-file pp-soft"), 1);
	CHECK_INT(run(SETS "token load signer --passphrase-file pp-s-new"), 0);
	/* ACS cards have no escrow; a card without a passphrase loses none. */
	CHECK_INT(run(SETS "card passphrase sets-acs/acs-1.card --lost "
		      "--passphrase-file pp-c-new"), 1);
	CHECK_HAS(err, "ACS cards have no escrow copy");
	CHECK_INT(run(SETS "card passphrase"), 2);
	CHECK_HAS(err, "CARDFILE is needed");
	CHECK_INT(run("card help passphrase"), 0);
	CHECK_HAS(out, "Usage: khsmctl card passphrase CARDFILE");
}

static void cardset_erase(void)
{
	if (!ready())
		return;
	shell("printf 'gone-one-pass\ngone-two-pass\n' > pp-gone;"
	      "printf 'gone-one-pass\n' > pp-gone1;"
	      "printf 'wrong-pass-x\n' > pp-gone-wrong;"
	      "printf 'tmp-soft-pass\n' > pp-tmp; chmod 0600 pp-*");
	CHECK_INT(run(SETS "cardset create gone -K 1 -N 2 --card-dir ocs "
		      "--passphrase-file pp-gone"), 0);
	CHECK_INT(run(SETS "token preload gone --card ocs/gone-1.card "
		      "--passphrase-file pp-gone1 -- $KHSMCTL_FAKE " SETS
		      "key generate --app gone --ident k1 --protect cardset:gone "
		      EC_KEY), 0);
	CHECK_INT(run(SETS "acs logout"), 0);
	CHECK_INT(run(SETS "cardset erase gone"), 4);
	CHECK_HAS(err, "erasing 'gone' needs a card of the set (--card FILE), or root with the ACS authorised");
	CHECK_INT(run(SETS "cardset erase gone --card ocs/webtls-1.card"), 1);
	CHECK_HAS(err, "ocs/webtls-1.card: card 1 of 'webtls', not of 'gone'");
	CHECK_INT(run(SETS "cardset erase gone --card ocs/gone-1.card "
		      "--passphrase-file pp-gone-wrong"), 1);
	CHECK_HAS(err, "wrong passphrase");
	CHECK_INT(mode_of("sets/cardset_gone"), 0640);
	CHECK_INT(run(SETS "cardset erase gone --card ocs/gone-1.card "
		      "--passphrase-file pp-gone1"), 0);
	CHECK_STR(out, "card 1 'gone-1' of 'gone' verified\n"
		  "deleted ocs/gone-1.card\ndeleted sets/cardset_gone\n"
		  "erased ocs 'gone'\n");
	CHECK_HAS(err, "1 of the set's 2 cards were not given: destroy them");
	CHECK_HAS(err, "the module keeps no list of erased sets: any copy of enough of its cards still loads its token");
	CHECK_HAS(err, "sets/key_gone_k1 was protected by 'gone'");
	CHECK_INT(mode_of("ocs/gone-1.card"), -1);
	CHECK_INT(mode_of("ocs/gone-2.card"), 0600);
	CHECK_INT(run(SETS "cardset info gone"), 1);
	CHECK_INT(run(SETS "cardset erase gone --card ocs/gone-2.card"), 1);
	CHECK_HAS(err, "no card set or softcard 'gone'");
	/* A softcard: its passphrase; an officer: nothing. */
	CHECK_INT(run(SETS "softcard create tmp --passphrase-file pp-tmp"), 0);
	CHECK_INT(run(SETS "cardset erase tmp --card ocs/gone-2.card"), 2);
	CHECK_HAS(err, "'tmp' is a softcard");
	CHECK_INT(run(SETS "cardset erase tmp --passphrase-file pp-tmp"), 0);
	CHECK_HAS(out, "deleted sets/softcard_tmp\ndeleted sets/cardset_tmp\n");
	CHECK_INT(mode_of("sets/softcard_tmp"), -1);
	CHECK_INT(run(SETS "cardset create gone2 -N 2 --card-dir ocs "
		      "--passphrase-file pp-gone"), 0);
	CHECK_INT(run(SETS "acs authorise --card sets-acs/acs-1.card "
		      "--passphrase-file pp-acs"), 0);
	CHECK_INT(run(SETS "cardset erase gone2 --card ocs/gone2-1.card "
		      "--card ocs/gone2-2.card"), 0);
	CHECK_STR(out, "deleted ocs/gone2-1.card\ndeleted ocs/gone2-2.card\n"
		  "deleted sets/cardset_gone2\nerased ocs 'gone2'\n");
	CHECK_INT(run(SETS "cardset erase"), 2);
	CHECK_HAS(err, "NAME is needed");
}

/* A world with passphrase recovery: a lost passphrase replaced. */
static void card_passphrase_lost(void)
{
#define PR	"--kmdata pr "
	if (!ready())
		return;
	CHECK_INT(run("world unload"), 0);
	shell("mkdir -p pr-acs pr-ocs; printf 'prset-pass-1\n' > pp-pr;"
	      "printf 'prset-pass-2\n' > pp-pr2; chmod 0600 pp-pr pp-pr2");
	CHECK_INT(run(PR "world new --pp-recovery 1 --card-dir pr-acs "
		      "--no-passphrase"), 0);
	CHECK_INT(run(PR "cardset create prset --pp-recovery --card-dir pr-ocs "
		      "--passphrase-file pp-pr"), 0);
	CHECK_INT(run(PR "cardset create plain --card-dir pr-ocs "
		      "--passphrase-file pp-pr"), 0);
	CHECK_INT(run(PR "card passphrase pr-ocs/prset-1.card --lost "
		      "--passphrase-file pp-pr2"), 4);
	CHECK_HAS(err, "needs the passphrase-recovery ACS quorum: run 'khsmctl acs authorise' first");
	CHECK_INT(run(PR "acs authorise --for nonsense --card pr-acs/acs-1.card"),
		  2);
	CHECK_HAS(err, "--for nonsense: acs, key-recovery or passphrase-recovery");
	CHECK_INT(run(PR "acs authorise --for passphrase-recovery "
		      "--card pr-acs/acs-1.card"), 0);
	CHECK_HAS(out, "passphrase-recovery: 1 of 1 cards\n");
	CHECK_HAS(out, "passphrase-recovery (600 s left)\n");
	CHECK_INT(run(PR "card passphrase pr-ocs/plain-1.card --lost "
		      "--passphrase-file pp-pr2"), 1);
	CHECK_HAS(err, "made without passphrase recovery");
	CHECK_INT(run(PR "card passphrase pr-ocs/prset-1.card --lost "
		      "--passphrase-file pp-pr2"), 0);
	CHECK_HAS(out, "card 1 'prset-1' of ocs 'prset': new passphrase\n");
	CHECK_INT(run(PR "token load prset --card pr-ocs/prset-1.card "
		      "--passphrase-file pp-pr"), 1);
	CHECK_INT(run(PR "token load prset --card pr-ocs/prset-1.card "
		      "--passphrase-file pp-pr2"), 0);
#undef PR
}

static void cleanup(void)
{
	char cmd[128];

	if (!top[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	CHECK_INT(system(cmd), 0);
	top[0] = '\0';
}

static const struct unit_test tests[] = {
	{ "world new writes cards, world file, register", world_new },
	{ "world new refusals", world_new_refusals },
	{ "world info, text and JSON", world_info },
	{ "policy show parses back", policy_show_parses_back },
	{ "world load with cards", world_load_with_cards },
	{ "wrong passphrase, short quorum, not a card", wrong_passphrase_exits_1 },
	{ "acs verify", acs_verify },
	{ "at a passphrase prompt: locked, undumpable", prompt_is_hardened },
	{ "acs authorise and policy load", acs_authorise_and_policy },
	{ "acs replace", acs_replace },
	{ "world new undone when cards cannot be written", world_new_undone },
	{ "short passphrases refused or warned", short_passphrase_refused },
	{ "slot list", slot_list },
	{ "usage and help", usage_and_help },
	{ "a world for card sets", sets_world },
	{ "cardset create: cards, record, modes", cardset_create },
	{ "cardset create refusals", cardset_refusals },
	{ "softcard create and its refusals", softcard_create },
	{ "cardset list and info, text and JSON", cardset_list_info },
	{ "token load without --hold", token_load_once },
	{ "token load --hold: signal, unload, end of input", token_hold },
	{ "token unload", token_unload },
	{ "token preload: command, status, KHSM_TOKEN_ID", token_preload },
	{ "card remove, help", card_remove },
	{ "key generate: file, mode, --force", key_generate },
	{ "key pubkey, sign, verify against openssl", key_pubkey_sign_verify },
	{ "key list and info, text and JSON", key_list_info },
	{ "keys of a softcard and a card set", key_softcard_and_cardset },
	{ "key import: raw, PKCS#8, SPKI", key_import },
	{ "key import refused by the policy", key_import_refused },
	{ "files and kmdata others may write: exit 8", unsafe_modes },
	{ "key delete, help", key_delete },
	{ "key recover: quorum, token, no recovery copy", key_recover },
	{ "card passphrase: change, refusals, softcard", card_passphrase },
	{ "cardset erase: card, officer, softcard", cardset_erase },
	{ "card passphrase --lost", card_passphrase_lost },
	{ "clean up", cleanup },
};

UNIT_SUITE(khsmctl, tests);
