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

// focused describes document.activeElement.
type focused struct {
	Tag      string `json:"tag"`
	Type     string `json:"type"`
	Answered bool   `json:"answered"` // a radio whose group has an answer
	Submit   bool   `json:"submit"`   // the main form's forward button
}

const describeFocus = `(function () {
  var e = document.activeElement;
  var inForm = !!e.closest("main form");
  return {
    tag: e.tagName, type: e.type || "",
    answered: e.type === "radio" && !!document.querySelector('input[name="' + e.name + '"]:checked'),
    submit: inForm && e.tagName === "BUTTON" && e.type === "submit" && e.value !== "back"
  };
})()`

// answerWithKeyboard answers the page's choice questions and submits it
// with Tab, Space and Enter only, as a person without a mouse does: Tab
// moves through the page, Space picks the focused option of a question
// still unanswered, Enter on the form's button sends it.
func answerWithKeyboard(t *testing.T, tab *browsertest.Tab) {
	t.Helper()
	browsertest.Eval[bool](tab, "mark the document", `window.astreOldDocument = true`)
	for presses := 0; presses < 200; presses++ {
		tab.Do("press Tab", chromedp.KeyEvent("\t"))
		f := browsertest.Eval[focused](tab, "focus", describeFocus)
		switch {
		case f.Type == "radio" && !f.Answered:
			tab.Do("press Space", chromedp.KeyEvent(" "))
		case f.Submit:
			tab.Do("press Enter", chromedp.KeyEvent("\r"))
			waitNewDocument(t, tab)
			if n := browsertest.Eval[int](tab, "error summary", `document.querySelectorAll(".error-summary").length`); n > 0 {
				tab.Fatalf("keyboard", "the page refused the keyboard's answers: %s", tab.Text(".error-summary"))
			}
			return
		}
	}
	tab.Fatalf("keyboard", "200 presses of Tab never reached the form's button on %s", tab.Location())
}
