package telegram_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
	"github.com/infopunkt/infopunkt/bot/telegram"
	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
	"github.com/infopunkt/infopunkt/content"
	"github.com/infopunkt/infopunkt/faq"
)

// BenchmarkWebhookIngest measures the ingest path of one update, without
// delivery: the webhook handler (secret, body, decode, mapping), the
// engine on the shipped content and the store's group commit (fsync on),
// plus answering callback queries at the fake. 32 chats run in parallel,
// each walking /start, accept, two menus, an answer and a typed question
// (the load generator's default walk). One op is one update.
func BenchmarkWebhookIngest(b *testing.B) {
	c, probs, err := faq.Load(content.FS(), faq.Options{Name: "content"})
	if err != nil {
		b.Fatalf("content: %v\n%s", err, probs.Error())
	}
	db, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	fake := telegramtest.New(b, telegramtest.Options{Limits: telegramtest.Limits{Disabled: true}})
	proc := &bot.Processor{Engine: bot.NewEngine(c), Store: db}
	const secret = "bench"
	a, err := telegram.New(context.Background(), telegram.Config{Token: fake.Token(), APIURL: fake.URL(),
		WebhookURL: "http://127.0.0.1/hook", WebhookSecret: secret}, db, proc)
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	h := a.WebhookHandler()
	walk := []string{
		`{"update_id":%d,"message":{"message_id":1,"from":{"id":%d,"language_code":"en","first_name":"U"},"chat":{"id":%[2]d,"type":"private"},"date":1764633600,"text":"/start","entities":[{"type":"bot_command","offset":0,"length":6}]}}`,
		`{"update_id":%d,"callback_query":{"id":"cq%[1]d","from":{"id":%d,"first_name":"U"},"chat_instance":"1","data":"a","message":{"message_id":1,"chat":{"id":%[2]d,"type":"private"},"date":1764633600,"text":"x"}}}`,
		`{"update_id":%d,"callback_query":{"id":"cq%[1]d","from":{"id":%d,"first_name":"U"},"chat_instance":"1","data":"n:legal","message":{"message_id":2,"chat":{"id":%[2]d,"type":"private"},"date":1764633600,"text":"x"}}}`,
		`{"update_id":%d,"callback_query":{"id":"cq%[1]d","from":{"id":%d,"first_name":"U"},"chat_instance":"1","data":"n:legal-permits","message":{"message_id":2,"chat":{"id":%[2]d,"type":"private"},"date":1764633600,"text":"x"}}}`,
		`{"update_id":%d,"callback_query":{"id":"cq%[1]d","from":{"id":%d,"first_name":"U"},"chat_instance":"1","data":"n:legal-karta-pobytu","message":{"message_id":2,"chat":{"id":%[2]d,"type":"private"},"date":1764633600,"text":"x"}}}`,
		`{"update_id":%d,"message":{"message_id":3,"from":{"id":%d,"language_code":"en","first_name":"U"},"chat":{"id":%[2]d,"type":"private"},"date":1764633600,"text":"karta pobytu"}}`,
	}
	var ids, chats atomic.Int64
	b.SetParallelism(16) // 32 goroutines on 2 cores
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		chat, step := chats.Add(1), 0
		for pb.Next() {
			id := ids.Add(1)
			if step == len(walk) {
				chat, step = chats.Add(1), 0
			}
			body := fmt.Appendf(nil, walk[step], id, chat)
			step++
			if step > 1 {
				fake.ExpectCallback(fmt.Sprint("cq", id))
			}
			req := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Errorf("status %d", rec.Code)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
}
