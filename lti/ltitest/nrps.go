package ltitest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/astre-lti/astre/lti"
)

// rosterState is the course roster the fake serves.
type rosterState struct {
	members  []lti.Member // nil: the fixture's teacher and learner
	pageSize int          // 0: everything on one page
}

// openEdXRosterLimit is Open edX's default refusal threshold for NRPS.
const openEdXRosterLimit = 1000

// SetMembers sets the course roster. Moodle sends short role names
// ("Learner"), Open edX the full URIs; pass what the profile sends.
func (p *Platform) SetMembers(members []lti.Member) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.roster.members = slices.Clone(members)
}

// SetRosterPageSize makes the membership service page its answers.
func (p *Platform) SetRosterPageSize(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.roster.pageSize = n
}

// serveMembers is the NRPS membership service (NRPS 2.0): Moodle pages
// with limit/from and writes rel=“next” with typographic quotes; Open edX
// pages with page and refuses courses of more than 1000 active learners.
func (p *Platform) serveMembers(w http.ResponseWriter, r *http.Request) {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	issued, ok := p.Issued(token)
	if !ok || !slices.Contains(issued.Scopes, "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly") {
		writeText(w, http.StatusUnauthorized, "invalid token")
		return
	}
	p.mu.Lock()
	members, size := p.roster.members, p.roster.pageSize
	p.mu.Unlock()
	if members == nil {
		members = []lti.Member{{UserID: "3", Roles: []string{"Instructor"}}, {UserID: "4", Roles: []string{"Learner"}}}
	}
	if p.Profile == OpenEdX {
		active := 0
		for _, m := range members {
			if m.Active() {
				active++
			}
		}
		if active > openEdXRosterLimit {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "NRPS is not available for courses with more than 1000 learners"})
			return
		}
	}
	start, limit := 0, len(members)
	q := r.URL.Query()
	if p.Profile == OpenEdX {
		if size > 0 {
			n, _ := strconv.Atoi(q.Get("page"))
			start, limit = max(n-1, 0)*size, size
		}
	} else {
		if l, err := strconv.Atoi(q.Get("limit")); err == nil && l > 0 {
			limit = l
		} else if size > 0 {
			limit = size
		}
		start, _ = strconv.Atoi(q.Get("from"))
	}
	start = min(max(start, 0), len(members))
	end := min(start+limit, len(members))
	if end < len(members) {
		next := *r.URL
		nq := next.Query()
		if p.Profile == OpenEdX {
			nq.Set("page", strconv.Itoa(end/size+1))
			w.Header().Set("Link", "<"+p.URL()+next.Path+"?"+nq.Encode()+`>; rel="next"`)
		} else {
			nq.Set("limit", strconv.Itoa(limit))
			nq.Set("from", strconv.Itoa(end))
			w.Header().Set("Link", "<"+p.URL()+next.Path+"?"+nq.Encode()+">; rel=“next”")
		}
	}
	w.Header().Set("Content-Type", lti.MembershipMediaType)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id":      p.URL() + r.URL.Path,
		"context": map[string]any{"id": "2"},
		"members": members[start:end],
	})
}
