package lti_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/lti/ltitest"
)

func TestScoresURLKeepsQuery(t *testing.T) {
	for in, want := range map[string]string{
		"https://moodle.example.org/mod/lti/services.php/2/lineitems/12/lineitem?type_id=3": "https://moodle.example.org/mod/lti/services.php/2/lineitems/12/lineitem/scores?type_id=3",
		"https://edx.example.org/api/lti/1/lti-ags/5/":                                      "https://edx.example.org/api/lti/1/lti-ags/5/scores",
	} {
		got, err := lti.ScoresURL(in)
		if err != nil || got != want {
			t.Errorf("ScoresURL(%q): got %q %v, want %q", in, got, err, want)
		}
	}
	if _, err := lti.ScoresURL("/relative"); err == nil {
		t.Error("a relative line item URL was accepted")
	}
}

func TestScoreJSON(t *testing.T) {
	given, max := 1.0, 1.0
	b, _ := json.Marshal(lti.Score{UserID: "4", ScoreGiven: &given, ScoreMaximum: &max,
		Timestamp: time.Date(2026, 11, 23, 10, 0, 0, 120_000_000, time.UTC), ActivityProgress: lti.ActivityCompleted, GradingProgress: lti.GradingFullyGraded})
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	if m["timestamp"] != "2026-11-23T10:00:00.120Z" || m["userId"] != "4" || m["scoreGiven"] != 1.0 || m["gradingProgress"] != "FullyGraded" {
		t.Errorf("got %s", b)
	}
}

// grading returns a token for the score scope and the learner's line item.
func grading(t *testing.T, p *ltitest.Platform) (string, string) {
	t.Helper()
	c, reg, _ := tokenClient(t, p)
	tok, err := c.Token(context.Background(), reg, []string{lti.ScopeScore})
	if err != nil {
		t.Fatal(err)
	}
	ags, _ := p.Claims(ltitest.LaunchOptions{}, "", "n")[lti.ClaimAGSEndpoint].(map[string]any)
	item, _ := ags["lineitem"].(string)
	if item == "" {
		t.Fatal("the launch offers no line item")
	}
	return tok.AccessToken, item
}

func score(at time.Time, progress string) lti.Score {
	one := 1.0
	return lti.Score{UserID: "4", ScoreGiven: &one, ScoreMaximum: &one, Timestamp: at,
		ActivityProgress: lti.ActivityCompleted, GradingProgress: progress}
}

func TestPostScoreMoodle(t *testing.T) {
	p := ltitest.NewPlatform(ltitest.Moodle)
	defer p.Close()
	token, item := grading(t, p)
	ctx := context.Background()
	post := func(s lti.Score) error { return lti.PostScore(ctx, http.DefaultClient, "ASTRE-test", token, item, s) }

	now := time.Now()
	if err := post(score(now, lti.GradingFullyGraded)); err != nil {
		t.Fatal(err)
	}
	got := p.Scores()
	if len(got) != 1 || got[0].ContentType != lti.ScoreMediaType || !strings.HasSuffix(got[0].LineItem, "/lineitems/2/lineitem") {
		t.Fatalf("received %+v", got)
	}
	path := got[0].LineItem
	if g := p.Grade(path, "4"); g == nil || *g != 1 {
		t.Errorf("gradebook: got %v, want 1", g)
	}

	var se *lti.ServiceError
	err := post(score(now, lti.GradingFullyGraded))
	if !errors.As(err, &se) || se.Status != http.StatusConflict || !se.Permanent() {
		t.Errorf("same timestamp again: got %v, want a permanent 409", err)
	}

	// Moodle's quirk that the outbox must respect: a progress-only score
	// after a final one erases the grade.
	if err := post(score(now.Add(time.Millisecond), lti.GradingPending)); err != nil {
		t.Fatal(err)
	}
	if g := p.Grade(path, "4"); g != nil {
		t.Errorf("after a Pending score: gradebook shows %v, want nothing (Moodle clears it)", *g)
	}

	p.FailScores(1, http.StatusServiceUnavailable, "7")
	err = post(score(now.Add(2*time.Millisecond), lti.GradingFullyGraded))
	if !errors.As(err, &se) || se.Permanent() || se.RetryAfter != 7*time.Second {
		t.Errorf("platform down: got %v, want a retryable error after 7s", err)
	}

	p.SetUngradable("4")
	err = post(score(now.Add(3*time.Millisecond), lti.GradingFullyGraded))
	if !errors.As(err, &se) || se.Status != http.StatusBadRequest || se.Body != "[]" || !se.Permanent() {
		t.Errorf("ungradable user: got %v, want a permanent 400 []", err)
	}

	err = lti.PostScore(ctx, http.DefaultClient, "ASTRE-test", "not-a-token", item, score(now.Add(4*time.Millisecond), lti.GradingFullyGraded))
	if !errors.As(err, &se) || se.Status != http.StatusUnauthorized || se.Permanent() {
		t.Errorf("bad token: got %v, want a retryable 401", err)
	}
}

func TestPostScoreOpenEdX(t *testing.T) {
	p := ltitest.NewPlatform(ltitest.OpenEdX)
	defer p.Close()
	token, item := grading(t, p)
	ctx := context.Background()
	now := time.Now()
	if err := lti.PostScore(ctx, http.DefaultClient, "ASTRE-test", token, item, score(now, lti.GradingFullyGraded)); err != nil {
		t.Fatal(err)
	}
	var se *lti.ServiceError
	err := lti.PostScore(ctx, http.DefaultClient, "ASTRE-test", token, item, score(now, lti.GradingFullyGraded))
	if !errors.As(err, &se) || se.Status != http.StatusBadRequest {
		t.Errorf("stale timestamp on Open edX: got %v, want 400", err)
	}
}
