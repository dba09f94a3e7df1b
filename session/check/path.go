package check

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/interceptor/pkg/stats"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/peer"
)

// pathResult is what a real session to an account's media server measured.
type pathResult struct {
	what string // what was played and published, in words
	host string // the server's media address (remote candidate)
	pair string // the candidate pair, in words

	rtt     time.Duration
	rttFrom string // "RTCP" (receiver reports on the probe published) or "ICE" (connectivity checks)

	lossDown, lossUp   float64
	pktsDown, pktsUp   uint64 // packets the figures rest on
	downKbps, upKbps   float64
	published          bool
	publishUnavailable string // why nothing was published, when the call can publish but failed
}

// reportInterval is how often the probe's peers send RTCP sender and
// receiver reports: often, so a probe of a few seconds gets several round
// trips out of the server's receiver reports.
const reportInterval = 250 * time.Millisecond

// measuredPeer is one peer connection of the media probe with the stats
// pion's interceptors keep of its streams.
type measuredPeer struct {
	pc    *webrtc.PeerConnection
	mu    sync.Mutex
	stats stats.Getter
}

func (m *measuredPeer) get(ssrc webrtc.SSRC) *stats.Stats {
	m.mu.Lock()
	g := m.stats
	m.mu.Unlock()
	if g == nil {
		return nil
	}
	return g.Get(uint32(ssrc))
}

// Codecs the media probe offers: those Lookout plays, without NACK, RTX or
// FEC, so that what the path loses stays lost and is counted (a repaired
// packet would hide the path's loss).
var (
	probeVideoCodecs = []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}, PayloadType: 102},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640032"}, PayloadType: 112},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH265, ClockRate: 90000}, PayloadType: 116},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, PayloadType: 96},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP9, ClockRate: 90000, SDPFmtpLine: "profile-id=0"}, PayloadType: 98},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeAV1, ClockRate: 90000}, PayloadType: 45},
	}
	probeAudioCodecs = []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}, PayloadType: 111},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}, PayloadType: 0},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000, Channels: 1}, PayloadType: 8},
	}
)

// pickCodecs keeps the codecs of all whose MIME type is in want (all of
// them when want is empty), in want's order.
func pickCodecs(all []webrtc.RTPCodecParameters, want []string) []webrtc.RTPCodecParameters {
	if len(want) == 0 {
		return all
	}
	var out []webrtc.RTPCodecParameters
	for _, w := range want {
		for _, c := range all {
			if strings.EqualFold(c.MimeType, w) {
				out = append(out, c)
			}
		}
	}
	return out
}

// newMeasuredPeer builds a peer connection for plan whose RTCP reports and
// stream statistics the probe reads.
func (r *runner) newMeasuredPeer(plan session.Plan) (*measuredPeer, error) {
	m := &webrtc.MediaEngine{}
	for _, kind := range []struct {
		dir    webrtc.RTPTransceiverDirection
		codecs []webrtc.RTPCodecParameters
		typ    webrtc.RTPCodecType
	}{
		{plan.Audio, pickCodecs(probeAudioCodecs, plan.AudioCodecs), webrtc.RTPCodecTypeAudio},
		{plan.Video, pickCodecs(probeVideoCodecs, plan.VideoCodecs), webrtc.RTPCodecTypeVideo},
	} {
		if kind.dir == webrtc.RTPTransceiverDirectionUnknown {
			continue
		}
		if len(kind.codecs) == 0 {
			return nil, fmt.Errorf("check: no %s codec to offer", kind.typ)
		}
		for _, c := range kind.codecs {
			if err := m.RegisterCodec(c, kind.typ); err != nil {
				return nil, fmt.Errorf("check: register %s: %w", c.MimeType, err)
			}
		}
	}
	mp := &measuredPeer{}
	ir := &interceptor.Registry{}
	sf, err := stats.NewInterceptor(stats.WithLoggerFactory(peer.Logs(r.o.Logger)))
	if err != nil {
		return nil, err
	}
	sf.OnNewPeerConnection(func(_ string, g stats.Getter) {
		mp.mu.Lock()
		mp.stats = g
		mp.mu.Unlock()
	})
	ir.Add(sf)
	if err := webrtc.ConfigureRTCPReportsWithOptions(ir,
		[]report.ReceiverOption{report.ReceiverInterval(reportInterval)}, report.SenderInterval(reportInterval)); err != nil {
		return nil, err
	}
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	// Frequent keepalives: each is a connectivity check whose answer gives
	// the candidate pair a round-trip time.
	se.SetICETimeouts(5*time.Second, 10*time.Second, reportInterval)
	se.LoggerFactory = peer.Logs(r.o.Logger)
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{ICEServers: plan.ICEServers})
	if err != nil {
		return nil, fmt.Errorf("check: new peer: %w", err)
	}
	mp.pc = pc
	return mp, nil
}

