package lti_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/lti/ltitest"
)

// container is the line items URL of a launch of p.
func container(t *testing.T, p *ltitest.Platform) string {
	t.Helper()
	ags, _ := p.Claims(ltitest.LaunchOptions{}, "", "n")[lti.ClaimAGSEndpoint].(map[string]any)
	u, _ := ags["lineitems"].(string)
	if u == "" {
		t.Fatal("the launch offers no line items container")
	}
	return u
}

func TestFindOrCreateLineItemAcrossPages(t *testing.T) {
	for _, profile := range []ltitest.Profile{ltitest.Moodle, ltitest.OpenEdX} {
		t.Run(profile.String(), func(t *testing.T) {
			p := ltitest.NewPlatform(profile)
			defer p.Close()
			c, reg, _ := tokenClient(t, p)
			ctx := context.Background()
			tok, err := c.Token(ctx, reg, []string{lti.ScopeLineItem, lti.ScopeLineItemReadOnly})
			if err != nil {
				t.Fatal(err)
			}
			box := container(t, p)
			p.SetLineItemPageSize(2)
			for _, link := range []string{"a", "b", "c", "d"} {
				p.AddLineItem(box, lti.LineItem{Label: "Other " + link, ScoreMaximum: 10, ResourceLinkID: link})
			}
			want := p.AddLineItem(box, lti.LineItem{Label: "Survey", ScoreMaximum: 1, ResourceLinkID: "r1", Tag: "astre"})
			got, err := lti.FindLineItem(ctx, http.DefaultClient, "ASTRE-test", tok.AccessToken, box, "r1", "astre")
			if err != nil || got == nil || got.ID != want.ID {
				t.Fatalf("FindLineItem: got %+v, %v; want %s", got, err, want.ID)
			}
			none, err := lti.FindLineItem(ctx, http.DefaultClient, "ASTRE-test", tok.AccessToken, box, "zzz", "astre")
			if err != nil || none != nil {
				t.Fatalf("FindLineItem of an unknown link: got %+v, %v; want nil, nil", none, err)
			}
			if profile == ltitest.OpenEdX {
				return // Open edX grants lineitem.readonly only
			}
			made, err := lti.CreateLineItem(ctx, http.DefaultClient, "ASTRE-test", tok.AccessToken, box,
				lti.LineItem{Label: "Exit survey", ScoreMaximum: 1, ResourceLinkID: "r2", Tag: "astre"})
			if err != nil || made.ID == "" {
				t.Fatalf("CreateLineItem: got %+v, %v", made, err)
			}
			again, err := lti.FindLineItem(ctx, http.DefaultClient, "ASTRE-test", tok.AccessToken, box, "r2", "astre")
			if err != nil || again == nil || again.ID != made.ID {
				t.Fatalf("find the created item: got %+v, %v", again, err)
			}
			_, err = lti.CreateLineItem(ctx, http.DefaultClient, "ASTRE-test", tok.AccessToken, box, lti.LineItem{ResourceLinkID: "r3"})
			var se *lti.ServiceError
			if !errors.As(err, &se) || se.Status != http.StatusBadRequest {
				t.Errorf("a line item without label and scoreMaximum: got %v, want 400 like Moodle", err)
			}
		})
	}
}

func TestLineItemsPagingFollowsMoodleCurlyQuotes(t *testing.T) {
	p := ltitest.NewPlatform(ltitest.Moodle)
	defer p.Close()
	c, reg, _ := tokenClient(t, p)
	tok, err := c.Token(context.Background(), reg, []string{lti.ScopeLineItemReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	box := container(t, p)
	p.SetLineItemPageSize(1)
	p.IgnoreLineItemFilters()
	for range 3 {
		p.AddLineItem(box, lti.LineItem{Label: "Survey", ScoreMaximum: 1, ResourceLinkID: "same"})
	}
	last := p.AddLineItem(box, lti.LineItem{Label: "Survey", ScoreMaximum: 1, ResourceLinkID: "same", Tag: "astre"})
	got, err := lti.FindLineItem(context.Background(), http.DefaultClient, "ASTRE-test", tok.AccessToken, box, "same", "astre")
	if err != nil || got == nil || got.ID != last.ID {
		t.Fatalf("got %+v, %v; want the tagged item %s on the fourth page", got, err, last.ID)
	}
}
