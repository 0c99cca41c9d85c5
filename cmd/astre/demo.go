package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/lti/ltitest"
	"github.com/astre-lti/astre/tracker"
)

// demoOptions are what `astre demo` adds to the shared settings.
type demoOptions struct {
	// storage makes the demo LMS offer postMessage platform storage.
	storage bool
	// deepLinking shows the instructor's deep linking button on the course
	// page. It is the hook for the tool's deep linking content picker:
	// the demo LMS already sends LtiDeepLinkingRequest and accepts the
	// signed response at its return URL.
	deepLinking bool
}

// demo runs ASTRE beside a demo LMS (lti/ltitest with a course page) and
// prints the course page's URL. The LMS is on 127.0.0.1 and the tool on
// localhost: two sites, so the browser treats the tool's iframe as
// third-party, as with a real LMS. Without --data-dir or ASTRE_DATA_DIR
// the data lives in a temporary directory removed at exit.
func demo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, s, err := newFlags("demo", getenv, stderr)
	if err != nil {
		return err
	}
	var o demoOptions
	fs.BoolVar(&o.storage, "platform-storage", true, "the demo LMS offers postMessage platform storage")
	fs.BoolVar(&o.deepLinking, "deep-linking", true, "add the instructor's deep linking button to the course page")
	if err := parseFlags(fs, s, args); err != nil {
		return err
	}
	set := explicitSettings(fs, getenv)
	if !set["data-dir"] {
		tmp, err := os.MkdirTemp("", "astre-demo-")
		if err != nil {
			return fmt.Errorf("demo data dir: %w", err)
		}
		defer os.RemoveAll(tmp)
		s.DataDir = tmp
	}
	if !set["addr"] {
		s.Addr = "127.0.0.1:0"
	}
	d, err := startDemo(ctx, s, !set["base-url"], o, getenv, stderr)
	if err != nil {
		return err
	}
	defer d.close()
	fmt.Fprintf(stdout, `ASTRE demo: the tool runs at %s beside a demo LMS.
Open the demo course in your browser, and stop with Ctrl-C:

  %s

`, d.toolURL, d.courseURL)
	select {
	case err := <-d.errc:
		return fmt.Errorf("demo: %w", err)
	case <-ctx.Done():
	}
	return d.shutdown()
}

// explicitSettings names the settings given as a flag or in the environment.
func explicitSettings(fs *flag.FlagSet, getenv func(string) string) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, st := range settingTable {
		if getenv(st.env) != "" {
			set[st.flag] = true
		}
	}
	return set
}

// demoRun is a running demo: the tool's server and the demo LMS.
type demoRun struct {
	courseURL string
	toolURL   string
	lms       *ltitest.Platform
	hs        *http.Server
	env       *env
	errc      chan error
	// stopWorkers ends the outbox (grades to the demo gradebook, mails to
	// files) and the follow-up scheduler.
	stopWorkers func()
}

// startDemo listens on s.Addr, builds the tool (with base URL
// http://localhost:PORT when localBase), starts the demo LMS and registers
// it in the tool's database, as an administrator would.
func startDemo(ctx context.Context, s *settings, localBase bool, o demoOptions, getenv func(string) string, stderr io.Writer) (*demoRun, error) {
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", s.Addr, err)
	}
	if localBase {
		s.BaseURL = "http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	}
	d := &demoRun{toolURL: s.BaseURL, errc: make(chan error, 1)}
	// The demo LMS runs on loopback: the tool must be allowed to reach it.
	s.AllowPrivateTargets = true
	if d.env, err = openEnv(ctx, s, getenv, stderr); err != nil {
		ln.Close()
		return nil, err
	}
	srv, err := tracker.New(d.env.options(s))
	if err == nil {
		err = srv.Prepare(ctx)
	}
	if err != nil {
		ln.Close()
		d.env.close()
		return nil, err
	}

	d.lms = ltitest.NewPlatform(ltitest.Moodle)
	cfg := srv.Config()
	d.lms.SetTool(ltitest.ToolConfig{LoginURL: cfg.LoginURL, RedirectURIs: cfg.RedirectURIs, TargetLinkURI: cfg.TargetLinkURI, JWKSURL: cfg.JWKSURL})
	err = d.lms.SetCourse(demoCourse(o))
	if err == nil {
		err = d.env.db.AddPlatform(ctx, &tracker.Platform{
			Issuer: d.lms.Issuer, ClientID: d.lms.ClientID, AuthURL: d.lms.AuthURL(),
			TokenURL: d.lms.TokenURL(), JWKSURL: d.lms.JWKSURL(), Deployments: []string{d.lms.DeploymentID},
		})
	}
	if err != nil {
		ln.Close()
		d.lms.Close()
		d.env.close()
		return nil, fmt.Errorf("register the demo LMS: %w", err)
	}
	d.courseURL = d.lms.CourseURL()
	d.hs = httpServer(srv.Handler(), serverTimeouts)
	d.stopWorkers = startWorkers(ctx, srv, d.env.log)
	go func() { d.errc <- d.hs.Serve(ln) }()
	d.env.log.Info().Str("base_url", s.BaseURL).Str("lms", d.lms.Issuer).Msg("demo serving")
	return d, nil
}

// shutdown drains the tool's requests, then closes the LMS.
func (d *demoRun) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := d.hs.Shutdown(ctx)
	d.stopWorkers()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("demo shutdown: %w", err)
	}
	return nil
}

// close stops everything; after shutdown it only releases what is left.
func (d *demoRun) close() {
	d.hs.Close()
	d.stopWorkers()
	d.lms.Close()
	d.env.close()
}

// demoCourse is the demo LMS's course: two learners and an instructor.
func demoCourse(o demoOptions) ltitest.Course {
	c := ltitest.Course{
		Title:    "Sustainable Cities (demo MOOC)",
		Activity: "Course survey (ASTRE)",
		Users: []ltitest.CourseUser{
			{Key: "learner", Label: "Launch as Alex Martin (learner)", Launch: ltitest.LaunchOptions{
				UserID: "101", GivenName: "Alex", FamilyName: "Martin", Email: "alex.martin@example.invalid"}},
			{Key: "learner2", Label: "Launch as Sam Rivera (another learner)", Launch: ltitest.LaunchOptions{
				UserID: "102", GivenName: "Sam", FamilyName: "Rivera", Email: "sam.rivera@example.invalid"}},
			{Key: "instructor", Label: "Launch as Kim Novak (instructor)", Launch: ltitest.LaunchOptions{
				UserID: "103", GivenName: "Kim", FamilyName: "Novak", Email: "kim.novak@example.invalid",
				Roles: []string{lti.RoleInstructor}}},
		},
		PlatformStorage: o.storage,
	}
	if o.deepLinking {
		c.DeepLinkingAs = "instructor"
	}
	return c
}
