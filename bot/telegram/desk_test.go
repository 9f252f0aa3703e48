package telegram_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/telegram"
	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
)

const (
	forumID = int64(-1001234567890)
	plainID = int64(-1009876543210)
	basicID = int64(-4242)
	forum   = bot.ChatKey("telegram:-1001234567890")
	plain   = bot.ChatKey("telegram:-1009876543210")
)

// fakeClock is a settable clock shared by the fake and the adapter.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func deskFixture(t *testing.T, clock *fakeClock) *fixture {
	t.Helper()
	opts := telegramtest.Options{}
	if clock != nil {
		opts.Now = clock.Now
	}
	f := newFixture(t, opts, func(c *telegram.Config) {
		c.DeskChatID = forumID
		if clock != nil {
			c.Now = clock.Now
		}
	})
	f.srv.AddGroup(telegramtest.Group{ID: forumID, Title: "Desk", Forum: true})
	f.srv.AddGroup(telegramtest.Group{ID: plainID, Title: "Desk plain"})
	f.srv.AddGroup(telegramtest.Group{ID: basicID, Title: "Old", Basic: true})
	return f
}

func TestIsForum(t *testing.T) {
	f := deskFixture(t, nil)
	for _, tt := range []struct {
		chat bot.ChatKey
		want bool
	}{{forum, true}, {plain, false}, {"telegram:-4242", false}, {"telegram:-100777", true /* unregistered: old default */}} {
		got, err := f.a.IsForum(ctx, tt.chat)
		if err != nil || got != tt.want {
			t.Errorf("IsForum(%s) = %v, %v; want %v", tt.chat, got, err, tt.want)
		}
	}
	f.srv.SetForum(plainID, true)
	if got, err := f.a.IsForum(ctx, plain); err != nil || !got {
		t.Errorf("after SetForum: %v %v", got, err)
	}
	if _, err := f.a.IsForum(ctx, "viber:abc"); err == nil {
		t.Error("IsForum accepted a Viber chat")
	}
	f.srv.InjectNext("getChat", telegramtest.Fault{Kind: telegramtest.Fault500})
	if _, err := f.a.IsForum(ctx, forum); err == nil {
		t.Error("IsForum hid a 500")
	}
}

func TestIsMember(t *testing.T) {
	f := deskFixture(t, nil)
	f.srv.AddMember(forumID, 1, telegramtest.StatusCreator)
	f.srv.AddMember(forumID, 2, telegramtest.StatusAdministrator)
	f.srv.AddMember(forumID, 3, telegramtest.StatusMember)
	f.srv.AddMember(forumID, 4, telegramtest.StatusRestricted)
	f.srv.AddMember(forumID, 5, telegramtest.StatusMember)
	f.srv.RemoveMember(forumID, 5)
	f.srv.AddMember(forumID, 6, telegramtest.StatusMember)
	f.srv.BanMember(forumID, 6)
	for user, want := range map[string]bool{"1": true, "2": true, "3": true, "4": true, "5": false, "6": false, "7": false} {
		got, err := f.a.IsMember(ctx, forum, user)
		if err != nil || got != want {
			t.Errorf("IsMember(%s) = %v, %v; want %v", user, got, err, want)
		}
	}
	for _, bad := range []string{"", "x", "-3", "0"} {
		if _, err := f.a.IsMember(ctx, forum, bad); err == nil {
			t.Errorf("IsMember(%q) gave no error", bad)
		}
	}
	f.srv.InjectNext("getChatMember", telegramtest.Fault{Kind: telegramtest.Fault502})
	if ok, err := f.a.IsMember(ctx, forum, "1"); err == nil || ok {
		t.Errorf("502: %v %v", ok, err)
	}
}

