package check

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/lookout-app/lookout/session/peer"
	"net"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// newAPI returns a pion API for the probe's peers: loopback candidates on
// (so the check works against servers on 127.0.0.1), no mDNS, and short DTLS
// retransmissions so a lossy path still connects within the timeout.
func (r *runner) newAPI() *webrtc.API {
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetDTLSRetransmissionInterval(100 * time.Millisecond)
	se.SetSCTPRTOMax(time.Second)
	// pion waits 2 s before nominating a relay pair, hoping for a direct
	// one; the probe wants the relay when it restricts itself to it.
	se.SetRelayAcceptanceMinWait(0)
	se.LoggerFactory = peer.Logs(r.o.Logger)
	return webrtc.NewAPI(webrtc.WithSettingEngine(se))
}

// candidateLabel is a candidate's type, with "-ipv6" for IPv6 addresses.
func candidateLabel(c *webrtc.ICECandidate) string {
	label := c.Typ.String()
	if ip := net.ParseIP(c.Address); ip != nil && ip.To4() == nil {
		label += "-ipv6"
	}
	return label
}

// candidateOrder sorts labels the way a person reads them.
var candidateOrder = []string{"host", "host-ipv6", "srflx", "srflx-ipv6", "prflx", "prflx-ipv6", "relay", "relay-ipv6"}

// candidatesStep gathers with every ICE server that worked and lists the
// candidate types found.
func (r *runner) candidatesStep(ctx context.Context, servers []webrtc.ICEServer, wantRelay, wantSrflx bool) (stepResult, []string, error) {
	pc, err := r.newAPI().NewPeerConnection(webrtc.Configuration{ICEServers: servers})
	if err != nil {
		return stepResult{}, nil, err
	}
	defer func() { _ = pc.GracefulClose() }() // its goroutines end before the step returns
	var (
		mu     sync.Mutex
		counts = map[string]int{}
	)
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		mu.Lock()
		counts[candidateLabel(c)]++
		mu.Unlock()
	})
	if _, err := pc.CreateDataChannel("gather", nil); err != nil {
		return stepResult{}, nil, err
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return stepResult{}, nil, err
	}
	complete := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		return stepResult{}, nil, err
	}
	timedOut := false
	select {
	case <-complete:
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.Canceled) {
			return stepResult{}, nil, ctx.Err()
		}
		timedOut = true
	}
	mu.Lock()
	defer mu.Unlock()
	var labels, parts []string
	for _, l := range candidateOrder {
		if counts[l] > 0 {
			labels = append(labels, l)
			parts = append(parts, fmt.Sprintf("%d %s", counts[l], l))
		}
	}
	if len(labels) == 0 {
		return stepResult{}, nil, errors.New("no ICE candidate at all: the computer has no usable network interface")
	}
	detail := strings.Join(parts, ", ")
	if timedOut {
		detail += "; gathering did not finish in time"
	}
	if wantRelay && counts["relay"]+counts["relay-ipv6"] == 0 {
		detail += "; no relay candidate although a TURN server allocated"
	}
	if wantSrflx && counts["srflx"]+counts["srflx-ipv6"] == 0 {
		detail += "; no server-reflexive candidate (the STUN server saw the same address as the host's)"
	}
	return stepResult{detail: detail}, labels, nil
}

// Probe message kinds. Every message starts with kind (1 byte), sequence
// number (8 bytes) and the sender's clock in ns since the probe began.
const (
	kindPing = 1 // client -> far end, echoed as a pong
	kindPong = 2 // far end -> client: the ping's seq and time, then the pong's own seq
	kindUp   = 3 // client -> far end, throughput
	kindDown = 4 // far end -> client, throughput

	pingInterval = 10 * time.Millisecond
	pingSize     = 120
	bulkSize     = 1000
	// maxBuffered keeps the paced sender from queueing inside SCTP: above it
	// a tick sends nothing, and the rate measured is what the path carried.
	maxBuffered = 128 << 10
)

// counters is what one side of the probe saw; guarded by probeState.mu.
type counters struct {
	pingsSent, pingsRecv int
	pongsSent, pongsRecv int
	upBytes, downBytes   int
	rtts                 []time.Duration
	maxRTT               time.Duration
}

type probeState struct {
	start time.Time
	mu    sync.Mutex
	c     counters
}

func (p *probeState) now() uint64 { return uint64(time.Since(p.start)) }

// probeResult is what the data-channel probe measured.
type probeResult struct {
	path               string
	rtt                time.Duration
	lossUp, lossDown   float64
	upKbps, downKbps   float64
	pingsUp, pongsDown int
}

