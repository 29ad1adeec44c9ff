# nunchi: a thin wrapper around CMake. `make run` and `make test` install the Debian
# packages listed in deploy/debian-packages.txt first when any of them is missing.

BUILD    ?= build
TYPE     ?= Release
PREFIX   ?= /usr/local
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
PKGLIST  := deploy/debian-packages.txt
CTEST_ARGS ?=
SEEDS    ?= 10
FUZZ_SECONDS ?= 60
FUZZ_BUILD   ?= build-fuzz

.PHONY: all build deps configure run test bench experiment fault-sweep fuzz install clean

all: build

deps:
	@scripts/install-deps.sh $(PKGLIST)
	@scripts/install-npm.sh

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

# the fault sweeps: premise scenarios under loss, byzantine agents and a partition, for
# SEEDS seeds; the table goes into docs/faults.md
fault-sweep: deps
	@$(MAKE) --no-print-directory build
	/usr/bin/python3 scripts/fault_sweep.py --nunchi $(BUILD)/nunchi --seeds $(SEEDS) --jobs $(JOBS)

# the codec and the router's checks under libFuzzer for FUZZ_SECONDS (a clang build of
# its own in FUZZ_BUILD; the corpus grows in FUZZ_BUILD/corpus, crashes land in FUZZ_BUILD)
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DNUNCHI_FUZZ=ON >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_codec fuzz_seeds
	mkdir -p $(FUZZ_BUILD)/corpus
	$(FUZZ_BUILD)/fuzz_seeds $(FUZZ_BUILD)/corpus
	cd $(FUZZ_BUILD) && ./fuzz_codec -max_total_time=$(FUZZ_SECONDS) -max_len=65536 corpus

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD)
