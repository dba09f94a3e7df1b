package tuya

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
)

// SignMethod is the algorithm a Tuya cloud project signs its requests with;
// it is sent in the sign_method header.
type SignMethod string

// Sign methods. SignHMAC is the only one projects created after June 2021
// accept; SignMD5 is the legacy method of older projects.
const (
	SignHMAC SignMethod = "hmac"
	SignMD5  SignMethod = "md5"
)

// header returns the value of the sign_method header for m.
func (m SignMethod) header() string {
	if m == SignMD5 {
		return "MD5"
	}
	return "HMAC-SHA256"
}

// emptyBodySHA256 is hex(SHA256("")), the Content-SHA256 of a request
// without a body.
const emptyBodySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// StringToSign returns HTTPMethod + "\n" + hex(SHA256(body)) + "\n" +
// signedHeaders + "\n" + URL, as Tuya's "Sign Requests" page defines it.
// URL is the path plus "?" and the query parameters sorted by key (no "?"
// when there are none); the parameters keep the text they have in
// pathAndQuery. signedHeaders is "k:v\n" for each header named in
// signatureHeaders (the Signature-Headers header), in that order, and the
// empty string when there are none.
func StringToSign(method, pathAndQuery string, body []byte, headers map[string]string, signatureHeaders []string) string {
	var b strings.Builder
	b.WriteString(strings.ToUpper(method))
	b.WriteByte('\n')
	if len(body) == 0 {
		b.WriteString(emptyBodySHA256)
	} else {
		sum := sha256.Sum256(body)
		b.WriteString(hex.EncodeToString(sum[:]))
	}
	b.WriteByte('\n')
	for _, k := range signatureHeaders {
		b.WriteString(k)
		b.WriteByte(':')
		b.WriteString(headers[k])
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(sortedURL(pathAndQuery))
	return b.String()
}

// sortedURL returns path?query with the query parameters sorted by key.
func sortedURL(pathAndQuery string) string {
	path, query, _ := strings.Cut(pathAndQuery, "?")
	var params []string
	for _, p := range strings.Split(query, "&") {
		if p != "" {
			params = append(params, p)
		}
	}
	if len(params) == 0 {
		return path
	}
	sort.SliceStable(params, func(i, j int) bool {
		ki, _, _ := strings.Cut(params[i], "=")
		kj, _, _ := strings.Cut(params[j], "=")
		return ki < kj
	})
	return path + "?" + strings.Join(params, "&")
}

// Sign returns the upper-case hex signature of a request; accessToken is
// empty for the token requests (GET /v1.0/token and its refresh).
//
// SignHMAC (and any unknown method) computes HMAC-SHA256 keyed with secret
// over clientID + accessToken + t + nonce + stringToSign, as Tuya's "Sign
// Requests" page documents.
//
// SignMD5 is Tuya's legacy scheme of projects created before June 2021:
// MD5(clientID + secret + t) for token requests and
// MD5(clientID + accessToken + secret + t) for business requests, with no
// nonce and no stringToSign (both are ignored).
func Sign(m SignMethod, secret, clientID, accessToken, t, nonce, stringToSign string) string {
	if m == SignMD5 {
		sum := md5.Sum([]byte(clientID + accessToken + secret + t))
		return strings.ToUpper(hex.EncodeToString(sum[:]))
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(clientID + accessToken + t + nonce + stringToSign))
	return strings.ToUpper(hex.EncodeToString(mac.Sum(nil)))
}
