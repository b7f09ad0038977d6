#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A failed known-answer test leaves the module loaded in its error state:
# it refuses work, GET_INFO and dmesg say why, and it unloads cleanly.
# Every test of kmod/selftest.c's kats[] table, each forced to fail.
. "$(dirname "$0")/../lib.sh"
PROBE=$KHSM_TOP/build/selftests/khsm_probe
KATS="aes-256-gcm hmac-sha256 hmac-sha384 hmac-sha512 aes-cmac aes-kw ecdsa-ecdh"

set -- $KATS
ktap_begin $(($# * 7 + 2))

# A test added to the module and not here fails this, not silently.
src=$(sed -n '/kats\[\] = {/,/^};/p' "$KHSM_TOP/kmod/selftest.c" |
	grep -o '{ "[^"]*"' | cut -d'"' -f2 | tr '\n' ' ')
check "these are kmod/selftest.c's known-answer tests: $src" [ "$src" = "$KATS " ]

khsm_unload
for kat in $KATS; do
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
