#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Passphrases and recovery on the module, with khsmctl: a card's
# passphrase changed (the old one refused afterwards, a wrong old one
# delayed), a softcard's, a lost one replaced under the passphrase-
# recovery quorum (refused without it, and for a set made without
# passphrase recovery), and a key recovered to a replacement card set
# under the key-recovery quorum (refused without it, and for a key made
# without a recovery copy).
. "$(dirname "$0")/../lib.sh"

work=$(mktemp -d /tmp/recovery.XXXXXX)
trap 'rm -rf "$work"' EXIT
export KHSM_KMDATA=$work/kmdata
ctl() { "$KHSMCTL" "$@"; }
# exits_with RC WANT PATTERN TEXT: RC is WANT and TEXT says PATTERN (the
# text goes as an argument: refusals quote commands with apostrophes).
exits_with() { [ "$1" -eq "$2" ] && grep -q -- "$3" <<<"$4"; }
ec=(--type ec-p256 --ops sign,verify,export-public)
# A command run with set NAME's token held, its card 1 and passphrase file.
with_token() {
	local name=$1 pp=$2
	shift 2
	ctl token preload "$name" --card "$work/$name/$name-1.card" \
		--passphrase-file "$work/pp-$pp" -- "$KHSMCTL" "$@"
}

# Retry delays long enough that a slow guest still sees one in force.
cat >"$work/policy" <<'P'
pbkdf2.iterations = 1000
retry.delay = 8000..16000
passphrase.min-length = 8
passphrase.short = refuse
P
pp() { local f=$work/pp-$1; shift; printf '%s\n' "$@" >"$f"; chmod 600 "$f"; }
pp acs 'acs passphrase one' 'acs passphrase two' 'acs passphrase three'
pp acs12 'acs passphrase one' 'acs passphrase two'
pp acs23 'acs passphrase two' 'acs passphrase three'
pp ops 'ops card one, old' 'ops card two, old'
pp ops1 'ops card one, old'
pp ops1new 'ops card one, new'
pp ops-chg 'ops card one, old' 'ops card one, new'
pp ops2-wrong 'not the passphrase' 'ops card two, new'
pp ops2-chg 'ops card two, old' 'ops card two, new'
pp short 'ops card one, new' 'short'
pp sc 'signer pass one'
pp sc-new 'signer pass two'
pp sc-chg 'signer pass one' 'signer pass two'
pp lost 'lost card one, old'
pp lost-new 'lost card one, new'
pp old 'old set card one'
pp new 'new set card one'
for d in acs ops lost nolost old new; do mkdir -p "$work/$d"; done
head -c 100000 /dev/urandom >"$work/msg"

ktap_begin
khsm_loaded || khsm_load
ctl world new -K 2 -N 3 --key-recovery 2 --pp-recovery 2 --policy "$work/policy" \
	--card-dir "$work/acs" --passphrase-file "$work/pp-acs" --yes >/dev/null 2>&1
check "a world with key and passphrase recovery (quorums 2 of 3)" \
	[ "$(ctl world info --json | jq -r '"\(.options.kr_quorum) \(.options.pr_quorum)"')" = "2 2" ]

# --- an operator card set's passphrase -----------------------------------
ctl cardset create ops -N 2 --card-dir "$work/ops" --passphrase-file "$work/pp-ops" --yes >/dev/null 2>&1
out=$(ctl card passphrase "$work/ops/ops-1.card" --passphrase-file "$work/pp-ops-chg" 2>&1)
check "card passphrase changes an OCS card's passphrase" \
	grep -q "^card 1 'ops-1' of ocs 'ops': new passphrase$" <<<"$out"
check "and warns that copies of the old file still open" grep -q 'copies of the old card file' <<<"$out"
check "the card file keeps its mode (0600)" [ "$(stat -c %a "$work/ops/ops-1.card")" = 600 ]
check "no temporary file is left" [ "$(ls -A "$work/ops" | wc -l)" -eq 2 ]
check "the new passphrase loads the token" \
	ctl token preload ops --card "$work/ops/ops-1.card" --passphrase-file "$work/pp-ops1new" -- true
