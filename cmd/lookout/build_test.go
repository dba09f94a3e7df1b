package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBuiltProgramNeedsOnlyWhatItCalls: the program as .ci/build-lookout
// builds it (the window tests run that build) names no shared library it
// never calls into, loads neither libavfilter nor libavdevice (go-astiav
// binds them, Lookout calls neither), and still resolves every symbol.
func TestBuiltProgramNeedsOnlyWhatItCalls(t *testing.T) {
	t.Parallel()
	ldd := findTool(t, "ldd")
	bin := lookoutBinary(t)

	out, err := exec.Command(ldd, "-u", "-r", bin).CombinedOutput()
	if err != nil || strings.Contains(string(out), "Unused") {
		t.Errorf("ldd -u -r: %v; the program names libraries it never calls:\n%s", err, out)
	}
	out, err = exec.Command(ldd, "-r", bin).CombinedOutput()
	if err != nil {
		t.Fatalf("ldd -r: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "undefined symbol") || strings.Contains(line, "not found") {
			t.Errorf("does not resolve: %s", strings.TrimSpace(line))
		}
		for _, lib := range []string{"libavfilter.so", "libavdevice.so"} {
			if strings.Contains(line, lib) {
				t.Errorf("loads %s: %s", lib, strings.TrimSpace(line))
			}
		}
	}
	if !strings.Contains(string(out), "libavcodec.so") {
		t.Errorf("ldd -r shows no libavcodec: not the program this test means\n%s", out)
	}
}
