package lti

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Line item media types (AGS 2.0 sections 3.2 and 3.3).
const (
	LineItemMediaType          = "application/vnd.ims.lis.v2.lineitem+json"
	LineItemContainerMediaType = "application/vnd.ims.lis.v2.lineitemcontainer+json"
)

// maxLineItemPages bounds how many container pages one search follows,
// and maxLineItemBytes the size of one answer.
const (
	maxLineItemPages = 100
	maxLineItemBytes = 4 << 20
)

// LineItem is a gradebook column (AGS 2.0 section 3.2). ID is its URL.
type LineItem struct {
	ID             string  `json:"id,omitempty"`
	Label          string  `json:"label"`
	ScoreMaximum   float64 `json:"scoreMaximum"`
	ResourceLinkID string  `json:"resourceLinkId,omitempty"`
	ResourceID     string  `json:"resourceId,omitempty"`
	Tag            string  `json:"tag,omitempty"`
}

// FindLineItem looks through a line items container for the item of a
// resource link with a tag, filtering on the platform side and checking
// again here (a platform may ignore the filters), following rel="next"
// pages. It returns nil when there is none.
func FindLineItem(ctx context.Context, client *http.Client, userAgent, token, container, resourceLinkID, tag string) (*LineItem, error) {
	u, err := url.Parse(container)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("line items URL %q is not absolute", container)
	}
	q := u.Query() // keeps Moodle's type_id
	q.Set("resource_link_id", resourceLinkID)
	if tag != "" {
		q.Set("tag", tag)
	}
	u.RawQuery = q.Encode()
	next := u.String()
	for page := 0; next != ""; page++ {
		if page == maxLineItemPages {
			return nil, fmt.Errorf("line items container has more than %d pages", maxLineItemPages)
		}
		var items []LineItem
		header, err := serviceCall(ctx, client, http.MethodGet, next, userAgent, token, LineItemContainerMediaType, "", nil, maxLineItemBytes, &items)
		if err != nil {
			return nil, fmt.Errorf("line items page %d: %w", page+1, err)
		}
		for i := range items {
			if items[i].ResourceLinkID == resourceLinkID && (tag == "" || items[i].Tag == tag) {
				return &items[i], nil
			}
		}
		next = NextLink(header.Values("Link"))
	}
	return nil, nil
}

// CreateLineItem adds a line item to a container (AGS 2.0 section 3.2.5);
// Moodle requires label and scoreMaximum.
func CreateLineItem(ctx context.Context, client *http.Client, userAgent, token, container string, item LineItem) (*LineItem, error) {
	body, err := json.Marshal(item)
	if err != nil {
		return nil, err
	}
	var created LineItem
	if _, err := serviceCall(ctx, client, http.MethodPost, container, userAgent, token, LineItemMediaType, LineItemMediaType, body, maxLineItemBytes, &created); err != nil {
		return nil, fmt.Errorf("create line item: %w", err)
	}
	if created.ID == "" {
		return nil, fmt.Errorf("create line item: the platform returned no id")
	}
	return &created, nil
}

// serviceCall makes one JSON request to a platform service (AGS, NRPS)
// and decodes a 2xx answer of at most limit bytes into out; any other
// status is a *ServiceError.
func serviceCall(ctx context.Context, client *http.Client, method, target, userAgent, token, accept, contentType string, body []byte, limit int64, out any) (http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("User-Agent", userAgent)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &ServiceError{Status: resp.StatusCode, Body: string(answer), RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	}
	if err := json.Unmarshal(answer, out); err != nil {
		return nil, fmt.Errorf("decode answer: %w", err)
	}
	return resp.Header, nil
}
