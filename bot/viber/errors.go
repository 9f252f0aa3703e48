package viber

import (
	"errors"
	"fmt"
	"strconv"
)

// Status is the "status" field of every Viber REST API response. Viber
// answers HTTP 200 even when a call fails; Status says what happened.
type Status int

// The statuses documented by the Viber REST Bot API.
const (
	StatusOK                       Status = 0  // success
	StatusInvalidURL               Status = 1  // the URL is invalid, or the webhook did not answer 200
	StatusInvalidAuthToken         Status = 2  // the auth token is wrong
	StatusBadData                  Status = 3  // a parameter is malformed
	StatusMissingData              Status = 4  // a required parameter is missing
	StatusReceiverNotRegistered    Status = 5  // the receiver is not a Viber user
	StatusReceiverNotSubscribed    Status = 6  // the receiver has not subscribed (or unsubscribed)
	StatusPublicAccountBlocked     Status = 7  // the bot account is blocked
	StatusPublicAccountNotFound    Status = 8  // the token does not belong to a bot account
	StatusPublicAccountSuspended   Status = 9  // the bot account is suspended
	StatusWebhookNotSet            Status = 10 // no webhook is set, so the bot may not send
	StatusReceiverNoSuitableDevice Status = 11 // the receiver's devices cannot receive bot messages
	StatusTooManyRequests          Status = 12 // rate limit breached (e.g. 100 messages per user per hour)
	StatusAPIVersionNotSupported   Status = 13 // the receiver's devices are older than min_api_version
)

var statusNames = [...]string{
	"ok", "invalidUrl", "invalidAuthToken", "badData", "missingData",
	"receiverNotRegistered", "receiverNotSubscribed", "publicAccountBlocked",
	"publicAccountNotFound", "publicAccountSuspended", "webhookNotSet",
	"receiverNoSuitableDevice", "tooManyRequests", "apiVersionNotSupported",
}

// String returns Viber's name for s ("tooManyRequests"), or "status N".
func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "status " + strconv.Itoa(int(s))
}

// APIError is a response whose status is not StatusOK. Compare with
// IsStatus, or errors.Is(err, &APIError{Status: StatusTooManyRequests}):
// two APIErrors match when their statuses are equal.
type APIError struct {
	Status  Status
	Message string // Viber's status_message; it never contains message text
}

func (e *APIError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("viber: %s (%d)", e.Status, int(e.Status))
	}
	return fmt.Sprintf("viber: %s (%d): %s", e.Status, int(e.Status), e.Message)
}

// Is reports whether target is an *APIError with the same Status.
func (e *APIError) Is(target error) bool {
	t, ok := target.(*APIError)
	return ok && t.Status == e.Status
}

// IsStatus reports whether err is, or wraps, an *APIError with status s.
func IsStatus(err error, s Status) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status == s
}

// HTTPError is a response with an HTTP status other than 200: a proxy,
// an outage or a wrong base URL. Viber itself reports failures with 200.
type HTTPError struct {
	Method     string
	StatusCode int
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("viber %s: http status %d", e.Method, e.StatusCode)
}

// Errors detected before a request is sent.
var (
	// ErrTooLarge means the request JSON exceeds MaxRequestSize; nothing
	// was sent.
	ErrTooLarge = errors.New("viber: request exceeds 30 KB")
	// ErrInvalidMessage means a Message lacks a field its type requires;
	// nothing was sent.
	ErrInvalidMessage = errors.New("viber: invalid message")
)
