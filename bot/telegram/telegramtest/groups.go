package telegramtest

import (
	"net/http"
	"strconv"
)

// Group describes a group chat for AddGroup.
type Group struct {
	// ID is the chat id; it must be negative (supergroups look like
	// -100xxxxxxxxxx on Telegram, basic groups like -xxxxxxxxx).
	ID    int64
	Title string // default "Group"
	// Forum makes a supergroup a forum (topics enabled); ignored for Basic.
	Forum bool
	// Basic makes it a basic "group" rather than a "supergroup": no topics,
	// and replies carry no message_thread_id.
	Basic bool
}

// BotRights are the bot's administrator rights in a group.
type BotRights struct {
	// NotAdmin makes the bot a plain member: no topic management, no
	// deleting other people's messages.
	NotAdmin       bool
	ManageTopics   bool
	DeleteMessages bool
}

// Member statuses as getChatMember reports them.
const (
	StatusCreator       = "creator"
	StatusAdministrator = "administrator"
	StatusMember        = "member"
	StatusRestricted    = "restricted"
	StatusLeft          = "left"
	StatusKicked        = "kicked"
)

type groupState struct {
	Group
	members map[int64]string // user id → status
	rights  BotRights
}

// AddGroup registers (or replaces the settings of) a group. The bot is an
// administrator with every right until SetBotRights says otherwise; no
// user is a member until AddMember. A negative chat id never registered
// behaves as a forum supergroup in which nobody is a member.
func (s *Server) AddGroup(g Group) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g.Title == "" {
		g.Title = "Group"
	}
	c := s.chat(g.ID)
	if c.group == nil {
		c.group = &groupState{members: map[int64]string{}, rights: BotRights{ManageTopics: true, DeleteMessages: true}}
	}
	c.group.Group = g
}

// SetForum turns topics on or off in a registered supergroup (registering
// it if needed).
func (s *Server) SetForum(chat int64, forum bool) {
	s.mu.Lock()
	g := s.groupOf(chat)
	s.mu.Unlock()
	g.Forum = forum
	s.AddGroup(g)
}

// groupOf returns the Group settings of chat, with defaults for an
// unregistered one. Call with s.mu held.
func (s *Server) groupOf(chat int64) Group {
	if c := s.chats[chat]; c != nil && c.group != nil {
		return c.group.Group
	}
	return Group{ID: chat, Title: "Group", Forum: true}
}

// group returns the state of a group, registering it with the defaults
// if needed. Call with s.mu held.
func (s *Server) group(chat int64) *groupState {
	c := s.chat(chat)
	if c.group == nil {
		c.group = &groupState{Group: Group{ID: chat, Title: "Group", Forum: true}, members: map[int64]string{},
			rights: BotRights{ManageTopics: true, DeleteMessages: true}}
	}
	return c.group
}

// isForum reports whether chat is a forum supergroup. Call with s.mu held.
func (s *Server) isForum(chat int64) bool {
	g := s.groupOf(chat)
	return chat < 0 && g.Forum && !g.Basic
}

// AddMember makes user a member of chat with status (StatusMember,
// StatusAdministrator, StatusCreator or StatusRestricted).
func (s *Server) AddMember(chat, user int64, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status == "" {
		status = StatusMember
	}
	s.group(chat).members[user] = status
}

// RemoveMember makes user leave chat (status "left").
func (s *Server) RemoveMember(chat, user int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.group(chat).members[user] = StatusLeft
}

// BanMember bans user from chat (status "kicked").
func (s *Server) BanMember(chat, user int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.group(chat).members[user] = StatusKicked
}

// MemberStatus returns user's status in chat as getChatMember would.
func (s *Server) MemberStatus(chat, user int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.memberStatus(chat, user)
}

func (s *Server) memberStatus(chat, user int64) string {
	if user == s.opts.BotID {
		if s.botRights(chat).NotAdmin {
			return StatusMember
		}
		return StatusAdministrator
	}
	c := s.chats[chat]
	if c == nil || c.group == nil {
		return StatusLeft
	}
	if st, ok := c.group.members[user]; ok {
		return st
	}
	return StatusLeft
}

