package demo

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/audio/g711"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session/demo/videofeed"
)

// Stream types of a 302 offer's stream_type (spec 3.3; 1, the sub stream,
// is the default).
const (
	streamMain = 0
	streamSub  = 1
)

const (
	videoFPS          = 25
	audioRate         = 8000
	audioFrame        = 20 * time.Millisecond
	audioFrameSamples = audioRate / 50
	// ToneHz is the frequency of the tone every camera sends.
	ToneHz = 1000
	// EchoDelay is how long after talk audio reaches a camera it is played
	// back to the viewer who sent it.
	EchoDelay = time.Second
	// receivedMax bounds the received talk audio a camera keeps (one minute).
	receivedMax = 60 * audioRate
	// inboxSize bounds the messages waiting for a camera's signaling loop.
	inboxSize = 64
	// publishTimeout bounds the wait for the broker to acknowledge a publish.
	publishTimeout = 5 * time.Second
)

// newFFmpegEncoder is the encoder of the site's video (videofeed): libx264
// through player/ffmpeg at about one bit per ten pixels per frame.
func newFFmpegEncoder(w, h, fps int) (videofeed.Encoder, error) {
	return ffmpeg.NewH264Encoder(ffmpeg.EncoderConfig{
		Width:       w,
		Height:      h,
		FPS:         fps,
		BitrateKbps: max(w*h*fps/10/1000, 300),
		KeyInterval: 2 * fps,
	})
}

// CameraSim is one simulated Tuya camera: an MQTT client on the site's
// broker that answers protocol-302 offers with a pion peer streaming H.264
// video of the test picture and G.711 audio, and keeps the talk audio its
// viewers send.
type CameraSim struct {
	id, name string
	online   bool
	// What webrtc-configs says the camera has, and what it does: a
	// speaker plays (keeps) talk audio, a microphone sends the camera's
	// sound; callMode is its call_mode list; audioCodec is its skill's
	// audio codecType (101 PCM: either G.711; 105 u-law or 106 A-law
	// only).
	speaker, mic bool
	callMode     []int
	audioCodec   int
	// channels are the node ids of an NVR's channels; an NVR answers
	// only offers whose sub_device_id names one (spec 000's header:
	// "The node_id of a sub-device. It is only used by NVR devices.").
	channels []string
	// channelOffers counts the offers answered per channel.
	channelMu     sync.Mutex
	channelOffers map[string]int
	motoID        string
	auth          string
	topic         string // the camera's sink topic, /av/moto/<moto_id>/u/<id>
	created       time.Time
	cred          *mqttCred

	api     *webrtc.API
	video   *videofeed.Hub // the site's video, shared by every service
	scene   *cameraScene   // what the camera's video shows (scene.go)
	log     *slog.Logger
	witness witness

	offers, authRejected, oversizeDropped, maxPayload atomic.Int64
	// loudAt is when talk audio above loudLevel last started arriving
	// after ResetLoud (unix nanoseconds; 0 = not yet).
	loudAt atomic.Int64
	// expectAuth, when set, replaces auth as what offers must carry.
	expectAuth atomic.Pointer[string]
	// maxViewers, when positive, is how many viewers the camera streams to
	// at once; busyRejected counts the offers refused beyond it.
	maxViewers   atomic.Int32
	busyRejected atomic.Int64

	audioMu  sync.Mutex
	received []int16

	client    paho.Client
	inbox     chan []byte
	out       chan outgoing
	closing   chan struct{}
	closeOnce sync.Once
	ready     chan struct{}
	readyOnce sync.Once
	wg        sync.WaitGroup

	mu      sync.Mutex
	viewers map[string]*viewer

	fault faults // fault switches (faults.go)
}

// outgoing is one MQTT message waiting to be published.
type outgoing struct {
	topic   string
	payload []byte
}

