package whep

import (
	"fmt"
	"mime"
	"strings"

	"github.com/pion/sdp/v3"
)

// maxAnswer bounds the size of an SDP answer or sdpfrag read from a server.
const maxAnswer = 64 << 10

// ParseAnswer checks the body of a 201 (or 200 to an ICE restart) answer:
// its media type is application/sdp and it is an SDP session description
// with at least one media section. It returns the SDP as text.
func ParseAnswer(contentType string, body []byte) (string, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.EqualFold(mt, "application/sdp") {
		return "", fmt.Errorf("%w (Content-Type %q)", ErrNotSDP, contentType)
	}
	if len(body) > maxAnswer {
		return "", fmt.Errorf("%w: %d bytes, over %d", ErrNotSDP, len(body), maxAnswer)
	}
	var d sdp.SessionDescription
	if err := d.UnmarshalString(string(body)); err != nil {
		return "", fmt.Errorf("%w: %w", ErrNotSDP, err)
	}
	if len(d.MediaDescriptions) == 0 {
		return "", fmt.Errorf("%w: no media section", ErrNotSDP)
	}
	return string(body), nil
}
