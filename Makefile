# Lookout: `make run` opens the window, `make test` runs every check headless,
# `make package` builds the Linux desktop bundle in dist/, `make perf` measures
# the camera wall (docs/PERFORMANCE.md). All install the Debian packages they
# need when they are missing.
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
GO ?= go

# Build: cgo headers of FFmpeg (go-astiav), of X11/OpenGL (Fyne's GLFW) and
# of the talk path's echo canceller (audio/aec: Speex DSP, WebRTC's APM, g++).
# patchelf: .ci/build-lookout drops the libraries the program never calls.
DEB_BUILD := ca-certificates gcc g++ libc6-dev pkg-config libavdevice-dev libgl-dev libx11-dev \
	libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev libxcb-shm0-dev libxcb-shape0-dev \
	libspeexdsp-dev libwebrtc-audio-processing-dev patchelf
# Tests: reference decodes and fixtures (ffmpeg), a headless X server (xvfb,
# xauth, xdotool to press keys and click), a third-party MQTT broker (mosquitto)
# and certificates (openssl).
DEB_TEST := ffmpeg xvfb xauth mosquitto openssl x11-apps x11-utils xdotool openbox
# Packaging: fyne package archives with tar -J (xz).
DEB_PACKAGE := tar xz-utils
# Measuring: the test packages plus xwininfo (x11-utils) and, for the browser
# baseline measured next to the window, Debian's Chromium (.ci/measure-browser).
DEB_PERF := ffmpeg xvfb x11-apps x11-utils xdotool chromium

BIN := bin/lookout
FUZZTIME ?= 4s
DIST := dist
# The fyne CLI (fyne.io/tools), built from the Go module proxy. It is built in
# its own module directory with its own go.sum, since `go run
# fyne.io/tools/cmd/fyne@VERSION` first asks the proxy for the module's version
# list (deprecation check), which some proxies refuse.
FYNE_TOOLS := v1.7.0
FYNE := $(DIST)/.tools/fyne-$(FYNE_TOOLS)
APP_VERSION = $(shell sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)
PACKAGE = $(DIST)/lookout-$(APP_VERSION)-linux-$(shell uname -m).tar.xz

# Fyne's no_emoji tag leaves out its 4 MB colour emoji font, which Fyne
# parses into the Go heap once per text style (about 15 MB on the wall; no
# string of the UI needs it: ui.TestUITextNeedsNoEmojiFont).
TAGS := no_emoji

.PHONY: all run build test deps test-deps vet unit race fuzz check-imports check-go check-docs package perf soak clean

all: build

run: deps build
	./$(BIN)

build: deps
	GO=$(GO) ./.ci/build-lookout $(BIN) -tags $(TAGS)

test: deps test-deps vet check-imports check-go check-docs unit race fuzz

deps:
	@./.ci/apt-install $(DEB_BUILD)
	@command -v $(GO) >/dev/null || { echo "make: Go 1.25 or newer is needed (https://go.dev/dl); not found in PATH or /usr/local/go/bin" >&2; exit 1; }

test-deps:
	@./.ci/apt-install $(DEB_TEST)

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt would change:"; gofmt -l .; exit 1; }

# Fyne belongs to ui/ and cmd/ only, go-astiav (cgo FFmpeg) to player/ffmpeg
# only and malgo (cgo miniaudio) to audio/miniaudio only (STYLE.md); test
# files count too. The cgo echo-cancelling libraries belong to audio/aec only. The demo site never imports a protocol client package.
check-imports:
	@set -e; list=$$($(GO) list -f '{{.ImportPath}} {{join .Imports " "}} {{join .TestImports " "}} {{join .XTestImports " "}}' ./...); \
	bad=$$(awk '$$1 !~ /\/(ui|cmd)(\/|$$)/ && / fyne\.io\/fyne/ {print $$1}' <<<"$$list"); \
	if [ -n "$$bad" ]; then echo "Fyne imported outside ui/ and cmd/: $$bad" >&2; exit 1; fi; \
	bad=$$(awk '$$1 !~ /\/player\/ffmpeg$$/ && / github\.com\/asticode\/go-astiav( |$$)/ {print $$1}' <<<"$$list"); \
	if [ -n "$$bad" ]; then echo "go-astiav imported outside player/ffmpeg: $$bad" >&2; exit 1; fi; \
	bad=$$(awk '$$1 !~ /\/audio\/miniaudio$$/ && / github\.com\/gen2brain\/malgo( |$$)/ {print $$1}' <<<"$$list"); \
	if [ -n "$$bad" ]; then echo "malgo imported outside audio/miniaudio: $$bad" >&2; exit 1; fi; \
	bad=$$($(GO) list -f '{{.ImportPath}} {{join .CgoPkgConfig " "}}' ./... | \
		awk '$$1 !~ /\/audio\/aec$$/ && / (speexdsp|webrtc-audio-processing)( |$$)/ {print $$1}'); \
	if [ -n "$$bad" ]; then echo "speexdsp or webrtc-audio-processing bound outside audio/aec: $$bad" >&2; exit 1; fi; \
	bad=$$($(GO) list -f '{{.ImportPath}} {{join .Imports " "}}' ./session/demo/... | \
		awk '/ github\.com\/lookout-app\/lookout\/session\/(tuya|een|wcs|whep|trtc)( |$$)/ {print $$1}'); \
	if [ -n "$$bad" ]; then echo "the demo site imports a protocol client (it must be its own reading of the spec): $$bad" >&2; exit 1; fi

