package ltitest

import (
	"net/http"
)

// serveMoodleLaunch is Moodle's /mod/lti/launch.php?id=CMID: it starts a
// fresh launch of the activity, with a new lti_message_hint, by
// auto-posting the login initiation to the tool.
//
// Opened in a new top-level window, as a tool's "open in a new window"
// does, Moodle knows the user from its own session; the fake reuses the
// options of the last launch it initiated, as the same user reopening the
// activity, without the storage offer (a top-level window has no storage
// frame around it).
//
// From the course page (see SetCourse) the form adds as=KEY, the user to
// launch as, lang=CODE, Moodle's way of forcing the interface language,
// and dl=1 for a deep linking request.
func (p *Platform) serveMoodleLaunch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("id") == "" {
		writeText(w, http.StatusNotFound, "no such activity")
		return
	}
	var opts LaunchOptions
	if key := q.Get("as"); key != "" {
		c := p.currentCourse()
		var ok bool
		if c != nil {
			opts, ok = c.courseLaunch(key, q.Get("lang"), q.Get("dl") == "1")
		}
		if !ok {
			writeText(w, http.StatusNotFound, "no such user in the course")
			return
		}
	} else {
		p.mu.Lock()
		last, ok := p.lastLaunch, p.launchSeq > 0
		p.mu.Unlock()
		if !ok {
			writeText(w, http.StatusNotFound, "no such activity")
			return
		}
		opts = last
		opts.StorageTarget = ""
	}
	init, err := p.Initiate(opts)
	if err != nil {
		writeText(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(autoPostPage(init.URL, init.Params)))
}
