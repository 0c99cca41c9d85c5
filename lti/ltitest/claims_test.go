package ltitest

import (
	"encoding/json"
	"github.com/astre-lti/astre/lti"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// fixtureHost is where the captured Moodle ran; the tool ran on :9001.
const (
	fixtureHost     = "http://127.0.0.1:8081"
	fixtureToolLink = "http://127.0.0.1:9001/lti/launch"
)

func TestMoodleClaimsEqualFixture(t *testing.T) {
	tests := []struct {
		fixture string
		opts    LaunchOptions
	}{
		{"resource-link-learner.json", LaunchOptions{}},
		{"deep-linking-instructor.json", LaunchOptions{MessageType: MessageDeepLinking}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			p := NewPlatform(Moodle)
			defer p.Close()
			st := newStubTool(t, p)
			got := launch(t, p, st, tt.opts)

			// The fixture with only the documented values replaced.
			raw, err := Fixture(tt.fixture)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.ReplaceAll(string(raw), fixtureHost, p.URL())
			text = strings.ReplaceAll(text, fixtureToolLink, st.srv.URL+"/launch")
			var f struct {
				Claims map[string]any `json:"claims"`
			}
			if err := json.Unmarshal([]byte(text), &f); err != nil {
				t.Fatal(err)
			}
			want := f.Claims
			want["aud"] = p.ClientID
			want["nonce"] = "nonce-" + st.lastLaunch(t).state
			if life := got["exp"].(float64) - got["iat"].(float64); life != 60 {
				t.Errorf("exp - iat = %v, want 60", life)
			}
			want["iat"], want["exp"] = got["iat"], got["exp"]

			if !reflect.DeepEqual(got, want) {
				g, _ := json.MarshalIndent(got, "", "  ")
				w, _ := json.MarshalIndent(want, "", "  ")
				t.Errorf("claims differ from the fixture\ngot  %s\nwant %s", g, w)
			}
		})
	}
}

func TestLifetimeAndAudience(t *testing.T) {
	tests := []struct {
		profile  Profile
		lifetime float64
		audArray bool
	}{
		{Moodle, 60, false},
		{OpenEdX, 3600, true},
	}
	for _, tt := range tests {
		t.Run(tt.profile.String(), func(t *testing.T) {
			p := NewPlatform(tt.profile)
			defer p.Close()
			claims := launch(t, p, newStubTool(t, p), LaunchOptions{})
			if got := claims["exp"].(float64) - claims["iat"].(float64); got != tt.lifetime {
				t.Errorf("exp - iat = %v, want %v", got, tt.lifetime)
			}
			switch aud := claims["aud"].(type) {
			case string:
				if tt.audArray || aud != p.ClientID {
					t.Errorf("aud = %q, want array: %v", aud, tt.audArray)
				}
			case []any:
				if !tt.audArray || len(aud) != 1 || aud[0] != p.ClientID {
					t.Errorf("aud = %v, want [%s]", aud, p.ClientID)
				}
			default:
				t.Errorf("aud = %T", aud)
			}
			if claims["iss"] != p.Issuer || claims[lti.ClaimDeploymentID] != "1" {
				t.Errorf("iss, deployment_id = %v, %v", claims["iss"], claims[lti.ClaimDeploymentID])
			}
		})
	}
}

