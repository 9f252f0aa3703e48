package viber

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// MaxCallbackSize is the largest callback body read; larger ones get 413.
// Real callbacks stay under ~30 KB (7,000 characters plus the envelope),
// so a forged giant body is refused cheaply.
const MaxCallbackSize = 64 << 10

// SignatureHeader carries hex(HMAC-SHA256(key = auth token, raw body)).
const SignatureHeader = "X-Viber-Content-Signature"

// Sign returns the signature Viber puts on body for token.
func Sign(token string, body []byte) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// WebhookHandler serves Viber's callbacks. Answers:
//
//   - 405 for a method other than POST; 413 for a body over MaxCallbackSize;
//   - 403 when the signature is missing or wrong (checked on the raw bytes
//     before anything is parsed) or the timestamp is older than
//     MaxCallbackAge: nothing is handled;
//   - 400 for a correctly signed body that is not a callback we can read
//     (bad JSON, a message without a sender, a timestamp more than
//     MaxCallbackAge in the future): retrying cannot fix it, but a non-2xx
//     keeps the failure visible on Viber's side;
//   - 500 when the Handler fails, so Viber delivers the callback again;
//   - 200 otherwise, for a message only after the Handler committed it,
//     and for conversation_started with the welcome message as the body.
func (a *Adapter) WebhookHandler() http.Handler { return http.HandlerFunc(a.serveWebhook) }

func (a *Adapter) serveWebhook(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	sig, ok := decodeSignature(r.Header.Get(SignatureHeader))
	if !ok { // no body read for a request that cannot be genuine
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxCallbackSize+1))
	if err != nil {
		http.Error(w, "read error", http.StatusBadRequest)
		return
	}
	if len(body) > MaxCallbackSize {
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		return
	}
	if !a.validSignature(sig, body) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	cb, err := parseCallback(body)
	if err != nil {
		a.log.Warn("viber: unreadable signed callback", "bytes", len(body), "err", err)
		http.Error(w, "bad callback", http.StatusBadRequest)
		return
	}
	age := a.cfg.Now().Sub(cb.time())
	if age > a.cfg.MaxCallbackAge {
		a.log.Warn("viber: stale callback rejected", "event", cb.Event, "age", age.Round(time.Second).String())
		http.Error(w, "stale", http.StatusForbidden)
		return
	}
	if age < -a.cfg.MaxCallbackAge {
		// Viber's clock is not hours ahead of ours: a signed body from the
		// future is a replay waiting to happen or garbage (a timestamp past
		// year 9999 failed every commit). Retrying cannot fix it.
		a.log.Warn("viber: callback from the future rejected", "event", cb.Event)
		http.Error(w, "timestamp in the future", http.StatusBadRequest)
		return
	}
	a.dispatch(w, r, cb)
}

// decodeSignature decodes the signature header; false if it cannot be a
// SHA-256 HMAC.
func decodeSignature(header string) ([]byte, bool) {
	if len(header) != 2*sha256.Size {
		return nil, false
	}
	sig, err := hex.DecodeString(header)
	return sig, err == nil
}

// validSignature compares in constant time; it never parses the body.
func (a *Adapter) validSignature(sig, body []byte) bool {
	m := hmac.New(sha256.New, []byte(a.cfg.Token))
	m.Write(body)
	return hmac.Equal(sig, m.Sum(nil))
}

func (a *Adapter) dispatch(w http.ResponseWriter, r *http.Request, cb *callback) {
	switch cb.Event {
	case "conversation_started":
		a.serveWelcome(w, r, cb)
	case "subscribed":
		a.handle(w, r, cb, bot.Update{Kind: bot.UpdateUnblocked})
	case "unsubscribed":
		a.handle(w, r, cb, bot.Update{Kind: bot.UpdateBlocked})
	case "message":
		a.handle(w, r, cb, messageUpdate(cb))
	case "failed":
		a.log.Warn("viber: delivery failed", "message_token", uint64(cb.MessageToken), "desc", cb.Desc)
		w.WriteHeader(http.StatusOK)
	default: // webhook, delivered, seen, and events added later
		w.WriteHeader(http.StatusOK)
	}
}

// messageUpdate maps a user's message. A picture, video, file, location or
// sticker becomes Update.Media (see mediaUpdate); the engine answers one
// without words with a polite hint, the desk relays it.
func messageUpdate(cb *callback) bot.Update {
	if cb.Message != nil && cb.Message.Type != "text" {
		return mediaUpdate(cb.Message)
	}
	if cb.Message == nil {
		return bot.Update{Kind: bot.UpdateText}
	}
	if data, ok := buttonData(cb.Message.Text); ok {
		return bot.Update{Kind: bot.UpdateButton, Data: data}
	}
	return bot.Update{Kind: bot.UpdateText, Text: cb.Message.Text}
}

// handle completes u from cb, passes it to the Handler, and answers 200
// only once it is committed.
func (a *Adapter) handle(w http.ResponseWriter, r *http.Request, cb *callback, u bot.Update) {
	id := cb.userID()
	if id == "" {
		a.log.Warn("viber: callback without a user", "event", cb.Event)
		http.Error(w, "no user", http.StatusBadRequest)
		return
	}
	a.fillUpdate(&u, cb, id)
	if cb.Event == "message" || cb.Event == "subscribed" {
		a.userReplied(u.Chat) // the user spoke: Viber's hourly cap starts over
	}
	if err := a.h.Handle(r.Context(), u); err != nil {
		a.log.Error("viber: handle update failed", "event", cb.Event, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (a *Adapter) fillUpdate(u *bot.Update, cb *callback, id string) {
	u.Chat = bot.NewChatKey(bot.Viber, id)
	u.LangHint = cb.language()
	u.DedupKey = cb.dedupKey()
	u.Time = cb.time()
}

// serveWelcome answers conversation_started with the welcome message in the
// response body: the only message Viber lets a bot send to a user who has
// not subscribed. Nothing is stored or queued.
func (a *Adapter) serveWelcome(w http.ResponseWriter, r *http.Request, cb *callback) {
	id := cb.userID()
	if id == "" {
		http.Error(w, "no user", http.StatusBadRequest)
		return
	}
	u := bot.Update{Kind: bot.UpdateStarted, Text: cb.Context}
	a.fillUpdate(&u, cb, id)
	reply, err := a.h.Welcome(r.Context(), u)
	if err != nil {
		a.log.Error("viber: welcome failed", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	body, err := a.welcomeBody(reply)
	if err != nil {
		// Retrying would fail the same way; the user can still write.
		a.log.Error("viber: welcome not sent", "err", err)
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body) //nolint:errcheck // Viber retries if the body is lost
}

// welcomeBody renders the welcome reply as one message without a receiver.
// A welcome longer than one message keeps its first part only.
func (a *Adapter) welcomeBody(r bot.Reply) ([]byte, error) {
	msgs, err := a.render(r)
	if err != nil {
		return nil, err
	}
	m := msgs[0]
	if len(msgs) > 1 {
		m.Keyboard, m.MinAPIVersion = msgs[len(msgs)-1].Keyboard, msgs[len(msgs)-1].MinAPIVersion
	}
	body, err := marshal(m)
	if err == nil && len(body) > MaxRequestSize {
		err = errors.New("welcome exceeds 30 KB")
	}
	return body, err
}
