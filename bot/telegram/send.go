package telegram

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/infopunkt/infopunkt/bot"
)

var _ bot.Sender = (*Adapter)(nil)

type inlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

type inlineMarkup struct {
	InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
}

// Send delivers r to its chat (and Thread, a forum topic id). A text over
// Telegram's limit goes out as several messages, the buttons under the
// last. With EditRef set the first part replaces that message; if it no
// longer exists or cannot be edited, a new message is sent instead.
//
// Failures are *bot.SendError: SendRateLimited (429, RetryAfter from
// Telegram), SendBlocked (403, chat not found, user deactivated),
// SendPermanent (other 4xx; Reason like "tg_400_parse_entities"), SendRetry
// (5xx, 401/404, timeouts, connection errors, meta errors). When a later
// part of a split text fails, the outbox's retry of the same reply sends
// only the parts not yet delivered (remembered in memory; see progress).
func (a *Adapter) Send(ctx context.Context, r bot.Reply) (bot.Receipt, error) {
	chat, thread, err := target(r)
	if err != nil {
		return bot.Receipt{}, err
	}
	markup, err := a.keyboard(ctx, r.Buttons)
	if err != nil {
		return bot.Receipt{}, &bot.SendError{Kind: bot.SendRetry, Reason: "tg_meta", Err: err}
	}
	o := out{chat: chat, thread: thread, markup: markup, replyTo: r.ReplyTo}
	switch {
	case r.Copy != nil:
		return a.sendCopy(ctx, r, o)
	case r.Media != nil:
		return a.sendMedia(ctx, r, o)
	}
	parts := buildDoc(r).parts(maxText)
	if len(parts) == 0 {
		return bot.Receipt{}, &bot.SendError{Kind: bot.SendPermanent, Reason: "tg_empty_text"}
	}
	var rc bot.Receipt
	first := 0
	if len(parts) > 1 {
		o.sum = partsSum(chat, thread, r.EditRef, parts)
		first, rc.Refs = a.progress.resume(chat, o.sum)
	}
	if r.EditRef != "" && first == 0 {
		done, err := a.edit(ctx, chat, r.EditRef, parts[0], lastMarkup(markup, len(parts) == 1))
		if err != nil {
			return rc, err
		}
		if done {
			first = 1
			rc.Refs = append(rc.Refs, r.EditRef)
			if o.sum != 0 {
				a.progress.save(chat, o.sum, first, rc.Refs)
			}
		}
	}
	if first > 0 {
		o.replyTo = "" // the first message (sent or edited) carries it
	}
	o.base = first
	rc, err = a.sendTexts(ctx, rc, parts[first:], o)
	if o.sum != 0 {
		a.progress.settle(chat, err)
	}
	return rc, err
}

// out is where a reply goes and what rides on it.
type out struct {
	chat, thread int64
	markup       *inlineMarkup // on the last message only
	replyTo      string        // on the first message only
	// sum identifies a split reply whose progress is kept (0: none); base
	// is how many of its parts precede the ones sent now.
	sum  uint64
	base int
}

// params returns the base parameters of one message: chat, topic and,
// for the first message, the reply; room is a hint of what follows.
func (o *out) params(last bool, room int) params {
	p := newParams(160 + room)
	p.int("chat_id", o.chat)
	p.intNonZero("message_thread_id", o.thread)
	if id, err := strconv.ParseInt(o.replyTo, 10, 64); err == nil && id > 0 {
		// A deleted original must not fail the relay: send it unquoted.
		p.key("reply_parameters")
		p.b = strconv.AppendInt(append(p.b, `{"message_id":`...), id, 10)
		p.b = append(p.b, `,"allow_sending_without_reply":true}`...)
	}
	o.replyTo = ""
	if last {
		p.markup(o.markup)
	}
	return p
}

// sendTexts sends HTML parts as messages, appending their ids to rc.
func (a *Adapter) sendTexts(ctx context.Context, rc bot.Receipt, parts []string, o out) (bot.Receipt, error) {
	for i, part := range parts {
		p := o.params(i == len(parts)-1, len(part)+len(part)/8)
		p.str("text", part)
		p.str("parse_mode", "HTML")
		id, err := a.send(ctx, "sendMessage", &p)
		if err != nil {
			return rc, a.sendError(o.chat, err)
		}
		if id != "" {
			rc.Refs = append(rc.Refs, id)
		}
		if o.sum != 0 {
			a.progress.save(o.chat, o.sum, o.base+i+1, rc.Refs)
		}
	}
	return rc, nil
}

