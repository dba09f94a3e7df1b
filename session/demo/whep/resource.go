package whep

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/lookout-app/lookout/audio/g711"
)

// resource is one session created by a POST.
type resource struct {
	id, etag string
	pc       *webrtc.PeerConnection
	feed     *feed  // the stream it plays, or nil for a publisher
	member   string // the room member it plays, or ""
	mid      string // the first media section's mid, for trickled candidates
	stop     chan struct{}
	once     sync.Once
	wg       sync.WaitGroup
}

// gatherTimeout bounds how long an answer waits for the server's candidates.
const gatherTimeout = 5 * time.Second

// answer makes the server's peer for an offer and returns its answer with
// every server candidate in it (WHEP/WHIP servers do not trickle theirs).
func (s *Server) answer(ctx context.Context, offer string, t *target) (*resource, string, error) {
	pc, err := s.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, "", err
	}
	res := &resource{id: randomID(), etag: `"` + randomID() + `"`, pc: pc, member: t.member, stop: make(chan struct{})}
	ok := false
	defer func() {
		if !ok {
			close(res.stop)
			_ = pc.Close()
			res.wg.Wait()
		}
	}()
	// A feed is only ever added to once the session is registered, so a
	// refused offer leaves none behind.
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return nil, "", fmt.Errorf("bad offer: %w", err)
	}
	if trs := pc.GetTransceivers(); len(trs) > 0 {
		res.mid = trs[0].Mid()
	}
	var track *webrtc.TrackLocalStaticSample
	if t.publish {
		name := t.stream
		if t.member == "" && strings.HasPrefix(name, "Room ") {
			name = s.cfg.Room
		}
		pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
			if tr.Kind() != webrtc.RTPCodecTypeAudio {
				return
			}
			s.receive(name, tr)
		})
	} else {
		s.mu.Lock()
		f := s.feeds[t.stream]
		if f == nil {
			f = &feed{s: s, name: t.stream, viewers: map[*resource]*viewer{}}
			s.feeds[t.stream] = f
		}
		s.mu.Unlock()
		res.feed = f
		track, err = webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
		}, "video", "demo-"+t.stream)
		if err != nil {
			return nil, "", err
		}
		sender, err := pc.AddTrack(track)
		if err != nil {
			return nil, "", fmt.Errorf("no video section the stream can fill: %w", err)
		}
		res.wg.Add(1)
		go func() {
			defer res.wg.Done()
			for {
				pkts, _, err := sender.ReadRTCP()
				if err != nil {
					return
				}
				if res.feed != nil && wantsKey(pkts) {
					res.feed.requestKey()
				}
			}
		}()
	}
	if !t.publish && t.tone {
		if err := s.addTone(res); err != nil {
			return nil, "", err
		}
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return nil, "", fmt.Errorf("no codec in common (this server sends H.264 and takes Opus): %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return nil, "", err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return nil, "", ctx.Err()
	case <-time.After(gatherTimeout):
		return nil, "", errors.New("gathering timed out")
	}
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateConnected:
			if res.feed != nil {
				res.feed.connected(res)
			}
		case webrtc.PeerConnectionStateFailed:
			go s.drop(res)
		}
	})
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		return nil, "", errors.New("server closing")
	}
	s.resources[res.id] = res
	if track != nil {
		res.feed.add(res, track)
	}
	s.mu.Unlock()
	ok = true
	s.log.Info("demo whep: session", "stream", t.stream, "publish", t.publish, "resource", res.id)
	return res, pc.LocalDescription().SDP, nil
}

// wantsKey reports whether RTCP asks for a keyframe (PLI or FIR).
func wantsKey(pkts []rtcp.Packet) bool {
	for _, p := range pkts {
		switch p.(type) {
		case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
			return true
		}
	}
	return false
}

// drop hangs a session up: stop sending, close its peer, forget it.
func (s *Server) drop(r *resource) {
	r.once.Do(func() {
		s.mu.Lock()
		delete(s.resources, r.id)
		s.mu.Unlock()
		if r.feed != nil {
			r.feed.remove(r)
		}
		close(r.stop)
		_ = r.pc.Close()
		r.wg.Wait()
	})
}

