// Package templates holds the html/template files of ASTRE's pages.
package templates

import "embed"

// FS holds every page template and the base layout.
//
//go:embed *.html
var FS embed.FS