func target(r bot.Reply) (chat, thread int64, err error) {
	chat, perr := strconv.ParseInt(r.Chat.ID(), 10, 64)
	if r.Chat.Channel() != bot.Telegram || perr != nil || chat == 0 {
		return 0, 0, &bot.SendError{Kind: bot.SendPermanent, Reason: "tg_bad_chat"}
	}
	if r.Thread != "" {
		if thread, perr = strconv.ParseInt(r.Thread, 10, 64); perr != nil {
			return 0, 0, &bot.SendError{Kind: bot.SendPermanent, Reason: "tg_bad_thread"}
		}
	}
	return chat, thread, nil
}

func lastMarkup(m *inlineMarkup, last bool) *inlineMarkup {
	if !last {
		return nil
	}
	return m
}

// edit replaces message ref. done is false when the message is gone or
// cannot be edited and a new one should be sent instead.
func (a *Adapter) edit(ctx context.Context, chat int64, ref, html string, markup *inlineMarkup) (done bool, err error) {
	id, perr := strconv.ParseInt(ref, 10, 64)
	if perr != nil || id <= 0 {
		return false, nil
	}
	p := newParams(200 + len(html) + len(html)/8)
	p.int("chat_id", chat)
	p.str("text", html)
	p.str("parse_mode", "HTML")
	p.markup(markup)
	p.int("message_id", id)
	_, err = a.send(ctx, "editMessageText", &p)
	te, isAPI := apiError(err)
	switch {
	case err == nil:
		return true, nil
	case isAPI && te.Code == 400 && containsFold(te.Message, "message is not modified"):
		return true, nil
	case isAPI && te.Code == 400 && editImpossible(te.Message):
		return false, nil
	}
	return false, a.sendError(chat, err)
}

func editImpossible(desc string) bool {
	for _, s := range []string{"message to edit not found", "message can't be edited", "message_id_invalid",
		"there is no text in the message to edit", "message identifier is not specified"} {
		if containsFold(desc, s) {
			return true
		}
	}
	return false
}

// keyboard renders button rows, storing data that cannot travel as
// callback_data in meta.
func (a *Adapter) keyboard(ctx context.Context, rows [][]bot.Button) (*inlineMarkup, error) {
	n := 0
	for _, row := range rows {
		n += len(row)
	}
	if n == 0 {
		return nil, nil
	}
	m := inlineMarkup{InlineKeyboard: make([][]inlineButton, 0, len(rows))}
	all := make([]inlineButton, 0, n) // one array for every row
	for _, row := range rows {
		first := len(all)
		for _, b := range row {
			ib := inlineButton{Text: b.Label, URL: b.URL}
			if b.URL == "" {
				data, err := a.callbackData(ctx, b.Data)
				if err != nil {
					return nil, err
				}
				ib.CallbackData = data
			}
			all = append(all, ib)
		}
		if len(all) > first {
			m.InlineKeyboard = append(m.InlineKeyboard, all[first:len(all):len(all)])
		}
	}
	return &m, nil
}

// callbackData returns data itself when Telegram accepts it as
// callback_data and it cannot be mistaken for a short key; otherwise it
// stores data in meta and returns "k:<hash>".
func (a *Adapter) callbackData(ctx context.Context, data string) (string, error) {
	if data != "" && len(data) <= bot.MaxButtonData && !strings.HasPrefix(data, "k:") && utf8.ValidString(data) {
		return data, nil
	}
	sum := sha256.Sum256([]byte(data))
	key := "k:" + base64.RawURLEncoding.EncodeToString(sum[:12])
	if err := a.meta.PutMeta(ctx, metaButton+key, []byte(data)); err != nil {
		return "", fmt.Errorf("store button data: %w", err)
	}
	return key, nil
}

// resolveData maps a "k:" key back to the stored button data; an unknown
// key becomes "" so the engine can answer politely.
func (a *Adapter) resolveData(ctx context.Context, data string) (string, error) {
	if !strings.HasPrefix(data, "k:") {
		return data, nil
	}
	b, err := a.meta.GetMeta(ctx, metaButton+data)
	switch {
	case errors.Is(err, bot.ErrNotFound):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("resolve button data: %w", err)
	}
	return string(b), nil
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