func TestTopicLifecycle(t *testing.T) {
	f := deskFixture(t, nil)
	thread, err := f.a.CreateTopic(ctx, forum, "#7 🇺🇦 Client 7F3A")
	if err != nil {
		t.Fatal(err)
	}
	send := func(text string) error {
		return errOf(f.a.Send(ctx, bot.Reply{Chat: forum, Thread: thread, Kind: bot.ReplyStaff, Text: text}))
	}
	if err := send("opened"); err != nil {
		t.Fatal(err)
	}
	if err := f.a.CloseTopic(ctx, forum, thread); err != nil {
		t.Fatal(err)
	}
	if err := f.a.CloseTopic(ctx, forum, thread); err != nil {
		t.Fatalf("closing twice: %v", err)
	}
	assertSendError(t, send("late"), bot.SendPermanent, "tg_400_topic_closed")
	if err := f.a.ReopenTopic(ctx, forum, thread); err != nil {
		t.Fatal(err)
	}
	if err := f.a.ReopenTopic(ctx, forum, thread); err != nil {
		t.Fatalf("reopening twice: %v", err)
	}
	if err := send("back"); err != nil {
		t.Fatal(err)
	}
	if err := f.a.DeleteTopic(ctx, forum, thread); err != nil {
		t.Fatal(err)
	}
	if err := f.a.DeleteTopic(ctx, forum, thread); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}
	assertSendError(t, send("gone"), bot.SendPermanent, "tg_400_thread_not_found")
	if err := f.a.CloseTopic(ctx, forum, thread); err == nil {
		t.Fatal("closing a deleted topic succeeded")
	}
	for _, m := range f.srv.Sent(forumID) {
		if !m.Deleted {
			t.Errorf("message %d survived deleteForumTopic", m.MessageID)
		}
	}
	if _, err := f.a.CreateTopic(ctx, plain, "x"); err == nil {
		t.Fatal("CreateTopic in a plain group succeeded")
	}
	f.srv.SetBotRights(forumID, telegramtest.BotRights{DeleteMessages: true})
	if _, err := f.a.CreateTopic(ctx, forum, "x"); err == nil || !strings.Contains(err.Error(), "not enough rights") {
		t.Fatalf("CreateTopic without can_manage_topics: %v", err)
	}
}

func TestDeskUpdatesMapped(t *testing.T) {
	f := deskFixture(t, nil)
	thread, err := f.a.CreateTopic(ctx, forum, "#1")
	if err != nil {
		t.Fatal(err)
	}
	rc, err := f.a.Send(ctx, bot.Reply{Chat: forum, Thread: thread, Kind: bot.ReplyStaff, Text: "Client: hello"})
	if err != nil {
		t.Fatal(err)
	}
	tid, _ := strconv.Atoi(thread)
	relayed, _ := strconv.Atoi(rc.Refs[0])
	_, plainMsg := f.srv.Push(telegramtest.Inbound{Chat: forumID, From: 501, FirstName: "Anna", Username: "anna_k", Thread: tid, Text: "Dzień dobry"})
	_, replyMsg := f.srv.Push(telegramtest.Inbound{Chat: forumID, From: 502, Thread: tid, ReplyTo: relayed, Text: "I can help"})
	_, mediaMsg := f.srv.Push(telegramtest.Inbound{Chat: forumID, From: 501, Thread: tid, Text: "the form",
		Media: &telegramtest.InMedia{Kind: telegramtest.MediaDocument, Name: "wniosek.pdf", MIME: "application/pdf", Data: []byte("%PDF-1.4")}})
	f.srv.Push(telegramtest.Inbound{Chat: forumID, From: 9, IsBot: true, Thread: tid, Text: "other bot"})
	f.srv.Push(telegramtest.Inbound{Chat: -1005551, From: 501, Text: "another group"})
	f.poll(t)
	waitFor(t, "three desk updates", func() bool { return f.rec.count() == 3 })
	got := f.rec.updates()
	if u := got[0]; u.Chat != forum || u.From != "501" || u.Thread != thread || u.ReplyTo != "" || u.Ref != strconv.Itoa(plainMsg) || u.Text != "Dzień dobry" {
		t.Errorf("topic message: %+v", u)
	}
	if u := got[1]; u.ReplyTo != rc.Refs[0] || u.Thread != thread || u.Ref != strconv.Itoa(replyMsg) || u.From != "502" {
		t.Errorf("reply: %+v", u)
	}
	u := got[2]
	if u.Media == nil || u.Media.Kind != bot.MediaDocument || u.Media.Name != "wniosek.pdf" || u.Media.MIME != "application/pdf" ||
		u.Media.Size != 8 || u.Text != "the form" || u.Ref != strconv.Itoa(mediaMsg) {
		t.Fatalf("document: %+v %+v", u, u.Media)
	}
	if data, ok := f.srv.FileData(u.Media.FileID); !ok || string(data) != "%PDF-1.4" {
		t.Errorf("file id %q does not name the pushed file", u.Media.FileID)
	}
	for _, u := range got {
		if strings.Contains(u.Text+u.From+u.Data, "anna") {
			t.Errorf("a name leaked into %+v", u)
		}
	}
}

