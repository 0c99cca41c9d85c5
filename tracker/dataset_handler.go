package tracker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// writeDataset renders the dataset of f in format into memory, then sends
// it as a download named name.
func (s *Server) writeDataset(w http.ResponseWriter, r *http.Request, f ReportFilter, format, lang, name string) error {
	ctx := r.Context()
	cb, err := s.Reports.Codebook(ctx, f.InstrumentID)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	dw, err := NewDatasetWriter(&buf, format, lang, cb, s.Surveys.Now())
	if err != nil {
		return err
	}
	if err := s.Reports.Dataset(ctx, f, dw.Write); err != nil {
		return err
	}
	if err := dw.Close(); err != nil {
		return err
	}
	contentType := "text/csv; charset=utf-8"
	if format == "json" {
		contentType = "application/json"
	}
	return sendDownload(w, contentType, name+"."+format, buf.Bytes())
}

func sendDownload(w http.ResponseWriter, contentType, filename string, b []byte) error {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", filename))
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, err := w.Write(b)
	return err
}

// exportLang is the ?lang= of an export when supported, else fallback.
func (s *Server) exportLang(r *http.Request, fallback string) string {
	if l := r.URL.Query().Get("lang"); s.Catalogs.Supported(l) {
		return l
	}
	return fallback
}

// courseDataset is the launch's course as a research dataset.
func (s *Server) courseDataset(format string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		lc, sess := launchContextFrom(r), launchSessionFrom(r)
		if lc.ContextID == "" {
			return fmt.Errorf("dataset: launch without a course: %w", ErrNotFound)
		}
		f := ReportFilter{PlatformID: sess.PlatformID, ContextID: lc.ContextID, InstrumentID: r.URL.Query().Get("instrument")}
		return s.writeDataset(w, r, f, format, s.exportLang(r, lc.Lang), "astre-"+fileSafe(lc.ContextID))
	}
}

// codebook sends the codebook of every instrument as JSON.
func (s *Server) codebook(w http.ResponseWriter, r *http.Request) error {
	cb, err := s.Reports.Codebook(r.Context(), r.URL.Query().Get("instrument"))
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(cb, "", "  ")
	if err != nil {
		return err
	}
	return sendDownload(w, "application/json", "astre-codebook.json", b)
}

// fileSafe keeps letters, digits, dots and dashes of a name for a file name.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '.' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, s)
}
