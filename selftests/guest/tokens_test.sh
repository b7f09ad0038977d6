#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Operator card sets, softcards and their tokens with khsmctl: creating
# them (as an operator, no ACS), loading with fewer and with enough cards,
# a held token going with its holder, preload running a service, sharing,
# a softcard, and erasing a set.
. "$(dirname "$0")/../lib.sh"

work=$(mktemp -d /tmp/tokens.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
export KHSM_KMDATA=$work/kmdata
ctl() { "$KHSMCTL" "$@"; }
tokens() { ctl token list --json | jq length; }
# exits_with RC WANT PATTERN TEXT: RC is WANT and TEXT says PATTERN (the
# text goes as an argument: refusals quote commands with apostrophes).
exits_with() { [ "$1" -eq "$2" ] && grep -q -- "$3" <<<"$4"; }

printf 'pbkdf2.iterations = 1000\nretry.delay = 2500..10000\n' >"$work/policy"
printf 'one passphrase 1\ntwo passphrase 2\nthree passphrase 3\n' >"$work/pp3"
printf 'one passphrase 1\ntwo passphrase 2\n' >"$work/pp12"
printf 'two passphrase 2\nthree passphrase 3\n' >"$work/pp23"
printf 'one passphrase 1\n' >"$work/pp1"
printf 'softcard passphrase\n' >"$work/ppsc"
chmod 600 "$work"/pp*
mkdir -p "$work/acs" "$work/ops" "$work/opcards"

ktap_begin
khsm_loaded || khsm_load
ctl world new --policy "$work/policy" --card-dir "$work/acs" --no-passphrase --yes >/dev/null 2>&1
check "a world to work in" [ "$(ctl world info --json | jq -r .state)" = operational ]

out=$(ctl cardset create ops -K 2 -N 3 --card-dir "$work/ops" --passphrase-file "$work/pp3" --yes 2>/dev/null)
check "cardset create 2/3 with passphrases" grep -q '^set id: [0-9a-f]\{32\}' <<<"$out"
check "three card files, 0600" [ "$(stat -c %a "$work"/ops/ops-*.card | sort -u)" = 600 ]
check "the set record is 0640" [ "$(stat -c %a "$KHSM_KMDATA/cardset_ops")" = 640 ]
check "cardset info knows it" [ "$(ctl cardset info ops --json | jq -r '"\(.k)/\(.n)"')" = 2/3 ]

ctl token load ops --card "$work/ops/ops-1.card" --passphrase-file "$work/pp1" >/dev/null 2>&1
check "one card of 2/3 loads nothing" [ "$(tokens)" = 0 ]

mkfifo "$work/hold"
ctl token load ops --card "$work/ops/ops-1.card" --card "$work/ops/ops-2.card" \
	--passphrase-file "$work/pp12" --hold <"$work/hold" >"$work/held" 2>&1 &
exec 5>"$work/hold"
for i in $(seq 50); do [ "$(tokens)" = 1 ] && break; sleep 0.2; done
check "token load --hold: the token is loaded" [ "$(tokens)" = 1 ]
check "token list shows the set's name" [ "$(ctl token list --json | jq -r '.[0].name')" = ops ]
check "and that it is not persistent" [ "$(ctl token list --json | jq -r '.[0].persistent')" = false ]
exec 5>&-
wait
check "the holder leaving takes the token (last card out)" [ "$(tokens)" = 0 ]
check "and says so" grep -q 'released' "$work/held"

out=$(ctl token preload ops --card "$work/ops/ops-2.card" --card "$work/ops/ops-3.card" \
	--passphrase-file "$work/pp23" --share-gid khsm -- \
	sh -c 'echo "id=$KHSM_TOKEN_ID"; '"'$KHSMCTL'"' token list --json' 2>/dev/null)
check "preload runs the service with KHSM_TOKEN_ID" grep -q '^id=[0-9a-f]\{16\}' <<<"$out"
check "the service sees its token, shared with khsm" \
	[ "$(sed 1d <<<"$out" | jq -r '.[0].share_gid')" = "$(getent group khsm | cut -d: -f3)" ]
check "the token goes when the service exits" [ "$(tokens)" = 0 ]
ctl token preload ops --card "$work/ops/ops-2.card" --card "$work/ops/ops-3.card" \
	--passphrase-file "$work/pp23" -- sh -c 'exit 7' >/dev/null 2>&1
check "preload exits with the service's status" [ $? -eq 7 ]
ctl token preload ops --card "$work/ops/ops-2.card" --card "$work/ops/ops-3.card" \
	--passphrase-file "$work/pp23" --share-gid daemon -- true >/dev/null 2>&1
check "root may share with any group" [ $? -eq 0 ]

check "softcard create" ctl softcard create signer --passphrase-file "$work/ppsc"
check "its file lives in kmdata, 0640" [ "$(stat -c %a "$KHSM_KMDATA/softcard_signer")" = 640 ]
err=$(ctl softcard create signer --passphrase-file "$work/ppsc" 2>&1)
check "a second softcard of that name warns and is refused: $(head -1 <<<"$err")" \
	bash -c "! '$KHSMCTL' softcard create signer --passphrase-file '$work/ppsc' >/dev/null 2>&1"
check "a softcard's token preloads" ctl token preload signer --passphrase-file "$work/ppsc" -- true

# Erasing a set: one of its cards (and its passphrase) proves the caller
# holds it; its token goes, the cards given and its record are deleted.
printf 'erase card one\nerase card two\n' >"$work/pp-er"
printf 'erase card one\n' >"$work/pp-er1"
printf 'erase card two\n' >"$work/pp-er2"
printf 'not this one either\n' >"$work/pp-er-wrong"
chmod 600 "$work"/pp-er*
mkdir -p "$work/er"
ctl cardset create er -N 2 --card-dir "$work/er" --passphrase-file "$work/pp-er" --yes >/dev/null 2>&1
cp "$KHSM_KMDATA/cardset_er" "$work/er.record"
err=$(ctl cardset erase er 2>&1)
rc=$?
check "cardset erase without a card (and no ACS authorised): exit 4" \
	exits_with "$rc" 4 'needs a card of the set' "$err"
err=$(ctl cardset erase er --card "$work/er/er-1.card" --passphrase-file "$work/pp-er-wrong" 2>&1)
rc=$?
check "with a wrong passphrase: exit 1, nothing deleted" \
	bash -c "[ $rc -eq 1 ] && [ -e '$work/er/er-1.card' ] && [ -e '$KHSM_KMDATA/cardset_er' ]"
sleep 2.6
out=$(ctl token preload er --card "$work/er/er-2.card" --passphrase-file "$work/pp-er2" -- \
	sh -c "'$KHSMCTL' token list --json | jq length; '$KHSMCTL' cardset erase er \
	--card '$work/er/er-1.card' --passphrase-file '$work/pp-er1' --yes;
	'$KHSMCTL' token list --json | jq length" 2>"$work/er.err")
check "cardset erase with a card: the set's loaded token is unloaded" \
	[ "$(sed -n '1p;$p' <<<"$out" | tr '\n' ' ')" = "1 0 " ]
check "its card file and record are deleted" \
	bash -c "[ ! -e '$work/er/er-1.card' ] && [ ! -e '$KHSM_KMDATA/cardset_er' ]"
check "the card not given is left, and said so" \
	bash -c "[ -e '$work/er/er-2.card' ] && grep -q 'cards were not given' '$work/er.err'"
check "it says the module keeps no list of erased sets" \
	grep -q 'keeps no list of erased sets' "$work/er.err"
check "cardset list no longer has it" bash -c "! '$KHSMCTL' cardset list | grep -q '^er:'"
cp "$work/er.record" "$KHSM_KMDATA/cardset_er"
check "a surviving copy of a card still loads the token (the module keeps no list)" \
	ctl token preload er --card "$work/er/er-2.card" --passphrase-file "$work/pp-er2" -- true
rm -f "$KHSM_KMDATA/cardset_er"

# An operator, not root, creates a set and shares only with its own groups.
chmod 755 "$work"
chgrp khsm "$KHSM_KMDATA" && chmod 3775 "$KHSM_KMDATA"
chmod 777 "$work/opcards"
check "an operator creates a card set without the ACS" \
	as_user khsmop "$KHSMCTL" cardset create opset --card-dir "$work/opcards" --no-passphrase --yes
err=$(as_user khsmop "$KHSMCTL" token preload opset --card "$work/opcards/opset-1.card" \
	--share-gid daemon -- true 2>&1)
check "an operator cannot share with a group it is not in: $(tail -1 <<<"$err")" grep -q 'group of the caller' <<<"$err"
check "but with its own" as_user khsmop "$KHSMCTL" token preload opset \
	--card "$work/opcards/opset-1.card" --share-gid khsm -- true
check_fails "an operator cannot erase it without a card" \
	as_user khsmop "$KHSMCTL" cardset erase opset
check "but can with one of its cards" \
	as_user khsmop "$KHSMCTL" cardset erase opset --card "$work/opcards/opset-1.card" --yes
check "which deletes the operator's record" [ ! -e "$KHSM_KMDATA/cardset_opset" ]

ctl world unload
ktap_end