func TestPlainGroupReplies(t *testing.T) {
	// The desk is the plain supergroup here.
	f2 := newFixture(t, telegramtest.Options{}, func(c *telegram.Config) { c.DeskChatID = plainID })
	f2.srv.AddGroup(telegramtest.Group{ID: plainID})
	rc, err := f2.a.Send(ctx, bot.Reply{Chat: plain, Kind: bot.ReplyStaff, Text: "Ticket #3 card"})
	if err != nil {
		t.Fatal(err)
	}
	card, _ := strconv.Atoi(rc.Refs[0])
	f2.srv.Push(telegramtest.Inbound{Chat: plainID, From: 501, ReplyTo: card, Text: "on it"})
	f2.poll(t)
	waitFor(t, "reply", func() bool { return f2.rec.count() == 1 })
	if u := f2.rec.updates()[0]; u.ReplyTo != rc.Refs[0] || u.Thread != "" {
		t.Fatalf("reply in a plain group: %+v (a reply thread is no topic)", u)
	}
}

func TestCopyMessage(t *testing.T) {
	f := deskFixture(t, nil)
	thread, _ := f.a.CreateTopic(ctx, forum, "#2")
	tid, _ := strconv.Atoi(thread)
	_, photo := f.srv.Push(telegramtest.Inbound{Chat: 42, Text: "my residence card",
		Media: &telegramtest.InMedia{Kind: telegramtest.MediaPhoto}})
	_, text := f.srv.Push(telegramtest.Inbound{Chat: 42, Text: "hello <b>there</b>"})

	rc, err := f.a.Send(ctx, bot.Reply{Chat: forum, Thread: thread, Kind: bot.ReplyStaff,
		Copy: &bot.MessageRef{Chat: "telegram:42", Ref: strconv.Itoa(photo)}, Track: "t2"})
	if err != nil || len(rc.Refs) != 1 {
		t.Fatalf("copy photo: %v %v", rc, err)
	}
	rc2, err := f.a.Send(ctx, bot.Reply{Chat: forum, Thread: thread, Kind: bot.ReplyStaff,
		Copy: &bot.MessageRef{Chat: "telegram:42", Ref: strconv.Itoa(photo)}, Text: "Client 7F3A: photo"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.a.Send(ctx, bot.Reply{Chat: forum, Thread: thread, Copy: &bot.MessageRef{Chat: "telegram:42", Ref: strconv.Itoa(text)}}); err != nil {
		t.Fatal(err)
	}
	sent := f.srv.Sent(forumID)
	if len(sent) != 3 {
		t.Fatalf("%d sent", len(sent))
	}
	c := sent[0]
	if c.Method != "copyMessage" || c.ThreadID != tid || c.CopyOf == nil || c.CopyOf.ID != photo || c.Plain != "my residence card" ||
		c.Media == nil || c.Media.Kind != telegramtest.MediaPhoto || strconv.Itoa(c.MessageID) != rc.Refs[0] {
		t.Errorf("copy: %+v %+v", c, c.Media)
	}
	if sent[1].Plain != "Client 7F3A: photo" || strconv.Itoa(sent[1].MessageID) != rc2.Refs[0] {
		t.Errorf("copy with caption: %+v", sent[1])
	}
	if sent[2].Plain != "hello <b>there</b>" || sent[2].Media != nil {
		t.Errorf("copied text: %+v", sent[2])
	}
	if p := f.srv.Calls("copyMessage")[0].Params; p["from_chat_id"] != "42" || p["message_thread_id"] != thread {
		t.Errorf("params %v", p)
	}
	long := strings.Repeat("y", 1500)
	rc3, err := f.a.Send(ctx, bot.Reply{Chat: forum, Thread: thread, Text: long, Buttons: [][]bot.Button{{{Label: "Take", Data: "d:take:2"}}},
		Copy: &bot.MessageRef{Chat: "telegram:42", Ref: strconv.Itoa(photo)}})
	if err != nil || len(rc3.Refs) != 2 {
		t.Fatalf("copy with a long text: %v %v", rc3, err)
	}
	if s := f.srv.Sent(forumID); s[3].Plain != "my residence card" || s[3].Keyboard != nil || s[4].Plain != long || s[4].Keyboard == nil || s[4].ThreadID != tid {
		t.Errorf("long text after a copy: %+v / %+v", s[3], s[4])
	}

	err = errOf(f.a.Send(ctx, bot.Reply{Chat: forum, Copy: &bot.MessageRef{Chat: "telegram:42", Ref: "9999"}}))
	assertSendError(t, err, bot.SendPermanent, "tg_400_message_to_copy_not_found")
	err = errOf(f.a.Send(ctx, bot.Reply{Chat: forum, Copy: &bot.MessageRef{Chat: "viber:abc", Ref: "1"}}))
	assertSendError(t, err, bot.SendPermanent, "tg_copy_foreign")
	f.srv.InjectNext("copyMessage", telegramtest.Fault{Kind: telegramtest.Fault500})
	err = errOf(f.a.Send(ctx, bot.Reply{Chat: "telegram:42", Copy: &bot.MessageRef{Chat: forum, Ref: rc.Refs[0]}}))
	assertSendError(t, err, bot.SendRetry, "tg_500")
	// And back to the user: the consultant's copy reaches the user's chat.
	if _, err := f.a.Send(ctx, bot.Reply{Chat: "telegram:42", Kind: bot.ReplyRelay, Copy: &bot.MessageRef{Chat: forum, Ref: rc.Refs[0]}}); err != nil {
		t.Fatal(err)
	}
	if s := f.srv.Sent(42); len(s) != 1 || s[0].Method != "copyMessage" || s[0].CopyOf.Chat != forumID {
		t.Fatalf("to the user: %+v", s)
	}
}

func TestReplyTo(t *testing.T) {
	f := deskFixture(t, nil)
	_, userMsg := f.srv.Push(telegramtest.Inbound{Chat: 42, Text: "question"})
	_, gone := f.srv.Push(telegramtest.Inbound{Chat: 42, Text: "deleted later"})
	if err := f.a.DeleteMessage(ctx, "telegram:42", strconv.Itoa(gone)); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("word ", 1000) // two messages
	rc, err := f.a.Send(ctx, bot.Reply{Chat: "telegram:42", Text: long, ReplyTo: strconv.Itoa(userMsg)})
	if err != nil || len(rc.Refs) != 2 {
		t.Fatalf("%v %v", rc, err)
	}
	s := f.srv.Sent(42)
	if s[0].ReplyTo != userMsg || s[1].ReplyTo != 0 {
		t.Errorf("reply on parts: %d %d", s[0].ReplyTo, s[1].ReplyTo)
	}
	if _, err := f.a.Send(ctx, bot.Reply{Chat: "telegram:42", Text: "still sent", ReplyTo: strconv.Itoa(gone)}); err != nil {
		t.Fatalf("reply to a deleted message: %v", err)
	}
	if s := f.srv.Sent(42); s[2].ReplyTo != 0 || s[2].Plain != "still sent" {
		t.Errorf("%+v", s[2])
	}
}

func TestSendMedia(t *testing.T) {
	f := deskFixture(t, nil)
	photo := f.srv.AddFile(telegramtest.MediaPhoto, "", "", []byte("jpeg"))
	voice := f.srv.AddFile(telegramtest.MediaVoice, "", "", nil)
	sticker := f.srv.AddFile(telegramtest.MediaSticker, "", "", nil)
	kb := [][]bot.Button{{{Label: "Close", Data: "d:close:1"}}}
	tests := []struct {
		name   string
		reply  bot.Reply
		method []string
		check  func(t *testing.T, s []telegramtest.SentMessage)
	}{
		{"photo by file id with caption and buttons", bot.Reply{Text: "<scan> & more", Buttons: kb, Media: &bot.Media{Kind: bot.MediaPhoto, FileID: photo.ID}},
			[]string{"sendPhoto"}, func(t *testing.T, s []telegramtest.SentMessage) {
				if s[0].Plain != "<scan> & more" || s[0].Media.FileID != photo.ID || s[0].Keyboard == nil {
					t.Errorf("%+v", s[0])
				}
			}},
		{"document by URL", bot.Reply{Media: &bot.Media{Kind: bot.MediaDocument, URL: "https://media.example/doc.pdf", Name: "doc.pdf"}},
			[]string{"sendDocument"}, func(t *testing.T, s []telegramtest.SentMessage) {
				if s[0].Media.URL != "https://media.example/doc.pdf" {
					t.Errorf("%+v", s[0].Media)
				}
			}},
		{"voice", bot.Reply{Media: &bot.Media{Kind: bot.MediaVoice, FileID: voice.ID}}, []string{"sendVoice"}, nil},
		{"video by URL", bot.Reply{Media: &bot.Media{Kind: bot.MediaVideo, URL: "https://media.example/v.mp4"}}, []string{"sendVideo"}, nil},
		{"a Viber sticker goes as a photo", bot.Reply{Media: &bot.Media{Kind: bot.MediaSticker, URL: "https://media.example/46105.png"}},
			[]string{"sendPhoto"}, nil},
		{"sticker takes no caption", bot.Reply{Text: "Client 7F3A", Buttons: kb, Media: &bot.Media{Kind: bot.MediaSticker, FileID: sticker.ID}},
			[]string{"sendSticker", "sendMessage"}, func(t *testing.T, s []telegramtest.SentMessage) {
				if s[0].Keyboard != nil || s[1].Keyboard == nil || s[1].Plain != "Client 7F3A" {
					t.Errorf("buttons must go on the last message: %+v", s)
				}
			}},
		{"location then text", bot.Reply{Title: "Office", Text: "Come here", Media: &bot.Media{Kind: bot.MediaLocation, Lat: 51.1, Lon: 17.03}},
			[]string{"sendLocation", "sendMessage"}, func(t *testing.T, s []telegramtest.SentMessage) {
				if s[0].Media.Lat != 51.1 || s[0].Media.Lon != 17.03 || s[1].Plain != "Office\n\nCome here" {
					t.Errorf("%+v %+v", s[0].Media, s[1])
				}
			}},
		{"caption too long goes after", bot.Reply{Text: strings.Repeat("x", 1500), Media: &bot.Media{Kind: bot.MediaPhoto, FileID: photo.ID}},
			[]string{"sendPhoto", "sendMessage"}, func(t *testing.T, s []telegramtest.SentMessage) {
				if s[0].Plain != "" || len(s[1].Plain) != 1500 {
					t.Errorf("%q %d", s[0].Plain, len(s[1].Plain))
				}
			}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chat := int64(100 + i)
			tt.reply.Chat = bot.NewChatKey(bot.Telegram, strconv.FormatInt(chat, 10))
			rc, err := f.a.Send(ctx, tt.reply)
			if err != nil {
				t.Fatal(err)
			}
			s := f.srv.Sent(chat)
			if len(s) != len(tt.method) || len(rc.Refs) != len(s) {
				t.Fatalf("sent %d, refs %v, want %v", len(s), rc.Refs, tt.method)
			}
			for j, m := range tt.method {
				if s[j].Method != m || rc.Refs[j] != strconv.Itoa(s[j].MessageID) {
					t.Errorf("message %d: %s id %d, want %s ref %s", j, s[j].Method, s[j].MessageID, m, rc.Refs[j])
				}
			}
			if tt.check != nil {
				tt.check(t, s)
			}
		})
	}
	err := errOf(f.a.Send(ctx, bot.Reply{Chat: "telegram:42", Media: &bot.Media{Kind: bot.MediaPhoto}}))
	assertSendError(t, err, bot.SendPermanent, "tg_bad_media")
	err = errOf(f.a.Send(ctx, bot.Reply{Chat: "telegram:42", Media: &bot.Media{Kind: bot.MediaDocument, FileID: photo.ID}}))
	assertSendError(t, err, bot.SendPermanent, "")
}

func TestGroupLimitIsALanePause(t *testing.T) {
	clock := newClock()
	f := deskFixture(t, clock)
	for i := range 20 {
		if err := errOf(f.a.Send(ctx, bot.Reply{Chat: plain, Kind: bot.ReplyStaff, Text: "relay " + strconv.Itoa(i)})); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		clock.Add(time.Second)
	}
	// The 21st within the minute: Telegram's 429, for this group only.
	err := errOf(f.a.Send(ctx, bot.Reply{Chat: plain, Kind: bot.ReplyStaff, Text: "one too many"}))
	se := assertSendError(t, err, bot.SendRateLimited, "tg_429")
	if se.Global || se.RetryAfter != 40*time.Second {
		t.Fatalf("global=%v retry=%v, want a 40 s lane pause", se.Global, se.RetryAfter)
	}
	// A private chat limited right after is its own lane, not a flood.
	f.srv.InjectNext("sendMessage", telegramtest.Fault{Kind: telegramtest.Fault429, RetryAfter: 3})
	err = errOf(f.a.Send(ctx, bot.Reply{Chat: "telegram:42", Text: "hi"}))
	if se := assertSendError(t, err, bot.SendRateLimited, "tg_429"); se.Global || se.RetryAfter != 3*time.Second {
		t.Fatalf("private 429 after a group 429: %+v", se)
	}
	// Topics share the group's limit.
	thread, err := f.a.CreateTopic(ctx, forum, "#1")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		r := bot.Reply{Chat: forum, Kind: bot.ReplyStaff, Text: "x"}
		if i%2 == 0 {
			r.Thread = thread
		}
		if err := errOf(f.a.Send(ctx, r)); err != nil {
			t.Fatalf("forum send %d: %v", i, err)
		}
	}
	err = errOf(f.a.Send(ctx, bot.Reply{Chat: forum, Thread: thread, Text: "x"}))
	assertSendError(t, err, bot.SendRateLimited, "tg_429")
	clock.Add(time.Minute)
	if err := errOf(f.a.Send(ctx, bot.Reply{Chat: forum, Thread: thread, Text: "x"})); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if f.srv.EarlyRetries() != 0 {
		t.Fatalf("early retries %d", f.srv.EarlyRetries())
	}
}

