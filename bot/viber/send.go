package viber

import (
	"context"
	"errors"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// accountPause is how long the whole channel pauses when the token or the
// bot account is unusable; an operator has to act, and nothing is lost.
const accountPause = 15 * time.Minute

// Send delivers r to a Viber user (bot.Sender). A reply longer than one
// message goes out in parts with the keyboard on the last; if a part fails,
// the outbox's retry of the same reply resumes after the parts delivered.
// Reply.Media goes by its URL as a picture (with the text as description
// when it fits 768 characters), video, file (voice notes and stickers
// too) or location, the rest of the text after it; Viber fetches the URL,
// so a Telegram file needs a link (telegram.Adapter.MediaLink) first.
//
// Failures are *bot.SendError:
//   - SendRateLimited (per chat): Viber's tooManyRequests, backing off from
//     1 min doubling to 1 h, or the adapter's own count reaching
//     UserHourlyCap, with RetryAfter until the window frees;
//   - SendRateLimited with Global: a wrong token or a blocked, suspended or
//     unknown bot account, or no webhook set; the channel pauses 15 min and
//     the error is logged, so nothing is lost while an operator fixes it;
//   - SendBlocked: the user is not subscribed, not on Viber, or has no
//     device that can receive bot messages;
//   - SendPermanent: Viber rejected the data, the reply cannot fit Viber's
//     limits, or a reminder exceeds MonthlyReminderCap ("viber_reminder_cap");
//     a Copy without Media ("viber_copy_unsupported": Viber cannot copy, so
//     the desk must send Media with a URL plus Text), Media without a URL
//     ("viber_media_no_url");
//   - SendRetry: HTTP errors, timeouts, resets, unknown statuses.
func (a *Adapter) Send(ctx context.Context, r bot.Reply) (bot.Receipt, error) {
	if r.Chat.Channel() != bot.Viber || r.Chat.ID() == "" {
		return bot.Receipt{}, &bot.SendError{Kind: bot.SendPermanent, Reason: "viber_wrong_chat", Err: errors.New("not a Viber chat")}
	}
	msgs, err := a.renderReply(r)
	if err != nil {
		return bot.Receipt{}, renderError(err)
	}
	if len(msgs) > a.cfg.UserHourlyCap {
		return bot.Receipt{}, &bot.SendError{Kind: bot.SendPermanent, Reason: "viber_too_long", Err: errUnrenderable}
	}
	sum := replySum(r.Chat, msgs)
	start := a.resumeAt(r.Chat, sum)
	todo := msgs[start:]
	if wait := a.hourlyWait(r.Chat, len(todo)); wait > 0 {
		return bot.Receipt{}, &bot.SendError{Kind: bot.SendRateLimited, RetryAfter: wait, Reason: "viber_user_hourly_cap"}
	}
	var reminderKey string
	if r.Kind == bot.ReplyReminder {
		if reminderKey, err = a.reserveReminders(ctx, r.Chat, len(todo)); err != nil {
			return bot.Receipt{}, err
		}
	}
	var rc bot.Receipt
	for i, m := range todo {
		m.Receiver = r.Chat.ID()
		token, err := a.sendOne(ctx, m)
		if err != nil {
			a.setResume(r.Chat, resumeMark{sum: sum, done: start + i})
			a.refundReminders(ctx, reminderKey, len(todo)-i)
			return rc, a.sendError(r.Chat, err)
		}
		if token != 0 {
			rc.Refs = append(rc.Refs, strconv.FormatUint(token, 10))
		}
		a.sent(r.Chat)
	}
	a.setResume(r.Chat, resumeMark{})
	return rc, nil
}

// renderReply renders a text reply or one with Media. A Copy without
// Media cannot be sent: Viber has no copyMessage.
func (a *Adapter) renderReply(r bot.Reply) ([]Message, error) {
	switch {
	case r.Media != nil:
		return a.renderMedia(r)
	case r.Copy != nil:
		return nil, errCopy
	}
	return a.render(r)
}

func renderError(err error) *bot.SendError {
	reason := "viber_too_large"
	switch {
	case errors.Is(err, errCopy):
		reason = "viber_copy_unsupported"
	case errors.Is(err, errNoMediaURL):
		reason = "viber_media_no_url"
	}
	return &bot.SendError{Kind: bot.SendPermanent, Reason: reason, Err: err}
}

// sendOne sends m; if the user's devices are too old for the keyboard
// (apiVersionNotSupported), it sends the text alone: typed commands still
// work.
func (a *Adapter) sendOne(ctx context.Context, m Message) (token uint64, err error) {
	token, err = a.client.SendMessage(ctx, m)
	if IsStatus(err, StatusAPIVersionNotSupported) && m.Keyboard != nil {
		m.Keyboard, m.MinAPIVersion = nil, 0
		token, err = a.client.SendMessage(ctx, m)
	}
	return token, err
}

// sendError classifies a failed send for the outbox.
func (a *Adapter) sendError(chat bot.ChatKey, err error) *bot.SendError {
	var api *APIError
	if errors.As(err, &api) {
		return a.apiSendError(chat, api)
	}
	if errors.Is(err, ErrInvalidMessage) || errors.Is(err, ErrTooLarge) {
		return &bot.SendError{Kind: bot.SendPermanent, Reason: "viber_invalid_message", Err: err}
	}
	// HTTP errors, timeouts, resets, cancelled contexts.
	return &bot.SendError{Kind: bot.SendRetry, Reason: "viber_transport", Err: err}
}

func (a *Adapter) apiSendError(chat bot.ChatKey, api *APIError) *bot.SendError {
	reason := "viber_" + api.Status.String()
	switch api.Status {
	case StatusTooManyRequests:
		return &bot.SendError{Kind: bot.SendRateLimited, RetryAfter: a.throttle(chat), Reason: reason, Err: api}
	case StatusReceiverNotRegistered, StatusReceiverNotSubscribed, StatusReceiverNoSuitableDevice:
		return &bot.SendError{Kind: bot.SendBlocked, Reason: reason, Err: api}
	case StatusInvalidAuthToken, StatusPublicAccountBlocked, StatusPublicAccountNotFound,
		StatusPublicAccountSuspended, StatusWebhookNotSet:
		a.log.Error("viber: token or bot account unusable, pausing all Viber sends",
			"status", api.Status.String(), "pause", accountPause.String())
		return &bot.SendError{Kind: bot.SendRateLimited, Global: true, RetryAfter: accountPause, Reason: reason, Err: api}
	case StatusInvalidURL, StatusBadData, StatusMissingData, StatusAPIVersionNotSupported:
		return &bot.SendError{Kind: bot.SendPermanent, Reason: reason, Err: api}
	}
	return &bot.SendError{Kind: bot.SendRetry, Reason: reason, Err: api}
}

// replySum identifies a rendered reply for resuming a partial send.
func replySum(chat bot.ChatKey, msgs []Message) uint64 {
	h := fnv.New64a()
	h.Write([]byte(chat))
	for _, m := range msgs {
		h.Write([]byte{0})
		h.Write([]byte(m.Text))
		h.Write([]byte(m.Media))
	}
	return h.Sum64()
}
