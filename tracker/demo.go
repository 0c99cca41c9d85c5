package tracker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// Synthetic data for trying and benchmarking the reports: platforms,
// courses with entry, exit and follow-up activities, learners with a mix of
// consent decisions (some withdrawn), and answers drawn from plausible
// distributions, written straight into the store in one transaction per
// course.

// Bulk is what one course adds: written in one transaction by BulkLoad.
type Bulk struct {
	Seen      []Seen
	Consents  []*Consent
	Responses []*Response // answers included
}

// Seen is a learner's first launch of an activity.
type Seen struct {
	ActivityID int64
	Learner    string
	At         time.Time
}

// DemoStore is what the generator needs from persistence.
type DemoStore interface {
	AddPlatform(ctx context.Context, p *Platform) error
	Platform(ctx context.Context, issuer, clientID string) (*Platform, error)
	EnsureActivity(ctx context.Context, a *Activity) (*Activity, error)
	SaveRoster(ctx context.Context, r *Roster) error
	// BulkLoad inserts everything in b in one transaction, setting the
	// responses' IDs.
	BulkLoad(ctx context.Context, b *Bulk) error
}

// Demo generates synthetic courses.
type Demo struct {
	Store    DemoStore
	Courses  int // courses to add
	Learners int // average learners per course
	Seed     uint64
	Now      func() time.Time
	// Progress, when set, is called after each course.
	Progress func(course int, answers int)

	rng *rand.Rand
	ins map[Wave]*Instrument
}

// DemoResult counts what Run added.
type DemoResult struct {
	Courses, Learners, Consents, Responses, Answers int
}

// demoPlatforms are the registrations demo courses live on.
var demoPlatforms = []Platform{
	{Issuer: "https://moodle.demo.astre.invalid", ClientID: "demo-moodle"},
	{Issuer: "https://openedx.demo.astre.invalid", ClientID: "demo-openedx"},
}

// Run adds the courses. Courses run over the two years before Now; each
// has an entry, an exit and a follow-up activity.
func (d *Demo) Run(ctx context.Context) (DemoResult, error) {
	var res DemoResult
	d.rng = rand.New(rand.NewPCG(d.Seed, 0xa57e))
	ins, err := BuiltinInstruments()
	if err != nil {
		return res, err
	}
	d.ins = map[Wave]*Instrument{}
	for _, in := range ins {
		d.ins[in.Wave] = in
	}
	var platforms []int64
	for _, p := range demoPlatforms {
		p.AuthURL, p.TokenURL, p.JWKSURL = p.Issuer+"/auth", p.Issuer+"/token", p.Issuer+"/jwks"
		p.Deployments = []string{"1"}
		got, err := d.Store.Platform(ctx, p.Issuer, p.ClientID)
		if errors.Is(err, ErrNotFound) {
			err = d.Store.AddPlatform(ctx, &p)
			got = &p
		}
		if err != nil {
			return res, fmt.Errorf("demo platform %s: %w", p.Issuer, err)
		}
		platforms = append(platforms, got.ID)
	}
	now := d.Now().UTC()
	batch := strconv.FormatInt(now.UnixMilli(), 36)
	for c := range d.Courses {
		start := now.AddDate(0, 0, -30-d.rng.IntN(700))
		id := fmt.Sprintf("demo-%s-%03d", batch, c+1)
		title := fmt.Sprintf("%s %d", demoTopics[c%len(demoTopics)], c/len(demoTopics)+1)
		n := d.Learners/2 + d.rng.IntN(d.Learners+1)
		if err := d.course(ctx, platforms[c%len(platforms)], id, title, start, n, &res); err != nil {
			return res, err
		}
		res.Courses++
		if d.Progress != nil {
			d.Progress(c+1, res.Answers)
		}
	}
	return res, nil
}

var demoTopics = []string{"Digital Skills for Work", "Data Literacy", "Green Entrepreneurship", "Introduction to Programming",
	"Project Management Basics", "Online Teaching", "Cybersecurity Essentials", "Social Media Marketing", "Financial Literacy", "Care Work Today"}

// course adds one course: its activities, roster, learners and answers.
func (d *Demo) course(ctx context.Context, platformID int64, id, title string, start time.Time, n int, res *DemoResult) error {
	acts := map[Wave]*Activity{}
	for _, w := range []Wave{WaveEntry, WaveExit, WaveFollowup} {
		a, err := d.Store.EnsureActivity(ctx, &Activity{PlatformID: platformID, ContextID: id, ResourceLinkID: id + "-" + string(w),
			ContextTitle: title, Title: d.ins[w].Title.In("en"), InstrumentID: d.ins[w].ID, CreatedAt: start, UpdatedAt: start})
		if err != nil {
			return fmt.Errorf("demo course %s: %w", id, err)
		}
		acts[w] = a
	}
	var b Bulk
	roster := &Roster{PlatformID: platformID, ContextID: id, FetchedAt: start.AddDate(0, 2, 0)}
	for i := range n {
		learner := demoPseudonym(id, i)
		roster.Learners = append(roster.Learners, learner)
		if d.rng.Float64() < 0.25 { // on the roster, never opened the activity
			continue
		}
		res.Learners++
		d.learner(&b, platformID, id, learner, start, acts)
	}
	if err := d.Store.SaveRoster(ctx, roster); err != nil {
		return fmt.Errorf("demo course %s: %w", id, err)
	}
	if err := d.Store.BulkLoad(ctx, &b); err != nil {
		return fmt.Errorf("demo course %s: %w", id, err)
	}
	res.Consents += len(b.Consents)
	res.Responses += len(b.Responses)
	for _, r := range b.Responses {
		res.Answers += len(r.Answers)
	}
	return nil
}