func TestDeleteMessage(t *testing.T) {
	clock := newClock()
	f := deskFixture(t, clock)
	rc, err := f.a.Send(ctx, bot.Reply{Chat: forum, Text: "relay"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.a.DeleteMessage(ctx, forum, rc.Refs[0]); err != nil {
		t.Fatal(err)
	}
	id, _ := strconv.Atoi(rc.Refs[0])
	if !f.srv.Deleted(forumID, id) {
		t.Fatal("not deleted")
	}
	if err := f.a.DeleteMessage(ctx, forum, rc.Refs[0]); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}
	_, userMsg := f.srv.Push(telegramtest.Inbound{Chat: forumID, From: 7, Text: "consultant"})
	f.srv.SetBotRights(forumID, telegramtest.BotRights{ManageTopics: true})
	if err := f.a.DeleteMessage(ctx, forum, strconv.Itoa(userMsg)); err == nil {
		t.Fatal("deleted another's message without the right")
	}
	old, _ := f.a.Send(ctx, bot.Reply{Chat: forum, Text: "old"})
	clock.Add(49 * time.Hour)
	if err := f.a.DeleteMessage(ctx, forum, old.Refs[0]); err == nil || !strings.Contains(err.Error(), "for everyone") {
		t.Fatalf("deleting a 49 h old message: %v", err)
	}
	if err := f.a.DeleteMessage(ctx, forum, "x"); err == nil {
		t.Fatal("bad ref accepted")
	}
}

func TestSendDocumentUploadsWhatTelegramCannotFetch(t *testing.T) {
	f := deskFixture(t, nil)
	docx := []byte("PK\x03\x04 word document")
	mux := http.NewServeMux()
	mux.HandleFunc("/dl/wniosek.docx", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(docx) })
	mux.HandleFunc("/dl/broken.docx", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "x", 500) })
	viberCDN := httptest.NewServer(mux)
	t.Cleanup(viberCDN.Close)

	rc, err := f.a.Send(ctx, bot.Reply{Chat: forum, Kind: bot.ReplyStaff, Text: "Client 7F3A: the form",
		Media: &bot.Media{Kind: bot.MediaDocument, URL: viberCDN.URL + "/dl/wniosek.docx", Name: "wniosek.docx", Size: int64(len(docx))}})
	if err != nil || len(rc.Refs) != 1 {
		t.Fatalf("%v %v", rc, err)
	}
	s := f.srv.Sent(forumID)
	if len(s) != 1 || s[0].Method != "sendDocument" || s[0].Media == nil || !s[0].Media.Uploaded || s[0].Media.Name != "wniosek.docx" || s[0].Plain != "Client 7F3A: the form" {
		t.Fatalf("%+v %+v", s, s[0].Media)
	}
	if data, _ := f.srv.FileData(s[0].Media.FileID); !bytes.Equal(data, docx) {
		t.Fatalf("uploaded %q", data)
	}
	err = errOf(f.a.Send(ctx, bot.Reply{Chat: forum, Media: &bot.Media{Kind: bot.MediaDocument, URL: viberCDN.URL + "/dl/expired.docx"}}))
	assertSendError(t, err, bot.SendPermanent, "tg_media_unfetchable")
	err = errOf(f.a.Send(ctx, bot.Reply{Chat: forum, Media: &bot.Media{Kind: bot.MediaDocument, URL: viberCDN.URL + "/dl/broken.docx"}}))
	assertSendError(t, err, bot.SendRetry, "tg_media_fetch")
	// Telegram's answer to an upload is classified like any other.
	f.srv.InjectNext("sendDocument", telegramtest.Fault{Kind: telegramtest.Fault429, RetryAfter: 7})
	err = errOf(f.a.Send(ctx, bot.Reply{Chat: forum, Media: &bot.Media{Kind: bot.MediaDocument, URL: viberCDN.URL + "/dl/wniosek.docx"}}))
	if se := assertSendError(t, err, bot.SendRateLimited, "tg_429"); se.RetryAfter != 7*time.Second || se.Global {
		t.Fatalf("%+v", se)
	}
	if strings.Contains(fmt.Sprint(err), f.srv.Token()) {
		t.Fatal("error holds the token")
	}
}

