#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# /dev/khsm as the udev rule sets it up, who may open it, and that the
# module cannot be removed while it is open.
. "$(dirname "$0")/../lib.sh"
PROBE=$KHSM_TOP/build/selftests/khsm_probe

ktap_begin 11

khsm_unload
khsm_load
udevadm settle 2>/dev/null
check "/dev/khsm is a character device" [ -c /dev/khsm ]
check "/dev/khsm has mode 0660" [ "$(stat -c %a /dev/khsm)" = 660 ]
check "/dev/khsm belongs to root:khsm" [ "$(stat -c %U:%G /dev/khsm)" = root:khsm ]
check "the khsm genl family resolves" bash -c 'genl ctrl get name khsm | grep -q "Name: khsm"'
check "a khsm group member opens /dev/khsm" as_user khsmop "$PROBE" info
r=$(as_user outsider "$PROBE" open)
check "a user outside the khsm group cannot open it ($r)" [ "$r" = EACCES ]
r=$(unshare -Ur "$PROBE" open)
check "root in a new user namespace is refused ($r)" [ "$r" = EPERM ]

exec 3<>/dev/khsm
r=$("$PROBE" delete-module khsm)
check "delete_module while open fails as in use ($r)" [ "$r" = EAGAIN ]
msg=$(rmmod khsm 2>&1)
rc=$?
check "rmmod while open fails and the module stays" \
	bash -c "[ $rc -ne 0 ] && [ -d /sys/module/khsm ]"
check "rmmod says the module is in use: $msg" grep -q 'in use' <<<"$msg"
exec 3>&-
check "rmmod after close succeeds" rmmod khsm
ktap_end
