// Package browsertest runs ASTRE's pages in Debian's Chromium for the
// tests only a browser can do: iframes, cookies, keyboard, accessibility.
// It starts one headless Chromium per test (shared by its subtests),
// drives it with chromedp, attaches to cross-site iframes, runs axe-core
// in pages and saves screenshots when a check fails.
//
// Chromium comes from Debian (apt-get install chromium) and axe-core from
// npm (npm ci in this directory); .ci/run installs both. When one is
// missing the tests skip, unless the environment variable CI is set: then
// they fail, so CI can never pass by skipping them.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is where Debian's chromium package installs the browser.
const ChromiumPath = "/usr/bin/chromium"

// ArtifactsEnv names the environment variable of the directory where
// screenshots of failed checks go; without it, a new temporary directory.
const ArtifactsEnv = "ASTRE_BROWSER_ARTIFACTS"

// CookieRefusal makes the browser refuse every cookie of Origin (such as
// http://localhost:8080) while TopLevel (such as http://127.0.0.1:9000)
// is the page in the address bar, partitioned cookies included, as a
// browser does for a site the person blocked. The same origin opened at
// top level, in a new window, keeps its cookies.
type CookieRefusal struct {
	Origin   string
	TopLevel string
}

// Options configure the browser before it starts.
type Options struct {
	Refuse []CookieRefusal
}

// Browser is one Chromium process with a fresh profile.
type Browser struct {
	ctx       context.Context
	axe       string // the axe-core script
	artifacts *artifacts
}

// Require skips t, or fails it when CI is set, if Chromium or axe-core is
// missing. It returns the axe-core script.
func Require(t testing.TB) string {
	t.Helper()
	missing := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set and %s", msg)
		}
		t.Skipf("skipping browser tests: %s", msg)
	}
	if _, err := os.Stat(ChromiumPath); err != nil {
		missing("Chromium is missing (%v); install it with: apt-get install chromium", err)
	}
	path := filepath.Join(packageDir(), "node_modules", "axe-core", "axe.min.js")
	axe, err := os.ReadFile(path)
	if err != nil {
		missing("axe-core is missing (%v); install it with: npm ci --prefix tracker/browsertest", err)
	}
	return string(axe)
}

// packageDir is this package's source directory, where npm ci puts
// node_modules.
func packageDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// Start starts Chromium headless with a fresh profile and the flags this
// machine needs (no sandbox as root, no GPU, no background traffic). It
// stops when t's cleanup runs. See Require for a missing browser.
func Start(t *testing.T, opts Options) *Browser {
	t.Helper()
	axe := Require(t)
	profile := t.TempDir()
	if err := writePreferences(profile, opts); err != nil {
		t.Fatal(err)
	}
	flags := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(ChromiumPath),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 1000),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), flags...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start Chromium: %v", err)
	}
	return &Browser{ctx: ctx, axe: axe, artifacts: &artifacts{}}
}

// writePreferences writes the profile's cookie settings. Debian's
// Chromium 156 blocks third-party cookies in a new profile; mode 0
// allows them, as most people's browsers still do, so a test blocks them
// on purpose (network.SetCookieControls) where it means to. Each refusal
// is a content setting exception, 2 = block, keyed by "cookie
// origin,top-level origin" as Chromium stores them.
func writePreferences(profile string, opts Options) error {
	exceptions := map[string]any{}
	for _, r := range opts.Refuse {
		exceptions[r.Origin+","+r.TopLevel] = map[string]any{"setting": 2}
	}
	prefs := map[string]any{
		"profile": map[string]any{"cookie_controls_mode": 0, "block_third_party_cookies": false, "content_settings": map[string]any{"exceptions": map[string]any{"cookies": exceptions}}},
	}
	b, err := json.Marshal(prefs)
	if err != nil {
		return fmt.Errorf("chromium preferences: %w", err)
	}
	dir := filepath.Join(profile, "Default")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("chromium profile: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Preferences"), b, 0o600); err != nil {
		return fmt.Errorf("chromium preferences: %w", err)
	}
	return nil
}

// artifacts is the directory of screenshots, made on the first one.
type artifacts struct {
	mu  sync.Mutex
	dir string
}

func (a *artifacts) path(name string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.dir == "" {
		dir := os.Getenv(ArtifactsEnv)
		var err error
		if dir != "" {
			err = os.MkdirAll(dir, 0o755)
		} else {
			dir, err = os.MkdirTemp("", "astre-browser-")
		}
		if err != nil {
			return "", fmt.Errorf("screenshot directory: %w", err)
		}
		a.dir = dir
	}
	return filepath.Join(a.dir, name), nil
}
