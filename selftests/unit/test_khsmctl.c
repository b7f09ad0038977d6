// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khsmctl's ceremonies end to end, against fake_khsm.c instead of the
 * module (build/khsmctl-fake): the files they write and their modes, what
 * they print, how they exit, and what they undo. Non-interactive only:
 * stdin is /dev/null throughout.
 */
#include <errno.h>
#include <fcntl.h>
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
	CHECK_INT(mode_of("kmdata"), 0750);
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
		  1);
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
	CHECK_STR(out, "acs: 1 of 2 cards\nacs: 2 of 2 cards\nauthorised: acs (600 s left)\n");
	CHECK_INT(run("policy load policy"), 0);
	CHECK_HAS(out, "world file: ");
	CHECK_HAS(out, "/kmdata/world\n");
	CHECK_INT(run("world info --json"), 0);
	CHECK_INT(shell("jq -e '.options.nso_timeout == 120 and .generation == 2 "
			"and .acs_auth.tokens == [\"acs\"]' out >/dev/null"), 0);
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
	CHECK_INT(run("policy load policy"), 1);
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
	{ "acs authorise and policy load", acs_authorise_and_policy },
	{ "acs replace", acs_replace },
	{ "world new undone when cards cannot be written", world_new_undone },
	{ "short passphrases refused or warned", short_passphrase_refused },
	{ "slot list", slot_list },
	{ "usage and help", usage_and_help },
	{ "clean up", cleanup },
};

UNIT_SUITE(khsmctl, tests);
