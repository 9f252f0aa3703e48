package vibertest

import "time"

// Event is one answered send_message as an observer sees it.
type Event struct {
	// Time is when the request arrived (its body read).
	Time time.Time
	// Receiver is the message's receiver ("" when the body was not a
	// message).
	Receiver string
	// Status is the Viber status answered; 0 when the message was
	// accepted.
	Status int
	// Token is the accepted message's message_token.
	Token uint64
	// Keyboard is the message's keyboard (nil when none). Observers must
	// not modify it.
	Keyboard *Keyboard
}

// Observe registers f to be called with every send_message carrying the
// bot's token that the fake answers itself (not those a fault answers),
// once its answer is decided and before it is written. f runs on the request's goroutine without the
// fake's lock held; it must be quick and safe for concurrent use. Load
// generators use it to time replies without the call log.
func (s *Server) Observe(f func(Event)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observers = append(s.observers, f)
}

// observed hands an answered send_message to the observers.
func (s *Server) observed(at time.Time, resp map[string]any, m *Message) {
	s.mu.Lock()
	obs := s.observers
	s.mu.Unlock()
	if len(obs) == 0 {
		return
	}
	ev := Event{Time: at}
	ev.Status, _ = resp["status"].(int)
	ev.Token, _ = resp["message_token"].(uint64)
	if m != nil {
		ev.Receiver, ev.Keyboard = m.Receiver, m.Keyboard
	}
	for _, f := range obs {
		f(ev)
	}
}

// MessageCallback plays userID sending text (a tap on a reply button when
// button is set: Viber sends its ActionBody as text) as SendText and
// PressButton do, and returns the signed callback without posting it,
// for load generators that post callbacks on connections of their own.
// A non-empty lang becomes the user's language, as ConversationStarted
// and Subscribe set it.
func (s *Server) MessageCallback(userID, lang, text string, button bool) (body []byte, signature string, err error) {
	s.mu.Lock()
	if s.webhook == "" {
		s.mu.Unlock()
		return nil, "", ErrNoWebhook
	}
	if lang != "" {
		s.user(userID).lang = lang
	}
	cb := callback{Event: "message", Timestamp: s.cfg.Now().UnixMilli(), ChatHostname: "SN-CHAT-01_", MessageToken: s.token()}
	s.fillMessage(&cb, userID, s.user(userID), cbMessage{Type: "text", Text: text}, button)
	s.mu.Unlock()
	return s.signed(cb)
}
