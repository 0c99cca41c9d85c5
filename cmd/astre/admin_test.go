package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"
)

func TestAdminTokenAndDemoCommands(t *testing.T) {
	env := map[string]string{"ASTRE_DATA_DIR": t.TempDir(), "ASTRE_ADMIN_PASSWORD": "a long enough password"}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	astre := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, args, getenv, &out, io.Discard)
		return out.String(), err
	}
	if out, err := astre("admin", "create", "--username", "qa"); err != nil || !strings.Contains(out, "administrator qa created") {
		t.Fatalf("admin create: %q, %v", out, err)
	}
	if _, err := astre("admin", "create", "--username", "qa"); err == nil || !strings.Contains(err.Error(), "conflict") {
		t.Errorf("admin create twice: got %v, want a conflict", err)
	}
	out, err := astre("token", "create", "--name", "QA system")
	if err != nil {
		t.Fatal(err)
	}
	token := regexp.MustCompile(`astre_[A-Za-z0-9_-]+`).FindString(out)
	if token == "" {
		t.Fatalf("token create printed no token: %q", out)
	}
	if out, _ := astre("token", "list"); !strings.Contains(out, "QA system") || !strings.Contains(out, "active") || strings.Contains(out, token) {
		t.Errorf("token list: %q; want the token's name, active, and never the token", out)
	}
	if _, err := astre("token", "revoke", "--id", "1"); err != nil {
		t.Fatal(err)
	}
	if out, _ := astre("token", "list"); !strings.Contains(out, "revoked") {
		t.Errorf("token list after revoke: %q", out)
	}
	out, err = astre("demo-data", "--courses", "2", "--learners", "20", "--seed", "3")
	if err != nil || !strings.Contains(out, "added 2 courses") {
		t.Errorf("demo-data: %q, %v", out, err)
	}
	delete(env, "ASTRE_ADMIN_PASSWORD")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"admin"}, "want create or password"},
		{[]string{"admin", "create"}, "--username"},
		{[]string{"admin", "create", "--username", "x"}, "ASTRE_ADMIN_PASSWORD"},
		{[]string{"token", "revoke"}, "--id"},
		{[]string{"token", "create"}, "name"},
		{[]string{"demo-data", "--courses", "0"}, "positive"},
	} {
		if _, err := astre(tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("astre %v: got %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
}
