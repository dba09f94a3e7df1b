package demo

import "strings"

// witness is told every credential the site issues or sees: its Access
// Secret and TURN key, the access and refresh tokens, the MQTT passwords,
// the TURN passwords, the cameras' auth, the request signatures and the ICE
// passwords of both sides of every call. A nil witness ignores them.
type witness func(secret string)

// saw reports the non-empty values.
func (w witness) saw(secrets ...string) {
	if w == nil {
		return
	}
	for _, s := range secrets {
		if s != "" {
			w(s)
		}
	}
}

// icePasswords returns the a=ice-pwd values of an SDP.
func icePasswords(sdp string) []string {
	var out []string
	for _, line := range strings.Split(sdp, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "a=ice-pwd:"); ok {
			out = append(out, v)
		}
	}
	return out
}
