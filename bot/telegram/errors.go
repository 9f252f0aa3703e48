package telegram

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// sendError translates a failed call to chat into a *bot.SendError.
func (a *Adapter) sendError(chat int64, err error) error {
	te, ok := apiError(err)
	if !ok {
		reason := "tg_network"
		var ne net.Error
		switch {
		case errors.Is(err, errBadAnswer):
			reason = "tg_bad_answer"
		case errors.Is(err, context.Canceled):
			reason = "tg_canceled"
		case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
			reason = "tg_timeout"
		}
		return &bot.SendError{Kind: bot.SendRetry, Reason: reason, Err: err}
	}
	se := &bot.SendError{Err: err, Reason: "tg_" + strconv.Itoa(te.Code)}
	switch {
	case te.Code == 429:
		se.Kind, se.Reason = bot.SendRateLimited, "tg_429"
		se.RetryAfter = time.Duration(max(te.RetryAfter, 1)) * time.Second
		// A group has its own limit (about 20 a minute, topics included):
		// its 429 pauses that lane only, and says nothing about a flood.
		se.Global = chat > 0 && a.flood.global(chat, a.cfg.Now())
	case te.MigrateToChatID != 0:
		// The group became a supergroup with a new id: nothing reaches the
		// old one again. Not personal data: a group id.
		a.log.Error("telegram group was upgraded to a supergroup: configure the new chat id",
			"old_chat_id", chat, "new_chat_id", te.MigrateToChatID)
		se.Kind, se.Reason = bot.SendPermanent, "tg_400_migrated"
	case te.Code == 403 || (te.Code == 400 && unreachable(te.Message)):
		se.Kind, se.Reason = bot.SendBlocked, se.Reason+"_"+slug(te.Message)
	case te.Code == 401 || te.Code == 404:
		// The token was revoked or the URL is wrong: every send fails the
		// same way until an operator fixes it, so keep the messages.
		se.Kind = bot.SendRetry
	case te.Code >= 400 && te.Code < 500:
		se.Kind, se.Reason = bot.SendPermanent, se.Reason+"_"+slug(te.Message)
	default:
		se.Kind = bot.SendRetry
	}
	return se
}

func unreachable(desc string) bool {
	return containsFold(desc, "chat not found") || containsFold(desc, "user is deactivated") ||
		containsFold(desc, "PEER_ID_INVALID")
}

// slug turns an API description into a short reason code without any
// message content: "Bad Request: can't parse entities: …" → "parse_entities".
func slug(desc string) string {
	low := strings.ToLower(desc)
	for _, known := range []struct{ sub, code string }{
		{"can't parse entities", "parse_entities"},
		{"button_data_invalid", "button_data_invalid"},
		{"button_url_invalid", "button_url_invalid"},
		{"message is too long", "too_long"},
		{"message text is empty", "empty_text"},
		{"blocked by the user", "blocked"},
		{"user is deactivated", "deactivated"},
		{"chat not found", "chat_not_found"},
		{"kicked", "kicked"},
		{"thread not found", "thread_not_found"},
		{"topic_closed", "topic_closed"},
		{"upgraded to a supergroup", "migrated"},
	} {
		if strings.Contains(low, known.sub) {
			return known.code
		}
	}
	_, detail, ok := strings.Cut(low, ": ")
	if !ok {
		detail = low
	}
	detail, _, _ = strings.Cut(detail, ":")
	var b strings.Builder
	for _, r := range detail {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
		if b.Len() >= 32 {
			break
		}
	}
	out := strings.Trim(b.String(), "_")
	if out == "" {
		return "other"
	}
	return out
}

// floodTracker guesses whether a 429 is a bot-wide flood: Telegram does not
// say, but two different chats limited within one second almost certainly
// means the global limit, not two chats' own.
type floodTracker struct {
	mu       sync.Mutex
	lastChat int64
	lastAt   time.Time
}

func (f *floodTracker) global(chat int64, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := !f.lastAt.IsZero() && f.lastChat != chat && now.Sub(f.lastAt) < time.Second
	f.lastChat, f.lastAt = chat, now
	return g
}
