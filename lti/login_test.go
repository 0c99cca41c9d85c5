package lti

import (
	"net/url"
	"testing"
)

func TestParseLogin(t *testing.T) {
	full := url.Values{
		"iss": {"https://lms.example.org"}, "login_hint": {"4"}, "target_link_uri": {"https://tool.example.org/lti/launch"},
		"lti_message_hint": {`{"cmid":1}`}, "client_id": {"abc"}, "lti_deployment_id": {"1"}, "lti_storage_target": {"_parent"},
		"unknown_param": {"ignored"},
	}
	req, err := ParseLogin(full)
	if err != nil {
		t.Fatalf("ParseLogin: %v", err)
	}
	want := LoginRequest{Issuer: "https://lms.example.org", LoginHint: "4", TargetLinkURI: "https://tool.example.org/lti/launch",
		MessageHint: `{"cmid":1}`, DeploymentID: "1", ClientID: "abc", StorageTarget: "_parent"}
	if req != want {
		t.Errorf("got %+v, want %+v", req, want)
	}

	for _, tc := range []struct {
		name   string
		drop   string
		set    map[string]string
		reason Reason
	}{
		{"no iss", "iss", nil, ReasonMissingParam},
		{"no login_hint", "login_hint", nil, ReasonMissingParam},
		{"no target", "target_link_uri", nil, ReasonMissingParam},
		{"relative iss", "", map[string]string{"iss": "/lms"}, ReasonBadParam},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := url.Values{}
			for k, vs := range full {
				v[k] = vs
			}
			v.Del(tc.drop)
			for k, s := range tc.set {
				v.Set(k, s)
			}
			_, err := ParseLogin(v)
			if got := ReasonOf(err); got != tc.reason {
				t.Errorf("got reason %q (%v), want %q", got, err, tc.reason)
			}
		})
	}
}

func TestCheckTarget(t *testing.T) {
	base := "https://tool.example.org"
	for _, tc := range []struct {
		target string
		ok     bool
	}{
		{"https://tool.example.org/lti/launch", true},
		{"https://TOOL.example.org/lti/launch?x=1", true},
		{"https://evil.example.org/lti/launch", false},
		{"http://tool.example.org/lti/launch", false},
		{"https://user@tool.example.org/", false},
		{"/lti/launch", false},
		{"javascript:alert(1)", false},
	} {
		err := CheckTarget(tc.target, base)
		if (err == nil) != tc.ok {
			t.Errorf("CheckTarget(%q): got %v, want ok=%v", tc.target, err, tc.ok)
		}
	}
}

func TestAuthRequestURLKeepsQuery(t *testing.T) {
	a := AuthRequest{AuthURL: "https://lms.example.org/auth?tenant=7", ClientID: "c", RedirectURI: "https://tool/lti/launch",
		LoginHint: "4", MessageHint: `{"cmid":1}`, State: "s", Nonce: "n"}
	raw, err := a.URL()
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(raw)
	q := u.Query()
	want := map[string]string{"tenant": "7", "scope": "openid", "response_type": "id_token", "response_mode": "form_post",
		"prompt": "none", "client_id": "c", "redirect_uri": "https://tool/lti/launch", "login_hint": "4",
		"lti_message_hint": `{"cmid":1}`, "state": "s", "nonce": "n"}
	for k, v := range want {
		if got := q.Get(k); got != v {
			t.Errorf("%s: got %q, want %q", k, got, v)
		}
	}
}

func TestRandomToken(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok := RandomToken()
		if len(tok) != 43 { // 32 bytes, unpadded base64url: 256 bits
			t.Fatalf("got length %d, want 43", len(tok))
		}
		if seen[tok] {
			t.Fatal("RandomToken repeated a value")
		}
		seen[tok] = true
	}
}
