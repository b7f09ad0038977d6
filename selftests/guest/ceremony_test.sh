#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Security World ceremonies as an administrator runs them with
# khsmctl: creation, a reboot and loading back from cards or from a
# binding key, passphrase delays, ACS authorisation and its refusals,
# policy, replacement, clear, and the files left in kmdata.
. "$(dirname "$0")/../lib.sh"

work=$(mktemp -d /tmp/ceremony.XXXXXX)
trap 'rm -rf "$work"' EXIT
export KHSM_KMDATA=$work/kmdata
cards=$work/cards
mkdir -p "$cards" "$work/x" "$work/c2" "$work/c3"
ctl() { "$KHSMCTL" "$@"; }

# Quick passphrase stretching and short delays keep the suite fast;
# the behaviour under test does not depend on the numbers.
cat >"$work/policy" <<'P'
pbkdf2.iterations = 1000
retry.delay = 2500..10000
P
printf 'alpha pass one\nbravo pass two\ncharlie pass three\n' >"$work/pp3"
printf 'alpha pass one\nbravo pass two\n' >"$work/pp12"
printf 'bravo pass two\ncharlie pass three\n' >"$work/pp23"
chmod 600 "$work"/pp*

info() { ctl world info --json | jq -r "$1"; }
reboot_module() { rmmod khsm && khsm_load; }

ktap_begin
khsm_loaded || khsm_load

# --- creation ------------------------------------------------------------
out=$(ctl world new -K 2 -N 3 --policy "$work/policy" --card-dir "$cards" \
	--passphrase-file "$work/pp3" --yes 2>"$work/err")
