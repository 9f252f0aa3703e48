package telegramtest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// InlineButton is one button of an inline keyboard as the client sent it.
type InlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

// SentMessage is a message the bot sent, as it stands after edits.
type SentMessage struct {
	MessageID int
	ChatID    int64
	ThreadID  int
	// Method is sendMessage, sendPhoto, sendDocument, sendVoice,
	// sendVideo, sendSticker, sendLocation or copyMessage.
	Method    string
	Text      string // as sent (HTML source when ParseMode is HTML); a media message's caption
	Plain     string // the visible text after parsing
	ParseMode string
	Keyboard  [][]InlineButton // nil when the message has none
	Edits     int
	Time      time.Time
	// ReplyTo is the message this one replies to (reply_parameters or
	// reply_to_message_id), 0 for none.
	ReplyTo int
	// CopyOf is the message copyMessage copied.
	CopyOf *MessageRef
	// Media is what a media message (or a copy of one) carries.
	Media *SentMedia
	// Deleted is set by deleteMessage and deleteForumTopic.
	Deleted bool
}

// clone copies m deeply enough that callers cannot change the fake's state.
func (m *SentMessage) clone() SentMessage {
	c := *m
	if m.CopyOf != nil {
		ref := *m.CopyOf
		c.CopyOf = &ref
	}
	if m.Media != nil {
		md := *m.Media
		c.Media = &md
	}
	return c
}

// MessageRef names a message in a chat.
type MessageRef struct {
	Chat int64
	ID   int
}

// SentMedia is the media of a SentMessage.
type SentMedia struct {
	Kind MediaKind
	// FileID is the file the message carries (a new one when sent by URL
	// or upload).
	FileID string
	// URL is set when the bot sent the media by URL; Uploaded when it
	// uploaded the file in the request.
	URL      string
	Uploaded bool
	Name     string
	MIME     string
	Lat, Lon float64
}

type chatState struct {
	nextMessageID int
	userMessages  map[int]bool
	sent          []*SentMessage
	msgs          map[int]*storedMsg // every message by id
	blocked       bool
	topics        map[int]*topicState // thread id → topic
	group         *groupState         // nil: not registered
	migratedTo    int64               // a basic group upgraded to this supergroup
	retryUntil    time.Time           // announced by the last 429
}

// chat returns the state of id, creating it. Call with s.mu held.
func (s *Server) chat(id int64) *chatState {
	c := s.chats[id]
	if c == nil {
		c = &chatState{nextMessageID: 1, userMessages: map[int]bool{}, msgs: map[int]*storedMsg{}, topics: map[int]*topicState{}}
		s.chats[id] = c
	}
	return c
}

func (c *chatState) newMessageID(fromBot bool) int {
	id := c.nextMessageID
	c.nextMessageID++
	if !fromBot {
		c.userMessages[id] = true
	}
	return id
}

// Sent returns the messages the bot sent to chatID, oldest first.
func (s *Server) Sent(chatID int64) []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chatID]
	if c == nil {
		return nil
	}
	out := make([]SentMessage, len(c.sent))
	for i, m := range c.sent {
		out[i] = m.clone()
	}
	return out
}

// BlockUser makes every send to chatID fail with 403 until UnblockUser.
func (s *Server) BlockUser(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chat(chatID).blocked = true
}

// UnblockUser lifts BlockUser.
func (s *Server) UnblockUser(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chat(chatID).blocked = false
}