func TestMoodleLoginInitiation(t *testing.T) {
	p := NewPlatform(Moodle)
	defer p.Close()
	st := newStubTool(t, p)
	claims := launch(t, p, st, LaunchOptions{Locale: "pt_br"})

	login := st.lastLogin(t)
	if login.Method != http.MethodPost || len(login.URL.Query()) != 0 {
		t.Errorf("login = %s with query %q, want a POSTed form", login.Method, login.URL.RawQuery)
	}
	for name, want := range map[string]string{
		"iss": p.Issuer, "login_hint": "4", "client_id": p.ClientID,
		"lti_deployment_id": "1", "target_link_uri": st.srv.URL + "/launch",
	} {
		if got := login.PostForm.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	var hint struct {
		CMID     int    `json:"cmid"`
		LaunchID string `json:"launchid"`
	}
	if err := json.Unmarshal([]byte(login.PostForm.Get("lti_message_hint")), &hint); err != nil || hint.CMID != 1 || !strings.HasPrefix(hint.LaunchID, "ltilaunch1_") {
		t.Errorf("lti_message_hint = %q (%v)", login.PostForm.Get("lti_message_hint"), err)
	}
	if _, ok := login.PostForm["lti_storage_target"]; ok {
		t.Error("Moodle sent lti_storage_target")
	}
	if got := object(claims, lti.ClaimLaunchPresentation)["locale"]; got != "pt_br" {
		t.Errorf("locale = %v, want pt_br", got)
	}
}

func TestMoodleOptions(t *testing.T) {
	p := NewPlatform(Moodle)
	defer p.Close()
	st := newStubTool(t, p)
	claims := launch(t, p, st, LaunchOptions{
		UserID: "7", GivenName: "Ana", FamilyName: "Souza", Email: "ana@example.invalid",
		Roles:     []string{"http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"},
		ContextID: "42", ResourceLinkID: "9", Custom: map[string]string{"wave": "2"},
	})
	if claims["sub"] != "7" || claims["name"] != "Ana Souza" || claims["email"] != "ana@example.invalid" {
		t.Errorf("user = %v %v %v", claims["sub"], claims["name"], claims["email"])
	}
	if got := st.lastLogin(t).PostForm.Get("login_hint"); got != "7" {
		t.Errorf("login_hint = %q, want 7", got)
	}
	if got := object(claims, lti.ClaimContext)["id"]; got != "42" {
		t.Errorf("context id = %v", got)
	}
	nrps := object(claims, lti.ClaimNRPS)["context_memberships_url"]
	if want := p.URL() + "/mod/lti/services.php/CourseSection/42/bindings/1/memberships"; nrps != want {
		t.Errorf("memberships URL = %v, want %s", nrps, want)
	}
	if got, want := object(claims, lti.ClaimAGSEndpoint)["lineitems"], p.URL()+"/mod/lti/services.php/42/lineitems?type_id=1"; got != want {
		t.Errorf("lineitems = %v, want %s", got, want)
	}
	ret := object(claims, lti.ClaimLaunchPresentation)["return_url"].(string)
	if !strings.Contains(ret, "?course=42&launch_container=3&instanceid=9&sesskey=") {
		t.Errorf("return_url = %s", ret)
	}
	custom := object(claims, lti.ClaimCustom)
	if custom["wave"] != "2" || custom["context_memberships_url"] != nrps {
		t.Errorf("custom = %v", custom)
	}
	sourced := object(claims, claimBasicOutcome)["lis_result_sourcedid"].(string)
	if !strings.HasPrefix(sourced, `{"data":{"instanceid":"9","userid":"7","typeid":"1",`) {
		t.Errorf("lis_result_sourcedid = %s", sourced)
	}
}

func TestOpenEdXClaims(t *testing.T) {
	p := NewPlatform(OpenEdX)
	defer p.Close()
	st := newStubTool(t, p)
	claims := launch(t, p, st, LaunchOptions{})

	if login := st.lastLogin(t); login.Method != http.MethodGet || login.URL.Query().Get("lti_message_hint") == "" {
		t.Errorf("login = %s %q, want GET with query parameters", login.Method, login.URL.RawQuery)
	}
	pres := object(claims, lti.ClaimLaunchPresentation)
	if len(pres) != 1 || pres["document_target"] != "iframe" {
		t.Errorf("launch_presentation = %v, want only document_target iframe", pres)
	}
	if got := object(claims, lti.ClaimContext)["type"]; !reflect.DeepEqual(got, []any{courseOffering}) {
		t.Errorf("context type = %v", got)
	}
	for _, k := range []string{"name", "email", "given_name", "family_name"} {
		if _, ok := claims[k]; ok {
			t.Errorf("claim %s sent without PII", k)
		}
	}
	if !reflect.DeepEqual(claims[lti.ClaimRoles], []any{lti.RoleLearner}) {
		t.Errorf("roles = %v", claims[lti.ClaimRoles])
	}

	// A second block: its own client_id under the same issuer.
	second := p.AddClient()
	claims = launch(t, p, st, LaunchOptions{ClientID: second, PII: true, Audiences: []string{"https://other.example"}})
	if !reflect.DeepEqual(claims["aud"], []any{second, "https://other.example"}) || claims["azp"] != second {
		t.Errorf("aud, azp = %v, %v", claims["aud"], claims["azp"])
	}
	if claims["iss"] != p.Issuer || claims[lti.ClaimDeploymentID] != "1" {
		t.Errorf("iss, deployment_id = %v, %v", claims["iss"], claims[lti.ClaimDeploymentID])
	}
	if claims["name"] != "Sam Student" || claims["email"] == nil {
		t.Errorf("PII name, email = %v, %v", claims["name"], claims["email"])
	}
}

func TestAnonymousAndMutate(t *testing.T) {
	p := NewPlatform(Moodle)
	defer p.Close()
	claims := p.Claims(LaunchOptions{
		Anonymous: true,
		Roles:     []string{},
		Mutate:    func(c map[string]any) { c[lti.ClaimVersion] = "1.1" },
	}, "", "n")
	for _, k := range []string{"sub", "name", "email", "given_name", "family_name"} {
		if _, ok := claims[k]; ok {
			t.Errorf("anonymous launch has %s", k)
		}
	}
	if roles, ok := claims[lti.ClaimRoles].([]any); !ok || len(roles) != 0 {
		t.Errorf("roles = %#v, want an empty array", claims[lti.ClaimRoles])
	}
	if claims[lti.ClaimVersion] != "1.1" {
		t.Errorf("Mutate not applied: version = %v", claims[lti.ClaimVersion])
	}
}
