package trtc

import (
	"bytes"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// sigDoc is the JSON document of a TLSSigAPIv2 UserSig. Its fields are in
// the order the reference implementations write them (sorted keys).
type sigDoc struct {
	Expire     int64  `json:"TLS.expire"`
	Identifier string `json:"TLS.identifier"`
	SDKAppID   int64  `json:"TLS.sdkappid"`
	Sig        string `json:"TLS.sig"`
	Time       int64  `json:"TLS.time"`
	Ver        string `json:"TLS.ver"`
}

// sigHMAC is TLS.sig: base64 of HMAC-SHA256, keyed with the SDKSecretKey,
// over the four "name:value\n" lines of the identity.
func sigHMAC(key, identifier string, sdkAppID, now, expire int64) string {
	var b strings.Builder
	b.WriteString("TLS.identifier:" + identifier + "\n")
	b.WriteString("TLS.sdkappid:" + strconv.FormatInt(sdkAppID, 10) + "\n")
	b.WriteString("TLS.time:" + strconv.FormatInt(now, 10) + "\n")
	b.WriteString("TLS.expire:" + strconv.FormatInt(expire, 10) + "\n")
	h := hmac.New(sha256.New, []byte(key))
	h.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// UserSig computes a TLSSigAPIv2 UserSig for identifier (the user id),
// issued at now and valid for ttl (whole seconds): the JSON document with
// its HMAC-SHA256 signature, zlib-compressed, in base64 with '+' '/' '='
// replaced by '*' '-' '_'.
func UserSig(sdkAppID int64, key, identifier string, now time.Time, ttl time.Duration) (string, error) {
	expire := int64(ttl / time.Second)
	doc := sigDoc{
		Expire: expire, Identifier: identifier, SDKAppID: sdkAppID,
		Time: now.Unix(), Ver: "2.0",
		Sig: sigHMAC(key, identifier, sdkAppID, now.Unix(), expire),
	}
	js, err := json.Marshal(doc)
	if err != nil {
		return "", err
	}
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	if _, err := w.Write(js); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	return sigReplacer.Replace(base64.StdEncoding.EncodeToString(z.Bytes())), nil
}

var sigReplacer = strings.NewReplacer("+", "*", "/", "-", "=", "_")
