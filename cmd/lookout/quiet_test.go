package main

import "testing"

func TestNoiseFilter(t *testing.T) {
	for _, tc := range []struct {
		line  string
		noise bool
	}{
		{"Cannot connect to server socket err = No such file or directory", true},
		{"Cannot connect to server request channel", true},
		{"jack server is not running or cannot be started", true},
		{"JackShmReadWritePtr::~JackShmReadWritePtr - Init not done for -1, skipping unlock", true},
		{"ALSA lib confmisc.c:855:(parse_card) cannot find card '0'", true},
		{"Failed to open VDPAU backend libvdpau_nvidia.so: cannot open shared object file", true},
		{"[AVHWDeviceContext @ 0x55d] Cannot open the X11 display.", true},
		{"lookout: config /x/config.toml:3: unknown kind", false},
		{`time=2026-12-01T01:00:00Z level=WARN msg="cannot save the wall layout"`, false},
		{"panic: runtime error: index out of range", false},
		{"goroutine 1 [running]:", false},
	} {
		t.Run(tc.line, func(t *testing.T) {
			if got := isNoise(tc.line); got != tc.noise {
				t.Fatalf("isNoise = %v, want %v", got, tc.noise)
			}
		})
	}
}