// connect runs call's offer/answer for p (trickling when the call does)
// and waits until the connection is up.
func (r *runner) connect(probeCtx context.Context, p *measuredPeer, call session.Call, wg *sync.WaitGroup) error {
	ctx, cancel := context.WithTimeout(probeCtx, r.o.ConnectTimeout)
	defer cancel()
	connected := make(chan webrtc.PeerConnectionState, 8)
	p.pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		select {
		case connected <- s:
		default:
		}
	})
	plan := call.Plan()
	trickler := plan.Trickle
	trickle := trickler != nil
	local := make(chan webrtc.ICECandidateInit, 64)
	if trickle {
		p.pc.OnICECandidate(func(c *webrtc.ICECandidate) {
			init := webrtc.ICECandidateInit{}
			if c != nil {
				init = c.ToJSON()
			}
			select {
			case local <- init:
			default:
			}
		})
	}
	offer, err := p.pc.CreateOffer(nil)
	if err != nil {
		return err
	}
	gathered := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(offer); err != nil {
		return err
	}
	if !trickle {
		if err := waitFor(ctx, gathered, "gathering candidates"); err != nil {
			return err
		}
	}
	sdp := p.pc.LocalDescription().SDP
	if plan.ShapeOffer != nil {
		if sdp, err = plan.ShapeOffer(sdp); err != nil {
			return err
		}
	}
	answer, err := call.Exchange(ctx, sdp)
	if err != nil {
		return err
	}
	if plan.RepairAnswer != nil {
		if answer, err = plan.RepairAnswer(sdp, answer); err != nil {
			return err
		}
	}
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		return fmt.Errorf("%w: bad answer: %w", session.ErrProtocol, err)
	}
	if trickle {
		// Candidates go back and forth until the probe ends.
		tctx := probeCtx
		wg.Add(1)
		go func() {
			defer wg.Done()
			remote := trickler.Remote()
			for {
				select {
				case c := <-local:
					_ = trickler.Send(tctx, c)
				case c, ok := <-remote:
					if !ok {
						remote = nil
						continue
					}
					_ = p.pc.AddICECandidate(c)
				case <-tctx.Done():
					return
				}
			}
		}()
	}
	for {
		select {
		case s := <-connected:
			switch s {
			case webrtc.PeerConnectionStateConnected:
				return nil
			case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
				return fmt.Errorf("%w: the connection to the media server failed (ICE %s)", ErrNoPath, p.pc.ICEConnectionState())
			}
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("%w: no connection to the media server within %s (ICE %s)", ErrNoPath, r.o.ConnectTimeout, p.pc.ICEConnectionState())
			}
			return ctx.Err()
		}
	}
}

// downCount is what the stats interceptor counted of every stream
// received, at one time.
type downCount struct {
	recv, bytes uint64
	at          time.Time
}

// countDown sums the counts of the streams received so far.
func (m *measuredPeer) countDown(mu *sync.Mutex, tracks *[]*webrtc.TrackRemote) downCount {
	mu.Lock()
	got := append([]*webrtc.TrackRemote(nil), *tracks...)
	mu.Unlock()
	c := downCount{at: time.Now()}
	for _, tr := range got {
		if st := m.get(tr.SSRC()); st != nil {
			c.recv += st.InboundRTPStreamStats.PacketsReceived
			c.bytes += st.InboundRTPStreamStats.BytesReceived
		}
	}
	return c
}

