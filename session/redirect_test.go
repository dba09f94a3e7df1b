package session

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestCheckRedirectDropsCredentials(t *testing.T) {
	type seen struct{ auth, token, sign, clientID string }
	got := make(chan seen, 1)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.Header.Get("Authorization"), r.Header.Get("access_token"), r.Header.Get("sign"), r.Header.Get("client_id")}
	}))
	defer other.Close()
	var hops int
	same := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hops++
		if r.URL.Path == "/same" {
			got <- seen{r.Header.Get("Authorization"), r.Header.Get("access_token"), r.Header.Get("sign"), r.Header.Get("client_id")}
			return
		}
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusTemporaryRedirect)
	}))
	defer same.Close()
	cases := []struct {
		name string
		to   string
		want seen
	}{
		{name: "another host keeps no credential", to: other.URL + "/x", want: seen{clientID: "id"}},
		{name: "the same host keeps them", to: same.URL + "/same", want: seen{"Bearer t", "tok", "SIG", "id"}},
	}
	hc := &http.Client{CheckRedirect: CheckRedirect}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, same.URL+"/start?to="+tc.to, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer t")
			req.Header.Set("access_token", "tok")
			req.Header.Set("sign", "SIG")
			req.Header.Set("client_id", "id")
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if s := <-got; s != tc.want {
				t.Fatalf("redirect target saw %+v, want %+v", s, tc.want)
			}
		})
	}
}

func TestCheckRedirectStops(t *testing.T) {
	via := make([]*http.Request, maxRedirects)
	req := httptest.NewRequest(http.MethodGet, "http://a/", nil)
	for i := range via {
		via[i] = req
	}
	if err := CheckRedirect(req, via); err != ErrTooManyRedirects {
		t.Fatalf("CheckRedirect after %d redirects = %v, want ErrTooManyRedirects", maxRedirects, err)
	}
}
