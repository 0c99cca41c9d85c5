package tracker

import (
	"errors"
	"net/http"
	"strconv"
)

// place is the learner and course of the request's launch.
func (s *Server) place(r *http.Request) Place {
	sess := launchSessionFrom(r)
	return Place{Learner: sess.Learner, PlatformID: sess.PlatformID, Context: launchContextFrom(r)}
}

// standing is where the learner of a request stands in its activity.
type standing struct {
	place        Place
	activity     *Activity
	consent      *Consent
	needsConsent bool
}

func (s *Server) standing(r *http.Request) (*standing, error) {
	st := &standing{place: s.place(r)}
	var err error
	st.activity, st.consent, st.needsConsent, err = s.Surveys.Standing(r.Context(), st.place)
	return st, err
}

// learnerNext sends a learner where the flow stands: the consent form,
// the survey page to resume, or the final page (st, opened: see
// learnerStep).
func (s *Server) learnerNext(w http.ResponseWriter, r *http.Request, st *standing, opened bool) error {
	next, err := s.learnerStep(r, st, opened)
	if err != nil {
		return err
	}
	http.Redirect(w, r, s.launchURL(launchIDFrom(r), next), http.StatusSeeOther)
	return nil
}

// learnerStep is the path of the page where the learner of r stands:
// /consent, /survey or /done. st is the standing the request has read
// and not changed since; when nil, learnerStep reads it. When opened, the
// learner has just opened the activity (a launch, or its landing page),
// which it records as the first step of the report's funnel.
func (s *Server) learnerStep(r *http.Request, st *standing, opened bool) (string, error) {
	if st == nil {
		var err error
		if st, err = s.standing(r); err != nil {
			return "", err
		}
	}
	if opened {
		if err := s.Store.SeeLearner(r.Context(), st.activity.ID, st.place.Learner, s.Surveys.Now().UTC()); err != nil {
			return "", err
		}
	}
	next := "/survey"
	switch {
	case st.needsConsent:
		next = "/consent"
	case !st.consent.Granted(PurposeSurveys):
		next = "/done"
	default:
		sv, err := s.Surveys.Survey(r.Context(), st.place, st.activity, st.consent)
		if err != nil {
			return "", err
		}
		if sv.Done() {
			next = "/done"
		}
	}
	return next, nil
}

// consentPage is templates/consent.html.
type consentPage struct {
	Page
	Activity, Course string
	FormTitle        string
	Intro            []string
	Action           string
	Items            []itemView
	Errors           bool
	MyDataURL        string
}

func (s *Server) consentForm(w http.ResponseWriter, r *http.Request) error {
	p := s.place(r)
	answers := map[string]Answer{}
	if c, needed, err := s.Surveys.ConsentNeeded(r.Context(), p); err != nil {
		return err
	} else if !needed { // changing earlier choices: show them
		for _, purpose := range Purposes {
			code := "no"
			if c.Purposes[purpose] {
				code = "yes"
			}
			answers[string(purpose)] = Answer{Codes: []string{code}}
		}
	}
	return s.renderConsent(w, r, http.StatusOK, answers, nil)
}

func (s *Server) renderConsent(w http.ResponseWriter, r *http.Request, status int, answers map[string]Answer, errs AnswerErrors) error {
	form, _, err := s.Surveys.Instrument(r.Context(), ConsentInstrumentID, 0)
	if err != nil {
		return err
	}
	lc := launchContextFrom(r)
	pg := &consentPage{
		Page: s.launchPage(r), Activity: firstNonEmpty(lc.ResourceLinkTitle, "ASTRE"),
		Course: firstNonEmpty(lc.ContextTitle, lc.ContextLabel, lc.ContextID), FormTitle: form.Title.In(lc.Lang),
		Action: s.launchURL(launchIDFrom(r), "/consent"), Errors: len(errs) > 0, MyDataURL: s.launchURL(launchIDFrom(r), "/mydata"),
	}
	pg.Title = pg.FormTitle
	if d := form.Description.In(lc.Lang); d != "" {
		pg.Intro = append(pg.Intro, d)
	}
	for i := range form.Pages {
		if intro := form.Pages[i].Intro.In(lc.Lang); intro != "" {
			pg.Intro = append(pg.Intro, intro)
		}
		pg.Items = append(pg.Items, itemViews(form, &form.Pages[i], answers, errs, lc.Lang, s.Catalogs)...)
	}
	return s.Render.Render(w, status, "consent", pg)
}

func (s *Server) consentSubmit(w http.ResponseWriter, r *http.Request) error {
	p := s.place(r)
	a, prev, _, err := s.Surveys.Standing(r.Context(), p) // also the consent text's version, for the form below
	if err != nil {
		return err
	}
	form, _, err := s.Surveys.Instrument(r.Context(), ConsentInstrumentID, 0)
	if err != nil {
		return err
	}
	answers := map[string]Answer{}
	for i := range form.Pages {
		for k, v := range answersFromForm(&form.Pages[i], r.PostForm) {
			answers[k] = v
		}
	}
	c, err := s.Surveys.RecordConsent(r.Context(), p, a, prev, answers, p.Context.Contact)
	var errs AnswerErrors
	if errors.As(err, &errs) {
		return s.renderConsent(w, r, http.StatusUnprocessableEntity, answers, errs)
	}
	if err != nil {
		return err
	}
	if c.Granted(PurposeFollowup) { // the address must be confirmed before any invitation
		if _, err := s.Followup.RequestConfirmation(r.Context(), p, false); err != nil {
			return err
		}
	}
	return s.learnerNext(w, r, nil, false) // the consent just recorded changed the standing
}

