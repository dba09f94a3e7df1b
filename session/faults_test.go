package session_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/demo"
	"github.com/lookout-app/lookout/session/tuya"
)

// The fault tests run real sessions (pion, FFmpeg, the Tuya client) against
// the demo site on loopback, break one thing, and wait for the tiles to
// notice and to recover. Their only bounds are generous deadlines that fail
// a test that never recovers; the times measured are logged (go test -v)
// and reported in docs/PERFORMANCE.md, never asserted.

// faultDeadline bounds each wait for a state: far above what recovery takes
// (seconds), so a loaded machine slows the test without failing it.
const faultDeadline = 45 * time.Second

// tile is one running session of a wall under test, with what it went
// through.
type tile struct {
	id     string
	s      *session.Session
	frames atomic.Int64 // pictures decoded
	done   chan error

	mu       sync.Mutex
	statuses []stamped
}

type stamped struct {
	at time.Time
	st session.Status
}

func (t *tile) PutFrame(*player.Frame) { t.frames.Add(1) }

func (t *tile) onStatus(st session.Status) {
	t.mu.Lock()
	t.statuses = append(t.statuses, stamped{time.Now(), st})
	t.mu.Unlock()
}

// since returns the statuses from index i on.
func (t *tile) since(i int) []stamped {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]stamped(nil), t.statuses[min(i, len(t.statuses)):]...)
}

func (t *tile) mark() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.statuses)
}

// wall is a demo site with one Tuya client and a session per camera.
type wall struct {
	site   *demo.Site
	client *tuya.Client
	tiles  []*tile
	cancel context.CancelFunc
}

// startWall starts a demo site with n cameras and a live session to each,
// decoding the sub stream scaled to 160x90 (cheap on a shared machine).
// Each option may change a session's configuration before it starts.
func startWall(t testing.TB, n int, cfg demo.Config, opts ...func(*session.Config)) *wall {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg.Cameras = n
	site, err := demo.Start(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(site.CAPEM())
	tlsCfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	client, err := tuya.New(tuya.Config{
		Endpoint: site.TuyaEndpoint(), ClientID: site.ClientID(), Secret: site.Secret(), UID: site.UID(),
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}, TLSConfig: tlsCfg,
	})
	if err != nil {
		cancel()
		_ = site.Close()
		t.Fatal(err)
	}
	w := &wall{site: site, client: client, cancel: cancel}
	t.Cleanup(w.close)
	for i := range n {
		tl := &tile{id: fmt.Sprintf("cam%d", i+1), done: make(chan error, 1)}
		sc := session.Config{
			Source: "demo/" + tl.id, ID: tl.id, Opener: client, Refresh: client.Refresh, Quality: session.QualitySub, Sink: tl,
			NewDecoder: func(m string) (player.Decoder, error) { return ffmpeg.NewDecoder(m) },
			Width:      160, Height: 90,
			OnStatus: tl.onStatus,
		}
		for _, o := range opts {
			o(&sc)
		}
		s, err := session.New(sc)
		if err != nil {
			t.Fatal(err)
		}
		tl.s = s
		w.tiles = append(w.tiles, tl)
		go func() { tl.done <- s.Run(ctx) }()
	}
	for _, tl := range w.tiles {
		w.await(t, tl, 0, "first picture", live)
	}
	return w
}

func (w *wall) close() {
	w.cancel()
	for _, tl := range w.tiles {
		<-tl.done
	}
	_ = w.client.Close()
	_ = w.site.Close()
}

func live(st session.Status) bool { return st.State == session.StateLive }

// await waits until tl publishes, from status index from on, a status that
// satisfies ok, and returns it with its time.
func (w *wall) await(t testing.TB, tl *tile, from int, what string, ok func(session.Status) bool) stamped {
	t.Helper()
	deadline := time.Now().Add(faultDeadline)
	for time.Now().Before(deadline) {
		for _, s := range tl.since(from) {
			if ok(s.st) {
				return s
			}
		}
		select {
		case err := <-tl.done:
			t.Fatalf("%s: session ended (%v) before %s", tl.id, err, what)
		case <-time.After(20 * time.Millisecond):
		}
	}
	var seen []string
	for _, s := range tl.since(from) {
		seen = append(seen, fmt.Sprintf("%s %q", s.st.State, s.st.Reason()))
	}
	t.Fatalf("%s: no %s within %s; states: %s", tl.id, what, faultDeadline, strings.Join(seen, ", "))
	return stamped{}
}