// probe connects two peers in this process, the near one restricted to
// relay candidates when relays is not empty, and measures RTT, loss and
// paced throughput over an unordered data channel without retransmissions.
// Through a relay each probe packet goes client -> TURN server -> client,
// so against a remote server the RTT spans that path twice and the loss of
// one direction is the loss of the way up and back; that is also the path a
// relayed call's media takes to and from the server.
func (r *runner) probe(ctx context.Context, relays, stuns []webrtc.ICEServer) (probeResult, error) {
	api := r.newAPI()
	cfg := webrtc.Configuration{ICEServers: stuns}
	path := "direct path (host/srflx)"
	if len(relays) > 0 {
		cfg = webrtc.Configuration{ICEServers: relays, ICETransportPolicy: webrtc.ICETransportPolicyRelay}
		path = "relay path"
	}
	near, err := api.NewPeerConnection(cfg)
	if err != nil {
		return probeResult{}, err
	}
	defer func() { _ = near.GracefulClose() }() // SCTP and ICE loops end before the probe returns
	// The far peer gets the STUN servers: against a TURN server on the
	// internet its server-reflexive candidate is what the relay can reach
	// once its connectivity checks have opened the NAT.
	far, err := api.NewPeerConnection(webrtc.Configuration{ICEServers: stuns})
	if err != nil {
		return probeResult{}, err
	}
	defer func() { _ = far.GracefulClose() }()

	st := &probeState{start: time.Now()}
	ordered, retransmits := false, uint16(0)
	nearDC, err := near.CreateDataChannel("probe", &webrtc.DataChannelInit{Ordered: &ordered, MaxRetransmits: &retransmits})
	if err != nil {
		return probeResult{}, err
	}
	nearOpen := make(chan struct{})
	nearDC.OnOpen(func() { close(nearOpen) })
	nearDC.OnMessage(func(m webrtc.DataChannelMessage) { st.onNear(m.Data) })

	farDCs := make(chan *webrtc.DataChannel, 1)
	far.OnDataChannel(func(dc *webrtc.DataChannel) {
		dc.OnOpen(func() {
			select {
			case farDCs <- dc:
			default:
			}
		})
		dc.OnMessage(func(m webrtc.DataChannelMessage) { st.onFar(dc, m.Data) })
	})

	connectCtx, cancel := context.WithTimeout(ctx, r.o.ConnectTimeout)
	defer cancel()
	if err := signal(connectCtx, near, far); err != nil {
		return probeResult{}, err
	}
	var farDC *webrtc.DataChannel
	select {
	case <-nearOpen:
	case <-connectCtx.Done():
		return probeResult{}, noPath(ctx, near)
	}
	select {
	case farDC = <-farDCs:
	case <-connectCtx.Done():
		return probeResult{}, noPath(ctx, near)
	}
	r.o.Logger.Debug("probe connected", "account", r.t.Account, "after", time.Since(st.start))
	if pair, err := near.SCTP().Transport().ICETransport().GetSelectedCandidatePair(); err == nil && pair != nil {
		path = fmt.Sprintf("%s (%s %s -> %s %s)", path, pair.Local.Typ, pair.Local.Protocol, pair.Remote.Typ, pair.Remote.Protocol)
	}

	// Phase 1: pings at a fixed rate, echoed; RTT and loss each way.
	if err := pace(ctx, r.o.ProbeDuration, pingInterval, func(int) error {
		st.mu.Lock()
		seq := st.c.pingsSent
		st.c.pingsSent++
		st.mu.Unlock()
		return nearDC.Send(st.message(kindPing, uint64(seq), pingSize))
	}); err != nil {
		return probeResult{}, err
	}
	if err := st.drain(ctx); err != nil {
		return probeResult{}, err
	}
	st.mu.Lock()
	c1 := st.c
	st.mu.Unlock()
	if c1.pingsRecv == 0 || c1.pongsRecv == 0 {
		return probeResult{}, fmt.Errorf("%w: the data channel opened but no probe packet crossed the %s", ErrNoPath, path)
	}

	// Phase 2: both ends send at the target rate at once.
	interval := 5 * time.Millisecond
	perSecond := r.o.TargetKbps * 1000 / 8 / bulkSize
	phaseStart := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, side := range []struct {
		dc   *webrtc.DataChannel
		kind byte
	}{{nearDC, kindUp}, {farDC, kindDown}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var seq, due uint64
			errs[i] = pace(ctx, r.o.ProbeDuration, interval, func(int) error {
				for target := uint64(time.Since(phaseStart).Seconds()*perSecond) + 1; due < target; due++ {
					if side.dc.BufferedAmount() > maxBuffered {
						due = target // sender-limited: do not catch up later
						return nil
					}
					if err := side.dc.Send(st.message(side.kind, seq, bulkSize)); err != nil {
						return err
					}
					seq++
				}
				return nil
			})
		}()
	}
	wg.Wait()
	// Rates are over the sending time; what arrives while draining is what
	// was sent in it.
	elapsed := time.Since(phaseStart).Seconds()
	if err := errors.Join(errs...); err != nil {
		return probeResult{}, err
	}
	if err := st.drain(ctx); err != nil {
		return probeResult{}, err
	}
	st.mu.Lock()
	c2 := st.c
	st.mu.Unlock()

	r.o.Logger.Debug("probe measured", "account", r.t.Account, "after", time.Since(st.start))
	rtts := slices.Clone(c1.rtts)
	sort.Slice(rtts, func(i, j int) bool { return rtts[i] < rtts[j] })
	return probeResult{
		path:      path,
		rtt:       rtts[len(rtts)/2],
		lossUp:    1 - float64(c1.pingsRecv)/float64(c1.pingsSent),
		lossDown:  1 - float64(c1.pongsRecv)/float64(c1.pongsSent),
		upKbps:    float64(c2.upBytes) * 8 / 1000 / elapsed,
		downKbps:  float64(c2.downBytes) * 8 / 1000 / elapsed,
		pingsUp:   c1.pingsSent,
		pongsDown: c1.pongsSent,
	}, nil
}

