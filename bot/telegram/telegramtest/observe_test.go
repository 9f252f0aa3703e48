package telegramtest_test

import (
	"net/url"
	"sync"
	"testing"

	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
)

func TestObserve(t *testing.T) {
	s := telegramtest.New(t, telegramtest.Options{})
	var (
		mu     sync.Mutex
		events []telegramtest.Event
	)
	s.Observe(func(ev telegramtest.Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, ev)
	})
	post(t, s, s.Token(), "sendMessage", url.Values{"chat_id": {"42"}, "text": {"hi"}})
	post(t, s, s.Token(), "sendMessage", url.Values{"chat_id": {"42"}, "text": {""}})
	s.ExpectCallback("cq-x")
	post(t, s, s.Token(), "answerCallbackQuery", url.Values{"callback_query_id": {"cq-x"}})
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 3 {
		t.Fatalf("%d events, want 3", len(events))
	}
	if e := events[0]; e.Method != "sendMessage" || e.Chat != 42 || e.Status != 200 || e.MessageID == 0 || e.Time.IsZero() {
		t.Errorf("first event %+v", e)
	}
	if e := events[1]; e.Status != 400 || e.MessageID != 0 {
		t.Errorf("refused send: %+v", e)
	}
	if e := events[2]; e.Status != 200 || !s.CallbackAnswered("cq-x") {
		t.Errorf("expected callback: %+v", e)
	}
}
