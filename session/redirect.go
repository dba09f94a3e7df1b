package session

import (
	"net/http"
	"strings"
)

// maxRedirects is how many redirects CheckRedirect follows, as many as
// net/http's default policy.
const maxRedirects = 10

// credentialHeaders carry credentials or signatures of one service: they
// must never reach another host. net/http already drops Authorization and
// Cookie across domains but keeps them across ports of one host, and it
// knows nothing of Tuya's access_token and sign headers.
var credentialHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "access_token", "sign"}

// CheckRedirect is an http.Client CheckRedirect policy for clients that
// send credentials in headers: a redirect to another scheme or host:port
// than the first request's loses the Authorization, Proxy-Authorization,
// Cookie, access_token and sign headers; after 10 redirects it stops.
func CheckRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return ErrTooManyRedirects
	}
	if len(via) == 0 {
		return nil
	}
	first := via[0].URL
	if req.URL.Scheme != first.Scheme || !strings.EqualFold(req.URL.Host, first.Host) {
		for _, h := range credentialHeaders {
			req.Header.Del(h)
		}
	}
	return nil
}
