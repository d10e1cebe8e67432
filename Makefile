# The front door: make test, make lint, make run, make bench.
GO ?= go

.PHONY: test lint run build bench fuzz deps screenshots

test: deps ## the full test suite, as CI runs it
	$(GO) test -race -count=1 ./...

# What the tests need besides Go: Debian's chromium, postgresql (started,
# with a role for the current user) and nginx-light, each installed only
# when missing (.ci/deps).
deps:
	@bash .ci/deps
	$(GO) mod download

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt -l lists:"; echo "$$out"; exit 1; fi

run:
	$(GO) run ./cmd/morningpost serve

build:
	sh .ci/build bin/morningpost

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# PNGs of the issue page and the editor's preview at phone (390px) and
# desktop (1280px) widths, taken with headless Chromium, into screenshots/.
screenshots: deps
	MORNINGPOST_SCREENSHOTS=$(CURDIR)/screenshots $(GO) test -count=1 -run '^TestScreenshots$$' ./cmd/morningpost

# Each fuzz target for FUZZTIME (default 1m); they also run as plain tests in make test.
# New inputs are minimised for at most FUZZMINTIME: Go's default of 60s per
# input leaves slow targets (loading, rendering) little time to explore.
FUZZMINTIME ?= 2s
FUZZTIME ?= 1m
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINTIME) $$pkg || exit 1; \
	  done; \
	done
