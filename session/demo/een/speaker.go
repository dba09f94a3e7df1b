package een

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/audio/g711"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session/peer"
)

// ToneHz is the tone the full-duplex speaker's microphone sends back.
const ToneHz = 440

// maxRecorded bounds the talk audio one session keeps (two minutes at
// 48 kHz).
const maxRecorded = 2 * 60 * 48000

// Speaker is one simulated talkdown speaker. It takes one caller: while a
// session is open a second createSession is answered with reason busy
// (spec 003 section 7, "Busy State").
type Speaker struct {
	id, mediaType string
	busy          atomic.Bool

	mu       sync.Mutex
	sessions []*talkSession
	inUse    bool // a session is open or being set up
}

func newSpeaker(id, mediaType string, busy bool) *Speaker {
	s := &Speaker{id: id, mediaType: mediaType}
	s.busy.Store(busy)
	return s
}

// ID is the speaker's device id.
func (s *Speaker) ID() string { return s.id }

// MediaType is the feed's mediaType.
func (s *Speaker) MediaType() string { return s.mediaType }

// Busy reports whether createSession is refused with reason busy now:
// the speaker is in use, or set busy.
func (s *Speaker) Busy() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inUse || s.busy.Load()
}

// SetBusy makes the speaker refuse (or accept) new sessions as busy, as
// if another client were talking through it.
func (s *Speaker) SetBusy(b bool) { s.busy.Store(b) }

// claim takes the speaker for one session; false when it is busy.
func (s *Speaker) claim() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inUse || s.busy.Load() {
		return false
	}
	s.inUse = true
	return true
}

// release gives the speaker back after its session.
func (s *Speaker) release() {
	s.mu.Lock()
	s.inUse = false
	s.mu.Unlock()
}

// Record is what one session of a speaker heard.
type Record struct {
	Codec          string    // negotiated MIME type
	Direction      string    // the answer's audio direction
	Created, Ended time.Time // sessionCreated sent; session closed (zero while open)
	First, Last    time.Time // arrival of the first and last talk packet
	Packets        int
	Rate           int     // sample rate of Audio
	Audio          []int16 // decoded talk audio, mono
	EndReason      string  // "client", "cap", "disconnect", "dropped"
}

// Sessions returns copies of the speaker's session records, oldest first.
func (s *Speaker) Sessions() []Record {
	s.mu.Lock()
	list := append([]*talkSession(nil), s.sessions...)
	s.mu.Unlock()
	out := make([]Record, 0, len(list))
	for _, ts := range list {
		out = append(out, ts.record())
	}
	return out
}

// Active counts the sessions open now.
func (s *Speaker) Active() int {
	n := 0
	for _, r := range s.Sessions() {
		if r.Ended.IsZero() {
			n++
		}
	}
	return n
}

// talkSession is one audio session: a pion peer answering the client's
// offer.
type talkSession struct {
	sp   *Speaker
	c    *conn
	pc   *webrtc.PeerConnection
	stop chan struct{}
	once sync.Once
	wg   sync.WaitGroup
	capT *time.Timer

	mu  sync.Mutex
	rec Record
}

func (ts *talkSession) record() Record {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	r := ts.rec
	r.Audio = append([]int16(nil), ts.rec.Audio...)
	return r
}

