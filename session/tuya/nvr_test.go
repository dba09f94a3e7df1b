package tuya_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"testing"
	"time"

	"github.com/lookout-app/lookout/player"
	"github.com/lookout-app/lookout/player/ffmpeg"
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/demo"
	"github.com/lookout-app/lookout/session/tuya"
)

// TestNVRChannel: a source naming an NVR's channel ("nvr1/2") is a call to
// the NVR whose header carries the channel's node id as sub_device_id; the
// demo NVR answers only offers naming one of its channels, so the channel
// plays and the NVR itself, or a channel it does not have, is refused.
func TestNVRChannel(t *testing.T) {
	site, err := demo.Start(context.Background(), demo.Config{Cameras: 1, NVRChannels: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(site.CAPEM())
	tlsCfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	c, err := tuya.New(tuya.Config{
		Endpoint: site.TuyaEndpoint(), ClientID: site.ClientID(), Secret: site.Secret(), UID: site.UID(),
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}, TLSConfig: tlsCfg,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	play := func(id string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		s, err := session.New(session.Config{
			Source: "home/" + id, ID: id, Opener: c, Quality: session.QualitySub, Sink: player.NewLatest(),
			NewDecoder:  func(m string) (player.Decoder, error) { return ffmpeg.NewDecoder(m) },
			MaxAttempts: 1, FailFast: true,
			OnStatus: func(st session.Status) {
				if st.State == session.StateLive {
					cancel()
				}
			},
		})
		if err != nil {
			return err
		}
		err = s.Run(ctx)
		if ctx.Err() != nil && s.Stats().Frames > 0 {
			return nil // live: a picture arrived
		}
		return err
	}
	if err := play("nvr1/2"); err != nil {
		t.Fatalf("channel 2 of the NVR: %v", err)
	}
	nvr := site.Camera("nvr1")
	if nvr.ChannelOffers("2") != 1 || nvr.ChannelOffers("1") != 0 {
		t.Fatalf("the NVR answered %d offers for channel 2 and %d for channel 1, want 1 and 0", nvr.ChannelOffers("2"), nvr.ChannelOffers("1"))
	}
	for _, id := range []string{"nvr1", "nvr1/9"} {
		if err := play(id); err == nil {
			t.Fatalf("%s played; the NVR answers only its channels", id)
		}
	}
	if _, err := c.Open(context.Background(), "nvr1/", session.QualitySub); err == nil {
		t.Fatal("an empty channel opened")
	}
}
