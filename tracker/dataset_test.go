package tracker_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/astre-lti/astre/tracker"
)

func datasetRows(t *testing.T, c *course) []tracker.DatasetRow {
	t.Helper()
	var rows []tracker.DatasetRow
	err := c.srv.Reports.Dataset(context.Background(), tracker.ReportFilter{PlatformID: c.platform, ContextID: c.id},
		func(r *tracker.DatasetRow) error { rows = append(rows, *r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func writeDataset(t *testing.T, c *course, format, lang string) []byte {
	t.Helper()
	ctx := context.Background()
	cb, err := c.srv.Reports.Codebook(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	dw, err := tracker.NewDatasetWriter(&buf, format, lang, cb, c.at)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.srv.Reports.Dataset(ctx, tracker.ReportFilter{PlatformID: c.platform, ContextID: c.id}, dw.Write); err != nil {
		t.Fatal(err)
	}
	if err := dw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDatasetOnlyResearchConsent(t *testing.T) {
	c := newCourse(t, "c")
	research := []tracker.Purpose{tracker.PurposeSurveys, tracker.PurposeResearch}
	for i := range 6 {
		purposes := research
		if i%2 == 1 {
			purposes = surveysOnly
		}
		c.learner(fmt.Sprintf("l%d", i), purposes, c.entry, map[string]string{"education_level": "ed3", "gender": "woman"})
	}
	c.learner("sensitive-refused", research, c.entry, map[string]string{"education_level": "ed1", "wg_seeing": "a_lot"})
	rows := datasetRows(t, c)
	if len(rows) != 4 {
		t.Fatalf("got %d rows, want 4: the learners who granted research", len(rows))
	}
	for _, r := range rows {
		if _, ok := r.Answers["wg_seeing"]; ok {
			t.Error("special-category answer exported without that purpose")
		}
		if strings.HasPrefix(r.Learner, "l") || len(r.Learner) != 20 {
			t.Errorf("learner %q: want an export id, not the pseudonym", r.Learner)
		}
	}
}

func TestDatasetRoundTrips(t *testing.T) {
	c := newCourse(t, "c")
	research := []tracker.Purpose{tracker.PurposeSurveys, tracker.PurposeResearch}
	for i := range 5 {
		c.learner(fmt.Sprintf("l%d", i), research, c.entry, map[string]string{"education_level": "ed6", "gender": "man", "country_residence": "SI"})
		c.learner(fmt.Sprintf("l%d", i), research, c.exit, map[string]string{"overall_satisfaction": "agree", "recommend": "9"})
	}
	want := datasetRows(t, c)

	// JSON: the rows come back exactly.
	var doc struct {
		Rows []tracker.DatasetJSONRow `json:"rows"`
	}
	if err := json.Unmarshal(writeDataset(t, c, "json", "de"), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Rows) != len(want) {
		t.Fatalf("JSON: got %d rows, want %d", len(doc.Rows), len(want))
	}
	for i, r := range doc.Rows {
		if !reflect.DeepEqual(r.DatasetRow.Answers, want[i].Answers) || r.Response != want[i].Response || !r.StartedAt.Equal(want[i].StartedAt) {
			t.Errorf("JSON row %d: got %+v, want %+v", i, r.DatasetRow, want[i])
		}
		if got := r.Labels["gender"]; r.InstrumentID == "entry" && (len(got) != 1 || got[0] != "Mann") {
			t.Errorf("JSON row %d: gender label %q, want the German label", i, got)
		}
	}

	// CSV: every code is in its column, with its label beside it.
	recs, err := csv.NewReader(bytes.NewReader(writeDataset(t, c, "csv", "it"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+len(want) {
		t.Fatalf("CSV: got %d records, want a header and %d rows", len(recs), len(want))
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for i, r := range want {
		rec := recs[1+i]
		if rec[col["response"]] != fmt.Sprint(r.Response) || rec[col["learner"]] != r.Learner || rec[col["instrument"]] != r.InstrumentID {
			t.Errorf("CSV row %d: got %v", i, rec[:8])
		}
		got := map[string][]string{}
		for name := range col {
			item, ok := strings.CutPrefix(name, r.InstrumentID+".")
			if !ok || strings.HasSuffix(name, "_label") || rec[col[name]] == "" {
				continue
			}
			got[item] = strings.Split(rec[col[name]], ";")
		}
		if !reflect.DeepEqual(got, r.Answers) {
			t.Errorf("CSV row %d: answers %v, want %v", i, got, r.Answers)
		}
	}
	if i := col["entry.country_residence_label"]; recs[1][i] != "Slovenia" {
		t.Errorf("CSV: country label %q, want the Italian name Slovenia", recs[1][i])
	}
}

func TestCodebookLabelsEveryLanguage(t *testing.T) {
	c := newCourse(t, "c")
	cb, err := c.srv.Reports.Codebook(context.Background(), "exit")
	if err != nil {
		t.Fatal(err)
	}
	if len(cb.Instruments) != 1 || cb.Instruments[0].ID != "exit" {
		t.Fatalf("got %d instruments, want the exit evaluation", len(cb.Instruments))
	}
	n := 0
	for _, v := range cb.Instruments[0].Variables {
		for _, l := range tracker.Languages {
			if v.Label[l] == "" {
				t.Errorf("%s: no %s label", v.Name, l)
			}
			for _, code := range v.Codes {
				if code.Label[l] == "" {
					t.Errorf("%s=%s: no %s label", v.Name, code.Code, l)
				}
			}
		}
		if v.Name == "exit.quality.clear_objectives" {
			n++
		}
	}
	if n != 1 {
		t.Error("the quality matrix's rows are not variables of their own")
	}
}