func TestGroupSendFaults(t *testing.T) {
	f := newFixture(t, telegramtest.Options{}, func(c *telegram.Config) {
		c.DeskChatID = forumID
		c.HTTPClient.Timeout = 300 * time.Millisecond
	})
	f.srv.AddGroup(telegramtest.Group{ID: forumID, Forum: true})
	thread, _ := f.a.CreateTopic(ctx, forum, "#1")
	_, src := f.srv.Push(telegramtest.Inbound{Chat: 42, Text: "hi"})
	copyReply := bot.Reply{Chat: forum, Thread: thread, Copy: &bot.MessageRef{Chat: "telegram:42", Ref: strconv.Itoa(src)}}
	for _, tt := range []struct {
		fault  telegramtest.FaultKind
		kind   bot.SendErrorKind
		reason string
	}{
		{telegramtest.Fault500, bot.SendRetry, "tg_500"},
		{telegramtest.Fault502, bot.SendRetry, ""},
		{telegramtest.FaultHang, bot.SendRetry, "tg_timeout"},
		{telegramtest.FaultReset, bot.SendRetry, "tg_network"},
	} {
		f.srv.InjectNext("copyMessage", telegramtest.Fault{Kind: tt.fault})
		assertSendError(t, errOf(f.a.Send(ctx, copyReply)), tt.kind, tt.reason)
	}
	if _, err := f.a.Send(ctx, copyReply); err != nil {
		t.Fatalf("after the faults: %v", err)
	}
}

