package telegramtest_test

import (
	"net/url"
	"slices"
	"sync"
	"testing"

	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
)

// TestObserve checks what observers see, with the call log kept and
// without it (DiscardCalls, for load generators): the same events.
func TestObserve(t *testing.T) {
	for _, discard := range []bool{false, true} {
		s := telegramtest.New(t, telegramtest.Options{DiscardCalls: discard})
		var (
			mu     sync.Mutex
			events []telegramtest.Event
		)
		s.Observe(func(ev telegramtest.Event) {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, ev)
		})
		kb := `{"inline_keyboard":[[{"text":"One","callback_data":"d1"},{"text":"Web","url":"https://example.org"}]]}`
		post(t, s, s.Token(), "sendMessage", url.Values{"chat_id": {"42"}, "text": {"hi"}, "reply_markup": {kb}})
		post(t, s, s.Token(), "sendMessage", url.Values{"chat_id": {"42"}, "text": {""}})
		s.ExpectCallback("cq-x")
		post(t, s, s.Token(), "answerCallbackQuery", url.Values{"callback_query_id": {"cq-x"}})
		mu.Lock()
		if len(events) != 3 {
			t.Fatalf("discard %v: %d events, want 3", discard, len(events))
		}
		want := [][]telegramtest.InlineButton{{{Text: "One", CallbackData: "d1"}, {Text: "Web", URL: "https://example.org"}}}
		if e := events[0]; e.Method != "sendMessage" || e.Chat != 42 || e.Status != 200 || e.MessageID == 0 || e.Time.IsZero() ||
			e.Params["text"] != "hi" || !slices.EqualFunc(e.Keyboard, want, slices.Equal) {
			t.Errorf("discard %v: first event %+v", discard, e)
		}
		if e := events[1]; e.Status != 400 || e.MessageID != 0 || e.Keyboard != nil || e.Description == "" {
			t.Errorf("discard %v: refused send: %+v", discard, e)
		}
		if e := events[2]; e.Status != 200 || !s.CallbackAnswered("cq-x") {
			t.Errorf("discard %v: expected callback: %+v", discard, e)
		}
		mu.Unlock()
		if n, want := len(s.Calls("")), map[bool]int{false: 3, true: 0}[discard]; n != want {
			t.Errorf("discard %v: %d calls logged, want %d", discard, n, want)
		}
	}
}
