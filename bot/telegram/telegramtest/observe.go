package telegramtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// readReply reads a webhook response body for WebhookReply.
func readReply(r io.Reader) []byte {
	b, _ := io.ReadAll(io.LimitReader(r, maxWebhookReply))
	return b
}

// Event is one answered call as an observer sees it.
type Event struct {
	Call
	// Chat is the call's chat_id parameter as a number (0 when absent or
	// not numeric, e.g. an @username).
	Chat int64
	// MessageID is the id of the message the call sent or edited, when it
	// succeeded and the answer names one; 0 otherwise.
	MessageID int
	// Keyboard is the inline keyboard of that message as the fake parsed
	// it (nil when it has none). Observers must not modify it.
	Keyboard [][]InlineButton
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

// observed hands the call c to the observers.
func (s *Server) observed(c *callRecord, result any) {
	s.mu.Lock()
	obs := s.observers
	s.mu.Unlock()
	if len(obs) == 0 {
		return
	}
	ev := Event{Call: c.Call}
	ev.Chat, _ = strconv.ParseInt(ev.Params["chat_id"], 10, 64)
	if m, ok := result.(map[string]any); ok {
		ev.MessageID, _ = m["message_id"].(int)
		if rm, ok := m["reply_markup"].(map[string]any); ok {
			ev.Keyboard, _ = rm["inline_keyboard"].([][]InlineButton)
		}
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

// maxWebhookReply bounds the webhook response body read for a method call.
const maxWebhookReply = 1 << 20

// WebhookReply performs the Bot API method a webhook put in its response
// body ({"method": "...", params...}), as Telegram does, and reports
// whether there was one. The call is recorded like any other. The webhook
// delivery calls it for every accepted update; load generators that POST
// to a webhook themselves call it with the response body.
func (s *Server) WebhookReply(body []byte) bool {
	var m struct {
		Method string `json:"method"`
	}
	if len(body) == 0 || json.Unmarshal(body, &m) != nil || m.Method == "" {
		return false
	}
	req := (&http.Request{
		Method: http.MethodPost, URL: &url.URL{Path: "/bot" + s.opts.Token + "/" + m.Method},
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
		Host: "example.com", RemoteAddr: "192.0.2.1:1234", // as httptest.NewRequest sets them
	}).WithContext(s.ctx)
	s.serveHTTP(&discardWriter{}, req)
	return true
}

// discardWriter is the response writer of a method performed from a
// webhook reply, whose answer nobody reads.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header {
	if w.h == nil {
		w.h = http.Header{}
	}
	return w.h
}

func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}
