package ltitest

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/astre-lti/astre/lti"
)

// lineItemState is the fake's gradebook columns, by container path.
type lineItemState struct {
	items         map[string][]lti.LineItem
	pageSize      int // 0: every item on one page
	created       int
	ignoreFilters bool
}

// IgnoreLineItemFilters makes containers list every item whatever the
// filters, as some platforms do, so the tool must check each item.
func (p *Platform) IgnoreLineItemFilters() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lineItems.ignoreFilters = true
}

// SetLineItemPageSize makes line item containers page their answers.
func (p *Platform) SetLineItemPageSize(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lineItems.pageSize = n
}

// AddLineItem puts a line item into the container of a launch's AGS
// claim (its "lineitems" URL) and returns it with its id URL.
func (p *Platform) AddLineItem(container string, it lti.LineItem) lti.LineItem {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.addLineItem(pathOf(container), it)
}

// LineItems returns the items of a container, oldest first.
func (p *Platform) LineItems(container string) []lti.LineItem {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.lineItems.items[pathOf(container)])
}

func (p *Platform) addLineItem(container string, it lti.LineItem) lti.LineItem {
	if p.lineItems.items == nil {
		p.lineItems.items = map[string][]lti.LineItem{}
	}
	p.lineItems.created++
	n := strconv.Itoa(100 + p.lineItems.created)
	if p.Profile == OpenEdX {
		it.ID = p.base + container + "/" + n
	} else {
		it.ID = p.base + container + "/" + n + "/lineitem?type_id=1"
	}
	p.lineItems.items[container] = append(p.lineItems.items[container], it)
	return it
}

// serveLineItems is a line items container (AGS 2.0 section 3.2): GET
// lists with the resource_link_id and tag filters, paged like the
// roster (Moodle's limit/from with rel=“next”, Open edX's page); POST
// creates an item, Moodle requiring label and scoreMaximum. Reading needs
// the lineitem or lineitem.readonly scope, creating the lineitem scope.
func (p *Platform) serveLineItems(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		writeText(w, http.StatusMethodNotAllowed, "GET or POST")
		return
	}
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	issued, ok := p.Issued(token)
	canWrite := ok && slices.Contains(issued.Scopes, lti.ScopeLineItem)
	canRead := canWrite || ok && slices.Contains(issued.Scopes, lti.ScopeLineItemReadOnly)
	if r.Method == http.MethodPost && !canWrite || !canRead {
		writeText(w, http.StatusUnauthorized, "invalid token")
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.Method == http.MethodPost {
		var it lti.LineItem
		body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		if r.Header.Get("Content-Type") != lti.LineItemMediaType || json.Unmarshal(body, &it) != nil || it.Label == "" || it.ScoreMaximum <= 0 {
			writeText(w, http.StatusBadRequest, "a line item needs label and scoreMaximum")
			return
		}
		it = p.addLineItem(r.URL.Path, it)
		w.Header().Set("Content-Type", lti.LineItemMediaType)
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(it)
		return
	}
	q := r.URL.Query()
	var found []lti.LineItem
	for _, it := range p.lineItems.items[r.URL.Path] {
		if p.lineItems.ignoreFilters || (q.Get("resource_link_id") == "" || it.ResourceLinkID == q.Get("resource_link_id")) && (q.Get("tag") == "" || it.Tag == q.Get("tag")) {
			found = append(found, it)
		}
	}
	start, end := 0, len(found)
	if size := p.lineItems.pageSize; size > 0 {
		if p.Profile == OpenEdX {
			n, _ := strconv.Atoi(q.Get("page"))
			start = max(n-1, 0) * size
		} else {
			start, _ = strconv.Atoi(q.Get("from"))
		}
		start = min(max(start, 0), len(found))
		end = min(start+size, len(found))
		if end < len(found) {
			if p.Profile == OpenEdX {
				q.Set("page", strconv.Itoa(end/size+1))
				w.Header().Set("Link", "<"+p.base+r.URL.Path+"?"+q.Encode()+`>; rel="next"`)
			} else {
				q.Set("limit", strconv.Itoa(size))
				q.Set("from", strconv.Itoa(end))
				w.Header().Set("Link", "<"+p.base+r.URL.Path+"?"+q.Encode()+">; rel=“next”")
			}
		}
	}
	w.Header().Set("Content-Type", lti.LineItemContainerMediaType)
	_ = json.NewEncoder(w).Encode(append([]lti.LineItem{}, found[start:end]...))
}

// pathOf is the path of a URL, or the string itself when it is one.
func pathOf(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			s = rest[j:]
		}
	}
	path, _, _ := strings.Cut(s, "?")
	return path
}
