package browsertest

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
)

// stepTimeout bounds one step, so a page that never shows what a test
// waits for fails the test instead of hanging it. It is no timing
// assertion: a healthy step takes a small fraction of it.
const stepTimeout = 30 * time.Second

// Tab is a browser tab, or a cross-site iframe inside one (see Frame).
// Its methods fail the test on error, after saving a screenshot of the
// tab as the person would see it.
type Tab struct {
	t   testing.TB
	ctx context.Context
	b   *Browser
	top *Tab // the tab itself, or the tab a frame is in
}

// NewTab deletes every cookie of the browser, so that a subtest starts
// like a fresh browser, and opens a tab, closed when t's cleanup runs.
func (b *Browser) NewTab(t testing.TB) *Tab {
	t.Helper()
	if _, err := chromedp.CallBrowser(b.ctx, storage.ClearCookies, storage.ClearCookiesParams{}); err != nil {
		t.Fatalf("clear cookies: %v", err)
	}
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // opens the tab, without a timeout on purpose
		t.Fatalf("open tab: %v", err)
	}
	tab := &Tab{t: t, ctx: ctx, b: b}
	tab.top = tab
	return tab
}

// Context is the tab's chromedp context, for actions this package lacks.
func (tab *Tab) Context() context.Context { return tab.ctx }

// Do runs the actions in order; what names the step in a failure.
func (tab *Tab) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tab.Fatalf(what, "%s: %v", what, err)
	}
}

// Eval evaluates a JavaScript expression in the tab (awaiting a promise)
// and decodes its value.
func Eval[T any](tab *Tab, what, expression string) T {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
	if err != nil {
		tab.Fatalf(what, "%s: %v", what, err)
	}
	return v
}

// Text returns the visible text of the first element matching the CSS
// selector, waiting for it to appear.
func (tab *Tab) Text(selector string) string {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(selector), chromedp.NodeVisible))
	if err != nil {
		tab.Fatalf("text", "text of %s: %v", selector, err)
	}
	return strings.TrimSpace(s)
}

// Location is the URL of the document in the tab or frame.
func (tab *Tab) Location() string {
	tab.t.Helper()
	return Eval[string](tab, "location", "document.location.href")
}

// Frame returns the cross-site iframe of this tab whose document URL
// starts with prefix, waiting for it. Chromium runs such a frame in its
// own process, as a target of its own, which this attaches to.
func (tab *Tab) Frame(prefix string) *Tab {
	tab.t.Helper()
	f := tab.attach("iframe", prefix)
	f.top = tab.top
	return f
}

// Window returns a window (or tab) opened by a page, such as an "open in
// a new window" link, once its document URL starts with prefix.
func (tab *Tab) Window(prefix string) *Tab {
	tab.t.Helper()
	w := tab.attach("page", prefix)
	w.top = w
	return w
}

// attach waits for a target of the type whose URL starts with prefix and
// attaches to it; the target stays open when the test ends.
func (tab *Tab) attach(typ, prefix string) *Tab {
	tab.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		infos, err := chromedp.Targets(tab.ctx)
		if err != nil {
			tab.Fatalf(typ, "list targets: %v", err)
		}
		for _, info := range infos {
			if info.Type != typ || !strings.HasPrefix(info.URL, prefix) {
				continue
			}
			ctx, cancel := chromedp.NewContext(tab.ctx, chromedp.WithTargetID(info.TargetID), chromedp.WithDetachOnCancel())
			tab.t.Cleanup(cancel)
			if err := chromedp.Do(ctx); err != nil {
				tab.Fatalf(typ, "attach to %s %s: %v", typ, info.URL, err)
			}
			return &Tab{t: tab.t, ctx: ctx, b: tab.b}
		}
		if time.Now().After(deadline) {
			var urls []string
			for _, info := range infos {
				urls = append(urls, info.Type+" "+info.URL)
			}
			tab.Fatalf(typ, "no %s at %s; targets: %s", typ, prefix, strings.Join(urls, ", "))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Screenshot saves what the tab shows as NAME.png in the artifacts
// directory and returns the file's path.
func (tab *Tab) Screenshot(name string) (string, error) {
	ctx, cancel := context.WithTimeout(tab.top.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return "", fmt.Errorf("screenshot: %w", err)
	}
	path, err := tab.b.artifacts.path(fileName(tab.t.Name() + "-" + name + ".png"))
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return "", fmt.Errorf("save screenshot: %w", err)
	}
	return path, nil
}

// Errorf reports a failed check of the page kind and goes on.
func (tab *Tab) Errorf(kind, format string, args ...any) {
	tab.t.Helper()
	tab.t.Errorf(format+tab.screenshotNote(kind), args...)
}

// Fatalf reports a failed check of the page kind and stops the test.
func (tab *Tab) Fatalf(kind, format string, args ...any) {
	tab.t.Helper()
	tab.t.Fatalf(format+tab.screenshotNote(kind), args...)
}

func (tab *Tab) screenshotNote(kind string) string {
	path, err := tab.Screenshot(kind)
	if err != nil {
		return fmt.Sprintf(" (no screenshot: %v)", err)
	}
	return fmt.Sprintf(" (screenshot: %s)", strings.ReplaceAll(path, "%", "%%"))
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func fileName(s string) string { return unsafeName.ReplaceAllString(s, "_") }
