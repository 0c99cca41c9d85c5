package ltitest

import (
	"net/http"
)

// serveMoodleLaunch is Moodle's /mod/lti/launch.php?id=CMID: opened in a
// new top-level window it starts a fresh launch of the activity, with a
// new lti_message_hint, by auto-posting the login initiation to the tool.
// Moodle knows the user from its own session; the fake reuses the options
// of the last launch it initiated, as the same user reopening the activity.
func (p *Platform) serveMoodleLaunch(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	opts, ok := p.lastLaunch, p.launchSeq > 0
	p.mu.Unlock()
	if !ok || r.URL.Query().Get("id") == "" {
		writeText(w, http.StatusNotFound, "no such activity")
		return
	}
	init, err := p.Initiate(opts)
	if err != nil {
		writeText(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(autoPostPage(init.URL, init.Params)))
}
