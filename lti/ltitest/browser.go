package ltitest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
)

// userAgent is what Chromium on Linux sends; Canvas refuses requests
// without one and some tools sniff it.
const userAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

// maxRedirects is Chromium's limit on a redirect chain.
const maxRedirects = 20

// Browser is one tab of a cookie-keeping browser inside an LMS iframe. It
// never follows redirects behind the caller's back: Follow and Launch do,
// one recorded Step at a time. Like Chromium it sends Sec-Fetch-Site,
// Sec-Fetch-Mode and Sec-Fetch-Dest on every request and Origin on form
// posts, so a tool's cross-origin protection sees a real cross-site launch.
//
// Cookies: Go 1.26's net/http/cookiejar already treats http://localhost
// and loopback IPs as secure contexts, as Chromium does, so a tool's
// "Secure; SameSite=None" cookies work against httptest servers; the test
// TestBrowserSecureCookieOnLoopback holds that in place. SameSite and
// Partitioned are not enforced (the fake and the tool are both on
// 127.0.0.1, the same site).
//
// A Browser is safe for concurrent use, but its notion of the current page
// is shared; use NewTab for launches that must run side by side.
type Browser struct {
	// Client has the cookie jar and refuses to follow redirects itself.
	Client *http.Client
	// BlockCookies makes the browser refuse every cookie, like a browser
	// blocking the tool's third-party cookies with no partitioning. Set it
	// before the first request; it applies to all tabs.
	BlockCookies bool

	blocked *bool // the first tab's BlockCookies, read by the jar

	mu    sync.Mutex
	page  *url.URL // the document on screen: the initiator of its form posts
	steps []Step
}

// Step is one request the browser made and the status it got.
type Step struct {
	Method string
	URL    string
	Status int
}

// NewBrowser returns a browser with an empty cookie jar.
func NewBrowser() *Browser {
	b := &Browser{}
	b.blocked = &b.BlockCookies
	jar, _ := cookiejar.New(nil) // never fails without options
	b.Client = &http.Client{
		Jar: &blockingJar{jar: jar, blocked: b.blocked},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return b
}

// NewTab returns another tab of the same browser: same cookies, its own
// current page and steps.
func (b *Browser) NewTab() *Browser {
	return &Browser{Client: b.Client, blocked: b.blocked}
}

// Steps returns the requests made so far by this tab, oldest first.
func (b *Browser) Steps() []Step {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Step(nil), b.steps...)
}

// blockingJar is the cookie jar, refusing everything while *blocked.
type blockingJar struct {
	jar     *cookiejar.Jar
	blocked *bool
}

func (j *blockingJar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	if !*j.blocked {
		j.jar.SetCookies(u, cookies)
	}
}

func (j *blockingJar) Cookies(u *url.URL) []*http.Cookie {
	if *j.blocked {
		return nil
	}
	return j.jar.Cookies(u)
}

// Launch clicks the activity: the platform initiates login at the tool,
// the tool redirects to the auth endpoint, the platform answers its
// auto-post page and the browser posts id_token and state to the tool,
// following the tool's redirects after that. It returns the tool's final
// response, whose body the caller reads and closes. If the tool's login
// answers anything but a redirect to the auth endpoint, that answer is
// returned instead.
func (b *Browser) Launch(ctx context.Context, p *Platform, opts LaunchOptions) (*http.Response, error) {
	authURL, resp, err := b.InitiateLogin(ctx, p, opts)
	if err != nil || authURL == nil {
		return resp, err
	}
	form, err := b.Authorize(ctx, authURL)
	if err != nil {
		return nil, err
	}
	resp, err = b.PostForm(ctx, form.Action, form.Fields)
	if err != nil {
		return nil, err
	}
	return b.Follow(ctx, resp)
}

// InitiateLogin has the platform start a launch: it sends the login
// initiation (a form POST for Moodle, a GET for Open edX) from a platform
// page to the tool and follows the tool's redirects until one points at
// the platform's auth endpoint, which it returns with that redirect
// response (body closed). Any other final answer comes back with a nil
// URL and its body open.
func (b *Browser) InitiateLogin(ctx context.Context, p *Platform, opts LaunchOptions) (*url.URL, *http.Response, error) {
	ini, err := p.Initiate(opts)
	if err != nil {
		return nil, nil, err
	}
	launchPage, _ := url.Parse(p.URL() + "/")
	b.setPage(launchPage)
	target, form := ini.URL, ini.Params
	if ini.Method == http.MethodGet {
		target, form = withQuery(ini.URL, ini.Params), nil
	}
	resp, err := b.send(ctx, ini.Method, target, form, navigation{initiator: launchPage})
	if err != nil {
		return nil, nil, err
	}
	auth, _ := url.Parse(p.AuthURL())
	for hops := 0; isRedirect(resp.StatusCode); hops++ {
		loc, err := resp.Location()
		if err != nil {
			return nil, resp, fmt.Errorf("ltitest: tool login redirect: %w", err)
		}
		if loc.Scheme == auth.Scheme && loc.Host == auth.Host && loc.Path == auth.Path {
			drain(resp)
			return loc, resp, nil
		}
		if hops == maxRedirects {
			drain(resp)
			return nil, nil, errors.New("ltitest: too many redirects")
		}
		if resp, err = b.next(ctx, resp); err != nil {
			return nil, nil, err
		}
	}
	return nil, resp, nil
}

