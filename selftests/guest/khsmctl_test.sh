#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# khsmctl as administrators and outsiders meet it: help, status in text
# and JSON, and the refusals with their exit codes.
. "$(dirname "$0")/../lib.sh"

ktap_begin 16

check "--help exits 0 and lists status" bash -c "'$KHSMCTL' --help | grep -q status"
check "--version exits 0" "$KHSMCTL" --version
"$KHSMCTL" no-such-command >/dev/null 2>&1
check "an unknown command exits 2" [ $? -eq 2 ]

check "status as root" bash -c "'$KHSMCTL' status | grep -qi passed"
json=$(as_user khsmop "$KHSMCTL" status --json)
check "status --json as a khsm operator is valid JSON" jq -e . <<<"$json"
abi=$(sed -n 's/^#define KHSM_ABI_VERSION[[:space:]]*\([0-9]*\).*/\1/p' "$KHSM_TOP/include/uapi/linux/khsm.h")
check "JSON abi_version matches the header ($abi)" [ "$(jq .abi_version <<<"$json")" = "$abi" ]
check "JSON module_version is set" jq -e '.module_version | length > 0' <<<"$json"
check "JSON self-test passed" [ "$(jq -r .selftest.state <<<"$json")" = passed ]
check "JSON self-test reason is null" [ "$(jq -r .selftest.reason <<<"$json")" = null ]
check "JSON world uninitialised" [ "$(jq -r .world.state <<<"$json")" = uninitialised ]

err=$(as_user outsider "$KHSMCTL" status 2>&1 >/dev/null)
rc=$?
check "an outsider is refused with exit 4 ($rc)" [ "$rc" -eq 4 ]
check "and told why: $err" grep -q 'khsm group' <<<"$err"

err=$(unshare -Ur "$KHSMCTL" status 2>&1 >/dev/null)
rc=$?
check "root in a new user namespace is refused with exit 4 ($rc): $err" \
	env rc="$rc" err="$err" bash -c '[ "$rc" -eq 4 ] && grep -q "user namespace" <<<"$err"'
unshare -Urn "$KHSMCTL" status >/dev/null 2>&1
rc=$?
check "a new network namespace does not see the family (exit $rc)" [ "$rc" -eq 3 ]

rmmod khsm
err=$("$KHSMCTL" status 2>&1 >/dev/null)
rc=$?
check "module not loaded: exit 3 ($rc)" [ "$rc" -eq 3 ]
check "and told so: $err" grep -qi 'not loaded' <<<"$err"
ktap_end
