package whep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/lookout-app/lookout/audio/g711"
	"github.com/lookout-app/lookout/session/demo/videofeed"
)

// resource is one session created by a POST.
type resource struct {
	id, etag string
	pc       *webrtc.PeerConnection
	stream   string // the stream it plays, or "" for a publisher
	// sub is its place in the stream's video; set under Server.mu when
	// the session is registered, nil for a publisher.
	sub    *videofeed.Subscription
	member string // the room member it plays, or ""
	user   string // the room user id it joined as, or ""
	name   string // what it plays or publishes
	mid    string // the first media section's mid, for trickled candidates
	stop   chan struct{}
	once   sync.Once
	wg     sync.WaitGroup
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
	res := &resource{id: randomID(), etag: `"` + randomID() + `"`, pc: pc, member: t.member, user: t.user, name: t.stream, stop: make(chan struct{})}
	ok := false
	defer func() {
		if !ok {
			close(res.stop)
			_ = pc.Close()
			res.wg.Wait()
		}
	}()
	// The video is only ever subscribed to once the session is
	// registered, so a refused offer leaves no subscription behind.
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return nil, "", fmt.Errorf("bad offer: %w", err)
	}
	if trs := pc.GetTransceivers(); len(trs) > 0 {
		res.mid = trs[0].Mid()
	}
	var (
		track  *videofeed.Track
		sender *webrtc.RTPSender
	)
	if t.publish {
		name := t.stream
		if t.member == "" && strings.HasPrefix(name, "Room ") {
			name = s.cfg.Room
		}
		pc.OnTrack(func(tr *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
			if tr.Kind() != webrtc.RTPCodecTypeAudio {
				return
			}
			// The publisher's sender reports are read, as a real server
			// reads them: its receiver reports then carry LSR and DLSR
			// (RFC 3550 section 6.4.1), from which the publisher takes
			// the round trip.
			done := make(chan struct{})
			go func() {
				defer close(done)
				for {
					if _, _, err := r.ReadRTCP(); err != nil {
						return
					}
				}
			}()
			s.receive(name, tr)
			<-done
		})
	} else {
		res.stream = t.stream
		if track, err = videofeed.NewTrack("video", "demo-"+t.stream); err != nil {
			return nil, "", err
		}
		if sender, err = pc.AddTrack(track); err != nil {
			return nil, "", fmt.Errorf("no video section the stream can fill: %w", err)
		}
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
			s.mu.Lock()
			sub := res.sub
			s.mu.Unlock()
			if sub != nil {
				sub.Connected()
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
	if track != nil {
		pic := videofeed.Picture{Name: t.stream, Width: Width, Height: Height}
		if res.sub, err = s.video.Subscribe(pic, track, nil); err != nil {
			s.mu.Unlock()
			return nil, "", err
		}
		st := s.streams[t.stream]
		if st == nil {
			st = &videofeed.Audience{}
			s.streams[t.stream] = st
		}
		st.Add(res.sub)
		res.wg.Add(1)
		go func() {
			defer res.wg.Done()
			res.sub.ReadRTCP(sender) // PLI and FIR ask for an IDR
		}()
	}
	s.resources[res.id] = res
	var kicked *resource
	if res.user != "" {
		kicked = s.seats[res.user]
		s.seats[res.user] = res
		if kicked != nil {
			s.kickouts = append(s.kickouts, Kickout{User: res.user, Stream: kicked.name, At: time.Now()})
		}
	}
	s.mu.Unlock()
	ok = true
	if kicked != nil {
		s.log.Warn("demo whep: kicked out: the same user id joined the room again", "user", res.user, "ended", kicked.name, "joined", res.name)
		s.drop(kicked)
	}
	s.log.Info("demo whep: session", "stream", t.stream, "publish", t.publish, "resource", res.id)
	return res, pc.LocalDescription().SDP, nil
}

// drop hangs a session up: stop sending, close its peer, forget it.
func (s *Server) drop(r *resource) {
	r.once.Do(func() {
		s.mu.Lock()
		delete(s.resources, r.id)
		if r.user != "" && s.seats[r.user] == r {
			delete(s.seats, r.user)
		}
		sub, st := r.sub, s.streams[r.stream]
		s.mu.Unlock()
		if sub != nil {
			sub.Close()
			st.Remove(sub)
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
