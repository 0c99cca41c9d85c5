package tracker_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/astre-lti/astre/lti/ltitest"
	"github.com/astre-lti/astre/tracker"
)

func apiGet(t *testing.T, rawURL, token string, v any) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	return resp
}

func TestAPI(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
		answerEntry(t, h, id)
	}
	ctx := context.Background()
	token, tok, err := h.srv.Accounts.CreateToken(ctx, "QA")
	if err != nil {
		t.Fatal(err)
	}
	revoked, rtok, _ := h.srv.Accounts.CreateToken(ctx, "old")
	if err := h.db.RevokeToken(ctx, rtok.ID, time.Now()); err != nil {
		t.Fatal(err)
	}

	// The description lists every endpoint, and each refuses bad tokens.
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Servers []struct{ URL string }    `json:"servers"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if resp := apiGet(t, h.base+"/api/openapi.json", "", &doc); resp.StatusCode != http.StatusOK {
		t.Fatalf("openapi.json: got %d", resp.StatusCode)
	}
	if doc.OpenAPI != "3.1.0" || len(doc.Servers) != 1 || doc.Servers[0].URL != h.base+"/api/v1" {
		t.Errorf("openapi.json: version %q servers %+v", doc.OpenAPI, doc.Servers)
	}
	var paths []string
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	if want := []string{"/courses", "/indicators", "/report", "/responses"}; !slices.Equal(paths, want) {
		t.Errorf("paths %v, want %v", paths, want)
	}
	for _, p := range paths {
		for _, bad := range []string{"", "astre_not-a-token", revoked, strings.ToUpper(token)} {
			resp := apiGet(t, h.base+"/api/v1"+p, bad, nil)
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s with token %q: got %d, want 401 with WWW-Authenticate", p, bad, resp.StatusCode)
			}
		}
	}

	var courses tracker.APIPage[tracker.APICourse]
	if resp := apiGet(t, h.base+"/api/v1/courses", token, &courses); resp.StatusCode != http.StatusOK || len(courses.Items) != 1 {
		t.Fatalf("courses: got %d, %+v", resp.StatusCode, courses)
	}
	c := courses.Items[0]
	var ind tracker.APIIndicators
	if resp := apiGet(t, h.base+"/api/v1/indicators", token, &ind); resp.StatusCode != http.StatusOK || ind.Overall.Respondents != 6 {
		t.Errorf("indicators: got %d, overall %+v", resp.StatusCode, ind.Overall)
	}
	for _, i := range ind.Overall.Indicators {
		if i.Yes.N != nil && *i.Yes.N < ind.K {
			t.Errorf("indicator %s: count %d below k shown", i.Key, *i.Yes.N)
		}
	}
	var rep tracker.APIReport
	if resp := apiGet(t, h.base+"/api/v1/report?platform=1&course="+c.Course, token, &rep); resp.StatusCode != http.StatusOK || rep.Respondents != 6 {
		t.Errorf("report: got %d, respondents %d", resp.StatusCode, rep.Respondents)
	}
	if resp := apiGet(t, h.base+"/api/v1/report", token, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("report without a course: got %d, want 400", resp.StatusCode)
	}

	// Pages of two responses: three pages, each response once.
	seen := map[int64]bool{}
	next := h.base + "/api/v1/responses?per_page=2"
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		var page tracker.APIPage[tracker.DatasetRow]
		if resp := apiGet(t, next, token, &page); resp.StatusCode != http.StatusOK {
			t.Fatalf("responses: got %d", resp.StatusCode)
		}
		for _, r := range page.Items {
			if seen[r.Response] {
				t.Errorf("response %d on two pages", r.Response)
			}
			seen[r.Response] = true
		}
		next = page.Next
	}
	if len(seen) != 6 {
		t.Errorf("got %d responses over the pages, want 6", len(seen))
	}
	if resp := apiGet(t, h.base+"/api/v1/responses?per_page=5000", token, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("per_page=5000: got %d, want 400", resp.StatusCode)
	}
	list, _ := h.db.Tokens(ctx)
	if list[0].ID != tok.ID || list[0].LastUsedAt == nil {
		t.Error("the token's use is not recorded")
	}
}
