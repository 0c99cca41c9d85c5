package tracker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/astre-lti/astre/lti"
)

// KindScore is the outbox kind of a score for the LMS gradebook.
const KindScore = "score"

// LineItemTag marks the line items ASTRE creates, so it finds them again.
const LineItemTag = "astre-completion"

// scorePayload is a score owed to a gradebook: all that delivery needs,
// since it happens after the launch session may be gone.
type scorePayload struct {
	Issuer         string    `json:"iss"`
	ClientID       string    `json:"client_id"`
	UserID         string    `json:"user_id"` // the platform's id of the learner (sub)
	LineItem       string    `json:"line_item,omitempty"`
	LineItems      string    `json:"line_items,omitempty"`
	Scopes         []string  `json:"scopes"` // what the launch's AGS claim offered
	ResourceLinkID string    `json:"resource_link_id"`
	Label          string    `json:"label"`
	Timestamp      time.Time `json:"timestamp"`
}

// ScoreItem is the outbox item that gives the learner credit for a
// finished activity, or nil when none is owed: the activity is not
// graded, the launch offers no score service, or the response is not
// finished. Declining the surveys earns the same credit as completing
// them and the score carries no comment, so the gradebook cannot tell
// the two apart: declining has no detriment (DOMAIN.md).
func ScoreItem(p Place, a *Activity, r *Response) *OutboxItem {
	lc := p.Context
	if !a.Graded || lc == nil || lc.AGS == nil || lc.UserID == "" || r.CompletedAt == nil ||
		(r.Status != StatusCompleted && r.Status != StatusDeclined) || !slices.Contains(lc.AGS.Scope, lti.ScopeScore) {
		return nil
	}
	line := lc.AGS.LineItem
	if line == "" {
		line = a.LineItem
	}
	label := a.Title
	if label == "" {
		label = "ASTRE survey"
	}
	payload, err := json.Marshal(scorePayload{
		Issuer: lc.Issuer, ClientID: lc.ClientID, UserID: lc.UserID, LineItem: line, LineItems: lc.AGS.LineItems,
		Scopes: lc.AGS.Scope, ResourceLinkID: lc.ResourceLinkID, Label: label, Timestamp: r.CompletedAt.UTC().Truncate(time.Millisecond),
	})
	if err != nil {
		return nil // a struct of strings and a time always marshals
	}
	return &OutboxItem{
		Kind: KindScore, Key: strconv.FormatInt(a.ID, 10) + ":" + r.Learner,
		ActivityID: a.ID, Learner: r.Learner, Payload: payload, NextAt: r.CompletedAt.UTC(),
	}
}

// Grades delivers scores (LTI.md section 5): it finds the line item, gets
// a token, and posts one FullyGraded score per finished activity.
type Grades struct {
	Store     Store
	Tokens    *lti.TokenClient
	Client    *http.Client
	UserAgent string

	// creating holds one lock per activity while its line item is found
	// or created, so the learners of one batch do not each create one.
	// Two instances can still race on a first score; the second item
	// then simply stays unused.
	creating lineItemLocks
}

// Send delivers one score item; it is the "score" Sender of the Outbox.
func (g *Grades) Send(ctx context.Context, it *OutboxItem) error {
	var sp scorePayload
	if err := json.Unmarshal(it.Payload, &sp); err != nil {
		return Permanent(fmt.Errorf("unreadable score: %w", err))
	}
	pl, err := g.Store.Platform(ctx, sp.Issuer, sp.ClientID)
	if errors.Is(err, ErrNotFound) {
		return refusal(reasonPlatformGone, nil)
	}
	if err != nil {
		return err
	}
	reg := pl.Registration()
	line, err := g.lineItem(ctx, reg, it.ActivityID, &sp)
	if err != nil {
		return err
	}
	one := 1.0
	score := lti.Score{UserID: sp.UserID, ScoreGiven: &one, ScoreMaximum: &one, Timestamp: sp.Timestamp,
		ActivityProgress: lti.ActivityCompleted, GradingProgress: lti.GradingFullyGraded}
	err = withToken(ctx, g.Tokens, reg, []string{lti.ScopeScore}, func(token string) error {
		return lti.PostScore(ctx, g.Client, g.UserAgent, token, line, score)
	})
	var se *lti.ServiceError
	// A timestamp refused as not newer on a second attempt means the first
	// one arrived and only its answer was lost: delivered, exactly once.
	if errors.As(err, &se) && se.Status == http.StatusConflict && it.Attempts > 1 {
		return nil
	}
	return classify(err)
}