// rates measures the picture rate of each tile over d.
func (w *wall) rates(d time.Duration, tiles ...*tile) []float64 {
	before := make([]int64, len(tiles))
	for i, tl := range tiles {
		before[i] = tl.frames.Load()
	}
	time.Sleep(d)
	out := make([]float64, len(tiles))
	for i, tl := range tiles {
		out[i] = float64(tl.frames.Load()-before[i]) / d.Seconds()
	}
	return out
}

// timeline logs tl's states from index from on, timed from t0.
func timeline(t *testing.T, tl *tile, from int, t0 time.Time) {
	t.Helper()
	var b strings.Builder
	for _, s := range tl.since(from) {
		fmt.Fprintf(&b, "\n  +%6dms %s %s", s.at.Sub(t0).Milliseconds(), s.st.State, s.st.Reason())
	}
	t.Logf("%s:%s", tl.id, b.String())
}

// steady fails the test if tl left the live state since status index from.
func steady(t *testing.T, tl *tile, from int) {
	t.Helper()
	for _, s := range tl.since(from) {
		if s.st.State != session.StateLive {
			t.Errorf("%s left live during another tile's fault: %s %q", tl.id, s.st.State, s.st.Reason())
		}
	}
}

// TestFaultCameraHangs: a camera stops sending with its connection up. Its
// tile must turn to "no picture" (StateStalled, with the time of the last
// picture), retry, and be live again once the camera sends again, while the
// other tile keeps its picture rate.
func TestFaultCameraHangs(t *testing.T) {
	w := startWall(t, 2, demo.Config{})
	hung, other := w.tiles[0], w.tiles[1]
	m, mo := hung.mark(), other.mark()
	cam := w.site.Camera(hung.id)
	t0 := time.Now()
	cam.Hang(true)
	stalled := w.await(t, hung, m, "stalled state", func(st session.Status) bool { return st.State == session.StateStalled })
	if !errors.Is(stalled.st.Err, session.ErrNoPicture) || !strings.Contains(stalled.st.Reason(), "no picture since ") {
		t.Errorf("stalled with %q, want no picture since HH:MM:SS", stalled.st.Reason())
	}
	if stalled.st.LastPicture.IsZero() || stalled.st.LastPicture.Before(t0.Add(-time.Second)) {
		t.Errorf("LastPicture %s, want about %s", stalled.st.LastPicture, t0)
	}
	t.Logf("hang noticed after %s (StallTimeout %s)", stalled.at.Sub(t0).Round(time.Millisecond), session.DefaultStallTimeout)
	// The status bar counts only moving pictures: the session is not live.
	if st := hung.s.Status(); st.State == session.StateLive {
		t.Errorf("hung tile still live")
	}
	rate := w.rates(2*time.Second, other)[0]
	t.Logf("other tile during the fault: %.1f pictures/s", rate)
	if rate == 0 {
		t.Errorf("the other tile stalled during the fault")
	}
	m = hung.mark()
	t1 := time.Now()
	cam.Hang(false)
	back := w.await(t, hung, m, "live again", live)
	t.Logf("live again %s after the camera resumed", back.at.Sub(t1).Round(time.Millisecond))
	steady(t, other, mo)
}

