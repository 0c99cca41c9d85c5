package browsertest

import (
	"fmt"
	"strings"
)

// Violation is one axe-core rule a page breaks, with a few of the
// offending elements.
type Violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

func (v Violation) String() string {
	return fmt.Sprintf("%s (%s): %s\n    %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n    "))
}

// axeRun runs every axe-core rule on the document and keeps the serious
// and critical violations.
const axeRun = `axe.run(document, {resultTypes: ["violations"]}).then(function (r) {
  return r.violations.filter(function (v) { return v.impact === "serious" || v.impact === "critical"; })
    .map(function (v) {
      return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(function (n) {
        return n.target.join(" ") + "  " + n.html.slice(0, 200);
      })};
    });
})`

// Axe injects axe-core into the document shown (DevTools evaluation is
// not bound by the page's Content-Security-Policy) and fails the test,
// with a screenshot, on any serious or critical violation. kind names the
// page in the report.
func (tab *Tab) Axe(kind string) {
	tab.t.Helper()
	vs := tab.Violations()
	if len(vs) > 0 {
		var lines []string
		for _, v := range vs {
			lines = append(lines, "  "+v.String())
		}
		tab.Errorf(kind, "axe-core on the %s page (%s): %d serious or critical violations:\n%s", kind, tab.Location(), len(vs), strings.Join(lines, "\n"))
	}
}

// Violations runs axe-core in the document shown and returns the serious
// and critical violations.
func (tab *Tab) Violations() []Violation {
	tab.t.Helper()
	Eval[bool](tab, "inject axe-core", "(function () { if (!window.axe) {\n"+tab.b.axe+"\n} return true; })()")
	return Eval[[]Violation](tab, "run axe-core", axeRun)
}