// surveyPage is templates/survey.html.
type surveyPage struct {
	Page
	Progress  progress
	PageTitle string
	Intro     []string
	Closed    bool
	Errors    bool
	Action    string
	Index     int
	Last      bool
	Items     []itemView
	MyDataURL string
}

// loadSurvey is the learner's survey, or a redirect to consent when the
// surveys purpose is not granted.
func (s *Server) loadSurvey(w http.ResponseWriter, r *http.Request) (*Survey, bool, error) {
	st, err := s.standing(r)
	if err != nil {
		return nil, false, err
	}
	if st.needsConsent || !st.consent.Granted(PurposeSurveys) {
		return nil, false, s.learnerNext(w, r, st, false)
	}
	sv, err := s.Surveys.Survey(r.Context(), st.place, st.activity, st.consent)
	return sv, err == nil, err
}

func (s *Server) surveyForm(w http.ResponseWriter, r *http.Request) error {
	sv, ok, err := s.loadSurvey(w, r)
	if !ok {
		return err
	}
	index := sv.Response.Page
	if q := r.URL.Query().Get("page"); q != "" {
		n, err := strconv.Atoi(q)
		// Any page up to the furthest reached; all of them once finished.
		if err != nil || n < 0 || n >= len(sv.Pages) || (n > sv.Response.Page && !sv.Done()) {
			return ErrNotFound
		}
		index = n
	}
	return s.renderSurvey(w, r, http.StatusOK, sv, index, sv.Response.Answers, nil)
}

func (s *Server) renderSurvey(w http.ResponseWriter, r *http.Request, status int, sv *Survey, index int, answers map[string]Answer, errs AnswerErrors) error {
	if len(sv.Pages) == 0 {
		return ErrNotFound
	}
	index = min(max(index, 0), len(sv.Pages)-1)
	lc := launchContextFrom(r)
	page := sv.Pages[index]
	pg := &surveyPage{
		Page: s.launchPage(r), Progress: progressOf(index, len(sv.Pages)), PageTitle: page.Title.In(lc.Lang),
		Closed: !sv.Activity.Open(s.Surveys.Now()), Errors: len(errs) > 0, Action: s.launchURL(launchIDFrom(r), "/survey"),
		Index: index, Last: sv.NextPage(index, answers) < 0, MyDataURL: s.launchURL(launchIDFrom(r), "/mydata"),
		Items: itemViews(sv.Instrument, page, answers, errs, lc.Lang, s.Catalogs),
	}
	pg.Title = sv.Instrument.Title.In(lc.Lang) + " · " + pg.PageTitle
	if intro := page.Intro.In(lc.Lang); intro != "" {
		pg.Intro = []string{intro}
	}
	if index == 0 {
		if d := sv.Instrument.Description.In(lc.Lang); d != "" {
			pg.Intro = append([]string{d}, pg.Intro...)
		}
	}
	return s.Render.Render(w, status, "survey", pg)
}

func (s *Server) surveySubmit(w http.ResponseWriter, r *http.Request) error {
	sv, ok, err := s.loadSurvey(w, r)
	if !ok {
		return err
	}
	index, err := strconv.Atoi(r.PostForm.Get("page"))
	if err != nil || index < 0 || index >= len(sv.Pages) {
		return ErrInvalid
	}
	given := answersFromForm(sv.Pages[index], r.PostForm)
	back := r.PostForm.Get("go") == "back"
	err = s.Surveys.Submit(r.Context(), sv, index, given, back)
	var errs AnswerErrors
	switch {
	case errors.As(err, &errs):
		shown := make(map[string]Answer, len(sv.Response.Answers)+len(given))
		for k, v := range sv.Response.Answers {
			shown[k] = v
		}
		for k, v := range given {
			shown[k] = v
		}
		return s.renderSurvey(w, r, http.StatusUnprocessableEntity, sv, index, shown, errs)
	case errors.Is(err, ErrClosed):
		return s.renderSurvey(w, r, http.StatusConflict, sv, index, sv.Response.Answers, nil)
	case err != nil:
		return err
	}
	next := s.launchURL(launchIDFrom(r), "/survey?page="+strconv.Itoa(sv.Response.Page))
	if !back && sv.NextPage(index, sv.Response.Answers) < 0 {
		next = s.launchURL(launchIDFrom(r), "/done")
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// donePage is templates/done.html.
type donePage struct {
	Page
	Declined   bool
	Followup   bool
	ContactURL string
	CanChange  bool
	ChangeURL  string
	ConsentURL string
	MyDataURL  string
	ReturnURL  string
}

func (s *Server) done(w http.ResponseWriter, r *http.Request) error {
	st, err := s.standing(r)
	if err != nil {
		return err
	}
	if st.needsConsent {
		return s.learnerNext(w, r, st, false)
	}
	c, id := st.consent, launchIDFrom(r)
	pg := &donePage{
		Page: s.launchPage(r), Declined: !c.Granted(PurposeSurveys), Followup: c.Granted(PurposeFollowup),
		CanChange: st.activity.Open(s.Surveys.Now()), ChangeURL: s.launchURL(id, "/survey?page=0"),
		ConsentURL: s.launchURL(id, "/consent"), MyDataURL: s.launchURL(id, "/mydata"), ReturnURL: st.place.Context.ReturnURL,
	}
	if pg.Followup {
		pg.ContactURL = s.launchURL(id, "/contact")
	}
	if pg.Declined {
		pg.Title = pg.T("done.declined.title")
	} else {
		pg.Title = pg.T("done.title")
	}
	return s.Render.Render(w, http.StatusOK, "done", pg)
}
