package tracker

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/astre-lti/astre/templates"
)

// Page is embedded in every page's data: the language, the title and what
// the layout needs. Its T method is how templates translate.
type Page struct {
	Lang      string
	Title     string
	RequestID string

	// Set on pages inside a launch: the language chooser posts here.
	LanguageAction string
	CSRF           string

	cat *Catalogs
}

// T translates key into the page's language; pairs fill {placeholders}.
func (p *Page) T(key string, pairs ...string) string {
	return p.cat.T(p.Lang, key, pairs...)
}

// newPage starts a page in lang for request r.
func (s *Server) newPage(r *http.Request, lang string) Page {
	if !s.Catalogs.Supported(lang) {
		lang = Languages[0]
	}
	return Page{Lang: lang, RequestID: requestID(r), cat: s.Catalogs}
}

// LanguageChoices are the options of the language chooser, the page's
// language selected: the same few lines on every page, written once per
// language rather than drawn by the template each time.
func (p *Page) LanguageChoices() template.HTML { return languageChoices()[p.Lang] }

var languageChoices = sync.OnceValue(func() map[string]template.HTML {
	out := make(map[string]template.HTML, len(Languages))
	for _, selected := range Languages {
		var b strings.Builder
		for _, code := range Languages {
			b.WriteString(`<option value="` + code + `" lang="` + code + `"`)
			if code == selected {
				b.WriteString(" selected")
			}
			b.WriteString(">" + template.HTMLEscapeString(languageNames[code]) + "</option>")
		}
		out[selected] = template.HTML(b.String())
	}
	return out
})

// LanguageName is the page language's name in itself.
func (p *Page) LanguageName() string { return languageNames[p.Lang] }

// page is implemented by every page struct through the embedded Page.
type page interface{ base() *Page }

func (p *Page) base() *Page { return p }

// partials are the templates every page may use: the layout and the
// shared blocks.
var partials = []string{"layout.html", "items.html", "settings.html", "figure.html"}

// Renderer holds the parsed templates: each page file joined with the layout.
type Renderer struct {
	pages map[string]*template.Template
	cat   *Catalogs
}

// NewRenderer parses every page template once, at start-up.
func NewRenderer(cat *Catalogs) (*Renderer, error) {
	names, err := fs.Glob(templates.FS, "*.html")
	if err != nil {
		return nil, err
	}
	r := &Renderer{pages: make(map[string]*template.Template), cat: cat}
	for _, name := range names {
		if slices.Contains(partials, name) {
			continue
		}
		t, err := template.New(name).Funcs(template.FuncMap{"static": staticURL}).ParseFS(templates.FS, append(partials, name)...)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		r.pages[name[:len(name)-len(".html")]] = t
	}
	return r, nil
}

// Render executes a page into a buffer first, so a template error never
// leaves a half-written response, then writes it with status.
func (r *Renderer) Render(w http.ResponseWriter, status int, name string, data page) error {
	b, err := r.Bytes(name, data)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

// Bytes renders a page to memory.
func (r *Renderer) Bytes(name string, data page) ([]byte, error) {
	t, ok := r.pages[name]
	if !ok {
		return nil, fmt.Errorf("no template %q", name)
	}
	p := data.base()
	if p.cat == nil {
		p.cat = r.cat
	}
	if !r.cat.Supported(p.Lang) {
		p.Lang = Languages[0]
	}
	var buf bytes.Buffer
	buf.Grow(16 << 10) // most pages fit: no copying as the buffer grows
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}
