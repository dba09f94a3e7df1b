// Package check is the network half of Lookout's pre-check: for one
// account it resolves and connects to the cloud's endpoints, asks each
// STUN server for a binding and each TURN server for an allocation with the
// account's credentials, gathers ICE candidates, and runs a data-channel
// probe through the relay that measures RTT, loss each way and throughput,
// in the manner of test.webrtc.org's troubleshooter and TRTC's speed test.
// It also holds the types of the whole pre-check report.
package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session"
)

// Target is what one account offers to probe, gathered by its kind
// (session.Kind) from the account's real endpoints and ICE servers.
type Target = session.ProbeTarget

// Options tunes CheckNetwork. Zero values get defaults.
type Options struct {
	// ProbeDuration is the length of each probe phase (pings, then paced
	// throughput); default 3 s.
	ProbeDuration time.Duration
	// StepTimeout bounds each DNS, connect, STUN, TURN and gathering step;
	// default 5 s.
	StepTimeout time.Duration
	// APITimeout bounds signing in to an account's service and fetching
	// its endpoints (the "api" step); default 20 s.
	APITimeout time.Duration
	// ConnectTimeout bounds setting up the probe's peer connection; default
	// 10 s.
	ConnectTimeout time.Duration
	// TargetKbps is the paced rate of the throughput phase, each way;
	// default 2000 (a 1080p camera stream).
	TargetKbps float64
	// Resolver looks up host names; default net.DefaultResolver.
	Resolver *net.Resolver
	// Logger receives debug logs, pion's included; default discards.
	Logger *slog.Logger
	// Progress, when set, is called before each step, for a UI.
	Progress func(account, step string)
	// Done, when set, is called after each step with its result, for a UI.
	Done func(account string, s Step)
}

// done hands a finished step to o.Done.
func (o *Options) done(account string, s Step) {
	if o.Done != nil {
		o.Done(account, s)
	}
}