// Authorize loads the auth endpoint the tool redirected to and reads the
// auto-post form it answers. A refusal comes back as an error holding the
// status and the platform's message (see also Platform.AuthErrors).
func (b *Browser) Authorize(ctx context.Context, authURL *url.URL) (LaunchForm, error) {
	resp, err := b.send(ctx, http.MethodGet, authURL.String(), nil, navigation{initiator: b.currentPage()})
	if err != nil {
		return LaunchForm{}, err
	}
	defer drain(resp)
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return LaunchForm{}, fmt.Errorf("ltitest: read auth page: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return LaunchForm{}, fmt.Errorf("ltitest: auth endpoint answered %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return ReadForm(authURL, body)
}

// PostForm submits a form of the current page to action, as the page's
// script or the user would. It does not follow redirects.
func (b *Browser) PostForm(ctx context.Context, action string, fields url.Values) (*http.Response, error) {
	if fields == nil {
		fields = url.Values{}
	}
	return b.send(ctx, http.MethodPost, action, fields, navigation{initiator: b.currentPage()})
}

// Get loads rawURL as if typed in the address bar. It does not follow
// redirects.
func (b *Browser) Get(ctx context.Context, rawURL string) (*http.Response, error) {
	return b.send(ctx, http.MethodGet, rawURL, nil, navigation{})
}

// Follow follows resp's redirects, if any, and returns the first answer
// that is not one. 301, 302 and 303 become GETs; 307 and 308 repeat the
// method and form.
func (b *Browser) Follow(ctx context.Context, resp *http.Response) (*http.Response, error) {
	for hops := 0; isRedirect(resp.StatusCode); hops++ {
		if hops == maxRedirects {
			drain(resp)
			return nil, errors.New("ltitest: too many redirects")
		}
		var err error
		if resp, err = b.next(ctx, resp); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// navigation is what a request in a redirect chain remembers of the chain.
type navigation struct {
	initiator *url.URL   // the page that started it; nil when typed by the user
	site      string     // Sec-Fetch-Site so far
	form      url.Values // the posted form, for 307 and 308
}

type navigationKey struct{}

// next makes the request resp redirects to.
func (b *Browser) next(ctx context.Context, resp *http.Response) (*http.Response, error) {
	defer drain(resp)
	loc, err := resp.Location()
	if err != nil {
		return nil, fmt.Errorf("ltitest: redirect %s: %w", resp.Status, err)
	}
	nav, _ := resp.Request.Context().Value(navigationKey{}).(navigation)
	method, form := http.MethodGet, url.Values(nil)
	if resp.StatusCode == http.StatusTemporaryRedirect || resp.StatusCode == http.StatusPermanentRedirect {
		method, form = resp.Request.Method, nav.form
	}
	return b.send(ctx, method, loc.String(), form, nav)
}

// send makes one request with the headers Chromium would send.
func (b *Browser) send(ctx context.Context, method, target string, form url.Values, nav navigation) (*http.Response, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("ltitest: bad URL %q: %w", target, err)
	}
	nav.form = form
	if nav.initiator == nil {
		nav.site = "none"
	} else if nav.site != "none" {
		nav.site = worstSite(nav.site, fetchSite(nav.initiator, u))
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(context.WithValue(ctx, navigationKey{}, nav), method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("ltitest: new request: %w", err)
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Sec-Fetch-Site", nav.site)
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	req.Header.Set("Sec-Fetch-Dest", "iframe")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if method == http.MethodPost && nav.initiator != nil {
		req.Header.Set("Origin", nav.initiator.Scheme+"://"+nav.initiator.Host)
	}
	resp, err := b.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ltitest: %s %s: %w", method, u.Redacted(), err)
	}
	b.mu.Lock()
	b.steps = append(b.steps, Step{Method: method, URL: u.String(), Status: resp.StatusCode})
	if !isRedirect(resp.StatusCode) {
		b.page = u
	}
	b.mu.Unlock()
	return resp, nil
}

func (b *Browser) setPage(u *url.URL) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.page = u
}

func (b *Browser) currentPage() *url.URL {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.page
}

// fetchSite relates an initiator to a target as Sec-Fetch-Site does. The
// site of a domain name is approximated by its last two labels.
func fetchSite(from, to *url.URL) string {
	if from.Scheme == to.Scheme && from.Host == to.Host {
		return "same-origin"
	}
	if from.Scheme == to.Scheme && siteOf(from.Hostname()) == siteOf(to.Hostname()) {
		return "same-site"
	}
	return "cross-site"
}

func siteOf(host string) string {
	if net.ParseIP(host) != nil {
		return host
	}
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	if len(labels) > 2 {
		labels = labels[len(labels)-2:]
	}
	return strings.Join(labels, ".")
}

// worstSite keeps the least trusted relation seen along a redirect chain.
func worstSite(a, b string) string {
	rank := map[string]int{"same-origin": 0, "same-site": 1, "cross-site": 2}
	if a == "" || rank[b] > rank[a] {
		return b
	}
	return a
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// withQuery adds params to rawURL, keeping its own query string.
func withQuery(rawURL string, params url.Values) string {
	sep := "?"
	if strings.Contains(rawURL, "?") {
		sep = "&"
	}
	return rawURL + sep + params.Encode()
}

// drain reads a little of the body, so the connection can be reused, and
// closes it.
func drain(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}
