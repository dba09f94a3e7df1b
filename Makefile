# Lookout: `make run` opens the window, `make test` runs every check headless.
# Both install the Debian packages they need when they are missing.
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
GO ?= go

# Build: cgo headers of FFmpeg (go-astiav) and of X11/OpenGL (Fyne's GLFW).
DEB_BUILD := ca-certificates gcc libc6-dev pkg-config libavdevice-dev libgl-dev libx11-dev \
	libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
# Tests: reference decodes and fixtures (ffmpeg), a headless X server (xvfb,
# xauth), a third-party MQTT broker (mosquitto) and certificates (openssl).
DEB_TEST := ffmpeg xvfb xauth mosquitto openssl x11-apps

BIN := bin/lookout
FUZZTIME ?= 4s

.PHONY: all run build test deps test-deps vet unit fuzz check-imports clean

all: build

run: deps build
	./$(BIN)

build: deps
	$(GO) build -o $(BIN) ./cmd/lookout

test: deps test-deps vet check-imports unit fuzz

deps:
	@./.ci/apt-install $(DEB_BUILD)
	@command -v $(GO) >/dev/null || { echo "make: Go 1.24 or newer is needed (https://go.dev/dl); not found in PATH or /usr/local/go/bin" >&2; exit 1; }

test-deps:
	@./.ci/apt-install $(DEB_TEST)

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt would change:"; gofmt -l .; exit 1; }

# Fyne belongs to ui/ and cmd/ only (STYLE.md).
check-imports:
	@bad=$$($(GO) list -f '{{.ImportPath}} {{join .Imports " "}}' ./... | grep -v '/ui\b' | grep -v '/cmd/' | grep 'fyne.io/fyne' | cut -d' ' -f1); \
	if [ -n "$$bad" ]; then echo "Fyne imported outside ui/ and cmd/: $$bad" >&2; exit 1; fi

unit:
	$(GO) test -count=1 -timeout 30m ./...

# Every Fuzz target of every package, a few seconds each.
fuzz:
	@set -eo pipefail; grep -rlE --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u | while read -r pkg; do \
		for name in $$(grep -hoE '^func Fuzz[A-Za-z0-9_]*' $$pkg/*_test.go | cut -d' ' -f2); do \
			echo "fuzz $$pkg $$name $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg | tail -1; \
		done; done

clean:
	rm -rf bin
