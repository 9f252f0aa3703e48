package telegram

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

func TestMapUpdate(t *testing.T) {
	m := mapper{username: "InfopunktBot", desk: -100500}
	const date = 1_700_000_000
	tests := []struct {
		name string
		json string
		ok   bool
		want bot.Update
		cb   string
	}{
		{
			name: "text",
			json: `{"update_id":10,"message":{"message_id":3,"from":{"id":42,"is_bot":false,"language_code":"uk"},"chat":{"id":42,"type":"private"},"date":1700000000,"text":"Де отримати PESEL?"}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateText, Text: "Де отримати PESEL?", LangHint: "uk", DedupKey: "tg:10", Time: time.Unix(date, 0).UTC(), Ref: "3", From: "42"},
		},
		{
			name: "command with entity",
			json: `{"update_id":11,"message":{"message_id":4,"from":{"id":42,"language_code":"en-US"},"chat":{"id":42,"type":"private"},"text":"/help","entities":[{"type":"bot_command","offset":0,"length":5}]}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateText, Text: "/help", LangHint: "en-US", DedupKey: "tg:11", Ref: "4", From: "42"},
		},
		{
			name: "start payload without entity",
			json: `{"update_id":12,"message":{"message_id":5,"from":{"id":42},"chat":{"id":42,"type":"private"},"text":"/start work_permit"}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateText, Text: "/start work_permit", DedupKey: "tg:12", Ref: "5", From: "42"},
		},
		{
			name: "start at bot with payload",
			json: `{"update_id":13,"message":{"message_id":6,"from":{"id":42},"chat":{"id":42,"type":"private"},"text":"/start@infopunktbot pesel","entities":[{"type":"bot_command","offset":0,"length":19}]}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateText, Text: "/start pesel", DedupKey: "tg:13", Ref: "6", From: "42"},
		},
		{
			name: "photo with caption: largest size",
			json: `{"update_id":14,"message":{"message_id":7,"from":{"id":42},"chat":{"id":42,"type":"private"},"photo":[{"file_id":"small","file_size":900},{"file_id":"big","file_size":90000}],"caption":"what is this?"}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateText, Text: "what is this?", DedupKey: "tg:14", Ref: "7", From: "42",
				Media: &bot.Media{Kind: bot.MediaPhoto, FileID: "big", MIME: "image/jpeg", Size: 90000}},
		},
		{
			name: "date beyond year 9999",
			json: `{"update_id":17,"message":{"message_id":8,"from":{"id":42},"chat":{"id":42,"type":"private"},"date":253402300800,"text":"hi"}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateText, Text: "hi", DedupKey: "tg:17", Ref: "8", From: "42"},
		},
		{
			name: "negative date",
			json: `{"update_id":18,"message":{"message_id":9,"from":{"id":42},"chat":{"id":42,"type":"private"},"date":-5,"text":"hi"}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateText, Text: "hi", DedupKey: "tg:18", Ref: "9", From: "42"},
		},
		{
			name: "callback",
			json: `{"update_id":15,"callback_query":{"id":"cq1","from":{"id":42,"language_code":"pl"},"message":{"message_id":77,"chat":{"id":42,"type":"private"},"date":1700000000,"text":"menu"},"chat_instance":"1","data":"n:pesel"}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateButton, Data: "n:pesel", LangHint: "pl", DedupKey: "tg:15", MessageRef: "77", From: "42"},
			cb:   "cq1",
		},
		{
			name: "blocked",
			json: `{"update_id":16,"my_chat_member":{"chat":{"id":42,"type":"private"},"from":{"id":42},"date":1700000000,"old_chat_member":{"status":"member"},"new_chat_member":{"status":"kicked"}}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateBlocked, DedupKey: "tg:16", Time: time.Unix(date, 0).UTC(), From: "42"},
		},
		{
			name: "unblocked",
			json: `{"update_id":17,"my_chat_member":{"chat":{"id":42,"type":"private"},"date":1700000000,"new_chat_member":{"status":"member"}}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateUnblocked, DedupKey: "tg:17", Time: time.Unix(date, 0).UTC()},
		},
		{
			name: "desk topic message: the topic root is no reply",
			json: `{"update_id":18,"message":{"message_id":8,"message_thread_id":101,"is_topic_message":true,"from":{"id":9,"first_name":"Anna","username":"anna"},"chat":{"id":-100500,"type":"supergroup","is_forum":true},"text":"/close@InfopunktBot","reply_to_message":{"message_id":101,"forum_topic_created":{"name":"#1"},"chat":{"id":-100500,"type":"supergroup"}}}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:-100500", Kind: bot.UpdateText, Text: "/close", DedupKey: "tg:18", Ref: "8", From: "9", Thread: "101"},
		},
		{
			name: "desk topic message replying to a relayed message",
			json: `{"update_id":30,"message":{"message_id":12,"message_thread_id":101,"is_topic_message":true,"from":{"id":9},"chat":{"id":-100500,"type":"supergroup","is_forum":true},"text":"Yes, bring it","reply_to_message":{"message_id":11,"message_thread_id":101,"is_topic_message":true,"chat":{"id":-100500,"type":"supergroup"},"text":"x"}}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:-100500", Kind: bot.UpdateText, Text: "Yes, bring it", DedupKey: "tg:30", Ref: "12", From: "9", Thread: "101", ReplyTo: "11"},
		},
		{
			name: "reply in a plain supergroup: the reply thread is no topic",
			json: `{"update_id":31,"message":{"message_id":13,"message_thread_id":5,"from":{"id":9},"chat":{"id":-100500,"type":"supergroup"},"text":"ok","reply_to_message":{"message_id":5,"chat":{"id":-100500,"type":"supergroup"},"text":"card"}}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:-100500", Kind: bot.UpdateText, Text: "ok", DedupKey: "tg:31", Ref: "13", From: "9", ReplyTo: "5"},
		},
		{
			name: "desk button in a topic",
			json: `{"update_id":32,"callback_query":{"id":"cq9","from":{"id":9},"message":{"message_id":102,"message_thread_id":101,"is_topic_message":true,"chat":{"id":-100500,"type":"supergroup","is_forum":true},"text":"card"},"data":"d:take:1"}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:-100500", Kind: bot.UpdateButton, Data: "d:take:1", DedupKey: "tg:32", MessageRef: "102", From: "9", Thread: "101"},
			cb:   "cq9",
		},
		{
			name: "desk document",
			json: `{"update_id":33,"message":{"message_id":14,"from":{"id":9},"chat":{"id":-100500,"type":"supergroup"},"document":{"file_id":"doc1","file_unique_id":"u","file_name":"wniosek.pdf","mime_type":"application/pdf","file_size":12345}}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:-100500", Kind: bot.UpdateText, DedupKey: "tg:33", Ref: "14", From: "9",
				Media: &bot.Media{Kind: bot.MediaDocument, FileID: "doc1", Name: "wniosek.pdf", MIME: "application/pdf", Size: 12345}},
		},
		{
			name: "voice",
			json: `{"update_id":34,"message":{"message_id":15,"from":{"id":42},"chat":{"id":42,"type":"private"},"voice":{"file_id":"v1","duration":3,"file_size":4000}}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateText, DedupKey: "tg:34", Ref: "15", From: "42",
				Media: &bot.Media{Kind: bot.MediaVoice, FileID: "v1", MIME: "audio/ogg", Size: 4000}},
		},
		{
			name: "video with caption that looks like a command",
			json: `{"update_id":35,"message":{"message_id":16,"from":{"id":42},"chat":{"id":42,"type":"private"},"video":{"file_id":"vid","mime_type":"video/mp4","file_size":1},"caption":"/close@OtherBot"}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateText, Text: "/close@OtherBot", DedupKey: "tg:35", Ref: "16", From: "42",
				Media: &bot.Media{Kind: bot.MediaVideo, FileID: "vid", MIME: "video/mp4", Size: 1}},
		},
		{
			name: "location",
			json: `{"update_id":36,"message":{"message_id":17,"from":{"id":42},"chat":{"id":42,"type":"private"},"location":{"latitude":51.1079,"longitude":17.0385}}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateText, DedupKey: "tg:36", Ref: "17", From: "42",
				Media: &bot.Media{Kind: bot.MediaLocation, Lat: 51.1079, Lon: 17.0385}},
		},
		{
			name: "missing from and unknown fields",
			json: `{"update_id":19,"future_field":{"x":[1,2]},"message":{"message_id":9,"chat":{"id":42,"type":"private","brand_new":true},"text":"hi","new_thing":1}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateText, Text: "hi", DedupKey: "tg:19", Ref: "9"},
		},
		{name: "edited message ignored", json: `{"update_id":20,"edited_message":{"message_id":1,"chat":{"id":42,"type":"private"},"text":"x"}}`},
		{name: "channel post ignored", json: `{"update_id":21,"channel_post":{"message_id":1,"chat":{"id":-1001,"type":"channel"},"text":"x"}}`},
		{name: "other group ignored", json: `{"update_id":22,"message":{"message_id":1,"from":{"id":5},"chat":{"id":-777,"type":"group"},"text":"x"}}`},
		{name: "desk command for another bot ignored", json: `{"update_id":23,"message":{"message_id":1,"from":{"id":5},"chat":{"id":-100500,"type":"supergroup"},"text":"/close@OtherBot"}}`},
		{name: "bot author ignored", json: `{"update_id":24,"message":{"message_id":1,"from":{"id":5,"is_bot":true},"chat":{"id":-100500,"type":"supergroup"},"text":"x"}}`},
		{name: "desk service message ignored", json: `{"update_id":37,"message":{"message_id":1,"from":{"id":5},"chat":{"id":-100500,"type":"supergroup"},"forum_topic_created":{"name":"x"}}}`},
		{
			name: "sticker in a private chat is media with empty text",
			json: `{"update_id":25,"message":{"message_id":1,"from":{"id":5},"chat":{"id":42,"type":"private"},"sticker":{"file_id":"x","is_animated":true}}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateText, DedupKey: "tg:25", Ref: "1", From: "5",
				Media: &bot.Media{Kind: bot.MediaSticker, FileID: "x", MIME: "application/x-tgsticker"}},
		},
		{
			name: "contact in a private chat is empty text without media",
			json: `{"update_id":38,"message":{"message_id":2,"from":{"id":5},"chat":{"id":42,"type":"private"},"contact":{"phone_number":"+48123","first_name":"A"}}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:42", Kind: bot.UpdateText, DedupKey: "tg:38", Ref: "2", From: "5"},
		},
		{
			name: "sticker in the desk",
			json: `{"update_id":27,"message":{"message_id":1,"from":{"id":5},"chat":{"id":-100500,"type":"supergroup"},"sticker":{"file_id":"x"}}}`,
			ok:   true,
			want: bot.Update{Chat: "telegram:-100500", Kind: bot.UpdateText, DedupKey: "tg:27", Ref: "1", From: "5",
				Media: &bot.Media{Kind: bot.MediaSticker, FileID: "x", MIME: "image/webp"}},
		},
		{name: "photo without file ids in the desk ignored", json: `{"update_id":39,"message":{"message_id":1,"from":{"id":5},"chat":{"id":-100500,"type":"supergroup"},"photo":[{"file_size":3}]}}`},
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
			if ok != tt.ok || in.callbackID != tt.cb {
				t.Fatalf("ok=%v cb=%q, want ok=%v cb=%q", ok, in.callbackID, tt.ok, tt.cb)
			}
			if !ok {
				return
			}
			if !reflect.DeepEqual(in.upd, tt.want) {
				t.Fatalf("got  %+v %+v\nwant %+v %+v", in.upd, in.upd.Media, tt.want, tt.want.Media)
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
		`{"update_id":5,"message":{"message_id":2,"chat":{"id":-5,"type":"supergroup"},"message_thread_id":7,"is_topic_message":true,"reply_to_message":{"message_id":7},"sticker":{"file_id":"s"}}}`,
		`{"update_id":6,"message":{"message_id":3,"chat":{"id":1,"type":"private"},"photo":[{"file_id":""},{"file_id":"p","file_size":-1}],"caption":"/x@y"}}`,
		`{"update_id":7,"message":{"message_id":4,"chat":{"id":-5,"type":"supergroup"},"location":{"latitude":91,"longitude":0}}}`,
		`{"update_id":8,"message":{"message_id":2,"chat":{"id":1,"type":"private"},"sticker":{"file_id":"x"}}}`,
		`{"update_id":9,"message":{"message_id":3,"chat":{"id":1,"type":"private"},"date":253402300800,"text":"hi"}}`,
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
		// A sticker, photo or voice note without a caption maps to Media
		// with empty text on purpose; other wordless messages map to empty
		// text only in a private chat (the engine asks for words).
		if in.upd.Kind == bot.UpdateText && in.upd.Text == "" && in.upd.Media == nil && (u.Message == nil || u.Message.Chat.Type != "private") {
			t.Fatalf("empty text mapped outside a private chat: %+v", in.upd)
		}
		if md := in.upd.Media; md != nil && (md.Kind == 0 || (md.Kind != bot.MediaLocation && md.FileID == "") || md.Size < 0) {
			t.Fatalf("incomplete media %+v", md)
		}
		if y := in.upd.Time.Year(); !in.upd.Time.IsZero() && (y < 1970 || y > 9999) {
			t.Fatalf("time %v out of range", in.upd.Time)
		}
	})
}

// FuzzDecodeUpdate checks the fast update decoder against encoding/json:
// whatever it decodes must be what encoding/json makes of the same input.
// The seeds include FuzzMapUpdate's corpus.
func FuzzDecodeUpdate(f *testing.F) {
	for _, s := range []string{
		`{"update_id":10,"message":{"message_id":3,"from":{"id":42,"is_bot":false,"first_name":"Ол","language_code":"uk"},"chat":{"id":42,"type":"private"},"date":1700000000,"text":"Де отримати PESEL?","entities":[{"type":"bot_command","offset":0,"length":5}]}}`,
		`{"update_id":2,"callback_query":{"id":"q","from":{"id":1},"message":{"message_id":5,"chat":{"id":1,"type":"private"},"reply_markup":{"inline_keyboard":[[{"text":"a","callback_data":"b"}]]}},"chat_instance":"-1","data":"k:abc"}}`,
		`{"update_id":3,"my_chat_member":{"chat":{"id":1,"type":"private"},"from":{"id":1},"date":5,"new_chat_member":{"status":"kicked","user":{"id":2}}}}`,
		`{"update_id":5,"message":{"message_id":2,"chat":{"id":-5,"type":"supergroup"},"message_thread_id":7,"is_topic_message":true,"reply_to_message":{"message_id":7,"forum_topic_created":{"name":"x"}},"sticker":{"file_id":"s","is_animated":true,"is_video":false,"file_size":3}}}`,
		`{"update_id":6,"message":{"message_id":3,"chat":{"id":1,"type":"private"},"photo":[{"file_id":"a","file_size":1},{"file_id":"p","file_size":-1}],"document":{"file_id":"d","file_name":"a.pdf","mime_type":"application/pdf"},"caption":"/x@y"}}`,
		`{"update_id":7,"message":{"message_id":4,"chat":{"id":-5,"type":"supergroup"},"location":{"latitude":52.25,"longitude":-0.5e1}}}`,
		`{"update_id":8,"message":{"chat":null,"from":null,"photo":[],"reply_to_message":{"forum_topic_created":null},"voice":{"file_id":"v"},"video":{},"audio":null,"video_note":{"file_id":"n"}}}`,
		`{"Update_id":1}`, `{"update_id":1,"update_id":2}`, `{"update_id":1} x`, `{"message":{"text":"a\u0062"}}`,
	} {
		f.Add([]byte(s))
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzMapUpdate")
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		lines := strings.SplitN(string(b), "\n", 3)
		if len(lines) < 2 || !strings.HasPrefix(lines[1], "[]byte(") {
			continue
		}
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
		if err == nil {
			f.Add([]byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast rawUpdate
		if fastUpdate(b, &fast) != nil {
			return
		}
		var ref rawUpdate
		if err := json.Unmarshal(b, &ref); err != nil {
			t.Fatalf("fast decoder accepted what encoding/json refuses: %v", err)
		}
		if !reflect.DeepEqual(fast, ref) {
			t.Fatalf("fast decoder %s\nencoding/json %s", dump(fast), dump(ref))
		}
	})
}

func dump(u rawUpdate) string {
	b, _ := json.Marshal(u)
	return string(b)
}

// TestFastUpdateTakesTelegramUpdates: updates as Telegram sends them are
// decoded by the fast decoder, not left to encoding/json.
func TestFastUpdateTakesTelegramUpdates(t *testing.T) {
	for _, s := range []string{
		`{"update_id":10,"message":{"message_id":3,"from":{"id":42,"is_bot":false,"first_name":"Ол","language_code":"uk"},"chat":{"id":42,"first_name":"Ол","type":"private"},"date":1700000000,"text":"/start","entities":[{"type":"bot_command","offset":0,"length":6}]}}`,
		`{"update_id":2,"callback_query":{"id":"4382","from":{"id":1,"is_bot":false},"message":{"message_id":5,"from":{"id":9,"is_bot":true,"username":"b"},"chat":{"id":1,"type":"private"},"date":1,"text":"Menu","reply_markup":{"inline_keyboard":[[{"text":"a","callback_data":"b"}]]}},"chat_instance":"-1","data":"n:legal"}}`,
		`{"update_id":3,"my_chat_member":{"chat":{"id":1,"type":"private"},"from":{"id":1},"date":5,"old_chat_member":{"status":"member"},"new_chat_member":{"status":"kicked","until_date":0}}}`,
		`{"update_id":6,"message":{"message_id":3,"chat":{"id":-100,"type":"supergroup","is_forum":true},"message_thread_id":7,"is_topic_message":true,"photo":[{"file_id":"a","file_unique_id":"u","file_size":1,"width":90,"height":90}],"caption":"x"}}`,
		`{"update_id":7,"message":{"message_id":4,"from":{"id":5},"chat":{"id":5,"type":"private"},"date":1,"text":"\/start\nLinia \"2\" \u0414\ud83d\ude00 \ud800"}}`,
	} {
		var fast, ref rawUpdate
		if err := fastUpdate([]byte(s), &fast); err != nil {
			t.Errorf("%s: %v", s, err)
			continue
		}
		if err := json.Unmarshal([]byte(s), &ref); err != nil || !reflect.DeepEqual(fast, ref) {
			t.Errorf("%s: fast %s, encoding/json %s (%v)", s, dump(fast), dump(ref), err)
		}
	}
}
