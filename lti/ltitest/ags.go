package ltitest

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

const scoreMediaType = "application/vnd.ims.lis.v1.score+json"

// agsState is the gradebook of the fake.
type agsState struct {
	ungradable map[string]bool
	last       map[string]time.Time // by line item + user: the newest timestamp
	grades     map[string]*float64  // by line item + user: what the gradebook shows
	received   []ReceivedScore
	fail       []scoreFailure
	down       time.Time // every score is refused with 503 until then
}

// ReceivedScore is one score the fake accepted.
type ReceivedScore struct {
	LineItem    string // the line item URL path, without /scores
	ContentType string
	Score       map[string]any
	At          time.Time
}

type scoreFailure struct {
	status     int
	retryAfter string
}

// SetUngradable makes the gradebook refuse scores for a user, as Moodle
// does with 400 "[]" for an administrator who is not enrolled.
func (p *Platform) SetUngradable(userID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ags.ungradable == nil {
		p.ags.ungradable = map[string]bool{}
	}
	p.ags.ungradable[userID] = true
}

// FailScores makes the next n score requests answer status (with a
// Retry-After header when retryAfter is set), as a platform that is down.
func (p *Platform) FailScores(n, status int, retryAfter string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for range n {
		p.ags.fail = append(p.ags.fail, scoreFailure{status, retryAfter})
	}
}

// FailScoresFor makes the score endpoints answer 503 for d, as a
// platform that is down for a while.
func (p *Platform) FailScoresFor(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ags.down = time.Now().Add(d)
}

// Scores returns the scores accepted so far, oldest first.
func (p *Platform) Scores() []ReceivedScore {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.ags.received)
}

// Grade is what the gradebook shows for a user in a line item (a URL
// path, without /scores): nil when there is no grade.
func (p *Platform) Grade(lineItemPath, userID string) *float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ags.grades[lineItemPath+"\x00"+userID]
}

// serveScore is a line item's scores endpoint (AGS 2.0 section 3.4) with
// Moodle's and Open edX's rules: a bearer token with the score scope, the
// exact media type, strictly increasing timestamps per user (Moodle 409,
// Open edX 400), 400 "[]" for a user who is not gradable; Moodle clears
// the grade for a score that is not FullyGraded, Open edX never shows 0.
func (p *Platform) serveScore(w http.ResponseWriter, r *http.Request) {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	issued, ok := p.Issued(token)
	if !ok || time.Now().After(issued.ExpiresAt) || !slices.Contains(issued.Scopes, "https://purl.imsglobal.org/spec/lti-ags/scope/score") {
		writeText(w, http.StatusUnauthorized, "invalid token")
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Now().Before(p.ags.down) {
		writeText(w, http.StatusServiceUnavailable, "down for maintenance")
		return
	}
	if len(p.ags.fail) > 0 {
		f := p.ags.fail[0]
		p.ags.fail = p.ags.fail[1:]
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		writeText(w, f.status, "unavailable")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != scoreMediaType {
		writeText(w, http.StatusBadRequest, "content type "+ct)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	var score map[string]any
	if err := json.Unmarshal(body, &score); err != nil {
		writeText(w, http.StatusBadRequest, "not JSON")
		return
	}
	user, _ := score["userId"].(string)
	stamp, _ := score["timestamp"].(string)
	at, err := time.Parse(time.RFC3339Nano, stamp)
	if user == "" || err != nil {
		writeText(w, http.StatusBadRequest, "userId and timestamp are required")
		return
	}
	if p.ags.ungradable[user] {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("[]"))
		return
	}
	item := strings.TrimSuffix(r.URL.Path, "/scores")
	key := item + "\x00" + user
	if p.ags.last == nil {
		p.ags.last, p.ags.grades = map[string]time.Time{}, map[string]*float64{}
	}
	if last, ok := p.ags.last[key]; ok && !at.After(last) {
		status := http.StatusConflict
		if p.Profile == OpenEdX {
			status = http.StatusBadRequest
		}
		writeText(w, status, "timestamp not newer than the stored one")
		return
	}
	p.ags.last[key] = at
	given, hasGiven := score["scoreGiven"].(float64)
	switch {
	case score["gradingProgress"] != "FullyGraded" && p.Profile == Moodle:
		p.ags.grades[key] = nil // Moodle nulls the grade for anything else
	case !hasGiven || (given == 0 && p.Profile == OpenEdX):
		// Open edX never publishes a score of 0.
	default:
		g := given
		p.ags.grades[key] = &g
	}
	p.ags.received = append(p.ags.received, ReceivedScore{LineItem: item, ContentType: r.Header.Get("Content-Type"), Score: score, At: time.Now()})
	w.WriteHeader(http.StatusOK)
}
