// Package static holds the stylesheet, the small scripts and the icons
// that ASTRE's pages load from its own origin.
package static

import "embed"

// FS holds the static assets, served under /static/.
//
//go:embed *.css *.js *.svg
var FS embed.FS
