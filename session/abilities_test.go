package session_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
)

// loopCall is a call answered by a real pion peer on loopback. Its plan is
// the test's: what the session does with the call follows from the plan
// alone.
type loopCall struct {
	plan   session.Plan
	remote *webrtc.PeerConnection
	// mangle, when set, spoils the answer (for RepairAnswer to mend).
	mangle func(string) string
	offers chan<- string // every offer Exchange got
	// packets counts the RTP packets the remote peer receives.
	packets *atomic.Int64
}

func newLoopCall(t *testing.T, plan session.Plan, offers chan<- string) *loopCall {
	t.Helper()
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	c := &loopCall{plan: plan, remote: pc, offers: offers, packets: &atomic.Int64{}}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
			c.packets.Add(1)
		}
	})
	return c
}

func (c *loopCall) Plan() session.Plan { return c.plan }

func (c *loopCall) Exchange(ctx context.Context, offer string) (string, error) {
	select {
	case c.offers <- offer:
	default:
	}
	if err := c.remote.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", err
	}
	answer, err := c.remote.CreateAnswer(nil)
	if err != nil {
		return "", err
	}
	gathered := webrtc.GatheringCompletePromise(c.remote)
	if err := c.remote.SetLocalDescription(answer); err != nil {
		return "", err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	sdp := c.remote.LocalDescription().SDP
	if c.mangle != nil {
		sdp = c.mangle(sdp)
	}
	return sdp, nil
}

func (c *loopCall) Close() error { return c.remote.Close() }

// loopOpener opens a new loopCall per attempt, its plan made by plan.
type loopOpener struct {
	t      *testing.T
	plan   func(c *loopCall) session.Plan
	mangle func(string) string
	offers chan string

	mu    sync.Mutex
	calls []*loopCall
}

func (o *loopOpener) Open(context.Context, string, session.Quality) (session.Call, error) {
	c := newLoopCall(o.t, session.Plan{}, o.offers)
	c.plan, c.mangle = o.plan(c), o.mangle
	o.mu.Lock()
	o.calls = append(o.calls, c)
	o.mu.Unlock()
	return c, nil
}

// speakerPlan is an audio-only plan: live once connected, no picture to
// wait for.
func speakerPlan() session.Plan {
	return session.Plan{Audio: webrtc.RTPTransceiverDirectionRecvonly, AudioCodecs: []string{webrtc.MimeTypeOpus}, Talk: session.TalkNone}
}

