package telegram

import (
	"strconv"
	"strings"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// The subset of the Bot API update this adapter reads. tgbotapi's types are
// not used because they drop message_thread_id.
type (
	rawUpdate struct {
		UpdateID      int64        `json:"update_id"`
		Message       *rawMessage  `json:"message"`
		CallbackQuery *rawCallback `json:"callback_query"`
		MyChatMember  *rawMember   `json:"my_chat_member"`
	}
	rawMessage struct {
		MessageID  int64     `json:"message_id"`
		ThreadID   int64     `json:"message_thread_id"`
		IsTopic    bool      `json:"is_topic_message"`
		From       *rawUser  `json:"from"`
		Chat       rawChat   `json:"chat"`
		Date       int64     `json:"date"`
		Text       string    `json:"text"`
		Caption    string    `json:"caption"`
		ReplyTo    *rawReply `json:"reply_to_message"`
		rawContent           // media, in media.go
	}
	rawUser struct {
		ID           int64  `json:"id"`
		IsBot        bool   `json:"is_bot"`
		LanguageCode string `json:"language_code"`
	}
	rawChat struct {
		ID   int64  `json:"id"`
		Type string `json:"type"`
	}
	rawCallback struct {
		ID      string      `json:"id"`
		From    *rawUser    `json:"from"`
		Message *rawMessage `json:"message"`
		Data    string      `json:"data"`
	}
	rawMember struct {
		Chat          rawChat  `json:"chat"`
		From          *rawUser `json:"from"`
		Date          int64    `json:"date"`
		NewChatMember struct {
			Status string `json:"status"`
		} `json:"new_chat_member"`
	}
)

// inbound is a mapped update plus what the adapter needs around it.
type inbound struct {
	id         int64
	upd        bot.Update
	callbackID string // answer this callback query after handling
}

// mapper translates raw updates for one bot.
type mapper struct {
	username string // the bot's own username, without "@"
	desk     int64  // the consultants' group, 0 = none
}

// mapUpdate translates u. ok is false for updates the bot ignores; a
// callback query to ignore still has callbackID set so it can be answered.
func (m mapper) mapUpdate(u rawUpdate) (in inbound, ok bool) {
	in.id = u.UpdateID
	in.upd.DedupKey = "tg:" + strconv.FormatInt(u.UpdateID, 10)
	switch {
	case u.Message != nil:
		return m.message(in, u.Message)
	case u.CallbackQuery != nil:
		return m.callback(in, u.CallbackQuery)
	case u.MyChatMember != nil:
		return m.member(in, u.MyChatMember)
	}
	return in, false
}

// accepts reports whether updates from chat reach the bot.
func (m mapper) accepts(c rawChat) bool {
	if c.ID == 0 {
		return false
	}
	return c.Type == "private" || (m.desk != 0 && c.ID == m.desk)
}

func (m mapper) message(in inbound, msg *rawMessage) (inbound, bool) {
	if !m.accepts(msg.Chat) || (msg.From != nil && msg.From.IsBot) {
		return in, false
	}
	media := msg.media()
	text := msg.Text
	if media != nil {
		text = msg.Caption // a caption is never a command
	}
	if text == "" && media == nil && msg.Chat.Type != "private" {
		return in, false // service messages, polls, …
	}
	// Anything else without words in a private chat (a contact, a poll)
	// arrives as empty text, so the engine asks politely for words; a
	// sticker arrives as Media with empty text.
	if media == nil {
		var forOther bool
		text, forOther = normalizeCommand(text, m.username)
		if forOther && msg.Chat.Type != "private" {
			return in, false
		}
	}
	in.upd.Kind, in.upd.Text, in.upd.Media = bot.UpdateText, text, media
	in.upd.Ref = strconv.FormatInt(msg.MessageID, 10)
	in.upd.Thread = msg.topic()
	in.upd.ReplyTo = msg.replyTo()
	m.common(&in, msg.Chat, msg.From, msg.Date)
	return in, true
}

func (m mapper) callback(in inbound, cq *rawCallback) (inbound, bool) {
	in.callbackID = cq.ID
	if cq.Message == nil || !m.accepts(cq.Message.Chat) {
		return in, false
	}
	in.upd.Kind, in.upd.Data = bot.UpdateButton, cq.Data
	in.upd.MessageRef = strconv.FormatInt(cq.Message.MessageID, 10)
	in.upd.Thread = cq.Message.topic()
	m.common(&in, cq.Message.Chat, cq.From, 0)
	return in, true
}

func (m mapper) member(in inbound, cm *rawMember) (inbound, bool) {
	if cm.Chat.Type != "private" || cm.Chat.ID == 0 {
		return in, false
	}
	switch cm.NewChatMember.Status {
	case "kicked":
		in.upd.Kind = bot.UpdateBlocked
	case "member":
		in.upd.Kind = bot.UpdateUnblocked
	default:
		return in, false
	}
	m.common(&in, cm.Chat, cm.From, cm.Date)
	return in, true
}

func (m mapper) common(in *inbound, c rawChat, from *rawUser, date int64) {
	in.upd.Chat = bot.NewChatKey(bot.Telegram, strconv.FormatInt(c.ID, 10))
	if from != nil {
		in.upd.LangHint = from.LanguageCode
		if from.ID != 0 {
			in.upd.From = strconv.FormatInt(from.ID, 10)
		}
	}
	in.upd.Time = unixDate(date)
}

// maxDate is the last second of year 9999: a later time cannot be encoded
// in JSON (or RFC 3339) and would fail every commit of the update.
const maxDate = 253402300799

// unixDate converts a message date; one that is missing, negative or beyond
// year 9999 gives the zero time, which the processor replaces with now.
func unixDate(date int64) time.Time {
	if date <= 0 || date > maxDate {
		return time.Time{}
	}
	return time.Unix(date, 0).UTC()
}

// topic returns the forum topic the message was posted in, "" for none.
// Outside forums Telegram also sets message_thread_id on replies (the
// reply thread's root); only is_topic_message marks a real topic.
func (msg *rawMessage) topic() string {
	if !msg.IsTopic || msg.ThreadID == 0 {
		return ""
	}
	return strconv.FormatInt(msg.ThreadID, 10)
}

// replyTo returns the id of the message this one answers, "" for none. In
// a forum topic every message that answers nothing else carries the
// topic's creation message as reply_to_message: that is no reply.
func (msg *rawMessage) replyTo() string {
	r := msg.ReplyTo
	switch {
	case r == nil || r.MessageID == 0, r.TopicCreated != nil,
		msg.IsTopic && r.MessageID == msg.ThreadID:
		return ""
	}
	return strconv.FormatInt(r.MessageID, 10)
}

// normalizeCommand turns "/cmd@bot rest" into "/cmd rest" when bot is this
// bot (or unknown). forOther reports a command addressed to another bot;
// the text is then returned unchanged.
func normalizeCommand(text, me string) (out string, forOther bool) {
	if !strings.HasPrefix(text, "/") {
		return text, false
	}
	first, rest := text, ""
	if i := strings.IndexAny(text, " \t\n"); i >= 0 {
		first, rest = text[:i], text[i:]
	}
	cmd, target, ok := strings.Cut(first, "@")
	if !ok {
		return text, false
	}
	if me != "" && !strings.EqualFold(target, me) {
		return text, true
	}
	return cmd + rest, false
}
