package viber_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/viber/vibertest"
)

func TestInboundMedia(t *testing.T) {
	e := newEnv(t, nil)
	ctx := t.Context()
	tests := []struct {
		name string
		in   vibertest.InMessage
		text string
		want *bot.Media
	}{
		{"picture with description", vibertest.InMessage{Type: "picture", Text: "моя карта", Media: "https://dl-media.viber.com/5/share/2/long/x/photo.jpg?token=abc", Thumbnail: "https://dl-media.viber.com/t.jpg"},
			"моя карта", &bot.Media{Kind: bot.MediaPhoto, URL: "https://dl-media.viber.com/5/share/2/long/x/photo.jpg?token=abc", Name: "photo.jpg", MIME: "image/jpeg"}},
		{"file", vibertest.InMessage{Type: "file", Media: "https://dl-media.viber.com/f/abc", FileName: "wniosek.pdf", FileSize: 123456},
			"", &bot.Media{Kind: bot.MediaDocument, URL: "https://dl-media.viber.com/f/abc", Name: "wniosek.pdf", MIME: "application/pdf", Size: 123456}},
		{"video", vibertest.InMessage{Type: "video", Media: "https://dl-media.viber.com/v/abc", FileSize: 900000, Duration: 7},
			"", &bot.Media{Kind: bot.MediaVideo, URL: "https://dl-media.viber.com/v/abc", MIME: "video/mp4", Size: 900000}},
		{"location", vibertest.InMessage{Type: "location", Lat: 51.1079, Lon: 17.0385},
			"", &bot.Media{Kind: bot.MediaLocation, Lat: 51.1079, Lon: 17.0385}},
		{"sticker with image", vibertest.InMessage{Type: "sticker", StickerID: 46105, Media: "https://viber.example/stickers/46105.png"},
			"", &bot.Media{Kind: bot.MediaSticker, URL: "https://viber.example/stickers/46105.png", Name: "46105.png", MIME: "image/png"}},
		{"sticker without image", vibertest.InMessage{Type: "sticker", StickerID: 46105}, "", nil},
		{"contact keeps no phone number", vibertest.InMessage{Type: "contact", ContactName: "Olena", ContactPhone: "+48500100200"}, "", nil},
		{"shared link", vibertest.InMessage{Type: "url", Media: "https://udsc.gov.pl"}, "https://udsc.gov.pl", nil},
		{"picture with a bad URL", vibertest.InMessage{Type: "picture", Media: "javascript:alert(1)"}, "", nil},
	}
	for _, tt := range tests {
		before := len(e.h.Updates())
		res, err := e.fake.SendMessage(ctx, "u3", tt.in)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %v %d", tt.name, err, res.StatusCode)
		}
		ups := e.h.Updates()[before:]
		if len(ups) != 1 {
			t.Fatalf("%s: %d updates", tt.name, len(ups))
		}
		u := ups[0]
		if u.Kind != bot.UpdateText || u.Text != tt.text || u.Chat != "viber:u3" {
			t.Errorf("%s: %+v", tt.name, u)
		}
		if (u.Media == nil) != (tt.want == nil) || (u.Media != nil && *u.Media != *tt.want) {
			t.Errorf("%s: media %+v, want %+v", tt.name, u.Media, tt.want)
		}
		if u.Media != nil && u.Media.FileID != "" {
			t.Errorf("%s: Viber media must not carry a FileID", tt.name)
		}
	}
	if strings.Contains(e.logs.String(), "+48500100200") {
		t.Error("a phone number reached the logs")
	}
}

func TestInboundMediaTolerates(t *testing.T) {
	e := newEnv(t, nil)
	body := `{"event":"message","timestamp":` + jsonNum(start.UnixMilli()) + `,"message_token":5406893180055821599,` +
		`"sender":{"id":"u4","language":"pl"},"message":{"type":"file","media":"https://dl-media.viber.com/f","file_name":"a.docx","file_size":"12.5e3"}}`
	res, err := e.fake.PostRaw(t.Context(), []byte(body), e.fake.Sign([]byte(body)))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("%v %d %s", err, res.StatusCode, res.Body)
	}
	ups := e.h.Updates()
	if len(ups) != 1 || ups[0].Media == nil || ups[0].Media.Size != 12500 || ups[0].Media.Name != "a.docx" {
		t.Fatalf("%+v", ups)
	}
}

