package tracker

import (
	"errors"
	"net/http"
	"strconv"
	"time"
)

// rosterPage is templates/roster.html: response rates per survey of the
// course against the roster, for teaching roles.
type rosterPage struct {
	Page
	Course        string
	Rows          []rosterRow
	HasService    bool // the launch offers NRPS
	HasRoster     bool
	Learners      int
	FetchedAt     string
	Refusal       string
	FetchProblem  bool
	RefreshAction string
	BackURL       string
}

type rosterRow struct {
	Title                                                    string
	OnRoster, Launched, Consented, Completed, Declined, Rate string
}

// roster shows the funnel; on a first visit it reads the roster first.
func (s *Server) roster(w http.ResponseWriter, r *http.Request) error {
	return s.renderRoster(w, r, false)
}

// refreshRoster reads the roster again at the instructor's request.
func (s *Server) refreshRoster(w http.ResponseWriter, r *http.Request) error {
	return s.renderRoster(w, r, true)
}

func (s *Server) renderRoster(w http.ResponseWriter, r *http.Request, refresh bool) error {
	ctx := r.Context()
	lc, pl := launchContextFrom(r), s.place(r)
	p := &rosterPage{Page: s.launchPage(r), Course: firstNonEmpty(lc.ContextTitle, lc.ContextLabel, lc.ContextID),
		HasService: lc.NRPS != nil, RefreshAction: s.launchURL(launchIDFrom(r), "/roster/refresh"),
		BackURL: s.launchURL(launchIDFrom(r), "/")}
	p.Title = p.T("roster.title", "course", p.Course)
	roster, err := s.Store.Roster(ctx, pl.PlatformID, lc.ContextID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if p.HasService && (refresh || roster == nil) {
		fresh, err := s.RefreshRoster(ctx, pl.PlatformID, lc)
		if err != nil {
			s.Log.Warn().Err(err).Str("iss", lc.Issuer).Str("client_id", lc.ClientID).Msg("roster read failed")
			p.FetchProblem = true // the stored roster, if any, still serves
		} else {
			roster = fresh
		}
	}
	if roster != nil {
		p.HasRoster, p.Refusal = roster.Refusal == "", roster.Refusal
		p.Learners = len(roster.Learners)
		p.FetchedAt = roster.FetchedAt.UTC().Format(time.DateTime) + " UTC"
	}
	waves, err := s.Funnel(ctx, pl.PlatformID, lc.ContextID, roster)
	if err != nil {
		return err
	}
	for _, wv := range waves {
		row := rosterRow{Title: firstNonEmpty(wv.Activity.Title, wv.Activity.ResourceLinkID),
			Launched: strconv.Itoa(wv.Launched), Consented: strconv.Itoa(wv.Consented),
			Completed: strconv.Itoa(wv.Completed), Declined: strconv.Itoa(wv.Declined), OnRoster: "–", Rate: "–"}
		base := wv.Launched
		if wv.OnRoster >= 0 {
			row.OnRoster, base = strconv.Itoa(wv.OnRoster), wv.OnRoster
		}
		if base > 0 {
			row.Rate = p.T("roster.percent", "n", strconv.Itoa((wv.Completed*100+base/2)/base))
		}
		p.Rows = append(p.Rows, row)
	}
	return s.Render.Render(w, http.StatusOK, "roster", p)
}