// newCamera makes a camera; start connects it.
func newCamera(id, name string, online bool, api *webrtc.API, video *videofeed.Hub, log *slog.Logger) *CameraSim {
	c := &CameraSim{
		id:      id,
		name:    name,
		online:  online,
		speaker: true, mic: true, callMode: []int{1, 2}, audioCodec: skillPCM,
		motoID:  "moto_demo_" + id,
		auth:    randomBase64(32),
		created: time.Now(),
		api:     api,
		video:   video,
		log:     log.With("camera", id),
		inbox:   make(chan []byte, inboxSize),
		out:     make(chan outgoing, inboxSize),
		closing: make(chan struct{}),
		ready:   make(chan struct{}),
		viewers: map[string]*viewer{},
	}
	c.scene = &cameraScene{cam: c}
	c.topic = "/av/moto/" + c.motoID + "/u/" + id
	c.fault.kick = make(chan struct{}, 1)
	c.cred = &mqttCred{
		username: "device_" + id,
		password: randomHex(16),
		clientID: "device_" + id + "_" + randomHex(4),
		camera:   c,
	}
	return c
}

// ChannelOffers returns how many offers an NVR answered for channel
// (node id) ch.
func (c *CameraSim) ChannelOffers(ch string) int {
	c.channelMu.Lock()
	defer c.channelMu.Unlock()
	return c.channelOffers[ch]
}

// ID returns the device id.
func (c *CameraSim) ID() string { return c.id }

// Name returns the device name.
func (c *CameraSim) Name() string { return c.name }

// Online reports whether the camera is connected; offline cameras never
// answer.
func (c *CameraSim) Online() bool { return c.online }

// MotoID returns the moto_id webrtc-configs reports for the camera.
func (c *CameraSim) MotoID() string { return c.motoID }

// Auth returns the auth secret webrtc-configs reports; offers must carry it.
func (c *CameraSim) Auth() string { return c.auth }

// Topic returns the MQTT topic the camera listens on,
// /av/moto/<moto_id>/u/<device_id>.
func (c *CameraSim) Topic() string { return c.topic }

// Offers returns the number of offers the camera received.
func (c *CameraSim) Offers() int64 { return c.offers.Load() }

// ExpectAuth makes the camera insist on a different auth than the one the
// cloud hands out, as a camera re-paired behind the cloud's back would: every
// offer is then refused with a disconnect.
func (c *CameraSim) ExpectAuth(auth string) { c.expectAuth.Store(&auth) }

// loudLevel is the sample magnitude LoudAt looks for (about -12 dBFS).
const loudLevel = 8000

// ResetLoud forgets when loud talk audio arrived, to time the next burst.
func (c *CameraSim) ResetLoud() { c.loudAt.Store(0) }

// LoudAt returns when talk audio louder than about -12 dBFS first arrived
// since ResetLoud (decoded, as the camera's speaker would play it), or the
// zero time.
func (c *CameraSim) LoudAt() time.Time {
	if n := c.loudAt.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// AuthRejected returns the number of offers refused for a wrong auth.
func (c *CameraSim) AuthRejected() int64 { return c.authRejected.Load() }

// OversizeDropped returns the number of MQTT payloads over
// cameraMaxPayload the camera dropped unread, as real cameras do.
func (c *CameraSim) OversizeDropped() int64 { return c.oversizeDropped.Load() }

// MaxPayloadSeen returns the size of the largest MQTT payload received.
func (c *CameraSim) MaxPayloadSeen() int { return int(c.maxPayload.Load()) }

// LimitViewers makes the camera stream to at most n viewers at once, as
// many real cameras allow one: an offer beyond the limit is answered with a
// disconnect. n <= 0 removes the limit.
func (c *CameraSim) LimitViewers(n int) { c.maxViewers.Store(int32(max(n, 0))) }

// BusyRejected returns the number of offers refused because the camera
// already streamed to as many viewers as LimitViewers allows.
func (c *CameraSim) BusyRejected() int64 { return c.busyRejected.Load() }

// activeViewers counts the viewers that are not hanging up.
func (c *CameraSim) activeViewers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.viewers {
		select {
		case <-v.stop:
		case <-v.dead:
		default:
			n++
		}
	}
	return n
}

// Viewers returns the number of peers the camera is streaming to.
func (c *CameraSim) Viewers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.viewers)
}

