// Package peer wraps a pion PeerConnection for one Lookout session: pion's
// callbacks become channels, and Close waits for everything the Peer started.
package peer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/lookout-app/lookout/player"
)

// Config says what the peer connection offers.
type Config struct {
	ICEServers []webrtc.ICEServer
	// Audio and Video are the transceiver directions; zero adds none.
	Audio, Video webrtc.RTPTransceiverDirection
	// AudioCodecs and VideoCodecs restrict the codecs offered by MIME type;
	// empty means every codec Lookout can handle.
	AudioCodecs, VideoCodecs []string
	// RTX offers a retransmission codec (video/rtx, apt=PT) for every
	// video codec; pion hands repaired packets to the track transparently.
	RTX bool
	// DisconnectedTimeout is how long ICE may hear nothing before it is
	// disconnected; it fails twice as long after that, and a connection
	// that is still checking fails after the sum of the two. Zero keeps
	// pion's defaults (5 s and 25 s more).
	DisconnectedTimeout time.Duration
	Logger              *slog.Logger
}

// Track is a remote track together with the codec negotiated for it.
type Track struct {
	Remote *webrtc.TrackRemote
	Codec  webrtc.RTPCodecParameters
	// CaptureTimeExt is the negotiated id of the abs-capture-time header
	// extension (player.AbsCaptureTimeURI), or 0 when the sender does not
	// carry it.
	CaptureTimeExt uint8
}

// Peer is one WebRTC peer connection.
type Peer struct {
	pc     *webrtc.PeerConnection
	log    *slog.Logger
	talk   *talkTrack // the sending audio track, or nil
	closed chan struct{}
	once   atomic.Bool

	candidates chan webrtc.ICECandidateInit
	tracks     chan Track
	states     chan webrtc.PeerConnectionState
	iceStates  chan webrtc.ICEConnectionState

	mu      sync.Mutex
	wg      sync.WaitGroup
	lastPC  webrtc.PeerConnectionState
	lastICE webrtc.ICEConnectionState
}

// The codecs Lookout can decode, in order of preference. Payload types
// follow the numbers browsers use so that answers from devices that copy a
// browser's numbering need no repair.
var videoCodecs = []webrtc.RTPCodecParameters{
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
		SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", RTCPFeedback: videoFeedback}, PayloadType: 102},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
		SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640032", RTCPFeedback: videoFeedback}, PayloadType: 112},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH265, ClockRate: 90000, RTCPFeedback: videoFeedback}, PayloadType: 116},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: videoFeedback}, PayloadType: 96},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP9, ClockRate: 90000, SDPFmtpLine: "profile-id=0", RTCPFeedback: videoFeedback}, PayloadType: 98},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeAV1, ClockRate: 90000, RTCPFeedback: videoFeedback}, PayloadType: 45},
}

var audioCodecs = []webrtc.RTPCodecParameters{
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}, PayloadType: 111},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}, PayloadType: 0},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000, Channels: 1}, PayloadType: 8},
}

// rtxFor returns an RTX codec for each codec, its payload type one above
// the codec's (a number no other codec of Lookout's uses).
func rtxFor(codecs []webrtc.RTPCodecParameters) []webrtc.RTPCodecParameters {
	out := make([]webrtc.RTPCodecParameters, 0, len(codecs))
	for _, c := range codecs {
		out = append(out, webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeRTX, ClockRate: c.ClockRate,
				SDPFmtpLine: fmt.Sprintf("apt=%d", c.PayloadType)},
			PayloadType: c.PayloadType + 1,
		})
	}
	return out
}

