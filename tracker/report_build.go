package tracker

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Reports turns stored responses into aggregate reports that respect the
// consent and small-cell rules of DOMAIN.md:
//
//   - a response counts only while its learner's current consent in the
//     course grants the surveys purpose (withdrawn consents grant nothing,
//     and withdrawal deletes the responses anyway);
//   - special-category answers count only while that purpose is granted;
//   - every count below K is hidden (SensitiveK for special-category
//     variables), with complementary suppression (Table.Suppress);
//   - a report with fewer than K respondents shows counts only.
type Reports struct {
	Store      Store
	Surveys    *Surveys
	K          int // default DefaultK
	SensitiveK int // default DefaultSensitiveK
	// CacheFor is how long computed dashboard figures are reused, by
	// every instance (they are cached in the database); 0 means
	// DefaultCacheFor, a negative value turns the cache off.
	CacheFor time.Duration
	Now      func() time.Time
}

// DefaultCacheFor is how long dashboard figures are reused: reading a
// million answers takes seconds, and QA figures a few minutes old serve
// as well. A withdrawal clears the cache at once.
const DefaultCacheFor = 5 * time.Minute

func (rp *Reports) k(sensitive bool) int {
	switch {
	case sensitive && rp.SensitiveK > 0:
		return max(rp.SensitiveK, rp.k(false))
	case sensitive:
		return max(DefaultSensitiveK, rp.k(false))
	case rp.K > 0:
		return rp.K
	}
	return DefaultK
}

// courseData is what one walk over a course's responses gathers.
type courseData struct {
	ref        CourseRef
	launched   int
	consented  int
	records    map[string]*learnerRecord
	items      map[string]*itemTally // by instrument@version, when tallied
	instrOrder []string
}

func newCourseData(ref CourseRef) *courseData {
	return &courseData{ref: ref, records: map[string]*learnerRecord{}, items: map[string]*itemTally{}}
}

// counted reports whether a consent's purposes let a response count.
func counted(purposes map[Purpose]bool) bool { return purposes[PurposeSurveys] }

// instrument returns the parsed instrument of a response, cached by the
// Surveys.
func (rp *Reports) instrument(ctx context.Context, id string, version int) (*Instrument, error) {
	in, _, err := rp.Surveys.Instrument(ctx, id, version)
	return in, err
}

// add folds one response into the course data; tally also counts its
// answers for the item distributions.
func (rp *Reports) add(ctx context.Context, cd *courseData, r *ReportResponse, tally bool) error {
	if !counted(r.Purposes) {
		return nil
	}
	in, err := rp.instrument(ctx, r.InstrumentID, r.InstrumentVersion)
	if err != nil {
		return fmt.Errorf("response %d: %w", r.ID, err)
	}
	if in.Wave == WaveConsent {
		return nil
	}
	sensitive := r.Purposes[PurposeSensitive]
	answers := allowedAnswers(in, r.Answers, sensitive)
	rec := cd.records[r.Learner]
	if rec == nil {
		rec = &learnerRecord{sensitive: sensitive, done: map[Wave]bool{}, answers: map[Wave]Answers{}, started: map[Wave]int64{}}
		cd.records[r.Learner] = rec
	}
	completed := r.Status == StatusCompleted
	if completed {
		rec.done[in.Wave] = true
	}
	// The newest response of a wave describes the learner; a completed
	// one beats one in progress.
	at := r.StartedAt.UnixMilli()
	if _, seen := rec.answers[in.Wave]; !seen || at >= rec.started[in.Wave] {
		rec.answers[in.Wave], rec.started[in.Wave] = answers, at
	}
	if tally {
		key := in.ID + "@" + strconv.Itoa(in.Version)
		t := cd.items[key]
		if t == nil {
			t = newItemTally(in)
			cd.items[key] = t
			cd.instrOrder = append(cd.instrOrder, key)
		}
		t.add(answers, completed)
	}
	return nil
}

// allowedAnswers drops special-category answers unless that purpose is
// granted, and free texts, which reports never show.
func allowedAnswers(in *Instrument, given map[string]Answer, sensitive bool) Answers {
	out := make(Answers, len(given))
	for _, p := range in.Pages {
		for i := range p.Items {
			it := &p.Items[i]
			a, ok := given[it.ID]
			if !ok || ((it.Sensitive || p.Sensitive) && !sensitive) {
				continue
			}
			if it.Type == ShortText || it.Type == LongText {
				continue
			}
			a.Other, a.Text = "", ""
			out[it.ID] = a
		}
	}
	return out
}

// walk reads the participants and responses of the filter's courses and
// calls done with each course's data, one course at a time, so memory
// holds one course only.
func (rp *Reports) walk(ctx context.Context, f ReportFilter, tally bool, done func(*courseData) error) error {
	courses, err := rp.Store.ReportCourses(ctx, f)
	if err != nil {
		return err
	}
	byKey := make(map[string]*courseData, len(courses))
	var order []*courseData
	for _, c := range courses {
		cd := newCourseData(c)
		byKey[courseKey(c.PlatformID, c.ContextID)] = cd
		order = append(order, cd)
	}
	err = rp.Store.ReportParticipants(ctx, f, func(p *Participant) error {
		if cd := byKey[courseKey(p.PlatformID, p.ContextID)]; cd != nil {
			cd.launched++
			if counted(p.Purposes) {
				cd.consented++
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	var cur *courseData
	err = rp.Store.ReportResponses(ctx, f, func(r *ReportResponse) error {
		cd := byKey[courseKey(r.PlatformID, r.ContextID)]
		if cd == nil {
			return nil
		}
		if cur != nil && cur != cd {
			if err := done(cur); err != nil {
				return err
			}
			delete(byKey, courseKey(cur.ref.PlatformID, cur.ref.ContextID))
		}
		cur = cd
		return rp.add(ctx, cd, r, tally)
	})
	if err != nil {
		return err
	}
	// The rest: the last course walked and courses without responses.
	for _, cd := range order {
		if _, left := byKey[courseKey(cd.ref.PlatformID, cd.ref.ContextID)]; left {
			if err := done(cd); err != nil {
				return err
			}
		}
	}
	return nil
}

func courseKey(platformID int64, contextID string) string {
	return strconv.FormatInt(platformID, 10) + "\x00" + contextID
}