// seqLog is what one received stream's packets said: the sequence
// numbers received (unwrapped), and the highest so far.
type seqLog struct {
	mu      sync.Mutex
	started bool
	highest int64
	got     map[int64]bool
}

// add notes one packet.
func (l *seqLog) add(seq uint16) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ext := int64(seq)
	if l.started {
		ext = l.highest + int64(int16(seq-uint16(l.highest)))
	}
	if !l.started || ext > l.highest {
		l.highest, l.started = ext, true
	}
	if l.got == nil {
		l.got = map[int64]bool{}
	}
	l.got[ext] = true
}

// mark returns the highest sequence number received, and whether any was.
func (l *seqLog) mark() (int64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.highest, l.started
}

// count returns how many of the packets from..to (inclusive) were sent
// and how many of them arrived.
func (l *seqLog) count(from, to int64) (sent, got uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for s := from; s <= to; s++ {
		sent++
		if l.got[s] {
			got++
		}
	}
	return sent, got
}

// window is one stream's packets counted for loss: from its first after
// the probe settled to its last a while before the end, so that packets
// late or out of order at either edge are not counted lost.
type window struct {
	log      *seqLog
	from, to int64
	open     bool // from is set
	closed   bool // to is set
}

// selectedPair returns the connection's candidate pair and its statistics.
func selectedPair(pc *webrtc.PeerConnection) (*webrtc.ICECandidatePair, webrtc.ICECandidatePairStats, bool) {
	var pair *webrtc.ICECandidatePair
	for _, tr := range pc.GetTransceivers() {
		if s := tr.Receiver(); s != nil && s.Transport() != nil {
			pair, _ = s.Transport().ICETransport().GetSelectedCandidatePair()
		}
		if pair == nil && tr.Sender() != nil && tr.Sender().Transport() != nil {
			pair, _ = tr.Sender().Transport().ICETransport().GetSelectedCandidatePair()
		}
		if pair != nil {
			break
		}
	}
	var best webrtc.ICECandidatePairStats
	found := false
	for _, s := range pc.GetStats() {
		ps, ok := s.(webrtc.ICECandidatePairStats)
		if !ok || !ps.Nominated {
			continue
		}
		if !found || ps.BytesReceived+ps.BytesSent > best.BytesReceived+best.BytesSent {
			best, found = ps, true
		}
	}
	return pair, best, pair != nil && found
}

