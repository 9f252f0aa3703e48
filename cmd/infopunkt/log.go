package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"

	"github.com/infopunkt/infopunkt/bot"
)

// parseLevel maps a validated INFOPUNKT_LOG_LEVEL to a slog level.
func parseLevel(level string) slog.Level {
	switch strings.ToLower(level) {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// newLogger returns a logger at level in format (text or json) whose
// output never holds a secret or a raw chat id: see redactor. Callers log
// ids, counts and error codes only, never message text or names.
func newLogger(w io.Writer, level, format string, red *redactor) *slog.Logger {
	opts := &slog.HandlerOptions{Level: parseLevel(level)}
	var h slog.Handler
	if strings.EqualFold(format, "json") {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	if red == nil {
		red = &redactor{}
	}
	return slog.New(redactHandler{next: h, red: red})
}

// chatKeyPattern finds chat keys ("telegram:123", "viber:AbC+/=") in log
// text, such as wrapped store errors.
var chatKeyPattern = regexp.MustCompile(`\b(telegram|viber|local):(-?[A-Za-z0-9+/=_-]+)`)

// redactor rewrites log text: secrets become "<redacted>" and chat keys a
// keyed hash ("telegram:#1a2b3c4d5e6f"), so one chat's lines can be
// followed without the id itself. The hash key lives in the data file
// (store.DB.LogKey); until it is loaded, ids are hidden entirely.
type redactor struct {
	mu      sync.RWMutex
	secrets []string
	key     []byte
}

func newRedactor(cfg Config) *redactor {
	r := &redactor{}
	for _, s := range []string{cfg.TelegramToken, cfg.ViberToken, cfg.AdminToken, cfg.TelegramWebhookSecret} {
		if s != "" {
			r.secrets = append(r.secrets, s)
		}
	}
	return r
}

// setKey installs the hash key.
func (r *redactor) setKey(key []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.key = key
}

// hash returns the keyed hash of a chat key, "#" and 12 hex digits.
func (r *redactor) hash(chat string) string {
	r.mu.RLock()
	key := r.key
	r.mu.RUnlock()
	if key == nil {
		return "#hidden"
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(chat))
	return "#" + hex.EncodeToString(m.Sum(nil))[:12]
}

// clean applies the rewriting to s.
func (r *redactor) clean(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, "<redacted>")
	}
	if !strings.Contains(s, ":") {
		return s
	}
	return chatKeyPattern.ReplaceAllStringFunc(s, func(m string) string {
		ch, _, _ := strings.Cut(m, ":")
		return ch + ":" + r.hash(m)
	})
}

// redactHandler applies a redactor to the message and every attribute.
type redactHandler struct {
	next slog.Handler
	red  *redactor
}

func (h redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.red.clean(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = h.attr(a)
	}
	return redactHandler{next: h.next.WithAttrs(clean), red: h.red}
}

func (h redactHandler) WithGroup(name string) slog.Handler {
	return redactHandler{next: h.next.WithGroup(name), red: h.red}
}

// attr rewrites one attribute. Anything that is not a number, bool, time
// or duration is formatted and cleaned as text.
func (h redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindInt64, slog.KindUint64, slog.KindFloat64, slog.KindBool, slog.KindDuration, slog.KindTime:
		return slog.Attr{Key: a.Key, Value: v}
	case slog.KindGroup:
		group := v.Group()
		clean := make([]any, len(group))
		for i, g := range group {
			clean[i] = h.attr(g)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindString:
		return slog.String(a.Key, h.red.clean(v.String()))
	}
	if c, ok := v.Any().(bot.ChatKey); ok {
		return slog.String(a.Key, h.red.clean(string(c)))
	}
	if err, ok := v.Any().(error); ok {
		return slog.String(a.Key, h.red.clean(err.Error()))
	}
	return slog.String(a.Key, h.red.clean(fmt.Sprint(v.Any())))
}

// wrap returns err with secrets and chat ids rewritten in its text, still
// matching errors.Is and errors.As on the original.
func (r *redactor) wrap(err error) error {
	if err == nil {
		return nil
	}
	var exit exitError
	if errors.As(err, &exit) {
		return err
	}
	msg := r.clean(err.Error())
	if msg == err.Error() {
		return err
	}
	return redactedError{msg: msg, err: err}
}

// redactedError shows a cleaned message and unwraps to the original.
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }
