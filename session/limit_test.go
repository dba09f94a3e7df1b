package session_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"

	"github.com/lookout-app/lookout/session"
)

// failingAPI is a vendor API that hands out tokens and refuses every other
// request with HTTP 500, and notes when each request arrived.
type failingAPI struct {
	mu    sync.Mutex
	calls []time.Time
}

func (a *failingAPI) RoundTrip(req *http.Request) (*http.Response, error) {
	a.mu.Lock()
	a.calls = append(a.calls, time.Now())
	a.mu.Unlock()
	code := http.StatusInternalServerError
	if req.URL.Path == "/token" {
		code = http.StatusOK
	}
	return &http.Response{StatusCode: code, Body: io.NopCloser(strings.NewReader("{}")), Request: req}, nil
}

// apiOpener opens calls as a vendor client does: two API requests (a
// token, then the call's configuration), failing on the refusal.
type apiOpener struct{ http *http.Client }

func (o *apiOpener) Open(ctx context.Context, id string, _ session.Quality) (session.Call, error) {
	for _, path := range []string{"/token", "/devices/" + id + "/webrtc-configs"} {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://api.example.com"+path, nil)
		if err != nil {
			return nil, err
		}
		resp, err := o.http.Do(req)
		if err != nil {
			return nil, err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("%s: HTTP %d", path, resp.StatusCode)
		}
	}
	return nil, errors.New("unreachable")
}

// TestLimitBoundsFailingTiles: 16 tiles of one account failing for a
// minute make no more API calls than the account's limit allows (its
// burst plus its rate), however many tiles there are; without the limit
// the same tiles make twice as many.
func TestLimitBoundsFailingTiles(t *testing.T) {
	ids := make([]string, 16)
	for i := range ids {
		ids[i] = fmt.Sprintf("cam%d", i+1)
	}
	const window = time.Minute
	allowed := session.DefaultAccountBurst + int(session.DefaultAccountRate*window.Seconds())
	var limited, free int
	synctest.Test(t, func(t *testing.T) {
		api := &failingAPI{}
		op := &apiOpener{http: &http.Client{Transport: session.LimitTransport(api, session.NewAccountLimiter())}}
		start := time.Now()
		runTiles(t, op, ids, window)
		limited = len(api.calls)
		if limited > allowed {
			t.Fatalf("%d API calls in a minute from 16 failing tiles, want at most %d (burst %d + %d a second)",
				limited, allowed, session.DefaultAccountBurst, session.DefaultAccountRate)
		}
		// Nor does any 10 s of it hold more than a burst and 10 s of rate.
		for i, from := range api.calls {
			n := 0
			for _, at := range api.calls[i:] {
				if at.Sub(from) < 10*time.Second {
					n++
				}
			}
			if most := session.DefaultAccountBurst + 10*session.DefaultAccountRate; n > most {
				t.Fatalf("%d calls in the 10 s from %s, want at most %d", n, from.Sub(start), most)
			}
		}
	})
	synctest.Test(t, func(t *testing.T) {
		api := &failingAPI{}
		runTiles(t, &apiOpener{http: &http.Client{Transport: api}}, ids, window)
		free = len(api.calls)
	})
	t.Logf("16 failing tiles for a minute: %d API calls with the account's limit (at most %d), %d without", limited, allowed, free)
	if free < 2*allowed {
		t.Fatalf("without the limit only %d calls: the test shows nothing", free)
	}
}

// TestLimitGivesUpBeforeTheDeadline: a request whose deadline comes
// before the limiter's next token fails at once, as a timeout, and the
// API never sees it.
func TestLimitGivesUpBeforeTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := &failingAPI{}
		c := &http.Client{Transport: session.LimitTransport(api, rate.NewLimiter(rate.Every(time.Minute), 1))}
		get := func(timeout time.Duration) error {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://api.example.com/x", nil)
			resp, err := c.Do(req)
			if err == nil {
				_ = resp.Body.Close()
			}
			return err
		}
		if err := get(time.Second); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := get(time.Second); !errors.Is(err, session.ErrTimeout) || time.Since(start) != 0 {
			t.Fatalf("second request: %v after %s, want a timeout at once", err, time.Since(start))
		}
		if len(api.calls) != 1 {
			t.Fatalf("the API saw %d requests, want 1", len(api.calls))
		}
		if err := get(2 * time.Minute); err != nil || len(api.calls) != 2 {
			t.Fatalf("a request that can wait for the token: %v, %d calls", err, len(api.calls))
		}
	})
}
