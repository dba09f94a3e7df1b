package ui

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/test"
)

// TestStopHookRunsAfterTheLoop: Fyne's stop hook is taken out of the
// lifecycle (the loop queues nothing as it ends) and runs once when the
// returned function is called.
func TestStopHookRunsAfterTheLoop(t *testing.T) {
	a := test.NewTempApp(t)
	lc, ok := a.Lifecycle().(stopHooks)
	if !ok {
		t.Fatalf("Fyne's test lifecycle %T has no stop hook to take", a.Lifecycle())
	}
	ran := 0
	lc.SetOnStoppedHookExecuted(func() { ran++ })
	hook := takeStopHook(a)
	if lc.OnStopped() != nil {
		t.Fatal("the lifecycle still has a stop hook: Fyne's loop would queue it as it ends")
	}
	if ran != 0 {
		t.Fatalf("the hook ran %d times before it was called", ran)
	}
	hook()
	if ran != 1 {
		t.Fatalf("the hook ran %d times, want once", ran)
	}
	takeStopHook(a)() // no hook left: a no-op
	if ran != 1 {
		t.Fatalf("the hook ran again: %d", ran)
	}
}

// TestStopHookOfTheRealApp: the app Run makes (Fyne's GLFW app, in a child
// process of its own so that no other test sees it as the current app) has
// a stop hook (its preferences' last save), and takeStopHook takes it.
func TestStopHookOfTheRealApp(t *testing.T) {
	if os.Getenv("LOOKOUT_STOPHOOK_CHILD") == "1" {
		a := app.NewWithID(AppID)
		lc, ok := a.Lifecycle().(stopHooks)
		switch {
		case !ok:
			os.Stdout.WriteString("no stop hooks\n")
		case lc.OnStopped() == nil:
			os.Stdout.WriteString("no stop hook set\n")
		default:
			takeStopHook(a)
			if lc.OnStopped() != nil {
				os.Stdout.WriteString("still a stop hook\n")
			} else {
				os.Stdout.WriteString("taken\n")
			}
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestStopHookOfTheRealApp$")
	dir := t.TempDir()
	cmd.Env = append(os.Environ(), "LOOKOUT_STOPHOOK_CHILD=1", "HOME="+dir, "XDG_CONFIG_HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "taken\n") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}
