package wcs

import (
	"errors"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/audio/g711"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session/demo/videofeed"
)

// gatherTimeout bounds ICE gathering of an answer (host candidates only).
const gatherTimeout = 5 * time.Second

// answer applies the offer to pc and returns the answer with every
// candidate in it: the server never trickles (spec 004, setRemoteSDP).
func answer(pc *webrtc.PeerConnection, offer string) (string, error) {
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", err
	}
	ans, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(ans); err != nil {
		return "", err
	}
	select {
	case <-gathered:
	case <-time.After(gatherTimeout):
		return "", errors.New("ICE gathering did not complete")
	}
	return pc.LocalDescription().SDP, nil
}

// player is one playStream.
type player struct {
	c      *client
	id     string
	name   string
	stream *stream
	pc     *webrtc.PeerConnection
	sub    *videofeed.Subscription        // the player's place in the stream's video
	audio  *webrtc.TrackLocalStaticSample // G.711 tone, when the offer takes it

	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

// play answers a playStream: FAILED "Stream not found" for a stream the
// server does not have; otherwise setRemoteSDP, then PLAYING and
// notifyVideoFormat once the peer connects, and outboundVideoRate every
// second while it plays.
func (c *client) play(st streamReq) {
	s := c.s
	s.mu.Lock()
	str := s.streams[st.Name]
	s.mu.Unlock()
	if str == nil {
		c.status(st.MediaSessionID, st.Name, false, "FAILED", "Stream not found", 0, 0)
		return
	}
	pc, err := s.playAPI.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		c.status(st.MediaSessionID, st.Name, false, "FAILED", "Internal error", 0, 0)
		return
	}
	p := &player{c: c, id: st.MediaSessionID, name: st.Name, stream: str, pc: pc, stop: make(chan struct{})}
	fail := func(info string, err error) {
		s.log.Info("demo wcs: cannot play", "stream", st.Name, "err", err)
		if p.sub != nil {
			p.sub.Close()
		}
		_ = pc.Close()
		c.status(st.MediaSessionID, st.Name, false, "FAILED", info, 0, 0)
	}
	video, err := videofeed.NewTrack("video", "wcs-"+st.Name)
	if err != nil {
		fail("Internal error", err)
		return
	}
	sender, err := pc.AddTrack(video)
	if err != nil {
		fail("Internal error", err)
		return
	}
	if p.sub, err = s.video.Subscribe(str.pic, video, nil); err != nil {
		fail("Internal error", err)
		return
	}
	audioMime := offeredG711(st.SDP)
	if audioMime != "" {
		p.audio, err = webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: audioMime, ClockRate: 8000}, "audio", "wcs-"+st.Name)
		if err == nil {
			_, err = pc.AddTrack(p.audio)
		}
		if err != nil {
			fail("Internal error", err)
			return
		}
	}
	pc.OnConnectionStateChange(func(state webrtc.PeerConnectionState) {
		switch state {
		case webrtc.PeerConnectionStateConnected:
			p.sub.Connected()
			c.status(p.id, p.name, false, "PLAYING", "", s.cfg.Width, s.cfg.Height)
			c.send("notifyVideoFormat", map[string]any{
				"streamerVideoWidth": s.cfg.Width, "streamerVideoHeight": s.cfg.Height,
				"mediaSessionId": p.id, "status": "RESIZE",
			})
		case webrtc.PeerConnectionStateFailed:
			c.forget(p.id, p)
			c.status(p.id, p.name, false, "FAILED", "Failed by ICE timeout", 0, 0)
			go p.end()
		}
	})
	sdp, err := answer(pc, st.SDP)
	if err != nil {
		fail("Failed to apply the offer", err)
		return
	}
	c.add(p.id, p)
	str.players.Add(p.sub)
	p.wg.Add(2)
	go func() {
		defer p.wg.Done()
		p.sub.ReadRTCP(sender) // PLI and FIR ask for an IDR
	}()
	go p.report()
	if p.audio != nil {
		p.wg.Add(1)
		go p.sendTone(audioMime)
		c.send("notifyAudioCodec", p.id, map[string]string{"name": strings.ToLower(strings.TrimPrefix(audioMime, "audio/"))})
	}
	c.send("setRemoteSDP", p.id, sdp, true)
}

// report sends outboundVideoRate every second.
func (p *player) report() {
	defer p.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var lastBytes, lastFrames int64
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			f, b := p.sub.Sent()
			if f == 0 {
				continue
			}
			p.c.send("outboundVideoRate", map[string]any{
				"mediaSessionId": p.id, "videoRate": (b - lastBytes) * 8, "fps": f - lastFrames,
				"nack": 0, "pli": 0, "lostPackets": 0, "width": p.c.s.cfg.Width, "height": p.c.s.cfg.Height,
			})
			lastBytes, lastFrames = b, f
		}
	}
}

// ToneHz is the frequency of the tone every stream sends as its audio.
const ToneHz = 1000

// sendTone sends 20 ms G.711 frames of a 1 kHz tone at about -20 dBFS.
func (p *player) sendTone(mime string) {
	defer p.wg.Done()
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	pcm := make([]int16, 160)
	var n int64
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
		for i := range pcm {
			pcm[i] = int16(3277 * math.Sin(2*math.Pi*ToneHz*float64(n+int64(i))/8000))
		}
		n += int64(len(pcm))
		var b []byte
		if mime == webrtc.MimeTypePCMA {
			b = g711.EncodeAlaw(make([]byte, 0, len(pcm)), pcm)
		} else {
			b = g711.EncodeUlaw(make([]byte, 0, len(pcm)), pcm)
		}
		if err := p.audio.WriteSample(media.Sample{Data: b, Duration: 20 * time.Millisecond}); err != nil && !errors.Is(err, webrtc.ErrConnectionClosed) {
			p.c.s.log.Debug("demo wcs: audio write", "err", err)
		}
	}
}

