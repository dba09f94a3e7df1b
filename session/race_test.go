//go:build race

package session_test

// raceDetector: the race detector keeps its own memory for every goroutine
// and lock it has seen, outside Go's heap, and gives little of it back, so
// RSS measured under it grows with the work done, not with a leak.
const raceDetector = true
