package ui

import "sync"

// uiQueue holds the work goroutines hand to do() during tests, until the
// test goroutine, acting as Fyne's main goroutine, runs it with drainUI.
var uiQueue struct {
	mu sync.Mutex
	q  []func()
}

// useUIQueue routes do() into uiQueue; TestMain calls it before any test.
func useUIQueue() {
	f := func(fn func()) {
		uiQueue.mu.Lock()
		uiQueue.q = append(uiQueue.q, fn)
		uiQueue.mu.Unlock()
	}
	doFunc.Store(&f)
}

// drainUI runs the queued UI work on the calling (test) goroutine.
func drainUI() {
	for {
		uiQueue.mu.Lock()
		q := uiQueue.q
		uiQueue.q = nil
		uiQueue.mu.Unlock()
		if len(q) == 0 {
			return
		}
		for _, f := range q {
			f()
		}
	}
}
