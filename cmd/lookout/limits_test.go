package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/config"
)

// dialCounter is a log handler that counts the demo site's refusals of
// one device's webrtc-configs: the dials of that device.
type dialCounter struct {
	device string
	n      *atomic.Int64
}

func (h dialCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h dialCounter) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h dialCounter) WithGroup(string) slog.Handler            { return h }
func (h dialCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "demo openapi: error" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "path" && strings.HasSuffix(a.Value.String(), "/devices/"+h.device+"/webrtc-configs") {
			h.n.Add(1)
		}
		return true
	})
	return nil
}

// TestOfflineCameraIsNotHammered: three tiles of the demo's offline Attic
// camera, run for 6 s as a wall runs them (no FailFast) through the
// account built by buildAccount, dial it once: the account's directory,
// asked at most every 30 s, has not listed it back. Meanwhile a tile of an
// online camera of the same account goes live. Before the gate each tile
// dialled it about every 1.5 s (65 times in 90 s).
func TestOfflineCameraIsNotHammered(t *testing.T) {
	t.Parallel()
	dials := &atomic.Int64{}
	log := slog.New(dialCounter{device: "attic", n: dials})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &workspace{}
	if err := w.startDemo(ctx, log); err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	acc, _, err := w.find("demo/attic")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var live atomic.Bool
	run := func(id string) {
		s, err := session.New(session.Config{Source: "demo/" + id, ID: id, Opener: acc.opener, Sink: player.NewLatest(),
			NewDecoder: newDecoder, OnStatus: func(st session.Status) {
				if st.State == session.StateLive && id == "cam1" {
					live.Store(true)
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { _ = s.Run(ctx) })
	}
	for _, id := range []string{"attic", "attic", "attic", "cam1"} {
		run(id)
	}
	time.Sleep(6 * time.Second)
	cancel()
	wg.Wait()
	if n := dials.Load(); n < 1 || n > 1 {
		t.Fatalf("the offline camera was dialled %d times in 6 s by 3 tiles, want once (no directory check since listed it back)", n)
	}
	if !live.Load() {
		t.Fatal("the online camera of the same account never went live")
	}
}

// TestAccountRequestsAreLimited: 16 failing tiles of one account built by
// buildAccount (WHEP streams whose server answers 500 to everything) make
// no more requests in 3 s than the account's limit allows: its burst and
// 3 s of its rate. Unlimited, each tile would try about four times (two
// requests each) in that time.
func TestAccountRequestsAreLimited(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "overloaded", http.StatusInternalServerError)
	}))
	defer srv.Close()
	a := config.Account{Name: "media", Kind: "whep"}
	for i := range 16 {
		name := fmt.Sprintf("cam%d", i+1)
		a.WHEPStreams = append(a.WHEPStreams, config.WHEPStream{Name: name, URL: srv.URL + "/" + name + "/whep"})
	}
	acc, err := buildAccount(a, &tls.Config{MinVersion: tls.VersionTLS12}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer acc.close()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, st := range a.WHEPStreams {
		s, err := session.New(session.Config{Source: "media/" + st.Name, ID: st.Name, Opener: acc.opener, Sink: player.NewLatest(), NewDecoder: newDecoder})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { _ = s.Run(ctx) })
	}
	const window = 3 * time.Second
	time.Sleep(window)
	cancel()
	wg.Wait()
	allowed := session.DefaultAccountBurst + int(session.DefaultAccountRate*window.Seconds()) + 1
	if n := calls.Load(); n > int64(allowed) {
		t.Fatalf("16 failing tiles made %d requests in %s, want at most %d", n, window, allowed)
	}
	t.Logf("16 failing tiles: %d requests in %s (limit %d)", calls.Load(), window, allowed)
}
