#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The ioctls from a 32-bit process (ioctl32_test, built -m32): a world and
# a module-protected AES key made with the 64-bit khsmctl, then INFO,
# RANDOM and the key's load, AES-GCM and destroy from 32 bits.
. "$(dirname "$0")/../lib.sh"

work=$(mktemp -d /tmp/ioctl32.XXXXXX)
trap 'rm -rf "$work"' EXIT
export KHSM_KMDATA=$work/kmdata
bin=$KHSM_TOP/build/selftests/ioctl32_test

printf 'pbkdf2.iterations = 1000\n' >"$work/policy"
mkdir -p "$work/acs"
ktap_begin
khsm_loaded || khsm_load
"$KHSMCTL" world new --policy "$work/policy" --card-dir "$work/acs" --no-passphrase --yes >/dev/null 2>&1
check "a world to work in" [ "$("$KHSMCTL" world info --json | jq -r .state)" = operational ]
check "an AES key from the 64-bit khsmctl" \
	"$KHSMCTL" key generate --app c32 --ident aes --type aes --protect module --ops encrypt,decrypt
check "ioctl32_test is a 32-bit program" bash -c "file -L '$bin' | grep -q 'ELF 32-bit'"
out=$(KHSM_IOCTL32_BLOB=$KHSM_KMDATA/key_c32_aes "$bin" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/    # /'
check "INFO, RANDOM, LOAD/OP/DESTROY from a 32-bit process" [ $rc = 0 ]
ran=$(grep -c '^ok [0-9]* dev\.[a-z_]*$' <<<"$out")
check "all three ran, none skipped ($ran)" [ "$ran" = 3 ]
"$KHSMCTL" world unload >/dev/null 2>&1 || true
ktap_end