// ReceivedAudio returns a copy of the talk audio viewers sent (the last
// minute at most), decoded to 8 kHz mono PCM.
func (c *CameraSim) ReceivedAudio() []int16 {
	c.audioMu.Lock()
	defer c.audioMu.Unlock()
	return append([]int16(nil), c.received...)
}

func (c *CameraSim) appendReceived(pcm []int16) {
	c.audioMu.Lock()
	defer c.audioMu.Unlock()
	c.received = append(c.received, pcm...)
	if n := len(c.received) - receivedMax; n > 0 {
		c.received = append(c.received[:0], c.received[n:]...)
	}
}

// start connects an online camera to the broker at url and starts its
// loops; the camera keeps retrying until the broker answers, and
// reconnects when it goes away.
func (c *CameraSim) start(url string, tlsConf *tls.Config) {
	if !c.online {
		return
	}
	c.wg.Add(3)
	go c.run()
	go c.publishLoop()
	go c.connectLoop(url, tlsConf)
}

// connectLoop owns the camera's MQTT connection. paho's own reconnect
// sleeps where Close cannot interrupt it, so the camera reconnects itself
// with a fresh client each time.
func (c *CameraSim) connectLoop(url string, tlsConf *tls.Config) {
	defer c.wg.Done()
	backoff := 100 * time.Millisecond
	for {
		if down := c.rebooting(); down > 0 {
			select {
			case <-c.closing:
				return
			case <-time.After(down):
			}
		}
		select { // a reboot asked for while off the broker is over
		case <-c.fault.kick:
		default:
		}
		lost := make(chan struct{})
		var lostOnce sync.Once
		opts := paho.NewClientOptions().
			AddBroker(url).
			SetClientID(c.cred.clientID).
			SetUsername(c.cred.username).
			SetPassword(c.cred.password).
			SetTLSConfig(tlsConf).
			SetCleanSession(true).
			SetOrderMatters(true).
			SetAutoReconnect(false).
			SetConnectRetry(false).
			SetConnectTimeout(2 * time.Second).
			SetKeepAlive(30 * time.Second).
			SetConnectionLostHandler(func(paho.Client, error) { lostOnce.Do(func() { close(lost) }) })
		cl := paho.NewClient(opts)
		if c.connect(cl) {
			backoff = 100 * time.Millisecond
			c.setClient(cl)
			select {
			case <-lost:
				c.setClient(nil)
				c.log.Info("demo camera: lost the broker, reconnecting")
			case <-c.fault.kick:
				c.setClient(nil)
				cl.Disconnect(0)
				c.log.Info("demo camera: rebooting")
			case <-c.closing:
				c.setClient(nil)
				cl.Disconnect(100)
				return
			}
		}
		select {
		case <-c.closing:
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// connect connects cl and subscribes to the camera's topic; it reports
// success, leaving cl disconnected on failure.
func (c *CameraSim) connect(cl paho.Client) bool {
	tok := cl.Connect()
	<-tok.Done() // bounded by the connect timeout
	if err := tok.Error(); err != nil {
		c.log.Debug("demo camera: connect", "err", err)
		return false
	}
	sub := cl.Subscribe(c.topic, 1, c.onMessage)
	if !sub.WaitTimeout(publishTimeout) || sub.Error() != nil {
		c.log.Warn("demo camera: subscribe failed", "err", sub.Error())
		cl.Disconnect(100)
		return false
	}
	c.readyOnce.Do(func() { close(c.ready) })
	return true
}

func (c *CameraSim) setClient(cl paho.Client) {
	c.mu.Lock()
	c.client = cl
	c.mu.Unlock()
}

func (c *CameraSim) mqttClient() paho.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.client
}

// onMessage is paho's handler: it must not block, so it only sizes the
// payload and queues it for the signaling loop.
func (c *CameraSim) onMessage(_ paho.Client, m paho.Message) {
	p := m.Payload()
	for {
		cur := c.maxPayload.Load()
		if int64(len(p)) <= cur || c.maxPayload.CompareAndSwap(cur, int64(len(p))) {
			break
		}
	}
	if len(p) > cameraMaxPayload {
		// Real cameras silently ignore messages over 8 KB.
		c.oversizeDropped.Add(1)
		c.log.Debug("demo camera: dropped oversize message", "bytes", len(p))
		return
	}
	select {
	case c.inbox <- p:
	default:
		c.log.Warn("demo camera: inbox full, message dropped")
	}
}

// close disconnects the camera, hangs up every viewer and waits for all
// its goroutines.
func (c *CameraSim) close() {
	c.closeOnce.Do(func() { close(c.closing) })
	c.wg.Wait()
}

// run is the signaling loop: one message at a time.
func (c *CameraSim) run() {
	defer c.wg.Done()
	for {
		select {
		case <-c.closing:
			return
		case b := <-c.inbox:
			c.handle(b)
		}
	}
}

// publishLoop publishes queued messages in order.
func (c *CameraSim) publishLoop() {
	defer c.wg.Done()
	for {
		select {
		case <-c.closing:
			return
		case o := <-c.out:
			cl := c.mqttClient()
			if cl == nil {
				c.log.Warn("demo camera: not connected, message dropped", "topic", o.topic)
				continue
			}
			tok := cl.Publish(o.topic, 1, false, o.payload)
			if !tok.WaitTimeout(publishTimeout) {
				c.log.Warn("demo camera: publish timed out", "topic", o.topic)
			} else if err := tok.Error(); err != nil {
				c.log.Warn("demo camera: publish failed", "topic", o.topic, "err", err)
			}
		}
	}
}

// send queues a 302 message of type typ to the viewer `to` in session sid.
func (c *CameraSim) send(to, sid, typ string, msg any) {
	if to == "" || strings.ContainsAny(to, "/+#") {
		return
	}
	b, err := build302(header302{Type: typ, From: c.id, To: to, SessionID: sid, MotoID: c.motoID}, msg, time.Now())
	if err != nil {
		c.log.Warn("demo camera: encode", "type", typ, "err", err)
		return
	}
	select {
	case c.out <- outgoing{topic: "/av/u/" + to, payload: b}:
	case <-c.closing:
	}
}

func (c *CameraSim) handle(b []byte) {
	m, err := parse302(b)
	if err != nil {
		c.log.Debug("demo camera: undecodable message", "err", err)
		return
	}
	h := m.Data.Header
	if h.To != c.id {
		c.log.Debug("demo camera: message for another device", "to", h.To)
		return
	}
	switch h.Type {
	case type302Offer:
		c.handleOffer(h, m.Data.Msg)
	case type302Candidate:
		v := c.viewer(h.SessionID, h.From)
		if v == nil {
			return
		}
		var cm candidate302
		if err := json.Unmarshal(m.Data.Msg, &cm); err != nil {
			return
		}
		cand := strings.TrimPrefix(strings.TrimSpace(cm.Candidate), "a=")
		if err := v.pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: cand}); err != nil {
			c.log.Debug("demo camera: remote candidate refused", "err", err)
		}
	case type302Disconnect:
		if v := c.viewer(h.SessionID, h.From); v != nil {
			v.close()
		}
	}
}