check "world new 2/3 with passphrases" [ $? -eq 0 ]
world_id=$(sed -n 's/^world id: *//p' <<<"$out")
check "it prints the world id" [ ${#world_id} -eq 32 ]
check "it prints the audit key fingerprint" grep -q '^audit key sha256: [0-9a-f]\{64\}' <<<"$out"
check "world file is 0640 root:khsm" [ "$(stat -c '%a %U:%G' "$KHSM_KMDATA/world")" = "640 root:khsm" ]
check "card files are 0600" [ "$(stat -c %a "$cards"/acs-*.card | sort -u)" = 600 ]
check "three cards written" [ "$(ls "$cards" | wc -l)" -eq 3 ]
check "the register lists three cards" [ "$(grep -vc '^#' "$KHSM_KMDATA/acs-register")" -eq 3 ]
check "world info: operational, 2 of 3" \
	[ "$(info '.state + " " + (.options.acs_k|tostring) + "/" + (.options.acs_n|tostring)')" = "operational 2/3" ]
check "world info: nothing authorised after creation" [ "$(info '.acs_auth.tokens | length')" -eq 0 ]
check_fails "a second world new is refused" \
	ctl world new --policy "$work/policy" --card-dir "$work/x" --no-passphrase --yes

# --- reboot: back from cards -----------------------------------------------
reboot_module
check "after a module reload no world is loaded" [ "$(info .state)" = uninitialised ]
ctl world load --card "$cards/acs-1.card" --card "$cards/acs-2.card" \
	--passphrase-file "$work/pp12" >"$work/out" 2>&1
check "world load with 2 of 3 cards" [ "$(info .state)" = operational ]
check "same world id" [ "$(info .world_id)" = "$world_id" ]
check "the load showed its progress" grep -q 'load-world: 1 of 2' "$work/out"

# --- passphrases ------------------------------------------------------------
ctl world unload
printf 'a wrong passphrase\n' >"$work/ppw"; chmod 600 "$work/ppw"
err=$(ctl world load --card "$cards/acs-3.card" --passphrase-file "$work/ppw" 2>&1)
check "a wrong passphrase is refused: $err" grep -q 'wrong passphrase' <<<"$err"
printf 'charlie pass three\n' >"$work/pp3only"; chmod 600 "$work/pp3only"
err=$(ctl world load --card "$cards/acs-3.card" --passphrase-file "$work/pp3only" 2>&1)
rc=$?
check "the right one waits out the delay (exit $rc): $err" \
	bash -c "[ $rc -eq 1 ] && grep -q 'try this card again in' <<<'$err'"
sleep 2.6
printf 'charlie pass three\nbravo pass two\n' >"$work/pp32"; chmod 600 "$work/pp32"
ctl world load --card "$cards/acs-3.card" --card "$cards/acs-2.card" \
	--passphrase-file "$work/pp32" >/dev/null 2>&1
check "after the delay the right passphrase loads" [ "$(info .state)" = operational ]
check "acs verify: a card audit" bash -c "'$KHSMCTL' acs verify --passphrase-file '$work/pp3only' '$cards/acs-3.card' | grep -q 'passphrase ok'"

# --- authorisation and policy ----------------------------------------------
ctl acs logout
printf 'nso-timeout = 120\n' >"$work/policy2"
ctl policy load "$work/policy2" >/dev/null 2>"$work/err"
rc=$?
check "policy load without the ACS quorum: exit 4 ($rc)" [ $rc -eq 4 ]
check "and the message names the quorum" grep -qi 'quorum' "$work/err"
ctl acs authorise --card "$cards/acs-1.card" --card "$cards/acs-2.card" \
	--passphrase-file "$work/pp12" >"$work/out" 2>&1
check "acs authorise with 2 cards" grep -q '^authorised: acs' "$work/out"
check "world info shows the authorisation" [ "$(info '.acs_auth.tokens | index("acs") != null')" = true ]
gen=$(info .generation)
check "policy load with the authorisation" ctl policy load "$work/policy2"
check "policy show has the new timeout" bash -c "'$KHSMCTL' policy show | grep -q '^nso-timeout = 120'"
check "the world file was rewritten (generation $gen -> $(info .generation))" [ "$(info .generation)" -gt "$gen" ]
printf 'acs.quorum = 3/3\n' >"$work/policy3"
check_fails "policy load may not change quorums" ctl policy load "$work/policy3"
printf 'nso-timout = 5\n' >"$work/policy4"
err=$(ctl policy load "$work/policy4" 2>&1)
check "a policy syntax error names its line: $err" grep -q 'line 1' <<<"$err"
ctl acs logout
check_fails "acs logout ends it" ctl policy load "$work/policy2"

# --- roles -------------------------------------------------------------------
as_user khsmop env KHSM_KMDATA="$work/op" "$KHSMCTL" clear >/dev/null 2>&1
check "clear as an operator: exit 4" [ $? -eq 4 ]
as_user khsmop env KHSM_KMDATA="$work/op" "$KHSMCTL" world unload >/dev/null 2>&1
check "world unload as an operator: exit 4" [ $? -eq 4 ]
check "clear as root" ctl clear
check "the world stays after clear" [ "$(info .state)" = operational ]

# --- the policy's groups ------------------------------------------------------
PROBE=$KHSM_TOP/build/selftests/khsm_probe
getent group khsmadm >/dev/null || groupadd -g 4280 khsmadm
getent group khsmsvc >/dev/null || groupadd -g 4281 khsmsvc
id admuser >/dev/null 2>&1 || useradd -M -N -g users -G khsmadm admuser
id svcuser >/dev/null 2>&1 || useradd -M -N -g users -G khsm,khsmsvc svcuser
printf 'groups.operator = khsmadm\ngroups.user = khsmsvc\n' >"$work/groups"
check "policy load names the operator and user groups" \
	ctl policy load "$work/groups" --card "$cards/acs-1.card" \
	--card "$cards/acs-2.card" --passphrase-file "$work/pp12"
ctl acs logout
as_user khsmop "$KHSMCTL" status >/dev/null 2>&1
check "the khsm group is no longer the operator group (exit $?)" [ $? -eq 4 ]
check "a member of the policy's operator group may query" as_user admuser "$KHSMCTL" status
r=$(as_user khsmop "$PROBE" open)
check "device permissions alone no longer open /dev/khsm ($r)" [ "$r" = EPERM ]
r=$(as_user svcuser "$PROBE" open)
check "a member of the user group opens it ($r)" [ "$r" = OK ]
printf 'groups.operator = none\ngroups.user = none\n' >"$work/groups"
ctl policy load "$work/groups" --card "$cards/acs-1.card" \
	--card "$cards/acs-2.card" --passphrase-file "$work/pp12" >/dev/null
ctl acs logout
check "with none, the module's gid is the operator group again" as_user khsmop "$KHSMCTL" status

# --- binding key: loads without people --------------------------------------
key=$(keyctl add logon khsm:ceremony "0123456789abcdef0123456789abcdef" @u)
check "world bind with the ACS quorum" \
	ctl world bind --bind-key logon:khsm:ceremony --card "$cards/acs-1.card" \
	--card "$cards/acs-2.card" --passphrase-file "$work/pp12"
check "world info says bound" [ "$(info .bound)" = true ]
reboot_module
check "world load --bind-key after a reload" ctl world load --bind-key logon:khsm:ceremony
check "operational without cards" [ "$(info .state)" = operational ]
keyctl unlink "$key" @u >/dev/null

# An encrypted key (sealed by a user master key) binds the same way.
keyctl add user khsm:kmk "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" @u >/dev/null
enc=$(keyctl add encrypted khsm:enc "new user:khsm:kmk 32" @u)
ctl acs authorise --card "$cards/acs-1.card" --card "$cards/acs-2.card" \
	--passphrase-file "$work/pp12" >/dev/null 2>&1
check "world bind to an encrypted key" ctl world bind --bind-key encrypted:khsm:enc
reboot_module
check "world load --bind-key encrypted:... after a reload" ctl world load --bind-key encrypted:khsm:enc
err=$(ctl world unload; ctl world load --bind-key logon:khsm:ceremony 2>&1)
check "the replaced logon binding no longer loads it: $err" [ "$(info .state)" = uninitialised ]
ctl world load --bind-key encrypted:khsm:enc
keyctl unlink "$enc" @u >/dev/null

# --- replacing the ACS ---------------------------------------------------------
mkdir -p "$work/new"
printf 'delta pass one\ndelta pass two\nalpha pass one\nbravo pass two\n' >"$work/ppr"; chmod 600 "$work/ppr"
check "acs replace 2/3 -> 2/2, authorised by the old cards" \
	ctl acs replace -K 2 -N 2 --load-quorum 1 --key-recovery 1 --card-dir "$work/new" \
	--passphrase-file "$work/ppr" --card "$cards/acs-1.card" --card "$cards/acs-2.card" --yes
ctl world unload
err=$(ctl world load --card "$cards/acs-1.card" --passphrase-file "$work/pp12" 2>&1)
check "an old card no longer loads the world: $err" grep -qi 'replaced' <<<"$err"
printf 'delta pass two\n' >"$work/ppd"; chmod 600 "$work/ppd"
check "a new card loads it (load quorum 1)" ctl world load --card "$work/new/acs-2.card" --passphrase-file "$work/ppd"
check "same world after replacement" [ "$(info .world_id)" = "$world_id" ]

# --- damaged world file -------------------------------------------------------
ctl world unload
cp "$KHSM_KMDATA/world" "$work/world.good"
printf '\xff' | dd of="$KHSM_KMDATA/world" bs=1 seek=100 conv=notrunc status=none
check_fails "a tampered world file does not load" \
	ctl world load --card "$cards/acs-1.card" --card "$cards/acs-2.card" --passphrase-file "$work/pp12"
check "and nothing was loaded" [ "$(info .state)" = uninitialised ]
cp "$work/world.good" "$KHSM_KMDATA/world"
head -c 200 "$work/world.good" >"$KHSM_KMDATA/world"
err=$(ctl world load --card "$cards/acs-1.card" --passphrase-file "$work/pp3only" 2>&1)
check "a truncated world file is refused: $err" [ "$(info .state)" = uninitialised ]
cp "$work/world.good" "$KHSM_KMDATA/world"

# --- hard invariants and recommendations -------------------------------------
err=$(ctl world new -K 3 -N 2 --policy "$work/policy" --card-dir "$work/c2" --no-passphrase --yes 2>&1)
check "K > N refused: $err" grep -q 'K <= N' <<<"$err"
err=$(ctl world new -K 1 -N 3 --strict --policy "$work/policy" --card-dir "$work/c3" --no-passphrase --yes 2>&1)
check "--strict refuses N >= 2K: $err" grep -q 'N is not below 2K' <<<"$err"
check "and nothing was created" [ "$(info .state)" = uninitialised ]
rm -f "$KHSM_KMDATA/world"
err=$(ctl world new -K 1 -N 3 --policy "$work/policy" --card-dir "$work/c3" --no-passphrase --yes 2>&1 >/dev/null)
check "without --strict it warns: $(head -1 <<<"$err")" grep -qi 'warning' <<<"$err"
ctl world unload

ktap_end