func demoPseudonym(course string, i int) string {
	sum := sha256.Sum256([]byte("astre-demo|" + course + "|" + strconv.Itoa(i)))
	return hex.EncodeToString(sum[:])
}

// learner adds one learner's launches, consent and responses.
func (d *Demo) learner(b *Bulk, platformID int64, course, learner string, start time.Time, acts map[Wave]*Activity) {
	at := start.Add(time.Duration(d.rng.IntN(14*24)) * time.Hour)
	b.Seen = append(b.Seen, Seen{ActivityID: acts[WaveEntry].ID, Learner: learner, At: at})
	purposes := map[Purpose]bool{}
	surveys := d.rng.Float64() < 0.85
	purposes[PurposeSurveys] = surveys
	purposes[PurposeLinkLMS] = surveys && d.rng.Float64() < 0.6
	purposes[PurposeFollowup] = surveys && d.rng.Float64() < 0.35
	purposes[PurposeResearch] = surveys && d.rng.Float64() < 0.45
	purposes[PurposeSensitive] = surveys && d.rng.Float64() < 0.3
	c := &Consent{Learner: learner, PlatformID: platformID, ContextID: course, DeploymentID: "1",
		ResourceLinkID: acts[WaveEntry].ResourceLinkID, TextID: ConsentInstrumentID, TextVersion: 1,
		TextHash: "demo", Lang: Languages[d.rng.IntN(len(Languages))], Purposes: purposes, Method: "demo-data", CreatedAt: at}
	b.Consents = append(b.Consents, c)
	if !surveys {
		return
	}
	if d.rng.Float64() < 0.03 { // withdrew: only the proof stays
		w := at.Add(time.Duration(1+d.rng.IntN(30*24)) * time.Hour)
		c.WithdrawnAt, c.Purposes = &w, map[Purpose]bool{}
		return
	}
	p := d.persona()
	entry := d.response(learner, acts[WaveEntry], at, p, purposes[PurposeSensitive], 0.88)
	b.Responses = append(b.Responses, entry)
	// Completion depends on background: the equity view has something to show.
	exitChance := 0.35 + 0.1*float64(p.eduRank) - 0.1*boolf(p.firstGen)
	if entry.Status != StatusCompleted || d.rng.Float64() > exitChance {
		return
	}
	exitAt := at.AddDate(0, 0, 42+d.rng.IntN(30))
	b.Seen = append(b.Seen, Seen{ActivityID: acts[WaveExit].ID, Learner: learner, At: exitAt})
	b.Responses = append(b.Responses, d.response(learner, acts[WaveExit], exitAt, p, false, 0.95))
	if !purposes[PurposeFollowup] && d.rng.Float64() > 0.3 {
		return
	}
	followAt := exitAt.AddDate(0, []int{3, 6, 12}[d.rng.IntN(3)], 0)
	if followAt.After(d.Now()) {
		return
	}
	b.Seen = append(b.Seen, Seen{ActivityID: acts[WaveFollowup].ID, Learner: learner, At: followAt})
	b.Responses = append(b.Responses, d.response(learner, acts[WaveFollowup], followAt, p, false, 0.9))
}

func boolf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// response answers a's instrument as persona p would, finished with the
// given chance (else stopped half-way).
func (d *Demo) response(learner string, a *Activity, at time.Time, p persona, sensitive bool, finish float64) *Response {
	in := d.ins[waveOf(d.ins, a.InstrumentID)]
	r := &Response{Learner: learner, ActivityID: a.ID, InstrumentID: in.ID, InstrumentVersion: in.Version,
		Status: StatusInProgress, Answers: map[string]Answer{}, StartedAt: at, UpdatedAt: at}
	pages := len(in.Pages)
	if d.rng.Float64() < finish {
		done := at.Add(time.Duration(3+d.rng.IntN(20)) * time.Minute)
		r.Status, r.CompletedAt, r.UpdatedAt, r.Page = StatusCompleted, &done, done, pages
	} else {
		pages = 1 + d.rng.IntN(pages)
		r.Page = pages
	}
	for _, pg := range in.Pages[:pages] {
		if pg.Sensitive && !sensitive {
			continue
		}
		for i := range pg.Items {
			it := &pg.Items[i]
			if !in.Shown(it.ID, r.Answers) {
				continue
			}
			if ans, ok := d.answer(it, p); ok {
				r.Answers[it.ID] = ans
			}
		}
	}
	return r
}

func waveOf(ins map[Wave]*Instrument, id string) Wave {
	for w, in := range ins {
		if in.ID == id {
			return w
		}
	}
	return WaveEntry
}
