package videofeed

import "testing"

var idrCases = []struct {
	name string
	au   []byte
	want bool
}{
	{"sps pps idr", []byte{0, 0, 0, 1, 0x67, 1, 2, 0, 0, 0, 1, 0x68, 3, 0, 0, 1, 0x65, 9}, true},
	{"p slice", []byte{0, 0, 0, 1, 0x41, 1, 2, 3}, false},
	{"three-byte start code idr", []byte{0, 0, 1, 0x25, 1}, true},
	{"empty", nil, false},
}

func TestIsIDR(t *testing.T) {
	for _, tc := range idrCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsIDR(tc.au); got != tc.want {
				t.Fatalf("IsIDR = %v, want %v", got, tc.want)
			}
		})
	}
}

func FuzzIsIDR(f *testing.F) {
	for _, tc := range idrCases {
		f.Add(tc.au)
	}
	f.Fuzz(func(t *testing.T, au []byte) {
		want := false
		for i := 0; i+3 < len(au); i++ {
			if au[i] == 0 && au[i+1] == 0 && au[i+2] == 1 && au[i+3]&0x1F == 5 {
				want = true
			}
		}
		if got := IsIDR(au); got != want {
			t.Fatalf("IsIDR(% x) = %v, want %v", au, got, want)
		}
	})
}
