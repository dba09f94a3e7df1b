package ui

import "syscall"

// mainThread is the id of the process's first thread, the one Fyne's
// GLFW driver locks its loop to (runtime.LockOSThread in its init): on
// Linux a process's first thread has the process's id.
var mainThread = syscall.Getpid()

// onFyneThread reports whether the caller runs on Fyne's loop's thread.
func onFyneThread() bool { return syscall.Gettid() == mainThread }
