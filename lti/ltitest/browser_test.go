package ltitest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"testing"
)

func TestBrowserSecureCookieOnLoopback(t *testing.T) {
	tests := []struct {
		name     string
		block    bool
		cookieOK bool
	}{
		{"Secure SameSite=None cookie comes back over http://127.0.0.1", false, true},
		{"blocked cookies never come back", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPlatform(Moodle)
			defer p.Close()
			st := newStubTool(t, p)
			b := NewBrowser()
			b.BlockCookies = tt.block
			resp, err := b.Launch(context.Background(), p, LaunchOptions{})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := st.lastLaunch(t).cookieOK; got != tt.cookieOK {
				t.Errorf("state cookie returned = %v, want %v", got, tt.cookieOK)
			}
		})
	}
}

func TestBrowserStepsAndHeaders(t *testing.T) {
	p := NewPlatform(Moodle)
	defer p.Close()
	st := newStubTool(t, p)
	b := NewBrowser()
	resp, err := b.Launch(context.Background(), p, LaunchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "welcome" {
		t.Errorf("final body = %q", body)
	}

	var got []string
	for _, s := range b.Steps() {
		u, _ := url.Parse(s.URL)
		got = append(got, s.Method+" "+u.Path+" "+http.StatusText(s.Status))
	}
	want := []string{
		"POST /login Found",
		"GET /mod/lti/auth.php OK",
		"POST /launch See Other",
		"GET /welcome OK",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("steps\ngot  %q\nwant %q", got, want)
	}
	// The platform and the tool share 127.0.0.1 on different ports: same
	// site, other origin.
	rec := st.lastLaunch(t)
	if rec.origin != p.URL() || rec.site != "same-site" {
		t.Errorf("launch Origin, Sec-Fetch-Site = %q, %q; want %q, same-site", rec.origin, rec.site, p.URL())
	}
}

func TestReadForm(t *testing.T) {
	page := `<!DOCTYPE html><html><head><script>var s = "<form action='/evil'>";</script></head>
<body><!-- <form action="/commented"> -->
<FORM Method='post' action="launch?a=1&amp;b=2">
  <input type="hidden" name="id_token" value="a.b.c">
  <input type=hidden name=state value='x>y &quot;q&quot;'/>
  <input type="checkbox" name="agree" value="yes">
  <input type="checkbox" name="share" value="yes" checked>
  <input type="submit" name="go" value="Go">
  <input type="text" name="note">
</FORM>
<form action="/second"><input name="other" value="1"></form>`
	base, _ := url.Parse("http://127.0.0.1:9/tool/page")
	form, err := ReadForm(base, []byte(page))
	if err != nil {
		t.Fatal(err)
	}
	want := LaunchForm{
		Method: "POST",
		Action: "http://127.0.0.1:9/tool/launch?a=1&b=2",
		Fields: url.Values{"id_token": {"a.b.c"}, "state": {`x>y "q"`}, "share": {"yes"}, "note": {""}},
	}
	if !reflect.DeepEqual(form, want) {
		t.Errorf("ReadForm\ngot  %+v\nwant %+v", form, want)
	}
	if _, err := ReadForm(base, []byte("<p>no form</p>")); err == nil {
		t.Error("ReadForm found a form in a page without one")
	}
}

func TestParallelTabs(t *testing.T) {
	p := NewPlatform(OpenEdX)
	defer p.Close()
	newStubTool(t, p)
	b := NewBrowser()
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			tab := b.NewTab()
			resp, err := tab.Launch(context.Background(), p, LaunchOptions{ClientID: p.AddClient()})
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
