// Package kinds is the one list of the kinds of account Lookout knows, one
// line per kind, each the descriptor its vendor package exports (STYLE.md:
// wiring is explicit, never filled from init). The config parser, the
// account form, the CLI and the docs check all iterate over it; adding a
// kind is its package and one line here.
package kinds

import (
	"github.com/lookout-app/lookout/session"
	"github.com/lookout-app/lookout/session/een"
	"github.com/lookout-app/lookout/session/trtc"
	"github.com/lookout-app/lookout/session/tuya"
	"github.com/lookout-app/lookout/session/wcs"
	"github.com/lookout-app/lookout/session/whep"
)

// List returns the kinds, in the order the form offers them. Each call
// returns a new slice, so a test may append a kind of its own.
func List() session.Kinds {
	return session.Kinds{
		tuya.Kind,
		een.Kind,
		wcs.Kind,
		whep.Kind,
		trtc.Kind,
	}
}
