package browsertest

import (
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAxeFindsViolations holds the harness honest: axe-core must report
// a page's real defects, and a screenshot must land on disk.
func TestAxeFindsViolations(t *testing.T) {
	b := Start(t, Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><html><head><title>defects</title></head><body><main><button></button></main></body></html>`))
	}))
	defer srv.Close()
	tab := b.NewTab(t)
	tab.Do("open the page", chromedp.Navigate(srv.URL))
	var ids []string
	for _, v := range tab.Violations() {
		ids = append(ids, v.ID)
	}
	for _, want := range []string{"button-name", "html-has-lang"} {
		if !slices.Contains(ids, want) {
			t.Errorf("axe-core: got violations %v, want %s among them", ids, want)
		}
	}
	t.Setenv(ArtifactsEnv, t.TempDir())
	b.artifacts = &artifacts{}
	path, err := tab.Screenshot("defects")
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		t.Errorf("screenshot %s: %v", path, err)
	}
}
