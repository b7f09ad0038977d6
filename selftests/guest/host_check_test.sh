#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# khsmctl host-check against settings prepared in the guest: a hardened
# baseline where every check passes, then one bad setting at a time (a
# drop-in sshd_config, a telnet listener, core dumps on, fs.suid_dumpable,
# unencrypted swap, root in the khsm group, loose kmdata, world file and
# /dev/khsm modes, a weak passphrase policy, no audit follower, a world
# bound to a plain host key), each flipping its own check and nothing
# else, with the exit status; the module unloaded and no world give
# "skip". --json is checked against the text output.
#
# Lockdown, module signature enforcement and SELinux/AppArmor cannot be
# changed on a running kernel (lockdown only one way), so those three
# read a prepared tree through the test-only KHSM_HOST_CHECK_SYSFS.
. "$(dirname "$0")/../lib.sh"

work=$(mktemp -d /tmp/hostcheck.XXXXXX)
export KHSM_KMDATA=$work/kmdata
export KHSM_HOST_CHECK_SYSFS=$work/sys
sys=$work/sys
ctl() { "$KHSMCTL" "$@"; }
# jq_true FILTER JSON: FILTER holds for JSON.
jq_true() { jq -e "$1" >/dev/null 2>&1 <<<"$2"; }
suid_was=$(cat /proc/sys/fs/suid_dumpable)
hc_users="hcroot"

cleanup() {
	kill $(jobs -p) 2>/dev/null
	wait 2>/dev/null
	swapoff -a 2>/dev/null
	dmsetup remove hcswap 2>/dev/null
	[ -n "${loopdev:-}" ] && losetup -d "$loopdev" 2>/dev/null
	rm -f /etc/ssh/sshd_config /etc/ssh/sshd_config.d/50-hc.conf
	[ -e "$work/sshd_config.orig" ] && cp -p "$work/sshd_config.orig" /etc/ssh/sshd_config
	echo "$suid_was" >/proc/sys/fs/suid_dumpable
	gpasswd -d root khsm >/dev/null 2>&1
	for u in $hc_users; do userdel -f "$u" >/dev/null 2>&1; done
	for i in $(seq 1 11); do userdel "hcop$i" >/dev/null 2>&1; done
	[ -c /dev/khsm ] && chown root:khsm /dev/khsm && chmod 0660 /dev/khsm
	rm -rf "$work"
}
trap cleanup EXIT

# --- the hardened baseline -------------------------------------------------
mkdir -p "$sys/kernel/security" "$sys/module/module/parameters" \
	"$sys/fs/selinux" "$work/acs"
echo "none [integrity] confidentiality" >"$sys/kernel/security/lockdown"
echo Y >"$sys/module/module/parameters/sig_enforce"
echo 1 >"$sys/fs/selinux/enforce"

