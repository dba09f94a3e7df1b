package videofeed

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeEncoder makes access units that name their picture: an IDR (with SPS
// and PPS) every keyEvery pictures and when forced, a P slice otherwise,
// each followed by the picture's number and the first luma byte drawn.
type fakeEncoder struct {
	keyEvery int
	n        int
	calls    *atomic.Int64
}

func (e *fakeEncoder) Encode(img *image.YCbCr, force bool) ([][]byte, error) {
	e.calls.Add(1)
	var au []byte
	if force || e.n%e.keyEvery == 0 {
		au = []byte{0, 0, 0, 1, 0x67, 1, 0, 0, 0, 1, 0x68, 2, 0, 0, 1, 0x65}
	} else {
		au = []byte{0, 0, 1, 0x41}
	}
	au = binary.BigEndian.AppendUint32(au, uint32(e.n))
	au = append(au, img.Y[0])
	e.n++
	return [][]byte{au}, nil
}

func (e *fakeEncoder) Close() error { return nil }

// got is an access unit a sink received, with its capture time.
type got struct {
	au []byte
	at time.Time
}

// recordSink keeps what a subscription sends it.
type recordSink struct {
	mu  sync.Mutex
	aus []got
}

func (r *recordSink) WriteSample(s media.Sample, captured time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.aus = append(r.aus, got{append([]byte(nil), s.Data...), captured})
	return nil
}

func (r *recordSink) got() []got {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]got(nil), r.aus...)
}

// newHub returns a hub of fake encoders that count their Encode calls; its
// test picture's first luma byte is the picture's name's first letter.
func newHub(t *testing.T, loop int, keyEvery int) (*Hub, *atomic.Int64) {
	t.Helper()
	calls := &atomic.Int64{}
	h, err := New(Config{
		NewEncoder: func(int, int, int) (Encoder, error) {
			return &fakeEncoder{keyEvery: keyEvery, calls: calls}, nil
		},
		Draw:        func(img *image.YCbCr, name string, _ time.Time, _ int64) { img.Y[0] = name[0] },
		LoopFrames:  loop,
		KeyInterval: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return h, calls
}

func subscribe(t *testing.T, h *Hub, p Picture, g Gate) (*Subscription, *recordSink) {
	t.Helper()
	sink := &recordSink{}
	s, err := h.Subscribe(p, sink, g)
	if err != nil {
		t.Fatal(err)
	}
	return s, sink
}

var lobby = Picture{Name: "lobby", Width: 16, Height: 16}

// TestFanOut: subscribers of one picture share one feed and get the very
// same access units; a late subscriber starts on a keyframe and then gets
// what the others get; a subscriber of another picture gets its own.
func TestFanOut(t *testing.T) {
	for _, tc := range []struct {
		name string
		loop int
	}{
		{"encoded live", -1},
		{"looped", 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h, _ := newHub(t, tc.loop, 50)
				a, sa := subscribe(t, h, lobby, nil)
				b, sb := subscribe(t, h, lobby, nil)
				other, so := subscribe(t, h, Picture{Name: "dock", Width: 16, Height: 16}, nil)
				a.Connected()
				b.Connected()
				other.Connected()
				time.Sleep(1200 * time.Millisecond)
				// A keyframe just went out: the late subscriber waits
				// out the rate limit on P slices it must not start on.
				a.RequestKey()
				time.Sleep(100 * time.Millisecond)
				late, sl := subscribe(t, h, lobby, nil)
				late.Connected()
				time.Sleep(time.Second)
				for _, s := range []*Subscription{a, b, late, other} {
					s.Close()
				}
				synctest.Wait()
				if err := h.Close(); err != nil {
					t.Fatal(err)
				}

				ga, gb, gl, gd := sa.got(), sb.got(), sl.got(), so.got()
				if len(ga) < 40 || len(gl) < 10 {
					t.Fatalf("got %d and %d (late) access units in 2.3 s and 1 s at 25 fps", len(ga), len(gl))
				}
				if !sameAUs(ga, gb) {
					t.Fatal("two subscribers that started together got different access units")
				}
				for name, g := range map[string][]got{"first": ga, "late": gl, "other": gd} {
					if !IsIDR(g[0].au) {
						t.Fatalf("the %s subscriber started on % x, not an IDR", name, g[0].au)
					}
				}
				if !bytes.Equal(gl[0].au, late.First()) {
					t.Fatal("First is not what started the late subscriber")
				}
				tail := ga[len(ga)-len(gl):]
				if !sameAUs(tail, gl) {
					t.Fatal("the late subscriber got other access units than the first one meanwhile")
				}
				if gd[0].au[len(gd[0].au)-1] != 'd' || ga[0].au[len(ga[0].au)-1] != 'l' {
					t.Fatal("the feeds of two pictures were mixed up")
				}
				if n, _ := a.Sent(); n != int64(len(ga)) {
					t.Fatalf("Sent counts %d access units, the sink got %d", n, len(ga))
				}
			})
		})
	}
}