// mediaProbe opens a real session to the account's media server through
// its own client (Target.Media): it plays the stream or room for the
// probe's duration and, when the call can publish, publishes a probe of
// silence meanwhile. Loss down and the rate down come from the statistics
// of the received RTP; loss up and the round trip from the server's RTCP
// receiver reports on the probe published (RFC 3550 section 6.4.1: LSR and
// DLSR); without a publish the round trip is the ICE connectivity checks'.
func (r *runner) mediaProbe(ctx context.Context) (res pathResult, err error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()

	call, err := r.t.Media(ctx)
	if err != nil {
		return res, err
	}
	defer func() { _ = call.Close() }()
	plan := call.Plan()
	play, err := r.newMeasuredPeer(plan)
	if err != nil {
		return res, err
	}
	defer func() { _ = play.pc.Close() }()
	for _, t := range []struct {
		dir webrtc.RTPTransceiverDirection
		typ webrtc.RTPCodecType
	}{{plan.Audio, webrtc.RTPCodecTypeAudio}, {plan.Video, webrtc.RTPCodecTypeVideo}} {
		if t.dir == webrtc.RTPTransceiverDirectionUnknown {
			continue
		}
		if _, err := play.pc.AddTransceiverFromKind(t.typ, webrtc.RTPTransceiverInit{Direction: t.dir}); err != nil {
			return res, err
		}
	}
	var (
		mu     sync.Mutex
		tracks []*webrtc.TrackRemote
		logs   []*seqLog
	)
	play.pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		log := &seqLog{}
		mu.Lock()
		tracks = append(tracks, tr)
		logs = append(logs, log)
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1500)
			for {
				n, _, err := tr.Read(buf)
				if err != nil {
					return // the connection closed
				}
				if n >= 4 {
					log.add(binary.BigEndian.Uint16(buf[2:4])) // RFC 3550 section 5.1
				}
			}
		}()
	})
	if err := r.connect(ctx, play, call, &wg); err != nil {
		return res, err
	}
	res.what = "played " + r.t.MediaName

	// Publish a probe where the account can publish, during the same time.
	stop := make(chan struct{})
	upDone := make(chan upResult, 1)
	publish := plan.Publish
	canPublish := publish != nil && plan.Talk != session.TalkNone
	if canPublish {
		wg.Add(1)
		go func() {
			defer wg.Done()
			upDone <- r.publishProbe(ctx, publish, stop)
		}()
	}

	// The loss down is counted over the packets sent between the probe's
	// first eighth and its last (a stream's first packets, a keyframe's
	// burst, may arrive out of order; the last may still be on their way),
	// the rate down over its last seven eighths.
	playStart := time.Now()
	settle := r.o.ProbeDuration / 8
	windows := map[*seqLog]*window{}
	edge := func(closing bool) {
		mu.Lock()
		defer mu.Unlock()
		for _, l := range logs {
			w := windows[l]
			if w == nil {
				w = &window{log: l}
				windows[l] = w
			}
			hi, ok := l.mark()
			switch {
			case !ok:
			case !closing && !w.open:
				w.from, w.open = hi+1, true
			case closing && w.open:
				w.to, w.closed = hi, true
			}
		}
	}
	var base downCount
	for i, wait := range []time.Duration{settle, r.o.ProbeDuration - 2*settle, settle} {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return res, ctx.Err()
		}
		switch i {
		case 0:
			edge(false)
			base = play.countDown(&mu, &tracks)
		case 1:
			edge(true)
		}
	}
	end := play.countDown(&mu, &tracks)
	close(stop)
	var up upResult
	if canPublish {
		select {
		case up = <-upDone:
		case <-ctx.Done():
			return res, ctx.Err()
		}
	}

	var sent, got uint64
	for _, w := range windows {
		if w.open && w.closed {
			s, g := w.log.count(w.from, w.to)
			sent, got = sent+s, got+g
		}
	}
	if got == 0 || end.recv == base.recv {
		return res, fmt.Errorf("%w: connected to the media server, but no media arrived in %s", ErrNoPath, time.Since(playStart).Round(100*time.Millisecond))
	}
	res.pktsDown = sent
	res.lossDown = float64(sent-got) / float64(sent)
	res.downKbps = float64(end.bytes-base.bytes) * 8 / 1000 / end.at.Sub(base.at).Seconds()

	pair, ps, ok := selectedPair(play.pc)
	if ok {
		res.host = fmt.Sprintf("%s:%d", pair.Remote.Address, pair.Remote.Port)
		res.pair = fmt.Sprintf("%s %s -> %s %s", pair.Local.Typ, pair.Local.Protocol, pair.Remote.Typ, pair.Remote.Protocol)
		switch {
		case ps.ResponsesReceived > 0:
			res.rtt = time.Duration(ps.TotalRoundTripTime / float64(ps.ResponsesReceived) * float64(time.Second))
			res.rttFrom = "ICE"
		case ps.CurrentRoundTripTime > 0:
			res.rtt = time.Duration(ps.CurrentRoundTripTime * float64(time.Second))
			res.rttFrom = "ICE"
		}
	}

	// Up: the server's receiver reports on the probe published.
	switch {
	case !canPublish:
	case up.err != nil:
		res.publishUnavailable = session.Reason(up.err)
	default:
		res.published = true
		res.what += " and published a probe to it"
		res.pktsUp, res.lossUp, res.upKbps = up.pkts, up.loss, up.kbps
		if up.measurements > 0 {
			res.rtt, res.rttFrom = up.rtt, "RTCP"
		}
	}
	if res.rttFrom == "" {
		return res, fmt.Errorf("%w: media arrived but no round trip was measured", ErrNoPath)
	}
	return res, nil
}

// upResult is what the probe published measured.
type upResult struct {
	err          error
	pkts         uint64
	loss         float64
	kbps         float64
	rtt          time.Duration
	measurements uint64
}

