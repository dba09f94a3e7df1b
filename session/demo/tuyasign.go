package demo

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"sort"
	"strings"
)

// This file is the demo site's own reading of Tuya's "Sign Requests" page
// and of its legacy MD5 scheme; it shares no code with the client
// (session/tuya), so a misreading on one side shows up as "sign invalid".

// tuyaScheme is a signing scheme the demo OpenAPI accepts.
type tuyaScheme int

const (
	schemeUnknown tuyaScheme = iota
	// schemeHMAC is the current scheme: sign_method "HMAC-SHA256".
	schemeHMAC
	// schemeMD5 is the legacy scheme of projects created before June 2021:
	// sign_method "MD5", or no sign_method header at all.
	schemeMD5
)

// schemeOf maps the sign_method header to a scheme.
func schemeOf(h http.Header) tuyaScheme {
	vals, present := h[http.CanonicalHeaderKey("sign_method")]
	if !present || len(vals) == 0 {
		return schemeMD5
	}
	switch vals[0] {
	case "HMAC-SHA256":
		return schemeHMAC
	case "MD5":
		return schemeMD5
	}
	return schemeUnknown
}

// tuyaContentSHA256 is the lower-case hex SHA-256 of a request body.
func tuyaContentSHA256(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// tuyaCanonicalURL sorts the query parameters of requestURI by name, as the
// "Sign Requests" page asks ("Url" is the path followed by the sorted
// parameters); the question mark goes away with an empty query.
func tuyaCanonicalURL(requestURI string) string {
	i := strings.IndexByte(requestURI, '?')
	if i < 0 {
		return requestURI
	}
	path := requestURI[:i]
	var pairs [][2]string
	for _, kv := range strings.Split(requestURI[i+1:], "&") {
		if kv == "" {
			continue
		}
		k := kv
		if j := strings.IndexByte(kv, '='); j >= 0 {
			k = kv[:j]
		}
		pairs = append(pairs, [2]string{k, kv})
	}
	if len(pairs) == 0 {
		return path
	}
	sort.SliceStable(pairs, func(a, b int) bool { return pairs[a][0] < pairs[b][0] })
	parts := make([]string, len(pairs))
	for n, p := range pairs {
		parts[n] = p[1]
	}
	return path + "?" + strings.Join(parts, "&")
}

// tuyaStringToSign is HTTPMethod, Content-SHA256, the headers named by
// Signature-Headers ("name:value" lines) and the canonical URL, joined by
// line feeds.
func tuyaStringToSign(method, requestURI string, body []byte, h http.Header) string {
	var headers string
	if names := h.Get("Signature-Headers"); names != "" {
		for _, n := range strings.Split(names, ":") {
			headers += n + ":" + h.Get(n) + "\n"
		}
	}
	return strings.ToUpper(method) + "\n" + tuyaContentSHA256(body) + "\n" + headers + "\n" + tuyaCanonicalURL(requestURI)
}

// tuyaHMACSign is upper(hex(HMAC-SHA256(secret, clientID + accessToken + t
// + nonce + stringToSign))).
func tuyaHMACSign(secret, clientID, accessToken, t, nonce, stringToSign string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(clientID))
	m.Write([]byte(accessToken))
	m.Write([]byte(t))
	m.Write([]byte(nonce))
	m.Write([]byte(stringToSign))
	return strings.ToUpper(hex.EncodeToString(m.Sum(nil)))
}

// tuyaMD5Sign is the legacy signature: upper(hex(MD5(clientID + secret +
// t))) for token calls and upper(hex(MD5(clientID + accessToken + secret +
// t))) for business calls. No nonce and no stringToSign take part.
func tuyaMD5Sign(secret, clientID, accessToken, t string) string {
	h := md5.New()
	h.Write([]byte(clientID))
	h.Write([]byte(accessToken))
	h.Write([]byte(secret))
	h.Write([]byte(t))
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}

// tuyaSignatureOK checks the sign header of r; accessToken is "" for token
// calls.
func tuyaSignatureOK(r *http.Request, body []byte, secret, clientID, accessToken string) bool {
	var want string
	switch schemeOf(r.Header) {
	case schemeHMAC:
		want = tuyaHMACSign(secret, clientID, accessToken, r.Header.Get("t"), r.Header.Get("nonce"),
			tuyaStringToSign(r.Method, r.RequestURI, body, r.Header))
	case schemeMD5:
		want = tuyaMD5Sign(secret, clientID, accessToken, r.Header.Get("t"))
	default:
		return false
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(r.Header.Get("sign"))) == 1
}
