// Package templates holds the html/template files of ASTRE's pages.
package templates

import "embed"

// FS holds every page template and the base layout, and under mail/ the
// layouts of the mails (HTML and text).
//
//go:embed *.html mail/*
var FS embed.FS
