package telegramtest

import "strconv"

// Event is one answered call as an observer sees it.
type Event struct {
	Call
	// Chat is the call's chat_id parameter as a number (0 when absent or
	// not numeric, e.g. an @username).
	Chat int64
	// MessageID is the id of the message the call sent or edited, when it
	// succeeded and the answer names one; 0 otherwise.
	MessageID int
}

// Observe registers f to be called with every call once its answer is
// decided, before the answer is written. f runs on the request's
// goroutine without the server's lock held, so it may call the Server; it
// must be quick and safe for concurrent use. Load generators use it to
// time replies without copying the call log.
func (s *Server) Observe(f func(Event)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observers = append(s.observers, f)
}

// observed hands the call at idx to the observers.
func (s *Server) observed(idx int, result any) {
	s.mu.Lock()
	obs := s.observers
	var ev Event
	if len(obs) > 0 {
		ev.Call = s.calls[idx]
	}
	s.mu.Unlock()
	if len(obs) == 0 {
		return
	}
	ev.Chat, _ = strconv.ParseInt(ev.Params["chat_id"], 10, 64)
	if m, ok := result.(map[string]any); ok {
		ev.MessageID, _ = m["message_id"].(int)
	}
	for _, f := range obs {
		f(ev)
	}
}

// ExpectCallback makes id a callback query the server knows, so that
// answerCallbackQuery accepts it, for callback queries a test delivers to
// the webhook itself rather than through PushCallback.
func (s *Server) ExpectCallback(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.callbacks[id]; !ok {
		s.callbacks[id] = false
	}
}
