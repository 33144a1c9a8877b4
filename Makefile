# Tierwatch: the two set-up commands (see README) and the benchmark.
#   make demo    run the example jobs on the bundled sample data
#   make test    run the whole test suite
#   make bench   the weekly job on 1M generated events: events/s, MB/s, peak memory
#   make bench-compare   the same job in Tierwatch and in DuckDB on 1M and 10M events
#   make bench-shards    the job in 1, 2, 4 and 8 shards on 10M events and in 8 on 100M: shard, merge and cluster times
#   make phases          where a run's time goes, per phase, on the ordinary and the heavy 1M and 10M weeks (perf)
#   make reliability     attack a release build (kills, full disks, failing receivers, fuzzing): a table
#   make fuzz SECONDS=N  fuzz every parser with libFuzzer for N seconds each (TARGET=tcstring for one)
# Each installs the Debian packages it needs when they are missing (via sudo when not root).

SWIFT ?= swift
BUILD_DEBS := libsqlite3-dev libssl-dev zlib1g-dev libcurl4-openssl-dev
TEST_DEBS := $(BUILD_DEBS) python3 python3-pip gzip chromium openssh-server openssh-client sqlite3 time slurm-wlm munge
BENCH_DEBS := $(BUILD_DEBS) time

define install_debs
	@missing=""; \
	for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  echo "installing:$$missing"; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

.PHONY: demo test bench bench-shards bench-compare phases deps test-deps bench-deps release screenshots reliability fuzz

deps:
	$(call install_debs,$(BUILD_DEBS))

test-deps:
	$(call install_debs,$(TEST_DEBS))
	@# iab-tcf: an independent TC string decoder the signal tests compare against.
	@python3 -m pip show iab-tcf >/dev/null 2>&1 || python3 -m pip install --quiet iab-tcf
	@# The reference Standard Webhooks library verifies every signature in the alert tests.
	@python3 -c "import standardwebhooks" 2>/dev/null || python3 -m pip install --quiet standardwebhooks 2>/dev/null || \
	  python3 -m pip install --quiet --break-system-packages standardwebhooks
	@# csvw is the independent CSVW validator of the CSV metadata (Tests/Support/csvw_check.py).
	@python3 -c "import csvw" 2>/dev/null || python3 -m pip install --quiet csvw 2>/dev/null || python3 -m pip install --quiet --break-system-packages csvw
	@# SciPy is the independent oracle of the uplift statistics (Tests/Support/uplift_oracle.py).
	@python3 -c "import scipy.stats" 2>/dev/null || python3 -m pip install --quiet scipy || python3 -m pip install --quiet --break-system-packages scipy
	@# Remote inputs and mail: moto is the S3 endpoint (it checks SigV4), aiosmtpd captures mail,
	@# cryptography makes the test CA, boto3 uploads the test objects.
	@python3 -c "import moto.server, aiosmtpd, cryptography, boto3, flask" 2>/dev/null || python3 -m pip install --quiet "moto[server]" aiosmtpd cryptography boto3 2>/dev/null || \
	  python3 -m pip install --quiet --break-system-packages "moto[server]" aiosmtpd cryptography boto3

bench-deps:
	$(call install_debs,$(BENCH_DEBS))

release: deps
	$(SWIFT) build -c release --product tierwatch

demo: release
	.build/release/tierwatch demo

test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	@# Every fuzz seed and every input a fuzzer ever crashed on, through the normal build...
	@.build/debug/TierwatchFuzz --all Tests/Fuzz/Seeds Tests/Fuzz/Regressions 2>.build/fuzz-replay.log || \
	  { tail -3 .build/fuzz-replay.log; exit 1; }
	@# ...and a short, reproducible libFuzzer run (fixed seed and count) of the signal decoders.
	@Tests/Fuzz/fuzz.sh --runs 20000 tcstring gppstring usprivacy gpc

# Each parser under libFuzzer for SECONDS seconds (Tests/Fuzz/fuzz.sh; TARGET= names one).
SECONDS ?= 30
TARGET ?=
fuzz: deps
	@Tests/Fuzz/fuzz.sh --seconds $(SECONDS) $(TARGET)

# The reliability suite at its documented counts against a release build, plus every fuzz
# target for FUZZ_RUNS executions; prints tries / survived / lost per attack.
FUZZ_RUNS ?= 100000
reliability: test-deps release
	$(SWIFT) build --build-tests
	@Tests/Support/reliability.sh $(SWIFT) $(CURDIR)/.build/release/tierwatch $(FUZZ_RUNS)