var videoFeedback = []webrtc.RTCPFeedback{
	{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"},
}

func pick(all []webrtc.RTPCodecParameters, want []string) []webrtc.RTPCodecParameters {
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

// interceptors registers pion's default interceptors but its statistics
// (webrtc.ConfigureStatsInterceptor): NACKs, RTCP reports, the simulcast
// header extensions and transport-wide congestion control feedback. The
// statistics interceptor serves PeerConnection.GetStats, which Lookout
// never calls (the player keeps its own), yet it cloned every packet's
// header into a fresh map entry, on every packet of every stream, even
// while nobody looks at the pictures.
func interceptors(m *webrtc.MediaEngine, reg *interceptor.Registry) error {
	if err := webrtc.ConfigureNack(m, reg); err != nil {
		return err
	}
	if err := webrtc.ConfigureRTCPReports(reg); err != nil {
		return err
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(m); err != nil {
		return err
	}
	return webrtc.ConfigureTWCCSender(m, reg)
}

// New builds a peer connection with the transceivers of cfg, audio first.
func New(cfg Config) (*Peer, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &webrtc.MediaEngine{}
	register := func(codecs []webrtc.RTPCodecParameters, kind webrtc.RTPCodecType) error {
		if len(codecs) == 0 {
			return ErrNoCodecs
		}
		for _, c := range codecs {
			if err := m.RegisterCodec(c, kind); err != nil {
				return fmt.Errorf("peer: register %s: %w", c.MimeType, err)
			}
		}
		return nil
	}
	if cfg.Audio != webrtc.RTPTransceiverDirectionUnknown {
		if err := register(pick(audioCodecs, cfg.AudioCodecs), webrtc.RTPCodecTypeAudio); err != nil {
			return nil, err
		}
	}
	if cfg.Video != webrtc.RTPTransceiverDirectionUnknown {
		video := pick(videoCodecs, cfg.VideoCodecs)
		if err := register(video, webrtc.RTPCodecTypeVideo); err != nil {
			return nil, err
		}
		if cfg.RTX {
			if err := register(rtxFor(video), webrtc.RTPCodecTypeVideo); err != nil {
				return nil, err
			}
		}
		// Senders that say when each picture was captured let the player
		// measure the latency up to the screen.
		if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: player.AbsCaptureTimeURI},
			webrtc.RTPCodecTypeVideo); err != nil {
			return nil, fmt.Errorf("peer: register header extension: %w", err)
		}
	}
	reg := &interceptor.Registry{}
	if err := interceptors(m, reg); err != nil {
		return nil, fmt.Errorf("peer: interceptors: %w", err)
	}
	se := webrtc.SettingEngine{LoggerFactory: Logs(log)}
	// UDP sockets read in batches while nobody sees the pictures (idle.go).
	nw, err := newBatchNet()
	if err != nil {
		return nil, fmt.Errorf("peer: network: %w", err)
	}
	se.SetNet(nw)
	// Demo cameras and test peers live on 127.0.0.1; pion leaves loopback
	// candidates out unless asked.
	se.SetIncludeLoopbackCandidate(true)
	if cfg.DisconnectedTimeout > 0 {
		se.SetICETimeouts(cfg.DisconnectedTimeout, 2*cfg.DisconnectedTimeout, time.Second)
		se.SetICEMaxBindingRequests(maxBindingRequests(3 * cfg.DisconnectedTimeout))
	}
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{ICEServers: cfg.ICEServers})
	if err != nil {
		return nil, fmt.Errorf("peer: new: %w", err)
	}
	p := &Peer{
		pc:         pc,
		log:        log,
		closed:     make(chan struct{}),
		candidates: make(chan webrtc.ICECandidateInit, 64),
		tracks:     make(chan Track, 4),
		states:     make(chan webrtc.PeerConnectionState, 16),
		iceStates:  make(chan webrtc.ICEConnectionState, 16),
	}
	switch cfg.Audio {
	case webrtc.RTPTransceiverDirectionUnknown:
	case webrtc.RTPTransceiverDirectionSendrecv, webrtc.RTPTransceiverDirectionSendonly:
		p.talk = &talkTrack{offers: pick(audioCodecs, cfg.AudioCodecs)}
		if _, err := pc.AddTransceiverFromTrack(p.talk, webrtc.RTPTransceiverInit{Direction: cfg.Audio}); err != nil {
			return nil, errors.Join(fmt.Errorf("peer: audio transceiver: %w", err), pc.Close())
		}
	default:
		if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: cfg.Audio}); err != nil {
			return nil, errors.Join(fmt.Errorf("peer: audio transceiver: %w", err), pc.Close())
		}
	}
	if cfg.Video != webrtc.RTPTransceiverDirectionUnknown {
		if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: cfg.Video}); err != nil {
			return nil, errors.Join(fmt.Errorf("peer: video transceiver: %w", err), pc.Close())
		}
	}
	pc.OnICECandidate(p.onCandidate)
	pc.OnTrack(p.onTrack)
	pc.OnConnectionStateChange(p.onState)
	pc.OnICEConnectionStateChange(p.onICEState)
	return p, nil
}

// iceCheckInterval is how often pion's ICE agent checks candidate pairs
// while connecting (ice.defaultCheckInterval).
const iceCheckInterval = 200 * time.Millisecond

// maxBindingRequests returns how many checks a candidate pair gets before
// it counts as failed: enough to go on checking it for the whole of window
// (with room for the extra checks new remote candidates trigger). pion
// gives up on a pair after 7 unanswered checks (about 1.4 s) and then
// waits out its checking deadline with nothing in flight, so a path that
// comes back a few seconds into an attempt (a camera back on the network)
// would only be found by the next attempt.
func maxBindingRequests(window time.Duration) uint16 {
	return uint16(min(2*window/iceCheckInterval, math.MaxUint16))
}

func (p *Peer) onCandidate(c *webrtc.ICECandidate) {
	init := webrtc.ICECandidateInit{} // empty candidate: gathering is complete
	if c != nil {
		init = c.ToJSON()
	}
	select {
	case p.candidates <- init:
	case <-p.closed:
	default:
		p.log.Debug("peer: local candidate dropped, nobody reading")
	}
}

func (p *Peer) onTrack(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
	tr := Track{Remote: t, Codec: t.Codec()}
	for _, e := range r.GetParameters().HeaderExtensions {
		if e.URI == player.AbsCaptureTimeURI && e.ID > 0 && e.ID < 256 {
			tr.CaptureTimeExt = uint8(e.ID)
		}
	}
	select {
	case p.tracks <- tr:
	case <-p.closed:
	}
}

