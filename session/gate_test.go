package session_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/session"
)

// cloud is a fake account: its devices are offline until backAt, and it
// counts dials per device and directory reads.
type cloud struct {
	mu         sync.Mutex
	start      time.Time
	backAt     time.Duration // when every device comes online; zero: never
	dials      map[string][]time.Time
	checks     int
	checkTimes []time.Duration
	dirErr     error
}

func newCloud(backAt time.Duration) *cloud {
	return &cloud{start: time.Now(), backAt: backAt, dials: map[string][]time.Time{}}
}

func (c *cloud) onlineNow() bool {
	return c.backAt > 0 && time.Since(c.start) >= c.backAt
}

func (c *cloud) Open(_ context.Context, id string, _ session.Quality) (session.Call, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dials[id] = append(c.dials[id], time.Now())
	if c.onlineNow() {
		return nil, errors.New("connection refused") // back, but this fake never connects
	}
	return nil, &session.RemoteError{Op: "webrtc-configs", Code: "2001", Reason: "device is offline", Err: session.ErrOffline}
}

func (c *cloud) Devices(context.Context) ([]session.Device, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checks++
	c.checkTimes = append(c.checkTimes, time.Since(c.start))
	if c.dirErr != nil {
		return nil, c.dirErr
	}
	var devs []session.Device
	for _, id := range []string{"attic", "d1", "d2", "d3"} {
		devs = append(devs, session.Device{ID: id, Type: session.TypeCamera, Online: c.onlineNow()})
	}
	return devs, nil
}

// timedStatus is a status with the time it was published.
type timedStatus struct {
	session.Status
	at time.Time
}

// runTiles runs one session per source through op for d, then stops them,
// and returns their retrying statuses.
func runTiles(t *testing.T, op session.Opener, ids []string, d time.Duration) []timedStatus {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var mu sync.Mutex
	var last []timedStatus
	for _, id := range ids {
		s, err := session.New(session.Config{Source: "home/" + id, ID: id, Opener: op, Sink: player.NewLatest(), NewDecoder: noDecoder,
			OnStatus: func(st session.Status) {
				if st.State == session.StateRetrying {
					mu.Lock()
					last = append(last, timedStatus{st, time.Now()})
					mu.Unlock()
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { _ = s.Run(ctx) })
	}
	time.Sleep(d)
	cancel()
	wg.Wait()
	return last
}

// TestGateDialsOfflineDevicesOncePerCheck: eight tiles (four of one
// device) of an account whose devices are offline: in 90 s the directory
// is read at most once per 30 s for the whole account, each device is
// dialled at most once per directory read, and the tiles say "device
// offline" with the time of the next check. Without the gate the same
// tiles dial about every second.
func TestGateDialsOfflineDevicesOncePerCheck(t *testing.T) {
	ids := []string{"attic", "attic", "attic", "attic", "d1", "d2", "d3", "d3"}
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(0)
		g := session.NewGate(c, c, 30*time.Second, nil)
		statuses := runTiles(t, g, ids, 90*time.Second)
		if c.checks > 90/30+1 {
			t.Fatalf("%d directory reads in 90 s (at %v), want at most one per 30 s for the account", c.checks, c.checkTimes)
		}
		for id, dials := range c.dials {
			if len(dials) > c.checks+1 {
				t.Fatalf("%s dialled %d times over %d directory reads, want at most one per read (and the first)", id, len(dials), c.checks)
			}
		}
		if len(c.dials["attic"]) == 0 || len(c.dials["d2"]) == 0 {
			t.Fatalf("dials %v: every device is tried once", c.dials)
		}
		waited := false
		for _, st := range statuses {
			if st.Wait != session.WaitOffline || !errors.Is(st.Err, session.ErrOffline) || session.Reason(st.Err) != "device is offline" {
				t.Fatalf("status %+v (%q), want device offline in the service's words", st, session.Reason(st.Err))
			}
			waited = waited || st.RetryAt.Sub(st.at) > 10*time.Second
		}
		if !waited {
			t.Fatal("no tile waited for the next directory read")
		}
		t.Logf("gated: %d directory reads, dials %v", c.checks, dialCounts(c))
	})
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(0)
		runTiles(t, c, ids, 90*time.Second)
		if n := len(c.dials["attic"]); n < 4*30 {
			t.Fatalf("without the gate attic was dialled only %d times in 90 s: the test shows nothing", n)
		}
		t.Logf("without the gate: dials %v", dialCounts(c))
	})
}

func dialCounts(c *cloud) map[string]int {
	n := map[string]int{}
	for id, d := range c.dials {
		n[id] = len(d)
	}
	return n
}

