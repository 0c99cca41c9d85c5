package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/astre-lti/astre/lti/ltitest"
)

// TestDemoCommand runs `astre demo` through run(): it prints one course
// URL on 127.0.0.1, the tool answers on localhost, the demo LMS is
// registered in the data directory, and Ctrl-C stops it cleanly. The
// launches themselves are TestBrowser's.
func TestDemoCommand(t *testing.T) {
	env := map[string]string{"ASTRE_DATA_DIR": t.TempDir(), "ASTRE_LOG_LEVEL": "warn"}
	getenv := func(k string) string { return env[k] }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr := &lockedBuffer{}, &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"demo", "--platform-storage=false"}, getenv, stdout, stderr) }()

	course := regexp.MustCompile(`http://127\.0\.0\.1:\d+/course/view\.php\?id=2`)
	tool := regexp.MustCompile(`http://localhost:\d+`)
	deadline := time.Now().Add(20 * time.Second)
	for !course.MatchString(stdout.String()) {
		select {
		case err := <-done:
			t.Fatalf("demo ended early: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no course URL printed:\n%s\n%s", stdout.String(), stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	out := stdout.String()
	if n := len(course.FindAllString(out, -1)); n != 1 {
		t.Errorf("got %d course URLs, want one:\n%s", n, out)
	}
	resp, err := http.Get(course.FindString(out))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `value="instructor"`) || strings.Contains(string(page), ltitest.StorageFrameName) {
		t.Errorf("course page: got %d\n%s", resp.StatusCode, page)
	}
	resp, err = http.Get(tool.FindString(out) + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("tool health: got %d", resp.StatusCode)
	}
	if out := cli(t, getenv, "platform", "list"); !strings.Contains(out, "http://127.0.0.1:") {
		t.Errorf("the demo LMS is not registered:\n%s", out)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("demo did not stop")
	}
}