// offeredAudio returns the audio codecs of the offer in its order of
// preference, and the audio section's direction.
func offeredAudio(offer string) ([]string, string, error) {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(offer); err != nil {
		return nil, "", err
	}
	for _, md := range sd.MediaDescriptions {
		if md.MediaName.Media != "audio" {
			continue
		}
		dir := "sendrecv"
		for _, a := range md.Attributes {
			switch a.Key {
			case "sendrecv", "sendonly", "recvonly", "inactive":
				dir = a.Key
			}
		}
		var names []string
		for _, f := range md.MediaName.Formats {
			if c, err := sd.GetCodecForPayloadType(uint8(atoi(f))); err == nil {
				names = append(names, strings.ToLower(c.Name))
			}
		}
		return names, dir, nil
	}
	return nil, "", errors.New("no audio section")
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return -1
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// codecs the speakers take, by SDP name.
var codecs = map[string]webrtc.RTPCodecCapability{
	"opus": {MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"},
	"pcmu": {MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1},
	"pcma": {MimeType: webrtc.MimeTypePCMA, ClockRate: 8000, Channels: 1},
}

// answer checks the offer against the feed's mediaType, answers it with
// the first offered codec the speaker takes, and starts the session.
func (sp *Speaker) answer(c *conn, offer string) (*talkSession, *protocolError) {
	names, dir, err := offeredAudio(offer)
	if err != nil {
		return nil, invalid("createSession", "offer: %v", err)
	}
	switch {
	case sp.mediaType == SendOnly && dir != "sendonly":
		return nil, invalid("createSession", "a send-only (audio) feed takes a sendonly offer, not %s", dir)
	case sp.mediaType != SendOnly && dir != "sendrecv":
		return nil, invalid("createSession", "a %s feed takes a sendrecv offer, not %s", sp.mediaType, dir)
	}
	var chosen webrtc.RTPCodecCapability
	for _, n := range names {
		if cap, ok := codecs[n]; ok {
			chosen = cap
			break
		}
	}
	if chosen.MimeType == "" {
		return nil, invalid("createSession", "no offered audio codec is Opus, PCMU or PCMA")
	}
	pc, err := c.srv.api.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, &protocolError{status: "internal", context: "createSession", message: err.Error(), reason: "serviceUnavailable"}
	}
	ts := &talkSession{sp: sp, c: c, pc: pc, stop: make(chan struct{})}
	ts.rec.Codec = chosen.MimeType
	fail := func(err error) (*talkSession, *protocolError) {
		_ = pc.Close()
		return nil, invalid("createSession", "%v", err)
	}
	// Candidates are sent once sessionCreated is out.
	var cmu sync.Mutex
	answered := false
	var pending []webrtc.ICECandidateInit
	pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand == nil {
			return
		}
		cmu.Lock()
		defer cmu.Unlock()
		if !answered {
			pending = append(pending, cand.ToJSON())
			return
		}
		c.sendEvent("talkdown", "iceCandidates", map[string]any{"iceCandidates": []webrtc.ICECandidateInit{cand.ToJSON()}})
	})
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		ts.wg.Add(1)
		go ts.readTalk(tr)
	})
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateFailed || st == webrtc.PeerConnectionStateClosed {
			go c.close()
		}
	})
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return fail(err)
	}
	var tone *webrtc.TrackLocalStaticSample
	for _, tr := range pc.GetTransceivers() {
		if tr.Kind() != webrtc.RTPCodecTypeAudio {
			continue
		}
		if err := tr.SetCodecPreferences([]webrtc.RTPCodecParameters{{RTPCodecCapability: chosen}}); err != nil {
			return fail(err)
		}
		if sp.mediaType == FullDuplex {
			tone, err = webrtc.NewTrackLocalStaticSample(chosen, "audio", "speaker-"+sp.id)
			if err != nil {
				return fail(err)
			}
			// AddTrack takes the offer's transceiver: the answer is sendrecv.
			if _, err := pc.AddTrack(tone); err != nil {
				return fail(err)
			}
			ts.rec.Direction = "sendrecv"
		} else {
			ts.rec.Direction = "recvonly" // a transceiver with no track answers recvonly
		}
		break
	}
	ans, err := pc.CreateAnswer(nil)
	if err != nil {
		return fail(err)
	}
	if err := pc.SetLocalDescription(ans); err != nil {
		return fail(err)
	}
	c.sendEvent("talkdown", "sessionCreated", map[string]any{
		"sessionDescription": map[string]string{"type": "answer", "sdp": pc.LocalDescription().SDP},
	})
	cmu.Lock()
	answered = true
	if len(pending) > 0 {
		c.sendEvent("talkdown", "iceCandidates", map[string]any{"iceCandidates": pending})
	}
	cmu.Unlock()
	ts.mu.Lock()
	ts.rec.Created = time.Now()
	ts.mu.Unlock()
	sp.mu.Lock()
	sp.sessions = append(sp.sessions, ts)
	sp.mu.Unlock()
	if tone != nil {
		ts.wg.Add(1)
		go ts.sendTone(tone, chosen)
	}
	ts.capT = time.AfterFunc(c.srv.cfg.SessionCap, func() {
		ts.setEnd("cap")
		c.fail(&protocolError{status: "requestTimeout", context: "session", message: "Maximum session duration reached", reason: "maxSessionDurationReached"})
	})
	return ts, nil
}

// setEnd records why the session ends, first reason wins.
func (ts *talkSession) setEnd(why string) {
	ts.mu.Lock()
	if ts.rec.EndReason == "" {
		ts.rec.EndReason = why
	}
	ts.mu.Unlock()
}

