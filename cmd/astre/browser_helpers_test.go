package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/astre-lti/astre/tracker/browsertest"
)

// fillAnswers answers every question of the form in <main> that has no
// answer yet: the first option of each choice, the first entry of each
// list, 5 in number fields. It returns how many questions it saw.
const fillAnswers = `(function () {
  var groups = {};
  document.querySelectorAll("main form input[type=radio]").forEach(function (r) {
    (groups[r.name] = groups[r.name] || []).push(r);
  });
  Object.keys(groups).forEach(function (n) {
    if (!groups[n].some(function (r) { return r.checked; })) { groups[n][0].checked = true; }
  });
  var selects = document.querySelectorAll("main form select");
  selects.forEach(function (s) { if (!s.value && s.options.length > 1) { s.selectedIndex = 1; } });
  var numbers = document.querySelectorAll("main form input[inputmode=numeric]");
  numbers.forEach(function (i) { if (!i.value) { i.value = "5"; } });
  return Object.keys(groups).length + selects.length + numbers.length;
})()`

func fillPage(t *testing.T, frame *browsertest.Tab) {
	t.Helper()
	if n := browsertest.Eval[int](frame, "answer the page", fillAnswers); n == 0 {
		frame.Fatalf("survey", "no question to answer on %s", frame.Location())
	}
}

// submit clicks the button and waits for the next document.
func submit(t *testing.T, frame *browsertest.Tab, selector string) {
	t.Helper()
	browsertest.Eval[bool](frame, "mark the document", `window.astreOldDocument = true`)
	found := browsertest.Eval[bool](frame, "click "+selector, `(function () {
  var b = document.querySelector(`+"`"+selector+"`"+`);
  if (!b) { return false; }
  b.click();
  return true;
})()`)
	if !found {
		frame.Fatalf("submit", "no %s on %s", selector, frame.Location())
	}
	waitNewDocument(t, frame)
}

// waitNewDocument waits until the document marked by submit is replaced
// and the new one has loaded.
func waitNewDocument(t *testing.T, frame *browsertest.Tab) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(frame.Context(), 5*time.Second)
		done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!window.astreOldDocument && document.readyState === "complete"`))
		cancel()
		if err == nil && done {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	frame.Fatalf("navigation", "no new document after 30s at %s", frame.Location())
}

// waitPath waits until the frame's document path ends with suffix.
func waitPath(t *testing.T, frame *browsertest.Tab, suffix string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(frame.Context(), 5*time.Second)
		path, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState === "complete" ? location.pathname : ""`))
		cancel()
		if err == nil && strings.HasSuffix(path, suffix) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	frame.Fatalf("navigation", "got %s, want a page ending in %s", frame.Location(), suffix)
}
