package telegramtest

import (
	"net/http"
	"slices"
	"strconv"
)

// Topic is a forum topic as the fake holds it.
type Topic struct {
	// ThreadID is the topic's message_thread_id: the id of its
	// forum_topic_created service message, from the chat's message ids.
	ThreadID int
	Name     string
	Open     bool
	Deleted  bool
}

type topicState struct {
	Topic
}

// Topics returns the forum topics ever created in chat, oldest first.
func (s *Server) Topics(chat int64) []Topic {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chat]
	if c == nil {
		return nil
	}
	var out []Topic
	for _, t := range c.topics {
		out = append(out, t.Topic)
	}
	slices.SortFunc(out, func(a, b Topic) int { return a.ThreadID - b.ThreadID })
	return out
}

// TopicOpen reports whether forum topic thread exists in chat and is open.
func (s *Server) TopicOpen(chat int64, thread int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.chat(chat).topics[thread]
	return t != nil && t.Open && !t.Deleted
}

// CreateTopic creates a topic as a user would, without an API call, and
// returns its thread id.
func (s *Server) CreateTopic(chat int64, name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newTopic(chat, name)
}

// newTopic adds a topic and its service message. Call with s.mu held.
func (s *Server) newTopic(chat int64, name string) int {
	c := s.chat(chat)
	id := c.newMessageID(true)
	c.topics[id] = &topicState{Topic{ThreadID: id, Name: name, Open: true}}
	c.msgs[id] = &storedMsg{id: id, fromBot: true, date: s.opts.Now(), thread: id, service: true, topicName: name}
	return id
}

func (s *Server) createForumTopic(_ *http.Request, p params) (any, *apiError) {
	chat, e := chatID(p)
	if e != nil {
		return nil, e
	}
	name := p["name"]
	if n := utf16Len(name); n < 1 || n > 128 {
		return nil, badRequest("TOPIC_NAME_INVALID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if chat > 0 || !s.isForum(chat) {
		return nil, badRequest("the chat is not a forum")
	}
	if e := s.blockedErr(chat); e != nil {
		return nil, e
	}
	if !s.botRights(chat).ManageTopics {
		return nil, badRequest("not enough rights to create a topic")
	}
	id := s.newTopic(chat, name)
	return map[string]any{"message_thread_id": id, "name": name, "icon_color": 7322096}, nil
}

func (s *Server) closeForumTopic(_ *http.Request, p params) (any, *apiError) {
	return s.setTopic(p, false)
}

func (s *Server) reopenForumTopic(_ *http.Request, p params) (any, *apiError) {
	return s.setTopic(p, true)
}

// topicFor finds the topic a call names. Call with s.mu held.
func (s *Server) topicFor(p params) (*topicState, int64, *apiError) {
	chat, e := chatID(p)
	if e != nil {
		return nil, 0, e
	}
	if chat > 0 || !s.isForum(chat) {
		return nil, 0, badRequest("the chat is not a forum")
	}
	if e := s.blockedErr(chat); e != nil {
		return nil, 0, e
	}
	thread, _ := strconv.Atoi(p["message_thread_id"])
	t := s.chat(chat).topics[thread]
	if t == nil || t.Deleted {
		return nil, 0, badRequest("TOPIC_ID_INVALID")
	}
	if !s.botRights(chat).ManageTopics {
		return nil, 0, badRequest("CHAT_ADMIN_REQUIRED")
	}
	return t, chat, nil
}

func (s *Server) setTopic(p params, open bool) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, _, e := s.topicFor(p)
	if e != nil {
		return nil, e
	}
	if t.Open == open {
		return nil, badRequest("TOPIC_NOT_MODIFIED")
	}
	t.Open = open
	return true, nil
}

// deleteForumTopic deletes the topic with all its messages.
func (s *Server) deleteForumTopic(_ *http.Request, p params) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, chat, e := s.topicFor(p)
	if e != nil {
		return nil, e
	}
	t.Deleted, t.Open = true, false
	c := s.chat(chat)
	for _, m := range c.msgs {
		if m.thread == t.ThreadID {
			m.deleted = true
			if m.sent != nil {
				m.sent.Deleted = true
			}
		}
	}
	return true, nil
}