# The documented minimum Go is go.mod's, and no file is built only on a newer
# Go (the session retry tests need testing/synctest.Test, Go 1.25). No
# struct stores a context.Context (STYLE.md). Nothing outside tests decides
# by reading text (STYLE.md: errors.Is/As on sentinels mapped where a status
# is parsed): no strings.Contains/HasPrefix/HasSuffix/Cut/EqualFold/Index
# (or their kin) on an error's text (.Error()), on a value named for an
# error, message, info, reason, status, note, label or detail, or on a
# widget's .Text, and no comparison of .Error() with a string. Parsing SDP
# lines, MIME types, URLs and device ids names its values otherwise.
DECIDED_BY_TEXT := strings\.(Contains|ContainsAny|HasPrefix|HasSuffix|Cut|CutPrefix|CutSuffix|EqualFold|Index|IndexAny|LastIndex)\((strings\.(ToLower|ToUpper|TrimSpace)\()*([A-Za-z0-9_.]*(err|Err|error|Error|msg|Msg|message|Message|info|Info|reason|Reason|status|Status|note|Note|why|Why|label|Label|detail|Detail)|([A-Za-z_][A-Za-z0-9_]*\.)+Text[,)])|\.Error\(\) *[!=]= *"|" *[!=]= *[A-Za-z0-9_.]*\.Error\(\)
check-go:
	@want=$$(sed -n 's/^go \([0-9]*\.[0-9]*\).*/\1/p' go.mod); \
	grep -q "Go $$want or newer" README.md || { echo "README does not name go.mod's minimum, Go $$want" >&2; exit 1; }; \
	grep -q "Go $$want or newer" Makefile || { echo "Makefile does not name go.mod's minimum, Go $$want" >&2; exit 1; }; \
	bad=$$(git grep -lE '^//go:build.*go1\.[0-9]+' -- '*.go' || true); \
	if [ -n "$$bad" ]; then echo "files built only on some Go versions: $$bad" >&2; exit 1; fi; \
	bad=$$(git grep -nE '^\s+[A-Za-z_][A-Za-z0-9_]*(, *[A-Za-z_][A-Za-z0-9_]*)*\s+context\.Context\s*(//.*)?$$' -- '*.go' ':!*_test.go' || true); \
	if [ -n "$$bad" ]; then echo "a context.Context stored in a struct (STYLE.md): $$bad" >&2; exit 1; fi; \
	bad=$$(git grep -nE '$(DECIDED_BY_TEXT)' -- '*.go' ':!*_test.go' || true); \
	if [ -n "$$bad" ]; then echo "decided by reading text (use errors.Is/As on a sentinel or typed error, or keep the state in a field; STYLE.md):" >&2; echo "$$bad" >&2; exit 1; fi

# The repository documents itself: no pointer to files users do not have
# (../shared), and docs/CONFIG.md covers every account kind of the one list
# (session/kinds) with every key of each, required or not as the kind says.
check-docs:
	@bad=$$(git grep -l '\.\./shared' -- README.md docs || true); \
	if [ -n "$$bad" ]; then echo "documentation points outside the repository (../shared): $$bad" >&2; exit 1; fi
	$(GO) test -count=1 -run '^TestConfigDocsCoverEveryKind$$' ./session/kinds

# Tests marked t.Parallel (most of cmd/lookout's, which wait on real
# sessions, clocks and windows far more than they compute; its window tests
# take two slots at most) run TEST_PARALLEL at a time in each package rather
# than GOMAXPROCS (2 on a 2-core machine).
TEST_PARALLEL ?= 4

# go test runs the packages in the order they are named, GOMAXPROCS at a
# time. Named in alphabetical order (./...), ui, the second longest,
# started last and ran its two and a half minutes alone; named first, the
# longest ones start at once and the short ones fill the other slot.
SLOW_FIRST := ./cmd/lookout ./ui ./session ./session/check ./session/een

unit:
	LOOKOUT_REQUIRE_TOOLS=1 $(GO) test -count=1 -parallel $(TEST_PARALLEL) -timeout 30m $(SLOW_FIRST) ./...

# The race detector over the whole tree, with Fyne's fyne.Do
# migration checks on (FyneApp.toml sets fyneDo = true), as Fyne's own CI does.
race:
	LOOKOUT_REQUIRE_TOOLS=1 $(GO) test -race -tags migrated_fynedo -count=1 -parallel $(TEST_PARALLEL) -timeout 30m $(SLOW_FIRST) ./...

# Every Fuzz target of every package, a few seconds each, each package's
# fuzzing binary built once (see .ci/fuzz).
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) ./.ci/fuzz

