package bot

import (
	"context"
	"errors"
	"strings"
	"time"
)

// ErrUnprocessable marks a failure caused by the update itself or by the
// stored data it touches (a value that cannot be encoded, a damaged session
// record): retrying the same update fails the same way. Stores wrap such
// failures in an *UnprocessableError; I/O failures are never marked.
var ErrUnprocessable = errors.New("update cannot be processed")

// UnprocessableError carries the cause of an ErrUnprocessable failure. Its
// Reason is the cause without the chat key, suitable for a dead letter.
type UnprocessableError struct {
	Err error
}

func (e *UnprocessableError) Error() string { return "unprocessable: " + e.Err.Error() }

// Unwrap returns the cause.
func (e *UnprocessableError) Unwrap() error { return e.Err }

// Is makes errors.Is(e, ErrUnprocessable) hold.
func (e *UnprocessableError) Is(target error) bool { return target == ErrUnprocessable }

// DeadLetter describes an update that was set aside after failing
// MaxAttempts times. It holds no message text and no chat identity.
type DeadLetter struct {
	Key      string     `json:"key"` // the update's DedupKey ("" when it had none)
	Channel  Channel    `json:"channel"`
	Kind     UpdateKind `json:"kind"`
	At       time.Time  `json:"at"`       // when it was set aside
	Attempts int        `json:"attempts"` // failed attempts before that
	Reason   string     `json:"reason"`   // the cause, at most MaxDeadLetterReason bytes
}

// MaxDeadLetterReason bounds DeadLetter.Reason.
const MaxDeadLetterReason = 200

// DeadLetterer is implemented by stores that can set updates aside. The
// Processor uses it, when the Store implements it, so a poison update stops
// blocking its chat, its polling batch or its webhook redeliveries.
type DeadLetterer interface {
	// DeadLetter records l and, in the same commit, marks l.Key as applied,
	// so a redelivery of the update is a duplicate. Errors: I/O, wrapped.
	DeadLetter(ctx context.Context, l DeadLetter) error
}

// attemptKey identifies an update across redeliveries.
func attemptKey(u Update) string {
	if u.DedupKey != "" {
		return u.DedupKey
	}
	return "chat:" + string(u.Chat)
}

// setAside counts an unprocessable failure of u and, once it has failed
// MaxAttempts times, records it as a dead letter. It reports whether u was
// set aside (and is then to be treated as handled).
func (p *Processor) setAside(ctx context.Context, u Update, err error) bool {
	dl, ok := p.Store.(DeadLetterer)
	var ue *UnprocessableError
	if !ok || !errors.As(err, &ue) {
		return false
	}
	key := attemptKey(u)
	p.failMu.Lock()
	if p.failures == nil || len(p.failures) >= maxTracked {
		p.failures = map[string]int{}
	}
	p.failures[key]++
	n := p.failures[key]
	p.failMu.Unlock()
	if n < p.maxAttempts() {
		return false
	}
	// Store errors may name the record's key, which is the chat key.
	reason := strings.ReplaceAll(ue.Err.Error(), string(u.Chat), "<chat>")
	if len(reason) > MaxDeadLetterReason {
		reason = strings.ToValidUTF8(reason[:MaxDeadLetterReason], "")
	}
	l := DeadLetter{Key: u.DedupKey, Channel: u.Chat.Channel(), Kind: u.Kind, At: p.now(), Attempts: n, Reason: reason}
	if dl.DeadLetter(ctx, l) != nil {
		return false // tried again on the next delivery
	}
	p.forget(u)
	return true
}

// forget drops the failure count of u once it is committed or set aside.
func (p *Processor) forget(u Update) {
	p.failMu.Lock()
	defer p.failMu.Unlock()
	if len(p.failures) > 0 {
		delete(p.failures, attemptKey(u))
	}
}

func (p *Processor) maxAttempts() int {
	if p.MaxAttempts > 0 {
		return p.MaxAttempts
	}
	return DefaultMaxAttempts
}
