# Fugai (覆盖) — build, run and test. See README.md.
SHELL := /bin/bash
GO    ?= go
BIN   := bin/fugai
SWAG  := $(GO) tool swag init -g routes.go -d internal/httpapi --parseInternal --parseDependencyLevel 1 --requiredByDefault --outputTypes json,yaml --quiet

.PHONY: all build run test test-long web test-web fmt-check vet staticcheck openapi openapi-check fuzz bench bench-api bench-resolve bench-import bench-import-ab bench-coverage bench-search bench-load clean

all: build

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/fugai

## run: build and start the server on the embedded SQLite under ./data.
run: build
	./$(BIN) serve

## test: formatting, vet, staticcheck, a fresh OpenAPI spec, the web client
## (its bundle fresh, its unit tests, its browser tests in Chromium), then
## every Go test on SQLite and a throwaway PostgreSQL cluster (installed
## first when missing).
test: fmt-check vet staticcheck openapi-check test-web
	bash deployments/scripts/test-with-postgres.sh $(GO) test -count=1 ./...

## test-long: what takes minutes (build tag long; .ci/run runs it after
## make test): 300,000-row imports as CSV and xlsx into PostgreSQL and
## SQLite by `fugai import` child processes (every row accounted for, peak
## RSS under 300 MB, coverage counts equal a recount), and spreadsheet
## bombs failing while the process stays small.
test-long:
	bash deployments/scripts/test-with-postgres.sh $(GO) test -tags long -count=1 -timeout 60m -run '^TestLong' ./cmd/fugai/

## web: rebuild the web client's bundle (internal/web/dist, embedded in the
## binary) from its sources with the pinned npm packages. go build and make
## run need only the committed bundle.
web:
	cd internal/web && npm ci --no-audit --no-fund && npm run build

## test-web: the web client's bundle is what its sources build (npm ci,
## then a rebuild must leave internal/web/dist and the generated API types
## unchanged), its unit tests (Vitest), then the browser tests
## (internal/web/e2e): a real fugai server loaded with the samples and
## Debian's Chromium (installed first when missing, as root) driven by
## playwright-core; screenshots of every screen in internal/web/e2e/screenshots.
test-web: build
	cd internal/web && npm ci --no-audit --no-fund && npm run build
	@if ! git diff --quiet -- internal/web/dist internal/web/src/api/schema.ts || [ -n "$$(git ls-files --others --exclude-standard internal/web/dist)" ]; then \
		echo "internal/web/dist is stale: run 'make web' and commit the result"; git status --short internal/web; exit 1; fi
	cd internal/web && npm test
	CHROMIUM=$$(bash deployments/scripts/ensure-chromium.sh | tail -n 1) node internal/web/e2e/run.mjs $(abspath $(BIN))

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	$(GO) vet -tags long ./cmd/fugai/

## staticcheck: the checks of honnef.co/go/tools (pinned in go.mod as a
## tool), the long tests included.
staticcheck:
	$(GO) tool staticcheck ./...
	$(GO) tool staticcheck -tags long ./cmd/fugai/

## openapi: regenerate api/swagger.json and api/swagger.yaml from the annotations.
openapi:
	$(SWAG) -o api

## openapi-check: fail when the committed spec differs from the annotations.
openapi-check:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(SWAG) -o "$$tmp" >/dev/null && \
	if ! diff -q "$$tmp/swagger.json" api/swagger.json >/dev/null || ! diff -q "$$tmp/swagger.yaml" api/swagger.yaml >/dev/null; then \
		echo "api/swagger.* is stale: run 'make openapi' and commit the result"; diff -u api/swagger.json "$$tmp/swagger.json" | head -40; exit 1; \
	fi; echo "OpenAPI spec is up to date"

## fuzz: run every fuzz target for FUZZTIME (default 20s) each.
FUZZTIME ?= 20s
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzParseCreditCode$$' -fuzztime=$(FUZZTIME) ./internal/enterprise/
	$(GO) test -run='^$$' -fuzz='^FuzzResolve$$' -fuzztime=$(FUZZTIME) ./internal/division/
	$(GO) test -run='^$$' -fuzz='^FuzzNormalize$$' -fuzztime=$(FUZZTIME) ./internal/division/

## bench-api: in-process API latency on SQLite and PostgreSQL, with
## GET /healthz as the baseline of the same run.
bench-api:
	bash deployments/scripts/test-with-postgres.sh $(GO) test -run='^$$' -bench='^BenchmarkAPI$$' -benchmem -count=1 ./internal/httpapi/

## bench-resolve: address → township resolution, per address.
bench-resolve:
	$(GO) test -run='^$$' -bench='Resolve|NFKCBaseline|District' -benchmem -count=1 ./internal/division/

## bench-import: a synthetic 1,000,000-row export into PostgreSQL and SQLite,
## beside psql \copy + upsert of the same CSV (the database's floor).
## BENCH_ROWS sets the size; BENCH_CASES="pg sqlite" (of floor pg trgm xlsx
## sqlite) runs only those.
BENCH_ROWS ?= 1000000
bench-import:
	bash deployments/scripts/bench-import.sh $(BENCH_ROWS)

## bench-import-ab: the first import by the commit BENCH_BASE and by the
## working tree, alternated ABBA BENCH_PAIRS times (default 6) on one
## cluster, with each run's own and whole-machine CPU: is a change slower?
bench-import-ab:
	BENCH_ROWS=$(BENCH_ROWS) bash deployments/scripts/bench-import-ab.sh

## bench-coverage: 1,000,000 synthetic enterprises in PostgreSQL, then
## /coverage and gap pages under 16 concurrent clients beside /healthz.
## FUGAI_BENCH_ENTERPRISES and FUGAI_BENCH_SECONDS change the size and time.
bench-coverage:
	FUGAI_PG_REQUIRE_TESTS=0 bash deployments/scripts/test-with-postgres.sh $(GO) test -run='^$$' -bench='^BenchmarkCoverageLoad$$' -benchtime=1x -timeout=60m -count=1 ./internal/httpapi/

## bench-search: name search (q=) over 1,300,000 enterprises in PostgreSQL,
## by a scan (the baseline) and with the pg_trgm indexes, 16 clients.
bench-search:
	FUGAI_PG_REQUIRE_TESTS=0 bash deployments/scripts/test-with-postgres.sh $(GO) test -run='^$$' -bench='^BenchmarkNameSearch$$' -benchtime=1x -timeout=60m -count=1 ./internal/httpapi/

## bench-load: 100,000 enterprises in PostgreSQL under 64 clients for 60 s —
## 70 % reads, 20 % edits with If-Match, 10 % /coverage — beside /healthz;
## req/s, p50/p95/p99, errors, 412s and a lost-update check.
## FUGAI_BENCH_ENTERPRISES, FUGAI_BENCH_CLIENTS, FUGAI_BENCH_SECONDS.
bench-load:
	FUGAI_PG_REQUIRE_TESTS=0 bash deployments/scripts/test-with-postgres.sh $(GO) test -run='^$$' -bench='^BenchmarkMixedLoad$$' -benchtime=1x -timeout=60m -count=1 ./internal/httpapi/

bench: bench-resolve bench-api

clean:
	rm -rf bin
