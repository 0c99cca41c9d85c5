package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/astre-lti/astre/tracker"
)

// demoData fills the database with synthetic courses for trying and
// benchmarking the reports.
func demoData(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, s, err := newFlags("demo-data", getenv, stderr)
	if err != nil {
		return err
	}
	courses := fs.Int("courses", 80, "courses to add")
	learners := fs.Int("learners", 750, "average learners per course (each course has between half and one and a half times as many)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same answers")
	if err := parseFlags(fs, s, args); err != nil {
		return err
	}
	if *courses <= 0 || *learners <= 0 {
		return fmt.Errorf("--courses and --learners must be positive: %w", errUsage)
	}
	e, err := openEnv(ctx, s, getenv, stderr)
	if err != nil {
		return err
	}
	srv, err := tracker.New(e.options(s))
	if err != nil {
		e.close()
		return err
	}
	if err := srv.Prepare(ctx); err != nil {
		e.close()
		return err
	}
	start := time.Now()
	d := &tracker.Demo{Store: e.db, Courses: *courses, Learners: *learners, Seed: *seed, Now: time.Now,
		Progress: func(c, answers int) {
			if c%10 == 0 || c == *courses {
				fmt.Fprintf(stderr, "%d/%d courses, %d answers\n", c, *courses, answers)
			}
		}}
	res, err := d.Run(ctx)
	if cerr := e.close(); err == nil {
		err = cerr // closing checkpoints the WAL into the file measured below
	}
	if err != nil {
		return err
	}
	size := int64(0)
	if fi, err := os.Stat(s.dbPath()); err == nil {
		size = fi.Size()
	}
	fmt.Fprintf(stdout, "added %d courses, %d learners, %d consent records, %d responses, %d answers in %s; database %s is %.1f MB\n",
		res.Courses, res.Learners, res.Consents, res.Responses, res.Answers, time.Since(start).Round(time.Millisecond), s.dbPath(), float64(size)/1e6)
	return nil
}
