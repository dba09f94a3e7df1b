package ffmpeg

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lookout-app/lookout/audio"
	"github.com/lookout-app/lookout/audio/g711"
	"github.com/lookout-app/lookout/player"
)

// muxFPS is the frame rate of the fixture and of the timestamps written.
const muxFPS = 25

// muxClip encodes 2 s of testsrc2 at 25 fps into an Annex-B H.264 file and
// returns it with its access units.
func muxClip(t *testing.T, dir, size string, enc ...string) (string, [][]byte) {
	t.Helper()
	path := filepath.Join(dir, "src-"+size+".h264")
	args := []string{"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%s:rate=%d", size, muxFPS), "-t", "2",
		"-c:v", "libx264", "-preset", "veryfast", "-bf", "0", "-g", "30"}
	args = append(args, enc...)
	runFFmpeg(t, append(args, "-f", "h264", path)...)
	aus := h264AccessUnits(t, path)
	if len(aus) != 2*muxFPS {
		t.Fatalf("fixture has %d access units, want %d", len(aus), 2*muxFPS)
	}
	return path, aus
}

// runTool runs a CLI and returns its stdout.
func runTool(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.Bytes())
	}
	return out
}

type probeResult struct {
	Streams []struct {
		CodecType    string `json:"codec_type"`
		CodecName    string `json:"codec_name"`
		Width        int    `json:"width"`
		Height       int    `json:"height"`
		SampleRate   string `json:"sample_rate"`
		Channels     int    `json:"channels"`
		NbReadFrames string `json:"nb_read_frames"`
		StartTime    string `json:"start_time"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
	} `json:"format"`
}

// probe runs ffprobe, counting frames; it fails the test on any error
// ffprobe reports, so a file that probes is a file that plays.
func probe(t *testing.T, path string) probeResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-count_frames", "-show_streams", "-show_format", "-of", "json", path)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, stderr.Bytes())
	}
	var p probeResult
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("ffprobe output: %v\n%s", err, out)
	}
	return p
}

// frameMD5s decodes the first video stream of path and returns each
// picture's MD5, in order.
func frameMD5s(t *testing.T, path string) []string {
	t.Helper()
	out := runTool(t, "ffmpeg", "-hide_banner", "-loglevel", "error", "-i", path, "-map", "0:v:0", "-f", "framemd5", "-")
	var sums []string
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ",")
		sums = append(sums, strings.TrimSpace(f[len(f)-1]))
	}
	return sums
}

// videoNALs copies the video of path out as Annex-B (the h264 muxer turns
// length prefixes back into start codes) and returns its NAL units.
func videoNALs(t *testing.T, path string) [][]byte {
	t.Helper()
	return splitAnnexB(runTool(t, "ffmpeg", "-hide_banner", "-loglevel", "error", "-i", path, "-map", "0:v:0", "-c", "copy", "-f", "h264", "-"))
}

// keyPackets lists the indexes of the video packets flagged as keyframes.
func keyPackets(t *testing.T, path string) []int {
	t.Helper()
	out := runTool(t, "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=flags", "-of", "csv=p=0", path)
	var keys []int
	for i, line := range strings.Fields(string(out)) {
		if strings.HasPrefix(line, "K") {
			keys = append(keys, i)
		}
	}
	return keys
}

// decodeAudio decodes the first audio stream of path to mono S16 at rate.
func decodeAudio(t *testing.T, path string, rate int) []int16 {
	t.Helper()
	out := runTool(t, "ffmpeg", "-hide_banner", "-loglevel", "error", "-i", path, "-map", "0:a:0",
		"-ac", "1", "-ar", strconv.Itoa(rate), "-f", "s16le", "-")
	pcm := make([]int16, len(out)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(out[2*i:]))
	}
	return pcm
}

// auKey reports whether an access unit holds an IDR slice.
func auKey(au []byte) bool { return contains(nalTypes(au), 5) }

// pcmuTone returns 2 s of a 440 Hz tone at -10 dBFS as 20 ms PCMU payloads.
func pcmuTone() [][]byte {
	f := audio.Format{SampleRate: 8000, Channels: 1}
	pcm := audio.Tone(440, -10, f, 2*time.Second)
	var out [][]byte
	for i := 0; i+160 <= len(pcm); i += 160 {
		out = append(out, g711.EncodeUlaw(nil, pcm[i:i+160]))
	}
	return out
}

// opusTone returns 2 s of a 440 Hz tone at -10 dBFS as 20 ms Opus packets.
func opusTone(t *testing.T) [][]byte {
	t.Helper()
	f := audio.Format{SampleRate: 48000, Channels: 1}
	e, err := NewAudioEncoder(MimeTypeOpus, f, 960)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	out, err := e.Encode(audio.Tone(440, -10, f, 2*time.Second+20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return out[:100]
}

// record writes video units at 25 fps and audio payloads every 20 ms,
// interleaved by time as they would arrive, starting at start.
func record(t *testing.T, m *Muxer, aus, pays [][]byte, start time.Duration) {
	t.Helper()
	vi, ai := 0, 0
	for vi < len(aus) || ai < len(pays) {
		vt := start + time.Duration(vi)*time.Second/muxFPS
		at := start + time.Duration(ai)*20*time.Millisecond
		if vi < len(aus) && (ai >= len(pays) || vt <= at) {
			if err := m.WriteVideo(aus[vi], vt, auKey(aus[vi])); err != nil {
				t.Fatalf("WriteVideo %d: %v", vi, err)
			}
			vi++
			continue
		}
		if err := m.WriteAudio(pays[ai], at); err != nil {
			t.Fatalf("WriteAudio %d: %v", ai, err)
		}
		ai++
	}
}

func near(got string, want, tol float64) bool {
	v, err := strconv.ParseFloat(got, 64)
	return err == nil && math.Abs(v-want) <= tol
}

// TestMuxer records a 2 s clip with audio into each container and checks
// it with the ffmpeg tools: streams, size, duration, frame count, keyframe
// flags, that the H.264 NAL units in the file are byte for byte the ones
// written and decode to the same pictures as the source (no re-encoding),
// and that the audio carries the tone.
func TestMuxer(t *testing.T) {
	requireFFmpeg(t)
	dir := t.TempDir()
	src, aus := muxClip(t, dir, "320x240")
	srcMD5 := frameMD5s(t, src)
	var srcNALs [][]byte
	for _, au := range aus {
		srcNALs = append(srcNALs, splitAnnexB(au)...)
	}
	pcmu := pcmuTone()
	opus := opusTone(t)

	cases := []struct {
		name, file, mime string
		pays             [][]byte
		format           string
		audioCodec       string
		audioRate        int
		passthrough      bool // the payloads are in the file as is
	}{
		{"mkv pcmu", "out.mkv", MimeTypePCMU, pcmu, "matroska,webm", "pcm_mulaw", 8000, true},
		{"mp4 pcmu", "out.mp4", MimeTypePCMU, pcmu, "mov,mp4,m4a,3gp,3g2,mj2", "aac", 8000, false},
		{"mkv opus", "opus.mkv", MimeTypeOpus, opus, "matroska,webm", "opus", 48000, true},
		{"mp4 opus", "opus.mp4", MimeTypeOpus, opus, "mov,mp4,m4a,3gp,3g2,mj2", "opus", 48000, true},
		{"mkv no audio", "video.mkv", "", nil, "matroska,webm", "", 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, c.file)
			m, err := NewMuxer(MuxConfig{Path: out, VideoMime: "video/h264", Width: 320, Height: 240,
				AudioMime: c.mime, AudioRate: c.audioRate, AudioChannels: 1})
			if err != nil {
				t.Fatal(err)
			}
			// The recording starts 3 s into the session.
			record(t, m, aus, c.pays, 3*time.Second)
			if v, a := m.Dropped(); v != 0 || a != 0 {
				t.Errorf("Dropped = %d, %d; want none", v, a)
			}
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}

			p := probe(t, out)
			if p.Format.FormatName != c.format {
				t.Errorf("format %q, want %q", p.Format.FormatName, c.format)
			}
			if !near(p.Format.Duration, 2, 0.1) {
				t.Errorf("duration %s s, want 2", p.Format.Duration)
			}
			wantStreams := 1
			if c.mime != "" {
				wantStreams = 2
			}
			if len(p.Streams) != wantStreams {
				t.Fatalf("%d streams, want %d", len(p.Streams), wantStreams)
			}
			v := p.Streams[0]
			if v.CodecType != "video" || v.CodecName != "h264" || v.Width != 320 || v.Height != 240 {
				t.Errorf("video stream %s %s %dx%d, want h264 320x240", v.CodecType, v.CodecName, v.Width, v.Height)
			}
			if v.NbReadFrames != strconv.Itoa(len(aus)) {
				t.Errorf("%s video frames, want %d", v.NbReadFrames, len(aus))
			}
			if got := keyPackets(t, out); fmt.Sprint(got) != "[0 30]" {
				t.Errorf("keyframes at packets %v, want [0 30]", got)
			}
			if got := frameMD5s(t, out); strings.Join(got, " ") != strings.Join(srcMD5, " ") {
				t.Errorf("decoded pictures differ from the source's:\n got %v\nwant %v", got, srcMD5)
			}
			gotNALs := videoNALs(t, out)
			if len(gotNALs) != len(srcNALs) {
				t.Fatalf("%d NAL units in the file, want %d", len(gotNALs), len(srcNALs))
			}
			for i := range srcNALs {
				if !bytes.Equal(gotNALs[i], srcNALs[i]) {
					t.Fatalf("NAL unit %d differs from the source's", i)
				}
			}
			if c.mime == "" {
				return
			}
			a := p.Streams[1]
			if a.CodecType != "audio" || a.CodecName != c.audioCodec || a.SampleRate != strconv.Itoa(c.audioRate) || a.Channels != 1 {
				t.Errorf("audio stream %s %s %s Hz %d ch, want %s %d Hz mono", a.CodecType, a.CodecName, a.SampleRate, a.Channels, c.audioCodec, c.audioRate)
			}
			if !near(a.StartTime, 0, 0.03) || !near(v.StartTime, 0, 0.001) {
				t.Errorf("streams start at %s s (video) and %s s (audio), want both at 0", v.StartTime, a.StartTime)
			}
			if c.audioCodec == "pcm_mulaw" {
				got := runTool(t, "ffmpeg", "-hide_banner", "-loglevel", "error", "-i", out, "-map", "0:a", "-c", "copy", "-f", "mulaw", "-")
				if !bytes.Equal(got, bytes.Join(c.pays, nil)) {
					t.Errorf("the file's %d bytes of PCMU differ from the %d written", len(got), len(bytes.Join(c.pays, nil)))
				}
			}
			f := audio.Format{SampleRate: 8000, Channels: 1}
			pcm := decodeAudio(t, out, f.SampleRate)
			if d := f.Duration(len(pcm)); d < 1900*time.Millisecond || d > 2150*time.Millisecond {
				t.Errorf("%v of audio, want 2 s", d)
			}
			toneCheck(t, pcm[:len(pcm)-f.Samples(100*time.Millisecond)], f, 100*time.Millisecond, 440, -13.01, 0.02, 1.5)
		})
	}
}

// TestMuxerAudioGap loses 300 ms of PCMU going into MP4: the AAC track
// fills the hole with silence, so the audio stays in sync with the video.
func TestMuxerAudioGap(t *testing.T) {
	requireFFmpeg(t)
	dir := t.TempDir()
	_, aus := muxClip(t, dir, "320x240")
	out := filepath.Join(dir, "gap.mp4")
	m, err := NewMuxer(MuxConfig{Path: out, VideoMime: player.MimeTypeH264, AudioMime: MimeTypePCMU})
	if err != nil {
		t.Fatal(err)
	}
	pays := pcmuTone()
	for i, au := range aus {
		if err := m.WriteVideo(au, time.Duration(i)*time.Second/muxFPS, auKey(au)); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range pays {
		if i >= 30 && i < 45 { // 600 ms to 900 ms
			continue
		}
		if err := m.WriteAudio(p, time.Duration(i)*20*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	f := audio.Format{SampleRate: 8000, Channels: 1}
	pcm := decodeAudio(t, out, f.SampleRate)
	if d := f.Duration(len(pcm)); d < 1950*time.Millisecond || d > 2100*time.Millisecond {
		t.Fatalf("%v of audio, want 2 s", d)
	}
	level := func(from, to time.Duration) float64 {
		return audio.Measure(pcm[f.Samples(from):f.Samples(to)], 1).RMSdBFS
	}
	if l := level(650*time.Millisecond, 850*time.Millisecond); l > -50 {
		t.Errorf("the hole is at %.1f dBFS, want silence", l)
	}
	for _, span := range [][2]time.Duration{{300 * time.Millisecond, 550 * time.Millisecond}, {1000 * time.Millisecond, 1800 * time.Millisecond}} {
		if l := level(span[0], span[1]); math.Abs(l+13.01) > 1.5 {
			t.Errorf("tone from %v to %v at %.1f dBFS, want -13", span[0], span[1], l)
		}
	}
}

// TestMuxerEndsAfterAGap: a file whose media came back after a 4 s gap (a
// reconnect) ends one frame after its last picture, not one gap after it:
// the last picture gets the frame interval, the one before the gap holds
// the screen through it.
func TestMuxerEndsAfterAGap(t *testing.T) {
	requireFFmpeg(t)
	dir := t.TempDir()
	_, aus := muxClip(t, dir, "320x240")
	out := filepath.Join(dir, "gap.mkv")
	m, err := NewMuxer(MuxConfig{Path: out, VideoMime: player.MimeTypeH264})
	if err != nil {
		t.Fatal(err)
	}
	step := time.Second / muxFPS
	at := time.Duration(0)
	for i, au := range aus[:muxFPS] { // 1 s, then a 4 s gap, then the next GOP
		at = time.Duration(i) * step
		if err := m.WriteVideo(au, at, auKey(au)); err != nil {
			t.Fatal(err)
		}
	}
	last := aus[30:31] // a keyframe (-g 30), the file's last picture
	for i, au := range last {
		at = 5*time.Second + time.Duration(i)*step
		if err := m.WriteVideo(au, at, auKey(au)); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	p := probe(t, out)
	want := (at + step).Seconds()
	if !near(p.Format.Duration, want, 0.1) {
		t.Fatalf("the file lasts %s s, want %.2f s (its last picture plus one frame)", p.Format.Duration, want)
	}
}

// TestMuxerStreamChanged: a keyframe of another picture size (a camera
// back from a reboot with another resolution) is refused with
// ErrStreamChanged and nothing of it is written; keyframes of the same size
// after a gap go on in the file, which then decodes without errors.
func TestMuxerStreamChanged(t *testing.T) {
	requireFFmpeg(t)
	dir := t.TempDir()
	_, small := muxClip(t, dir, "320x240")
	_, big := muxClip(t, dir, "640x480")
	out := filepath.Join(dir, "changed.mkv")
	m, err := NewMuxer(MuxConfig{Path: out, VideoMime: player.MimeTypeH264})
	if err != nil {
		t.Fatal(err)
	}
	for i, au := range small {
		if err := m.WriteVideo(au, time.Duration(i)*time.Second/muxFPS, auKey(au)); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.WriteVideo(big[0], 5*time.Second, true); !errors.Is(err, ErrStreamChanged) {
		t.Fatalf("a 640x480 keyframe in a 320x240 file: %v, want ErrStreamChanged", err)
	}
	for i, au := range small { // the same camera after a 3 s gap
		if err := m.WriteVideo(au, 5*time.Second+time.Duration(i)*time.Second/muxFPS, auKey(au)); err != nil {
			t.Fatalf("unit %d after the gap: %v", i, err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	p := probe(t, out)
	if len(p.Streams) != 1 || p.Streams[0].Width != 320 || !near(p.Format.Duration, 7, 0.1) {
		t.Fatalf("probe %+v, want one 320x240 stream of 7 s", p)
	}
	if n := len(frameMD5s(t, out)); n != 4*muxFPS {
		t.Fatalf("%d pictures decoded, want %d", n, 4*muxFPS)
	}
	if msg, err := exec.Command("ffmpeg", "-v", "error", "-i", out, "-f", "null", "-").CombinedOutput(); err != nil || len(msg) != 0 {
		t.Fatalf("decoding: %v %s", err, msg)
	}
}

// TestMuxerCutShort closes recordings early: after a unit that failed, and
// with nothing more to write. The file must still be finalized and play.
func TestMuxerCutShort(t *testing.T) {
	requireFFmpeg(t)
	dir := t.TempDir()
	_, aus := muxClip(t, dir, "320x240")
	pcmu := pcmuTone()
	for _, ext := range []string{"mkv", "mp4"} {
		for _, failed := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s failed write %v", ext, failed), func(t *testing.T) {
				out := filepath.Join(dir, fmt.Sprintf("short-%v.%s", failed, ext))
				m, err := NewMuxer(MuxConfig{Path: out, VideoMime: player.MimeTypeH264, AudioMime: MimeTypePCMU})
				if err != nil {
					t.Fatal(err)
				}
				record(t, m, aus[:muxFPS], pcmu[:50], 0)
				if failed {
					if err := m.WriteVideo([]byte("not h264"), time.Second, false); !errors.Is(err, ErrNotAnnexB) {
						t.Fatalf("WriteVideo(garbage) = %v, want ErrNotAnnexB", err)
					}
				}
				if err := m.Close(); err != nil {
					t.Fatal(err)
				}
				p := probe(t, out)
				if !near(p.Format.Duration, 1, 0.1) {
					t.Errorf("duration %s s, want 1", p.Format.Duration)
				}
				if v := p.Streams[0]; v.NbReadFrames != strconv.Itoa(muxFPS) || v.Width != 320 || v.Height != 240 {
					t.Errorf("video %s frames %dx%d, want %d frames 320x240 (size from the SPS)", v.NbReadFrames, v.Width, v.Height, muxFPS)
				}
				if err := m.WriteVideo(aus[0], 2*time.Second, true); !errors.Is(err, player.ErrClosed) {
					t.Errorf("WriteVideo after Close = %v, want ErrClosed", err)
				}
				if err := m.WriteAudio(pcmu[0], 2*time.Second); !errors.Is(err, player.ErrClosed) {
					t.Errorf("WriteAudio after Close = %v, want ErrClosed", err)
				}
				if err := m.Close(); !errors.Is(err, player.ErrClosed) {
					t.Errorf("second Close = %v, want ErrClosed", err)
				}
			})
		}
	}
}

// TestMuxerWaitsForKeyframe starts a recording mid-GOP: units before the
// next keyframe, and audio before it, are dropped and counted, and the
// file starts at that keyframe.
func TestMuxerWaitsForKeyframe(t *testing.T) {
	requireFFmpeg(t)
	dir := t.TempDir()
	src, aus := muxClip(t, dir, "320x240")
	out := filepath.Join(dir, "late.mp4")
	m, err := NewMuxer(MuxConfig{Path: out, VideoMime: player.MimeTypeH264, AudioMime: MimeTypePCMU})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Second / muxFPS
	record(t, m, aus[1:], pcmuTone(), start)
	if v, a := m.Dropped(); v != 29 || a != 58 {
		t.Errorf("Dropped = %d video, %d audio; want 29, 58", v, a)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	p := probe(t, out)
	if !near(p.Format.Duration, 0.8, 0.1) {
		t.Errorf("duration %s s, want 0.8", p.Format.Duration)
	}
	if got, want := frameMD5s(t, out), frameMD5s(t, src)[30:]; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("decoded pictures differ from the source's from its second keyframe:\n got %v\nwant %v", got, want)
	}
}

// TestMuxerNoKeyframe closes a recording that never saw a keyframe: no
// file is left and Close says why.
func TestMuxerNoKeyframe(t *testing.T) {
	requireFFmpeg(t)
	dir := t.TempDir()
	_, aus := muxClip(t, dir, "320x240")
	for _, ext := range []string{"mkv", "mp4"} {
		out := filepath.Join(dir, "none."+ext)
		m, err := NewMuxer(MuxConfig{Path: out, VideoMime: player.MimeTypeH264, Width: 320, Height: 240})
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < 30; i++ {
			if err := m.WriteVideo(aus[i], time.Duration(i)*40*time.Millisecond, false); err != nil {
				t.Fatal(err)
			}
		}
		if v, _ := m.Dropped(); v != 29 {
			t.Errorf("%s: Dropped = %d, want 29", ext, v)
		}
		if err := m.Close(); !errors.Is(err, ErrNoKeyframe) {
			t.Errorf("%s: Close = %v, want ErrNoKeyframe", ext, err)
		}
		if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: the file is still there (%v)", ext, err)
		}
	}
}

func TestNewMuxerErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		cfg  MuxConfig
		want error
	}{
		{"avi", MuxConfig{Path: filepath.Join(dir, "a.avi"), VideoMime: player.MimeTypeH264}, ErrInvalidConfig},
		{"no extension", MuxConfig{Path: filepath.Join(dir, "a"), VideoMime: player.MimeTypeH264}, ErrInvalidConfig},
		{"vp8", MuxConfig{Path: filepath.Join(dir, "a.mkv"), VideoMime: player.MimeTypeVP8}, player.ErrUnsupportedCodec},
		{"g722", MuxConfig{Path: filepath.Join(dir, "a.mkv"), VideoMime: player.MimeTypeH264, AudioMime: "audio/G722"}, player.ErrUnsupportedCodec},
		{"aac in", MuxConfig{Path: filepath.Join(dir, "a.mkv"), VideoMime: player.MimeTypeH264, AudioMime: MimeTypeAAC}, player.ErrUnsupportedCodec},
		{"3 channels", MuxConfig{Path: filepath.Join(dir, "a.mp4"), VideoMime: player.MimeTypeH264, AudioMime: MimeTypePCMU, AudioChannels: 3}, ErrInvalidConfig},
		{"negative size", MuxConfig{Path: filepath.Join(dir, "a.mp4"), VideoMime: player.MimeTypeH264, Width: -2}, ErrInvalidConfig},
		{"missing directory", MuxConfig{Path: filepath.Join(dir, "no", "a.mp4"), VideoMime: player.MimeTypeH264}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := NewMuxer(c.cfg)
			if err == nil {
				m.Close()
				t.Fatal("NewMuxer succeeded")
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("NewMuxer = %v, want %v", err, c.want)
			}
		})
	}
	m, err := NewMuxer(MuxConfig{Path: filepath.Join(dir, "v.mkv"), VideoMime: player.MimeTypeH264})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WriteAudio([]byte{1, 2, 3}, 0); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("WriteAudio without an audio stream = %v, want ErrInvalidConfig", err)
	}
	if err := m.Close(); !errors.Is(err, ErrNoKeyframe) {
		t.Errorf("Close = %v, want ErrNoKeyframe", err)
	}
}

// TestParseSPS checks sizes (cropped ones included) and the avcC against
// what libx264 writes for several sizes, profiles and chroma formats.
func TestParseSPS(t *testing.T) {
	requireFFmpeg(t)
	dir := t.TempDir()
	cases := []struct {
		size    string
		enc     []string
		w, h    int
		profile int
		chroma  int
	}{
		{"320x240", []string{"-profile:v", "baseline"}, 320, 240, 66, 1},
		{"200x90", nil, 200, 90, 100, 1},
		{"1920x1080", []string{"-x264-params", "interlaced=1"}, 1920, 1080, 100, 1},
		{"176x144", []string{"-pix_fmt", "yuv444p"}, 176, 144, 244, 3},
		{"178x100", []string{"-pix_fmt", "yuv422p"}, 178, 100, 122, 2},
	}
	for _, c := range cases {
		t.Run(c.size+strings.Join(c.enc, ""), func(t *testing.T) {
			path := filepath.Join(dir, c.size+".h264")
			runFFmpeg(t, append(append([]string{"-f", "lavfi", "-i", "testsrc2=size=" + c.size, "-frames:v", "1", "-c:v", "libx264"}, c.enc...), path)...)
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var sps, pps [][]byte
			for _, n := range splitAnnexB(raw) {
				switch n[0] & 0x1f {
				case 7:
					sps = append(sps, n)
				case 8:
					pps = append(pps, n)
				}
			}
			if len(sps) != 1 || len(pps) != 1 {
				t.Fatalf("%d SPS, %d PPS", len(sps), len(pps))
			}
			info, err := parseSPS(sps[0])
			if err != nil {
				t.Fatal(err)
			}
			if info.width != c.w || info.height != c.h || info.profile != c.profile || info.chromaFormat != c.chroma {
				t.Errorf("parseSPS = %+v, want %dx%d profile %d chroma %d", info, c.w, c.h, c.profile, c.chroma)
			}
			cfg, err := avcConfig(sps, pps, info, true)
			if err != nil {
				t.Fatal(err)
			}
			want := append([]byte{1, sps[0][1], sps[0][2], sps[0][3], 0xff, 0xe1, 0, byte(len(sps[0]))}, sps[0]...)
			want = append(append(want, 1, 0, byte(len(pps[0]))), pps[0]...)
			if c.profile != 66 {
				want = append(want, 0xfc|byte(c.chroma), 0xf8, 0xf8, 0)
			}
			if !bytes.Equal(cfg, want) {
				t.Errorf("avcC\n got %x\nwant %x", cfg, want)
			}
		})
	}
}

var splitCases = []struct {
	name string
	in   []byte
	want [][]byte
}{
	{"four byte codes", []byte{0, 0, 0, 1, 0x67, 1, 2, 0, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 4, 5}, [][]byte{{0x67, 1, 2}, {0x68, 3}, {0x65, 4, 5}}},
	{"three byte codes", []byte{0, 0, 1, 0x41, 9, 0, 0, 1, 0x41, 8}, [][]byte{{0x41, 9}, {0x41, 8}}},
	{"trailing zeros", []byte{0, 0, 1, 0x41, 9, 0, 0}, [][]byte{{0x41, 9}}},
	{"emulation prevention kept", []byte{0, 0, 1, 0x65, 0, 0, 3, 1}, [][]byte{{0x65, 0, 0, 3, 1}}},
	{"empty units skipped", []byte{0, 0, 1, 0, 0, 1, 0x09, 0xf0}, [][]byte{{0x09, 0xf0}}},
	{"no start code", []byte{0x65, 1, 2, 3}, nil},
	{"garbage before", []byte{7, 0, 0, 1, 0x65}, nil},
	{"empty", nil, nil},
	{"only a start code", []byte{0, 0, 0, 1}, nil},
}

func TestSplitAnnexB(t *testing.T) {
	for _, c := range splitCases {
		t.Run(c.name, func(t *testing.T) {
			got := splitAnnexB(c.in)
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("splitAnnexB = %x, want %x", got, c.want)
			}
		})
	}
}

// FuzzSplitAnnexB checks that splitting never panics, that each unit is a
// non-empty piece of the input, and that length prefixes round-trip.
func FuzzSplitAnnexB(f *testing.F) {
	for _, c := range splitCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		nals := splitAnnexB(b)
		lp := lengthPrefixed(nil, nals)
		for _, n := range nals {
			if len(n) == 0 || !bytes.Contains(b, n) {
				t.Fatalf("unit %x is not a piece of the input", n)
			}
			if len(lp) < 4 || int(binary.BigEndian.Uint32(lp)) != len(n) || !bytes.Equal(lp[4:4+len(n)], n) {
				t.Fatalf("length prefix of %x is wrong", n)
			}
			lp = lp[4+len(n):]
			if n[0]&0x1f == 7 {
				// Must not panic or report a nonsense size.
				if info, err := parseSPS(n); err == nil && (info.width <= 0 || info.height <= 0) {
					t.Fatalf("parseSPS(%x) = %+v", n, info)
				}
			}
		}
		if len(lp) != 0 {
			t.Fatalf("%d bytes left over", len(lp))
		}
	})
}

func TestOpusSamples(t *testing.T) {
	cases := []struct {
		name string
		p    []byte
		want int
	}{
		{"silk 20 ms", []byte{1 << 3}, 960},
		{"silk 60 ms", []byte{3 << 3}, 2880},
		{"hybrid 10 ms", []byte{12 << 3}, 480},
		{"celt 2.5 ms", []byte{16 << 3}, 120},
		{"celt 20 ms", []byte{31 << 3}, 960},
		{"two frames", []byte{31<<3 | 1}, 1920},
		{"code 3, 3 frames", []byte{31<<3 | 3, 3}, 2880},
		{"code 3 over 120 ms", []byte{3<<3 | 3, 3}, 0},
		{"code 3 without count", []byte{31<<3 | 3}, 0},
		{"empty", nil, 0},
	}
	for _, c := range cases {
		if got := opusSamples(c.p); got != c.want {
			t.Errorf("%s: opusSamples = %d, want %d", c.name, got, c.want)
		}
	}
}