// SetBotRights sets the bot's rights in chat.
func (s *Server) SetBotRights(chat int64, r BotRights) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.NotAdmin {
		r.ManageTopics, r.DeleteMessages = false, false
	}
	s.group(chat).rights = r
}

// botRights returns the bot's rights in chat. Call with s.mu held.
func (s *Server) botRights(chat int64) BotRights {
	if c := s.chats[chat]; c != nil && c.group != nil {
		return c.group.rights
	}
	return BotRights{ManageTopics: true, DeleteMessages: true}
}

// chatObj is the Chat object of id as it appears in messages. Call with
// s.mu held.
func (s *Server) chatObj(id int64) map[string]any {
	if id > 0 {
		return map[string]any{"id": id, "type": "private", "first_name": "User" + strconv.FormatInt(id, 10)}
	}
	g := s.groupOf(id)
	if g.Basic {
		return map[string]any{"id": id, "type": "group", "title": g.Title}
	}
	o := map[string]any{"id": id, "type": "supergroup", "title": g.Title}
	if g.Forum {
		o["is_forum"] = true
	}
	return o
}

func (s *Server) getChat(_ *http.Request, p params) (any, *apiError) {
	chat, e := chatID(p)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.blockedErr(chat); e != nil && chat < 0 {
		return nil, e
	}
	o := s.chatObj(chat)
	o["accent_color_id"] = 0
	o["max_reaction_count"] = 11
	if chat < 0 {
		o["permissions"] = map[string]any{"can_send_messages": true, "can_manage_topics": false}
	}
	return o, nil
}

func (s *Server) getChatMember(_ *http.Request, p params) (any, *apiError) {
	chat, e := chatID(p)
	if e != nil {
		return nil, e
	}
	user, err := strconv.ParseInt(p["user_id"], 10, 64)
	if err != nil || user <= 0 {
		return nil, badRequest("invalid user_id specified")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if chat > 0 {
		if user != chat && user != s.opts.BotID {
			return nil, badRequest("user not found")
		}
		return map[string]any{"status": StatusMember, "user": s.userObj(user)}, nil
	}
	if e := s.blockedErr(chat); e != nil {
		return nil, e
	}
	st := s.memberStatus(chat, user)
	m := map[string]any{"status": st, "user": s.userObj(user)}
	switch st {
	case StatusAdministrator:
		m["can_be_edited"] = false
		m["is_anonymous"] = false
		m["can_manage_chat"] = true
		m["can_delete_messages"] = true
		m["can_manage_topics"] = true
		if user == s.opts.BotID {
			r := s.botRights(chat)
			m["can_delete_messages"], m["can_manage_topics"] = r.DeleteMessages, r.ManageTopics
		}
	case StatusCreator:
		m["is_anonymous"] = false
	case StatusRestricted:
		m["is_member"] = true
		m["can_send_messages"] = true
		m["until_date"] = 0
	case StatusKicked:
		m["until_date"] = 0
	}
	return m, nil
}

// userObj is the User object of id. Call with s.mu held.
func (s *Server) userObj(id int64) map[string]any {
	if id == s.opts.BotID {
		return s.botUser()
	}
	if u, ok := s.users[id]; ok {
		return u.object()
	}
	return user(id, "")
}

func (s *Server) botUser() map[string]any {
	return map[string]any{"id": s.opts.BotID, "is_bot": true, "first_name": "Infopunkt Test", "username": s.opts.BotUsername}
}

// MigrateToSupergroup upgrades the basic group old to a supergroup, as
// Telegram does when an owner enables topics or other supergroup features:
// the supergroup gets a new id (returned) with the same members, and every
// call to the old id fails with "group chat was upgraded to a supergroup
// chat" and parameters.migrate_to_chat_id.
func (s *Server) MigrateToSupergroup(old int64, forum bool) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.group(old)
	id := -1_000_000_000_000 + old
	c := s.chat(id)
	c.group = &groupState{Group: Group{ID: id, Title: g.Title, Forum: forum}, members: map[int64]string{}, rights: g.rights}
	for u, st := range g.members {
		c.group.members[u] = st
	}
	s.chat(old).migratedTo = id
	return id
}
