package viber

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// DefaultBaseURL is the Viber REST Bot API endpoint.
const DefaultBaseURL = "https://chatapi.viber.com/pa"

// maxResponseSize bounds how much of a response is read.
const maxResponseSize = 1 << 20

// defaultHTTP is used when Client.HTTP is nil. Viber answers within
// seconds; a hung connection must not hold an outbox lane forever.
var defaultHTTP = &http.Client{Timeout: 30 * time.Second}

// Client calls the Viber REST Bot API. The zero value with a Token is
// ready to use. It is safe for concurrent use.
type Client struct {
	// BaseURL is the API root without a trailing slash. Default
	// DefaultBaseURL; tests point it at vibertest.
	BaseURL string
	// Token is the bot's auth token, sent as X-Viber-Auth-Token.
	Token string
	// HTTP sends the requests. Default: a client with a 30 s timeout.
	HTTP *http.Client
}

// status is the envelope of every response.
type status struct {
	Status        Status `json:"status"`
	StatusMessage string `json:"status_message"`
}

// call POSTs req as JSON to <base>/<method> and decodes the response into
// resp (if not nil). Errors: ErrTooLarge before sending; *HTTPError for a
// non-200 answer; *APIError for a status other than 0; transport errors
// wrapped.
func (c *Client) call(ctx context.Context, method string, req, resp any) error {
	body, err := marshal(req)
	if err != nil {
		return fmt.Errorf("viber %s: encode: %w", method, err)
	}
	if len(body) > MaxRequestSize {
		return fmt.Errorf("viber %s: %d bytes: %w", method, len(body), ErrTooLarge)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base()+"/"+method, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("viber %s: %w", method, err)
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("X-Viber-Auth-Token", c.Token)
	res, err := c.httpClient().Do(hr)
	if err != nil {
		return fmt.Errorf("viber %s: %w", method, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxResponseSize))
	if err != nil {
		return fmt.Errorf("viber %s: read response: %w", method, err)
	}
	if res.StatusCode != http.StatusOK {
		return &HTTPError{Method: method, StatusCode: res.StatusCode}
	}
	return decodeResponse(method, raw, resp)
}

func decodeResponse(method string, raw []byte, resp any) error {
	var st status
	if err := json.Unmarshal(raw, &st); err != nil {
		return fmt.Errorf("viber %s: decode response: %w", method, err)
	}
	if st.Status != StatusOK {
		return &APIError{Status: st.Status, Message: st.StatusMessage}
	}
	if resp == nil {
		return nil
	}
	if err := json.Unmarshal(raw, resp); err != nil {
		return fmt.Errorf("viber %s: decode response: %w", method, err)
	}
	return nil
}

// marshal encodes v without HTML escaping: Viber counts request bytes, and
// "\u003c" is six of them.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func (c *Client) base() string {
	if c.BaseURL == "" {
		return DefaultBaseURL
	}
	return strings.TrimSuffix(c.BaseURL, "/")
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP == nil {
		return defaultHTTP
	}
	return c.HTTP
}

type setWebhookRequest struct {
	URL        string   `json:"url"`
	EventTypes []string `json:"event_types,omitempty"`
	SendName   bool     `json:"send_name"`
	SendPhoto  bool     `json:"send_photo"`
}

// SetWebhook points Viber's callbacks at url. eventTypes selects optional
// callbacks (delivered, seen, failed, subscribed, unsubscribed,
// conversation_started); nil means all. Users' names and photos are not
// requested: Infopunkt does not need them.
//
// Viber first POSTs a "webhook" event to url and fails the call with
// StatusInvalidURL unless it gets 200, so url must be served already.
func (c *Client) SetWebhook(ctx context.Context, url string, eventTypes []string) error {
	return c.call(ctx, "set_webhook", setWebhookRequest{URL: url, EventTypes: eventTypes}, nil)
}

// RemoveWebhook stops callbacks (set_webhook with an empty URL). Viber
// rejects sends while no webhook is set.
func (c *Client) RemoveWebhook(ctx context.Context) error {
	return c.call(ctx, "set_webhook", setWebhookRequest{}, nil)
}

// SendMessage sends m to m.Receiver and returns Viber's message token.
// Errors: ErrInvalidMessage or ErrTooLarge before sending, otherwise as
// for every call (*APIError, *HTTPError, transport errors).
func (c *Client) SendMessage(ctx context.Context, m Message) (uint64, error) {
	if m.Receiver == "" {
		return 0, fmt.Errorf("%w: no receiver", ErrInvalidMessage)
	}
	if err := m.validate(); err != nil {
		return 0, err
	}
	var resp struct {
		MessageToken uint64 `json:"message_token"`
	}
	if err := c.call(ctx, "send_message", m, &resp); err != nil {
		return 0, err
	}
	return resp.MessageToken, nil
}

// GetAccountInfo returns the bot account's details; a cheap check that the
// token works.
func (c *Client) GetAccountInfo(ctx context.Context) (AccountInfo, error) {
	var info AccountInfo
	err := c.call(ctx, "get_account_info", struct{}{}, &info)
	return info, err
}

// GetUserDetails returns a subscriber's details. Viber allows it about
// twice per user per 12 hours.
func (c *Client) GetUserDetails(ctx context.Context, id string) (UserDetails, error) {
	var resp struct {
		User UserDetails `json:"user"`
	}
	err := c.call(ctx, "get_user_details", struct {
		ID string `json:"id"`
	}{id}, &resp)
	return resp.User, err
}

// RetryPolicy bounds SetWebhookWithRetry. Zero fields take the defaults.
type RetryPolicy struct {
	// Attempts is the most calls made. Default 8.
	Attempts int
	// Initial is the wait after the first failure; it doubles. Default 1 s.
	Initial time.Duration
	// Max caps one wait. Default 30 s.
	Max time.Duration
	// Wait waits d or until ctx ends. Default: a timer. Tests inject one
	// that returns at once.
	Wait func(ctx context.Context, d time.Duration) error
}

// SetWebhookWithRetry calls SetWebhook until it succeeds, backing off
// between attempts. It retries what may heal by itself: the verification
// callback failing (StatusInvalidURL, e.g. the listener or tunnel is not up
// yet), StatusTooManyRequests, HTTP and transport errors. Any other status
// (a wrong token, a blocked account) is returned at once.
func (c *Client) SetWebhookWithRetry(ctx context.Context, url string, eventTypes []string, p RetryPolicy) error {
	p = p.withDefaults()
	wait := p.Initial
	var err error
	for attempt := 1; ; attempt++ {
		err = c.SetWebhook(ctx, url, eventTypes)
		if err == nil || !retryableWebhookError(err) || attempt >= p.Attempts {
			break
		}
		if werr := p.Wait(ctx, wait); werr != nil {
			return fmt.Errorf("set webhook: %w (last error: %w)", werr, err)
		}
		wait = min(2*wait, p.Max)
	}
	if err != nil {
		return fmt.Errorf("set webhook: %w", err)
	}
	return nil
}

func retryableWebhookError(err error) bool {
	var api *APIError
	if errors.As(err, &api) {
		return api.Status == StatusInvalidURL || api.Status == StatusTooManyRequests
	}
	return !errors.Is(err, ErrTooLarge) && !errors.Is(err, context.Canceled)
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Attempts <= 0 {
		p.Attempts = 8
	}
	if p.Initial <= 0 {
		p.Initial = time.Second
	}
	if p.Max <= 0 {
		p.Max = 30 * time.Second
	}
	if p.Wait == nil {
		p.Wait = waitTimer
	}
	return p
}

func waitTimer(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
