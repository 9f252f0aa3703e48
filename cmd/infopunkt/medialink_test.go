package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/telegram"
	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
	"github.com/infopunkt/infopunkt/bot/viber"
	"github.com/infopunkt/infopunkt/bot/viber/vibertest"
)

// linkMeta is an in-memory bot.Meta for the media link test.
type linkMeta struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (l *linkMeta) GetMeta(_ context.Context, k string) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, ok := l.m[k]
	if !ok {
		return nil, bot.ErrNotFound
	}
	return bytes.Clone(v), nil
}

func (l *linkMeta) PutMeta(_ context.Context, k string, v []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m[k] = bytes.Clone(v)
	return nil
}

type nopHandler struct{}

func (nopHandler) Handle(context.Context, bot.Update) error { return nil }
func (nopHandler) Welcome(context.Context, bot.Update) (bot.Reply, error) {
	return bot.Reply{Text: "hi"}, nil
}

// TestTelegramPhotoReachesViberUser follows a consultant's photo from the
// Telegram staff group to a Viber user: a media link on the public
// listener, a Viber picture message with that URL, and Viber fetching the
// very bytes, with no bot token anywhere on the way.
func TestTelegramPhotoReachesViberUser(t *testing.T) {
	ctx := t.Context()
	tg := telegramtest.New(t, telegramtest.Options{})
	public := http.NewServeMux()
	pub := httptest.NewServer(public)
	t.Cleanup(pub.Close)

	ta, err := telegram.New(ctx, telegram.Config{Token: tg.Token(), APIURL: tg.URL(), PublicURL: pub.URL, DeskChatID: -100777},
		&linkMeta{m: map[string][]byte{}}, telegram.HandlerFunc(func(context.Context, bot.Update) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ta.Close() })
	public.Handle(telegram.MediaPath, ta.MediaHandler())

	vb := vibertest.New(vibertest.Config{})
	t.Cleanup(vb.Close)
	hookMux := http.NewServeMux()
	hook := httptest.NewServer(hookMux)
	t.Cleanup(hook.Close)
	va, err := viber.New(viber.Config{Token: vb.Token(), APIURL: vb.URL(), WebhookURL: hook.URL}, nil, nopHandler{})
	if err != nil {
		t.Fatal(err)
	}
	hookMux.Handle("/", va.WebhookHandler())
	if err := va.SetWebhook(ctx); err != nil {
		t.Fatal(err)
	}
	vb.SetSubscribed("vu1", true)

	jpeg := []byte("\xff\xd8\xff\xe0 consultant's photo of the form")
	f := tg.AddFile(telegramtest.MediaPhoto, "", "", jpeg)
	m := bot.Media{Kind: bot.MediaPhoto, FileID: f.ID, MIME: "image/jpeg", Size: int64(len(jpeg))}
	link, err := ta.MediaLink(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	m.URL = link
	if _, err := va.Send(ctx, bot.Reply{Chat: "viber:vu1", Kind: bot.ReplyRelay, Text: "Anna: here is the sample", Media: &m}); err != nil {
		t.Fatal(err)
	}
	sent := vb.Sent("vu1")
	if len(sent) != 1 || sent[0].Type != "picture" || sent[0].Text != "Anna: here is the sample" {
		t.Fatalf("sent %+v", sent)
	}
	got := sent[0].Fetched
	if got == nil || got.Status != 200 || got.ContentType != "image/jpeg" || !bytes.Equal(got.Body, jpeg) {
		t.Fatalf("Viber fetched %+v", got)
	}
	if strings.Contains(string(sent[0].Raw), tg.Token()) || strings.Contains(string(sent[0].Raw), f.ID) {
		t.Fatalf("the Viber message reveals the bot token or the file id: %s", sent[0].Raw)
	}
}
