#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Application keys with khsmctl and libkhsm on the real module: a
# module-protected P-256 key generated, its public key exported and a
# signature the module made checked by openssl, list and info, a softcard
# key that loads only while its token is held, an import, import refused
# once the policy says so, and who may read and write the blobs.
. "$(dirname "$0")/../lib.sh"

work=$(mktemp -d /tmp/keys.XXXXXX)
trap 'rm -rf "$work"' EXIT
export KHSM_KMDATA=$work/kmdata
ctl() { "$KHSMCTL" "$@"; }
ec=(--type ec-p256 --ops sign,verify,export-public)

printf 'pbkdf2.iterations = 1000\n' >"$work/policy"
printf 'import = no\n' >"$work/no-import"
printf 'softcard passphrase\n' >"$work/ppsc"
chmod 600 "$work"/ppsc
mkdir -p "$work/acs"
head -c 200000 /dev/urandom >"$work/msg"

ktap_begin
khsm_loaded || khsm_load
ctl world new --policy "$work/policy" --card-dir "$work/acs" --no-passphrase --yes >/dev/null 2>&1
check "a world to work in" [ "$(ctl world info --json | jq -r .state)" = operational ]

# A module key: no token, usable as soon as the world is loaded.
out=$(ctl key generate --app demo --ident signer --protect module "${ec[@]}" 2>&1)
check "key generate: a module-protected ec-p256 key" grep -q '^key hash: [0-9a-f]\{64\}$' <<<"$out"
check "its blob is kept in kmdata, 0644" [ "$(stat -c %a "$KHSM_KMDATA/key_demo_signer")" = 644 ]
check "key pubkey writes its SubjectPublicKeyInfo" ctl key pubkey demo signer --out "$work/signer.pem"
check "openssl reads a P-256 public key" \
	bash -c "openssl pkey -pubin -in '$work/signer.pem' -noout -text | grep -q 'NIST CURVE: P-256'"
check "key sign through /dev/khsm" ctl key sign demo signer --in "$work/msg" --out "$work/msg.sig"
check "openssl dgst -sha256 -verify accepts the module's signature" \
	openssl dgst -sha256 -verify "$work/signer.pem" -signature "$work/msg.sig" "$work/msg"
check "key verify agrees" ctl key verify demo signer --in "$work/msg" --sig "$work/msg.sig"
{ cat "$work/msg"; echo x; } >"$work/msg2"
check_fails "a changed file does not verify" \
	ctl key verify demo signer --in "$work/msg2" --sig "$work/msg.sig"

check "key list shows it" \
	[ "$(ctl key list)" = "demo signer: ec-p256, module, sign,verify,export-public" ]
fp=$(openssl pkey -pubin -in "$work/signer.pem" -outform DER | sha256sum | cut -c1-64)
info=$(ctl key info demo signer --json)
check "key info: the fingerprint is the SPKI DER's SHA-256" \
	[ "$(jq -r .public_key_sha256 <<<"$info")" = "$fp" ]
sign_file=$KHSM_TOP/Documentation/examples/sign-file
check "the service guide's example signs through libkhsm" \
	bash -c "'$sign_file' demo signer '$work/msg' > '$work/example.sig'"
check "and openssl verifies its signature" \
	openssl dgst -sha256 -verify "$work/signer.pem" -signature "$work/example.sig" "$work/msg"
check "key info: the key hash generate gave, and the ACL" \
	jq -e --arg h "$(sed -n 's/^key hash: //p' <<<"$out")" \
	'.key_hash == $h and .acl.mechs == ["ecdsa-p256-sha256"] and .protection == "module"' <<<"$info"

# A softcard key: made and used only while a token of the softcard is held.
ctl softcard create signer --passphrase-file "$work/ppsc" >/dev/null 2>&1
err=$(ctl key generate --app demo --ident soft --protect softcard:signer "${ec[@]}" 2>&1)
check "no softcard key without its token: $(head -1 <<<"$err")" grep -q 'no token of' <<<"$err"
check "a softcard key generated under its held token" \
	ctl token preload signer --passphrase-file "$work/ppsc" -- \
	"$KHSMCTL" key generate --app demo --ident soft --protect softcard:signer "${ec[@]}"
err=$(ctl key sign demo soft --in "$work/msg" --out "$work/soft.sig" 2>&1)
check "without its token it does not load: $(head -1 <<<"$err")" \
	grep -q 'no such key or token' <<<"$err"
check "with its token held it signs" \
	ctl token preload signer --passphrase-file "$work/ppsc" -- \
	"$KHSMCTL" key sign demo soft --in "$work/msg" --out "$work/soft.sig"
