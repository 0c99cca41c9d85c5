package tracker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// A dataset is the response-level export for research and for the
// provider's QA system. It is always a research export: one row per
// response of a learner whose current consent grants both the surveys and
// the research purpose. Learners appear under an export id derived from
// their pseudonym and course, free texts ("other, please specify" and text
// items) are left out because they can identify, and special-category
// answers are included only when that purpose is granted too.

// DatasetRow is one response in a dataset.
type DatasetRow struct {
	Response          int64          `json:"response"`
	Learner           string         `json:"learner"` // export id, stable within a course
	PlatformID        int64          `json:"platform"`
	ContextID         string         `json:"course"`
	InstrumentID      string         `json:"instrument"`
	InstrumentVersion int            `json:"version"`
	Wave              Wave           `json:"wave"`
	Status            ResponseStatus `json:"status"`
	StartedAt         time.Time      `json:"started_at"`
	CompletedAt       *time.Time     `json:"completed_at,omitempty"`
	// Answers are codes: one for single answers, several for multiple
	// choice; a matrix gives one entry per row, keyed item.row.
	Answers map[string][]string `json:"answers"`
}

// Variable of the codebook: one column of a dataset.
type CodebookVariable struct {
	Name      string         `json:"name"` // instrument.item or instrument.item.row
	Item      string         `json:"item"`
	Row       string         `json:"row,omitempty"`
	Type      ItemType       `json:"type"`
	Label     Text           `json:"label"`
	RowLabel  Text           `json:"row_label,omitempty"`
	Sensitive bool           `json:"sensitive,omitempty"`
	Multiple  bool           `json:"multiple,omitempty"`
	Codes     []CodebookCode `json:"codes,omitempty"`
}

// CodebookCode is one code of a variable with its label in every language.
type CodebookCode struct {
	Code  string `json:"code"`
	Label Text   `json:"label"`
}

// CodebookInstrument is one instrument version and its variables.
type CodebookInstrument struct {
	ID        string             `json:"id"`
	Version   int                `json:"version"`
	Wave      Wave               `json:"wave"`
	Title     Text               `json:"title"`
	Variables []CodebookVariable `json:"variables"`
}

// Codebook describes every variable a dataset may hold.
type Codebook struct {
	Languages   []string             `json:"languages"`
	Fixed       []string             `json:"fixed_columns"`
	Instruments []CodebookInstrument `json:"instruments"`
}

// datasetColumns are the columns every row has, before the answers.
var datasetColumns = []string{"response", "learner", "platform", "course", "instrument", "version", "wave", "status", "started_at", "completed_at"}

// Codebook lists the variables of every version of the stored
// instruments (instrumentID, when set, of that one only), consent aside.
func (rp *Reports) Codebook(ctx context.Context, instrumentID string) (*Codebook, error) {
	all, err := rp.Store.Instruments(ctx)
	if err != nil {
		return nil, fmt.Errorf("codebook: %w", err)
	}
	cb := &Codebook{Languages: Languages, Fixed: datasetColumns}
	for _, st := range all {
		if st.ID == ConsentInstrumentID || (instrumentID != "" && st.ID != instrumentID) {
			continue
		}
		for v := 1; v <= st.Version; v++ {
			in, err := rp.instrument(ctx, st.ID, v)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("codebook: %w", err)
			}
			cb.Instruments = append(cb.Instruments, codebookInstrument(in))
		}
	}
	return cb, nil
}

func codebookInstrument(in *Instrument) CodebookInstrument {
	ci := CodebookInstrument{ID: in.ID, Version: in.Version, Wave: in.Wave, Title: in.Title, Variables: []CodebookVariable{}}
	for _, p := range in.Pages {
		for i := range p.Items {
			it := &p.Items[i]
			if it.Type == ShortText || it.Type == LongText {
				continue
			}
			v := CodebookVariable{Name: in.ID + "." + it.ID, Item: it.ID, Type: it.Type, Label: it.Label,
				Sensitive: it.Sensitive || p.Sensitive, Multiple: it.Type == MultipleChoice}
			for _, o := range it.Choices(Languages[0]) {
				v.Codes = append(v.Codes, CodebookCode{Code: o.Code, Label: o.Label})
			}
			if it.Type != Matrix {
				ci.Variables = append(ci.Variables, v)
				continue
			}
			for _, row := range it.Rows {
				rv := v
				rv.Name, rv.Row, rv.RowLabel = v.Name+"."+row.Code, row.Code, row.Label
				ci.Variables = append(ci.Variables, rv)
			}
		}
	}
	return ci
}

// Dataset calls fn with each row the filter selects, by course and learner.
func (rp *Reports) Dataset(ctx context.Context, f ReportFilter, fn func(*DatasetRow) error) error {
	err := rp.Store.ReportResponses(ctx, f, func(r *ReportResponse) error {
		if !r.Purposes[PurposeSurveys] || !r.Purposes[PurposeResearch] {
			return nil
		}
		in, err := rp.instrument(ctx, r.InstrumentID, r.InstrumentVersion)
		if err != nil {
			return err
		}
		if in.Wave == WaveConsent {
			return nil
		}
		row := &DatasetRow{Response: r.ID, Learner: exportID(r.PlatformID, r.ContextID, r.Learner), PlatformID: r.PlatformID,
			ContextID: r.ContextID, InstrumentID: in.ID, InstrumentVersion: in.Version, Wave: in.Wave, Status: r.Status,
			StartedAt: r.StartedAt, CompletedAt: r.CompletedAt, Answers: map[string][]string{}}
		for id, a := range allowedAnswers(in, r.Answers, r.Purposes[PurposeSensitive]) {
			if len(a.Rows) > 0 {
				for rowCode, code := range a.Rows {
					if code != "" {
						row.Answers[id+"."+rowCode] = []string{code}
					}
				}
				continue
			}
			if codes := a.chosen(); len(codes) > 0 {
				row.Answers[id] = codes
			} else if it := in.Item(id); it != nil && it.Type == NumberItem && r.Answers[id].Text != "" {
				row.Answers[id] = []string{r.Answers[id].Text}
			}
		}
		return fn(row)
	})
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	return nil
}

// exportID is a learner's id in exports: stable within a course, so that
// the waves of one learner link up, and different across courses.
func exportID(platformID int64, contextID, learner string) string {
	sum := sha256.Sum256([]byte("astre-export|" + strconv.FormatInt(platformID, 10) + "|" + contextID + "|" + learner))
	return hex.EncodeToString(sum[:10])
}