// publishProbe opens the call's publish session and sends encoded silence
// over it until stop is closed (or ctx ends), reading the server's RTCP
// meanwhile; then it reads what the server's receiver reports said and
// hangs up.
func (r *runner) publishProbe(ctx context.Context, publish func(context.Context) (session.Call, error), stop <-chan struct{}) (out upResult) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	call, err := publish(ctx)
	if err != nil {
		return upResult{err: err}
	}
	defer func() { _ = call.Close() }()
	plan := call.Plan()
	codecs := pickCodecs(probeAudioCodecs, plan.AudioCodecs)
	if len(codecs) == 0 {
		return upResult{err: errors.New("no audio codec to offer")}
	}
	plan.AudioCodecs = []string{codecs[0].MimeType}
	plan.Video = webrtc.RTPTransceiverDirectionUnknown
	p, err := r.newMeasuredPeer(plan)
	if err != nil {
		return upResult{err: err}
	}
	defer func() { _ = p.pc.Close() }()
	track, err := webrtc.NewTrackLocalStaticSample(codecs[0].RTPCodecCapability, "audio", "lookout-check")
	if err != nil {
		return upResult{err: err}
	}
	tr, err := p.pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		return upResult{err: err}
	}
	if err := r.connect(ctx, p, call, &wg); err != nil {
		return upResult{err: err}
	}
	// 10 ms frames: twice the packets of talk's 20 ms, so the loss up of a
	// probe of a few seconds rests on a few hundred packets.
	frame := 10 * time.Millisecond
	enc, err := ffmpeg.NewAudioEncoder(codecs[0].MimeType, audio.Format{SampleRate: 48000, Channels: 1}, int(int64(codecs[0].ClockRate)*int64(frame)/int64(time.Second)))
	if err != nil {
		return upResult{err: err}
	}
	defer func() { _ = enc.Close() }()
	sender := tr.Sender()
	var ssrc webrtc.SSRC
	if e := sender.GetParameters().Encodings; len(e) > 0 {
		ssrc = e[0].SSRC
	}
	wg.Add(1)
	go func() { // RTCP must be read for the interceptors to see it
		defer wg.Done()
		buf := make([]byte, 1500)
		for {
			if _, _, err := sender.Read(buf); err != nil {
				return
			}
		}
	}()
	start := time.Now()
	var rtts []time.Duration                          // one per receiver report that gave a round trip
	silence := make([]int16, 48000*frame/time.Second) // one frame
	tick := time.NewTicker(frame)
	defer tick.Stop()
	for sending := true; sending; {
		frames, err := enc.Encode(silence)
		if err != nil {
			return upResult{err: err}
		}
		for _, f := range frames {
			if err := track.WriteSample(media.Sample{Data: f, Duration: enc.FrameDuration()}); err != nil {
				return upResult{err: err}
			}
		}
		select {
		case <-tick.C:
		case <-stop:
			sending = false
		case <-ctx.Done():
			return upResult{err: ctx.Err()}
		}
		if st := p.get(ssrc); st != nil && st.RemoteInboundRTPStreamStats.RoundTripTimeMeasurements > out.measurements {
			out.measurements = st.RemoteInboundRTPStreamStats.RoundTripTimeMeasurements
			rtts = append(rtts, st.RemoteInboundRTPStreamStats.RoundTripTime)
		}
	}
	st := p.get(ssrc)
	if st == nil {
		return upResult{err: errors.New("no statistics of the probe published")}
	}
	ri := st.RemoteInboundRTPStreamStats
	lost := uint64(max(ri.PacketsLost, 0))
	out.pkts = ri.PacketsReceived + lost
	if out.pkts == 0 {
		return upResult{err: errors.New("the server sent no receiver report on the probe published")}
	}
	out.loss = float64(lost) / float64(out.pkts)
	out.kbps = float64(st.OutboundRTPStreamStats.BytesSent) * 8 / 1000 / time.Since(start).Seconds() * (1 - out.loss)
	if len(rtts) > 0 {
		// The lower median: one report held up on its way (a queue, a
		// busy server) does not move it.
		slices.Sort(rtts)
		out.rtt = rtts[(len(rtts)-1)/2]
	}
	out.measurements = uint64(len(rtts))
	return out
}
