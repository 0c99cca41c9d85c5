package tracker

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// DatasetWriter writes dataset rows as CSV or JSON, codes with their
// labels in one language. Create it with NewDatasetWriter, call Write per
// row and Close once.
type DatasetWriter struct {
	w       io.Writer
	format  string // "csv" or "json"
	lang    string
	columns []string                   // variable names, in codebook order
	labels  map[string]map[string]Text // instrument@version.variable → code → label
	csv     *csv.Writer
	rows    int
}

// NewDatasetWriter starts a dataset in format ("csv" or "json") whose
// columns are the codebook's variables.
func NewDatasetWriter(w io.Writer, format, lang string, cb *Codebook, generated time.Time) (*DatasetWriter, error) {
	dw := &DatasetWriter{w: w, format: format, lang: lang, labels: map[string]map[string]Text{}}
	seen := map[string]bool{}
	for _, in := range cb.Instruments {
		for _, v := range in.Variables {
			if !seen[v.Name] {
				seen[v.Name] = true
				dw.columns = append(dw.columns, v.Name)
			}
			m := map[string]Text{}
			for _, c := range v.Codes {
				m[c.Code] = c.Label
			}
			dw.labels[in.ID+"@"+strconv.Itoa(in.Version)+"."+v.Name] = m
		}
	}
	switch format {
	case "csv":
		dw.csv = csv.NewWriter(w)
		header := append([]string{}, datasetColumns...)
		for _, c := range dw.columns {
			header = append(header, c, c+"_label")
		}
		return dw, dw.csv.Write(header)
	case "json":
		_, err := fmt.Fprintf(w, `{"generated_at":%q,"lang":%q,"rows":[`, generated.UTC().Format(time.RFC3339), lang)
		return dw, err
	}
	return nil, fmt.Errorf("dataset format %q: %w", format, ErrInvalid)
}

// DatasetJSONRow is a row of the JSON dataset: the row and its labels.
type DatasetJSONRow struct {
	DatasetRow
	Labels map[string][]string `json:"labels"`
}

// labelsOf names the row's codes in the writer's language.
func (dw *DatasetWriter) labelsOf(r *DatasetRow, name string) []string {
	codes := r.Answers[name]
	m := dw.labels[r.InstrumentID+"@"+strconv.Itoa(r.InstrumentVersion)+"."+r.InstrumentID+"."+name]
	out := make([]string, len(codes))
	for i, c := range codes {
		if l, ok := m[c]; ok {
			out[i] = l.In(dw.lang)
		} else {
			out[i] = c // numbers, and codes of lists too long to label (none so far)
		}
	}
	return out
}

// Write adds one row.
func (dw *DatasetWriter) Write(r *DatasetRow) error {
	dw.rows++
	if dw.format == "json" {
		jr := DatasetJSONRow{DatasetRow: *r, Labels: map[string][]string{}}
		for name := range r.Answers {
			jr.Labels[name] = dw.labelsOf(r, name)
		}
		b, err := json.Marshal(jr)
		if err != nil {
			return err
		}
		if dw.rows > 1 {
			b = append([]byte{','}, b...)
		}
		_, err = dw.w.Write(b)
		return err
	}
	completed := ""
	if r.CompletedAt != nil {
		completed = r.CompletedAt.UTC().Format(time.RFC3339)
	}
	rec := []string{strconv.FormatInt(r.Response, 10), r.Learner, strconv.FormatInt(r.PlatformID, 10), r.ContextID, r.InstrumentID,
		strconv.Itoa(r.InstrumentVersion), string(r.Wave), string(r.Status), r.StartedAt.UTC().Format(time.RFC3339), completed}
	prefix := r.InstrumentID + "."
	for _, col := range dw.columns {
		name, ok := strings.CutPrefix(col, prefix)
		if !ok {
			rec = append(rec, "", "")
			continue
		}
		rec = append(rec, strings.Join(r.Answers[name], ";"), strings.Join(dw.labelsOf(r, name), "; "))
	}
	return dw.csv.Write(rec)
}

// Close ends the dataset.
func (dw *DatasetWriter) Close() error {
	if dw.format == "json" {
		_, err := io.WriteString(dw.w, "]}\n")
		return err
	}
	dw.csv.Flush()
	return dw.csv.Error()
}
