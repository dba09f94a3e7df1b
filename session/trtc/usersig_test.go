package trtc

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The worked example was computed apart from this package, in Python with
// hmac, hashlib, zlib and base64 (the steps of TLSSigAPIv2), and typed in.
const (
	exampleKey  = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
	exampleSig  = "z2C8xwGDueslkVdOtUZxBEItEnekLU7oz7x55rB9xNA="
	exampleDoc  = `{"TLS.expire":86400,"TLS.identifier":"desk-1","TLS.sdkappid":1400000000,"TLS.sig":"z2C8xwGDueslkVdOtUZxBEItEnekLU7oz7x55rB9xNA=","TLS.time":1700000000,"TLS.ver":"2.0"}`
	exampleUser = "eJyrVgrxCdZLrSjILEpVsrIwMzEw0AELZaak5pVkpmWmFilZKaWkFmfrGipBZIpTshMLCjJTlKwMgaohACqTmQ5UXGXkbFFR7u5Smlqckx2W4l8SGlXh5OpZ4pqXmu0Tap5fZV5halrkZFnh52gLNbIkMxdou6E5qnFlYLuN9AyUagGTvzE5"
)

// inflate undoes the UserSig encoding: '*' '-' '_' back to '+' '/' '=',
// base64, zlib.
func inflate(t *testing.T, sig string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(strings.NewReplacer("*", "+", "-", "/", "_", "=").Replace(sig))
	if err != nil {
		t.Fatalf("base64: %v", err)
	}
	r, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("zlib: %v", err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("zlib: %v", err)
	}
	return string(b)
}

func TestUserSigWorkedExample(t *testing.T) {
	if got := sigHMAC(exampleKey, "desk-1", 1400000000, 1700000000, 86400); got != exampleSig {
		t.Fatalf("TLS.sig = %s, want %s", got, exampleSig)
	}
	got, err := UserSig(1400000000, exampleKey, "desk-1", time.Unix(1700000000, 0), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// Go's deflate and zlib's may choose different (equally valid) codes,
	// so the documents inside are compared; the example must decode too.
	if doc := inflate(t, got); doc != exampleDoc {
		t.Fatalf("UserSig holds\n%s\nwant\n%s", doc, exampleDoc)
	}
	if doc := inflate(t, exampleUser); doc != exampleDoc {
		t.Fatalf("the worked example holds %s", doc)
	}
	if strings.ContainsAny(got, "+/=") {
		t.Fatalf("UserSig %q keeps base64 characters TRTC replaces", got)
	}
	t.Logf("UserSig %s (python's: %s, equal: %v)", got, exampleUser, got == exampleUser)
}

func TestUserSigRenewal(t *testing.T) {
	now := time.Unix(1700000000, 0)
	c, err := New(Config{Endpoint: "https://trtc.invalid", SDKAppID: 1400000000, SecretKey: exampleKey, UserID: "desk-1",
		UserSigTTL: 100 * time.Second, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	first, err := c.UserSig()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		after time.Duration
		renew bool
	}{
		{"fresh", 10 * time.Second, false},
		{"just before four fifths", 79 * time.Second, false},
		{"at four fifths", 80 * time.Second, true},
		{"expired", 200 * time.Second, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.sig.mu.Lock()
			c.sig.sig, c.sig.issued = first, time.Unix(1700000000, 0)
			c.sig.mu.Unlock()
			now = time.Unix(1700000000, 0).Add(tc.after)
			got, err := c.UserSig()
			if err != nil {
				t.Fatal(err)
			}
			if renewed := got != first; renewed != tc.renew {
				t.Fatalf("renewed = %v, want %v", renewed, tc.renew)
			}
			if tc.renew && !strings.Contains(inflate(t, got), `"TLS.time":`+itoa(now.Unix())) {
				t.Fatalf("renewed UserSig not issued now: %s", inflate(t, got))
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
