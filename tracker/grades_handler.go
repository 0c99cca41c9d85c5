package tracker

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// gradesPage is templates/grades.html: the delivery state of each
// learner's score in the activity, for teaching roles.
type gradesPage struct {
	Page
	Activity    string
	Rows        []gradeRow
	RetryAction string
	Retried     bool
	BackURL     string
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

// grades lists the activity's scores with their delivery state.
func (s *Server) grades(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, err := s.Surveys.Activity(ctx, s.place(r))
	if err != nil {
		return err
	}
	items, err := s.Store.OutboxItems(ctx, OutboxFilter{Kind: KindScore, ActivityID: a.ID})
	if err != nil {
		return err
	}
	p := &gradesPage{Page: s.launchPage(r), Activity: firstNonEmpty(a.Title, "ASTRE"),
		RetryAction: s.launchURL(launchIDFrom(r), "/grades/retry"), Retried: r.URL.Query().Get("retried") == "1",
		BackURL: s.launchURL(launchIDFrom(r), "/")}
	p.Title = p.T("grades.title", "activity", p.Activity)
	for _, it := range items {
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
		p.Rows = append(p.Rows, row)
	}
	return s.Render.Render(w, http.StatusOK, "grades", p)
}

// retryGrade makes one undelivered score due now and wakes the worker.
func (s *Server) retryGrade(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
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
	http.Redirect(w, r, s.launchURL(launchIDFrom(r), "/grades?retried=1"), http.StatusSeeOther)
	return nil
}