mkdir -p /etc/ssh/sshd_config.d
[ -e /etc/ssh/sshd_config ] && cp -p /etc/ssh/sshd_config "$work/sshd_config.orig"
cat >/etc/ssh/sshd_config <<'S'
Include /etc/ssh/sshd_config.d/*.conf
PermitRootLogin no
PasswordAuthentication no
S
echo 0 >/proc/sys/fs/suid_dumpable
ip link set lo up 2>/dev/null

pp='a long enough acs passphrase'
printf '%s\n' "$pp" >"$work/pp"
printf 'pbkdf2.iterations = 1000\npassphrase.min-length = 12\npassphrase.short = refuse\n' >"$work/policy"
printf 'passphrase.min-length = 12\npassphrase.short = warn\n' >"$work/pol-warn"
printf 'passphrase.min-length = 6\npassphrase.short = refuse\n' >"$work/pol-short"
chmod 600 "$work/pp"
acs=(--card "$work/acs/acs-1.card" --passphrase-file "$work/pp")

ktap_begin
khsm_loaded || khsm_load
chown root:khsm /dev/khsm && chmod 0660 /dev/khsm
ctl world new -K 1 -N 1 --policy "$work/policy" --card-dir "$work/acs" \
	--passphrase-file "$work/pp" --yes >/dev/null 2>"$work/err"
if [ "$(ctl world info --json | jq -r .state)" = operational ]; then
	ok "a world with passphrase.min-length = 12, short refused"
else
	not_ok "a world with passphrase.min-length = 12, short refused: $(cat "$work/err")"
fi

follow_start() {
	"$KHSMCTL" audit follow --out "$work/audit.log" 2>>"$work/follow.err" &
	follow_pid=$!
}
follow_start
diag "audit follower: pid $follow_pid"

hc_core=0
# hc [ARGS]: host-check --json with ulimit -c $hc_core, into $hc_out, $hc_rc
# and the arrays st[id], why[id].
declare -A st why base
hc() {
	hc_out=$(ulimit -c "$hc_core"; ctl host-check --json "$@" 2>"$work/hc.err")
	hc_rc=$?
	hc_parse
}
hc_parse() {
	local id s r
	st=() why=()
	while IFS=$'\t' read -r id s r; do
		st[$id]=$s
		why[$id]=$r
	done <<<"$(jq -r '.[] | [.id, .status, .reason] | @tsv' <<<"$hc_out" 2>/dev/null)"
}

ids="lockdown module-signatures mac plaintext-services sshd-root-login sshd-passwords core-dumps suid-dumpable swap khsm-group kmdata world-file device passphrase-policy audit-follower bind-key"

# expect DESC RC [ID STATUS REGEX]...: host-check ($hc_args) exits RC, each
# ID named has STATUS with a reason matching REGEX, every other check its
# baseline status.
hc_args=()
expect() {
	local desc=$1 rc=$2 id bad="" w
	local -A want=() pat=()
	shift 2
	while [ $# -ge 3 ]; do
		want[$1]=$2
		pat[$1]=$3
		shift 3
	done
	hc "${hc_args[@]}"
	for id in $ids; do
		w=${want[$id]:-${base[$id]:-pass}}
		[ "${st[$id]:-missing}" = "$w" ] ||
			bad="$bad $id=${st[$id]:-missing}(want $w: ${why[$id]:-})"
		if [ -n "${pat[$id]:-}" ] && ! grep -qE -- "${pat[$id]}" <<<"${why[$id]:-}"; then
			bad="$bad $id reason '${why[$id]:-}' !~ /${pat[$id]}/"
		fi
	done
	[ "$hc_rc" -eq "$rc" ] || bad="$bad exit $hc_rc (want $rc)"
	if [ -z "$bad" ]; then ok "$desc"; else not_ok "$desc:$bad"; fi
}

sleep 1	# the follower's first dump
expect "hardened baseline: every check passes, exit 0" 0
for id in $ids; do base[$id]=pass; done
diag "baseline: $(jq -c 'map(.status) | group_by(.) | map({(.[0]): length}) | add' <<<"$hc_out")"

# --- JSON and text say the same -----------------------------------------------
check "--json is a JSON array of 16 {id, status, reason}" \
	jq_true 'type == "array" and length == 16 and all(.[]; (.id|type) == "string" and (.status|IN("pass","warn","fail","skip")) and (.reason|type) == "string")' "$hc_out"
text=$(ulimit -c 0; ctl host-check | sed '$d' | tr -s ' ')
json_text=$(jq -r '.[] | "\(.status) \(.id) \(.reason)"' <<<"$hc_out" | tr -s ' ')
check "the text lines are the JSON's (status, id, reason)" [ "$text" = "$json_text" ]
summary=$(ulimit -c 0; ctl host-check | tail -1)
check "the text ends with the count: $summary" [ "$summary" = "16 pass, 0 warn, 0 fail, 0 skip" ]
ctl host-check --bogus >/dev/null 2>&1
check "an unknown option exits 2" [ $? -eq 2 ]
ctl host-check extra >/dev/null 2>&1
check "an extra argument exits 2" [ $? -eq 2 ]
check "--help exits 0" bash -c "'$KHSMCTL' host-check --help | grep -q -- --json"
check "listed by khsmctl --help" bash -c "'$KHSMCTL' --help | grep -q host-check"

# --- kernel lockdown, module signatures, MAC (prepared sysfs) --------------
echo "[none] integrity confidentiality" >"$sys/kernel/security/lockdown"
expect "lockdown none: warn" 0 lockdown warn "lockdown is none"
echo "none integrity [confidentiality]" >"$sys/kernel/security/lockdown"
expect "lockdown confidentiality: pass" 0 lockdown pass "confidentiality"
echo "none [integrity] confidentiality" >"$sys/kernel/security/lockdown"
echo N >"$sys/module/module/parameters/sig_enforce"
expect "sig_enforce off under lockdown integrity: still pass (implied)" 0 \
	module-signatures pass "lockdown integrity requires signed modules"
echo "[none] integrity confidentiality" >"$sys/kernel/security/lockdown"
expect "sig_enforce off, lockdown none: both warn" 0 \
	lockdown warn "none" module-signatures warn "sig_enforce is off"
rm "$sys/module/module/parameters/sig_enforce"
expect "no sig_enforce at all: warn" 0 \
	lockdown warn "none" module-signatures warn "does not check module signatures"
echo Y >"$sys/module/module/parameters/sig_enforce"
rm "$sys/kernel/security/lockdown"
expect "no lockdown LSM: warn" 0 lockdown warn "no lockdown LSM"
echo "none [integrity] confidentiality" >"$sys/kernel/security/lockdown"

echo 0 >"$sys/fs/selinux/enforce"
expect "SELinux permissive: warn" 0 mac warn "permissive"
rm -r "$sys/fs/selinux"
expect "no SELinux, no AppArmor: warn" 0 mac warn "neither SELinux nor AppArmor"
mkdir -p "$sys/module/apparmor/parameters" "$sys/kernel/security/apparmor"
echo Y >"$sys/module/apparmor/parameters/enabled"
printf '/usr/sbin/cupsd (complain)\n' >"$sys/kernel/security/apparmor/profiles"
expect "AppArmor with no profile enforcing: warn" 0 mac warn "no profile is in enforce mode"
printf '/usr/sbin/cupsd (complain)\n/usr/bin/man (enforce)\nlsb_release (enforce)\n' \
	>"$sys/kernel/security/apparmor/profiles"
expect "AppArmor with profiles enforcing: pass" 0 mac pass "2 profiles enforcing"
rm -r "$sys/module/apparmor" "$sys/kernel/security/apparmor"
mkdir -p "$sys/fs/selinux" && echo 1 >"$sys/fs/selinux/enforce"

# --- plain-text remote shells ----------------------------------------------
# listen FAMILY ADDR PORT: a listener in the background until killed.
listen() {
	python3 -c 'import socket, sys, time
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
if fam == socket.AF_INET6:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.bind((sys.argv[2], int(sys.argv[3])))
s.listen(1)
print("listening", flush=True)
time.sleep(600)' "$@" >"$work/listen.out" 2>&1 &
	listen_pid=$!
	for _ in $(seq 100); do
		grep -q listening "$work/listen.out" && return 0
		sleep 0.1
	done
	diag "listener $*: $(cat "$work/listen.out")"
	return 1
}
unlisten() { kill "$listen_pid"; wait "$listen_pid" 2>/dev/null; }

listen 4 0.0.0.0 23
expect "telnet port 23 on 0.0.0.0: fail, exit 7" 7 plaintext-services fail "telnet on 0\.0\.0\.0:23"
unlisten
if listen 6 :: 514; then
	expect "rsh port 514 on [::]: fail" 7 plaintext-services fail "rsh on \[::\]:514"
	unlisten
else
	skip "no IPv6 in this guest"
fi
listen 4 127.0.0.1 513
expect "rlogin on loopback only: warn" 0 plaintext-services warn "loopback only: rlogin on 127\.0\.0\.1:513"
unlisten
listen 4 0.0.0.0 2323
expect "an unrelated port (2323): pass" 0
unlisten

# --- sshd ---------------------------------------------------------------------
echo "PermitRootLogin yes" >/etc/ssh/sshd_config.d/50-hc.conf
expect "PermitRootLogin yes in a drop-in wins over the main file's no: fail" 7 \
	sshd-root-login fail "PermitRootLogin yes \(/etc/ssh/sshd_config.d/50-hc.conf:1\)"
echo "PermitRootLogin prohibit-password" >/etc/ssh/sshd_config.d/50-hc.conf
expect "PermitRootLogin prohibit-password: pass" 0 sshd-root-login pass "prohibit-password"
rm /etc/ssh/sshd_config.d/50-hc.conf
printf 'Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\nMatch User backup\n  PasswordAuthentication no\n' >/etc/ssh/sshd_config
expect "PasswordAuthentication only in a Match block: the default yes, warn" 0 \
	sshd-passwords warn "PasswordAuthentication yes \(default\)"
printf 'PermitRootLogin no\nPasswordAuthentication no\nPermitEmptyPasswords yes\n' >/etc/ssh/sshd_config
expect "PermitEmptyPasswords yes: fail" 7 sshd-passwords fail "PermitEmptyPasswords yes \(/etc/ssh/sshd_config:3\)"
mv /etc/ssh/sshd_config "$work/sshd_config.saved"
if ! [ -x /usr/sbin/sshd ]; then
	expect "no sshd at all: both skip" 0 sshd-root-login skip "not installed" \
		sshd-passwords skip "not installed"
else
	skip "sshd is installed here"
fi
printf 'Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\nPasswordAuthentication no\n' >/etc/ssh/sshd_config

# --- core dumps ---------------------------------------------------------------
hc_core=unlimited
expect "ulimit -c unlimited: warn" 0 core-dumps warn "core dumps are on \(ulimit -c unlimited\)"
hc_core=0
# The kernel wants an absolute core_pattern before suid_dumpable 2.
pattern_was=$(cat /proc/sys/kernel/core_pattern)
echo /var/tmp/core.%p >/proc/sys/kernel/core_pattern
echo 2 >/proc/sys/fs/suid_dumpable
expect "fs.suid_dumpable 2: warn" 0 suid-dumpable warn "is 2"
echo 1 >/proc/sys/fs/suid_dumpable
expect "fs.suid_dumpable 1: fail" 7 suid-dumpable fail "is 1"
echo 0 >/proc/sys/fs/suid_dumpable
echo "$pattern_was" >/proc/sys/kernel/core_pattern

# --- swap -------------------------------------------------------------------------
if modprobe loop 2>/dev/null && truncate -s 16M "$work/swap.img" &&
	loopdev=$(losetup -f --show "$work/swap.img") && mkswap "$loopdev" >/dev/null 2>&1 &&
	swapon "$loopdev"; then
	expect "unencrypted swap on $loopdev: warn" 0 swap warn "swap on $loopdev is not encrypted"
	swapoff "$loopdev"
	sectors=$(blockdev --getsz "$loopdev")
	key=$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')
	if modprobe dm-crypt 2>/dev/null &&
		dmsetup create hcswap --uuid CRYPT-PLAIN-hcswap \
			--table "0 $sectors crypt aes-xts-plain64 $key 0 $loopdev 0" 2>"$work/dm.err" &&
		mkswap /dev/mapper/hcswap >/dev/null 2>&1 && swapon /dev/mapper/hcswap; then
		expect "swap on dm-crypt: pass" 0 swap pass "all on dm-crypt"
		swapoff /dev/mapper/hcswap
	else
		skip "no dm-crypt swap here: $(cat "$work/dm.err")"
	fi
	dmsetup remove hcswap 2>/dev/null
	losetup -d "$loopdev"
	loopdev=
else
	skip "no loop device for swap"
	skip "no loop device for swap"
fi
expect "no swap again: pass" 0

# --- the khsm group -------------------------------------------------------------
gpasswd -a root khsm >/dev/null
expect "root in the khsm group: warn" 0 khsm-group warn "root-equivalent members: root"
gpasswd -d root khsm >/dev/null
useradd -M -N -g users -o -u 0 hcroot 2>/dev/null && gpasswd -a hcroot khsm >/dev/null
expect "a second uid-0 account in the group: warn" 0 khsm-group warn "root-equivalent members: hcroot"
gpasswd -d hcroot khsm >/dev/null
userdel -f hcroot >/dev/null 2>&1	# -f: uid 0 has processes
for i in $(seq 1 11); do useradd -M -N -g khsm "hcop$i"; done
expect "11 more members (khsm their primary group): warn" 0 khsm-group warn "members \(more than 10\)"
for i in $(seq 1 11); do userdel "hcop$i"; done
expect "back to the operators: pass" 0 khsm-group pass "members, none root-equivalent"

# --- kmdata, the world file, /dev/khsm --------------------------------------------
chmod 0775 "$KHSM_KMDATA"
expect "kmdata 0775 without the sticky bit: fail" 7 kmdata fail "0775, group-writable without the sticky bit"
chmod 3775 "$KHSM_KMDATA"
expect "kmdata 3775 (operators, sticky): pass" 0 kmdata pass "3775"
chmod 0757 "$KHSM_KMDATA"
expect "kmdata writable by others: fail" 7 kmdata fail "anyone may add or replace"
chmod 0755 "$KHSM_KMDATA"
chmod 0660 "$KHSM_KMDATA/acs-register"
expect "acs-register group-writable: fail" 7 kmdata fail "acs-register 0660 \(group or others may write\)"
chmod 0644 "$KHSM_KMDATA/acs-register"
expect "acs-register readable by others: warn" 0 kmdata warn "acs-register 0644 \(documented 0640\)"
chmod 0640 "$KHSM_KMDATA/acs-register"
cp -p "$work/acs/acs-1.card" "$KHSM_KMDATA/stray.card"
chgrp khsm "$KHSM_KMDATA/stray.card" && chmod 0604 "$KHSM_KMDATA/stray.card"
expect "a card file others may read in kmdata: fail" 7 kmdata fail "stray.card 0604 \(a card others may read\)"
rm "$KHSM_KMDATA/stray.card"

chmod 0664 "$KHSM_KMDATA/world"
expect "world file group-writable: fail" 7 world-file fail "is 0664: group or others may write"
chmod 0644 "$KHSM_KMDATA/world"
expect "world file readable by others: warn" 0 world-file warn "is 0644"
chmod 0640 "$KHSM_KMDATA/world"
cp -p "$KHSM_KMDATA/world" "$work/world.copy" && chmod 0666 "$work/world.copy"
hc_args=(--world "$work/world.copy")
expect "--world FILE checks that file (0666: fail), kmdata's world is then a plain file (0640: pass)" 7 \
	world-file fail "world.copy is 0666"
hc_args=()
hc_args=(--kmdata "$work/nowhere")
expect "--kmdata of a missing directory: kmdata and world-file skip" 0 \
	kmdata skip "nowhere: No such file" world-file skip "nowhere/world"
hc_args=()

chmod 0666 /dev/khsm
expect "/dev/khsm 0666: fail" 7 device fail "is 0666: others may open it"
chmod 0660 /dev/khsm && chgrp root /dev/khsm
expect "/dev/khsm group root: warn" 0 device warn "not khsm"
chgrp khsm /dev/khsm && chmod 0600 /dev/khsm
expect "/dev/khsm 0600: warn" 0 device warn "is 0600, not 0660"
chmod 0660 /dev/khsm

# --- the passphrase policy ----------------------------------------------------------
ctl policy load "$work/pol-warn" "${acs[@]}" >/dev/null 2>&1
expect "passphrase.short = warn: fail" 7 passphrase-policy fail "passphrase.short = warn"
ctl policy load "$work/pol-short" "${acs[@]}" >/dev/null 2>&1
expect "passphrase.min-length = 6, refused: warn" 0 passphrase-policy warn "min-length is 6"
ctl policy load "$work/policy" "${acs[@]}" >/dev/null 2>&1
expect "the policy back: pass" 0 passphrase-policy pass "under 12 characters are refused"

# --- the audit follower -----------------------------------------------------------------
if kill -0 "$follow_pid" 2>/dev/null; then
	kill -TERM "$follow_pid"
	wait "$follow_pid"
else
	wait "$follow_pid"
	diag "the follower died (status $?): $(cat "$work/follow.err")"
fi
expect "no audit follower: warn" 0 audit-follower warn "no khsmctl audit follow runs"
follow_start
sleep 1
expect "follower back: pass" 0 audit-follower pass "pid $follow_pid"

# --- as an outsider, and without the module or a world --------------------------
out=$(as_user outsider "$KHSMCTL" host-check --json 2>/dev/null)
rc=$?
check "as an outsider it runs (exit $rc) and says why the module checks skip" \
	jq_true '[.[] | select(.id == "audit-follower")][0] | .status == "skip" and (.reason | test("cannot query the module"))' "$out"

kill -TERM "$follow_pid" && wait "$follow_pid" 2>/dev/null
rmmod khsm
expect "module unloaded: device, policy, follower, binding skip; exit 0" 0 \
	device skip "module not loaded" passphrase-policy skip "module not loaded" \
	audit-follower skip "module not loaded" bind-key skip "module not loaded"
khsm_load
udevadm settle 2>/dev/null
chown root:khsm /dev/khsm && chmod 0660 /dev/khsm
follow_start
sleep 1
expect "module back, no world: policy and binding skip" 0 \
	passphrase-policy skip "no world loaded" bind-key skip "no world loaded"

# --- the binding key: last, a world cannot be unbound ---------------------------------
ctl world load "${acs[@]}" >/dev/null 2>&1
expect "world loaded from the ACS, not bound: pass" 0 bind-key pass "no host binding key"
keyctl add user khsm:hc "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" @u >/dev/null
ctl world bind --bind-key user:khsm:hc "${acs[@]}" >/dev/null 2>"$work/bind.err"
expect "bound to a user key: warn, naming the type" 0 bind-key warn "bound to a user key"
ctl world unload >/dev/null 2>&1
ctl world load "${acs[@]}" >/dev/null 2>&1
expect "bound, loaded with the ACS (type unknown), no trusted key: warn" 0 \
	bind-key warn "no trusted \(TPM-sealed\) key"

# --- the real /sys, without the test override -------------------------------------------
real=$(unset KHSM_HOST_CHECK_SYSFS; ulimit -c 0; ctl host-check --json | jq -r '.[] | select(.id == "lockdown") | .status + " " + .reason')
if [ -r /sys/kernel/security/lockdown ]; then
	grep -q '\[none\]' /sys/kernel/security/lockdown && want=warn || want=pass
else
	want=warn
fi
check "without the override the real lockdown is read: $real" [ "${real%% *}" = "$want" ]

ktap_end
