package tracker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/astre-lti/astre/lti"
)

// isLearnerRole reports a learner's membership role, in Moodle's short
// form ("Learner") or the full vocabulary URI Open edX sends.
func isLearnerRole(role string) bool {
	return role == "Learner" || strings.HasSuffix(role, "membership#Learner")
}

// RefreshRoster reads the course roster through NRPS and stores the
// pseudonyms of its active learners. A platform that refuses for good
// (Open edX above 1000 learners) is recorded as a refusal, shown instead
// of the counts; other failures return an error and keep the old roster.
func (s *Server) RefreshRoster(ctx context.Context, platformID int64, lc *LaunchContext) (*Roster, error) {
	if lc.NRPS == nil || lc.NRPS.ContextMembershipsURL == "" {
		return nil, fmt.Errorf("the launch offers no roster service: %w", ErrNotFound)
	}
	pl, err := s.Store.Platform(ctx, lc.Issuer, lc.ClientID)
	if err != nil {
		return nil, err
	}
	var members []lti.Member
	err = withToken(ctx, s.Tokens, pl.Registration(), []string{lti.ScopeContextMembership}, func(token string) error {
		var err error
		members, err = lti.Members(ctx, s.Client, UserAgent(s.BaseURL), token, lc.NRPS.ContextMembershipsURL)
		return err
	})
	r := &Roster{PlatformID: platformID, ContextID: lc.ContextID, FetchedAt: s.Surveys.Now().UTC()}
	var (
		se *lti.ServiceError
		te *lti.TokenError
	)
	switch {
	case errors.As(err, &se) && se.Permanent():
		r.Refusal = fmt.Sprintf("%d %s", se.Status, strings.TrimSpace(se.Body))
	case errors.As(err, &te) && te.Status/100 == 4:
		r.Refusal = te.Error()
	case err != nil:
		return nil, fmt.Errorf("read the roster: %w", err)
	}
	for _, m := range members {
		if m.Active() && slices.ContainsFunc(m.Roles, isLearnerRole) {
			r.Learners = append(r.Learners, s.Launcher.Secrets.Pseudonym(lc.Issuer, m.UserID))
		}
	}
	if err := s.Store.SaveRoster(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// ActivityFunnel is one activity's response funnel against the roster.
type ActivityFunnel struct {
	Activity  Activity
	OnRoster  int // -1 when no roster is known
	Launched  int
	Consented int
	Completed int
	Declined  int
}

// Funnel counts, per activity of the course, the learners who opened it,
// consented and completed. With a roster, only learners on it count (not
// the instructor trying the survey, nor learners who left the course).
func (s *Server) Funnel(ctx context.Context, platformID int64, contextID string, roster *Roster) ([]ActivityFunnel, error) {
	acts, err := s.Store.CourseActivities(ctx, platformID, contextID)
	if err != nil {
		return nil, err
	}
	var onRoster map[string]bool
	if roster != nil && roster.Refusal == "" {
		onRoster = make(map[string]bool, len(roster.Learners))
		for _, l := range roster.Learners {
			onRoster[l] = true
		}
	}
	out := make([]ActivityFunnel, 0, len(acts))
	for _, a := range acts {
		progress, err := s.Store.ActivityProgress(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		w := ActivityFunnel{Activity: a, OnRoster: -1}
		if onRoster != nil {
			w.OnRoster = len(onRoster)
		}
		for _, p := range progress {
			if onRoster != nil && !onRoster[p.Learner] {
				continue
			}
			w.Launched++
			if p.Consented {
				w.Consented++
			}
			switch p.Status {
			case StatusCompleted:
				w.Completed++
			case StatusDeclined:
				w.Declined++
			}
		}
		out = append(out, w)
	}
	return out, nil
}
