package tracker

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// XAPIConfig is where the statements go: the LRS's statements resource
// (…/xAPI/statements) and its basic-auth credentials.
type XAPIConfig struct {
	URL      string
	Username string
	Password string
}

// XAPISender delivers "xapi" outbox items: one POST per statement.
type XAPISender struct {
	Config XAPIConfig
	Client *http.Client
}

// Send posts the statement. The LRS's refusals of the statement itself
// (4xx but 408 and 429) are permanent; the rest is retried.
func (x *XAPISender) Send(ctx context.Context, it *OutboxItem) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, x.Config.URL, bytes.NewReader(it.Payload))
	if err != nil {
		return Permanent(fmt.Errorf("xapi request: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Experience-API-Version", "1.0.3")
	if x.Config.Username != "" || x.Config.Password != "" {
		req.SetBasicAuth(x.Config.Username, x.Config.Password)
	}
	resp, err := x.Client.Do(req)
	if err != nil {
		return fmt.Errorf("xapi post: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusNoContent:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		err := fmt.Errorf("xapi post: LRS answered %d", resp.StatusCode)
		if s, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && s > 0 {
			return RetryAfter(err, time.Duration(s)*time.Second)
		}
		return err
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500:
		return fmt.Errorf("xapi post: LRS answered %d", resp.StatusCode)
	default:
		return Permanent(fmt.Errorf("xapi post: LRS refused the statement: %d %q", resp.StatusCode, bytes.TrimSpace(body)))
	}
}
