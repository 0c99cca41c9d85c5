package store

import "github.com/astre-lti/astre/tracker"

// tracker.Store embeds SurveyStore; this check names the survey half on its
// own, so a missing survey method is reported against this interface.
var _ tracker.SurveyStore = (*DB)(nil)
