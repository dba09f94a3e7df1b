package check

import (
	"context"
	"errors"
	"fmt"
	"github.com/lookout-app/lookout/session/peer"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"
	"github.com/pion/webrtc/v4"
)

// iceURL is one STUN or TURN URL with the credentials of its ICE server.
type iceURL struct {
	raw      string
	uri      *stun.URI
	username string
	password string
	server   webrtc.ICEServer
}

// stepName names the step that probes u: "stun", "turn-udp", "turn-tcp"
// or "turn-tls".
func (u iceURL) stepName() string {
	switch {
	case u.uri.Scheme == stun.SchemeTypeSTUN || u.uri.Scheme == stun.SchemeTypeSTUNS:
		return "stun"
	case u.uri.Scheme == stun.SchemeTypeTURNS:
		return "turn-tls"
	case u.uri.Proto == stun.ProtoTypeTCP:
		return "turn-tcp"
	default:
		return "turn-udp"
	}
}

func (u iceURL) isTURN() bool {
	return u.uri.Scheme == stun.SchemeTypeTURN || u.uri.Scheme == stun.SchemeTypeTURNS
}

func splitICEServers(servers []webrtc.ICEServer) (urls []iceURL, bad []string) {
	for _, s := range servers {
		password, _ := s.Credential.(string)
		for _, raw := range s.URLs {
			uri, err := stun.ParseURI(raw)
			if err != nil {
				bad = append(bad, raw)
				continue
			}
			one := s
			one.URLs = []string{raw}
			urls = append(urls, iceURL{raw: raw, uri: uri, username: s.Username, password: password, server: one})
		}
	}
	return urls, bad
}

// retransmit is the STUN binding retransmission interval: short, because a
// pre-check wants an answer or a verdict quickly (RFC 8489 allows an RTO
// chosen for the path; 250 ms keeps well above loopback and LAN RTTs).
const retransmit = 250 * time.Millisecond

