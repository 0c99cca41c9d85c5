package tracker

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/astre-lti/astre/lti"
)

// deepLinkPage is templates/deeplink.html: the catalogue an instructor
// picks surveys from when the LMS asks for content (Deep Linking 2.0).
type deepLinkPage struct {
	Page
	Course     string
	Entries    []catalogueEntry
	Multiple   bool // checkboxes rather than radio buttons
	Accepted   bool // the platform takes ltiResourceLink items at all
	LineItems  bool // the platform takes a line item with each link
	Graded     bool
	Action     string
	ErrorKey   string
	ReturnSent bool
}

// catalogueEntry is one instrument offered in the catalogue.
type catalogueEntry struct {
	ID, Title, Description, Languages, Minutes string
	LinkTitle                                  string // what the link will be called in the course
	Chosen                                     bool
}

// deepLinkReturnPage is templates/deeplink_return.html: the signed
// response, posted back to the platform by the browser.
type deepLinkReturnPage struct {
	Page
	ReturnURL string
	JWT       string
	Platform  string
}

// maxLinkTitle bounds a link title typed by the instructor.
const maxLinkTitle = 255

// deepLinkForm shows the catalogue.
func (s *Server) deepLinkForm(w http.ResponseWriter, r *http.Request) error {
	p, err := s.catalogue(r)
	if err != nil {
		return err
	}
	return s.Render.Render(w, http.StatusOK, "deeplink", p)
}

// catalogue builds the catalogue page of a deep linking launch.
func (s *Server) catalogue(r *http.Request) (*deepLinkPage, error) {
	lc := launchContextFrom(r)
	if lc.DeepLinking == nil {
		return nil, ErrNotFound
	}
	dl := lc.DeepLinking
	p := &deepLinkPage{
		Page: s.launchPage(r), Course: firstNonEmpty(lc.ContextTitle, lc.ContextLabel, lc.ContextID),
		Multiple: dl.AcceptMultiple, Accepted: slices.Contains(dl.AcceptTypes, lti.ContentResourceLink),
		LineItems: dl.LineItemsAccepted(), Action: s.launchURL(launchIDFrom(r), "/deeplink"),
	}
	p.Title = p.T("dl.title")
	all, err := s.Store.Instruments(r.Context())
	if err != nil {
		return nil, err
	}
	for _, st := range all {
		if st.ID == ConsentInstrumentID {
			continue
		}
		in, _, err := s.Surveys.Instrument(r.Context(), st.ID, st.Version)
		if err != nil {
			return nil, err
		}
		var langs []string
		for _, code := range Languages {
			if in.Title[code] != "" {
				langs = append(langs, languageNames[code])
			}
		}
		p.Entries = append(p.Entries, catalogueEntry{
			ID: in.ID, Title: in.Title.In(p.Lang), Description: in.Description.In(p.Lang),
			Languages: strings.Join(langs, ", "), Minutes: p.T("settings.minutes", "minutes", strconv.Itoa(in.Minutes)),
			LinkTitle: in.Title.In(p.Lang),
		})
	}
	return p, nil
}

// deepLinkSubmit signs the instructor's choice and hands it to the
// browser to post back to the platform.
func (s *Server) deepLinkSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, err := s.catalogue(r)
	if err != nil {
		return err
	}
	lc := launchContextFrom(r)
	chosen := r.PostForm["instrument"]
	p.Graded = r.PostForm.Get("graded") == "yes"
	var items []lti.ContentItem
	for i := range p.Entries {
		e := &p.Entries[i]
		if !slices.Contains(chosen, e.ID) {
			continue
		}
		e.Chosen = true
		if t := strings.TrimSpace(r.PostForm.Get("title." + e.ID)); t != "" {
			e.LinkTitle = t
		}
		graded := "0"
		var line *lti.LineItemSpec
		if p.Graded {
			graded = "1"
			line = &lti.LineItemSpec{Label: e.LinkTitle, ScoreMaximum: 1, ResourceID: e.ID, Tag: LineItemTag}
		}
		items = append(items, lti.ContentItem{
			Type: lti.ContentResourceLink, Title: e.LinkTitle, Text: e.Description, URL: RedirectURI(s.BaseURL),
			Custom: map[string]string{"instrument": e.ID, "graded": graded}, LineItem: line,
		})
	}
	switch {
	case !p.Accepted:
		p.ErrorKey = "dl.notaccepted"
	case len(items) == 0 || len(chosen) != len(items):
		p.ErrorKey = "dl.choose.none"
	case len(items) > 1 && !p.Multiple:
		p.ErrorKey = "dl.choose.one"
	}
	for _, e := range p.Entries {
		if e.Chosen && (utf8.RuneCountInString(e.LinkTitle) > maxLinkTitle || !utf8.ValidString(e.LinkTitle)) {
			p.ErrorKey = "dl.title.toolong"
		}
	}
	if p.ErrorKey != "" {
		return s.Render.Render(w, http.StatusUnprocessableEntity, "deeplink", p)
	}
	pl, err := s.Store.Platform(ctx, lc.Issuer, lc.ClientID)
	if err != nil {
		return err
	}
	key, err := s.Keys.Signer(ctx)
	if err != nil {
		return err
	}
	jwt, err := key.DeepLinkingResponse(pl.Registration(), lc.DeploymentID, lc.DeepLinking, items, s.Surveys.Now())
	if lti.ReasonOf(err) != "" {
		return fmt.Errorf("deep linking response: %v: %w", err, ErrInvalid)
	}
	if err != nil {
		return err
	}
	out := &deepLinkReturnPage{Page: s.launchPage(r), ReturnURL: lc.DeepLinking.ReturnURL, JWT: jwt,
		Platform: firstNonEmpty(lc.PlatformName, lc.Issuer)}
	out.Title = out.T("dl.sending.title")
	return s.Render.Render(w, http.StatusOK, "deeplink_return", out)
}