// readTalk decodes what the client sends into the session's record.
func (ts *talkSession) readTalk(tr *webrtc.TrackRemote) {
	defer ts.wg.Done()
	codec := tr.Codec()
	var dec *ffmpeg.AudioDecoder
	rate := 8000
	if strings.EqualFold(codec.MimeType, webrtc.MimeTypeOpus) {
		rate = 48000
		d, err := ffmpeg.NewAudioDecoder(codec.MimeType, int(codec.ClockRate), int(codec.Channels), audio.Format{SampleRate: rate, Channels: 1})
		if err != nil {
			ts.c.srv.log.Debug("demo een: opus decoder", "err", err)
			return
		}
		dec = d
		defer func() { _ = dec.Close() }()
	}
	ts.mu.Lock()
	ts.rec.Rate = rate
	ts.mu.Unlock()
	var pcm []int16
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		switch {
		case dec != nil:
			pcm, err = dec.Decode(pkt.Payload)
			if err != nil {
				continue
			}
		case strings.EqualFold(codec.MimeType, webrtc.MimeTypePCMU):
			pcm = g711.DecodeUlaw(pcm[:0], pkt.Payload)
		default:
			pcm = g711.DecodeAlaw(pcm[:0], pkt.Payload)
		}
		now := time.Now()
		ts.mu.Lock()
		if ts.rec.First.IsZero() {
			ts.rec.First = now
		}
		ts.rec.Last = now
		ts.rec.Packets++
		if len(ts.rec.Audio)+len(pcm) <= maxRecorded {
			ts.rec.Audio = append(ts.rec.Audio, pcm...)
		}
		ts.mu.Unlock()
	}
}

// sendTone is the full-duplex speaker's microphone: a ToneHz tone in
// 20 ms frames of the negotiated codec.
func (ts *talkSession) sendTone(track *webrtc.TrackLocalStaticSample, codec webrtc.RTPCodecCapability) {
	defer ts.wg.Done()
	const frame = 20 * time.Millisecond
	rate := int(codec.ClockRate)
	var enc *ffmpeg.AudioEncoder
	if strings.EqualFold(codec.MimeType, webrtc.MimeTypeOpus) {
		e, err := ffmpeg.NewAudioEncoder(codec.MimeType, audio.Format{SampleRate: rate, Channels: 1}, rate/50)
		if err != nil {
			ts.c.srv.log.Debug("demo een: opus encoder", "err", err)
			return
		}
		enc = e
		defer func() { _ = enc.Close() }()
	}
	t := time.NewTicker(frame)
	defer t.Stop()
	pcm := make([]int16, rate/50)
	var n int64
	for {
		select {
		case <-ts.stop:
			return
		case <-t.C:
		}
		for i := range pcm {
			pcm[i] = int16(0.3 * 32767 * math.Sin(2*math.Pi*ToneHz*float64(n+int64(i))/float64(rate)))
		}
		n += int64(len(pcm))
		var frames [][]byte
		switch {
		case enc != nil:
			f, err := enc.Encode(pcm)
			if err != nil {
				continue
			}
			frames = f
		case strings.EqualFold(codec.MimeType, webrtc.MimeTypePCMU):
			frames = [][]byte{g711.EncodeUlaw(nil, pcm)}
		default:
			frames = [][]byte{g711.EncodeAlaw(nil, pcm)}
		}
		for _, f := range frames {
			if err := track.WriteSample(media.Sample{Data: f, Duration: frame}); err != nil && !errors.Is(err, webrtc.ErrConnectionClosed) {
				ts.c.srv.log.Debug("demo een: tone write", "err", err)
			}
		}
	}
}

// close ends the session's peer and goroutines, once.
func (ts *talkSession) close() {
	ts.once.Do(func() {
		ts.setEnd("client")
		if ts.capT != nil {
			ts.capT.Stop()
		}
		close(ts.stop)
		_ = ts.pc.Close()
		ts.wg.Wait()
		ts.mu.Lock()
		ts.rec.Ended = time.Now()
		ts.mu.Unlock()
		ts.sp.release()
	})
}

// apiEngine is the speakers' pion API: Opus, PCMU and PCMA; host
// candidates on loopback; no mDNS.
type apiEngine struct{ api *webrtc.API }

func newAPIEngine(host string, log *slog.Logger) (*apiEngine, error) {
	m := &webrtc.MediaEngine{}
	for i, name := range []string{"opus", "pcmu", "pcma"} {
		pt := []webrtc.PayloadType{111, 0, 8}[i]
		if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: codecs[name], PayloadType: pt}, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, fmt.Errorf("demo een: register %s: %w", name, err)
		}
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		return nil, fmt.Errorf("demo een: interceptors: %w", err)
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	}
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	se.LoggerFactory = peer.Logs(log)
	return &apiEngine{api: webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))}, nil
}
