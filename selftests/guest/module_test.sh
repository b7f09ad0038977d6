#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Module lifecycle: documented parameters, 20 clean load/unload cycles,
# nothing left behind after unload.
. "$(dirname "$0")/../lib.sh"

ktap_begin 6

khsm_unload
params=$(modinfo -F parm "$KHSM_KO")
check "modinfo documents the gid parameter" grep -q '^gid:.*khsm operator group' <<<"$params"
check "modinfo documents the selftest_fail parameter" grep -q '^selftest_fail:.*error state' <<<"$params"

dmesg -C
cycles=0
for i in $(seq 20); do
	khsm_load || break
	[ -c /dev/khsm ] || break
	rmmod khsm || break
	cycles=$i
done
check "20 load/unload cycles" [ "$cycles" -eq 20 ]
loaded=$(dmesg | grep -c 'khsm: khsm .* loaded (ABI')
check "each load printed one banner line ($loaded)" [ "$loaded" -eq 20 ]
check_fails "no warning, oops or bug in the kernel log" \
	bash -c "dmesg | grep -E 'BUG:|WARNING:|Oops|refcount_t|UBSAN|list_del corruption'"
check "nothing left after unload (/dev/khsm, /sys/module/khsm)" \
	bash -c '[ ! -e /dev/khsm ] && [ ! -e /sys/module/khsm ]'
ktap_end
