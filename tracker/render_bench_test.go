package tracker

import (
	"strconv"
	"testing"
)

// BenchmarkRenderSurveyPage renders each page of the built-in entry
// profile, unanswered, in English: the template work of a survey page
// without HTTP or the database.
func BenchmarkRenderSurveyPage(b *testing.B) {
	cat, err := LoadCatalogs()
	if err != nil {
		b.Fatal(err)
	}
	r, err := NewRenderer(cat)
	if err != nil {
		b.Fatal(err)
	}
	ins, err := BuiltinInstruments()
	if err != nil {
		b.Fatal(err)
	}
	var entry *Instrument
	for _, in := range ins {
		if in.ID == DefaultInstrumentID {
			entry = in
		}
	}
	for i := range entry.Pages {
		page := &entry.Pages[i]
		b.Run(strconv.Itoa(i)+"-"+page.ID, func(b *testing.B) {
			b.ReportAllocs()
			size := 0
			for b.Loop() {
				pg := &surveyPage{Page: Page{Lang: "en", LanguageAction: "/s/launch/language", CSRF: "token"}, Items: itemViews(entry, page, nil, nil, "en", cat)}
				out, err := r.Bytes("survey", pg)
				if err != nil {
					b.Fatal(err)
				}
				size = len(out)
			}
			b.ReportMetric(float64(size), "bytes/page")
		})
	}
}
