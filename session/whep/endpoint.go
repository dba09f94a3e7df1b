package whep

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/pion/webrtc/v4"

	"github.com/lookout-app/lookout/session"
)

// Media types of RFC 9725.
const (
	typeSDP     = "application/sdp"
	typeSDPFrag = "application/trickle-ice-sdpfrag"
)

// Endpoint is a WHEP or WHIP endpoint: the URL offers are POSTed to, and
// how to authenticate there.
type Endpoint struct {
	// URL is the endpoint URL.
	URL string
	// Token returns the bearer token sent with every request ("" sends
	// none). It is called per request, so a token renewed meanwhile is
	// used at once.
	Token func() (string, error)
	// Credential names the token in messages about a 401: "bearer token"
	// when empty, "UserSig" for TRTC.
	Credential string
	// HTTP is the client; nil uses http.DefaultClient.
	HTTP *http.Client
	// MaxRetryAfter caps how long a 503's Retry-After is waited for before
	// the POST is tried again; zero means 10 s. Longer waits fail at once.
	MaxRetryAfter time.Duration
	// Retries503 is how many times a 503 with Retry-After is retried;
	// zero means 2.
	Retries503 int
	Logger     *slog.Logger
	// Session, when set, gives each new session its own identity: every
	// POST goes to the URL it returns with the token its func gives, and
	// the resource keeps that token for its PATCH and DELETE requests
	// (TRTC: a fresh user id and its own UserSig per session). OPTIONS
	// still uses URL and Token.
	Session func() (url string, token func() (string, error), err error)
	// LocationOptional accepts a 200 as well as a 201, and an answer
	// without Location: such a session cannot be patched or deleted by
	// URL and ends when its peer closes (TRTC, INTERFACE.md).
	LocationOptional bool
}

// Capabilities is what an OPTIONS request learned of an endpoint.
type Capabilities struct {
	// Trickle says the server takes trickle PATCHes (Accept-Patch names
	// application/trickle-ice-sdpfrag).
	Trickle bool
	// ICEServers are those of the response's Link headers.
	ICEServers []webrtc.ICEServer
	// Allow is the response's Allow header.
	Allow string
}

func (e *Endpoint) client() *http.Client {
	if e.HTTP != nil {
		return e.HTTP
	}
	return http.DefaultClient
}

func (e *Endpoint) log() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (e *Endpoint) credential() string {
	if e.Credential != "" {
		return e.Credential
	}
	return "bearer token"
}

