package een_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/session"
	eendemo "github.com/lookout-app/lookout/session/demo/een"
)

// liveMic is a microphone held for a while: Read delivers the tone as it
// is "recorded", in real time, and what nobody read within 20 ms is lost,
// as with a sound card's buffer. It ends (io.EOF) dur after the first Read.
type liveMic struct {
	f   audio.Format
	hz  float64
	dur time.Duration

	mu    sync.Mutex
	start time.Time
	pos   int // next sample
}

func (m *liveMic) Format() audio.Format { return m.f }
func (m *liveMic) Close() error         { return nil }

func (m *liveMic) Read(ctx context.Context, p []int16) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if m.start.IsZero() {
		m.start = now
	}
	end := m.f.Samples(m.dur)
	if lost := m.f.Samples(now.Sub(m.start)) - m.f.Samples(20*time.Millisecond); m.pos < lost {
		m.pos = lost
	}
	if m.pos >= end {
		return 0, io.EOF
	}
	n := min(len(p), end-m.pos)
	for i := range n {
		p[i] = int16(0.25 * 32767 * math.Sin(2*math.Pi*m.hz*float64(m.pos+i)/float64(m.f.SampleRate)))
	}
	m.pos += n
	if d := time.Until(m.start.Add(time.Duration(m.pos) * time.Second / time.Duration(m.f.SampleRate))); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return n, ctx.Err()
		}
	}
	if m.pos >= end {
		return n, io.EOF
	}
	return n, nil
}

// testLog writes log lines to the test's log.
type testLog struct{ t *testing.T }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// TestTalkOutlastsTheSession holds talk to the one-caller lobby speaker
// through the ends of its sessions: the edge's cap cut to 8 s (known to the
// client, or not), a "disconnect", a dropped socket. The speaker must hear
// the talk with no gap of 1 s or more, and never two sessions at once.
// The four cases, each with its own edge, talk at the same time; the
// goroutines are counted once all of them have ended.
func TestTalkOutlastsTheSession(t *testing.T) {
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) })
	for _, tc := range []struct {
		name      string
		edgeCap   time.Duration // the edge's cap
		clientCap time.Duration // what the client believes (0: 10 minutes)
		talk      time.Duration
		heard     time.Duration // the speaker hears at least this much
		cut       func(*eendemo.Server) int
		ends      []string // why each session but the last ended
	}{
		{name: "cap cut to 8 s, known to the client", edgeCap: 8 * time.Second, clientCap: 8 * time.Second,
			talk: 20 * time.Second, heard: 18 * time.Second, ends: []string{"client", "client"}},
		{name: "cap cut to 8 s, the edge ends the session", edgeCap: 8 * time.Second,
			talk: 20 * time.Second, heard: 18 * time.Second, ends: []string{"cap", "cap"}},
		{name: "disconnect", talk: 8 * time.Second, heard: 7 * time.Second, ends: []string{"disconnect"},
			cut: func(s *eendemo.Server) int { return s.Disconnect("lobby") }},
		{name: "dropped socket", talk: 8 * time.Second, heard: 7 * time.Second, ends: []string{"dropped"},
			cut: func(s *eendemo.Server) int { return s.Drop("lobby") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startEdge(t, eendemo.Config{SessionCap: tc.edgeCap})
			defer func() { _ = srv.Close() }()
			c := newClient(t, srv, srv.Token(), tc.clientCap)
			ctx, cancel := context.WithTimeout(context.Background(), tc.talk+30*time.Second)
			defer cancel()
			cfg := sessionConfig(c, "lobby", &heard{})
			cfg.Logger = slog.New(slog.NewTextHandler(testLog{t}, nil))
			var smu sync.Mutex
			var states []session.State // what a tile would show
			cfg.OnStatus = func(st session.Status) {
				smu.Lock()
				states = append(states, st.State)
				smu.Unlock()
			}
			r, err := session.NewRelay(cfg, 0)
			if err != nil {
				t.Fatal(err)
			}
			sp := srv.Speaker("lobby")
			if tc.cut != nil {
				go func() {
					for ctx.Err() == nil {
						if recs := sp.Sessions(); len(recs) == 1 && recs[0].Packets > 100 { // 2 s of talk
							if n := tc.cut(srv); n != 1 {
								t.Errorf("cut %d sessions", n)
							}
							return
						}
						time.Sleep(10 * time.Millisecond)
					}
				}()
			}
			mic := &liveMic{f: audio.Format{SampleRate: 16000, Channels: 1}, hz: 800, dur: tc.talk}
			if err := r.Talk(ctx, mic); err != nil {
				t.Fatalf("talk ended with %v (%s)", err, session.Reason(err))
			}
			_ = srv.Close()
			smu.Lock()
			lives := 0
			for _, st := range states {
				if st == session.StateLive {
					lives++
				}
				if st == session.StateFailed || st == session.StateClosed {
					t.Errorf("the tile was told %v mid-talk: %v", st, states)
				}
			}
			smu.Unlock()
			recs := sp.Sessions()
			if lives != len(recs) {
				t.Errorf("the tile was told live %d times for %d sessions: %v", lives, len(recs), states)
			}
			if len(recs) != len(tc.ends)+1 {
				t.Fatalf("%d sessions, want %d", len(recs), len(tc.ends)+1)
			}
			var total int
			for i, rec := range recs {
				total += len(rec.Audio)
				if i < len(tc.ends) && rec.EndReason != tc.ends[i] {
					t.Errorf("session %d ended by %q, want %q", i, rec.EndReason, tc.ends[i])
				}
				if i == 0 {
					continue
				}
				if rec.Created.Before(recs[i-1].Ended) {
					t.Errorf("session %d was created while session %d was open", i, i-1)
				}
				gap := rec.First.Sub(recs[i-1].Last)
				t.Logf("session %d: the speaker heard nothing for %s", i, gap.Round(time.Millisecond))
				if gap >= time.Second {
					t.Errorf("session %d: gap %s at the speaker, want under 1 s", i, gap)
				}
			}
			got := time.Duration(total) * time.Second / time.Duration(recs[0].Rate)
			n, gaps := r.Renewals()
			t.Logf("held %s, the speaker heard %s in %d sessions; relay gaps %v", tc.talk, got.Round(time.Millisecond), len(recs), gaps)
			if got < tc.heard {
				t.Errorf("heard %s of a %s talk, want at least %s", got, tc.talk, tc.heard)
			}
			if n != len(recs)-1 {
				t.Errorf("%d renewals for %d sessions", n, len(recs))
			}
			for i, g := range gaps {
				if g >= time.Second {
					t.Errorf("move %d: the microphone was between sessions %s", i, g)
				}
			}
			if got := audio.DominantFrequency(recs[len(recs)-1].Audio, recs[0].Rate); math.Abs(got-800)/800 > 0.02 {
				t.Errorf("the last session heard %.1f Hz, want 800 Hz", got)
			}
		})
	}
}