// receive decodes a publisher's Opus talk into the name's received audio.
func (s *Server) receive(name string, tr *webrtc.TrackRemote) {
	var dec PCMDecoder
	if s.cfg.NewOpusDecoder != nil && strings.EqualFold(tr.Codec().MimeType, webrtc.MimeTypeOpus) {
		d, err := s.cfg.NewOpusDecoder()
		if err != nil {
			s.log.Warn("demo whep: opus decoder", "err", err)
		} else {
			dec = d
			defer func() { _ = d.Close() }()
		}
	}
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		if dec == nil || len(pkt.Payload) == 0 {
			continue
		}
		pcm, err := dec.Decode(pkt.Payload)
		if err != nil {
			continue
		}
		s.mu.Lock()
		buf := append(s.received[name], pcm...)
		if len(buf) > maxReceived {
			buf = buf[len(buf)-maxReceived:]
		}
		s.received[name] = buf
		s.mu.Unlock()
	}
}

// serveResource answers PATCH (trickle) and DELETE (hang up) on a session.
func (s *Server) serveResource(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	res := s.resources[id]
	s.mu.Unlock()
	if res == nil {
		fail(w, http.StatusNotFound, "no such session")
		return
	}
	switch r.Method {
	case http.MethodDelete:
		s.drop(res)
		w.WriteHeader(http.StatusOK)
	case http.MethodPatch:
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/trickle-ice-sdpfrag" {
			fail(w, http.StatusUnsupportedMediaType, "PATCH takes application/trickle-ice-sdpfrag")
			return
		}
		match := r.Header.Get("If-Match")
		if match == "*" {
			// RFC 9725 4.5.2: a server that cannot restart ICE says so.
			fail(w, http.StatusMethodNotAllowed, "ICE restart is not supported")
			return
		}
		if match != "" && match != res.etag {
			fail(w, http.StatusPreconditionFailed, "ETag does not match the ICE session")
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxOffer))
		if err != nil {
			fail(w, http.StatusBadRequest, "unreadable sdpfrag")
			return
		}
		mid := res.mid
		for _, line := range strings.Split(string(body), "\n") {
			line = strings.TrimSpace(line)
			if v, ok := strings.CutPrefix(line, "a=mid:"); ok {
				mid = v
			}
			if c, ok := strings.CutPrefix(line, "a="); ok && strings.HasPrefix(c, "candidate:") {
				if err := res.pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: c, SDPMid: &mid}); err != nil {
					fail(w, http.StatusBadRequest, "bad candidate: "+err.Error())
					return
				}
			}
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "PATCH, DELETE")
		fail(w, http.StatusMethodNotAllowed, "method not allowed")
	}
}

// feed is one stream's encoder, shared by its viewers while any watch.
type feed struct {
	s    *Server
	name string

	mu        sync.Mutex
	viewers   map[*resource]*viewer
	keyReq    bool
	running   bool
	stop      chan struct{}
	firstSent []byte
}

// viewer is a session's place in a feed: it gets pictures from the first
// IDR encoded once its connection is up.
type viewer struct {
	track   *webrtc.TrackLocalStaticSample
	readyAt time.Time // zero until connected
	started bool
}

// srtpDelay leaves pion time to start SRTP after it reports connected.
const srtpDelay = 30 * time.Millisecond

func (f *feed) add(r *resource, track *webrtc.TrackLocalStaticSample) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.viewers[r] = &viewer{track: track}
	if !f.running {
		f.running = true
		f.stop = make(chan struct{})
		f.s.wg.Add(1)
		go f.run(f.stop)
	}
}

func (f *feed) connected(r *resource) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v := f.viewers[r]; v != nil && v.readyAt.IsZero() {
		v.readyAt = time.Now().Add(srtpDelay)
	}
}

func (f *feed) remove(r *resource) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.viewers, r)
	if len(f.viewers) == 0 && f.running {
		close(f.stop)
		f.running = false
	}
}

