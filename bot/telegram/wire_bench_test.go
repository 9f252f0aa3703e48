package telegram_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/telegram"
	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
)

// BenchmarkSendMessage measures one menu reply (a title, a paragraph and
// six buttons) sent to the fake: the adapter's encoding, the HTTP round
// trip on a kept-alive connection, the fake's handling and the decoding
// of its answer. The fake runs in the same process, so its CPU counts.
func BenchmarkSendMessage(b *testing.B) {
	fake := telegramtest.New(b, telegramtest.Options{Limits: telegramtest.Limits{Disabled: true}})
	a, err := telegram.New(context.Background(), telegram.Config{Token: fake.Token(), APIURL: fake.URL()}, newMeta(),
		telegram.HandlerFunc(func(context.Context, bot.Update) error { return nil }))
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	r := bot.Reply{Chat: "telegram:77", Title: "Karta pobytu",
		Text: strings.Repeat("Wniosek o kartę pobytu składa się w urzędzie wojewódzkim. ", 6),
		Buttons: [][]bot.Button{
			{{Label: "Dokumenty", Data: "n:legal-karta-docs"}, {Label: "Opłaty", Data: "n:legal-karta-fees"}},
			{{Label: "Terminy", Data: "n:legal-karta-time"}, {Label: "Odwołanie", Data: "n:legal-karta-appeal"}},
			{{Label: "Urząd", URL: "https://duw.pl/pl/"}, {Label: "⬅ Wstecz", Data: "n:legal-permits"}},
		}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Send(context.Background(), r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWebhookUpdate measures the webhook handler alone for one text
// message and one button press (answered in the response), with a Handler
// that does nothing.
func BenchmarkWebhookUpdate(b *testing.B) {
	fake := telegramtest.New(b, telegramtest.Options{})
	const secret = "bench"
	a, err := telegram.New(context.Background(), telegram.Config{Token: fake.Token(), APIURL: fake.URL(),
		WebhookURL: "http://127.0.0.1/hook", WebhookSecret: secret}, newMeta(),
		telegram.HandlerFunc(func(context.Context, bot.Update) error { return nil }))
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	h := a.WebhookHandler()
	for _, bc := range []struct{ name, body string }{
		{"text", `{"update_id":%d,"message":{"message_id":3,"from":{"id":1234567,"is_bot":false,"first_name":"Олена","language_code":"uk"},"chat":{"id":1234567,"first_name":"Олена","type":"private"},"date":1764633600,"text":"karta pobytu"}}`},
		{"button", `{"update_id":%d,"callback_query":{"id":"4382164873216","from":{"id":1234567,"is_bot":false,"first_name":"Олена","language_code":"uk"},"message":{"message_id":2,"from":{"id":99,"is_bot":true,"first_name":"Infopunkt","username":"infopunkt_bot"},"chat":{"id":1234567,"first_name":"Олена","type":"private"},"date":1764633600,"text":"Menu","reply_markup":{"inline_keyboard":[[{"text":"PESEL","callback_data":"n:pesel"}]]}},"chat_instance":"-77","data":"n:legal-permits"}}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			id := 0
			for b.Loop() {
				id++
				req := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(fmt.Appendf(nil, bc.body, id)))
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