// TestFaultNoKeyframe: a camera that never sends a keyframe gets repeated
// keyframe requests, then its tile shows a clear "no picture" state that
// says so, and the tile recovers once keyframes come.
func TestFaultNoKeyframe(t *testing.T) {
	w := startWall(t, 2, demo.Config{})
	tl := w.tiles[0]
	cam := w.site.Camera(tl.id)
	cam.WithholdKeyframes(true)
	m := tl.mark()
	cam.Reboot(0) // hang up: the next call starts without a keyframe
	stalled := w.await(t, tl, m, "a stall for want of a keyframe", func(st session.Status) bool {
		return st.State == session.StateStalled && strings.Contains(st.Reason(), "keyframe requests unanswered")
	})
	t.Logf("stalled: %q", stalled.st.Reason())
	var n int
	if _, err := fmt.Sscanf(stalled.st.Reason()[strings.LastIndex(stalled.st.Reason(), "(")+1:], "%d", &n); err != nil || n < 2 {
		t.Errorf("%q: want at least 2 keyframe requests", stalled.st.Reason())
	}
	m = tl.mark()
	t1 := time.Now()
	cam.WithholdKeyframes(false)
	back := w.await(t, tl, m, "live again", live)
	t.Logf("live again %s after keyframes resumed", back.at.Sub(t1).Round(time.Millisecond))
}

// TestFaultRebootAll: every camera of the wall reboots at once (viewers hung
// up, off the broker for a second). Every tile must come back on its own.
func TestFaultRebootAll(t *testing.T) {
	w := startWall(t, 4, demo.Config{})
	marks := make([]int, len(w.tiles))
	for i, tl := range w.tiles {
		marks[i] = tl.mark()
	}
	down := time.Second
	w.site.RebootAll(down)
	back := time.Now().Add(down)
	for i, tl := range w.tiles {
		w.await(t, tl, marks[i], "the reboot", func(st session.Status) bool { return st.State != session.StateLive })
	}
	for i, tl := range w.tiles {
		s := w.await(t, tl, marks[i], "live again", live)
		t.Logf("%s live again %s after its camera came back", tl.id, s.at.Sub(back).Round(time.Millisecond))
	}
}

// TestFaultCloudForgetsClient: the cloud forgets Lookout's MQTT client
// (credentials and client id, as after a restart of its side) while the
// tiles are live. A call that then gets no answer must refresh the
// credentials, and the tile must come back.
func TestFaultCloudForgetsClient(t *testing.T) {
	w := startWall(t, 2, demo.Config{})
	tl := w.tiles[0]
	cam := w.site.Camera(tl.id)
	w.site.ForgetViewers()
	m := tl.mark()
	t0 := time.Now()
	cam.Reboot(0) // the call ends; the next offer goes out with the forgotten id
	w.await(t, tl, m, "an unanswered offer", func(st session.Status) bool {
		return st.State == session.StateRetrying && errors.Is(st.Err, session.ErrTimeout)
	})
	s := w.await(t, tl, m, "live again", live)
	t.Logf("live again %s after the cloud forgot the client", s.at.Sub(t0).Round(time.Millisecond))
	timeline(t, tl, m, t0)
}