func jsonNum(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestSendMedia(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.SetSubscribed("u1", true)
	kb := [][]bot.Button{{{Label: "Menu", Data: "menu"}}}
	long := strings.Repeat("słowo ", 200) // 1200 characters: over a picture's 768
	tests := []struct {
		name  string
		reply bot.Reply
		types []string
		check func(t *testing.T, m []vibertest.Message)
	}{
		{"picture with caption and keyboard", bot.Reply{Text: "Ось зразок", Buttons: kb,
			Media: &bot.Media{Kind: bot.MediaPhoto, URL: "https://bot.example/media/tok/photo.jpg", Size: 50000}},
			[]string{"picture"}, func(t *testing.T, m []vibertest.Message) {
				if m[0].Text != "Ось зразок" || m[0].Keyboard == nil || m[0].Media != "https://bot.example/media/tok/photo.jpg" {
					t.Errorf("%+v", m[0])
				}
			}},
		{"picture without caption still sends text", bot.Reply{Media: &bot.Media{Kind: bot.MediaPhoto, URL: "https://bot.example/m/t/photo.jpg"}},
			[]string{"picture"}, func(t *testing.T, m []vibertest.Message) {
				if !strings.Contains(string(m[0].Raw), `"text":""`) {
					t.Errorf("picture without its required text field: %s", m[0].Raw)
				}
			}},
		{"long caption follows as text", bot.Reply{Text: long, Buttons: kb, Media: &bot.Media{Kind: bot.MediaPhoto, URL: "https://bot.example/m/t/photo.jpg"}},
			[]string{"picture", "text"}, func(t *testing.T, m []vibertest.Message) {
				if m[0].Text != "" || m[0].Keyboard != nil || m[1].Keyboard == nil || !strings.HasPrefix(m[1].Text, "słowo") {
					t.Errorf("%+v", m)
				}
			}},
		{"big picture goes as a file", bot.Reply{Media: &bot.Media{Kind: bot.MediaPhoto, URL: "https://bot.example/m/t/photo.jpg", Size: 2 << 20}},
			[]string{"file"}, func(t *testing.T, m []vibertest.Message) {
				if m[0].FileName != "photo.jpg" || m[0].Size != 2<<20 {
					t.Errorf("%+v", m[0])
				}
			}},
		{"document", bot.Reply{Text: "the form", Media: &bot.Media{Kind: bot.MediaDocument, URL: "https://bot.example/m/t/file.pdf", Name: "wniosek.pdf", Size: 4096}},
			[]string{"file", "text"}, func(t *testing.T, m []vibertest.Message) {
				if m[0].FileName != "wniosek.pdf" || m[0].Size != 4096 || m[1].Text != "the form" {
					t.Errorf("%+v", m)
				}
			}},
		{"video", bot.Reply{Media: &bot.Media{Kind: bot.MediaVideo, URL: "https://bot.example/m/t/video.mp4", Size: 1 << 20}}, []string{"video"}, nil},
		{"video of unknown size goes as a link", bot.Reply{Media: &bot.Media{Kind: bot.MediaVideo, URL: "https://bot.example/m/t/video.mp4"}}, []string{"url"}, nil},
		{"voice note goes as a file", bot.Reply{Media: &bot.Media{Kind: bot.MediaVoice, URL: "https://bot.example/m/t/voice.ogg", Size: 3000}},
			[]string{"file"}, func(t *testing.T, m []vibertest.Message) {
				if m[0].FileName != "voice.ogg" {
					t.Errorf("%+v", m[0])
				}
			}},
		{"location then text", bot.Reply{Title: "Infopunkt", Text: "ul. Przykładowa", Buttons: kb, Media: &bot.Media{Kind: bot.MediaLocation, Lat: 51.11, Lon: 17.03}},
			[]string{"location", "text"}, func(t *testing.T, m []vibertest.Message) {
				if m[0].Location == nil || m[0].Location.Lat != 51.11 || m[1].Keyboard == nil {
					t.Errorf("%+v", m)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.fake.Sent("u1"))
			tt.reply.Chat = "viber:u1"
			rc, err := e.a.Send(t.Context(), tt.reply)
			if err != nil {
				t.Fatal(err)
			}
			sent := e.fake.Sent("u1")[before:]
			if len(sent) != len(tt.types) || len(rc.Refs) != len(sent) {
				t.Fatalf("sent %d, refs %d, want %v", len(sent), len(rc.Refs), tt.types)
			}
			for i, ty := range tt.types {
				if sent[i].Type != ty {
					t.Errorf("message %d is %s, want %s", i, sent[i].Type, ty)
				}
			}
			if tt.check != nil {
				tt.check(t, sent)
			}
		})
	}
}

func TestSendMediaRefusals(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.SetSubscribed("u1", true)
	for _, tt := range []struct {
		reply  bot.Reply
		reason string
	}{
		{bot.Reply{Copy: &bot.MessageRef{Chat: "telegram:-100", Ref: "5"}}, "viber_copy_unsupported"},
		{bot.Reply{Media: &bot.Media{Kind: bot.MediaPhoto, FileID: "AgACtelegram"}}, "viber_media_no_url"},
		{bot.Reply{Media: &bot.Media{Kind: bot.MediaDocument, URL: "ftp://x.example/a.pdf", Size: 3}}, "viber_media_no_url"},
	} {
		tt.reply.Chat = "viber:u1"
		se := mustSendErr(t, errOf(e.a.Send(t.Context(), tt.reply)))
		if se.Kind != bot.SendPermanent || se.Reason != tt.reason {
			t.Errorf("%+v: %v %q, want permanent %q", tt.reply, se.Kind, se.Reason, tt.reason)
		}
	}
	if n := countCalls(e.fake, "send_message"); n != 0 {
		t.Fatalf("%d sends for refused replies", n)
	}
	// Media plus text is what the desk sends instead of a Copy.
	if err := errOf(e.a.Send(t.Context(), bot.Reply{Chat: "viber:u1", Text: "Anna: see the photo",
		Copy:  &bot.MessageRef{Chat: "telegram:-100", Ref: "5"},
		Media: &bot.Media{Kind: bot.MediaPhoto, URL: "https://bot.example/m/t/photo.jpg"}})); err != nil {
		t.Fatal(err)
	}
}

func TestFakeValidatesMedia(t *testing.T) {
	fake := vibertest.New(vibertest.Config{Token: "t"})
	defer fake.Close()
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer hook.Close()
	post := func(body string) map[string]any {
		req, _ := http.NewRequest(http.MethodPost, fake.URL()+"/"+"set_webhook", strings.NewReader(`{"url":"`+hook.URL+`"}`))
		req.Header.Set("X-Viber-Auth-Token", "t")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		req, _ = http.NewRequest(http.MethodPost, fake.URL()+"/send_message", strings.NewReader(body))
		req.Header.Set("X-Viber-Auth-Token", "t")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return out
	}
	fake.SetSubscribed("u", true)
	const head = `{"receiver":"u","sender":{"name":"Infopunkt"},`
	for body, want := range map[string]float64{
		head + `"type":"picture","text":"","media":"https://x.example/a.jpg"}`:                                 0,
		head + `"type":"picture","media":"https://x.example/a.jpg"}`:                                           4,
		head + `"type":"picture","text":"","media":"https://x.example/a.webp"}`:                                3,
		head + `"type":"picture","text":"` + strings.Repeat("x", 769) + `","media":"https://x.example/a.png"}`: 3,
		head + `"type":"video","media":"https://x.example/a.mp4"}`:                                             4,
		head + `"type":"video","media":"https://x.example/a.mov","size":10}`:                                   3,
		head + `"type":"video","media":"https://x.example/a.mp4","size":27262977}`:                             3,
		head + `"type":"file","media":"https://x.example/a","size":10}`:                                        4,
		head + `"type":"file","media":"https://x.example/a","size":52428801,"file_name":"a.zip"}`:              3,
		head + `"type":"location"}`:                                    4,
		head + `"type":"location","location":{"lat":91,"lon":0}}`:      3,
		head + `"type":"location","location":{"lat":52.2,"lon":21.0}}`: 0,
		head + `"type":"sticker"}`:                                     4,
	} {
		if got := post(body)["status"]; got != want {
			t.Errorf("%s: status %v, want %v", body, got, want)
		}
	}
}