err=$(ctl token preload ops --card "$work/ops/ops-1.card" --passphrase-file "$work/pp-ops1" -- true 2>&1)
check "the old one is refused: $(tail -1 <<<"$err")" grep -q 'wrong passphrase' <<<"$err"
cp "$work/ops/ops-2.card" "$work/ops2.orig"
err=$(ctl card passphrase "$work/ops/ops-2.card" --passphrase-file "$work/pp-ops2-wrong" 2>&1)
rc=$?
check "a wrong old passphrase: exit 1, the retry delay said: $(tail -1 <<<"$err")" \
	exits_with "$rc" 1 'the next attempt on this card is allowed in' "$err"
err=$(ctl card passphrase "$work/ops/ops-2.card" --passphrase-file "$work/pp-ops2-chg" 2>&1)
rc=$?
check "the right one at once waits out the delay: $(tail -1 <<<"$err")" \
	exits_with "$rc" 1 'try this card again in' "$err"
check "and the card file is unchanged" cmp -s "$work/ops/ops-2.card" "$work/ops2.orig"
sleep 8.5
check "after the delay the right one changes it" \
	ctl card passphrase "$work/ops/ops-2.card" --passphrase-file "$work/pp-ops2-chg"
err=$(ctl card passphrase "$work/ops/ops-1.card" --passphrase-file "$work/pp-short" 2>&1)
rc=$?
check "a new passphrase the policy finds short is refused: $(tail -1 <<<"$err")" \
	exits_with "$rc" 1 'passphrase too short' "$err"

# --- a softcard's passphrase ----------------------------------------------
ctl softcard create signer --passphrase-file "$work/pp-sc" >/dev/null 2>&1
ctl token preload signer --passphrase-file "$work/pp-sc" -- "$KHSMCTL" key generate \
	--app sc --ident k1 --protect softcard:signer "${ec[@]}" >/dev/null 2>&1
check "a softcard's passphrase changes" \
	ctl card passphrase "$KHSM_KMDATA/softcard_signer" --passphrase-file "$work/pp-sc-chg"
check "its file keeps its mode (0640)" [ "$(stat -c %a "$KHSM_KMDATA/softcard_signer")" = 640 ]
check "its key signs under the new passphrase" \
	ctl token preload signer --passphrase-file "$work/pp-sc-new" -- \
	"$KHSMCTL" key sign sc k1 --in "$work/msg" --out "$work/sc.sig"
check_fails "the old passphrase no longer loads it" \
	ctl token preload signer --passphrase-file "$work/pp-sc" -- true
err=$(ctl card passphrase "$KHSM_KMDATA/softcard_signer" --no-passphrase 2>&1)
check "a softcard keeps a passphrase: $(tail -1 <<<"$err")" grep -q 'a softcard keeps a passphrase' <<<"$err"

# --- a lost passphrase ----------------------------------------------------
ctl cardset create lost --pp-recovery --card-dir "$work/lost" --passphrase-file "$work/pp-lost" --yes >/dev/null 2>&1
ctl cardset create nolost --card-dir "$work/nolost" --passphrase-file "$work/pp-lost" --yes >/dev/null 2>&1
check "cardset info: passphrase recovery on" [ "$(ctl cardset info lost --json | jq -r .pp_recovery)" = true ]
ctl acs logout
err=$(ctl card passphrase "$work/lost/lost-1.card" --lost --passphrase-file "$work/pp-lost-new" 2>&1)
rc=$?
check "--lost without the passphrase-recovery quorum: EACCES, exit 4" \
	exits_with "$rc" 4 'passphrase-recovery ACS quorum' "$err"
out=$(ctl acs authorise --card "$work/acs/acs-1.card" --card "$work/acs/acs-2.card" \
	--passphrase-file "$work/pp-acs12" 2>&1)
check "acs authorise with 2 of 3 cards authorises passphrase recovery" \
	grep -q '^authorised: .*passphrase-recovery' <<<"$out"
