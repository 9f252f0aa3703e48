package telegram

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"

	"github.com/infopunkt/infopunkt/bot"
)

const (
	secretHeader = "X-Telegram-Bot-Api-Secret-Token"
	maxBody      = 1 << 20 // Telegram's updates are far smaller
)

var secretRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// loadSecret returns the configured webhook secret, or the one kept in
// meta, generating and storing it on first use.
func (a *Adapter) loadSecret(ctx context.Context) (string, error) {
	if s := a.cfg.WebhookSecret; s != "" {
		if !secretRE.MatchString(s) {
			return "", errors.New("telegram: webhook secret must be 1-256 characters of A-Z a-z 0-9 _ -")
		}
		return s, nil
	}
	b, err := a.meta.GetMeta(ctx, metaSecret)
	if err == nil && secretRE.Match(b) {
		return string(b), nil
	}
	if err != nil && !errors.Is(err, bot.ErrNotFound) {
		return "", fmt.Errorf("load webhook secret: %w", err)
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw) // never fails (crypto/rand docs)
	s := base64.RawURLEncoding.EncodeToString(raw)
	if err := a.meta.PutMeta(ctx, metaSecret, []byte(s)); err != nil {
		return "", fmt.Errorf("store webhook secret: %w", err)
	}
	return s, nil
}

// SetWebhook registers Config.WebhookURL with Telegram, with the secret
// token and the update types the bot handles. Errors: API and transport
// errors, wrapped.
func (a *Adapter) SetWebhook(ctx context.Context) error {
	if a.cfg.WebhookURL == "" || a.secret == "" {
		return errors.New("telegram: set webhook: no WebhookURL configured")
	}
	var p params
	p.str("url", a.cfg.WebhookURL)
	p.str("secret_token", a.secret)
	p.raw("allowed_updates", allowedUpdatesJSON)
	if _, err := a.call(ctx, "setWebhook", &p); err != nil {
		return fmt.Errorf("telegram set webhook: %w", err)
	}
	return nil
}

// WebhookHandler returns the handler for Telegram's webhook calls; mount it
// at Config.WebhookURL's path. It answers:
//
//   - 405 to anything but POST;
//   - 401 when the secret header is missing or wrong (nothing is processed);
//   - 413 for bodies over 1 MiB;
//   - 200 for a body that is not an update: Telegram would re-send it
//     forever and slow every later update, and a resend cannot fix it;
//   - 200 once Handle returned nil (or the update is ignored), 500 when
//     Handle failed, so that Telegram delivers the update again. For a
//     callback query the 200 carries answerCallbackQuery as its body.
//
// Without a WebhookURL in Config every call is answered 401.
func (a *Adapter) WebhookHandler() http.Handler { return http.HandlerFunc(a.serveWebhook) }

func (a *Adapter) serveWebhook(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	got := r.Header.Get(secretHeader)
	if a.secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(a.secret)) != 1 {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if r.ContentLength > maxBody {
		http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		return
	}
	bp := getBuf()
	body, err := readAll(http.MaxBytesReader(w, r.Body, maxBody), *bp, r.ContentLength, maxBody)
	defer putBuf(bp, body) // decodeUpdate copies what it keeps
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	u, err := decodeUpdate(body)
	if err != nil {
		a.log.Warn("telegram webhook body is not an update, dropped", "bytes", len(body))
		w.WriteHeader(http.StatusOK)
		return
	}
	in, ok := a.mapper().mapUpdate(u)
	if ok {
		if err := a.handle(r.Context(), in); err != nil {
			a.log.Warn("telegram webhook update not handled", "update_id", in.id, "err", err)
			http.Error(w, "not handled", http.StatusInternalServerError)
			return
		}
	}
	if in.callbackID != "" {
		answerInReply(w, in.callbackID)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// answerInReply acknowledges the update with answerCallbackQuery as the
// response body: Telegram performs a method sent in the webhook response
// (the Bot API's "reply to the webhook"), which saves a request of our own
// per button press and keeps the client's spinner short. It is best
// effort, as the separate call was: its result is not reported.
func answerInReply(w http.ResponseWriter, id string) {
	body := make([]byte, 0, 64+len(id))
	body = append(body, `{"method":"answerCallbackQuery","callback_query_id":`...)
	body = append(appendJSONString(body, id), '}')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}
