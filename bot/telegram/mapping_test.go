package telegram

import (
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

func TestMapUpdate(t *testing.T) {
	m := mapper{username: "InfopunktBot", desk: -100500}
	const date = 1_700_000_000
	tests := []struct {
		name   string
		json   string
		ok     bool
		want   bot.Update
		cb     string
		thread int64
	}{
		{
			name: "text",
			json: `{"update_id":10,"message":{"message_id":3,"from":{"id":42,"is_bot":false,"language_code":"uk"},"chat":{"id":42,"type":"private"},"date":1700000000,"text":"Де отримати PESEL?"}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateText, Text: "Де отримати PESEL?", LangHint: "uk", DedupKey: "tg:10", Time: time.Unix(date, 0).UTC()},
		},
		{
			name: "command with entity",
			json: `{"update_id":11,"message":{"message_id":4,"from":{"id":42,"language_code":"en-US"},"chat":{"id":42,"type":"private"},"text":"/help","entities":[{"type":"bot_command","offset":0,"length":5}]}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateText, Text: "/help", LangHint: "en-US", DedupKey: "tg:11"},
		},
		{
			name: "start payload without entity",
			json: `{"update_id":12,"message":{"message_id":5,"from":{"id":42},"chat":{"id":42,"type":"private"},"text":"/start work_permit"}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateText, Text: "/start work_permit", DedupKey: "tg:12"},
		},
		{
			name: "start at bot with payload",
			json: `{"update_id":13,"message":{"message_id":6,"from":{"id":42},"chat":{"id":42,"type":"private"},"text":"/start@infopunktbot pesel","entities":[{"type":"bot_command","offset":0,"length":19}]}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateText, Text: "/start pesel", DedupKey: "tg:13"},
		},
		{
			name: "caption",
			json: `{"update_id":14,"message":{"message_id":7,"from":{"id":42},"chat":{"id":42,"type":"private"},"photo":[{"file_id":"x"}],"caption":"what is this?"}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateText, Text: "what is this?", DedupKey: "tg:14"},
		},
		{
			name: "date beyond year 9999",
			json: `{"update_id":17,"message":{"message_id":8,"from":{"id":42},"chat":{"id":42,"type":"private"},"date":253402300800,"text":"hi"}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateText, Text: "hi", DedupKey: "tg:17"},
		},
		{
			name: "negative date",
			json: `{"update_id":18,"message":{"message_id":9,"from":{"id":42},"chat":{"id":42,"type":"private"},"date":-5,"text":"hi"}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateText, Text: "hi", DedupKey: "tg:18"},
		},
		{
			name: "callback",
			json: `{"update_id":15,"callback_query":{"id":"cq1","from":{"id":42,"language_code":"pl"},"message":{"message_id":77,"chat":{"id":42,"type":"private"},"date":1700000000,"text":"menu"},"chat_instance":"1","data":"n:pesel"}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateButton, Data: "n:pesel", LangHint: "pl", DedupKey: "tg:15", MessageRef: "77"},
			cb:   "cq1",
		},
		{
			name: "blocked",
			json: `{"update_id":16,"my_chat_member":{"chat":{"id":42,"type":"private"},"from":{"id":42},"date":1700000000,"old_chat_member":{"status":"member"},"new_chat_member":{"status":"kicked"}}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateBlocked, DedupKey: "tg:16", Time: time.Unix(date, 0).UTC()},
		},
		{
			name: "unblocked",
			json: `{"update_id":17,"my_chat_member":{"chat":{"id":42,"type":"private"},"date":1700000000,"new_chat_member":{"status":"member"}}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateUnblocked, DedupKey: "tg:17", Time: time.Unix(date, 0).UTC()},
		},
		{
			name:   "desk topic message",
			json:   `{"update_id":18,"message":{"message_id":8,"message_thread_id":101,"is_topic_message":true,"from":{"id":9},"chat":{"id":-100500,"type":"supergroup","is_forum":true},"text":"/close@InfopunktBot"}}`,
			ok:     true,
			want:   bot.Update{Chat: "telegram:-100500", Kind: bot.UpdateText, Text: "/close", DedupKey: "tg:18"},
			thread: 101,
		},
		{
			name: "missing from and unknown fields",
			json: `{"update_id":19,"future_field":{"x":[1,2]},"message":{"message_id":9,"chat":{"id":42,"type":"private","brand_new":true},"text":"hi","new_thing":1}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateText, Text: "hi", DedupKey: "tg:19"},
		},
		{name: "edited message ignored", json: `{"update_id":20,"edited_message":{"message_id":1,"chat":{"id":42,"type":"private"},"text":"x"}}`},
		{name: "channel post ignored", json: `{"update_id":21,"channel_post":{"message_id":1,"chat":{"id":-1001,"type":"channel"},"text":"x"}}`},
		{name: "other group ignored", json: `{"update_id":22,"message":{"message_id":1,"from":{"id":5},"chat":{"id":-777,"type":"group"},"text":"x"}}`},
		{name: "desk command for another bot ignored", json: `{"update_id":23,"message":{"message_id":1,"from":{"id":5},"chat":{"id":-100500,"type":"supergroup"},"text":"/close@OtherBot"}}`},
		{name: "bot author ignored", json: `{"update_id":24,"message":{"message_id":1,"from":{"id":5,"is_bot":true},"chat":{"id":-100500,"type":"supergroup"},"text":"x"}}`},
		{
			name: "sticker in a private chat is empty text",
			json: `{"update_id":25,"message":{"message_id":1,"from":{"id":5},"chat":{"id":42,"type":"private"},"sticker":{"file_id":"x"}}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateText, DedupKey: "tg:25"},
		},
		{name: "sticker in the desk ignored", json: `{"update_id":27,"message":{"message_id":1,"from":{"id":5},"chat":{"id":-100500,"type":"supergroup"},"sticker":{"file_id":"x"}}}`},
		{name: "inline callback ignored but answered", json: `{"update_id":26,"callback_query":{"id":"cq2","from":{"id":42},"inline_message_id":"abc","data":"x"}}`, cb: "cq2"},
		{name: "member status left ignored", json: `{"update_id":27,"my_chat_member":{"chat":{"id":42,"type":"private"},"new_chat_member":{"status":"left"}}}`},
		{name: "unknown update", json: `{"update_id":28,"message_reaction":{"chat":{"id":42}}}`},
		{name: "empty object", json: `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := decodeUpdate([]byte(tt.json))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			in, ok := m.mapUpdate(u)
			if ok != tt.ok || in.callbackID != tt.cb || in.thread != tt.thread {
				t.Fatalf("ok=%v cb=%q thread=%d, want ok=%v cb=%q thread=%d", ok, in.callbackID, in.thread, tt.ok, tt.cb, tt.thread)
			}
			if ok && in.upd != tt.want {
				t.Fatalf("got  %+v\nwant %+v", in.upd, tt.want)
			}
		})
	}
}

func TestNormalizeCommand(t *testing.T) {
	tests := []struct {
		in, me, want string
		other        bool
	}{
		{"/start", "Bot", "/start", false},
		{"/start@Bot x y", "bot", "/start x y", false},
		{"/start@Bot\nx", "Bot", "/start\nx", false},
		{"/start@Other x", "Bot", "/start@Other x", true},
		{"/start@Any", "", "/start", false},
		{"mail me@example.org", "Bot", "mail me@example.org", false},
	}
	for _, tt := range tests {
		got, other := normalizeCommand(tt.in, tt.me)
		if got != tt.want || other != tt.other {
			t.Errorf("normalizeCommand(%q, %q) = %q, %v; want %q, %v", tt.in, tt.me, got, other, tt.want, tt.other)
		}
	}
}

func FuzzMapUpdate(f *testing.F) {
	for _, s := range []string{
		`{"update_id":1,"message":{"message_id":1,"from":{"id":1,"language_code":"uk"},"chat":{"id":1,"type":"private"},"text":"/start@bot p"}}`,
		`{"update_id":2,"callback_query":{"id":"q","message":{"message_id":5,"chat":{"id":1,"type":"private"}},"data":"k:abc"}}`,
		`{"update_id":3,"my_chat_member":{"chat":{"id":1,"type":"private"},"new_chat_member":{"status":"kicked"}}}`,
		`{"update_id":4,"message":{"chat":{"id":-5,"type":"supergroup"},"message_thread_id":7,"text":"/"}}`,
		`{"update_id":5,"message":{"message_id":2,"chat":{"id":1,"type":"private"},"sticker":{"file_id":"x"}}}`,
		`{"update_id":6,"message":{"message_id":3,"chat":{"id":1,"type":"private"},"date":253402300800,"text":"hi"}}`,
		`{"message":null}`, `[]`, `null`, `{"update_id":"x"}`, `{"update_id":1e30}`,
	} {
		f.Add([]byte(s))
	}
	m := mapper{username: "bot", desk: -5}
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := decodeUpdate(b)
		if err != nil {
			return
		}
		in, ok := m.mapUpdate(u)
		if !ok {
			return
		}
		if in.upd.Chat.Channel() != bot.Telegram || in.upd.Kind == 0 || in.upd.DedupKey == "" {
			t.Fatalf("mapped update incomplete: %+v", in.upd)
		}
		// A sticker, photo or voice note without a caption maps to empty
		// text on purpose, but only in a private chat (the engine asks for
		// words); in a group it is ignored.
		if in.upd.Kind == bot.UpdateText && in.upd.Text == "" && (u.Message == nil || u.Message.Chat.Type != "private") {
			t.Fatalf("empty text mapped outside a private chat: %+v", in.upd)
		}
		if y := in.upd.Time.Year(); !in.upd.Time.IsZero() && (y < 1970 || y > 9999) {
			t.Fatalf("time %v out of range", in.upd.Time)
		}
	})
}