// stunStep sends binding requests over UDP until one is answered and times
// that transaction.
func (r *runner) stunStep(ctx context.Context, u iceURL) (stepResult, error) {
	if u.uri.Scheme == stun.SchemeTypeSTUNS || u.uri.Proto == stun.ProtoTypeTCP {
		return stepResult{}, fmt.Errorf("%s: %w: only STUN over UDP is probed", u.raw, ErrUnsupportedURL)
	}
	c, _, err := r.dialAny(ctx, "udp", u.uri.Host, u.uri.Port)
	if err != nil {
		return stepResult{}, fmt.Errorf("%s: %w", u.raw, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	sent := map[[stun.TransactionIDSize]byte]time.Time{}
	buf := make([]byte, 1500)
	for {
		req, err := stun.Build(stun.TransactionID, stun.BindingRequest, stun.Fingerprint)
		if err != nil {
			return stepResult{}, err
		}
		sent[req.TransactionID] = time.Now()
		if _, err := c.Write(req.Raw); err != nil {
			return stepResult{}, fmt.Errorf("%s: %w", u.raw, explainDial("udp", c.RemoteAddr().String(), err))
		}
		_ = c.SetReadDeadline(time.Now().Add(retransmit))
		for {
			n, err := c.Read(buf)
			if err != nil {
				if ctx.Err() != nil {
					return stepResult{}, fmt.Errorf("%s: %w", u.raw, explainDial("udp", c.RemoteAddr().String(), ctx.Err()))
				}
				if errors.Is(err, os.ErrDeadlineExceeded) {
					break // retransmit
				}
				return stepResult{}, fmt.Errorf("%s: %w", u.raw, explainDial("udp", c.RemoteAddr().String(), err))
			}
			res := &stun.Message{Raw: append([]byte(nil), buf[:n]...)}
			if res.Decode() != nil {
				continue
			}
			at, ok := sent[res.TransactionID]
			if !ok {
				continue
			}
			rtt := time.Since(at)
			if res.Type.Class == stun.ClassErrorResponse {
				var code stun.ErrorCodeAttribute
				_ = code.GetFrom(res)
				return stepResult{code: int(code.Code)}, fmt.Errorf("%s: the STUN server refused the binding request (%d %s)", u.raw, code.Code, code.Reason)
			}
			return stepResult{detail: u.raw, ms: rtt}, nil
		}
	}
}

// packetConn presents a connected UDP socket as the net.PacketConn pion's
// TURN client wants. A read error other than a deadline (ICMP port
// unreachable arrives as ECONNREFUSED) is handed to failed so the step ends
// at once instead of retransmitting into the void.
type packetConn struct {
	net.Conn
	failed func(error)
}

func (c packetConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, err := c.Read(b)
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		c.failed(err)
	}
	return n, c.RemoteAddr(), err
}

func (c packetConn) WriteTo(b []byte, _ net.Addr) (int, error) { return c.Write(b) }

// turnStep makes one allocation with the account's credentials and
// releases it.
func (r *runner) turnStep(ctx context.Context, u iceURL) (res stepResult, err error) {
	network := "udp"
	if u.uri.Proto == stun.ProtoTypeTCP {
		network = "tcp"
	}
	if u.uri.Scheme == stun.SchemeTypeTURNS && network == "udp" {
		return stepResult{}, fmt.Errorf("%s: %w: TURN over DTLS is not probed", u.raw, ErrUnsupportedURL)
	}
	c, _, err := r.dialAny(ctx, network, u.uri.Host, u.uri.Port)
	if err != nil {
		return stepResult{}, fmt.Errorf("%s: %w", u.raw, err)
	}
	server := c.RemoteAddr().String()
	failCtx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	var conn net.PacketConn
	switch {
	case u.uri.Scheme == stun.SchemeTypeTURNS:
		tc, _, err := r.tlsClient(ctx, c, u.uri.Host)
		if err != nil {
			_ = c.Close()
			return stepResult{}, fmt.Errorf("%s: %w", u.raw, err)
		}
		conn = turn.NewSTUNConn(tc)
	case network == "tcp":
		conn = turn.NewSTUNConn(c)
	default:
		conn = packetConn{Conn: c, failed: func(err error) { fail(err) }}
	}
	defer conn.Close()
	client, err := turn.NewClient(&turn.ClientConfig{
		TURNServerAddr: server,
		Conn:           conn,
		Username:       u.username,
		Password:       u.password,
		RTO:            retransmit,
		LoggerFactory:  peer.Logs(r.o.Logger),
	})
	if err != nil {
		return stepResult{}, fmt.Errorf("%s: %w", u.raw, err)
	}
	defer client.Close()
	if err := client.Listen(); err != nil {
		return stepResult{}, fmt.Errorf("%s: %w", u.raw, err)
	}

	type result struct {
		relay net.PacketConn
		err   error
	}
	done := make(chan result, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		relay, err := client.Allocate()
		done <- result{relay, err}
	}()
	var out result
	select {
	case out = <-done:
	case <-failCtx.Done():
		client.Close() // ends the pending transaction
		_ = conn.Close()
		wg.Wait()
		out = <-done
		if out.relay != nil {
			_ = out.relay.Close()
		}
		cause := context.Cause(failCtx)
		if errors.Is(cause, context.DeadlineExceeded) {
			cause = ErrNoAnswer
		}
		return stepResult{}, fmt.Errorf("%s: %w", u.raw, explainDial(network, server, cause))
	}
	if out.err != nil {
		return turnFailure(u, out.err)
	}
	relayed := out.relay.LocalAddr().String()
	// Release the allocation (a Refresh with lifetime 0); bounded by ctx.
	closed := make(chan struct{})
	go func() { _ = out.relay.Close(); close(closed) }()
	select {
	case <-closed:
	case <-ctx.Done():
		client.Close()
		_ = conn.Close()
		<-closed
	}
	return stepResult{detail: u.raw + ": relayed address " + relayed}, nil
}

// turnAdvice says what to do about a TURN error code (RFC 8656 section 19,
// RFC 8489 section 14.8).
var turnAdvice = map[int]string{
	400: "the TURN server rejected the request as malformed (400 Bad Request): the account's TURN URL may point at something else",
	401: "the TURN server refused the credentials (401 Unauthorized): check the account's TURN username/password or that the cloud handed out fresh ones",
	403: "the TURN server forbids this client (403 Forbidden): the account may not be allowed to relay from this network",
	437: "the TURN server already has an allocation for this address (437 Allocation Mismatch): wait a few minutes and retry",
	438: "the TURN server keeps rejecting the nonce (438 Stale Nonce): check the computer's clock",
	441: "the TURN server refused the credentials (441 Wrong Credentials): check the account's TURN username/password or that the cloud handed out fresh ones",
	442: "the TURN server does not relay this transport (442 Unsupported Transport Protocol)",
	486: "the TURN account has too many allocations (486 Allocation Quota Reached): close other calls or wait a few minutes",
	508: "the TURN server is full (508 Insufficient Capacity): retry later",
}

func turnFailure(u iceURL, err error) (stepResult, error) {
	var te *stun.TurnError
	if errors.As(err, &te) {
		code := int(te.ErrorCodeAttr.Code)
		advice, ok := turnAdvice[code]
		if !ok {
			advice = fmt.Sprintf("the TURN server refused the allocation (%d %s)", code, te.ErrorCodeAttr.Reason)
		} else if len(te.ErrorCodeAttr.Reason) > 0 {
			advice += " [server said: " + string(te.ErrorCodeAttr.Reason) + "]"
		}
		return stepResult{code: code}, fmt.Errorf("%s: %s", u.raw, advice)
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return stepResult{}, fmt.Errorf("%s: %w", u.raw, explainDial("udp", net.JoinHostPort(u.uri.Host, strconv.Itoa(u.uri.Port)), err))
	}
	return stepResult{}, fmt.Errorf("%s: allocation failed: %w", u.raw, err)
}
