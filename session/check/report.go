package check

import (
	"strings"

	"github.com/lookout-app/lookout/session"
)

// Report is the whole pre-check, as printed by "lookout check --json"
// (INTERFACE.md, "The pre-check report").
type Report struct {
	OK       bool            `json:"ok"`
	Devices  *Devices        `json:"devices,omitempty"`
	Codecs   *Codecs         `json:"codecs,omitempty"`
	Capacity *Capacity       `json:"capacity,omitempty"`
	Accounts []AccountReport `json:"accounts,omitempty"`
}

// Devices lists the audio devices tried.
type Devices struct {
	Microphones []DeviceResult `json:"microphones"`
	Speakers    []DeviceResult `json:"speakers"`
}

// DeviceResult is the check of one audio device.
type DeviceResult struct {
	Name      string   `json:"name"`
	Default   bool     `json:"default"`
	OK        bool     `json:"ok"`
	LevelDBFS *float64 `json:"level_dbfs,omitempty"`
	// LevelAfterGainDBFS is a microphone's level after noise suppression
	// and automatic gain, as a talk sends it (TestMicrophoneCleaned).
	LevelAfterGainDBFS *float64 `json:"level_after_gain_dbfs,omitempty"`
	Verdict            string   `json:"verdict"`
	Detail             string   `json:"detail,omitempty"`
}

// Codecs lists the decoders, encoders and hardware accelerations found.
type Codecs struct {
	Decoders []string `json:"decoders"`
	Encoders []string `json:"encoders"`
	HWAccel  []string `json:"hwaccel"`
}

// Capacity is the measured decoding speed and how many tiles it allows.
type Capacity struct {
	DecodeFPS720p  float64 `json:"decode_fps_720p"`
	DecodeFPS1080p float64 `json:"decode_fps_1080p"`
	Tiles720p30    int     `json:"tiles_720p30"`
	Tiles1080p30   int     `json:"tiles_1080p30"`
}

// AccountReport is the network check of one account. Times are in
// milliseconds, rates in kbit/s, loss a fraction 0 to 1 and Quality on
// TRTC's scale (see Score).
type AccountReport struct {
	Account string `json:"account"`
	Kind    string `json:"kind"`
	OK      bool   `json:"ok"`
	Quality int    `json:"quality"`
	Verdict string `json:"verdict"`
	// Failure says why OK is false: FailureNetwork, FailureCredentials or
	// FailureService; empty when OK (or when the check was canceled).
	Failure  string  `json:"failure,omitempty"`
	RTTMs    float64 `json:"rtt_ms"`
	LossUp   float64 `json:"loss_up"`
	LossDown float64 `json:"loss_down"`
	UpKbps   float64 `json:"up_kbps"`
	DownKbps float64 `json:"down_kbps"`
	// Measured says what the figures were measured on ("played stream
	// lobby and published a probe to it at 127.0.0.1:50000", "a
	// data-channel probe through the TURN server at ..."), or "not
	// measured: why" when no real path was measured: then Quality is 0
	// (unknown) and the figures are 0.
	Measured string `json:"measured,omitempty"`
	// Host is the address the figures were measured to: the media server's
	// (its ICE candidate) or the TURN server's, as spec 002's speed test
	// names its server's "ip".
	Host       string   `json:"host,omitempty"`
	Candidates []string `json:"candidates,omitempty"`
	Steps      []Step   `json:"steps"`
}

// NotMeasured starts AccountReport.Measured when no real path was
// measured; the figures are then 0 and mean nothing.
const NotMeasured = "not measured: "

// Unmeasured reports whether the account's figures measure nothing.
func (a AccountReport) Unmeasured() bool { return strings.HasPrefix(a.Measured, NotMeasured) }

// Step is one timed part of a check (session.ProbeStep).
type Step = session.ProbeStep

// Network quality on TRTC's scale ("Testing Network Quality": 0 unknown,
// 1 excellent ... 6 disconnected).
const (
	QualityUnknown      = 0
	QualityExcellent    = 1
	QualityGood         = 2
	QualityFair         = 3
	QualityPoor         = 4
	QualityVeryPoor     = 5
	QualityDisconnected = 6
)

// Score rates a path from its round-trip time and its worse one-way loss
// (a fraction), on TRTC's scale. A path gets the best grade whose both
// limits it meets:
//
//	quality        loss     rtt
//	1 excellent    < 1%     < 50 ms
//	2 good         < 3%     < 100 ms
//	3 fair         < 8%     < 200 ms
//	4 poor         < 15%    < 400 ms
//	5 very poor    otherwise
//
// The limits follow what TRTC calls the normal RTT range (10-100 ms) and
// the loss at which its video degrades; 6 (disconnected) and 0 (unknown)
// are decided by the caller, not by the numbers.
func Score(rttMs, loss float64) int {
	limits := []struct {
		loss, rtt float64
		quality   int
	}{
		{0.01, 50, QualityExcellent},
		{0.03, 100, QualityGood},
		{0.08, 200, QualityFair},
		{0.15, 400, QualityPoor},
	}
	for _, l := range limits {
		if loss < l.loss && rttMs < l.rtt {
			return l.quality
		}
	}
	return QualityVeryPoor
}

// QualityName is the word for a quality value, as TRTC's tools print it.
func QualityName(q int) string {
	switch q {
	case QualityExcellent:
		return "excellent"
	case QualityGood:
		return "good"
	case QualityFair:
		return "fair"
	case QualityPoor:
		return "poor"
	case QualityVeryPoor:
		return "very poor"
	case QualityDisconnected:
		return "disconnected"
	default:
		return "unknown"
	}
}
