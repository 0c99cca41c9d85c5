package tracker

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// gradesPerPage is how many scores one page of grade delivery lists: a
// course of 20,000 learners must not make one page of 20,000 rows.
const gradesPerPage = 100

// gradesPage is templates/grades.html: the delivery state of the
// learners' scores in the activity, for teaching roles, one page of one
// state at a time.
type gradesPage struct {
	Page
	Activity    string
	Filters     []gradesFilter
	Total       int // scores of the activity in any state
	Rows        []gradeRow
	View        gradesView // what is shown; its Page is within Pages
	Pages       int
	NewerURL    string // "" on the first page
	OlderURL    string // "" on the last page
	RetryAction string
	Retried     bool
	BackURL     string
}

// gradesFilter is one count at the top of the page, a link to its scores.
type gradesFilter struct {
	Key     string // catalog key of the state's name
	Count   int
	URL     string
	Current bool
}

type gradeRow struct {
	ID        int64
	UserID    string // the LMS's id of the learner, as the gradebook shows it
	StateKey  string
	Attempts  int
	ReasonKey string // a catalog key; "" when delivered
	Detail    string // the platform's own words, for an administrator
	When      string
	CanRetry  bool
}

// gradesView is which scores the page shows: those in State ("" for
// all), the Page-th hundred of them, newest first. Its links and the
// retry form carry it, so that a retry comes back to the same view.
type gradesView struct {
	State OutboxStatus
	Page  int // from 1
}

// gradesViewOf reads a view from a query or a posted form. An unknown
// state, or a page that is not a positive integer, is ErrInvalid.
func gradesViewOf(v url.Values) (gradesView, error) {
	page, err := pageNumber(v)
	if err != nil {
		return gradesView{}, err
	}
	state := OutboxStatus(v.Get("state"))
	switch state {
	case "", OutboxPending, OutboxDelivered, OutboxFailed:
	default:
		return gradesView{}, fmt.Errorf("state %q: %w", state, ErrInvalid)
	}
	return gradesView{State: state, Page: page}, nil
}

// query is the view as a URL query, leaving out what is the default.
func (v gradesView) query() url.Values {
	q := url.Values{}
	if v.State != "" {
		q.Set("state", string(v.State))
	}
	if v.Page > 1 {
		q.Set("page", strconv.Itoa(v.Page))
	}
	return q
}

// gradesURL is the grades page of a launch with query q.
func (s *Server) gradesURL(launchID string, q url.Values) string {
	u := s.launchURL(launchID, "/grades")
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// grades lists one page of the activity's scores with their delivery
// state, under the counts of each state.
func (s *Server) grades(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v, err := gradesViewOf(r.URL.Query())
	if err != nil {
		return err
	}
	a, err := s.Surveys.Activity(ctx, s.place(r))
	if err != nil {
		return err
	}
	scores := OutboxFilter{Kind: KindScore, ActivityID: a.ID}
	counts, err := s.Store.OutboxCounts(ctx, scores)
	if err != nil {
		return err
	}
	id := launchIDFrom(r)
	p := &gradesPage{Page: s.launchPage(r), Activity: firstNonEmpty(a.Title, "ASTRE"),
		RetryAction: s.launchURL(id, "/grades/retry"), Retried: r.URL.Query().Get("retried") == "1",
		BackURL: s.launchURL(id, "/")}
	p.Title = p.T("grades.title", "activity", p.Activity)
	for _, n := range counts {
		p.Total += n
	}
	shown := p.Total
	if v.State != "" {
		shown = counts[v.State]
	}
	// A page beyond the last, as after retries emptied it, shows the last.
	p.Pages = max(1, (shown+gradesPerPage-1)/gradesPerPage)
	v.Page = min(v.Page, p.Pages)
	p.View = v
	for _, state := range []OutboxStatus{"", OutboxDelivered, OutboxPending, OutboxFailed} {
		f := gradesFilter{Key: "grades.state.all", Count: p.Total, Current: state == v.State,
			URL: s.gradesURL(id, gradesView{State: state}.query())}
		if state != "" {
			f.Key, f.Count = "grades.state."+string(state), counts[state]
		}
		p.Filters = append(p.Filters, f)
	}
	if v.Page > 1 {
		p.NewerURL = s.gradesURL(id, gradesView{State: v.State, Page: v.Page - 1}.query())
	}
	if v.Page < p.Pages {
		p.OlderURL = s.gradesURL(id, gradesView{State: v.State, Page: v.Page + 1}.query())
	}

	scores.Status, scores.Limit, scores.Offset = v.State, gradesPerPage, (v.Page-1)*gradesPerPage
	items, err := s.Store.OutboxItems(ctx, scores)
	if err != nil {
		return err
	}
	for _, it := range items {
		p.Rows = append(p.Rows, gradeRowOf(it))
	}
	return s.Render.Render(w, http.StatusOK, "grades", p)
}

// gradeRowOf is how the page shows one score item.
func gradeRowOf(it OutboxItem) gradeRow {
	var sp scorePayload
	_ = json.Unmarshal(it.Payload, &sp) // an unreadable payload shows as an unknown learner
	row := gradeRow{ID: it.ID, UserID: sp.UserID, StateKey: "grades.state." + string(it.Status), Attempts: it.Attempts,
		CanRetry: it.Status != OutboxDelivered}
	when := it.UpdatedAt
	switch it.Status {
	case OutboxDelivered:
		when = *it.DeliveredAt
	case OutboxPending:
		if it.LastError != "" {
			row.ReasonKey, row.Detail = "grades.reason.retrying", it.LastError
			when = it.NextAt
		}
	case OutboxFailed:
		row.ReasonKey, row.Detail = "grades.reason."+refusalReason(it.LastError), it.LastError
	}
	row.When = when.UTC().Format(time.DateTime) + " UTC"
	return row
}

// retryGrade makes one undelivered score due now, wakes the worker and
// goes back to the view the form was posted from.
func (s *Server) retryGrade(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v, err := gradesViewOf(r.PostForm)
	if err != nil {
		return err
	}
	a, err := s.Surveys.Activity(ctx, s.place(r))
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PostForm.Get("id"), 10, 64)
	if err != nil {
		return ErrInvalid
	}
	// Only a score of this activity: the id comes from the page.
	items, err := s.Store.OutboxItems(ctx, OutboxFilter{ID: id, Kind: KindScore, ActivityID: a.ID})
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return ErrNotFound
	}
	if err := s.Store.RetryOutbox(ctx, id, s.Surveys.Now().UTC()); err != nil && !errors.Is(err, ErrConflict) {
		return err
	}
	s.Outbox.Wake()
	q := v.query()
	q.Set("retried", "1")
	http.Redirect(w, r, s.gradesURL(launchIDFrom(r), q), http.StatusSeeOther)
	return nil
}
