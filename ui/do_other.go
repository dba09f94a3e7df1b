//go:build !linux

package ui

// onFyneThread reports whether the caller runs on Fyne's loop's thread;
// off Linux it is not known, and every call counts as such.
func onFyneThread() bool { return true }