// TestFaultBrokerRestart: the MQTT broker restarts while the tiles are live.
// Media does not pass through the broker, so the tiles stay live; calls made
// after the restart (a camera reboots) must connect through the new broker.
func TestFaultBrokerRestart(t *testing.T) {
	w := startWall(t, 2, demo.Config{})
	tl, other := w.tiles[0], w.tiles[1]
	mo := other.mark()
	if err := w.site.RestartBroker(500 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	m := tl.mark()
	t0 := time.Now()
	w.site.Camera(tl.id).Reboot(0)
	s := w.await(t, tl, m, "live again", live)
	t.Logf("live again %s after a call through the restarted broker began", s.at.Sub(t0).Round(time.Millisecond))
	steady(t, other, mo)
}

// TestFaultCredentialsExpire: tokens and MQTT credentials that live four
// seconds are renewed before they expire; a call after they would have
// expired connects. Then every token and MQTT credential is made invalid at
// once (as after a machine slept past them): the next call's offer goes
// unanswered, the client fetches a new token and MQTT credentials, and the
// tile is live again.
func TestFaultCredentialsExpire(t *testing.T) {
	w := startWall(t, 1, demo.Config{TokenExpire: 4 * time.Second, MQTTExpire: 4 * time.Second})
	tl := w.tiles[0]
	time.Sleep(6 * time.Second)
	m := tl.mark()
	w.site.Camera(tl.id).Reboot(0)
	w.await(t, tl, m, "live again after expiry", live)
	for _, s := range tl.since(m) {
		if errors.Is(s.st.Err, session.ErrUnauthorized) {
			t.Errorf("refused after renewal: %q", s.st.Reason())
		}
	}

	w.site.ExpireCredentials()
	m = tl.mark()
	t0 := time.Now()
	w.site.Camera(tl.id).Reboot(0)
	s := w.await(t, tl, m, "live again after the credentials expired", live)
	t.Logf("live again %s after every credential expired", s.at.Sub(t0).Round(time.Millisecond))
	timeline(t, tl, m, t0)
	for _, s := range tl.since(m) {
		if s.st.State == session.StateFailed {
			t.Errorf("gave up: %q", s.st.Reason())
		}
	}
}

// garbageOpener answers every offer with garbage while garbage is set, and
// hands out the real client's calls otherwise.
type garbageOpener struct {
	session.Opener
	garbage atomic.Bool
}

type garbageCall struct{ session.Call }

func (garbageCall) Exchange(context.Context, string) (string, error) {
	return "v=0\r\no=garbage\r\n\x00\xff not sdp", nil
}

func (o *garbageOpener) Open(ctx context.Context, id string, q session.Quality) (session.Call, error) {
	c, err := o.Opener.Open(ctx, id, q)
	if err != nil || !o.garbage.Load() {
		return c, err
	}
	return garbageCall{c}, nil
}

// TestFaultGarbageAnswer: a server answering garbage gives a clear protocol
// error and retries, and the tile is live once the answers are sound again.
func TestFaultGarbageAnswer(t *testing.T) {
	w := startWall(t, 1, demo.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	op := &garbageOpener{Opener: w.client}
	op.garbage.Store(true)
	tl := &tile{id: "cam1", done: make(chan error, 1)}
	s, err := session.New(session.Config{
		Source: "demo/cam1", ID: "cam1", Opener: op, Quality: session.QualitySub, Sink: tl,
		NewDecoder: func(m string) (player.Decoder, error) { return ffmpeg.NewDecoder(m) },
		Width:      160, Height: 90, OnStatus: tl.onStatus,
	})
	if err != nil {
		t.Fatal(err)
	}
	go func() { tl.done <- s.Run(ctx) }()
	defer func() { cancel(); <-tl.done }()
	bad := w.await(t, tl, 0, "a protocol error", func(st session.Status) bool {
		return st.State == session.StateRetrying && errors.Is(st.Err, session.ErrProtocol)
	})
	t.Logf("garbage answer: %q", bad.st.Reason())
	op.garbage.Store(false)
	w.await(t, tl, tl.mark(), "live once answers are sound", live)
}

// TestFaultLossyPath: 5% and 20% loss each way with 200 ms round trip (the
// demo's impairment at the cameras' RTP stack). Pictures must keep coming
// (NACK, keyframe requests), and once the path is clean every tile must be
// live.
func TestFaultLossyPath(t *testing.T) {
	w := startWall(t, 2, demo.Config{})
	for _, tc := range []struct {
		name string
		loss float64
	}{
		{"5% loss, 200 ms RTT", 0.05},
		{"20% loss, 200 ms RTT", 0.20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			marks := []int{w.tiles[0].mark(), w.tiles[1].mark()}
			w.site.Impair(tc.loss, 100*time.Millisecond)
			time.Sleep(time.Second)
			rates := w.rates(4*time.Second, w.tiles...)
			w.site.Impair(0, 0)
			t.Logf("pictures/s under %s: %.1f, %.1f (camera sends 25)", tc.name, rates[0], rates[1])
			for i, r := range rates {
				if r == 0 {
					t.Errorf("%s showed no picture for 4 s", w.tiles[i].id)
				}
			}
			for i, tl := range w.tiles {
				stalls := 0
				for _, s := range tl.since(marks[i]) {
					if s.st.State == session.StateStalled {
						stalls++
					}
				}
				t.Logf("%s: %d stalls, %d keyframe requests", tl.id, stalls, tl.s.Stats().KeyframeRequests)
				if tl.s.Status().State != session.StateLive {
					w.await(t, tl, marks[i], "live on a clean path", live)
				}
			}
		})
	}
}

// TestFaultICEBlocked: a camera drops off the network: its ICE/UDP path is
// cut both ways (STUN connectivity checks, DTLS and media alike) while its
// signaling stays up and it still answers offers. Its tile must leave live
// with a clear reason and never claim live while the path is cut, retry,
// and be live again soon after the path returns, whether it returns while
// a new attempt is still checking or after one found no path; the other
// tile keeps its picture rate throughout. The times are logged (go test -v
// -run FaultICE).
func TestFaultICEBlocked(t *testing.T) {
	w := startWall(t, 2, demo.Config{})
	blocked, other := w.tiles[0], w.tiles[1]
	cam := w.site.Camera(blocked.id)
	base := w.rates(2*time.Second, other)[0]
	mo := other.mark()
	for _, tc := range []struct {
		name string
		// untilNoPath keeps the path cut until an attempt's checks have
		// found no path (ErrNoPath); otherwise it returns while the
		// attempt after the stall is still checking.
		untilNoPath bool
	}{
		{"path returns while an attempt checks", false},
		{"path returns after an attempt found no path", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := blocked.mark()
			frames := other.frames.Load()
			t0 := time.Now()
			cam.BlockPath(true)
			left := w.await(t, blocked, m, "leaving live", func(st session.Status) bool { return st.State != session.StateLive })
			switch {
			case left.st.State == session.StateStalled && errors.Is(left.st.Err, session.ErrNoPicture):
			case errors.Is(left.st.Err, session.ErrNoPath):
			default:
				t.Errorf("left live as %s %q, want a stall (no picture) or no network path", left.st.State, left.st.Reason())
			}
			t.Logf("path cut noticed after %s: %s %q", left.at.Sub(t0).Round(time.Millisecond), left.st.State, left.st.Reason())
			if tc.untilNoPath {
				checking := w.await(t, blocked, m, "a new attempt checking", func(st session.Status) bool { return st.State == session.StateICE })
				failed := w.await(t, blocked, m, "an attempt finding no path", func(st session.Status) bool {
					return st.State == session.StateRetrying && errors.Is(st.Err, session.ErrNoPath)
				})
				t.Logf("ICE failure of a new attempt noticed %s after it began checking: %q",
					failed.at.Sub(checking.at).Round(time.Millisecond), failed.st.Reason())
			} else {
				time.Sleep(3 * time.Second) // the tile retries; its new attempt gets an answer but no path
			}
			m2 := blocked.mark()
			t1 := time.Now()
			cam.BlockPath(false)
			rate := float64(other.frames.Load()-frames) / t1.Sub(t0).Seconds()
			t.Logf("other tile: %.1f pictures/s before the fault, %.1f during it", base, rate)
			if rate < base/2 {
				t.Errorf("the other tile slowed from %.1f to %.1f pictures/s during the fault", base, rate)
			}
			for _, s := range blocked.since(m)[:m2-m] {
				if s.st.State == session.StateLive {
					t.Errorf("claimed live at +%s while its path was cut", s.at.Sub(t0).Round(time.Millisecond))
				}
			}
			back := w.await(t, blocked, m2, "live again", live)
			recovered := back.at.Sub(t1)
			t.Logf("live again %s after the path returned", recovered.Round(time.Millisecond))
			timeline(t, blocked, m, t0)
			if recovered > iceRecoveryBound {
				t.Errorf("live again only %s after the path returned, want within %s", recovered.Round(time.Millisecond), iceRecoveryBound)
			}
		})
	}
	if cam.BlockedPackets() == 0 {
		t.Errorf("the cut dropped no packet")
	}
	steady(t, other, mo)
}

// iceRecoveryBound is the generous bound on recovery once a camera's path
// returns (the issue asks for 3 s; a loaded machine gets more).
const iceRecoveryBound = 10 * time.Second
