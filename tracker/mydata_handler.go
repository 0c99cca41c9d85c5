package tracker

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// mydataPage is templates/mydata.html: what ASTRE keeps about the learner.
type mydataPage struct {
	Page
	JSONURL, CSVURL string
	Consent         []labelValue
	ConsentURL      string
	Responses       []responseView
	CanWithdraw     bool
	WithdrawURL     string
	WithdrawError   string
}

type labelValue struct{ Label, Value string }

type responseView struct {
	Course, Activity, Status string
	Answers                  []labelValue
	ChangeURL                string
}

func (s *Server) myData(w http.ResponseWriter, r *http.Request) error {
	return s.renderMyData(w, r, http.StatusOK, "")
}

func (s *Server) renderMyData(w http.ResponseWriter, r *http.Request, status int, withdrawError string) error {
	ctx := r.Context()
	p := s.place(r)
	lang, id := p.Context.Lang, launchIDFrom(r)
	pg := &mydataPage{
		Page: s.launchPage(r), JSONURL: s.launchURL(id, "/mydata.json"), CSVURL: s.launchURL(id, "/mydata.csv"),
		ConsentURL: s.launchURL(id, "/consent"), WithdrawURL: s.launchURL(id, "/withdraw"), WithdrawError: withdrawError,
	}
	pg.Title = pg.T("mydata.title")
	c, _, err := s.Surveys.ConsentNeeded(ctx, p)
	if err != nil {
		return err
	}
	if c != nil {
		form, _, err := s.Surveys.Instrument(ctx, c.TextID, c.TextVersion)
		if err != nil {
			return err
		}
		pg.Consent = append(pg.Consent, labelValue{pg.T("mydata.consent.given"), formatTime(c.CreatedAt)},
			labelValue{pg.T("mydata.consent.version"), strconv.Itoa(c.TextVersion)})
		if c.WithdrawnAt != nil {
			pg.Consent = append(pg.Consent, labelValue{pg.T("mydata.consent.withdrawn"), formatTime(*c.WithdrawnAt)})
		} else {
			pg.CanWithdraw = true
			for _, purpose := range Purposes {
				v := pg.T("mydata.refused")
				if c.Purposes[purpose] {
					v = pg.T("mydata.granted")
				}
				label := string(purpose)
				if it := form.Item(string(purpose)); it != nil {
					label = it.Label.In(lang)
				}
				pg.Consent = append(pg.Consent, labelValue{label, v})
			}
		}
	}
	rs, err := s.Store.LearnerResponses(ctx, p.Learner)
	if err != nil {
		return err
	}
	for _, rs := range rs {
		in, _, err := s.Surveys.Instrument(ctx, rs.InstrumentID, rs.InstrumentVersion)
		if err != nil {
			return err
		}
		v := responseView{Course: rs.ContextTitle, Activity: firstNonEmpty(rs.ActivityTitle, in.Title.In(lang)), Status: pg.T("mydata.status." + string(rs.Status))}
		for _, it := range in.Items() {
			if a, ok := rs.Answers[it.ID]; ok {
				v.Answers = append(v.Answers, labelValue{it.Label.In(lang), describeAnswer(it, a, lang)})
			}
		}
		if rs.PlatformID == p.PlatformID && rs.ContextID == p.Context.ContextID && rs.Status != StatusDeclined {
			if a, err := s.Store.Activity(ctx, rs.ActivityID); err == nil && a.Open(s.Surveys.Now()) && a.ResourceLinkID == p.Context.ResourceLinkID {
				v.ChangeURL = s.launchURL(id, "/survey?page=0")
			}
		}
		pg.Responses = append(pg.Responses, v)
	}
	return s.Render.Render(w, status, "mydata", pg)
}

// describeAnswer renders an answer as text in lang, for people.
func describeAnswer(it *Item, a Answer, lang string) string {
	label := func(code string) string {
		for _, o := range it.Choices(lang) {
			if o.Code == code {
				return o.Label.In(lang)
			}
		}
		return code
	}
	var parts []string
	for _, c := range a.Codes {
		if c != "" {
			parts = append(parts, label(c))
		}
	}
	if a.Other != "" {
		parts = append(parts, a.Other)
	}
	if a.Text != "" {
		parts = append(parts, a.Text)
	}
	for _, row := range it.Rows {
		if v, ok := a.Rows[row.Code]; ok {
			parts = append(parts, row.Label.In(lang)+": "+label(v))
		}
	}
	return strings.Join(parts, "; ")
}

func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func (s *Server) myDataJSON(w http.ResponseWriter, r *http.Request) error {
	ex, err := s.Surveys.LearnerExport(r.Context(), launchSessionFrom(r).Learner)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", `attachment; filename="astre-my-data.json"`)
	return writeJSON(w, http.StatusOK, ex)
}

// CSVHeader is the header row of the CSV export: one row per answer.
var CSVHeader = []string{"context_id", "course", "activity", "instrument_id", "instrument_version", "status", "item_id", "codes", "text", "other", "rows"}

func (s *Server) myDataCSV(w http.ResponseWriter, r *http.Request) error {
	ex, err := s.Surveys.LearnerExport(r.Context(), launchSessionFrom(r).Learner)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.Write(CSVHeader)
	for _, resp := range ex.Responses {
		ids := make([]string, 0, len(resp.Answers))
		for id := range resp.Answers {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			a := resp.Answers[id]
			var rows []string
			for row, v := range a.Rows {
				rows = append(rows, row+"="+v)
			}
			sort.Strings(rows)
			_ = cw.Write([]string{resp.ContextID, resp.Course, resp.Activity, resp.InstrumentID, strconv.Itoa(resp.InstrumentVersion),
				string(resp.Status), id, strings.Join(a.Codes, ";"), a.Text, a.Other, strings.Join(rows, ";")})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="astre-my-data.csv"`)
	_, err = w.Write(buf.Bytes())
	return err
}

func (s *Server) withdraw(w http.ResponseWriter, r *http.Request) error {
	if r.PostForm.Get("confirm") != "yes" {
		return s.renderMyData(w, r, http.StatusUnprocessableEntity, s.Catalogs.T(launchContextFrom(r).Lang, "mydata.withdraw.needconfirm"))
	}
	if err := s.Surveys.Withdraw(r.Context(), s.place(r)); err != nil {
		return err
	}
	http.Redirect(w, r, s.launchURL(launchIDFrom(r), "/mydata"), http.StatusSeeOther)
	return nil
}
