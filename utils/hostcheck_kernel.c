// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * host-check, the host around the module: kernel lockdown and module
 * signatures, SELinux/AppArmor, plain-text remote shells listening, sshd,
 * core dumps and swap. Each reads the kernel's or the service's own
 * settings, never a tool's opinion of them (/proc/net/tcp rather than ss).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostcheck.h"

#define SSHD_CONFIG_DIR	"/etc/ssh"
#define SSHD_CONFIG	SSHD_CONFIG_DIR "/sshd_config"

static int sys_line(const struct hc_ctx *c, const char *rel, char *buf,
		    size_t size)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", c->sysfs, rel);
	return hc_read_line(path, buf, size);
}

/* "none [integrity] confidentiality": the bracketed word, or "". */
static int lockdown_mode(const struct hc_ctx *c, char *mode, size_t size)
{
	char line[128], *l, *r;
	int ret;

	ret = sys_line(c, "kernel/security/lockdown", line, sizeof(line));
	if (ret)
		return ret;
	l = strchr(line, '[');
	r = l ? strchr(l, ']') : NULL;
	if (!r)
		return -EINVAL;
	*r = '\0';
	snprintf(mode, size, "%s", l + 1);
	return 0;
}

static enum hc_status check_lockdown(struct hc_ctx *c, char *why, size_t size)
{
	char mode[32];
	int ret = lockdown_mode(c, mode, sizeof(mode));

	if (ret == -ENOENT)
		return hc_say(HC_WARN, why, size,
			      "no %s/kernel/security/lockdown: the kernel has no lockdown LSM, or securityfs is not mounted",
			      c->sysfs);
	if (ret)
		return hc_say(HC_WARN, why, size, "cannot read the lockdown mode: %s",
			      strerror(-ret));
	if (!strcmp(mode, "none"))
		return hc_say(HC_WARN, why, size,
			      "lockdown is none: root can change the running kernel (/dev/mem, kexec, unsigned modules); boot with lockdown=integrity");
	return hc_say(HC_PASS, why, size, "lockdown is %s", mode);
}

static enum hc_status check_modsig(struct hc_ctx *c, char *why, size_t size)
{
	char val[16], mode[32];
	int ret;

	if (!lockdown_mode(c, mode, sizeof(mode)) && strcmp(mode, "none"))
		return hc_say(HC_PASS, why, size,
			      "lockdown %s requires signed modules", mode);
	ret = sys_line(c, "module/module/parameters/sig_enforce", val,
		       sizeof(val));
	if (ret == -ENOENT)
		return hc_say(HC_WARN, why, size,
			      "the kernel does not check module signatures (no sig_enforce parameter)");
	if (ret)
		return hc_say(HC_WARN, why, size, "cannot read sig_enforce: %s",
			      strerror(-ret));
	if (val[0] == 'Y' || val[0] == '1')
		return hc_say(HC_PASS, why, size, "module.sig_enforce is on");
	return hc_say(HC_WARN, why, size,
		      "module.sig_enforce is off: unsigned modules load; boot with module.sig_enforce=1 and sign khsm.ko");
}

/* Profiles in enforce mode, from apparmor's securityfs list; -errno. */
static int apparmor_enforcing(const struct hc_ctx *c)
{
	char path[PATH_MAX], line[512];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/kernel/security/apparmor/profiles",
		 c->sysfs);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, " (enforce)"))
			n++;
	fclose(f);
	return n;
}

static enum hc_status check_mac(struct hc_ctx *c, char *why, size_t size)
{
	char val[16];
	int n;

	if (!sys_line(c, "fs/selinux/enforce", val, sizeof(val))) {
		if (!strcmp(val, "1"))
			return hc_say(HC_PASS, why, size, "SELinux is enforcing");
		return hc_say(HC_WARN, why, size,
			      "SELinux is permissive: it logs but refuses nothing");
	}
	if (sys_line(c, "module/apparmor/parameters/enabled", val, sizeof(val)) ||
	    val[0] != 'Y')
		return hc_say(HC_WARN, why, size,
			      "neither SELinux nor AppArmor is enabled: no mandatory access control confines the services");
	n = apparmor_enforcing(c);
	if (n < 0)
		return hc_say(HC_WARN, why, size,
			      "AppArmor is enabled but its profiles cannot be read (%s): run as root with securityfs mounted",
			      strerror(-n));
	if (!n)
		return hc_say(HC_WARN, why, size,
			      "AppArmor is enabled but no profile is in enforce mode");
	return hc_say(HC_PASS, why, size, "AppArmor: %d profiles enforcing", n);
}