// TestGateLetsABackDeviceThrough: once the directory lists the device
// online again, the next check lets a dial through, within one period.
func TestGateLetsABackDeviceThrough(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(100 * time.Second)
		g := session.NewGate(c, c, 30*time.Second, nil)
		runTiles(t, g, []string{"attic"}, 140*time.Second)
		var after []time.Time
		for _, at := range c.dials["attic"] {
			if at.Sub(c.start) >= 100*time.Second {
				after = append(after, at)
			}
		}
		if len(after) == 0 || after[0].Sub(c.start) > 100*time.Second+30*time.Second+2*time.Second {
			t.Fatalf("dials after the device came back at 100 s: %v", after)
		}
		// Back, it fails otherwise: the short backoff, not the gate, paces it.
		if len(after) < 5 {
			t.Fatalf("%d dials of a device that is back, want the short backoff's pace", len(after))
		}
	})
}

// TestGateUnreadableDirectory: a directory that cannot be read lets one
// dial through per (rate-bounded) read, rather than none or all.
func TestGateUnreadableDirectory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(0)
		c.dirErr = errors.New("HTTP 503")
		g := session.NewGate(c, c, 30*time.Second, nil)
		runTiles(t, g, []string{"attic", "attic"}, 90*time.Second)
		if n := len(c.dials["attic"]); c.checks > 4 || n > c.checks+1 || n < 2 {
			t.Fatalf("%d dials over %d failed directory reads (%v; dials %v), want one per read", n, c.checks, c.checkTimes, c.dials)
		}
	})
}

// TestGateRefreshes: behind a Gate, refused credentials are still renewed
// before each try, since renewing is the account's (Config.Refresh, from
// session.Client.Refresh), not an ability found on the Opener.
func TestGateRefreshes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		op := &refreshingOpener{failingOpener: failingOpener{err: session.ErrUnauthorized}}
		g := session.NewGate(op, newCloud(0), 0, nil)
		runRefreshing(t, g, op.Refresh, 20*time.Minute)
		if op.n < 3 || op.afterRefresh != op.n-1 {
			t.Fatalf("%d tries, %d right after a renewal: want every retry renewed first", op.n, op.afterRefresh)
		}
	})
}

// TestRetryDialsAnOfflineDeviceNow: the tile's Retry (RetryNow) dials the
// device at once, whatever the directory said; the retries after it are
// gated again.
func TestRetryDialsAnOfflineDeviceNow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(0)
		g := session.NewGate(c, c, 30*time.Second, nil)
		s, err := session.New(session.Config{Source: "home/attic", ID: "attic", Opener: g, Sink: player.NewLatest(), NewDecoder: noDecoder})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		time.Sleep(10 * time.Second) // dialled once, then waiting for the directory
		synctest.Wait()
		if n := len(c.dials["attic"]); n != 1 {
			t.Fatalf("%d dials before Retry, want 1", n)
		}
		s.RetryNow()
		synctest.Wait()
		if n := len(c.dials["attic"]); n != 2 {
			t.Fatalf("%d dials after Retry, want 2: Retry tries now", n)
		}
		time.Sleep(15 * time.Second) // before the next directory read
		synctest.Wait()
		if n := len(c.dials["attic"]); n != 2 {
			t.Fatalf("%d dials after the clicked one, want none until the directory lists it back", n)
		}
		cancel()
		<-done
	})
}

// goneCloud is a cloud whose directory read ends the asking tile: its
// context is cancelled while the read is answered.
type goneCloud struct {
	*cloud
	cancel context.CancelFunc
}

func (c goneCloud) Devices(ctx context.Context) ([]session.Device, error) {
	c.cancel()
	return c.cloud.Devices(ctx)
}

// TestGateCountsAnAnswerItsAskerLeft: a directory read that answered
// counts for the whole account even when the tile that asked went away
// during it: the next tile does not read the directory again.
func TestGateCountsAnAnswerItsAskerLeft(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCloud(0)
		ctx, cancel := context.WithCancel(context.Background())
		g := session.NewGate(c, goneCloud{c, cancel}, 30*time.Second, nil)
		if _, err := g.Open(context.Background(), "attic", session.QualityMain); !errors.Is(err, session.ErrOffline) {
			t.Fatalf("dial: %v, want offline", err)
		}
		time.Sleep(31 * time.Second)
		if _, err := g.Open(ctx, "attic", session.QualityMain); !errors.Is(err, context.Canceled) {
			t.Fatalf("the tile that left: %v, want its context's end", err)
		}
		before := c.checks
		_, err := g.Open(context.Background(), "attic", session.QualityMain)
		var oe *session.OfflineError
		if !errors.As(err, &oe) || c.checks != before {
			t.Fatalf("the next tile: %v after %d more directory reads, want offline with none (the answer counted)", err, c.checks-before)
		}
		if g.Checks() != 1 {
			t.Fatalf("the gate counts %d directory reads, want 1", g.Checks())
		}
	})
}