func (f *feed) requestKey() {
	f.mu.Lock()
	f.keyReq = true
	f.mu.Unlock()
}

// wantKey says whether the picture of now must be an IDR.
func (f *feed) wantKey(now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	force := f.keyReq
	f.keyReq = false
	for _, v := range f.viewers {
		if !v.readyAt.IsZero() && !v.started && !now.Before(v.readyAt) {
			force = true
		}
	}
	return force
}

// targets returns the tracks an access unit goes to, starting waiting
// viewers on an IDR.
func (f *feed) targets(dst []*webrtc.TrackLocalStaticSample, now time.Time, au []byte, key bool) []*webrtc.TrackLocalStaticSample {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, v := range f.viewers {
		if !v.started && key && !v.readyAt.IsZero() && !now.Before(v.readyAt) {
			v.started = true
			f.firstSent = append(f.firstSent[:0], au...)
		}
		if v.started {
			dst = append(dst, v.track)
		}
	}
	return dst
}

func (f *feed) run(stop chan struct{}) {
	defer f.s.wg.Done()
	enc, err := f.s.cfg.NewEncoder(Width, Height, fps)
	if err != nil {
		f.s.log.Error("demo whep: encoder", "err", err)
		return
	}
	defer func() { _ = enc.Close() }()
	img := image.NewYCbCr(image.Rect(0, 0, Width, Height), image.YCbCrSubsampleRatio420)
	tick := time.NewTicker(time.Second / fps)
	defer tick.Stop()
	var (
		frame   int64
		last    = time.Now()
		targets []*webrtc.TrackLocalStaticSample
	)
	for {
		select {
		case <-stop:
			return
		case <-f.s.stop:
			return
		case now := <-tick.C:
			force := f.wantKey(now)
			f.s.cfg.Draw(img, f.name, now, frame)
			frame++
			aus, err := enc.Encode(img, force)
			if err != nil {
				f.s.log.Warn("demo whep: encode", "err", err)
				continue
			}
			dur := now.Sub(last)
			last = now
			for _, au := range aus {
				targets = f.targets(targets[:0], now, au, isIDR(au))
				for _, tr := range targets {
					if err := tr.WriteSample(media.Sample{Data: au, Duration: dur}); err != nil && !errors.Is(err, io.ErrClosedPipe) {
						f.s.log.Debug("demo whep: video write", "err", err)
					}
				}
			}
		}
	}
}

// isIDR reports whether an Annex-B access unit holds an IDR slice (NAL
// type 5).
func isIDR(au []byte) bool {
	for i := 0; i+3 < len(au); i++ {
		if au[i] == 0 && au[i+1] == 0 && au[i+2] == 1 && au[i+3]&0x1F == 5 {
			return true
		}
	}
	return false
}

// ToneHz is the frequency of the G.711 tone the lobby stream sends.
const ToneHz = 1000

// addTone sends a PCMU tone to a viewer whose offer takes audio: 20 ms
// frames at 8 kHz, from when the session is answered until it ends.
func (s *Server) addTone(res *resource) error {
	offersAudio := false
	for _, tr := range res.pc.GetTransceivers() {
		if tr.Kind() == webrtc.RTPCodecTypeAudio {
			offersAudio = true
		}
	}
	if !offersAudio {
		return nil
	}
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, "audio", "demo-audio")
	if err != nil {
		return err
	}
	if _, err := res.pc.AddTrack(track); err != nil {
		return fmt.Errorf("audio track: %w", err)
	}
	res.wg.Add(1)
	go func() {
		defer res.wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		pcm := make([]int16, 160)
		var n int64
		for {
			select {
			case <-res.stop:
				return
			case <-tick.C:
				for i := range pcm {
					pcm[i] = int16(8000 * math.Sin(2*math.Pi*ToneHz*float64(n)/8000))
					n++
				}
				_ = track.WriteSample(media.Sample{Data: g711.EncodeUlaw(nil, pcm), Duration: 20 * time.Millisecond})
			}
		}
	}()
	return nil
}
