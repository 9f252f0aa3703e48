package telegramtest

import (
	"encoding/json"
	"testing"
)

// TestMarshalIsJSONMarshal checks the appended answers against
// encoding/json, byte for byte, on the shapes handlers answer with.
func TestMarshalIsJSONMarshal(t *testing.T) {
	s := New(t, Options{})
	s.mu.Lock()
	m := s.storeInbound(Inbound{Chat: 42, Text: "/start <x> & \"q\" \u2028 \xff Привіт", Command: true})
	sent := &storedMsg{id: 7, fromBot: true, text: "menu", replyTo: m.id,
		sent: &SentMessage{Keyboard: [][]InlineButton{{{Text: "A&B", CallbackData: "n:a"}, {Text: "Web", URL: "https://x/?a=1&b=2"}}, nil, {}}}}
	values := []any{
		s.msgJSON(42, m, false), s.msgJSON(42, sent, false), s.botUser(), true, nil, "x", 7, int64(-1),
		map[string]any{"a": []any{1, "b", nil, map[string]any{}}, "b": []map[string]any{{"k": 1}}, "n": map[string]any(nil)},
		[]any(nil), [][]InlineButton(nil), []map[string]any(nil),
		map[string]any{"loc": map[string]any{"latitude": 51.1, "longitude": 17.0}}, // float64: encoding/json's
		[]BotCommand{{Command: "start", Description: "Start"}},
	}
	s.mu.Unlock()
	for _, v := range values {
		got, err := marshal(v)
		want, werr := json.Marshal(v)
		if string(got) != string(want) || (err == nil) != (werr == nil) {
			t.Errorf("marshal(%#v)\n got %s\nwant %s", v, got, want)
		}
	}
	if _, ok := appendJSON(nil, map[string]any{"f": 1.5}); ok {
		t.Error("a float was appended, not left to encoding/json")
	}
}