/* ---- plain-text remote shells ---- */

static const struct {
	uint16_t port;
	const char *name;
} plaintext_ports[] = {
	{ 21, "ftp" }, { 23, "telnet" }, { 107, "rtelnet" },
	{ 512, "rexec" }, { 513, "rlogin" }, { 514, "rsh" },
};

static const char *plaintext_name(uint16_t port)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(plaintext_ports); i++)
		if (plaintext_ports[i].port == port)
			return plaintext_ports[i].name;
	return NULL;
}

struct listen_scan {
	unsigned int open, loopback;
	char list[256];
};

static void note_listener(struct listen_scan *s, const struct tcp_listener *l,
			  const char *name, bool v6)
{
	size_t len = strlen(s->list);

	if (l->loopback)
		s->loopback++;
	else
		s->open++;
	snprintf(s->list + len, sizeof(s->list) - len, "%s%s on %s%s%s:%u",
		 len ? ", " : "", name, v6 ? "[" : "", l->addr, v6 ? "]" : "",
		 l->port);
}

static int scan_tcp(const char *path, bool v6, struct listen_scan *s)
{
	struct tcp_listener l;
	const char *name;
	char line[512];
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT && v6 ? 0 : -errno;	/* ipv6 off */
	while (fgets(line, sizeof(line), f)) {
		if (proc_net_tcp_line(line, v6, &l) != 1)
			continue;
		name = plaintext_name(l.port);
		if (name)
			note_listener(s, &l, name, v6);
	}
	fclose(f);
	return 0;
}

static enum hc_status check_services(struct hc_ctx *c, char *why, size_t size)
{
	struct listen_scan s = { 0 };
	int ret;

	(void)c;
	ret = scan_tcp("/proc/net/tcp", false, &s);
	if (!ret)
		ret = scan_tcp("/proc/net/tcp6", true, &s);
	if (ret)
		return hc_say(HC_WARN, why, size, "cannot read /proc/net/tcp: %s",
			      strerror(-ret));
	if (s.open)
		return hc_say(HC_FAIL, why, size,
			      "plain-text remote access listening: %s; remove the service", s.list);
	if (s.loopback)
		return hc_say(HC_WARN, why, size,
			      "plain-text remote access listening on loopback only: %s",
			      s.list);
	return hc_say(HC_PASS, why, size,
		      "no ftp, telnet, rexec, rlogin or rsh listening");
}

/* ---- sshd ---- */

enum { SSHD_ROOT, SSHD_PASSWORD, SSHD_EMPTY, SSHD_NOPTS };

static struct {
	bool done;
	bool installed;
	struct sshd_opt opt[SSHD_NOPTS];
} sshd;

static const char *sshd_binary(void)
{
	static const char *const paths[] = { "/usr/sbin/sshd", "/sbin/sshd" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(paths); i++)
		if (!access(paths[i], X_OK))
			return paths[i];
	return NULL;
}