func chatID(p params) (int64, *apiError) {
	v, ok := p["chat_id"]
	if !ok || v == "" {
		return 0, badRequest("chat_id is empty")
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id == 0 {
		return 0, badRequest("chat not found")
	}
	return id, nil
}

// message is a validated sendMessage or editMessageText request.
type message struct {
	chat      int64
	thread    int
	text      string
	plain     string
	parseMode string
	keyboard  [][]InlineButton
	markup    string
}

func parseMessage(p params) (message, *apiError) {
	var m message
	var e *apiError
	if m.chat, e = chatID(p); e != nil {
		return m, e
	}
	m.thread, _ = strconv.Atoi(p["message_thread_id"])
	m.text, m.parseMode = p["text"], p["parse_mode"]
	m.plain = m.text
	if strings.EqualFold(m.parseMode, "HTML") {
		plain, err := parseHTML(m.text)
		if err != nil {
			return m, badRequest("can't parse entities: %v", err)
		}
		m.plain = plain
	}
	if strings.TrimSpace(m.plain) == "" {
		return m, badRequest("message text is empty")
	}
	if utf16Len(m.plain) > 4096 {
		return m, badRequest("message is too long")
	}
	m.markup = p["reply_markup"]
	m.keyboard, e = parseKeyboard(m.markup)
	return m, e
}

func parseKeyboard(markup string) ([][]InlineButton, *apiError) {
	if markup == "" {
		return nil, nil
	}
	if rows, ok := scanKeyboard(markup); ok {
		return checkKeyboard(len(rows), func(i int) []buttonField { return rows[i] })
	}
	return decodeKeyboard(markup)
}

// decodeKeyboard parses any keyboard markup with encoding/json.
func decodeKeyboard(markup string) ([][]InlineButton, *apiError) {
	var km struct {
		InlineKeyboard [][]map[string]json.RawMessage `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(markup), &km); err != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	return checkKeyboard(len(km.InlineKeyboard), func(i int) []buttonField {
		row := make([]buttonField, len(km.InlineKeyboard[i]))
		for j, raw := range km.InlineKeyboard[i] {
			row[j] = rawField(raw)
		}
		return row
	})
}

// checkKeyboard validates the n rows of a keyboard that row returns.
func checkKeyboard(n int, row func(int) []buttonField) ([][]InlineButton, *apiError) {
	var rows [][]InlineButton
	for i := range n {
		var out []InlineButton
		for _, field := range row(i) {
			b, e := parseButton(field)
			if e != nil {
				return nil, e
			}
			out = append(out, b)
		}
		rows = append(rows, out)
	}
	return rows, nil
}

// buttonField reads the field key of a button object: its value when it
// is a string, whether it is present, and whether it is a string.
type buttonField func(key string) (v string, present, isString bool)

// rawField reads the fields of a button decoded by encoding/json.
func rawField(raw map[string]json.RawMessage) buttonField {
	return func(k string) (string, bool, bool) {
		v, ok := raw[k]
		if !ok {
			return "", false, false
		}
		var s string
		return s, true, json.Unmarshal(v, &s) == nil
	}
}

func parseButton(field buttonField) (InlineButton, *apiError) {
	var b InlineButton
	text, _, ok := field("text")
	if !ok || text == "" {
		return b, badRequest("text buttons are unallowed in the inline keyboard")
	}
	b.Text = text
	if d, _, ok := field("callback_data"); ok {
		if len(d) < 1 || len(d) > 64 {
			return b, badRequest("BUTTON_DATA_INVALID")
		}
		b.CallbackData = d
		return b, nil
	}
	if u, _, ok := field("url"); ok {
		if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "tg://") {
			return b, badRequest("BUTTON_URL_INVALID")
		}
		b.URL = u
		return b, nil
	}
	if _, present, _ := field("callback_data"); present {
		return b, badRequest("BUTTON_DATA_INVALID")
	}
	return b, badRequest("can't find field \"callback_data\"")
}

// admit applies blocks and limits to a send-like call to chat. Call with
// s.mu held.
func (s *Server) admit(chat int64) *apiError {
	c := s.chat(chat)
	if e := s.blockedErr(chat); e != nil {
		return e
	}
	now := s.opts.Now()
	if retry, ok := s.lim.admit(now, chat); !ok {
		s.violations++
		c.retryUntil = now.Add(time.Duration(retry) * time.Second)
		return tooMany(retry)
	}
	return nil
}

// blockedErr is the 403 for a chat that blocked or removed the bot. Call
// with s.mu held.
func (s *Server) blockedErr(chat int64) *apiError {
	if to := s.chat(chat).migratedTo; to != 0 {
		return &apiError{code: 400, desc: "Bad Request: group chat was upgraded to a supergroup chat", migrateTo: to}
	}
	if !s.chat(chat).blocked {
		return nil
	}
	switch {
	case chat > 0:
		return &apiError{code: 403, desc: "Forbidden: bot was blocked by the user"}
	case s.groupOf(chat).Basic:
		return &apiError{code: 403, desc: "Forbidden: bot was kicked from the group chat"}
	}
	return &apiError{code: 403, desc: "Forbidden: bot was kicked from the supergroup chat"}
}

func tooMany(retry int) *apiError {
	return &apiError{code: 429, desc: "Too Many Requests: retry after " + strconv.Itoa(retry), retryAfter: retry}
}

// checkRetryAfter answers 429 again to a call that comes before the
// retry_after announced to its chat has passed, and counts it.
func (s *Server) checkRetryAfter(method string, p params) *apiError {
	if !sendLike(method) {
		return nil
	}
	id, err := strconv.ParseInt(p["chat_id"], 10, 64)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chat(id)
	left := c.retryUntil.Sub(s.opts.Now())
	if left <= 0 {
		return nil
	}
	s.earlyRetries++
	return tooMany(int((left + time.Second - 1) / time.Second))
}

func sendLike(method string) bool {
	switch strings.ToLower(method) {
	case "sendmessage", "editmessagetext", "editmessagecaption", "editmessagereplymarkup",
		"sendphoto", "senddocument", "sendvoice", "sendvideo", "sendsticker", "sendlocation", "copymessage":
		return true
	}
	return false
}

func (s *Server) sendMessage(_ *http.Request, p params) (any, *apiError) {
	m, e := parseMessage(p)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sm := &SentMessage{ChatID: m.chat, ThreadID: m.thread, Method: "sendMessage",
		Text: m.text, Plain: m.plain, ParseMode: m.parseMode, Keyboard: m.keyboard}
	st, e := s.store(p, sm)
	if e != nil {
		return nil, e
	}
	st.text = m.plain
	return s.msgJSON(m.chat, st, false), nil
}

// store checks the topic, the reply target and the limits of a send to
// sm.ChatID and keeps sm as a new message of the bot. Call with s.mu held.
func (s *Server) store(p params, sm *SentMessage) (*storedMsg, *apiError) {
	if e := s.checkThread(sm.ChatID, sm.ThreadID); e != nil {
		return nil, e
	}
	reply, e := s.replyTarget(sm.ChatID, p)
	if e != nil {
		return nil, e
	}
	if e := s.admit(sm.ChatID); e != nil {
		return nil, e
	}
	c := s.chat(sm.ChatID)
	sm.MessageID, sm.Time, sm.ReplyTo = c.newMessageID(true), s.opts.Now(), reply
	c.sent = append(c.sent, sm)
	st := &storedMsg{id: sm.MessageID, fromBot: true, date: sm.Time, replyTo: reply, sent: sm}
	if sm.ThreadID != 0 {
		st.thread, st.topicMsg = sm.ThreadID, s.isForum(sm.ChatID)
		if st.topicMsg && st.replyTo == 0 {
			st.replyTo = sm.ThreadID
		}
	}
	c.msgs[st.id] = st
	return st, nil
}

// replyTarget reads reply_parameters (or the older reply_to_message_id and
// allow_sending_without_reply) and checks the message exists. Call with
// s.mu held.
func (s *Server) replyTarget(chat int64, p params) (int, *apiError) {
	var rp struct {
		MessageID    int   `json:"message_id"`
		ChatID       int64 `json:"chat_id"`
		AllowMissing bool  `json:"allow_sending_without_reply"`
	}
	if raw := p["reply_parameters"]; raw != "" {
		if err := json.Unmarshal([]byte(raw), &rp); err != nil {
			return 0, badRequest("can't parse reply parameters JSON object")
		}
		if rp.ChatID != 0 && rp.ChatID != chat {
			return 0, badRequest("replies to other chats are not supported by telegramtest")
		}
	} else {
		rp.MessageID, _ = strconv.Atoi(p["reply_to_message_id"])
		rp.AllowMissing = p["allow_sending_without_reply"] == "true"
	}
	if rp.MessageID == 0 {
		return 0, nil
	}
	if m := s.chat(chat).msgs[rp.MessageID]; m == nil || m.deleted || m.service {
		if rp.AllowMissing {
			return 0, nil
		}
		return 0, badRequest("message to be replied not found")
	}
	return rp.MessageID, nil
}

// checkThread checks that a send may go to thread in chat. Call with s.mu
// held.
func (s *Server) checkThread(chat int64, thread int) *apiError {
	if thread == 0 || chat > 0 {
		return nil
	}
	if !s.isForum(chat) {
		// A reply thread: Telegram wants its root message to exist.
		if m := s.chat(chat).msgs[thread]; m == nil || m.deleted {
			return badRequest("message thread not found")
		}
		return nil
	}
	t := s.chat(chat).topics[thread]
	switch {
	case t == nil || t.Deleted:
		return badRequest("message thread not found")
	case !t.Open:
		return badRequest("TOPIC_CLOSED")
	}
	return nil
}

func (s *Server) editMessageText(_ *http.Request, p params) (any, *apiError) {
	if p["inline_message_id"] != "" {
		return nil, badRequest("inline messages are not supported by telegramtest")
	}
	m, e := parseMessage(p)
	if e != nil {
		return nil, e
	}
	id, _ := strconv.Atoi(p["message_id"])
	if id <= 0 {
		return nil, badRequest("message identifier is not specified")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chat(m.chat)
	if c.userMessages[id] {
		return nil, badRequest("message can't be edited")
	}
	var sm *SentMessage
	for _, x := range c.sent {
		if x.MessageID == id {
			sm = x
		}
	}
	if sm == nil || sm.Deleted || sm.Method != "sendMessage" {
		return nil, badRequest("message to edit not found")
	}
	if sm.Plain == m.plain && sm.Text == m.text && slices.EqualFunc(sm.Keyboard, m.keyboard, slices.Equal) {
		return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	if e := s.admit(m.chat); e != nil {
		return nil, e
	}
	sm.Text, sm.Plain, sm.ParseMode, sm.Keyboard = m.text, m.plain, m.parseMode, m.keyboard
	sm.Edits++
	st := c.msgs[sm.MessageID]
	st.text = m.plain
	return s.msgJSON(m.chat, st, false), nil
}
