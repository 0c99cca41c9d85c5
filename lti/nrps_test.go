package lti_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/lti/ltitest"
)

func TestNextLink(t *testing.T) {
	for _, tc := range []struct {
		values []string
		want   string
	}{
		{[]string{`<https://lms/m?from=10>; rel="next"`}, "https://lms/m?from=10"},
		{[]string{`<https://lms/m?from=10>; rel=“next”`}, "https://lms/m?from=10"}, // Moodle's typographic quotes
		{[]string{`<https://lms/first>; rel="first", <https://lms/m?page=3>; rel="next"`}, "https://lms/m?page=3"},
		{[]string{`<https://lms/a>; rel="prev"`, `<https://lms/b>; REL=next`}, "https://lms/b"},
		{[]string{`<https://lms/a>; rel="differences"`}, ""},
		{nil, ""},
	} {
		if got := lti.NextLink(tc.values); got != tc.want {
			t.Errorf("NextLink(%q): got %q, want %q", tc.values, got, tc.want)
		}
	}
}

func roster(n int, roles string) []lti.Member {
	out := make([]lti.Member, n)
	for i := range out {
		out[i] = lti.Member{UserID: strconv.Itoa(100 + i), Roles: []string{roles}}
	}
	return out
}

func membersFor(t *testing.T, p *ltitest.Platform) ([]lti.Member, error) {
	t.Helper()
	c, reg, _ := tokenClient(t, p)
	tok, err := c.Token(context.Background(), reg, []string{lti.ScopeContextMembership})
	if err != nil {
		t.Fatal(err)
	}
	nrps, _ := p.Claims(ltitest.LaunchOptions{}, "", "n")[lti.ClaimNRPS].(map[string]any)
	url, _ := nrps["context_memberships_url"].(string)
	return lti.Members(context.Background(), http.DefaultClient, "ASTRE-test", tok.AccessToken, url)
}

func TestMembersFollowsPaging(t *testing.T) {
	for _, profile := range []ltitest.Profile{ltitest.Moodle, ltitest.OpenEdX} {
		t.Run(profile.String(), func(t *testing.T) {
			p := ltitest.NewPlatform(profile)
			defer p.Close()
			p.SetMembers(roster(23, "Learner"))
			p.SetRosterPageSize(5)
			got, err := membersFor(t, p)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 23 || got[0].UserID != "100" || got[22].UserID != "122" {
				t.Fatalf("got %d members, want all 23 in order", len(got))
			}
			if !got[0].Active() {
				t.Error("a member without status is not active")
			}
		})
	}
}

func TestMembersOpenEdXRefusesLargeCourses(t *testing.T) {
	p := ltitest.NewPlatform(ltitest.OpenEdX)
	defer p.Close()
	p.SetMembers(roster(1001, "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"))
	_, err := membersFor(t, p)
	var se *lti.ServiceError
	if !errors.As(err, &se) || se.Status != http.StatusForbidden || !se.Permanent() {
		t.Errorf("1001 learners on Open edX: got %v, want a permanent 403", err)
	}
}
