package lti

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Assignment and Grade Services 2.0 (https://www.imsglobal.org/spec/lti-ags/v2p0).
const (
	ScopeScore             = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
	ScopeLineItem          = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
	ScopeLineItemReadOnly  = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
	ScopeResultReadOnly    = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
	ScopeContextMembership = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"

	// ScoreMediaType is the only content type platforms accept for a score
	// (Moodle answers 400 to application/json).
	ScoreMediaType = "application/vnd.ims.lis.v1.score+json"
)

// Activity and grading progress values of a score (AGS 2.0 section 3.4).
const (
	ActivityCompleted  = "Completed"
	ActivitySubmitted  = "Submitted"
	GradingFullyGraded = "FullyGraded"
	GradingPending     = "Pending"
)

// Score is one score POSTed to a line item (AGS 2.0 section 3.4). Only a
// FullyGraded score reaches gradebooks: Moodle clears the grade for any
// other grading progress.
type Score struct {
	UserID           string    `json:"userId"`
	ScoreGiven       *float64  `json:"scoreGiven,omitempty"`
	ScoreMaximum     *float64  `json:"scoreMaximum,omitempty"`
	Comment          string    `json:"comment,omitempty"`
	Timestamp        time.Time `json:"-"`
	ActivityProgress string    `json:"activityProgress"`
	GradingProgress  string    `json:"gradingProgress"`
}

// MarshalJSON writes the timestamp as ISO 8601 with milliseconds and an
// offset, as platforms expect; timestamps must strictly increase per line
// item and user, so sub-second precision matters.
func (s Score) MarshalJSON() ([]byte, error) {
	type plain Score
	return json.Marshal(struct {
		plain
		Timestamp string `json:"timestamp"`
	}{plain(s), s.Timestamp.UTC().Format("2006-01-02T15:04:05.000Z07:00")})
}

// ScoresURL is the scores endpoint of a line item: its path plus
// "/scores", keeping its query string (Moodle's "?type_id=3").
func ScoresURL(lineItem string) (string, error) {
	u, err := url.Parse(lineItem)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("line item URL %q is not absolute", lineItem)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/scores"
	u.RawPath = ""
	return u.String(), nil
}

// ServiceError is a platform's refusal of a service call. Permanent
// failures (the user is not gradable, the line item is gone, the score
// is stale) must not be retried blindly; others may be, after RetryAfter
// when the platform said.
type ServiceError struct {
	Status     int
	Body       string // the first bytes of the answer, for operators
	RetryAfter time.Duration
}

func (e *ServiceError) Error() string {
	return fmt.Sprintf("platform answered %d: %.200s", e.Status, e.Body)
}

// Permanent reports a refusal that retrying cannot change: 4xx except
// 401 (a token to renew), 408 and 429.
func (e *ServiceError) Permanent() bool {
	switch {
	case e.Status == http.StatusUnauthorized, e.Status == http.StatusRequestTimeout, e.Status == http.StatusTooManyRequests:
		return false
	default:
		return e.Status >= 400 && e.Status < 500
	}
}

// PostScore sends a score to a line item with a bearer token.
func PostScore(ctx context.Context, client *http.Client, userAgent, token, lineItem string, s Score) error {
	target, err := ScoresURL(lineItem)
	if err != nil {
		return err
	}
	body, err := json.Marshal(s)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", ScoreMediaType)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("User-Agent", userAgent)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("post score: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	switch resp.StatusCode {
	case http.StatusOK, http.StatusCreated, http.StatusAccepted, http.StatusNoContent:
		return nil
	}
	return &ServiceError{Status: resp.StatusCode, Body: string(answer), RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}
