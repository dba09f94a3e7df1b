package ui

// What the empty wall says: how to fill it, or, on a first start while
// the camera lists load, that its tiles are coming.
const (
	emptyWallHint   = "Double-click a camera in the list to put it on the wall"
	loadingWallHint = "Loading the camera lists…"
)

// setHint sets what the empty wall says.
func (w *Wall) setHint(s string) { w.hint.SetText(s) }
