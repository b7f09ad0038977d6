#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The short pass of khsm-fuzz (tools/fuzz) in make check: it learns the
# family's commands and policies from the kernel, then sends 20,000
# netlink messages and makes 20,000 ioctls (stateful sequences, mutated,
# with threads, forks and fds closed under them), and the module must
# still answer, its self-test passed, and unload cleanly afterwards.
# Then the reproducers of what it found (selftests/khsm/repro_*.c), each
# on a fresh module, but those of bugs not fixed yet (khsm-fuzz
# --list-known), which are skipped.
# KHSM_FUZZ_SEED, KHSM_FUZZ_COUNT change the seed and the counts. The
# kernel log is judged by tools/vm-run as for every guest test.
. "$(dirname "$0")/../lib.sh"

fz=$KHSM_TOP/build/fuzz/khsm-fuzz
seed=${KHSM_FUZZ_SEED:-20261130}
count=${KHSM_FUZZ_COUNT:-20000}
out=${KHSM_OUT:-/tmp}
log=$(mktemp /tmp/fuzz.XXXXXX)
trap 'rm -f "$log"' EXIT

ktap_begin
if [ ! -x "$fz" ]; then
	not_ok "khsm-fuzz is built (make -C tools/fuzz guest)"
	ktap_end
	exit 1
fi
ok "khsm-fuzz is built"
khsm_loaded || khsm_load

if "$fz" --policy >"$log" 2>&1 && grep -q 'commands, .* policies' "$log"; then
	ok "learns the family from CTRL_CMD_GETFAMILY and CTRL_CMD_GETPOLICY"
	diag "$(grep 'commands, .* policies' "$log")"
else
	not_ok "learns the family from CTRL_CMD_GETFAMILY and CTRL_CMD_GETPOLICY"
	sed 's/^/# /' "$log"
fi

"$fz" --seed "$seed" --nl "$count" --ioctl "$count" --threads 2 \
	--crash-dir "$out" >"$log" 2>&1
rc=$?
# The fuzzer's report: the counts by request and errno, then PASS/FAIL.
sed 's/^/# /' "$log"
if [ "$rc" -eq 0 ]; then
	ok "seed $seed: $count netlink messages and $count ioctls, the module still answers"
else
	not_ok "seed $seed: $count netlink messages and $count ioctls (exit $rc)"
fi

# Whatever the run left (a world, tokens, keys, cards) goes with the module.
check "the module unloads after the run" rmmod khsm

known=$("$fz" --list-known)
for r in "$KHSM_TOP"/build/fuzz/repro_*; do
	[ -x "$r" ] || continue
	name=$(basename "$r")
	if grep -q "/$name\.c$" <<<"$known"; then
		skip "$name: a known bug, not fixed yet"
		continue
	fi
	khsm_load
	if "$r" >"$log" 2>&1; then
		ok "$name"
	else
		not_ok "$name"
	fi
	sed 's/^/# /' "$log"
	khsm_unload
done
ktap_end