func sameAUs(a, b []got) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i].au, b[i].au) || !a[i].at.Equal(b[i].at) {
			return false
		}
	}
	return true
}

// TestKeyRequestsRateLimited: a viewer asking for a keyframe on every
// picture gets one at most every KeyInterval, and does get them; in the
// loop a request jumps to its next IDR.
func TestKeyRequestsRateLimited(t *testing.T) {
	for _, tc := range []struct {
		name string
		loop int
	}{
		{"encoded live", -1},
		{"looped", 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				// Natural IDRs every 10 pictures while the loop is
				// recorded, then none from the encoder.
				h, _ := newHub(t, tc.loop, 10)
				s, sink := subscribe(t, h, lobby, nil)
				s.Connected()
				time.Sleep(5 * time.Second) // the loop is recorded
				start := len(sink.got())
				stop := make(chan struct{})
				done := make(chan struct{})
				go func() {
					defer close(done)
					for {
						select {
						case <-stop:
							return
						case <-time.After(10 * time.Millisecond):
							s.RequestKey()
						}
					}
				}()
				time.Sleep(3 * time.Second)
				close(stop)
				<-done
				s.Close()
				synctest.Wait()
				_ = h.Close()

				g := sink.got()[start:]
				var keys []time.Time
				for _, x := range g {
					if IsIDR(x.au) {
						keys = append(keys, x.at)
					}
				}
				// Requests all along 3 s: one IDR every 500 ms, the
				// loop's own ones (every 400 ms) included, so 5 to 7.
				if len(keys) < 5 || len(keys) > 7 {
					t.Fatalf("%d IDRs in 3 s of requests, want one per 500 ms", len(keys))
				}
				for i := 1; i < len(keys); i++ {
					if d := keys[i].Sub(keys[i-1]); d < 400*time.Millisecond || d > 560*time.Millisecond {
						t.Fatalf("IDRs %v apart, want 500 ms (or the loop's own, 400 ms)", d)
					}
				}
			})
		})
	}
}

// TestLoopReplays: after LoopFrames pictures the encoder is closed and
// the recorded pictures come again, capture times still running.
func TestLoopReplays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, calls := newHub(t, 20, 10)
		s, sink := subscribe(t, h, lobby, nil)
		s.Connected()
		time.Sleep(3 * time.Second)
		s.Close()
		synctest.Wait()
		_ = h.Close()
		g := sink.got()
		if n := calls.Load(); n != 20 {
			t.Fatalf("encoder called %d times, want once per picture of the loop (20)", n)
		}
		if len(g) < 60 {
			t.Fatalf("%d access units in 3 s", len(g))
		}
		for i := 20; i < len(g); i++ {
			if !bytes.Equal(g[i].au, g[i-20].au) {
				t.Fatalf("picture %d is not picture %d of the loop", i, i-20)
			}
			if !g[i].at.After(g[i-1].at) {
				t.Fatalf("capture time of picture %d does not run on", i)
			}
		}
	})
}

// stillScene is a Scene a test switches live.
type stillScene struct{ live atomic.Bool }

