// Package assets holds Lookout's bundled resources.
package assets

import _ "embed"

// Icon is the application icon, a 512x512 PNG.
//
//go:embed icon.png
var Icon []byte
