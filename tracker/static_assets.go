package tracker

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
	"sync"

	"github.com/astre-lti/astre/static"
)

// Pages link to a static file as /static/NAME?v=HASH, HASH naming its
// content. A browser may keep such a link's answer for a year without
// asking again, since new content comes with a new link: a phone on a
// poor connection loads the stylesheet once, not once an hour. A link
// without the current version (an old page, a hand-typed URL) is kept an
// hour. Every answer carries the content's ETag, so a browser asking
// again for an unchanged file gets a 304.
const (
	staticVersioned   = "public, max-age=31536000, immutable"
	staticUnversioned = "public, max-age=3600"
)

// staticVersions are the static files' content hashes, computed once.
var staticVersions = sync.OnceValue(func() map[string]string {
	versions := map[string]string{}
	err := fs.WalkDir(static.FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static.FS, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		versions[name] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		panic(err) // the files are embedded in the binary: a programming error
	}
	return versions
})

// staticURL is the versioned link to the static file name; templates call
// it as {{static "astre.css"}}. An unknown name is a template's mistake,
// which TestStaticLinksExist finds; its link stays unversioned.
func staticURL(name string) string {
	if v, ok := staticVersions()[name]; ok {
		return "/static/" + name + "?v=" + v
	}
	return "/static/" + name
}

// staticFiles serves static.FS under /static/ with the caching above.
func staticFiles() http.Handler {
	files := http.StripPrefix("/static/", http.FileServerFS(static.FS))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v, ok := staticVersions()[strings.TrimPrefix(r.URL.Path, "/static/")]; ok {
			w.Header().Set("ETag", `"`+v+`"`) // the file server answers If-None-Match with it
			cache := staticUnversioned
			if r.URL.Query().Get("v") == v {
				cache = staticVersioned
			}
			w.Header().Set("Cache-Control", cache)
		}
		files.ServeHTTP(w, r)
	})
}
