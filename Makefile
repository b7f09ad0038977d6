# SPDX-License-Identifier: GPL-2.0
#
# khsm top-level Makefile. The two commands a new user needs:
#   make demo    a full ceremony in a QEMU guest on Debian's stock kernel
#   make check   host unit tests, then the selftests in QEMU on 6.1 and 6.12
#
# Plain `make` builds the library, the tool and (when KDIR exists) the
# module for the running kernel. No sudo in here: run install targets as root.

KERNELRELEASE ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KERNELRELEASE)/build
PREFIX ?= /usr/local
DESTDIR ?=
KHSM_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1.0)
export KHSM_VERSION

TOP := $(CURDIR)
BUILD := $(TOP)/build
# Kernels the guest tests boot: Debian 12's stock 6.1 and 6.12.
KERNELS ?= 6.1 6.12
KERNEL ?= 6.1

all: userland
	@if [ -d "$(KDIR)" ]; then $(MAKE) module; else \
	  echo "khsm: no kernel headers at $(KDIR): module not built (set KDIR, or see README)"; fi

userland:
	$(MAKE) -C lib
	$(MAKE) -C utils
	$(MAKE) -C Documentation/examples

module:
	$(MAKE) -C kmod KDIR=$(KDIR) KERNELRELEASE=$(KERNELRELEASE)

deps:
	@scripts/install-deps

# Builds build/<release>/kmod/khsm.ko for one Debian stock kernel (K=6.1|6.12)
# out of tree, so several kernels can be built side by side.
module-for: deps
	@scripts/build-module $(K)

kselftest-headers: deps
	@scripts/get-kselftest $(BUILD)/kselftest

selftests: userland kselftest-headers
	$(MAKE) -C selftests KSELFTEST_DIR=$(BUILD)/kselftest
	$(MAKE) -C tools/fuzz guest

unit: deps
	$(MAKE) -C selftests/unit run

check: deps
	@scripts/check $(KERNELS)

# The static gate alone (scripts/static-check): sparse and W=1 against
# both kernels' headers, checkpatch on kmod/, cppcheck on the userland.
static: deps
	@scripts/static-check $(KERNELS)

# The guest selftests and a kmemleak scan on a KASAN/kmemleak/lockdep/UBSAN
# kernel built from Debian's linux-source-6.12 (scripts/check-debug; the
# kernel is built once, ~15 min, and cached in ~/.cache/khsm/debug-kernel).
check-debug: deps
	@scripts/check-debug

# khsm-bench in the guest on KERNEL (6.1; 6.12 with KERNEL=6.12) under
# TCG, once per CPU model; QUICK=1 for a short run. Results: build/bench/.
bench: deps
	@scripts/bench $(if $(QUICK),--quick) $(KERNEL)

bench-build: userland
	$(MAKE) -C tools/bench

# khsm-fuzz in the guest (scripts/fuzz): 10^6 netlink messages and 10^6
# ioctls on FUZZ_KERNELS (6.12); FUZZ_NL, FUZZ_IOCTL, FUZZ_SEED, ...
FUZZ_KERNELS ?= 6.12
fuzz: deps
	@scripts/fuzz $(FUZZ_KERNELS)

# The libFuzzer targets of libkhsm's parsers, FUZZ_SECONDS (30) each.
FUZZ_SECONDS ?= 30
fuzz-host: deps
	$(MAKE) -C tools/fuzz run-host FUZZ_SECONDS=$(FUZZ_SECONDS)

demo: deps userland
	@scripts/build-module $(KERNEL) >/dev/null
	@tools/vm-run --kernel $(KERNEL) -- tools/demo $(KERNEL)

install: userland
	$(MAKE) -C lib install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	$(MAKE) -C utils install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	install -D -m 0644 udev/60-khsm.rules $(DESTDIR)/lib/udev/rules.d/60-khsm.rules
	@if [ -d "$(KDIR)" ]; then $(MAKE) -C kmod KDIR=$(KDIR) \
	  KERNELRELEASE=$(KERNELRELEASE) INSTALL_MOD_PATH=$(DESTDIR) module-install; \
	else echo "khsm: no kernel headers at $(KDIR): module not installed (use dkms)"; fi

clean:
	-$(MAKE) -C lib clean
	-$(MAKE) -C utils clean
	-$(MAKE) -C Documentation/examples clean
	-$(MAKE) -C selftests clean
	-$(MAKE) -C selftests/unit clean
	-$(MAKE) -C tools/bench clean
	rm -rf $(BUILD)
	rm -f kmod/*.o kmod/*.ko kmod/*.mod kmod/*.mod.c kmod/.*.cmd \
	      kmod/modules.order kmod/Module.symvers

.PHONY: all userland module deps module-for kselftest-headers selftests unit \
	check static check-debug bench bench-build demo install clean fuzz fuzz-host