func (s *stillScene) Draw(img *image.YCbCr, _ time.Time, _ int64) { img.Y[0] = 'Y' }
func (s *stillScene) Live() bool                                  { return s.live.Load() }

// TestLiveScene: a live scene is encoded on every picture, never looped;
// switching between live and looped starts the other stream on an IDR.
func TestLiveScene(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, calls := newHub(t, 20, 1000)
		sc := &stillScene{}
		p := Picture{Name: "Yard", Width: 16, Height: 16, Scene: sc}
		s, sink := subscribe(t, h, p, nil)
		s.Connected()
		// Off the 50 ms picture clock: the switch and the counts are
		// taken while the hub waits, never in the instant it sends.
		time.Sleep(time.Second + 10*time.Millisecond) // recorded and looping
		before := calls.Load()
		n0 := len(sink.got())
		sc.live.Store(true)
		time.Sleep(time.Second)
		live := calls.Load() - before
		n1 := len(sink.got())
		sc.live.Store(false)
		time.Sleep(200 * time.Millisecond)
		s.Close()
		synctest.Wait()
		_ = h.Close()
		g := sink.got()
		if live < 20 {
			t.Fatalf("the live scene was encoded %d times in 1 s", live)
		}
		if g[0].au[len(g[0].au)-1] != 'Y' {
			t.Fatal("the scene did not draw the picture")
		}
		for _, i := range []int{n0, n1} {
			if !IsIDR(g[i].au) {
				t.Fatalf("picture %d, the first after a switch, is not an IDR", i)
			}
		}
	})
}

// TestGate: a gate withholding everything sends nothing; one withholding
// keyframes starts its subscriber on another picture and never sends an
// IDR; the other subscribers are not disturbed.
func TestGate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, _ := newHub(t, 20, 10)
		var hung, noKey atomic.Bool
		hung.Store(true)
		noKey.Store(true)
		gate := func(key bool) (bool, bool) {
			switch {
			case hung.Load():
				return false, false
			case noKey.Load():
				return !key, !key
			}
			return true, key
		}
		hs, hsink := subscribe(t, h, lobby, func(key bool) (bool, bool) { return gate(key) })
		ns, nsink := subscribe(t, h, lobby, func(key bool) (bool, bool) { return !key, !key })
		ok, oksink := subscribe(t, h, lobby, nil)
		for _, s := range []*Subscription{hs, ns, ok} {
			s.Connected()
		}
		time.Sleep(time.Second)
		if n := len(hsink.got()); n != 0 {
			t.Fatalf("a hung subscriber got %d access units", n)
		}
		hung.Store(false)
		noKey.Store(false)
		time.Sleep(time.Second)
		for _, s := range []*Subscription{hs, ns, ok} {
			s.Close()
		}
		synctest.Wait()
		_ = h.Close()
		if g := hsink.got(); len(g) == 0 || !IsIDR(g[0].au) {
			t.Fatal("the subscriber did not start on an IDR once the fault cleared")
		}
		for _, x := range nsink.got() {
			if IsIDR(x.au) {
				t.Fatal("a subscriber whose keyframes are withheld got one")
			}
		}
		if len(nsink.got()) < 40 || len(oksink.got()) < 40 {
			t.Fatalf("got %d and %d access units in 2 s", len(nsink.got()), len(oksink.got()))
		}
	})
}

// TestHubClosed: a closed hub takes no subscriber and says so once.
func TestHubClosed(t *testing.T) {
	h, _ := newHub(t, 20, 10)
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close = %v, want ErrClosed", err)
	}
	if _, err := h.Subscribe(lobby, &recordSink{}, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Subscribe after Close = %v, want ErrClosed", err)
	}
}