# Screenshots of the sample reports for the README (Tests/Screenshots/*.png), made with headless Chromium.
SHOTS := .build/screenshots
screenshots: test-deps release
	rm -rf $(SHOTS) && mkdir -p $(SHOTS)
	for week in 2026-W45 2026-W46 2026-W47; do \
	  .build/release/tierwatch run weekly-executive --period $$week --reports $(SHOTS)/Reports --state $(SHOTS)/state.sqlite3 --now 2026-11-23T06:00:00Z --quiet 2>/dev/null; done; true
	chromium --headless --no-sandbox --disable-gpu --host-resolver-rules="MAP * ~NOTFOUND" --disable-background-networking --disable-component-update --no-first-run --hide-scrollbars --window-size=1200,2400 --screenshot=$(CURDIR)/Tests/Screenshots/executive.png file://$(CURDIR)/$(SHOTS)/Reports/weekly-executive/2026-W46/executive.html
	chromium --headless --no-sandbox --disable-gpu --host-resolver-rules="MAP * ~NOTFOUND" --disable-background-networking --disable-component-update --no-first-run --hide-scrollbars --window-size=1200,2400 --screenshot=$(CURDIR)/Tests/Screenshots/compliance.png file://$(CURDIR)/$(SHOTS)/Reports/weekly-executive/2026-W46/compliance.html

BENCH_DIR ?= .build/bench-data
BENCH_EVENTS ?= 1000000

bench: bench-deps release
	@test -f $(BENCH_DIR)/$(BENCH_EVENTS)/consents.csv || \
	  .build/release/tierwatch generate --out $(BENCH_DIR)/$(BENCH_EVENTS) --events $(BENCH_EVENTS) --days 7 --start 2026-11-09 --seed 7
	@Tests/Support/bench.sh .build/release/tierwatch $(BENCH_DIR)/$(BENCH_EVENTS)

# Sharded runs (Tests/Support/bench_shards.py): per set, EVENTS:SHARD COUNTS.
SHARD_SETS ?= 10000000:1,2,4,8 100000000:8

bench-shards: bench-deps release
	@for set in $(SHARD_SETS); do \
	  n=$${set%%:*}; counts=$${set#*:}; \
	  test -f $(BENCH_DIR)/$$n/consents.csv || \
	    .build/release/tierwatch generate --out $(BENCH_DIR)/$$n --events $$n --days 7 --start 2026-11-09 --seed 7 || exit 1; \
	  python3 Tests/Support/bench_shards.py .build/release/tierwatch $(BENCH_DIR)/$$n $$counts || exit 1; echo; \
	done

# Where the time goes, per phase (Tests/Support/phases.py, perf samples by function).
PHASE_SETS ?= 1000000 1000000-broken 10000000 10000000-broken
phases: bench-deps release
	@command -v perf >/dev/null || { sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; $$sudo apt-get install -y -qq linux-perf >/dev/null; }
	@for n in $(PHASE_SETS); do test -f $(BENCH_DIR)/$$n/consents.csv || { echo "no $(BENCH_DIR)/$$n: make bench-compare generates it"; exit 1; }; done
	@python3 Tests/Support/phases.py .build/release/tierwatch $(foreach n,$(PHASE_SETS),$(BENCH_DIR)/$(n))

COMPARE_SIZES ?= 1000000 10000000
COMPARE_RUNS ?= 3
COMPARE_BROKEN ?= 1

bench-compare: bench-deps release
	@python3 -c "import duckdb" 2>/dev/null || python3 -m pip install --quiet duckdb
	@# Each size twice: an ordinary week, and the week a CMP broke (the same events; the consent
	@# records a misfiring banner lost, so most uses break a rule: COMPARE_BROKEN of the histories).
	@for n in $(COMPARE_SIZES); do \
	  test -f $(BENCH_DIR)/$$n/consents.csv || \
	    .build/release/tierwatch generate --out $(BENCH_DIR)/$$n --events $$n --days 7 --start 2026-11-09 --seed 7; \
	  test -f $(BENCH_DIR)/$$n-broken/consents.csv || \
	    .build/release/tierwatch generate --out $(BENCH_DIR)/$$n-broken --events $$n --days 7 --start 2026-11-09 --seed 7 \
	      --broken-consent $(COMPARE_BROKEN); \
	done
	@python3 Tests/Support/bench_compare.py .build/release/tierwatch \
	  $(foreach n,$(COMPARE_SIZES),$(BENCH_DIR)/$(n) $(BENCH_DIR)/$(n)-broken) --runs $(COMPARE_RUNS)
