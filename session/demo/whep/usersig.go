package whep

import (
	"bytes"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// sigError is a refused UserSig: the account system's error code (spec
// 001, "Error codes", 7000x) and its message.
type sigError struct {
	code int
	msg  string
}

// Error says what was wrong and the account system's code.
func (e *sigError) Error() string { return fmt.Sprintf("%s (%d)", e.msg, e.code) }

// checkUserSig verifies a TLSSigAPIv2 UserSig as TRTC's account system
// does: undo the URL-safe base64 ('*' '-' '_'), inflate, read the JSON
// document, check the application and the user it was issued to, recompute
// the HMAC-SHA256 over the identity lines with the application's
// SDKSecretKey, and check it has not expired.
func checkUserSig(sig string, sdkAppID int64, key, user string, now time.Time) error {
	if sig == "" {
		return &sigError{70002, "UserSig length is 0"}
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Map(func(r rune) rune {
		switch r {
		case '*':
			return '+'
		case '-':
			return '/'
		case '_':
			return '='
		}
		return r
	}, sig))
	if err != nil {
		return &sigError{70003, "UserSig verification failed: not base64"}
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return &sigError{70004, "UserSig verification failed: not zlib"}
	}
	doc, err := io.ReadAll(io.LimitReader(zr, 4096))
	if err != nil {
		return &sigError{70004, "UserSig verification failed: truncated"}
	}
	var d struct {
		Ver        string      `json:"TLS.ver"`
		Identifier string      `json:"TLS.identifier"`
		SDKAppID   json.Number `json:"TLS.sdkappid"`
		Time       json.Number `json:"TLS.time"`
		Expire     json.Number `json:"TLS.expire"`
		Sig        string      `json:"TLS.sig"`
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&d); err != nil {
		return &sigError{70005, "UserSig verification failed: bad document"}
	}
	issued, err1 := d.Time.Int64()
	expire, err2 := d.Expire.Int64()
	app, err3 := d.SDKAppID.Int64()
	if d.Ver != "2.0" || err1 != nil || err2 != nil || err3 != nil || d.Sig == "" {
		return &sigError{70005, "UserSig verification failed: bad document"}
	}
	if d.Identifier != user {
		return &sigError{70013, "the UserID in UserSig does not match the request's"}
	}
	if app != sdkAppID {
		return &sigError{70014, "the SdkAppid in UserSig does not match the request's"}
	}
	content := "TLS.identifier:" + d.Identifier + "\n" +
		"TLS.sdkappid:" + d.SDKAppID.String() + "\n" +
		"TLS.time:" + d.Time.String() + "\n" +
		"TLS.expire:" + d.Expire.String() + "\n"
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(content))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(d.Sig)) {
		return &sigError{70009, "UserSig verification failed: signature does not match the SDKSecretKey"}
	}
	if now.Unix() > issued+expire {
		return &sigError{70001, "UserSig has expired"}
	}
	return nil
}
