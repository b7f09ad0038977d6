#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A failed known-answer test leaves the module loaded in its error state:
# it refuses work, GET_INFO and dmesg say why, and it unloads cleanly.
. "$(dirname "$0")/../lib.sh"
PROBE=$KHSM_TOP/build/selftests/khsm_probe

ktap_begin 15

khsm_unload
for kat in aes-256-gcm hmac-sha256; do
	dmesg -C
	check "$kat: module loads with the test forced to fail" khsm_load selftest_fail=$kat
	udevadm settle 2>/dev/null
	check "$kat: dmesg says which test failed" \
		bash -c "dmesg | grep -q 'self-test failed: $kat known-answer test'"
	json=$("$KHSMCTL" status --json)
	check "$kat: status reports the failure" \
		[ "$(jq -r .selftest.state <<<"$json")" = failed ]
	check "$kat: status gives the reason" \
		bash -c "jq -r .selftest.reason <<<'$json' | grep -q '$kat known-answer test'"
	check "$kat: world state is error" [ "$(jq -r .world.state <<<"$json")" = error ]
	r=$("$PROBE" random 16)
	check "$kat: data path refuses work with EIO ($r)" [ "$r" = EIO ]
	check "$kat: module unloads from the error state" rmmod khsm
done

khsm_load selftest_fail=no-such-test
r=$("$PROBE" random 16)
check "an unknown test name fails nothing ($r)" [ "$r" = OK ]
rmmod khsm
ktap_end