err=$(ctl card passphrase "$work/nolost/nolost-1.card" --lost --passphrase-file "$work/pp-lost-new" 2>&1)
rc=$?
check "--lost for a set made without passphrase recovery: refused, exit 1: $(grep -o 'made without.*' <<<"$err")" \
	exits_with "$rc" 1 'made without passphrase recovery' "$err"
check "--lost with the quorum replaces the passphrase" \
	ctl card passphrase "$work/lost/lost-1.card" --lost --passphrase-file "$work/pp-lost-new"
check "the new passphrase loads its token" \
	ctl token preload lost --card "$work/lost/lost-1.card" --passphrase-file "$work/pp-lost-new" -- true
check_fails "the lost one no longer does" \
	ctl token preload lost --card "$work/lost/lost-1.card" --passphrase-file "$work/pp-lost" -- true

# --- key recovery to a replacement card set -------------------------------
ctl cardset create old --card-dir "$work/old" --passphrase-file "$work/pp-old" --yes >/dev/null 2>&1
ctl cardset create new --card-dir "$work/new" --passphrase-file "$work/pp-new" --yes >/dev/null 2>&1
with_token old old key generate --app rec --ident k1 --protect cardset:old "${ec[@]}" >/dev/null 2>&1
with_token old old key generate --app rec --ident norec --protect cardset:old \
	"${ec[@]}" --no-recovery >/dev/null 2>&1
check "an OCS key with a recovery copy" \
	[ "$(ctl key info rec k1 --json | jq -r '"\(.protection) \(.set_name) \(.recovery)"')" = "ocs old true" ]
ctl key pubkey rec k1 --out "$work/k1.pem"
cp "$KHSM_KMDATA/key_rec_k1" "$work/k1.old"
ctl acs logout
err=$(with_token new new key recover rec k1 --to cardset:new 2>&1)
rc=$?
check "key recover without the key-recovery quorum: EACCES, exit 4" \
	exits_with "$rc" 4 'key-recovery ACS quorum' "$err"
check "and the blob is unchanged" cmp -s "$KHSM_KMDATA/key_rec_k1" "$work/k1.old"
ctl acs authorise --card "$work/acs/acs-2.card" --card "$work/acs/acs-3.card" \
	--passphrase-file "$work/pp-acs23" >/dev/null 2>&1
out=$(with_token new new key recover rec k1 --to cardset:new 2>&1)
check "key recover with the quorum re-seals it to the new set" grep -q '^protection: ocs new$' <<<"$out"
check "key info names the new set" \
	[ "$(ctl key info rec k1 --json | jq -r '"\(.protection) \(.set_name)"')" = "ocs new" ]
check "the new blob is 0644" [ "$(stat -c %a "$KHSM_KMDATA/key_rec_k1")" = 644 ]
check "the same key: the same public key" \
	bash -c "'$KHSMCTL' key pubkey rec k1 | cmp -s - '$work/k1.pem'"
check "the new set's token loads it and it signs" \
	with_token new new key sign rec k1 --in "$work/msg" --out "$work/k1.sig"
check "openssl verifies that signature with the old public key" \
	openssl dgst -sha256 -verify "$work/k1.pem" -signature "$work/k1.sig" "$work/msg"
err=$(with_token old old key sign rec k1 --in "$work/msg" --out "$work/x.sig" 2>&1)
check "the old set's token does not load the new blob: $(grep -o 'no such key or token' <<<"$err" | head -1)" \
	grep -q 'no such key or token' <<<"$err"
cp "$KHSM_KMDATA/key_rec_k1" "$work/k1.new"
cp "$work/k1.old" "$KHSM_KMDATA/key_rec_k1"
check "a copy of the old blob still loads with the old set's token (destroy copies)" \
	with_token old old key sign rec k1 --in "$work/msg" --out "$work/x.sig"
cp "$work/k1.new" "$KHSM_KMDATA/key_rec_k1"
err=$(with_token new new key recover rec norec --to cardset:new 2>&1)
rc=$?
check "a key made with --no-recovery: EPERM, exit 4: $(grep -o 'made without a recovery copy' <<<"$err" | head -1)" \
	exits_with "$rc" 4 'made without a recovery copy' "$err"
ctl acs logout

ctl world unload
ktap_end