// runToState runs a session of op until a status satisfies want (or 15 s
// pass), and returns that status and the session, still running; stop
// ends it.
func runToState(t *testing.T, op session.Opener, want func(session.Status) bool) (st session.Status, s *session.Session, stop func()) {
	t.Helper()
	got := make(chan session.Status, 1)
	var once sync.Once
	s, err := session.New(session.Config{
		Source: "loop/speaker", ID: "speaker", Opener: op, Sink: player.NewLatest(), NewDecoder: noDecoder,
		MinBackoff: time.Hour, ConnectTimeout: 10 * time.Second,
		NewAudioEncoder: func(m string, in audio.Format, n int) (session.AudioEncoder, error) {
			return ffmpeg.NewAudioEncoder(m, in, n)
		},
		OnStatus: func(st session.Status) {
			if want(st) {
				once.Do(func() { got <- st })
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	stop = func() {
		cancel()
		<-done
	}
	select {
	case st = <-got:
	case <-time.After(15 * time.Second):
		last := s.Status()
		stop()
		t.Fatalf("no such status within 15 s; last %s %q", last.State, last.Reason())
	}
	return st, s, stop
}

func isLive(st session.Status) bool { return st.State == session.StateLive }

// TestAbilitiesTrickle: a plan without Trickle gathers every candidate
// into the offer before Exchange; a plan with Trickle sends the offer at
// once and its candidates through Trickle.Send, ending with an empty one.
// Both connect to a real pion peer.
func TestAbilitiesTrickle(t *testing.T) {
	t.Run("gathered", func(t *testing.T) {
		op := &loopOpener{t: t, offers: make(chan string, 1), plan: func(*loopCall) session.Plan { return speakerPlan() }}
		_, _, stop := runToState(t, op, isLive)
		defer stop()
		offer := <-op.offers
		if !strings.Contains(offer, "a=candidate:") {
			t.Fatalf("the offer of a plan without Trickle carries no candidate:\n%s", offer)
		}
	})
	t.Run("trickled", func(t *testing.T) {
		var sent, ended atomic.Int32
		op := &loopOpener{t: t, offers: make(chan string, 1)}
		op.plan = func(c *loopCall) session.Plan {
			p := speakerPlan()
			remote := make(chan webrtc.ICECandidateInit)
			close(remote) // the answer carries the remote candidates
			p.Trickle = &session.Trickle{
				Send: func(_ context.Context, cand webrtc.ICECandidateInit) error {
					if cand.Candidate == "" {
						ended.Add(1)
						return nil
					}
					sent.Add(1)
					return c.remote.AddICECandidate(cand)
				},
				Remote: func() <-chan webrtc.ICECandidateInit { return remote },
			}
			return p
		}
		_, _, stop := runToState(t, op, isLive)
		defer stop()
		offer := <-op.offers
		if strings.Contains(offer, "a=candidate:") {
			t.Fatalf("the offer of a trickling plan carries candidates:\n%s", offer)
		}
		deadline := time.Now().Add(5 * time.Second)
		for ended.Load() == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if sent.Load() == 0 || ended.Load() != 1 {
			t.Fatalf("%d candidates trickled, %d ends of gathering; want some, then one end", sent.Load(), ended.Load())
		}
	})
}

// TestAbilitiesShapeAndRepair: ShapeOffer rewrites the offer Exchange
// sends, RepairAnswer mends an answer pion would refuse; without
// RepairAnswer the same answer fails the attempt as a protocol error.
func TestAbilitiesShapeAndRepair(t *testing.T) {
	spoil := func(sdp string) string { return "spoiled" + sdp }
	t.Run("repaired", func(t *testing.T) {
		op := &loopOpener{t: t, offers: make(chan string, 1), mangle: spoil}
		op.plan = func(*loopCall) session.Plan {
			p := speakerPlan()
			p.ShapeOffer = func(sdp string) (string, error) { return sdp + "a=x-shaped:1\r\n", nil }
			p.RepairAnswer = func(_, answer string) (string, error) { return strings.TrimPrefix(answer, "spoiled"), nil }
			return p
		}
		_, _, stop := runToState(t, op, isLive)
		defer stop()
		if offer := <-op.offers; !strings.HasSuffix(offer, "a=x-shaped:1\r\n") {
			t.Fatalf("Exchange got an offer ShapeOffer did not shape:\n%s", offer)
		}
	})
	t.Run("not repaired", func(t *testing.T) {
		op := &loopOpener{t: t, offers: make(chan string, 1), mangle: spoil, plan: func(*loopCall) session.Plan { return speakerPlan() }}
		st, _, stop := runToState(t, op, func(st session.Status) bool { return st.State == session.StateRetrying })
		defer stop()
		if !errors.Is(st.Err, session.ErrProtocol) {
			t.Fatalf("a spoiled answer without RepairAnswer: %v, want ErrProtocol", st.Err)
		}
	})
}

// TestAbilitiesHangupAndReport: a plan's Hangup ends a live attempt with
// its Err; its Report is what Session.ServerReport says, and a plan
// without Report says nothing.
func TestAbilitiesHangupAndReport(t *testing.T) {
	hungUp := make(chan struct{})
	why := fmt.Errorf("%w: the camera ended the call", session.ErrHangup)
	op := &loopOpener{t: t, offers: make(chan string, 1)}
	op.plan = func(*loopCall) session.Plan {
		p := speakerPlan()
		p.Hangup = &session.Hangup{Done: func() <-chan struct{} { return hungUp }, Err: func() error { return why }}
		p.Report = func() session.ServerReport { return session.ServerReport{Status: "PLAYING", FPS: 25} }
		return p
	}
	_, s, stop := runToState(t, op, isLive)
	defer stop()
	if rep, ok := s.ServerReport(); !ok || rep.Status != "PLAYING" || rep.FPS != 25 {
		t.Fatalf("ServerReport = %+v, %v; want the plan's report", rep, ok)
	}
	ended := make(chan session.Status, 1)
	go func() {
		for s.Status().State == session.StateLive {
			time.Sleep(5 * time.Millisecond)
		}
		ended <- s.Status()
	}()
	close(hungUp)
	select {
	case st := <-ended:
		if !errors.Is(st.Err, session.ErrHangup) || !errors.Is(st.Err, why) {
			t.Fatalf("after the hang-up: %s %v, want the plan's Hangup.Err", st.State, st.Err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a live attempt did not end when its plan's Hangup was done")
	}

	plain := &loopOpener{t: t, offers: make(chan string, 1), plan: func(*loopCall) session.Plan { return speakerPlan() }}
	_, s2, stop2 := runToState(t, plain, isLive)
	defer stop2()
	if rep, ok := s2.ServerReport(); ok {
		t.Fatalf("ServerReport = %+v without a Report in the plan", rep)
	}
}

// toneMic is a microphone paced in real time playing a 440 Hz tone.
type toneMic struct {
	f       audio.Format
	started time.Time
	read    int
}

func (m *toneMic) Format() audio.Format { return m.f }
func (m *toneMic) Close() error         { return nil }

func (m *toneMic) Read(ctx context.Context, p []int16) (int, error) {
	if m.started.IsZero() {
		m.started = time.Now()
	}
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(time.Until(m.started.Add(m.f.Duration(m.read + len(p))))):
	}
	for i := range p {
		p[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(m.read+i)/float64(m.f.SampleRate)))
	}
	m.read += len(p)
	return len(p), nil
}

// TestAbilitiesPublish: a plan with Publish takes talk over a second call
// and peer connection (send-only, from the publish call's own plan) while
// the play connection goes on; a plan without it and without a talk
// direction cannot take talk.
func TestAbilitiesPublish(t *testing.T) {
	pubs := &loopOpener{t: t, offers: make(chan string, 1), plan: func(*loopCall) session.Plan {
		return session.Plan{Audio: webrtc.RTPTransceiverDirectionSendonly, AudioCodecs: []string{webrtc.MimeTypeOpus}, Talk: session.TalkFull}
	}}
	op := &loopOpener{t: t, offers: make(chan string, 1)}
	op.plan = func(*loopCall) session.Plan {
		p := speakerPlan()
		p.Talk = session.TalkFull
		p.Publish = func(ctx context.Context) (session.Call, error) { return pubs.Open(ctx, "talk", session.QualityMain) }
		return p
	}
	_, s, stop := runToState(t, op, isLive)
	defer stop()
	if ok, why := s.CanTalk(); !ok {
		t.Fatalf("CanTalk = false (%s) with Publish in the plan", why)
	}
	ctx, release := context.WithTimeout(context.Background(), 3*time.Second)
	defer release()
	if err := s.Talk(ctx, &toneMic{f: audio.Format{SampleRate: 48000, Channels: 1}}); err != nil {
		t.Fatalf("Talk = %v", err)
	}
	pubs.mu.Lock()
	calls := append([]*loopCall(nil), pubs.calls...)
	pubs.mu.Unlock()
	if len(calls) != 1 {
		t.Fatalf("%d publish calls for one talk, want 1", len(calls))
	}
	if n := calls[0].packets.Load(); n < 20 {
		t.Fatalf("the publishing peer got %d RTP packets in 3 s of talk, want the talk", n)
	}
	if s.Status().State != session.StateLive {
		t.Fatalf("the play connection is %s after the talk, want it live throughout", s.Status().State)
	}

	plain := &loopOpener{t: t, offers: make(chan string, 1), plan: func(*loopCall) session.Plan {
		p := speakerPlan()
		p.Talk = session.TalkFull // says it talks, but neither sends nor publishes
		return p
	}}
	_, s2, stop2 := runToState(t, plain, isLive)
	defer stop2()
	if ok, _ := s2.CanTalk(); ok {
		t.Fatal("CanTalk = true for a plan with no talk direction and no Publish")
	}
}
