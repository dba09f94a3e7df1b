package session

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// DefaultGateEvery is how often a Gate asks its account's directory whether
// a device it found offline is back: once per account, however many tiles
// wait.
const DefaultGateEvery = 30 * time.Second

// Gate is the Opener of one account that stops a wall from dialling
// devices that are offline. A device whose dial failed with ErrOffline is
// dialled again only after the account's Directory, asked anew, lists it
// online (or does not list it, or cannot be read): at most once per
// directory check. Tiles of the same device take turns to dial it, so the
// first answer that it is offline holds them all. The directory is asked at most once per Every for the
// whole account, and only while some tile waits for a device; between
// checks Open answers an *OfflineError at once, whose Next says when the
// next check is due, unless the user asked for the try (UserRetry). Tiles'
// sessions and the wall need not know: the Gate is the account's Opener.
type Gate struct {
	next  Opener
	dir   Directory
	every time.Duration
	log   *slog.Logger

	mu       sync.Mutex
	checked  time.Time                // when the directory last answered (zero: never)
	gen      uint64                   // counts the directory's answers
	listed   bool                     // the last check read the directory
	online   map[string]bool          // what the last check read; absent: not listed
	offline  map[string]uint64        // device → gen when a dial found it offline, or when a dial was let through
	lastErr  map[string]error         // device → what its last dial said
	checking chan struct{}            // closed when the check in flight ends; nil when none
	dialing  map[string]chan struct{} // device → closed when its dial in flight ends
	checks   int
}

// NewGate wraps an account's Opener with its Directory; every is how often
// the directory may be asked (zero: DefaultGateEvery). log may be nil.
func NewGate(next Opener, dir Directory, every time.Duration, log *slog.Logger) *Gate {
	if every <= 0 {
		every = DefaultGateEvery
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Gate{next: next, dir: dir, every: every, log: log,
		offline: map[string]uint64{}, lastErr: map[string]error{}, dialing: map[string]chan struct{}{}}
}

// Checks is how many times the gate asked the directory.
func (g *Gate) Checks() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.checks
}

// Open implements Opener: it dials id unless its last dial found it
// offline and no directory check since lists it back.
func (g *Gate) Open(ctx context.Context, id string, q Quality) (Call, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		g.mu.Lock()
		if ch, ok := g.dialing[id]; ok {
			// Another tile dials the same device: its answer decides.
			g.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		mark, gated := g.offline[id]
		if !gated || (g.gen > mark && g.mayBeBack(id)) || UserRetry(ctx) {
			// Claim this check: another tile of the same device waits
			// for the next one.
			if gated {
				g.offline[id] = g.gen
			}
			done := make(chan struct{})
			g.dialing[id] = done
			g.mu.Unlock()
			return g.dial(ctx, id, q, done)
		}
		now := time.Now()
		if !g.checked.IsZero() && now.Sub(g.checked) < g.every {
			err := &OfflineError{ID: id, Next: g.checked.Add(g.every), Err: g.lastErr[id]}
			g.mu.Unlock()
			return nil, err
		}
		ch := g.checking
		if ch == nil {
			g.checking = make(chan struct{})
			g.mu.Unlock()
			g.check(ctx)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			continue
		}
		g.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// mayBeBack reports whether the last check lets a dial of id through: the
// directory lists it online, does not list it, or could not be read.
// g.mu is held.
func (g *Gate) mayBeBack(id string) bool {
	on, ok := g.online[id]
	return !g.listed || !ok || on
}

// dial opens the call and notes whether the device was offline; done is
// closed, for the tiles of the same device waiting, once that is noted.
func (g *Gate) dial(ctx context.Context, id string, q Quality, done chan struct{}) (Call, error) {
	call, err := g.next.Open(ctx, id, q)
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.dialing, id)
	close(done)
	if !errors.Is(err, ErrOffline) {
		delete(g.offline, id)
		delete(g.lastErr, id)
		return call, err
	}
	g.offline[id] = g.gen
	g.lastErr[id] = err
	oe := &OfflineError{ID: id, Err: err}
	if !g.checked.IsZero() {
		oe.Next = g.checked.Add(g.every)
	}
	return call, oe
}

// check asks the directory once, for every tile of the account.
func (g *Gate) check(ctx context.Context) {
	devs, err := g.dir.Devices(ctx)
	g.mu.Lock()
	defer g.mu.Unlock()
	close(g.checking)
	g.checking = nil
	if err != nil && ctx.Err() != nil {
		// The asking tile went away before the directory answered:
		// another one asks. An answer that came counts, even if the tile
		// left meanwhile, so the directory is not read twice for it.
		return
	}
	g.checked, g.listed = time.Now(), err == nil
	g.gen++
	g.checks++
	if err != nil {
		g.log.Info("session: the directory could not say whether offline devices are back", "err", err)
		return
	}
	g.online = make(map[string]bool, len(devs))
	for _, d := range devs {
		g.online[d.ID] = d.Online
	}
}

// userRetryKey marks the context of an attempt the user asked for.
type userRetryKey struct{}

// UserRetry reports whether ctx is that of an attempt the user asked for
// (Session.RetryNow, the tile's Retry): a Gate dials it whatever the
// directory said, since a click is not a wall's hammering.
func UserRetry(ctx context.Context) bool {
	on, _ := ctx.Value(userRetryKey{}).(bool)
	return on
}