func (o *Options) defaults() {
	if o.ProbeDuration <= 0 {
		o.ProbeDuration = 3 * time.Second
	}
	if o.StepTimeout <= 0 {
		o.StepTimeout = 5 * time.Second
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	if o.APITimeout <= 0 {
		o.APITimeout = 20 * time.Second
	}
	if o.TargetKbps <= 0 {
		o.TargetKbps = 2000
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// stepResult is what a step function reports besides its error; ms, when
// not zero, replaces the step's elapsed time (a STUN step reports the RTT
// of the answered transaction).
type stepResult struct {
	detail string
	code   int
	ms     time.Duration
}

type runner struct {
	t        Target
	o        Options
	rep      *AccountReport
	resolved map[string][]net.IP
}

// run times one step and appends it to the report. It reports false when
// ctx is done, after which no more steps run.
func (r *runner) run(ctx context.Context, name string, timeout time.Duration, fn func(context.Context) (stepResult, error)) (Step, bool) {
	if err := ctx.Err(); err != nil {
		return Step{}, false
	}
	if r.o.Progress != nil {
		r.o.Progress(r.t.Account, name)
	}
	stepCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	res, err := fn(stepCtx)
	elapsed := time.Since(start)
	if res.ms > 0 {
		elapsed = res.ms
	}
	s := Step{Name: name, OK: err == nil, Ms: ms(elapsed), Detail: res.detail, Code: res.code}
	if err != nil {
		s.Detail = err.Error()
		if ctx.Err() != nil {
			s.Detail = name + " canceled"
		}
	}
	r.o.Logger.Debug("check step", "account", r.t.Account, "step", name, "ok", s.OK, "ms", s.Ms, "detail", s.Detail)
	r.rep.Steps = append(r.rep.Steps, s)
	r.o.done(r.t.Account, s)
	return s, ctx.Err() == nil
}

// CheckNetwork runs the network check of one account. It never fails as a
// whole: every problem is a step with OK false and a detail, and the
// report's Verdict says what to do first. Cancelling ctx ends the check
// promptly with the steps run so far.
func CheckNetwork(ctx context.Context, t Target, o Options) AccountReport {
	o.defaults()
	rep := AccountReport{Account: t.Account, Kind: t.Kind}
	r := &runner{t: t, o: o, rep: &rep, resolved: map[string][]net.IP{}}
	r.check(ctx)
	return rep
}

func (r *runner) check(ctx context.Context) {
	urls, badURLs := splitICEServers(r.t.ICEServers)

	// DNS, once per host name, before anything connects.
	var hosts []string
	seen := map[string]bool{}
	addHost := func(h string) {
		if h != "" && net.ParseIP(h) == nil && !seen[h] {
			seen[h] = true
			hosts = append(hosts, h)
		}
	}
	for _, raw := range concat(r.t.HTTPS, r.t.MQTT, r.t.WSS) {
		if ep, err := parseEndpoint(raw); err == nil {
			addHost(ep.host)
		}
	}
	for _, u := range urls {
		addHost(u.uri.Host)
	}
	for _, h := range hosts {
		if _, ok := r.run(ctx, "dns", r.o.StepTimeout, func(ctx context.Context) (stepResult, error) { return r.dnsStep(ctx, h) }); !ok {
			r.finish(ctx, nil)
			return
		}
	}

	for _, group := range []struct {
		name string
		urls []string
	}{{"https", r.t.HTTPS}, {"mqtt", r.t.MQTT}, {"wss", r.t.WSS}} {
		for _, raw := range group.urls {
			if _, ok := r.run(ctx, group.name, r.o.StepTimeout, func(ctx context.Context) (stepResult, error) { return r.connectStep(ctx, raw) }); !ok {
				r.finish(ctx, nil)
				return
			}
		}
	}
	for _, raw := range badURLs {
		s := Step{Name: "ice-server", Detail: fmt.Sprintf("%q is not a STUN or TURN URL: check the account's ICE server list", raw)}
		r.rep.Steps = append(r.rep.Steps, s)
		r.o.done(r.t.Account, s)
	}

	// STUN bindings first, then TURN allocations, as the troubleshooter does.
	var stuns, relays []webrtc.ICEServer
	var haveSTUN, haveTURN bool
	for _, pass := range []bool{false, true} {
		for _, u := range urls {
			if u.isTURN() != pass {
				continue
			}
			fn := r.stunStep
			if u.isTURN() {
				fn = r.turnStep
				haveTURN = true
			} else {
				haveSTUN = true
			}
			s, ok := r.run(ctx, u.stepName(), r.o.StepTimeout, func(ctx context.Context) (stepResult, error) { return fn(ctx, u) })
			if !ok {
				r.finish(ctx, nil)
				return
			}
			switch {
			case !s.OK:
			case u.isTURN():
				relays = append(relays, u.server)
			default:
				stuns = append(stuns, u.server)
			}
		}
	}

	working := append(append([]webrtc.ICEServer(nil), stuns...), relays...)
	_, ok := r.run(ctx, "candidates", r.o.StepTimeout, func(ctx context.Context) (stepResult, error) {
		res, labels, err := r.candidatesStep(ctx, working, len(relays) > 0, len(stuns) > 0)
		r.rep.Candidates = labels
		return res, err
	})
	if !ok {
		r.finish(ctx, nil)
		return
	}

	if r.t.Media != nil {
		r.checkMedia(ctx, haveSTUN, haveTURN, len(relays) > 0, len(stuns) > 0)
		return
	}

	var pr *probeResult
	probeTimeout := r.o.ConnectTimeout + 2*r.o.ProbeDuration + 5*time.Second
	_, ok = r.run(ctx, "probe", probeTimeout, func(ctx context.Context) (stepResult, error) {
		res, err := r.probe(ctx, relays, stuns)
		if err != nil {
			return stepResult{}, err
		}
		pr = &res
		return stepResult{detail: fmt.Sprintf("%s: rtt %.1f ms, loss up %.1f%% (%d packets) down %.1f%% (%d packets), up %.0f kbit/s, down %.0f kbit/s at a %.0f kbit/s target",
			res.path, ms(res.rtt), 100*res.lossUp, res.pingsUp, 100*res.lossDown, res.pongsDown, res.upKbps, res.downKbps, r.o.TargetKbps)}, nil
	})
	if !ok {
		r.finish(ctx, nil)
		return
	}
	if pr != nil && len(relays) > 0 {
		r.rep.RTTMs = round1(ms(pr.rtt))
		r.rep.LossUp = round4(pr.lossUp)
		r.rep.LossDown = round4(pr.lossDown)
		r.rep.UpKbps = round1(pr.upKbps)
		r.rep.DownKbps = round1(pr.downKbps)
		r.rep.Host = relayHost(relays)
		r.rep.Measured = "a data-channel probe through the TURN server at " + r.rep.Host + ", to this PC and back"
	}
	r.finish(ctx, &finishInfo{probe: pr, haveSTUN: haveSTUN, haveTURN: haveTURN, relayed: len(relays) > 0, stunOK: len(stuns) > 0})
}

// relayHost names the TURN server of the first relay that allocated.
func relayHost(relays []webrtc.ICEServer) string {
	for _, s := range relays {
		for _, u := range s.URLs {
			if uri, err := stun.ParseURI(u); err == nil {
				return net.JoinHostPort(uri.Host, strconv.Itoa(uri.Port))
			}
		}
	}
	return ""
}

// checkMedia runs the probe step of an account with a media server of its
// own (Target.Media): a real session to it, measured (mediaProbe).
func (r *runner) checkMedia(ctx context.Context, haveSTUN, haveTURN, relayed, stunOK bool) {
	var (
		res     *pathResult
		failure error
	)
	timeout := 2*r.o.ConnectTimeout + r.o.ProbeDuration + 5*time.Second
	_, ok := r.run(ctx, "probe", timeout, func(ctx context.Context) (stepResult, error) {
		p, err := r.mediaProbe(ctx)
		if err != nil {
			failure = err
			return stepResult{}, fmt.Errorf("%s: %w", r.t.MediaName, err)
		}
		res = &p
		return stepResult{detail: p.describe()}, nil
	})
	if !ok {
		r.finish(ctx, nil)
		return
	}
	if res != nil {
		r.rep.RTTMs = round1(ms(res.rtt))
		r.rep.LossUp = round4(res.lossUp)
		r.rep.LossDown = round4(res.lossDown)
		r.rep.UpKbps = round1(res.upKbps)
		r.rep.DownKbps = round1(res.downKbps)
		r.rep.Host = res.host
		r.rep.Measured = res.what + " at " + res.host
	}
	r.finish(ctx, &finishInfo{media: true, path: res, mediaErr: failure, haveSTUN: haveSTUN, haveTURN: haveTURN, relayed: relayed, stunOK: stunOK})
}

// describe says what the media probe measured, for the probe step.
func (p pathResult) describe() string {
	rtt := "ICE connectivity checks"
	if p.rttFrom == "RTCP" {
		rtt = "RTCP receiver reports"
	}
	s := fmt.Sprintf("%s at %s (%s): rtt %.1f ms (%s), loss down %.1f%% (%d packets)",
		p.what, p.host, p.pair, ms(p.rtt), rtt, 100*p.lossDown, p.pktsDown)
	if p.published {
		s += fmt.Sprintf(", up %.1f%% (%d packets)", 100*p.lossUp, p.pktsUp)
	}
	s += fmt.Sprintf(", %.0f kbit/s down", p.downKbps)
	if p.published {
		s += fmt.Sprintf(", %.0f kbit/s up", p.upKbps)
	}
	switch {
	case p.publishUnavailable != "":
		s += "; loss up not measured: the probe could not be published: " + p.publishUnavailable
	case !p.published:
		s += "; loss up not measured: the account does not publish here"
	}
	return s
}

// finishInfo is what the verdict needs beyond the steps.
type finishInfo struct {
	probe              *probeResult
	haveSTUN, haveTURN bool
	relayed, stunOK    bool
	// media: the probe was a real session (Target.Media); path is what it
	// measured, mediaErr why it measured nothing.
	media    bool
	path     *pathResult
	mediaErr error
}

// finish sets OK, Quality and Verdict. info is nil when the check was cut
// short by ctx.
func (r *runner) finish(ctx context.Context, info *finishInfo) {
	rep := r.rep
	if info == nil {
		rep.OK = false
		rep.Quality = QualityUnknown
		rep.Verdict = "the check was canceled before it finished"
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			rep.Verdict = "the check ran out of time before it finished"
		}
		return
	}
	var problems []string
	ok := true
	failed := func(name string) []Step {
		var out []Step
		for _, s := range rep.Steps {
			if s.Name == name && !s.OK {
				out = append(out, s)
			}
		}
		return out
	}
	for _, name := range []string{"dns", "https", "mqtt", "wss"} {
		for _, s := range failed(name) {
			ok = false
			rep.Failure = FailureNetwork
			problems = append(problems, fmt.Sprintf("cannot reach the %s service: %s", r.t.Kind, s.Detail))
		}
	}
	for _, s := range failed("ice-server") {
		ok = false
		problems = append(problems, s.Detail)
	}
	turnFailed := append(append(failed("turn-udp"), failed("turn-tcp")...), failed("turn-tls")...)
	if info.haveTURN && !info.relayed {
		ok = false
	}
	for _, s := range turnFailed {
		problems = append(problems, s.Detail)
	}
	if info.haveSTUN && !info.stunOK {
		ok = false
	}
	for _, s := range failed("stun") {
		problems = append(problems, "no STUN answer: "+s.Detail)
	}
	switch {
	case info.media && info.path == nil:
		ok = false
		rep.Quality = QualityUnknown
		rep.Failure = Classify(info.mediaErr)
		why := session.Reason(info.mediaErr)
		switch {
		case errors.Is(info.mediaErr, ErrNoPath):
			// The server answered; no media crossed: that is measured.
			rep.Quality = QualityDisconnected
			rep.Failure = FailureNetwork
			rep.Measured = "no media reached this PC from " + r.t.MediaName
			problems = append(problems, "no media could flow from "+r.t.MediaName+": "+why+"; calls will not connect: check a firewall or VPN that blocks UDP")
		case rep.Failure == FailureNetwork:
			rep.Measured = NotMeasured + "cannot reach the media server: " + why
			problems = append(problems, "path not measured: cannot reach the "+r.t.Kind+" media server for "+r.t.MediaName+": "+why)
		case rep.Failure == FailureCredentials:
			rep.Measured = NotMeasured + "the server refused the session: " + why
			problems = append(problems, "path not measured: the "+r.t.Kind+" service refused "+r.t.MediaName+": "+why+"; fix the account's credentials in the config")
		default:
			rep.Measured = NotMeasured + why
			problems = append(problems, "path not measured: "+r.t.MediaName+" could not be played: "+why)
		}
	case info.media:
		p := info.path
		rep.Quality = Score(ms(p.rtt), max(p.lossUp, p.lossDown))
		if rep.Quality >= QualityVeryPoor {
			ok = false
		}
		problems = append(problems, qualityVerdict(rep.Quality, ms(p.rtt), p.lossUp, p.lossDown, "on the path to "+p.host))
	case info.probe == nil:
		ok = false
		rep.Quality = QualityDisconnected
		for _, s := range failed("probe") {
			problems = append(problems, "no media could flow: "+s.Detail+"; calls will not connect: check a firewall or VPN that blocks UDP")
		}
	case !info.relayed:
		// Two peers on this PC, no relay between them: the figures are of
		// the PC, not of any route. No grade.
		rep.Quality = QualityUnknown
		rep.Measured = NotMeasured + "no TURN server relayed the probe and the account has no media server of its own to reach; the probe between two peers on this PC says nothing of the route"
		problems = append(problems, "path not measured: no working TURN server to probe through")
	default:
		p := info.probe
		loss := max(p.lossUp, p.lossDown)
		rep.Quality = Score(ms(p.rtt), loss)
		// A very poor path connects, but live video and talk over it are
		// unusable: the account is not ready for a call.
		if rep.Quality >= QualityVeryPoor {
			ok = false
		}
		where := "on the direct path"
		if info.relayed {
			where = "on the relay path"
		}
		problems = append(problems, qualityVerdict(rep.Quality, ms(p.rtt), p.lossUp, p.lossDown, where))
	}
	rep.OK = ok
	if !ok && rep.Failure == "" {
		// The service answered and signed us in; what failed is the path
		// to its media servers.
		rep.Failure = FailureNetwork
	}
	rep.Verdict = strings.Join(problems, "; ")
}

// qualityVerdict says in plain words what the measured path means for a
// call and what to do about it.
func qualityVerdict(q int, rttMs, lossUp, lossDown float64, where string) string {
	loss := max(lossUp, lossDown)
	dir := "both ways"
	switch {
	case lossUp >= 2*lossDown && lossUp > 0.01:
		dir = "upstream"
	case lossDown >= 2*lossUp && lossDown > 0.01:
		dir = "downstream"
	}
	switch q {
	case QualityExcellent:
		return fmt.Sprintf("excellent network %s (rtt %.0f ms, loss %.1f%%): video and talk will be smooth", where, rttMs, 100*loss)
	case QualityGood:
		return fmt.Sprintf("good network %s (rtt %.0f ms, loss %.1f%%): video and talk will work well", where, rttMs, 100*loss)
	}
	var parts []string
	lossBad := Score(0, loss) >= q
	rttBad := Score(rttMs, 0) >= q
	if lossBad {
		parts = append(parts, fmt.Sprintf("packet loss %.0f%% %s %s: check Wi-Fi or the uplink; video will stutter", 100*loss, dir, where))
	}
	if rttBad {
		parts = append(parts, fmt.Sprintf("round-trip time %.0f ms %s: the network or the relay is slow or far away; talk will lag", rttMs, where))
	}
	return QualityName(q) + " network: " + strings.Join(parts, "; ")
}

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
func round4(v float64) float64 { return math.Round(v*10000) / 10000 }
