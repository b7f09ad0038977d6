#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The audit log on the real module: a ceremony's records in order while
# khsmctl audit follow collects them (killed and restarted half way
# through, without loss or repeat), the log verified with the world file
# and with the PEM key, one flipped byte found, the records in the
# kernel's own audit log with the same digests, no secret in any of it,
# and forced audit refusing work once the ring is full until follow
# acknowledges.
. "$(dirname "$0")/../lib.sh"

work=$(mktemp -d /tmp/audit.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
export KHSM_KMDATA=$work/kmdata
ctl() { "$KHSMCTL" "$@"; }
readlog=$KHSM_TOP/build/selftests/audit_readlog
log=$work/audit.log

# Secrets the test knows, to look for afterwards: none may appear.
pp_acs1='audit acs one secret'
pp_acs2='audit acs two secret'
pp_ops='operator card secret'
printf '%s\n%s\n' "$pp_acs1" "$pp_acs2" >"$work/pp-acs"
printf '%s\n' "$pp_ops" >"$work/pp-ops"
printf 'a wrong passphrase\n' >"$work/pp-wrong"
head -c 32 /dev/urandom >"$work/aes.bin"
printf 'pbkdf2.iterations = 1000\nretry.delay = 1000..2000\n' >"$work/policy"
printf 'nso-timeout = 900\naudit.checkpoint = 8\n' >"$work/policy2"
chmod 600 "$work"/pp-* "$work/aes.bin"
mkdir -p "$work/acs" "$work/ops"
head -c 4096 /dev/urandom >"$work/msg"

# Not through ctl(): $! must be khsmctl itself, not a subshell.
follow_start() {
	"$KHSMCTL" audit follow --out "$log" 2>>"$work/follow.err" &
	follow_pid=$!
}
# Lets the follower catch up (a dump each quiet spell), then stops it.
follow_stop() {
	sleep 3
	kill -TERM "$follow_pid" && wait "$follow_pid"
}
# jcheck DESCRIPTION FILTER: FILTER holds for the log as JSON.
jq_ok() { [ -s "$work/log.json" ] && jq -e "$1" "$work/log.json" >/dev/null; }
jcheck() { check "$1" jq_ok "$2"; }
# True when the words of $2 occur in the lines of $1, in order.
in_order() {
	awk -v want="$2" 'BEGIN { n = split(want, w, " "); i = 1 }
		$0 == w[i] { i++ } END { exit !(i > n) }' <<<"$1"
}

ktap_begin
khsm_unload
khsm_load
"$readlog" 600 >"$work/kaudit" 2>"$work/kaudit.err" &
for i in $(seq 50); do grep -q ready "$work/kaudit.err" && break; sleep 0.1; done

# --- a ceremony, followed -----------------------------------------------------
follow_start
ctl world new -K 2 -N 2 --policy "$work/policy" --card-dir "$work/acs" \
	--passphrase-file "$work/pp-acs" --yes >/dev/null 2>&1
check "a world with a 2-of-2 ACS" [ "$(ctl world info --json | jq -r .state)" = operational ]
ctl acs authorise --card "$work/acs/acs-1.card" --card "$work/acs/acs-2.card" \
	--passphrase-file "$work/pp-acs" >/dev/null 2>&1
check "policy load with the ACS" ctl policy load "$work/policy2"
ctl acs logout

# The follower dies hard; the ceremony goes on without it.
sleep 2
kill -KILL "$follow_pid"; wait "$follow_pid" 2>/dev/null
ctl cardset create ops -K 1 -N 1 --card-dir "$work/ops" \
	--passphrase-file "$work/pp-ops" --yes >/dev/null 2>&1
check_fails "a wrong operator passphrase is refused" \
	ctl token load ops --card "$work/ops/ops-1.card" --passphrase-file "$work/pp-wrong"
sleep 2.2	# the retry delay
ctl key generate --app audit --ident signer --protect module --type ec-p256 \
	--ops sign,export-public >/dev/null 2>&1
check "a key signs" ctl key sign audit signer --in "$work/msg" --out "$work/msg.sig"
check_fails "an operation its ACL does not permit is refused" \
	ctl key verify audit signer --in "$work/msg" --sig "$work/msg.sig"
check "an AES key is imported" ctl key import --app audit --ident imported --type aes \
	--from "$work/aes.bin" --protect module --ops encrypt,decrypt

follow_start
sleep 2
check "follow restarted resumes after the file's last record" grep -q 'resuming after' "$work/follow.err"
ctl token preload ops --card "$work/ops/ops-1.card" --passphrase-file "$work/pp-ops" -- true
ctl clear
ctl world unload
follow_stop
diag "follow said: $(tr '\n' '|' <"$work/follow.err")"

ctl audit show --json "$log" >"$work/log.json"
jcheck "the log holds every record once, in order, from 1" \
	'[.[].seq] | length > 20 and . == [range(1; length + 1)]'
ev=$(jq -r '.[].event' "$work/log.json")
diag "events: $(tr '\n' ' ' <<<"$ev")"
check "the ceremony's records, in order" in_order "$ev" \
	"module-load selftest world-create checkpoint card-insert acs-authorise card-insert policy-set acs-logout cardset-create card-insert key-generate key-load key-op key-import token-load card-insert token-unload clear key-usage world-unload checkpoint"
jcheck "the key's use summarised before the world went" \
	'[.[] | select(.event == "key-usage") | .items.uses[2]] | add >= 1'
jcheck "the wrong passphrase: refused, with its reason and delay" \
	'[.[] | select(.event == "card-insert" and .refused and
		.items.set_name == "ops" and .items.delay_ms > 0 and
		(.items.reason | test("wrong passphrase")))] | length == 1'
