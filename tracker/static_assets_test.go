package tracker

import (
	"io/fs"
	"regexp"
	"testing"

	"github.com/astre-lti/astre/templates"
)

// TestStaticLinksExist: every {{static "NAME"}} of the templates names a
// file of static.FS, and gets a version.
func TestStaticLinksExist(t *testing.T) {
	link := regexp.MustCompile(`\{\{\s*static\s+"([^"]+)"\s*\}\}`)
	n := 0
	err := fs.WalkDir(templates.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templates.FS, path)
		if err != nil {
			return err
		}
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			n++
			if _, ok := staticVersions()[m[1]]; !ok {
				t.Errorf("%s links to static file %q, which does not exist", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no static link found in the templates")
	}
	if got := staticURL("no-such.css"); got != "/static/no-such.css" {
		t.Errorf("unknown file: got %q, want an unversioned link", got)
	}
}
