package tuya

import "testing"

// Tuya's worked example (developer.tuya.com "Sign Requests", id=Ka43a5mtx1gsc).
const (
	exClientID = "1KAD46OrT9HafiKdsXeg"
	exSecret   = "4OHBOnWOqaEC1mWXOpVL3yV50s0qGSRC"
	exT        = "1588925778000"
	exToken    = "3f4eda2bdec17232f67c0b188af3eec1"
	exNonce    = "5138cc3a9033d69856923fd07b491173"
)

var exHeaders = map[string]string{
	"area_id": "29a33e8796834b1efa6",
	"call_id": "8afdb70ab2ed11eb85290242ac130003",
}

func TestStringToSign(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		path    string
		body    []byte
		headers map[string]string
		names   []string
		want    string
	}{
		{
			name:   "token request, no headers",
			method: "GET", path: "/v1.0/token?grant_type=1",
			want: "GET\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\n/v1.0/token?grant_type=1",
		},
		{
			name:   "worked example with Signature-Headers",
			method: "GET", path: "/v1.0/token?grant_type=1",
			headers: exHeaders, names: []string{"area_id", "call_id"},
			want: "GET\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n" +
				"area_id:29a33e8796834b1efa6\ncall_id:8afdb70ab2ed11eb85290242ac130003\n\n/v1.0/token?grant_type=1",
		},
		{
			name:   "query sorted by key",
			method: "get", path: "/v2.0/apps/schema/users?page_size=50&page_no=1",
			want: "GET\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\n/v2.0/apps/schema/users?page_no=1&page_size=50",
		},
		{
			name:   "empty query drops the question mark",
			method: "GET", path: "/v1.0/users/u1/devices?",
			want: "GET\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\n/v1.0/users/u1/devices",
		},
		{
			// sha256("abc") from FIPS 180-2 appendix B.1.
			name:   "body hashed",
			method: "POST", path: "/v1.0/x", body: []byte("abc"),
			want: "POST\nba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n\n/v1.0/x",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := StringToSign(tc.method, tc.path, tc.body, tc.headers, tc.names)
			if got != tc.want {
				t.Fatalf("StringToSign =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestSign(t *testing.T) {
	exNames := []string{"area_id", "call_id"}
	tests := []struct {
		name        string
		method      SignMethod
		accessToken string
		nonce       string
		str         string
		want        string
	}{
		{
			// New algorithm, token request: published sign of the worked example.
			name:   "new token request",
			method: SignHMAC, nonce: exNonce,
			str:  StringToSign("GET", "/v1.0/token?grant_type=1", nil, exHeaders, exNames),
			want: "9E48A3E93B302EEECC803C7241985D0A34EB944F40FB573C7B5C2A82158AF13E",
		},
		{
			// New algorithm, business request: published sign of the worked example.
			name:   "new business request",
			method: SignHMAC, accessToken: exToken, nonce: exNonce,
			str:  StringToSign("GET", "/v2.0/apps/schema/users?page_size=50&page_no=1", nil, exHeaders, exNames),
			want: "AE4481C692AA80B25F3A7E12C3A5FD9BBF6251539DD78E565A1A72A508A88784",
		},
		{
			// Old-version example: sign of "1KAD46OrT9HafiKdsXeg1588925778000".
			name:   "old token request",
			method: SignHMAC,
			want:   "CEAAFB5CCDC2F723A9FD3E91D3D2238EE0DD9A6D7C3C365DEB50FC2AF277AA83",
		},
		{
			// Old-version example: sign of client_id + access_token + t.
			name:   "old business request",
			method: SignHMAC, accessToken: exToken,
			want: "36C30E300F226B68ADD014DD1EF56A81EDB7B7A817840485769B9D6C96D0FAA1",
		},
		{
			// Legacy scheme, typed in from:
			//   printf '%s' "1KAD46OrT9HafiKdsXeg4OHBOnWOqaEC1mWXOpVL3yV50s0qGSRC1588925778000" | md5sum
			name:   "md5 token request",
			method: SignMD5, nonce: exNonce,
			str:  StringToSign("GET", "/v1.0/token?grant_type=1", nil, nil, nil),
			want: "19706D1D5CE4C49341A147A9EF4FCE19",
		},
		{
			// Legacy scheme, typed in from:
			//   printf '%s' "1KAD46OrT9HafiKdsXeg3f4eda2bdec17232f67c0b188af3eec14OHBOnWOqaEC1mWXOpVL3yV50s0qGSRC1588925778000" | md5sum
			name:   "md5 business request",
			method: SignMD5, accessToken: exToken, nonce: exNonce,
			str:  StringToSign("GET", "/v1.0/users/u1/devices", nil, nil, nil),
			want: "FE866557FE9F0C4E49997D92A0DB0935",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Sign(tc.method, exSecret, exClientID, tc.accessToken, exT, tc.nonce, tc.str)
			if got != tc.want {
				t.Fatalf("Sign = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestSignMethodHeader(t *testing.T) {
	for m, want := range map[SignMethod]string{SignHMAC: "HMAC-SHA256", SignMD5: "MD5", "": "HMAC-SHA256"} {
		if got := m.header(); got != want {
			t.Errorf("%q.header() = %q, want %q", m, got, want)
		}
	}
}