# Linux bundle: usr/local/bin/lookout, the .desktop entry and the icon, with
# fyne's Makefile for `make user-install` or `sudo make install`. fyne package
# bumps Build in FyneApp.toml after packaging; the tracked file is restored.
package: deps $(FYNE)
	@./.ci/apt-install $(DEB_PACKAGE)
	GO=$(GO) LOOKOUT_LDFLAGS='-s -w' ./.ci/build-lookout $(DIST)/build/lookout -tags $(TAGS)
	@set -euo pipefail; keep="$(CURDIR)/$(DIST)/.FyneApp.toml.orig"; cp -p "$(CURDIR)/FyneApp.toml" "$$keep"; \
	trap 'cp -p "$$keep" "$(CURDIR)/FyneApp.toml" && rm -f "$$keep"' EXIT; \
	rm -f $(DIST)/Lookout.tar.xz; \
	(cd $(DIST) && "$(CURDIR)/$(FYNE)" package --target linux --src "$(CURDIR)" --executable "$(CURDIR)/$(DIST)/build/lookout")
	mv -f $(DIST)/Lookout.tar.xz $(PACKAGE)
	@set -euo pipefail; list=$$(tar -tJf $(PACKAGE)); \
	for want in 'bin/lookout$$' 'share/applications/app\.lookout\.desk\.desktop$$' 'share/pixmaps/app\.lookout\.desk\.png$$'; do \
		grep -qE "$$want" <<<"$$list" || { echo "package: $(PACKAGE) lacks $$want" >&2; exit 1; }; done; \
	desktop=$$(tar -xJOf $(PACKAGE) --wildcards '*/share/applications/app.lookout.desk.desktop'); \
	grep -qx 'Name=Lookout' <<<"$$desktop" && grep -qx 'Exec=lookout' <<<"$$desktop" && grep -qx 'Icon=app.lookout.desk' <<<"$$desktop" \
		|| { echo "package: unexpected desktop entry:" >&2; echo "$$desktop" >&2; exit 1; }; \
	echo "package: $(PACKAGE) ($$(du -h $(PACKAGE) | cut -f1))"; echo "$$list" | sed 's/^/  /'

$(FYNE):
	@mkdir -p $(dir $@)
	@set -euo pipefail; tmp=$$(mktemp -d); \
	dir=$$(cd "$$tmp" && $(GO) mod download -json fyne.io/tools@$(FYNE_TOOLS) | sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p'); \
	rmdir "$$tmp"; test -n "$$dir"; echo "building the fyne CLI fyne.io/tools@$(FYNE_TOOLS)"; \
	cd "$$dir" && $(GO) build -o "$(CURDIR)/$@" ./cmd/fyne

# The camera wall under Xvfb with 16 and 4 demo cameras, each followed in the
# same Xvfb by Chromium showing as many WHEP players of one MediaMTX stream
# (.ci/measure-browser; MediaMTX built from ../shared/thirdparty), the two
# printed side by side (docs/PERFORMANCE.md).
perf: deps
	@./.ci/apt-install $(DEB_PERF)
	./.ci/measure-wall --tiles 16
	./.ci/measure-wall --tiles 4

# 16 tiles for 10 minutes, RSS and CPU every 10 s: build/soak/soak.csv and
# soak.png (docs/PERFORMANCE.md). Not part of make test.
soak: deps
	@./.ci/apt-install $(DEB_PERF)
	./.ci/soak --tiles 16 --seconds 600 --out build/soak

clean:
	rm -rf bin build $(DIST)