jcheck "the refused operation names its key and errno" \
	'[.[] | select(.event == "key-op" and .refused and .result == 1 and
		(.items.key_hash | length) == 64)] | length == 1'
jcheck "cards presented name their set, index and slot, and who" \
	'[.[] | select(.event == "card-insert" and .items.set_type == 1 and
		.items.set_name != null and .items.card_index >= 1 and
		.items.slot == 0 and .comm == "khsmctl" and .uid == 0)] | length >= 2'
jcheck "the token's unload says why" \
	'[.[] | select(.event == "token-unload") | .items.cause] |
		length >= 1 and all(. == "request" or . == "card-removed" or
				    . == "connection-closed")'
cp "$work/log.json" "${KHSM_OUT:-/tmp}/audit_test.log.json" 2>/dev/null

# --- verification -----------------------------------------------------------
out=$(ctl audit verify "$log" --world "$KHSM_KMDATA/world")
check "verify with the world file: verified (exit 0)" [ $? -eq 0 ]
diag "$(tail -2 <<<"$out")"
ctl audit pubkey --world "$KHSM_KMDATA/world" >"$work/audit.pem"
check "verify with the PEM key alone" ctl audit verify "$log" --pubkey "$work/audit.pem" --quiet
cp "$log" "$work/bad.log"
printf '\x5a' | dd of="$work/bad.log" bs=1 seek=400 conv=notrunc 2>/dev/null
out=$(ctl audit verify "$work/bad.log" --pubkey "$work/audit.pem")
rc=$?
check "one flipped byte: tampered (exit 1), located: $(head -1 <<<"$out")" \
	bash -c "[ $rc -eq 1 ] && grep -q '^entry [0-9]* (offset' <<<'$out'"
head -c $(( $(stat -c %s "$log") - 100 )) "$log" >"$work/cut.log"
ctl audit verify "$work/cut.log" --pubkey "$work/audit.pem" >/dev/null
check "a cut log: its tail reported as not vouched for (exit 5)" [ $? -eq 5 ]

# --- the kernel's audit log ---------------------------------------------------
kill %1 2>/dev/null
grep -a 'op=khsm-' "$work/kaudit" >"$work/kaudit.khsm"
check "records reached the kernel audit log (AUDIT_KERNEL_OTHER)" \
	grep -q '^type=1316 .*op=khsm-world-create khsm_seq=' "$work/kaudit.khsm"
wc_seq=$(jq -r '.[] | select(.event == "world-create") | "\(.seq) \(.digest)"' "$work/log.json")
check "with the same sequence number and digest as khsm's log" \
	grep -q "khsm_seq=${wc_seq% *} .*digest=${wc_seq#* }" "$work/kaudit.khsm"

# --- no secrets -----------------------------------------------------------------
hexof() { od -An -v -tx1 "$1" | tr -d ' \n'; }
loghex=$(hexof "$log")
secret=0
for pp in "$pp_acs1" "$pp_acs2" "$pp_ops"; do
	grep -aqF "$pp" "$log" "$work/kaudit" && secret=1
	case $loghex in *"$(printf %s "$pp" | od -An -v -tx1 | tr -d ' \n')"*) secret=1 ;; esac
done
aeshex=$(hexof "$work/aes.bin")
case $loghex in *"$aeshex"*) secret=1 ;; esac
case $loghex in *"${aeshex:0:16}"*) secret=1 ;; esac
grep -qi "${aeshex:0:16}" "$work/kaudit" && secret=1
check "no passphrase and no key byte string in either log" [ $secret -eq 0 ]

# --- forced audit -------------------------------------------------------------
khsm_unload
khsm_load audit_ring=32
printf 'pbkdf2.iterations = 1000\naudit.forced = on\n' >"$work/forced"
rm -rf "$KHSM_KMDATA" "$work/acs2"; mkdir -p "$work/acs2"
ctl world new --policy "$work/forced" --card-dir "$work/acs2" --no-passphrase --yes >/dev/null 2>&1
diag "module audit_ring=$(cat /sys/module/khsm/parameters/audit_ring): $(ctl audit status --json)"
ctl key generate --app audit --ident f --protect module --type ec-p256 \
	--ops sign >/dev/null 2>&1
check "forced audit is on" [ "$(ctl audit status --json | jq -r .forced)" = true ]
blocked=
for i in $(seq 40); do
	if ! err=$(ctl audit checkpoint 2>&1); then blocked=$err; break; fi
done
diag "after $i checkpoints: $(ctl audit status --json)"
check "with nobody collecting, the ring fills and work is refused: $blocked" \
	grep -q 'forced audit' <<<"$blocked"
check "audit status says blocked" [ "$(ctl audit status --json | jq -r .blocked)" = true ]
check_fails "the data path is refused too" \
	ctl key sign audit f --in "$work/msg" --out /dev/null
check "queries still answer" ctl world info
check "audit follow collects and acknowledges" ctl audit follow --out "$work/forced.log" --once
check "and the module works again" ctl key sign audit f --in "$work/msg" --out /dev/null
check "not blocked any more" [ "$(ctl audit status --json | jq -r .blocked)" = false ]
check "nothing was lost" [ "$(ctl audit status --json | jq -r .lost)" = 0 ]
ctl world unload
ctl audit follow --out "$work/forced.log" --once 2>/dev/null
check "and its log verifies" \
	ctl audit verify "$work/forced.log" --world "$KHSM_KMDATA/world" --quiet
khsm_unload
khsm_load
ktap_end
