# ASTRE: `make run` starts the tool, `make test` runs every test.
GO ?= go
PKGS := ./...

.PHONY: run demo test build lint bench fuzz clean

run:
	$(GO) run ./cmd/astre serve --log-format console --allow-private-targets

demo:
	$(GO) run ./cmd/astre demo --log-format console

test: lint
	$(GO) test -race -count=1 $(PKGS)

build:
	$(GO) build -trimpath -o bin/astre ./cmd/astre

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)

# Each fuzz target runs FUZZTIME (CI: the default); failures are written to
# the package's testdata/fuzz/ and replay in every `make test` once committed.
# The default is a count of executions, not a duration: Go 1.26's fuzzing
# coordinator can report a spurious "context deadline exceeded" when a
# duration runs out while a worker is mid-input (golang/go#75804, fixed in
# Go 1.27). A count has no deadline to race. `make fuzz FUZZTIME=10m` for
# longer local runs.
FUZZTIME ?= 20000x
FUZZ_TARGETS := ./lti:FuzzValidate ./lti:FuzzValidateClaims ./tracker:FuzzParseInstrument ./tracker:FuzzSurveyForm

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 100x || exit 1; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

clean:
	rm -rf bin
