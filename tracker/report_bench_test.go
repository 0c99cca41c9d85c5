package tracker_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/astre-lti/astre/store"
	"github.com/astre-lti/astre/tracker"
)

// The report benchmarks run on a small generated database, or on the one
// named by ASTRE_BENCH_DB, for instance a million answers from
// "astre demo-data" (the benchmarks then add two launch sessions to it):
//
//	ASTRE_BENCH_DB=data/astre.db go test -run '^$' -bench 'Report|Dashboard' ./tracker

type reportBench struct {
	srv     *tracker.Server
	base    string
	course  tracker.CourseRef
	teacher string // launch id of an instructor in course
	admin   string // launch id of an LMS administrator on course's platform
}

func newReportBench(b *testing.B) *reportBench {
	b.Helper()
	ctx := context.Background()
	path := os.Getenv("ASTRE_BENCH_DB")
	var db *store.DB
	var err error
	if path != "" {
		db, err = store.Open(ctx, path, time.Now)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
	} else {
		db = openStore(b, time.Now)
	}
	srv, err := tracker.New(tracker.Options{Store: db, Secrets: testSecrets(), BaseURL: "http://bench.test", Log: zerolog.Nop(),
		Mail: tracker.MailOptions{Dir: b.TempDir()}})
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Prepare(ctx); err != nil {
		b.Fatal(err)
	}
	if path == "" {
		d := &tracker.Demo{Store: db, Courses: 6, Learners: 300, Seed: 1, Now: time.Now}
		if _, err := d.Run(ctx); err != nil {
			b.Fatal(err)
		}
	}
	courses, err := db.ReportCourses(ctx, tracker.ReportFilter{})
	if err != nil || len(courses) == 0 {
		b.Fatalf("no courses: %v", err)
	}
	// Cold figures unless a benchmark says otherwise: the cache would
	// hide the cost of computing them.
	srv.Reports.CacheFor = -1
	rb := &reportBench{srv: srv, course: courses[len(courses)/2]}
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(ts.Close)
	rb.base = ts.URL
	rb.teacher = rb.launch(b, db, tracker.RoleInstructor)
	rb.admin = rb.launch(b, db, tracker.RoleAdministrator)
	return rb
}

// launch stores a bound launch session in the bench course.
func (rb *reportBench) launch(b *testing.B, db *store.DB, role tracker.Role) string {
	b.Helper()
	id := "bench-" + string(role) + "-" + time.Now().Format("150405.000000000")
	lc, _ := json.Marshal(tracker.LaunchContext{Role: role, ContextID: rb.course.ContextID, ContextTitle: rb.course.Title, Lang: "de", MessageType: "LtiResourceLinkRequest"})
	sum := sha256.Sum256([]byte(id))
	now := time.Now()
	err := db.SaveLaunch(context.Background(), &tracker.LaunchSession{IDHash: hex.EncodeToString(sum[:]), PlatformID: rb.course.PlatformID,
		Context: lc, CSRFToken: "x", Bound: true, CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	return id
}

func (rb *reportBench) get(b *testing.B, path string) int {
	resp, err := http.Get(rb.base + path)
	if err != nil {
		b.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("%s: got %d", path, resp.StatusCode)
	}
	return int(n)
}

// BenchmarkCourseReportPage is an instructor opening the course report:
// the queries, aggregation, suppression and rendering, over HTTP.
func BenchmarkCourseReportPage(b *testing.B) {
	rb := newReportBench(b)
	b.ResetTimer()
	size := 0
	for b.Loop() {
		size = rb.get(b, "/s/"+rb.teacher+"/report")
	}
	b.ReportMetric(float64(size)/1024, "KB/page")
}

// BenchmarkDashboardPage is an LMS administrator opening the dashboard of
// their platform, every course, over HTTP.
func BenchmarkDashboardPage(b *testing.B) {
	rb := newReportBench(b)
	b.ResetTimer()
	for b.Loop() {
		rb.get(b, "/s/"+rb.admin+"/dashboard")
	}
}

// BenchmarkDashboardAll is the dashboard's numbers over every course of
// every platform, as the API's /indicators computes them.
func BenchmarkDashboardAll(b *testing.B) {
	rb := newReportBench(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := rb.srv.Reports.Dashboard(context.Background(), tracker.ReportFilter{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDashboardCached is the dashboard page when its figures were
// computed less than CacheFor ago, by this or another instance.
func BenchmarkDashboardCached(b *testing.B) {
	rb := newReportBench(b)
	rb.srv.Reports.CacheFor = tracker.DefaultCacheFor
	rb.get(b, "/s/"+rb.admin+"/dashboard")
	b.ResetTimer()
	for b.Loop() {
		rb.get(b, "/s/"+rb.admin+"/dashboard")
	}
}

// BenchmarkReportResponses is the store's walk over one course.
func BenchmarkReportResponses(b *testing.B) {
	rb := newReportBench(b)
	f := tracker.ReportFilter{PlatformID: rb.course.PlatformID, ContextID: rb.course.ContextID}
	b.ResetTimer()
	for b.Loop() {
		n := 0
		err := rb.srv.Store.ReportResponses(context.Background(), f, func(*tracker.ReportResponse) error { n++; return nil })
		if err != nil || n == 0 {
			b.Fatalf("walked %d: %v", n, err)
		}
	}
}

// BenchmarkSuppress is complementary suppression of a 12 × 2 table with
// small cells, the size of a country breakdown.
func BenchmarkSuppress(b *testing.B) {
	counts := [][]int{{40, 3}, {2, 30}, {55, 60}, {1, 1}, {12, 4}, {33, 9}, {7, 2}, {80, 71}, {4, 4}, {19, 21}, {3, 50}, {25, 0}}
	for b.Loop() {
		tracker.Table{Counts: counts}.Suppress(5)
	}
}
