package tracker

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rs/zerolog/hlog"
)

// The read-only API for the provider's QA system: JSON over HTTP, every
// request with "Authorization: Bearer <token>" (astre token create), lists
// paged with page and per_page. /api/openapi.json describes it.

//go:embed openapi.json
var openAPI []byte

// apiFunc is an API endpoint: it returns the value to send as JSON.
type apiFunc func(r *http.Request) (any, error)

// apiHandler sends v as JSON, or the error as {"error": ...} with the
// status of the one outcome table.
func (s *Server) apiHandler(h apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := h(r)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		b, err := json.Marshal(v)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		writeJSONBytes(w, http.StatusOK, b)
	})
}

// writeJSONBytes sends encoded JSON.
func writeJSONBytes(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	o := outcomeOf(err)
	ev := hlog.FromRequest(r).Info()
	if o.status >= 500 {
		ev = hlog.FromRequest(r).Error()
	}
	ev.Err(err).Int("status", o.status).Msg("api request failed")
	if o.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="astre"`)
	}
	b, _ := json.Marshal(map[string]string{"error": strings.ToLower(http.StatusText(o.status)), "request_id": requestID(r)})
	writeJSONBytes(w, o.status, b)
}

// requireToken lets through requests with a valid, unrevoked API token.
func (s *Server) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			s.apiError(w, r, fmt.Errorf("api: no bearer token: %w", ErrUnauthorized))
			return
		}
		t, err := s.Accounts.CheckToken(r.Context(), strings.TrimSpace(token))
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		hlog.FromRequest(r).Debug().Int64("token", t.ID).Msg("api token accepted")
		next.ServeHTTP(w, r)
	})
}

// openAPIDocument serves the API description with this server's URL.
func (s *Server) openAPIDocument(w http.ResponseWriter, r *http.Request) {
	servers, _ := json.Marshal(s.BaseURL + "/api/v1")
	b := bytes.Replace(openAPI, []byte(`"{{server}}"`), servers, 1)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeJSONBytes(w, http.StatusOK, b)
}

// paging reads page (from 1) and per_page (1 to 1000, default 100).
func paging(q url.Values) (page, perPage int, err error) {
	perPage = 100
	if page, err = pageNumber(q); err != nil {
		return 0, 0, err
	}
	if v := q.Get("per_page"); v != "" {
		if perPage, err = strconv.Atoi(v); err != nil || perPage < 1 || perPage > 1000 {
			return 0, 0, fmt.Errorf("per_page %q: want 1 to 1000: %w", v, ErrInvalid)
		}
	}
	return page, perPage, nil
}

// pageNumber reads page, counted from 1; 1 when absent. Anything but a
// positive integer is ErrInvalid.
func pageNumber(q url.Values) (int, error) {
	v := q.Get("page")
	if v == "" {
		return 1, nil
	}
	page, err := strconv.Atoi(v)
	if err != nil || page < 1 {
		return 0, fmt.Errorf("page %q: %w", v, ErrInvalid)
	}
	return page, nil
}

// nextURL is the request's URL on the following page.
func (s *Server) nextURL(r *http.Request, page int) string {
	q := r.URL.Query()
	q.Set("page", strconv.Itoa(page+1))
	return s.BaseURL + r.URL.Path + "?" + q.Encode()
}

// errStop ends a walk once a page is full.
var errStop = errors.New("page full")

func (s *Server) apiCourses(r *http.Request) (any, error) {
	page, perPage, err := paging(r.URL.Query())
	if err != nil {
		return nil, err
	}
	f := dashboardFilter(r.URL.Query())
	courses, err := s.Store.ReportCourses(r.Context(), ReportFilter{PlatformID: f.PlatformID})
	if err != nil {
		return nil, err
	}
	out := APIPage[APICourse]{Items: []APICourse{}}
	for i := (page - 1) * perPage; i < len(courses) && i < page*perPage; i++ {
		c := courses[i]
		out.Items = append(out.Items, APICourse{Platform: c.PlatformID, Issuer: c.Issuer, Course: c.ContextID, Title: c.Title})
	}
	if page*perPage < len(courses) {
		out.Next = s.nextURL(r, page)
	}
	return out, nil
}

func (s *Server) apiIndicators(r *http.Request) (any, error) {
	d, err := s.Reports.Dashboard(r.Context(), dashboardFilter(r.URL.Query()))
	if err != nil {
		return nil, err
	}
	return NewAPIIndicators(d), nil
}

func (s *Server) apiReport(r *http.Request) (any, error) {
	q := r.URL.Query()
	platform, err := strconv.ParseInt(q.Get("platform"), 10, 64)
	if err != nil || q.Get("course") == "" {
		return nil, fmt.Errorf("report: platform and course are required: %w", ErrInvalid)
	}
	rep, err := s.Reports.CourseReport(r.Context(), platform, q.Get("course"), Languages[0], func(k string) string { return k })
	if err != nil {
		return nil, err
	}
	return NewAPIReport(rep, s.Surveys.Now()), nil
}

func (s *Server) apiResponses(r *http.Request) (any, error) {
	page, perPage, err := paging(r.URL.Query())
	if err != nil {
		return nil, err
	}
	out := APIPage[DatasetRow]{Items: []DatasetRow{}}
	skip, more := (page-1)*perPage, false
	err = s.Reports.Dataset(r.Context(), dashboardFilter(r.URL.Query()), func(row *DatasetRow) error {
		switch {
		case skip > 0:
			skip--
		case len(out.Items) == perPage:
			more = true
			return errStop
		default:
			out.Items = append(out.Items, *row)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, err
	}
	if more {
		out.Next = s.nextURL(r, page)
	}
	return out, nil
}