func (p *Peer) onState(s webrtc.PeerConnectionState) {
	p.mu.Lock()
	p.lastPC = s
	p.mu.Unlock()
	select {
	case p.states <- s:
	case <-p.closed:
	default:
	}
}

func (p *Peer) onICEState(s webrtc.ICEConnectionState) {
	p.mu.Lock()
	p.lastICE = s
	p.mu.Unlock()
	select {
	case p.iceStates <- s:
	case <-p.closed:
	default:
	}
}

// Offer creates the offer and sets it as the local description. Candidates
// then arrive on Candidates as they are gathered.
func (p *Peer) Offer() (string, error) {
	offer, err := p.pc.CreateOffer(nil)
	if err != nil {
		return "", fmt.Errorf("peer: create offer: %w", err)
	}
	if err := p.pc.SetLocalDescription(offer); err != nil {
		return "", fmt.Errorf("peer: set local description: %w", err)
	}
	return offer.SDP, nil
}

// GatheredOffer creates the offer and waits until ICE gathering is complete,
// returning an offer that carries every candidate (for non-trickle signaling).
func (p *Peer) GatheredOffer(ctx context.Context) (string, error) {
	done := webrtc.GatheringCompletePromise(p.pc)
	if _, err := p.Offer(); err != nil {
		return "", err
	}
	select {
	case <-done:
	case <-ctx.Done():
		return "", ctx.Err()
	case <-p.closed:
		return "", ErrClosed
	}
	return p.pc.LocalDescription().SDP, nil
}

// SetAnswer applies the remote answer.
func (p *Peer) SetAnswer(sdp string) error {
	err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, webrtc.ErrUnsupportedCodec), errors.Is(err, webrtc.ErrCodecNotFound),
		errors.Is(err, webrtc.ErrNoCodecsAvailable), errors.Is(err, webrtc.ErrSenderWithNoCodecs):
		return fmt.Errorf("peer: set answer: %w: %w", ErrNoCommonCodec, err)
	}
	return fmt.Errorf("peer: set answer: %w", err)
}

// AddCandidate applies one remote candidate.
func (p *Peer) AddCandidate(c webrtc.ICECandidateInit) error {
	if err := p.pc.AddICECandidate(c); err != nil {
		return fmt.Errorf("peer: add candidate: %w", err)
	}
	return nil
}

// Candidates delivers local candidates; an empty Candidate ends gathering.
func (p *Peer) Candidates() <-chan webrtc.ICECandidateInit { return p.candidates }

// Tracks delivers remote tracks as they start.
func (p *Peer) Tracks() <-chan Track { return p.tracks }

// States delivers connection state changes (lossy: read State for the latest).
func (p *Peer) States() <-chan webrtc.PeerConnectionState { return p.states }

// ICEStates delivers ICE connection state changes (lossy).
func (p *Peer) ICEStates() <-chan webrtc.ICEConnectionState { return p.iceStates }

// State returns the latest connection and ICE states.
func (p *Peer) State() (webrtc.PeerConnectionState, webrtc.ICEConnectionState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastPC, p.lastICE
}

// TalkTrack returns the sending audio track, bound to the codec the answer
// chose, and that codec. Call it after SetAnswer.
func (p *Peer) TalkTrack() (TalkWriter, webrtc.RTPCodecParameters, error) {
	if p.talk == nil {
		return nil, webrtc.RTPCodecParameters{}, ErrNoTalk
	}
	inner, codec := p.talk.bound()
	if inner == nil {
		return nil, codec, fmt.Errorf("%w: no audio codec negotiated", ErrNoTalk)
	}
	return p.talk, codec, nil
}

// TalkWriter sends encoded talk frames.
type TalkWriter interface {
	WriteSample(media.Sample) error
}

// RequestKeyframe asks the sender of the media with the given SSRC for a new
// keyframe (PLI, which every WebRTC camera honours).
func (p *Peer) RequestKeyframe(ssrc webrtc.SSRC) error {
	return p.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(ssrc)}})
}

// Stats returns pion's statistics report: the transports and ICE
// candidates, without counts of the RTP received (no statistics
// interceptor, see interceptors).
func (p *Peer) Stats() webrtc.StatsReport { return p.pc.GetStats() }

// Go runs f in a goroutine that Close waits for; f must return once the
// closed channel it receives is closed.
func (p *Peer) Go(f func(closed <-chan struct{})) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		f(p.closed)
	}()
}

// Close closes the connection and waits for the goroutines started with Go.
// Later calls return ErrClosed.
func (p *Peer) Close() error {
	if !p.once.CompareAndSwap(false, true) {
		return ErrClosed
	}
	close(p.closed)
	err := p.pc.Close()
	p.wg.Wait()
	if err != nil {
		return fmt.Errorf("peer: close: %w", err)
	}
	return nil
}
