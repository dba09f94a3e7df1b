package whep

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lookout-app/lookout/session"
)

const answerSDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\n"

func TestPostLocationAndLinks(t *testing.T) {
	for _, tc := range []struct {
		name     string
		location string // "" sends none; "ABS" an absolute URL on the server
		redirect bool
		want     string // resource URL relative to the server, or an error
		err      error
	}{
		{"relative", "/res/1", false, "/res/1", nil},
		{"relative without slash", "res/2", false, "/whep/res/2", nil},
		{"absolute", "ABS", false, "/elsewhere/3", nil},
		{"after a redirect", "res/4", true, "/moved/res/4", nil},
		{"missing", "", false, "", ErrNoLocation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/whep/stream" && tc.redirect {
					http.Redirect(w, r, "/moved/stream", http.StatusTemporaryRedirect)
					return
				}
				if r.Header.Get("Authorization") != "Bearer tok" {
					http.Error(w, "no token", http.StatusUnauthorized)
					return
				}
				loc := tc.location
				if loc == "ABS" {
					loc = srv.URL + "/elsewhere/3"
				}
				if loc != "" {
					w.Header().Set("Location", loc)
				}
				w.Header().Add("Link", `<stun:stun.example.net:3478>; rel="ice-server"`)
				w.Header().Add("Link", `<turn:turn.example.net?transport=udp>; rel="ice-server"; username="u"; credential="p"`)
				w.Header().Set("ETag", `"e1"`)
				w.Header().Set("Content-Type", "application/sdp")
				w.WriteHeader(http.StatusCreated)
				_, _ = w.Write([]byte(answerSDP))
			}))
			defer srv.Close()
			ep := &Endpoint{URL: srv.URL + "/whep/stream", Token: func() (string, error) { return "tok", nil }}
			res, answer, err := ep.Post(context.Background(), "v=0\r\n")
			if tc.err != nil {
				if !errors.Is(err, tc.err) || !errors.Is(err, session.ErrProtocol) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if answer != answerSDP {
				t.Fatal("answer changed")
			}
			if res.URL != srv.URL+tc.want {
				t.Fatalf("resource %s, want %s", res.URL, srv.URL+tc.want)
			}
			if len(res.ICEServers) != 2 || res.ICEServers[1].Username != "u" || res.ETag() != `"e1"` {
				t.Fatalf("ICE servers %+v, ETag %q", res.ICEServers, res.ETag())
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name        string
		code        int
		contentType string
		body        string
		header      map[string]string
		sentinel    error
		reason      string
	}{
		{"401 json", 401, "application/json", `{"error":"token expired"}`, nil, session.ErrUnauthorized, "bearer token refused: token expired"},
		{"403", 403, "text/plain", "not your stream", nil, session.ErrUnauthorized, "forbidden: not your stream"},
		{"404 empty", 404, "", "", nil, session.ErrNotFound, "no such stream: not found"},
		{"409", 409, "text/plain", "too many viewers", nil, session.ErrBusy, "busy: too many viewers"},
		{"415", 415, "text/plain", "want sdp", nil, session.ErrProtocol, "the server does not take application/sdp: want sdp"},
		{"503 long retry", 503, "text/plain", "overloaded", map[string]string{"Retry-After": "120"}, session.ErrBusy, "server unavailable: overloaded (retry after 2m0s)"},
		{"500 html", 500, "text/html", "<html>boom</html>", nil, nil, "server error: internal server error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				}
				w.WriteHeader(tc.code)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			ep := &Endpoint{URL: srv.URL}
			start := time.Now()
			_, _, err := ep.Post(context.Background(), "v=0\r\n")
			if err == nil {
				t.Fatal("no error")
			}
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Fatalf("err %v is not %v", err, tc.sentinel)
			}
			if got := session.Reason(err); got != tc.reason {
				t.Fatalf("reason %q, want %q", got, tc.reason)
			}
			if time.Since(start) > 5*time.Second {
				t.Fatalf("a Retry-After past the limit was waited for")
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, v string
		want    time.Duration
	}{
		{"seconds", "3", 3 * time.Second},
		{"date", now.Add(5 * time.Second).Format(http.TimeFormat), 5 * time.Second},
		{"past date", now.Add(-5 * time.Second).Format(http.TimeFormat), 0},
		{"negative", "-1", 0},
		{"junk", "soon", 0},
		{"empty", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := retryAfter(tc.v, now); got != tc.want {
				t.Fatalf("retryAfter(%q) = %s, want %s", tc.v, got, tc.want)
			}
		})
	}
}

// TestPostSessionIdentity: an endpoint with a Session hook POSTs each
// session to the URL and with the token the hook gives, and the resource
// keeps that token for its DELETE; with LocationOptional a 200 without
// Location is a session that ends with its peer (DELETE sends nothing),
// while without it the same answer is a protocol error.
func TestPostSessionIdentity(t *testing.T) {
	type seen struct{ method, path, query, auth string }
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization")})
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusOK)
			return
		}
		if r.URL.Query().Get("loc") == "1" {
			w.Header().Set("Location", "/res/"+r.URL.Query().Get("SessionID"))
		}
		w.Header().Set("Content-Type", "application/sdp")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(answerSDP))
	}))
	defer srv.Close()
	n := 0
	newSession := func(loc string) func() (string, func() (string, error), error) {
		return func() (string, func() (string, error), error) {
			n++
			id := "desk_" + string(rune('a'+n))
			return srv.URL + "/sub?loc=" + loc + "&SessionID=" + id, func() (string, error) { return "sig-" + id, nil }, nil
		}
	}
	ep := &Endpoint{URL: srv.URL + "/sub?SessionID=desk", Token: func() (string, error) { return "sig-desk", nil },
		Session: newSession("0"), LocationOptional: true}
	ctx := context.Background()
	res, answer, err := ep.Post(ctx, "v=0\r\n")
	if err != nil || answer != answerSDP {
		t.Fatalf("a 200 without Location: %v", err)
	}
	if res.URL != "" {
		t.Fatalf("resource URL %q, want none", res.URL)
	}
	if err := res.Delete(ctx); err != nil {
		t.Fatalf("Delete of a session without Location: %v", err)
	}
	if err := res.Trickle(ctx, "a=end-of-candidates\r\n"); !errors.Is(err, ErrNoTrickle) {
		t.Fatalf("Trickle = %v, want ErrNoTrickle", err)
	}
	ep.Session = newSession("1")
	res2, _, err := ep.Post(ctx, "v=0\r\n")
	if err != nil {
		t.Fatal(err)
	}
	if err := res2.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	want := []seen{
		{http.MethodPost, "/sub", "loc=0&SessionID=desk_b", "Bearer sig-desk_b"},
		{http.MethodPost, "/sub", "loc=1&SessionID=desk_c", "Bearer sig-desk_c"},
		{http.MethodDelete, "/res/desk_c", "", "Bearer sig-desk_c"},
	}
	if len(got) != len(want) {
		t.Fatalf("requests %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("request %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	strict := &Endpoint{URL: srv.URL + "/sub?SessionID=desk"}
	if _, _, err := strict.Post(ctx, "v=0\r\n"); !errors.Is(err, session.ErrProtocol) {
		t.Fatalf("a 200 to an endpoint that needs 201: %v, want ErrProtocol", err)
	}
}