// viewer returns the viewer of session sid if it belongs to from.
func (c *CameraSim) viewer(sid, from string) *viewer {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := c.viewers[sid]
	if v == nil || v.peer != from {
		return nil
	}
	return v
}

func (c *CameraSim) handleOffer(h header302, raw json.RawMessage) {
	c.offers.Add(1)
	var om offer302
	if err := json.Unmarshal(raw, &om); err != nil {
		c.send(h.From, h.SessionID, type302Disconnect, disconnect302{Mode: "webrtc"})
		return
	}
	want := c.auth
	if p := c.expectAuth.Load(); p != nil {
		want = *p
	}
	c.witness.saw(icePasswords(om.SDP)...)
	if om.Auth != want {
		c.authRejected.Add(1)
		c.log.Info("demo camera: offer with a wrong auth refused", "session", h.SessionID)
		c.send(h.From, h.SessionID, type302Disconnect, disconnect302{Mode: "webrtc"})
		return
	}
	if old := c.viewer(h.SessionID, h.From); old != nil {
		old.close()
	}
	if m := c.maxViewers.Load(); m > 0 && c.activeViewers() >= int(m) {
		// Like a camera that allows one viewer, refuse the call.
		c.busyRejected.Add(1)
		c.log.Info("demo camera: busy, offer refused", "session", h.SessionID, "max_viewers", m)
		c.send(h.From, h.SessionID, type302Disconnect, disconnect302{Mode: "webrtc"})
		return
	}
	if len(c.channels) > 0 || h.SubDeviceID != "" {
		if !slices.Contains(c.channels, h.SubDeviceID) {
			c.log.Info("demo camera: offer for no channel of this device refused", "session", h.SessionID, "sub_device_id", h.SubDeviceID)
			c.send(h.From, h.SessionID, type302Disconnect, disconnect302{Mode: "webrtc"})
			return
		}
		c.channelMu.Lock()
		if c.channelOffers == nil {
			c.channelOffers = map[string]int{}
		}
		c.channelOffers[h.SubDeviceID]++
		c.channelMu.Unlock()
	}
	stream := streamSub
	if om.StreamType == streamMain {
		stream = streamMain
	}
	if err := c.answer(h, om.SDP, stream); err != nil {
		c.log.Warn("demo camera: cannot answer", "session", h.SessionID, "err", err)
		c.send(h.From, h.SessionID, type302Disconnect, disconnect302{Mode: "webrtc"})
	}
}

