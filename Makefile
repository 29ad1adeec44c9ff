# nunchi: a thin wrapper around CMake. `make run` and `make test` install the Debian
# packages listed in deploy/debian-packages.txt first when any of them is missing.

BUILD    ?= build
TYPE     ?= Release
PREFIX   ?= /usr/local
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
PKGLIST  := deploy/debian-packages.txt
CTEST_ARGS ?=
SEEDS    ?= 10

.PHONY: all build deps configure run test bench experiment install clean

all: build

deps:
	@scripts/install-deps.sh $(PKGLIST)

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(TYPE) -DCMAKE_INSTALL_PREFIX=$(PREFIX)

configure: $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

run: deps
	@$(MAKE) --no-print-directory build
	$(BUILD)/nunchi run

test: deps
	@$(MAKE) --no-print-directory build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

bench: deps
	@$(MAKE) --no-print-directory build
	$(BUILD)/nunchi-bench

# the premise experiment: every scenario of scenarios/premise for SEEDS seeds; the table
# goes into docs/experiments.md
experiment: deps
	@$(MAKE) --no-print-directory build
	/usr/bin/python3 scripts/experiment.py --nunchi $(BUILD)/nunchi --seeds $(SEEDS)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD)