// lineItem is where the score goes: the launch's lineitem, else the one
// stored for the activity, else one found or created in the container
// by resource link and tag (then stored for the next learners).
func (g *Grades) lineItem(ctx context.Context, reg lti.Registration, activityID int64, sp *scorePayload) (string, error) {
	if sp.LineItem != "" {
		return sp.LineItem, nil
	}
	unlock := g.creating.lock(activityID)
	defer unlock()
	a, err := g.Store.Activity(ctx, activityID)
	if err != nil {
		return "", err
	}
	if a.LineItem != "" {
		return a.LineItem, nil
	}
	canCreate := slices.Contains(sp.Scopes, lti.ScopeLineItem)
	if sp.LineItems == "" || !canCreate && !slices.Contains(sp.Scopes, lti.ScopeLineItemReadOnly) {
		return "", refusal(reasonNoLineItem, nil)
	}
	scopes := []string{lti.ScopeLineItemReadOnly}
	if canCreate {
		scopes = []string{lti.ScopeLineItem}
	}
	var found *lti.LineItem
	err = withToken(ctx, g.Tokens, reg, scopes, func(token string) error {
		var err error
		found, err = lti.FindLineItem(ctx, g.Client, g.UserAgent, token, sp.LineItems, sp.ResourceLinkID, LineItemTag)
		if err == nil && found == nil && canCreate {
			found, err = lti.CreateLineItem(ctx, g.Client, g.UserAgent, token, sp.LineItems, lti.LineItem{
				Label: sp.Label, ScoreMaximum: 1, ResourceLinkID: sp.ResourceLinkID, Tag: LineItemTag})
		}
		return err
	})
	if err != nil {
		return "", classify(err)
	}
	if found == nil {
		return "", refusal(reasonNoLineItem, nil)
	}
	if err := g.Store.SetLineItem(ctx, activityID, found.ID); err != nil {
		return "", err
	}
	return found.ID, nil
}

// withToken runs call with a bearer token for scopes, once more with a
// fresh token when the platform answers 401 (the token was revoked or
// expired early). Every call to a platform service (AGS, NRPS) goes
// through it.
func withToken(ctx context.Context, tokens *lti.TokenClient, reg lti.Registration, scopes []string, call func(token string) error) error {
	for attempt := 0; ; attempt++ {
		tok, err := tokens.Token(ctx, reg, scopes)
		if err != nil {
			return err
		}
		err = call(tok.AccessToken)
		var se *lti.ServiceError
		if attempt == 0 && errors.As(err, &se) && se.Status == http.StatusUnauthorized {
			tokens.Forget(reg, scopes, tok)
			continue
		}
		return err
	}
}

// classify turns a platform's answer into the outbox's retry decision,
// with a reason an instructor can act on for permanent refusals.
func classify(err error) error {
	var (
		se *lti.ServiceError
		te *lti.TokenError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se) && se.Permanent():
		switch se.Status {
		case http.StatusBadRequest:
			return refusal(reasonNotGradable, err)
		case http.StatusNotFound:
			return refusal(reasonLineItemGone, err)
		case http.StatusConflict:
			return refusal(reasonNewerScore, err)
		}
		return Permanent(err)
	case errors.As(err, &se) && se.RetryAfter > 0:
		return RetryAfter(err, se.RetryAfter)
	case errors.As(err, &te) && te.Status >= 400 && te.Status < 500 && te.Status != http.StatusTooManyRequests && te.Status != http.StatusRequestTimeout:
		return refusal(reasonNoToken, err)
	}
	return err
}

// Why a score is refused for good: each reason is a catalog key
// (grades.reason.KEY) for the instructor's page, and the words that
// begin the recorded error, for operators.
const (
	reasonNotGradable  = "not_gradable"
	reasonLineItemGone = "line_item_gone"
	reasonNewerScore   = "newer_score"
	reasonNoLineItem   = "no_line_item"
	reasonNoToken      = "no_token"
	reasonPlatformGone = "platform_gone"
)

var refusalWords = map[string]string{
	reasonNotGradable:  "the gradebook refused the score: the user is not gradable (for example not enrolled as a student)",
	reasonLineItemGone: "the line item is gone from the gradebook",
	reasonNewerScore:   "the gradebook holds a newer score",
	reasonNoLineItem:   "the platform offers no line item for this activity and does not let the tool create one",
	reasonNoToken:      "the platform would not give a token for the grade service",
	reasonPlatformGone: "the platform is no longer registered",
}

// refusal is a permanent failure for reason, with the platform's answer.
func refusal(reason string, err error) error {
	if err == nil {
		return Permanent(errors.New(refusalWords[reason]))
	}
	return Permanent(fmt.Errorf("%s: %w", refusalWords[reason], err))
}

// refusalReason is the reason a recorded error stands for: "gave_up"
// after too many attempts, "other" for a refusal without one.
func refusalReason(lastError string) string {
	for reason, words := range refusalWords {
		if strings.HasPrefix(lastError, words) {
			return reason
		}
	}
	if strings.HasPrefix(lastError, gaveUpWords) {
		return "gave_up"
	}
	return "other"
}