// answer creates a viewer for an offer, queues the answer and starts
// streaming; candidates follow as pion gathers them.
func (c *CameraSim) answer(h header302, offer string, stream int) error {
	pc, err := c.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return fmt.Errorf("peer connection: %w", err)
	}
	v := &viewer{
		cam:     c,
		session: h.SessionID,
		peer:    h.From,
		pc:      pc,
		echo:    audio.NewRing(int(3 * EchoDelay / time.Second * audioRate)),
		dead:    make(chan struct{}),
		stop:    make(chan struct{}),
	}
	fail := func(err error) error {
		if v.sub != nil {
			v.sub.Close()
		}
		v.markClosing()
		_ = pc.GracefulClose()
		v.wg.Wait()
		return err
	}
	pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		s := ""
		if cand != nil {
			s = "a=" + cand.ToJSON().Candidate
		}
		c.send(v.peer, v.session, type302Candidate, candidate302{Mode: "webrtc", Candidate: s})
	})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		switch s {
		case webrtc.PeerConnectionStateConnected:
			if v.sub != nil {
				v.sub.Connected()
			}
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			v.markDead()
		}
	})
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		// A camera without a speaker has nothing to play talk on.
		if tr.Kind() != webrtc.RTPCodecTypeAudio || !c.speaker || !v.goroutine() {
			return
		}
		go v.readTalk(tr)
	})
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return fail(fmt.Errorf("offer: %w", err))
	}
	audioMime, hasVideo := offeredMedia(offer, c.audioCodec)
	if audioMime != "" && c.mic {
		v.audioMime = audioMime
		v.audio, err = webrtc.NewTrackLocalStaticSample(
			webrtc.RTPCodecCapability{MimeType: audioMime, ClockRate: audioRate}, "audio", "demo-"+c.id)
		if err != nil {
			return fail(fmt.Errorf("audio track: %w", err))
		}
		sender, err := pc.AddTrack(v.audio)
		if err != nil {
			return fail(fmt.Errorf("audio track: %w", err))
		}
		v.wg.Add(1)
		go v.drainRTCP(sender)
	}
	if hasVideo {
		track, err := videofeed.NewTrack("video", "demo-"+c.id)
		if err != nil {
			return fail(fmt.Errorf("video track: %w", err))
		}
		sender, err := pc.AddTrack(track)
		if err != nil {
			return fail(fmt.Errorf("video track: %w", err))
		}
		pic := c.picture(stream == streamMain)
		if h.SubDeviceID != "" {
			pic.Name += " channel " + h.SubDeviceID
		}
		if v.sub, err = c.video.Subscribe(pic, track, c.sendable); err != nil {
			return fail(fmt.Errorf("video: %w", err))
		}
		v.wg.Add(1)
		go func() {
			defer v.wg.Done()
			v.sub.ReadRTCP(sender)
		}()
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return fail(fmt.Errorf("answer: %w", err))
	}
	c.witness.saw(icePasswords(answer.SDP)...)
	// The answer is queued before SetLocalDescription starts gathering, so
	// it reaches the viewer before any candidate.
	c.send(v.peer, v.session, type302Answer, answer302{Mode: "webrtc", SDP: answer.SDP})
	if err := pc.SetLocalDescription(answer); err != nil {
		return fail(fmt.Errorf("set answer: %w", err))
	}
	c.mu.Lock()
	c.viewers[v.session] = v
	c.mu.Unlock()
	if v.audio != nil {
		v.wg.Add(1)
		go v.sendTone()
	}
	c.wg.Add(1)
	go v.supervise()
	c.log.Info("demo camera: answered", "session", v.session, "stream", stream, "audio", audioMime)
	return nil
}

