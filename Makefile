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
FUZZTIME ?= 10s
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