func TestBasicGroupUpgraded(t *testing.T) {
	mf := newMediaFixture(t, nil) // for its log capture
	mf.srv.AddGroup(telegramtest.Group{ID: basicID, Basic: true})
	mf.srv.AddMember(basicID, 7, telegramtest.StatusMember)
	if err := errOf(mf.a.Send(ctx, bot.Reply{Chat: "telegram:-4242", Text: "card"})); err != nil {
		t.Fatal(err)
	}
	newID := mf.srv.MigrateToSupergroup(basicID, true)
	err := errOf(mf.a.Send(ctx, bot.Reply{Chat: "telegram:-4242", Text: "card"}))
	assertSendError(t, err, bot.SendPermanent, "tg_400_migrated")
	if logs := mf.logs.String(); !strings.Contains(logs, "new_chat_id="+strconv.FormatInt(newID, 10)) {
		t.Fatalf("the new chat id is not logged:\n%s", logs)
	}
	newKey := bot.NewChatKey(bot.Telegram, strconv.FormatInt(newID, 10))
	if ok, err := mf.a.IsForum(ctx, newKey); err != nil || !ok {
		t.Fatalf("new supergroup: %v %v", ok, err)
	}
	if ok, err := mf.a.IsMember(ctx, newKey, "7"); err != nil || !ok {
		t.Fatalf("members move along: %v %v", ok, err)
	}
}

