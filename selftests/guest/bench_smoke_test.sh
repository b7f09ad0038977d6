#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# khsm-bench --smoke: a few operations through every back end (khsm single
# and batched, AF_ALG, SoftHSM2, OpenSSL), each output checked against the
# others. The bench needs a world it can import keys into: this test
# reloads the module and makes a fresh one, so whatever earlier tests left
# loaded does not matter.
. "$(dirname "$0")/../lib.sh"

bench=$KHSM_TOP/build/bench/khsm-bench
work=$(mktemp -d /tmp/bench_smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT
export KHSM_KMDATA=$work/kmdata

if [ ! -x "$bench" ]; then
	ktap_begin 1
	not_ok "khsm-bench built ($bench missing: make bench-build)"
	exit 1
fi
khsm_unload
khsm_load || { ktap_begin 1; not_ok "module loads"; exit 1; }
udevadm settle 2>/dev/null || true
mkdir -p "$work/acs"
printf 'pbkdf2.iterations = 1000\n' >"$work/policy"
if ! "$KHSMCTL" world new --policy "$work/policy" --card-dir "$work/acs" \
	--no-passphrase --yes >"$work/world.log" 2>&1; then
	ktap_begin 1
	not_ok "a world for the bench's keys: $(tail -1 "$work/world.log")"
	exit 1
fi
# The bench prints its own KTAP stream (plan at the end).
exec "$bench" --smoke
