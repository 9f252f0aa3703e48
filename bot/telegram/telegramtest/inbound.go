package telegramtest

import (
	"strconv"
	"strings"
)

// Inbound is a message a user sends, for Push.
type Inbound struct {
	Chat int64  // a private chat (the user's id) or a group (negative)
	From int64  // the sender's user id; default Chat for private chats
	Lang string // the sender's language_code
	// FirstName, LastName and Username describe the sender; default
	// "User<id>". They are remembered for later messages and
	// getChatMember.
	FirstName, LastName, Username string
	// Text is the message text, or the caption when Media is set.
	Text string
	// Command adds a bot_command entity over the first word.
	Command bool
	// Thread posts the message in a forum topic (is_topic_message). In a
	// forum a message in a topic that replies to nothing else carries the
	// topic's service message as reply_to_message, as Telegram does.
	Thread int
	// ReplyTo is the id of a message in Chat this one replies to. In a
	// supergroup that is not a forum the reply also carries the reply
	// thread's message_thread_id (without is_topic_message), as Telegram
	// does.
	ReplyTo int
	// Media attaches a photo, document, voice note, video, sticker or
	// location.
	Media *InMedia
	// IsBot marks the sender as a bot.
	IsBot bool
}

// InMedia is the media of an Inbound message.
type InMedia struct {
	Kind MediaKind
	// File is a file from AddFile; with an empty ID a new file of Kind is
	// made (named Name, of type MIME, holding Data).
	File File
	Name string
	MIME string
	Data []byte
	// Lat and Lon are a MediaLocation's coordinates.
	Lat, Lon float64
}

type userProfile struct {
	id                          int64
	first, last, username, lang string
	isBot                       bool
}

func (u *userProfile) object() map[string]any {
	o := map[string]any{"id": u.id, "is_bot": u.isBot, "first_name": u.first}
	if u.last != "" {
		o["last_name"] = u.last
	}
	if u.username != "" {
		o["username"] = u.username
	}
	if u.lang != "" {
		o["language_code"] = u.lang
	}
	return o
}

// Push queues a message from a user and returns the update_id and the
// message_id it got in its chat. A group message that privacy mode hides
// from the bot (see Options.PrivacyModeOff) is kept but not delivered:
// updateID is 0 then.
func (s *Server) Push(in Inbound) (updateID, messageID int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.storeInbound(in)
	if in.Chat < 0 && !s.opts.PrivacyModeOff && s.botRights(in.Chat).NotAdmin && !s.meantForBot(in.Chat, m) {
		return 0, m.id
	}
	return s.push("message", map[string]any{"message": s.msgJSON(in.Chat, m, false)}), m.id
}

// meantForBot is what privacy mode lets through: commands, mentions of the
// bot and replies to the bot's own messages. Call with s.mu held.
func (s *Server) meantForBot(chat int64, m *storedMsg) bool {
	text := m.text + m.caption
	if strings.HasPrefix(text, "/") || strings.Contains(strings.ToLower(text), "@"+strings.ToLower(s.opts.BotUsername)) {
		return true
	}
	if m.replyTo == 0 || (m.topicMsg && m.replyTo == m.thread) {
		return false
	}
	r := s.chat(chat).msgs[m.replyTo]
	return r != nil && r.fromBot && !r.service
}

// storeInbound adds in to its chat. Call with s.mu held.
func (s *Server) storeInbound(in Inbound) *storedMsg {
	if in.From == 0 {
		in.From = in.Chat
	}
	s.remember(in)
	c := s.chat(in.Chat)
	m := &storedMsg{id: c.newMessageID(false), from: in.From, date: s.opts.Now(), replyTo: in.ReplyTo}
	switch {
	case in.Thread != 0 && s.isForum(in.Chat):
		m.thread, m.topicMsg = in.Thread, true
		if m.replyTo == 0 {
			m.replyTo = in.Thread // the topic's forum_topic_created message
		}
	case in.ReplyTo != 0 && in.Chat < 0 && !s.groupOf(in.Chat).Basic:
		m.thread = in.ReplyTo
		if r := c.msgs[in.ReplyTo]; r != nil && r.thread != 0 {
			m.thread = r.thread
		}
	}
	if in.Media == nil {
		m.text = in.Text
		if in.Command {
			cmd, _, _ := strings.Cut(in.Text, " ")
			m.entities = []map[string]any{{"type": "bot_command", "offset": 0, "length": utf16Len(cmd)}}
		}
	} else {
		m.caption = in.Text
		m.media = s.inMedia(in.Media)
	}
	c.msgs[m.id] = m
	return m
}

func (s *Server) inMedia(im *InMedia) *msgMedia {
	md := &msgMedia{kind: im.Kind}
	if im.Kind == MediaLocation {
		md.lat, md.lon = im.Lat, im.Lon
		return md
	}
	if f, ok := s.files[im.File.ID]; ok {
		md.file = f
	} else {
		md.file = s.addFile(im.Kind, im.Name, im.MIME, im.Data)
	}
	return md
}

// remember keeps the sender's profile. Call with s.mu held.
func (s *Server) remember(in Inbound) {
	u := s.users[in.From]
	if u == nil {
		u = &userProfile{id: in.From, first: "User" + strconv.FormatInt(in.From, 10)}
		s.users[in.From] = u
	}
	if in.FirstName != "" {
		u.first = in.FirstName
	}
	if in.LastName != "" {
		u.last = in.LastName
	}
	if in.Username != "" {
		u.username = in.Username
	}
	u.lang = in.Lang // as this message carries it
	u.isBot = in.IsBot
}
