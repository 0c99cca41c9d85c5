package lti

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// MembershipMediaType is what an NRPS membership request accepts
// (Names and Role Provisioning Services 2.0 section 2.2).
const MembershipMediaType = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"

// maxRosterPages bounds how many pages one roster read follows, and
// maxRosterPageBytes the size of one page.
const (
	maxRosterPages     = 1000
	maxRosterPageBytes = 16 << 20
)

// Member is one person on a course roster. Personal fields are present
// only when the platform shares them.
type Member struct {
	UserID     string   `json:"user_id"`
	Roles      []string `json:"roles"`
	Status     string   `json:"status"` // Active when the platform leaves it out
	Name       string   `json:"name,omitempty"`
	GivenName  string   `json:"given_name,omitempty"`
	FamilyName string   `json:"family_name,omitempty"`
	Email      string   `json:"email,omitempty"`
}

// Active reports whether the member is active in the course.
func (m Member) Active() bool { return m.Status == "" || strings.EqualFold(m.Status, "Active") }

// Members reads a whole roster, following rel="next" links only (Moodle
// pages with "from", Open edX with "page", and Moodle writes the quotes
// as “next”). A refusal comes back as *ServiceError: Open edX refuses
// courses over its roster size limit.
func Members(ctx context.Context, client *http.Client, userAgent, token, membershipsURL string) ([]Member, error) {
	var all []Member
	next := membershipsURL
	for page := 0; next != ""; page++ {
		if page == maxRosterPages {
			return nil, fmt.Errorf("roster has more than %d pages", maxRosterPages)
		}
		var container struct {
			Members []Member `json:"members"`
		}
		header, err := serviceCall(ctx, client, http.MethodGet, next, userAgent, token, MembershipMediaType, "", nil, maxRosterPageBytes, &container)
		if err != nil {
			return nil, fmt.Errorf("roster page %d: %w", page+1, err)
		}
		all = append(all, container.Members...)
		next = NextLink(header.Values("Link"))
	}
	return all, nil
}

// NextLink returns the target of the rel="next" link among Link header
// values (RFC 8288), accepting the typographic quotes Moodle writes.
func NextLink(values []string) string {
	for _, v := range values {
		for _, link := range strings.Split(v, ",") {
			start, end := strings.Index(link, "<"), strings.Index(link, ">")
			if start < 0 || end < start {
				continue
			}
			for _, param := range strings.Split(link[end+1:], ";") {
				name, value, ok := strings.Cut(strings.TrimSpace(param), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(name), "rel") {
					continue
				}
				value = strings.Trim(strings.TrimSpace(value), "\"“”")
				for _, rel := range strings.Fields(value) {
					if strings.EqualFold(rel, "next") {
						return strings.TrimSpace(link[start+1 : end])
					}
				}
			}
		}
	}
	return ""
}