func TestBotRightsAndPrivacyMode(t *testing.T) {
	f := deskFixture(t, nil)
	r, err := f.a.BotRights(ctx, forum)
	if err != nil || r != (telegram.BotRights{Admin: true, ManageTopics: true, DeleteMessages: true, ReadsAll: true}) {
		t.Fatalf("admin: %+v %v", r, err)
	}
	f.srv.SetBotRights(plainID, telegramtest.BotRights{NotAdmin: true})
	r, err = f.a.BotRights(ctx, plain)
	if err != nil || r != (telegram.BotRights{}) {
		t.Fatalf("member with privacy mode: %+v %v", r, err)
	}
	// Privacy mode hides ordinary messages from a bot that is no admin.
	rc, _ := f.a.Send(ctx, bot.Reply{Chat: plain, Text: "card"})
	card, _ := strconv.Atoi(rc.Refs[0])
	if id, _ := f.srv.Push(telegramtest.Inbound{Chat: plainID, From: 5, Text: "hello all"}); id != 0 {
		t.Fatal("privacy mode delivered a plain group message")
	}
	for _, in := range []telegramtest.Inbound{
		{Chat: plainID, From: 5, Text: "/tickets"},
		{Chat: plainID, From: 5, Text: "hey @" + f.srv.BotUsername()},
		{Chat: plainID, From: 5, ReplyTo: card, Text: "answer"},
	} {
		if id, _ := f.srv.Push(in); id == 0 {
			t.Errorf("privacy mode hid %+v", in)
		}
	}
	g := newFixture(t, telegramtest.Options{PrivacyModeOff: true}, nil)
	g.srv.AddGroup(telegramtest.Group{ID: plainID})
	g.srv.SetBotRights(plainID, telegramtest.BotRights{NotAdmin: true})
	if r, err := g.a.BotRights(ctx, plain); err != nil || !r.ReadsAll || r.Admin {
		t.Fatalf("privacy off: %+v %v", r, err)
	}
	if id, _ := g.srv.Push(telegramtest.Inbound{Chat: plainID, From: 5, Text: "hello all"}); id == 0 {
		t.Fatal("privacy off still hides messages")
	}
	f.srv.BlockUser(forumID) // the bot was removed from the group
	if _, err := f.a.BotRights(ctx, forum); err == nil || !strings.Contains(err.Error(), "kicked") {
		t.Fatalf("removed bot: %v", err)
	}
	if _, err := f.a.IsForum(ctx, forum); err == nil {
		t.Fatal("IsForum of a group the bot was removed from succeeded")
	}
}

func TestDeleteMessagesInBatches(t *testing.T) {
	f := newFixture(t, telegramtest.Options{Limits: telegramtest.Limits{Disabled: true}}, nil)
	f.srv.AddGroup(telegramtest.Group{ID: plainID})
	var refs []string
	for range 150 {
		rc, err := f.a.Send(ctx, bot.Reply{Chat: plain, Text: "relay"})
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, rc.Refs...)
	}
	refs = append(refs, "x", "99999") // garbage and gone: skipped
	if err := f.a.DeleteMessages(ctx, plain, refs); err != nil {
		t.Fatal(err)
	}
	if n := len(f.srv.Calls("deleteMessages")); n != 2 {
		t.Fatalf("%d calls, want 2 batches", n)
	}
	for _, m := range f.srv.Sent(plainID) {
		if !m.Deleted {
			t.Fatalf("message %d left", m.MessageID)
		}
	}
	if err := f.a.DeleteMessages(ctx, plain, refs[:3]); err != nil {
		t.Fatalf("deleting again: %v", err)
	}
	if err := f.a.DeleteMessages(ctx, plain, nil); err != nil || len(f.srv.Calls("deleteMessages")) != 3 {
		t.Fatalf("no refs: %v", err)
	}
}