ctl key pubkey demo soft --out "$work/soft.pem"
check "and openssl verifies that signature" \
	openssl dgst -sha256 -verify "$work/soft.pem" -signature "$work/soft.sig" "$work/msg"
check "key info names the softcard" \
	[ "$(ctl key info demo soft --json | jq -r '"\(.protection) \(.set_name)"')" = "softcard signer" ]

# Import: allowed by default, refused once the policy says import = no.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/imp.pem" 2>/dev/null
chmod 600 "$work/imp.pem"
check "key import of a PKCS#8 private key" \
	ctl key import --app demo --ident imported --type ec-p256 --from "$work/imp.pem" \
	--protect module --ops sign,export-public
ctl key pubkey demo imported --out "$work/imported.pem"
openssl pkey -in "$work/imp.pem" -pubout -out "$work/imp.pub"
check "the module's public key is openssl's" cmp "$work/imported.pem" "$work/imp.pub"
check "and what it signs verifies with openssl's" \
	bash -c "'$KHSMCTL' key sign demo imported --in '$work/msg' --out '$work/imp.sig' &&
		 openssl dgst -sha256 -verify '$work/imp.pub' -signature '$work/imp.sig' '$work/msg'"
check "policy load import = no (with the ACS card)" \
	ctl policy load "$work/no-import" --card "$work/acs/acs-1.card"
err=$(ctl key import --app demo --ident imported2 --type ec-p256 --from "$work/imp.pem" \
	--protect module --ops sign 2>&1)
rc=$?
check "import refused by the policy, exit 4: $(head -1 <<<"$err")" [ "$rc" -eq 4 ]
check "and nothing kept" [ ! -e "$KHSM_KMDATA/key_demo_imported2" ]
check "generate still works" \
	ctl key generate --app demo --ident after --type aes --protect module --ops encrypt,decrypt

# An operator, not root, makes and uses a key in a group-writable kmdata.
chmod 755 "$work"
check "world new made the kmdata directory 0755" [ "$(stat -c %a "$KHSM_KMDATA")" = 755 ]
chgrp khsm "$KHSM_KMDATA" && chmod 3775 "$KHSM_KMDATA"
check "an operator generates a key" \
	as_user khsmop "$KHSMCTL" key generate --app ops --ident k1 --protect module "${ec[@]}"
check "its blob is the operator's, 0644, group khsm" \
	[ "$(stat -c '%a %U:%G' "$KHSM_KMDATA/key_ops_k1")" = "644 khsmop:khsm" ]
check "and signs with it" \
	as_user khsmop "$KHSMCTL" key sign ops k1 --in "$work/msg" --out /dev/null
check_fails "another group member cannot replace someone else's blob" \
	as_user khsmop cp "$KHSM_KMDATA/key_ops_k1" "$KHSM_KMDATA/key_demo_signer"
check_fails "nor rename over it" \
	as_user khsmop mv "$KHSM_KMDATA/key_ops_k1" "$KHSM_KMDATA/key_demo_signer"

# Users outside the khsm group read blobs (a service needs its blob and
# /dev/khsm) but make none.
as_user outsider cat "$KHSM_KMDATA/key_demo_signer" >"$work/outsider.copy"
check "an outsider reads a key blob" cmp -s "$work/outsider.copy" "$KHSM_KMDATA/key_demo_signer"
check "and its header: key info needs no module" \
	as_user outsider "$KHSMCTL" key info demo signer
check_fails "an outsider cannot put a file in kmdata" \
	as_user outsider touch "$KHSM_KMDATA/key_out_k1"
err=$(as_user outsider "$KHSMCTL" key generate --app out --ident k1 --protect module "${ec[@]}" 2>&1)
check "nor make a key there: $(tail -1 <<<"$err")" \
	bash -c "[ ! -e '$KHSM_KMDATA/key_out_k1' ] && grep -q 'Permission denied' <<<'$err'"
mkdir -m 777 "$work/own"
err=$(KHSM_KMDATA=$work/own as_user outsider "$KHSMCTL" key generate --app out --ident k1 \
	--protect module "${ec[@]}" 2>&1)
rc=$?
check "nor in a directory of its own: the module refuses it, exit 4 ($rc)" \
	bash -c "[ $rc -eq 4 ] && [ ! -e '$work/own/key_out_k1' ]"
check "key delete removes the blob" ctl key delete ops k1
check "key list has the rest" [ "$(ctl key list | wc -l)" -eq 4 ]

ctl world unload
ktap_end
