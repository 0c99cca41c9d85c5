package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

func TestPlatformRegisterLink(t *testing.T) {
	env := map[string]string{"ASTRE_DATA_DIR": t.TempDir(), "ASTRE_BASE_URL": "https://astre.example.org"}
	getenv := func(k string) string { return env[k] }
	links := map[string]bool{}
	for range 2 {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"platform", "register-link", "--ttl", "1h"}, getenv, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		link, _, _ := strings.Cut(out.String(), "\n")
		token, ok := strings.CutPrefix(link, "https://astre.example.org/lti/register?reg=")
		if !ok || len(token) < 32 {
			t.Fatalf("got %q, want the base URL's /lti/register?reg=TOKEN", link)
		}
		links[link] = true
	}
	if len(links) != 2 {
		t.Error("two runs printed the same link")
	}
	err := run(context.Background(), []string{"platform", "register-link", "--ttl", "0s"}, getenv, io.Discard, io.Discard)
	if err == nil {
		t.Error("a zero lifetime was accepted")
	}
}