// offeredG711 returns the first G.711 codec of the offer's audio section
// in its order of preference (PCMA or PCMU), or "".
func offeredG711(offer string) string {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(offer); err != nil {
		return ""
	}
	for _, m := range sd.MediaDescriptions {
		if m.MediaName.Media != "audio" {
			continue
		}
		names := map[string]string{"0": "PCMU", "8": "PCMA"}
		for _, a := range m.Attributes {
			if a.Key != "rtpmap" {
				continue
			}
			if pt, enc, ok := strings.Cut(a.Value, " "); ok {
				name, _, _ := strings.Cut(enc, "/")
				names[pt] = strings.ToUpper(name)
			}
		}
		for _, f := range m.MediaName.Formats {
			switch names[f] {
			case "PCMA":
				return webrtc.MimeTypePCMA
			case "PCMU":
				return webrtc.MimeTypePCMU
			}
		}
	}
	return ""
}

// end stops the player and waits for its goroutines.
func (p *player) end() {
	p.stopOnce.Do(func() {
		close(p.stop)
		p.sub.Close()
		p.stream.players.Remove(p.sub)
		_ = p.pc.Close()
		p.wg.Wait()
	})
}

// publisher is one publishStream.
type publisher struct {
	c        *client
	id, name string
	pc       *webrtc.PeerConnection
	rec      *Recording
	stopOnce sync.Once
	wg       sync.WaitGroup
	busy     sync.Mutex // guards closing against new track readers
	closing  bool
}

// publish answers a publishStream: setRemoteSDP, PUBLISHING once the peer
// connects, and the audio it receives is decoded into the stream's
// recording.
func (c *client) publish(st streamReq) {
	s := c.s
	s.mu.Lock()
	taken := s.published[st.Name] != nil || s.streams[st.Name] != nil
	s.mu.Unlock()
	if taken {
		c.status(st.MediaSessionID, st.Name, true, "FAILED", "Stream with this name is already published", 0, 0)
		return
	}
	pc, err := s.pubAPI.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		c.status(st.MediaSessionID, st.Name, true, "FAILED", "Internal error", 0, 0)
		return
	}
	p := &publisher{c: c, id: st.MediaSessionID, name: st.Name, pc: pc, rec: s.recording(st.Name)}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if tr.Kind() != webrtc.RTPCodecTypeAudio {
			return
		}
		p.busy.Lock()
		defer p.busy.Unlock()
		if p.closing {
			return
		}
		p.wg.Add(1)
		go p.record(tr)
	})
	pc.OnConnectionStateChange(func(state webrtc.PeerConnectionState) {
		switch state {
		case webrtc.PeerConnectionStateConnected:
			c.status(p.id, p.name, true, "PUBLISHING", "", 0, 0)
		case webrtc.PeerConnectionStateFailed:
			c.forget(p.id, p)
			c.status(p.id, p.name, true, "FAILED", "Failed by ICE timeout", 0, 0)
			go p.end()
		}
	})
	sdp, err := answer(pc, st.SDP)
	if err != nil {
		s.log.Info("demo wcs: cannot publish", "stream", st.Name, "err", err)
		_ = pc.Close()
		c.status(st.MediaSessionID, st.Name, true, "FAILED", "Failed to apply the offer", 0, 0)
		return
	}
	s.mu.Lock()
	s.published[st.Name] = p
	s.mu.Unlock()
	c.add(p.id, p)
	c.send("setRemoteSDP", p.id, sdp, true)
}

// record decodes the published audio into the recording, mono.
func (p *publisher) record(tr *webrtc.TrackRemote) {
	defer p.wg.Done()
	mime := strings.ToLower(tr.Codec().MimeType)
	var dec *ffmpeg.AudioDecoder
	rate := 8000
	if mime == strings.ToLower(webrtc.MimeTypeOpus) {
		rate = 48000
		var err error
		dec, err = ffmpeg.NewAudioDecoder(webrtc.MimeTypeOpus, 48000, 2, audio.Format{SampleRate: rate, Channels: 1})
		if err != nil {
			p.c.s.log.Warn("demo wcs: opus decoder", "err", err)
			return
		}
		defer func() { _ = dec.Close() }()
	}
	p.c.s.log.Info("demo wcs: recording published audio", "stream", p.name, "codec", mime)
	var pcm []int16
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		switch mime {
		case strings.ToLower(webrtc.MimeTypePCMU):
			pcm = g711.DecodeUlaw(pcm[:0], pkt.Payload)
		case strings.ToLower(webrtc.MimeTypePCMA):
			pcm = g711.DecodeAlaw(pcm[:0], pkt.Payload)
		default:
			if pcm, err = dec.Decode(pkt.Payload); err != nil {
				continue
			}
		}
		p.rec.add(pcm, rate)
	}
}

// end stops publishing and waits for the recorder.
func (p *publisher) end() {
	p.stopOnce.Do(func() {
		s := p.c.s
		s.mu.Lock()
		if s.published[p.name] == p {
			delete(s.published, p.name)
		}
		s.mu.Unlock()
		p.busy.Lock()
		p.closing = true
		p.busy.Unlock()
		_ = p.pc.Close()
		p.wg.Wait()
	})
}