// Skill audio codecTypes of the demo cameras (Tuya's media codec list).
const (
	skillPCM   = 101 // raw PCM: sent as either G.711
	skillG711U = 105
	skillG711A = 106
)

// offeredMedia returns the first G.711 codec (MIME type) of the offer's
// audio section the camera's skill codec allows, in the offer's order of
// preference, and whether the offer has a video section.
func offeredMedia(offer string, skillCodec int) (audioMime string, video bool) {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(offer); err != nil {
		return "", false
	}
	for _, m := range sd.MediaDescriptions {
		switch m.MediaName.Media {
		case "video":
			video = true
		case "audio":
			if audioMime != "" {
				continue
			}
			names := map[string]string{"0": "PCMU", "8": "PCMA"}
			for _, a := range m.Attributes {
				if a.Key != "rtpmap" {
					continue
				}
				pt, enc, ok := strings.Cut(a.Value, " ")
				if ok {
					name, _, _ := strings.Cut(enc, "/")
					names[pt] = strings.ToUpper(name)
				}
			}
			for _, f := range m.MediaName.Formats {
				switch names[f] {
				case "PCMU":
					if skillCodec != skillG711A {
						audioMime = webrtc.MimeTypePCMU
					}
				case "PCMA":
					if skillCodec != skillG711U {
						audioMime = webrtc.MimeTypePCMA
					}
				}
				if audioMime != "" {
					break
				}
			}
		}
	}
	return audioMime, video
}

// viewer is one peer a camera streams to.
type viewer struct {
	cam           *CameraSim
	session, peer string
	pc            *webrtc.PeerConnection
	audio         *webrtc.TrackLocalStaticSample
	// sub is the viewer's place in the camera's video, nil when its offer
	// has no video.
	sub       *videofeed.Subscription
	audioMime string
	// echo holds the talk audio this viewer sent, played back to it
	// EchoDelay later (an echo camera).
	echo *audio.Ring

	mu      sync.Mutex
	closing bool
	wg      sync.WaitGroup

	dead, stop         chan struct{}
	deadOnce, stopOnce sync.Once
}

// goroutine reserves a slot in v.wg for a goroutine started from a pion
// callback; it fails once the viewer is closing.
func (v *viewer) goroutine() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closing {
		return false
	}
	v.wg.Add(1)
	return true
}

func (v *viewer) markClosing() {
	v.mu.Lock()
	v.closing = true
	v.mu.Unlock()
}

// markDead records that the connection failed or closed.
func (v *viewer) markDead() { v.deadOnce.Do(func() { close(v.dead) }) }

// close asks the viewer to hang up.
func (v *viewer) close() { v.stopOnce.Do(func() { close(v.stop) }) }

// supervise waits for the end of the viewer and tears it down.
func (v *viewer) supervise() {
	c := v.cam
	defer c.wg.Done()
	select {
	case <-v.dead:
	case <-v.stop:
	case <-c.closing:
	}
	c.mu.Lock()
	if c.viewers[v.session] == v {
		delete(c.viewers, v.session)
	}
	c.mu.Unlock()
	if v.sub != nil {
		v.sub.Close()
	}
	v.markClosing()
	v.close()
	if err := v.pc.GracefulClose(); err != nil {
		c.log.Debug("demo camera: close peer", "err", err)
	}
	v.wg.Wait()
	c.log.Info("demo camera: viewer gone", "session", v.session)
}