// TestAudience: an audience counts its subscribers and names what started
// the latest one that got a picture, also once it left.
func TestAudience(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, _ := newHub(t, -1, 10)
		var a Audience
		if a.First() != nil || a.Len() != 0 {
			t.Fatal("an empty audience has a picture or subscribers")
		}
		first, _ := subscribe(t, h, lobby, nil)
		a.Add(first)
		first.Connected()
		time.Sleep(time.Second)
		waiting, _ := subscribe(t, h, lobby, nil) // never connected
		a.Add(waiting)
		if a.Len() != 2 || !bytes.Equal(a.First(), first.First()) || len(a.First()) == 0 {
			t.Fatal("First is not what started the one subscriber that got a picture")
		}
		want := first.First()
		first.Close()
		a.Remove(first)
		if a.Len() != 1 || !bytes.Equal(a.First(), want) {
			t.Fatal("the audience forgot what started a subscriber that left")
		}
		waiting.Close()
		a.Remove(waiting)
		synctest.Wait()
		_ = h.Close()
	})
}

// TestNewSubscriberStartsAtOnce: a viewer that joins just after another
// viewer's keyframe starts on the very next picture, as a camera answers a
// new viewer; only further requests wait out KeyInterval.
func TestNewSubscriberStartsAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		loop int
	}{
		{"encoded live", -1},
		{"looped", 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h, _ := newHub(t, tc.loop, 1000)
				first, _ := subscribe(t, h, lobby, nil)
				first.Connected()
				time.Sleep(5 * time.Second) // the loop is recorded; the first viewer's IDR is old
				first.RequestKey()
				time.Sleep(100 * time.Millisecond) // an IDR just went out
				late, sink := subscribe(t, h, lobby, nil)
				joined := time.Now()
				late.Connected()
				time.Sleep(300 * time.Millisecond)
				first.Close()
				late.Close()
				synctest.Wait()
				_ = h.Close()
				g := sink.got()
				if len(g) == 0 || !IsIDR(g[0].au) {
					t.Fatal("the late viewer did not start on an IDR")
				}
				// srtpDelay, then the next picture (25 fps).
				if d := g[0].at.Sub(joined); d > srtpDelay+50*time.Millisecond {
					t.Errorf("the late viewer started %v after joining, want the next picture", d)
				}
			})
		})
	}
}

// TestNameBlindSharesOneFeedPerSize: with NameBlind, pictures without a
// scene that differ only by name share one feed (one encoder, the same
// access units), another size gets its own, and a scene its own.
func TestNameBlindSharesOneFeedPerSize(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var encoders atomic.Int64
		calls := &atomic.Int64{}
		h, err := New(Config{
			NewEncoder: func(int, int, int) (Encoder, error) {
				encoders.Add(1)
				return &fakeEncoder{keyEvery: 50, calls: calls}, nil
			},
			Draw:       func(img *image.YCbCr, _ string, _ time.Time, _ int64) { img.Y[0] = 'T' },
			LoopFrames: -1, NameBlind: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		a, sa := subscribe(t, h, Picture{Name: "Front door", Width: 16, Height: 16}, nil)
		b, sb := subscribe(t, h, Picture{Name: "Garage", Width: 16, Height: 16}, nil)
		big, _ := subscribe(t, h, Picture{Name: "Garage", Width: 32, Height: 32}, nil)
		yard, _ := subscribe(t, h, Picture{Name: "Yard", Width: 16, Height: 16, Scene: &stillScene{}}, nil)
		for _, s := range []*Subscription{a, b, big, yard} {
			s.Connected()
		}
		time.Sleep(time.Second)
		for _, s := range []*Subscription{a, b, big, yard} {
			s.Close()
		}
		synctest.Wait()
		if err := h.Close(); err != nil {
			t.Fatal(err)
		}
		if n := encoders.Load(); n != 3 {
			t.Fatalf("%d encoders for two names and two sizes of one picture and a scene, want 3", n)
		}
		ga, gb := sa.got(), sb.got()
		if len(ga) < 10 || len(ga) != len(gb) {
			t.Fatalf("Front door got %d access units, Garage %d", len(ga), len(gb))
		}
		for i := range ga {
			if !bytes.Equal(ga[i].au, gb[i].au) {
				t.Fatalf("access unit %d differs between the two names", i)
			}
		}
	})
}
