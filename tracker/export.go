package tracker

import (
	"context"
	"time"
)

// Export is a learner's data as downloaded: exactly what is stored, codes
// not labels, so it can be read back by a program.
type Export struct {
	Learner   string           `json:"learner"`
	Consents  []ExportConsent  `json:"consents"`
	Responses []ExportResponse `json:"responses"`
}

// ExportConsent is one consent record in an export.
type ExportConsent struct {
	ContextID   string           `json:"context_id"`
	TextID      string           `json:"text_id"`
	TextVersion int              `json:"text_version"`
	TextHash    string           `json:"text_hash"`
	Lang        string           `json:"lang"`
	Purposes    map[Purpose]bool `json:"purposes"`
	Method      string           `json:"method"`
	CreatedAt   time.Time        `json:"created_at"`
	WithdrawnAt *time.Time       `json:"withdrawn_at,omitempty"`
}

// ExportResponse is one response in an export.
type ExportResponse struct {
	ContextID         string            `json:"context_id"`
	Course            string            `json:"course"`
	Activity          string            `json:"activity"`
	InstrumentID      string            `json:"instrument_id"`
	InstrumentVersion int               `json:"instrument_version"`
	Status            ResponseStatus    `json:"status"`
	StartedAt         time.Time         `json:"started_at"`
	CompletedAt       *time.Time        `json:"completed_at,omitempty"`
	Answers           map[string]Answer `json:"answers"`
}

// LearnerExport gathers everything stored about a learner.
func (s *Surveys) LearnerExport(ctx context.Context, learner string) (*Export, error) {
	ex := &Export{Learner: learner, Consents: []ExportConsent{}, Responses: []ExportResponse{}}
	cs, err := s.Store.Consents(ctx, learner)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		ex.Consents = append(ex.Consents, ExportConsent{ContextID: c.ContextID, TextID: c.TextID, TextVersion: c.TextVersion,
			TextHash: c.TextHash, Lang: c.Lang, Purposes: c.Purposes, Method: c.Method, CreatedAt: c.CreatedAt, WithdrawnAt: c.WithdrawnAt})
	}
	rs, err := s.Store.LearnerResponses(ctx, learner)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		ex.Responses = append(ex.Responses, ExportResponse{ContextID: r.ContextID, Course: r.ContextTitle, Activity: r.ActivityTitle,
			InstrumentID: r.InstrumentID, InstrumentVersion: r.InstrumentVersion, Status: r.Status,
			StartedAt: r.StartedAt, CompletedAt: r.CompletedAt, Answers: r.Answers})
	}
	return ex, nil
}