// request builds a request with the bearer token.
func (e *Endpoint) request(ctx context.Context, method, target, contentType string, body []byte) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, r)
	if err != nil {
		return nil, fmt.Errorf("whep: %s: %w", strings.ToLower(method), err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if e.Token != nil {
		tok, err := e.Token()
		if err != nil {
			return nil, fmt.Errorf("whep: %s: %w", e.credential(), err)
		}
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
	}
	return req, nil
}

// do sends req and returns the response with its body read (bounded).
func (e *Endpoint) do(req *http.Request) (*http.Response, []byte, error) {
	resp, err := e.client().Do(req)
	if err != nil {
		if req.Context().Err() != nil {
			return nil, nil, req.Context().Err()
		}
		// The URL may carry a query with credentials: say only where.
		return nil, nil, fmt.Errorf("whep: %s %s: %w", req.Method, redact(req.URL), unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, nil, fmt.Errorf("whep: %s %s: reading the body: %w", req.Method, redact(req.URL), err)
	}
	return resp, body, nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redact returns the URL without its query and user info.
func redact(u *url.URL) string {
	c := *u
	c.RawQuery, c.User, c.Fragment = "", nil, ""
	return c.String()
}

// Options asks the endpoint what it supports (RFC 9725 section 4.4: the
// OPTIONS answer may carry ICE servers; Accept-Patch announces trickle).
// Servers that refuse OPTIONS (405, 501) give zero Capabilities and no
// error; any other refusal is the same error a POST would get.
func (e *Endpoint) Options(ctx context.Context) (Capabilities, error) {
	req, err := e.request(ctx, http.MethodOptions, e.URL, "", nil)
	if err != nil {
		return Capabilities{}, err
	}
	resp, body, err := e.do(req)
	if err != nil {
		return Capabilities{}, err
	}
	switch {
	case resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusNotImplemented:
		return Capabilities{}, nil
	case resp.StatusCode/100 != 2:
		return Capabilities{}, e.statusError("options", resp, body)
	}
	caps := Capabilities{Allow: resp.Header.Get("Allow")}
	for _, ap := range resp.Header.Values("Accept-Patch") {
		for _, t := range strings.Split(ap, ",") {
			if mt, _, err := mime.ParseMediaType(strings.TrimSpace(t)); err == nil && mt == typeSDPFrag {
				caps.Trickle = true
			}
		}
	}
	links, err := ParseLinks(resp.Header.Values("Link"))
	if err != nil {
		e.log().Info("whep: ignoring Link headers of OPTIONS", "err", err)
	}
	caps.ICEServers = ICEServers(links)
	return caps, nil
}

// Resource is the session a POST created on the server (RFC 9725 4.3).
type Resource struct {
	ep *Endpoint
	// URL is the absolute URL of the resource (the Location, resolved);
	// empty when the server named none (Endpoint.LocationOptional): then
	// Trickle and RestartICE return ErrNoTrickle and Delete does nothing.
	URL string
	// ICEServers are those of the 201's Link headers.
	ICEServers []webrtc.ICEServer

	mu   sync.Mutex
	etag string
}

// Post sends the offer and returns the resource and the SDP answer. A 503
// with a Retry-After within MaxRetryAfter is waited for and tried again.
func (e *Endpoint) Post(ctx context.Context, offer string) (*Resource, string, error) {
	retries := e.Retries503
	if retries <= 0 {
		retries = 2
	}
	maxWait := e.MaxRetryAfter
	if maxWait <= 0 {
		maxWait = 10 * time.Second
	}
	for try := 0; ; try++ {
		res, answer, wait, err := e.post(ctx, offer)
		if err == nil || wait <= 0 || wait > maxWait || try >= retries {
			return res, answer, err
		}
		e.log().Info("whep: server busy, retrying as it asked", "after", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, "", ctx.Err()
		case <-t.C:
		}
	}
}

func (e *Endpoint) post(ctx context.Context, offer string) (*Resource, string, time.Duration, error) {
	if e.Session != nil {
		u, tok, err := e.Session()
		if err != nil {
			return nil, "", 0, fmt.Errorf("whep: new session: %w", err)
		}
		s := *e
		s.URL, s.Token, s.Session = u, tok, nil
		e = &s
	}
	req, err := e.request(ctx, http.MethodPost, e.URL, typeSDP, []byte(offer))
	if err != nil {
		return nil, "", 0, err
	}
	resp, body, err := e.do(req)
	if err != nil {
		return nil, "", 0, err
	}
	accepted := resp.StatusCode == http.StatusCreated || (e.LocationOptional && resp.StatusCode == http.StatusOK)
	if !accepted {
		var wait time.Duration
		if resp.StatusCode == http.StatusServiceUnavailable {
			wait = retryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
		if resp.StatusCode/100 == 2 {
			return nil, "", 0, fmt.Errorf("%w: POST answered %d, not 201 Created", session.ErrProtocol, resp.StatusCode)
		}
		return nil, "", wait, e.statusError("offer", resp, body)
	}
	answer, err := ParseAnswer(resp.Header.Get("Content-Type"), body)
	if err != nil {
		return nil, "", 0, fmt.Errorf("%w: %w", session.ErrProtocol, err)
	}
	links, err := ParseLinks(resp.Header.Values("Link"))
	if err != nil {
		e.log().Info("whep: ignoring Link headers of the answer", "err", err)
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		if e.LocationOptional {
			return &Resource{ep: e, ICEServers: ICEServers(links), etag: resp.Header.Get("ETag")}, answer, 0, nil
		}
		return nil, "", 0, fmt.Errorf("%w: %w", session.ErrProtocol, ErrNoLocation)
	}
	// A relative Location is resolved against the URL that answered (after
	// any redirect).
	u, err := resp.Request.URL.Parse(loc)
	if err != nil {
		return nil, "", 0, fmt.Errorf("%w: bad Location %q: %w", session.ErrProtocol, loc, err)
	}
	r := &Resource{ep: e, URL: u.String(), ICEServers: ICEServers(links), etag: resp.Header.Get("ETag")}
	return r, answer, 0, nil
}

// retryAfter reads a Retry-After header: delta-seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// ETag returns the entity tag of the ICE session, as the server last sent it.
func (r *Resource) ETag() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.etag
}

// Trickle sends an sdpfrag of new candidates (RFC 9725 4.5.1): a PATCH
// with If-Match naming the ICE session's entity tag when the server gave one.
func (r *Resource) Trickle(ctx context.Context, frag string) error {
	if r.URL == "" {
		return ErrNoTrickle
	}
	req, err := r.ep.request(ctx, http.MethodPatch, r.URL, typeSDPFrag, []byte(frag))
	if err != nil {
		return err
	}
	if tag := r.ETag(); tag != "" {
		req.Header.Set("If-Match", tag)
	}
	resp, body, err := r.ep.do(req)
	if err != nil {
		return err
	}
	switch {
	case resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusNotImplemented ||
		resp.StatusCode == http.StatusUnsupportedMediaType:
		return ErrNoTrickle
	}
	return r.ep.statusError("trickle", resp, body)
}

// RestartICE asks for an ICE restart (RFC 9725 4.5.2): a PATCH with the new
// ICE credentials and If-Match: "*"; the 200 answer is the server's new
// sdpfrag, and its ETag names the new ICE session.
func (r *Resource) RestartICE(ctx context.Context, frag string) (string, error) {
	if r.URL == "" {
		return "", ErrNoTrickle
	}
	req, err := r.ep.request(ctx, http.MethodPatch, r.URL, typeSDPFrag, []byte(frag))
	if err != nil {
		return "", err
	}
	req.Header.Set("If-Match", "*")
	resp, body, err := r.ep.do(req)
	if err != nil {
		return "", err
	}
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusNotImplemented ||
		resp.StatusCode == http.StatusUnsupportedMediaType:
		return "", ErrNoTrickle
	default:
		return "", r.ep.statusError("ice restart", resp, body)
	}
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != typeSDPFrag || len(body) > maxAnswer {
		return "", fmt.Errorf("%w: ICE restart answer is not %s", session.ErrProtocol, typeSDPFrag)
	}
	r.mu.Lock()
	r.etag = resp.Header.Get("ETag")
	r.mu.Unlock()
	return string(body), nil
}

// Delete ends the session on the server (RFC 9725 4.3, "hang up").
func (r *Resource) Delete(ctx context.Context) error {
	if r.URL == "" {
		return nil // nothing to delete: the session ends with its peer
	}
	req, err := r.ep.request(ctx, http.MethodDelete, r.URL, "", nil)
	if err != nil {
		return err
	}
	resp, body, err := r.ep.do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 == 2 || resp.StatusCode == http.StatusNotFound {
		return nil // gone already counts as hung up
	}
	return r.ep.statusError("hang up", resp, body)
}

// statusError turns a refusal into a *session.RemoteError carrying the
// server's own reason, classified for the session (retry or give up).
func (e *Endpoint) statusError(op string, resp *http.Response, body []byte) error {
	reason := bodyReason(resp.Header.Get("Content-Type"), body)
	if reason == "" {
		reason = strings.ToLower(http.StatusText(resp.StatusCode))
	}
	re := &session.RemoteError{Op: "whep: " + op, Code: strconv.Itoa(resp.StatusCode), Reason: reason}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		re.Err = session.ErrUnauthorized
		re.Reason = e.credential() + " refused: " + reason
	case http.StatusForbidden:
		re.Err = session.ErrUnauthorized
		re.Reason = "forbidden: " + reason
	case http.StatusNotFound:
		re.Err = session.ErrNotFound
		re.Reason = "no such stream: " + reason
	case http.StatusConflict:
		re.Err = session.ErrBusy
		re.Reason = "busy: " + reason
	case http.StatusUnsupportedMediaType:
		re.Err = session.ErrProtocol
		re.Reason = "the server does not take " + typeSDP + ": " + reason
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		re.Err = session.ErrBusy
		re.Reason = "server unavailable: " + reason
		if wait := retryAfter(resp.Header.Get("Retry-After"), time.Now()); wait > 0 {
			re.Reason += fmt.Sprintf(" (retry after %s)", wait.Round(time.Second))
		}
	default:
		if resp.StatusCode >= 500 {
			re.Reason = "server error: " + reason
		} else {
			re.Err = session.ErrProtocol
		}
	}
	return re
}

// maxReason bounds the words taken from a refusal's body.
const maxReason = 200

// bodyReason finds the reason in a refusal's body: the error, message or
// reason field of a JSON object, or the first line of text.
func bodyReason(contentType string, body []byte) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	text := ""
	if mt == "application/json" || mt == "application/problem+json" || bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			for _, k := range []string{"reason", "message", "error", "detail", "title", "msg"} {
				if s, ok := m[k].(string); ok && strings.TrimSpace(s) != "" {
					text = s
					break
				}
			}
		}
	}
	// An HTML error page is no reason a person can read in a tile.
	html := mt == "text/html" || bytes.HasPrefix(bytes.TrimSpace(body), []byte("<"))
	if text == "" && !html && (mt == "" || strings.HasPrefix(mt, "text/")) {
		text = string(body)
	}
	text = strings.TrimSpace(text)
	if i := strings.IndexAny(text, "\r\n"); i >= 0 {
		text = text[:i]
	}
	text = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, text)
	if r := []rune(text); len(r) > maxReason {
		text = string(r[:maxReason]) + "..."
	}
	return text
}
