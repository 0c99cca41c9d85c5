package tracker

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/astre-lti/astre/lti"
)

// OpenSurvey checks a survey link and starts a session for it, as a
// launch would: the same pages, consent and survey then serve the
// learner, in the wave's own activity, without the LMS. It returns the
// new session's launch id. A link whose survey was completed is used
// (ErrLinkUsed); one never invited, altered or forged is invalid.
func (f *Followup) OpenSurvey(ctx context.Context, token string, ttl time.Duration) (string, error) {
	w, a, lang, err := f.linkedWave(ctx, token, linkSurvey)
	if err != nil {
		return "", err
	}
	if w.WaveActivityID == 0 {
		return "", ErrLinkInvalid
	}
	done, err := f.answered(ctx, w)
	if err != nil {
		return "", err
	}
	if done {
		return "", inLang(ErrLinkUsed, lang)
	}
	wa, err := f.Store.Activity(ctx, w.WaveActivityID)
	if err != nil {
		return "", err
	}
	c, err := f.Store.CurrentConsent(ctx, w.Learner, a.PlatformID, a.ContextID)
	if err != nil {
		return "", fmt.Errorf("consent behind a survey link: %w", err)
	}
	if !f.Catalogs.Supported(lang) {
		lang = Languages[0]
	}
	lc := LaunchContext{
		DeploymentID: c.DeploymentID, MessageType: lti.MessageResourceLink, Role: RoleLearner,
		ContextID: a.ContextID, ContextTitle: a.ContextTitle, ResourceLinkID: wa.ResourceLinkID, ResourceLinkTitle: wa.Title,
		Lang: lang, Custom: map[string]string{"instrument": FollowupInstrumentID, "via": "followup-link"},
	}
	data, err := json.Marshal(lc)
	if err != nil {
		return "", err
	}
	id, now := lti.RandomToken(), f.Now().UTC()
	err = f.Store.SaveLaunch(ctx, &LaunchSession{
		IDHash: hashHex(id), PlatformID: a.PlatformID, Deployment: c.DeploymentID, Learner: w.Learner,
		Context: data, ContextID: lc.ContextID, ResourceLinkID: lc.ResourceLinkID, CSRFToken: lti.RandomToken(), Bound: true, CreatedAt: now, ExpiresAt: now.Add(ttl),
	})
	if err != nil {
		return "", fmt.Errorf("save link session: %w", err)
	}
	f.Log.Info().Int64("wave", w.ID).Str("learner", w.Learner).Msg("follow-up survey opened from a link")
	return id, nil
}
