package ltitest

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"

	"github.com/astre-lti/astre/lti"
)

// StorageFrameName is the name of the course page's platform storage
// frame, sent as lti_storage_target when the course offers storage.
const StorageFrameName = "lti_storage_frame"

// ActivityFrameName is the name of the iframe the activity runs in.
const ActivityFrameName = "lti_activity_frame"

// courseID is the Moodle course id of the course page, as in the fixture.
const courseID = "2"

// Course is a course page of the fake LMS with the tool placed in it as one
// activity, for a person to click through in a real browser. The page
// embeds the tool in an iframe; a button per user launches the activity
// in it as that user, as a teacher's "log in as" would in Moodle.
type Course struct {
	Title    string       // the course name, also sent as the context title
	Activity string       // the activity name, also sent as the resource link title
	Users    []CourseUser // who can launch, one button each
	// PlatformStorage makes the platform offer postMessage storage (LTI
	// Client Side postMessages, lti.put_data and lti.get_data): launches
	// send lti_storage_target and the page carries the storage frame.
	PlatformStorage bool
	// DeepLinkingAs is the key of a user (an instructor) for whom the page
	// has a button sending an LtiDeepLinkingRequest; the content the tool
	// returns is listed on the page. Empty: no such button.
	DeepLinkingAs string
}

// CourseUser is a person of the course.
type CourseUser struct {
	Key    string        // short name in URLs, such as "learner"
	Label  string        // the button text, such as "Launch as Alex (learner)"
	Launch LaunchOptions // who they are: UserID, names, email, Roles
}

// SetCourse serves c at CourseURL. Only the Moodle profile has a course
// page: it reuses Moodle's launch.php to start each launch.
func (p *Platform) SetCourse(c Course) error {
	if p.Profile != Moodle {
		return errors.New("ltitest: a course page needs the Moodle profile")
	}
	if len(c.Users) == 0 {
		return errors.New("ltitest: a course needs at least one user")
	}
	if _, ok := c.courseLaunch(c.DeepLinkingAs, "", false); c.DeepLinkingAs != "" && !ok {
		return errors.New("ltitest: DeepLinkingAs names no user of the course")
	}
	c.Users = slices.Clone(c.Users)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.course = &c
	return nil
}

// CourseURL is the course page, as Moodle's /course/view.php?id=2.
func (p *Platform) CourseURL() string { return p.base + "/course/view.php?id=" + courseID }

// currentCourse returns the course set by SetCourse, or nil.
func (p *Platform) currentCourse() *Course {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.course
}

// courseLaunch returns the launch options of the user key on the course,
// with the course's titles and, in the frame, its storage offer.
func (c *Course) courseLaunch(key, lang string, deepLinking bool) (LaunchOptions, bool) {
	i := slices.IndexFunc(c.Users, func(u CourseUser) bool { return u.Key == key })
	if i < 0 {
		return LaunchOptions{}, false
	}
	opts := c.Users[i].Launch
	if lang != "" {
		opts.Locale = lang
	}
	if c.PlatformStorage {
		opts.StorageTarget = StorageFrameName
	}
	if deepLinking {
		opts.MessageType = MessageDeepLinking
	}
	title, activity, mutate := c.Title, c.Activity, opts.Mutate
	opts.Mutate = func(claims map[string]any) {
		if ctx := object(claims, lti.ClaimContext); ctx != nil && title != "" {
			ctx["title"] = title
		}
		if link := object(claims, lti.ClaimResourceLink); link != nil && activity != "" {
			link["title"] = activity
		}
		if mutate != nil {
			mutate(claims)
		}
	}
	return opts, true
}

// coursePage is the data of courseTemplate.
type coursePage struct {
	Course
	LaunchURL    string
	StorageURL   string
	ToolOrigin   string
	Contents     []string // titles of content returned by deep linking
	ActivityName string
	StorageName  string
}

// serveCourse is the course page. Its launch buttons are a plain GET form
// aimed at the activity frame, so they work without JavaScript.
func (p *Platform) serveCourse(w http.ResponseWriter, r *http.Request) {
	c := p.currentCourse()
	if c == nil || r.URL.Query().Get("id") != courseID {
		writeText(w, http.StatusNotFound, "no such course")
		return
	}
	page := coursePage{
		Course: *c, LaunchURL: p.base + "/mod/lti/launch.php", StorageURL: p.base + "/mod/lti/storage.php",
		ActivityName: ActivityFrameName, StorageName: StorageFrameName,
	}
	for _, dl := range p.DeepLinkReturns() {
		items, _ := dl.Claims[lti.ClaimContentItems].([]any)
		for _, it := range items {
			if m, ok := it.(map[string]any); ok {
				title, _ := m["title"].(string)
				page.Contents = append(page.Contents, title)
			}
		}
	}
	writeHTML(w, courseTemplate, page)
}

// serveStorageFrame is the platform storage frame: it answers the tool's
// lti.put_data and lti.get_data messages (and their org.imsglobal.
// variants) from the tool's origin only, keeping values per origin and
// key for as long as the course page is open.
func (p *Platform) serveStorageFrame(w http.ResponseWriter, r *http.Request) {
	u, err := url.Parse(p.Tool().LoginURL)
	if err != nil || u.Host == "" {
		writeText(w, http.StatusNotFound, "no tool registered")
		return
	}
	writeHTML(w, storageTemplate, coursePage{ToolOrigin: u.Scheme + "://" + u.Host, StorageName: StorageFrameName})
}

func writeHTML(w http.ResponseWriter, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		writeText(w, http.StatusInternalServerError, "render: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}
