package tracker

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"
)

// settingsView is templates/settings.html, shown to teaching roles on the
// activity's page.
type settingsView struct {
	*Page
	Activity       *Activity
	Instruments    []instrumentChoice
	Opens, Closes  string
	Saved          bool
	SettingsError  string
	SettingsAction string
	UploadAction   string
	UploadDone     string
	UploadErrors   []string
}

type instrumentChoice struct {
	ID, Title, Minutes string
	Selected           bool
}

const dateLayout = "2006-01-02"

// settings builds the settings view of the launch's activity.
func (s *Server) settings(r *http.Request, p *Page) (*settingsView, error) {
	ctx := r.Context()
	a, err := s.Surveys.Activity(ctx, s.place(r))
	if err != nil {
		return nil, err
	}
	v := &settingsView{Page: p, Activity: a, Saved: r.URL.Query().Get("saved") == "1",
		SettingsAction: s.launchURL(launchIDFrom(r), "/settings"), UploadAction: s.launchURL(launchIDFrom(r), "/instruments")}
	if a.OpensAt != nil {
		v.Opens = a.OpensAt.UTC().Format(dateLayout)
	}
	if a.ClosesAt != nil {
		v.Closes = a.ClosesAt.UTC().Format(dateLayout)
	}
	all, err := s.Store.Instruments(ctx)
	if err != nil {
		return nil, err
	}
	for _, st := range all {
		if st.ID == ConsentInstrumentID {
			continue
		}
		in, _, err := s.Surveys.Instrument(ctx, st.ID, st.Version)
		if err != nil {
			return nil, err
		}
		v.Instruments = append(v.Instruments, instrumentChoice{ID: in.ID, Title: in.Title.In(p.Lang),
			Minutes: p.T("settings.minutes", "minutes", strconv.Itoa(in.Minutes)), Selected: in.ID == a.InstrumentID})
	}
	return v, nil
}

// saveSettings stores the instructor's choices for the activity.
func (s *Server) saveSettings(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, err := s.Surveys.Activity(ctx, s.place(r))
	if err != nil {
		return err
	}
	problem := ""
	id := r.PostForm.Get("instrument")
	if _, _, err := s.Surveys.Instrument(ctx, id, 0); err != nil || id == ConsentInstrumentID {
		problem = "settings.instrument.unknown"
	}
	opens, err1 := parseDate(r.PostForm.Get("opens"))
	closes, err2 := parseDate(r.PostForm.Get("closes"))
	if err1 != nil || err2 != nil || (opens != nil && closes != nil && !closes.After(*opens)) {
		problem = "settings.dates.invalid"
	}
	if problem != "" {
		return s.renderInstructor(w, r, http.StatusUnprocessableEntity, func(v *settingsView) {
			v.SettingsError = v.T(problem)
		})
	}
	a.InstrumentID, a.OpensAt, a.ClosesAt = id, opens, closes
	a.Graded = r.PostForm.Get("graded") == "yes"
	a.ShowRespondents = r.PostForm.Get("respondents") == "yes"
	a.UpdatedAt = s.Surveys.Now().UTC()
	dropStanding(ctx)
	if err := s.Store.SaveActivity(ctx, a); err != nil {
		return err
	}
	http.Redirect(w, r, s.launchURL(launchIDFrom(r), "/?saved=1"), http.StatusSeeOther)
	return nil
}

func parseDate(v string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(dateLayout, v)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// uploadInstrument adds a custom instrument from a definition file.
func (s *Server) uploadInstrument(w http.ResponseWriter, r *http.Request) error {
	f, _, err := r.FormFile("definition")
	if err != nil {
		return s.renderInstructor(w, r, http.StatusUnprocessableEntity, func(v *settingsView) {
			v.UploadErrors = []string{v.T("settings.upload.missing")}
		})
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxBodyBytes))
	if err != nil {
		return err
	}
	in, added, err := s.Surveys.AddCustom(r.Context(), data)
	var def *DefinitionError
	switch {
	case errors.As(err, &def):
		return s.renderInstructor(w, r, http.StatusUnprocessableEntity, func(v *settingsView) {
			for _, p := range def.Problems {
				v.UploadErrors = append(v.UploadErrors, p.String())
			}
		})
	case errors.Is(err, errReservedInstrument):
		return s.renderInstructor(w, r, http.StatusConflict, func(v *settingsView) {
			v.UploadErrors = []string{v.T("settings.upload.reserved")}
		})
	case err != nil:
		return err
	}
	return s.renderInstructor(w, r, http.StatusOK, func(v *settingsView) {
		if added {
			v.UploadDone = v.T("settings.upload.done", "title", in.Title.In(v.Lang), "version", strconv.Itoa(in.Version))
		} else {
			v.UploadDone = v.T("settings.upload.same")
		}
	})
}