/* `sshd -T`: the settings sshd itself would use. False if it would not. */
static bool sshd_t(const char *bin)
{
	int fd[2], status, null;
	pid_t pid;
	FILE *f;

	if (pipe2(fd, O_CLOEXEC))
		return false;
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return false;
	}
	if (!pid) {
		null = open("/dev/null", O_RDWR);
		if (null < 0 || dup2(fd[1], 1) < 0 || dup2(null, 2) < 0 ||
		    dup2(null, 0) < 0)
			_exit(127);
		execl(bin, "sshd", "-T", (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	f = fdopen(fd[0], "r");
	if (f) {
		sshd_t_parse(f, sshd.opt, SSHD_NOPTS);
		fclose(f);
	} else {
		close(fd[0]);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) || !sshd.opt[SSHD_ROOT].set)
		return false;
	return true;
}

static void sshd_load(void)
{
	const char *bin = sshd_binary();
	size_t i;

	if (sshd.done)
		return;
	sshd.done = true;
	sshd.opt[SSHD_ROOT].key = "PermitRootLogin";
	sshd.opt[SSHD_PASSWORD].key = "PasswordAuthentication";
	sshd.opt[SSHD_EMPTY].key = "PermitEmptyPasswords";
	sshd.installed = bin || !access(SSHD_CONFIG, F_OK);
	if (bin && sshd_t(bin))
		return;
	/* sshd -T needs root and host keys: read the files as sshd would. */
	for (i = 0; i < SSHD_NOPTS; i++)
		sshd.opt[i].set = false;
	sshd_config_read(SSHD_CONFIG, SSHD_CONFIG_DIR, sshd.opt, SSHD_NOPTS);
}

/* The value, or sshd's built-in default with "(default)" as its place. */
static const char *sshd_value(int i, const char *dflt, const char **where)
{
	if (sshd.opt[i].set) {
		*where = sshd.opt[i].where;
		return sshd.opt[i].value;
	}
	*where = "default";
	return dflt;
}

static enum hc_status check_sshd_root(struct hc_ctx *c, char *why, size_t size)
{
	const char *v, *where;

	(void)c;
	sshd_load();
	if (!sshd.installed)
		return hc_say(HC_SKIP, why, size, "sshd is not installed");
	v = sshd_value(SSHD_ROOT, "prohibit-password", &where);
	if (!strcmp(v, "yes"))
		return hc_say(HC_FAIL, why, size,
			      "PermitRootLogin yes (%s): root logs in with a password; set it to no",
			      where);
	if (!strcmp(v, "no"))
		return hc_say(HC_PASS, why, size, "PermitRootLogin no (%s)", where);
	return hc_say(HC_PASS, why, size,
		      "PermitRootLogin %s (%s): root by key only", v, where);
}

static enum hc_status check_sshd_password(struct hc_ctx *c, char *why,
					  size_t size)
{
	const char *v, *where;

	(void)c;
	sshd_load();
	if (!sshd.installed)
		return hc_say(HC_SKIP, why, size, "sshd is not installed");
	v = sshd_value(SSHD_EMPTY, "no", &where);
	if (!strcmp(v, "yes"))
		return hc_say(HC_FAIL, why, size,
			      "PermitEmptyPasswords yes (%s): accounts without a password log in",
			      where);
	v = sshd_value(SSHD_PASSWORD, "yes", &where);
	if (!strcmp(v, "no"))
		return hc_say(HC_PASS, why, size,
			      "PasswordAuthentication no (%s)", where);
	return hc_say(HC_WARN, why, size,
		      "PasswordAuthentication %s (%s): passwords can be guessed over the network; use keys and set it to no",
		      v, where);
}

/* ---- core dumps ---- */

static enum hc_status check_core(struct hc_ctx *c, char *why, size_t size)
{
	char pattern[256];
	struct rlimit rl;
	int ret;

	(void)c;
	ret = hc_read_line("/proc/sys/kernel/core_pattern", pattern,
			   sizeof(pattern));
	if (ret)
		snprintf(pattern, sizeof(pattern), "?");
	if (getrlimit(RLIMIT_CORE, &rl))
		return hc_say(HC_WARN, why, size, "getrlimit: %s", strerror(errno));
	/* The kernel hands a pipe handler every dump, whatever the limit. */
	if (rl.rlim_cur == 0)
		return hc_say(HC_PASS, why, size,
			      "ulimit -c is 0 (core_pattern '%s'%s)", pattern,
			      pattern[0] == '|' ? ": the handler gets dumps and decides by the limit" : "");
	return hc_say(HC_WARN, why, size,
		      "core dumps are on (ulimit -c %s) and go to '%s': a crashing process's memory lands on disk; set ulimit -c 0",
		      rl.rlim_cur == RLIM_INFINITY ? "unlimited" : "> 0",
		      pattern);
}

static enum hc_status check_suid_dumpable(struct hc_ctx *c, char *why,
					  size_t size)
{
	char val[16];
	int ret;

	(void)c;
	ret = hc_read_line("/proc/sys/fs/suid_dumpable", val, sizeof(val));
	if (ret)
		return hc_say(HC_WARN, why, size,
			      "cannot read fs.suid_dumpable: %s", strerror(-ret));
	if (!strcmp(val, "0"))
		return hc_say(HC_PASS, why, size, "fs.suid_dumpable is 0");
	if (!strcmp(val, "2"))
		return hc_say(HC_WARN, why, size,
			      "fs.suid_dumpable is 2: privileged programs leave core dumps (readable by root); set it to 0");
	return hc_say(HC_FAIL, why, size,
		      "fs.suid_dumpable is %s: processes that changed credentials dump core as their user; set it to 0",
		      val);
}

/* ---- swap ---- */

enum backing { BACKING_PLAIN, BACKING_CRYPT, BACKING_RAM, BACKING_UNKNOWN };

/* A block device in sysfs, through its stack of device-mapper slaves. */
static enum backing sysfs_backing(const char *dir, int depth)
{
	char path[PATH_MAX + 16], uuid[128], real[PATH_MAX];
	enum backing b = BACKING_PLAIN;
	struct dirent *e;
	DIR *d;

	if (depth > 8 || !realpath(dir, real))
		return BACKING_UNKNOWN;
	if (!strncmp(strrchr(real, '/') + 1, "zram", 4))
		return BACKING_RAM;
	snprintf(path, sizeof(path), "%s/dm/uuid", real);
	if (!hc_read_line(path, uuid, sizeof(uuid)) &&
	    !strncmp(uuid, "CRYPT-", 6))
		return BACKING_CRYPT;
	snprintf(path, sizeof(path), "%s/slaves", real);
	d = opendir(path);
	if (!d)
		return b;
	while (b != BACKING_CRYPT && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/block/%s", e->d_name);
		if (sysfs_backing(path, depth + 1) == BACKING_CRYPT)
			b = BACKING_CRYPT;
	}
	closedir(d);
	return b;
}

static enum backing swap_backing(const char *name, const char *type)
{
	char dir[64];
	struct stat st;
	dev_t dev;

	if (stat(name, &st))
		return BACKING_UNKNOWN;
	dev = !strcmp(type, "partition") && S_ISBLK(st.st_mode) ? st.st_rdev :
								   st.st_dev;
	snprintf(dir, sizeof(dir), "/sys/dev/block/%u:%u", major(dev),
		 minor(dev));
	return sysfs_backing(dir, 0);
}

static void append(char *list, size_t size, const char *name)
{
	size_t len = strlen(list);

	/* a cut list still names the first ones */
	if (snprintf(list + len, size - len, "%s%s", len ? ", " : "", name) >=
	    (int)(size - len))
		list[size - 1] = '\0';
}

static enum hc_status check_swap(struct hc_ctx *c, char *why, size_t size)
{
	char line[512], name[256], type[32], plain[256] = "", unknown[256] = "";
	unsigned int n = 0;
	FILE *f;

	(void)c;
	f = fopen("/proc/swaps", "re");
	if (!f)
		return hc_say(HC_WARN, why, size, "cannot read /proc/swaps: %s",
			      strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%255s %31s", name, type) != 2 ||
		    !strcmp(name, "Filename"))
			continue;
		n++;
		switch (swap_backing(name, type)) {
		case BACKING_PLAIN:
			append(plain, sizeof(plain), name);
			break;
		case BACKING_UNKNOWN:
			append(unknown, sizeof(unknown), name);
			break;
		default:
			break;
		}
	}
	fclose(f);
	if (plain[0])
		return hc_say(HC_WARN, why, size,
			      "swap on %s is not encrypted: swapped-out memory of the tools and services reaches the disk; use dm-crypt swap",
			      plain);
	if (unknown[0])
		return hc_say(HC_WARN, why, size,
			      "cannot tell whether swap on %s is encrypted", unknown);
	if (!n)
		return hc_say(HC_PASS, why, size, "no swap");
	return hc_say(HC_PASS, why, size,
		      "%u swap areas, all on dm-crypt or zram", n);
}

const struct hc_check hc_kernel_checks[] = {
	{ "lockdown", check_lockdown },
	{ "module-signatures", check_modsig },
	{ "mac", check_mac },
	{ "plaintext-services", check_services },
	{ "sshd-root-login", check_sshd_root },
	{ "sshd-passwords", check_sshd_password },
	{ "core-dumps", check_core },
	{ "suid-dumpable", check_suid_dumpable },
	{ "swap", check_swap },
};
const size_t hc_kernel_nchecks = ARRAY_SIZE(hc_kernel_checks);
