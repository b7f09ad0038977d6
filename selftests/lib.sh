# SPDX-License-Identifier: GPL-2.0
# Helpers for the guest's shell selftests: KTAP output and small asserts.
# Sourced; each test script calls ktap_begin, ok/not_ok/skip, ktap_end.

KHSM_TOP=${KHSM_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
KHSMCTL=$KHSM_TOP/utils/khsmctl
_ktap_n=0
_ktap_failed=0

# ktap_begin [N]: without N the plan is printed by ktap_end.
ktap_begin() {
	echo "TAP version 13"
	if [ $# -gt 0 ]; then echo "1..$1"; fi
	_ktap_planned=$#
}

ok() {
	_ktap_n=$((_ktap_n + 1))
	echo "ok $_ktap_n $*"
}

not_ok() {
	_ktap_n=$((_ktap_n + 1))
	_ktap_failed=$((_ktap_failed + 1))
	echo "not ok $_ktap_n $*"
}

skip() {
	_ktap_n=$((_ktap_n + 1))
	echo "ok $_ktap_n # SKIP $*"
}

diag() {
	echo "# $*"
}

# check DESCRIPTION CMD...: ok when CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# check_fails DESCRIPTION CMD...: ok when CMD fails.
check_fails() {
	local desc=$1
	shift
	if "$@"; then not_ok "$desc"; else ok "$desc"; fi
}

ktap_end() {
	if [ "${_ktap_planned:-1}" -eq 0 ]; then echo "1..$_ktap_n"; fi
	[ "$_ktap_failed" -eq 0 ]
}

# Runs CMD as USER (a name) with that user's groups.
as_user() {
	local user=$1
	shift
	setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups \
		--inh-caps=-all -- "$@"
}

khsm_loaded() {
	[ -d /sys/module/khsm ]
}

# insmod does not resolve dependencies the way modprobe of an installed
# module would: load the kernel's ECC helpers (ecc.ko) first.
khsm_load() {
	modprobe ecc && insmod "$KHSM_KO" gid="$(getent group khsm | cut -d: -f3)" "$@"
}

khsm_unload() {
	if khsm_loaded; then rmmod khsm; fi
}