// drainRTCP reads the RTCP of the audio sender so interceptors run.
func (v *viewer) drainRTCP(s *webrtc.RTPSender) {
	defer v.wg.Done()
	for {
		if _, _, err := s.ReadRTCP(); err != nil {
			return
		}
	}
}

// readTalk decodes the talk audio the viewer sends into the camera's
// buffer.
func (v *viewer) readTalk(tr *webrtc.TrackRemote) {
	defer v.wg.Done()
	mime := strings.ToLower(tr.Codec().MimeType)
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
			continue
		}
		v.cam.appendReceived(pcm)
		v.echo.Write(pcm)
		if v.cam.loudAt.Load() == 0 {
			for _, x := range pcm {
				if x > loudLevel || x < -loudLevel {
					v.cam.loudAt.CompareAndSwap(0, time.Now().UnixNano())
					break
				}
			}
		}
	}
}

// sendTone sends the camera's audio: 20 ms G.711 frames of a soft 1 kHz
// tone with a 2 kHz beep during the first 100 ms of every second, and, once
// a viewer has talked, its own voice EchoDelay later in place of the tone.
func (v *viewer) sendTone() {
	defer v.wg.Done()
	t := time.NewTicker(audioFrame)
	defer t.Stop()
	pcm := make([]int16, audioFrameSamples)
	var n int64
	echoing := false
	for {
		select {
		case <-v.stop:
			return
		case <-v.dead:
			return
		case <-t.C:
		}
		// The echo starts once EchoDelay of talk is queued and runs until
		// the queue is empty, so the delay holds however talk is paced.
		if !echoing && v.echo.Len() >= int(EchoDelay/audioFrame)*audioFrameSamples {
			echoing = true
		}
		if echoing && v.echo.Len() >= audioFrameSamples {
			v.echo.Read(pcm)
		} else {
			echoing = false
			tone(pcm, n)
		}
		n += audioFrameSamples
		var b []byte
		if v.audioMime == webrtc.MimeTypePCMA {
			b = g711.EncodeAlaw(make([]byte, 0, len(pcm)), pcm)
		} else {
			b = g711.EncodeUlaw(make([]byte, 0, len(pcm)), pcm)
		}
		if err := v.audio.WriteSample(media.Sample{Data: b, Duration: audioFrame}); err != nil && !errors.Is(err, webrtc.ErrConnectionClosed) {
			v.cam.log.Debug("demo camera: audio write", "err", err)
		}
	}
}

// tone fills pcm with the audio pattern starting at sample n.
func tone(pcm []int16, n int64) {
	for i := range pcm {
		s := n + int64(i)
		t := float64(s) / audioRate
		v := 0.05 * math.Sin(2*math.Pi*ToneHz*t)
		if s%audioRate < audioRate/10 {
			v += 0.2 * math.Sin(2*math.Pi*2*ToneHz*t)
		}
		pcm[i] = int16(v * 32767)
	}
}

// picture is what the camera's main or sub stream shows: its still scene
// (its own feed), or the test picture, one feed per size shared by every
// camera and stream that shows it (scene.go). SetStill applies to the
// streams started after it.
func (c *CameraSim) picture(main bool) videofeed.Picture {
	p := videofeed.Picture{Name: c.name, Width: SubWidth, Height: SubHeight}
	if main {
		p.Width, p.Height = MainWidth, MainHeight
	}
	if c.scene.still.Load() {
		p.Scene = c.scene
	}
	return p
}

// SentKeyframes returns the last keyframes (Annex-B access units with
// their SPS and PPS, oldest first) the camera sent to viewers of its main
// or sub stream, so tests can decode the very picture a viewer got.
func (c *CameraSim) SentKeyframes(main bool) [][]byte {
	return c.video.Keyframes(c.picture(main))
}