// noPath explains a probe that did not connect.
func noPath(ctx context.Context, pc *webrtc.PeerConnection) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return fmt.Errorf("%w: the test peers did not connect (ICE %s, peer connection %s)", ErrNoPath, pc.ICEConnectionState(), pc.ConnectionState())
}

// signal runs one offer/answer between the two peers, without trickle.
func signal(ctx context.Context, near, far *webrtc.PeerConnection) error {
	offer, err := near.CreateOffer(nil)
	if err != nil {
		return err
	}
	gathered := webrtc.GatheringCompletePromise(near)
	if err := near.SetLocalDescription(offer); err != nil {
		return err
	}
	if err := waitFor(ctx, gathered, "gathering the relay candidates"); err != nil {
		return err
	}
	if err := far.SetRemoteDescription(*near.LocalDescription()); err != nil {
		return err
	}
	answer, err := far.CreateAnswer(nil)
	if err != nil {
		return err
	}
	gathered = webrtc.GatheringCompletePromise(far)
	if err := far.SetLocalDescription(answer); err != nil {
		return err
	}
	if err := waitFor(ctx, gathered, "gathering the far peer's candidates"); err != nil {
		return err
	}
	return near.SetRemoteDescription(*far.LocalDescription())
}

func waitFor(ctx context.Context, done <-chan struct{}, what string) error {
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%w: timed out %s", ErrNoPath, what)
		}
		return ctx.Err()
	}
}

// pace calls send every interval for d, stopping at the first error.
func pace(ctx context.Context, d, interval time.Duration, send func(int) error) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	end := time.Now().Add(d)
	for i := 0; time.Now().Before(end); i++ {
		if err := send(i); err != nil {
			return err
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// drain waits for packets still in flight: three worst RTTs, at least
// 200 ms and at most 1 s.
func (p *probeState) drain(ctx context.Context) error {
	p.mu.Lock()
	wait := min(max(3*p.c.maxRTT, 200*time.Millisecond), time.Second)
	p.mu.Unlock()
	select {
	case <-time.After(wait):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *probeState) message(kind byte, seq uint64, size int) []byte {
	b := make([]byte, size)
	b[0] = kind
	binary.BigEndian.PutUint64(b[1:], seq)
	binary.BigEndian.PutUint64(b[9:], p.now())
	return b
}

// onFar handles a message at the far end: count it, echo pings.
func (p *probeState) onFar(dc *webrtc.DataChannel, b []byte) {
	if len(b) < 17 {
		return
	}
	switch b[0] {
	case kindPing:
		p.mu.Lock()
		p.c.pingsRecv++
		seq := p.c.pongsSent
		p.c.pongsSent++
		p.mu.Unlock()
		pong := make([]byte, 25)
		copy(pong, b[:17])
		pong[0] = kindPong
		binary.BigEndian.PutUint64(pong[17:], uint64(seq))
		_ = dc.Send(pong) // a failed echo counts as downstream loss
	case kindUp:
		p.mu.Lock()
		p.c.upBytes += len(b)
		p.mu.Unlock()
	}
}

// onNear handles a message at the probing end: pongs give RTT samples.
func (p *probeState) onNear(b []byte) {
	if len(b) < 17 {
		return
	}
	switch b[0] {
	case kindPong:
		rtt := time.Duration(p.now() - binary.BigEndian.Uint64(b[9:]))
		p.mu.Lock()
		p.c.pongsRecv++
		p.c.rtts = append(p.c.rtts, rtt)
		p.c.maxRTT = max(p.c.maxRTT, rtt)
		p.mu.Unlock()
	case kindDown:
		p.mu.Lock()
		p.c.downBytes += len(b)
		p.mu.Unlock()
	}
}
