package telegramtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
)

const group = int64(-1001000)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func call(t *testing.T, s *telegramtest.Server, method string, v url.Values) (int, apiResp) {
	t.Helper()
	resp, err := http.PostForm(s.URL()+"/bot"+s.Token()+"/"+method, v)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	var r apiResp
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("%s: decode: %v", method, err)
	}
	return resp.StatusCode, r
}

func mustOK(t *testing.T, s *telegramtest.Server, method string, v url.Values) json.RawMessage {
	t.Helper()
	code, r := call(t, s, method, v)
	if code != 200 || !r.OK {
		t.Fatalf("%s %v: %d %s", method, v, code, r.Description)
	}
	return r.Result
}

func mustFail(t *testing.T, s *telegramtest.Server, method string, v url.Values, code int, desc string) {
	t.Helper()
	got, r := call(t, s, method, v)
	if got != code || r.OK || r.ErrorCode != code || r.Description != desc {
		t.Fatalf("%s %v: %d %q, want %d %q", method, v, got, r.Description, code, desc)
	}
}

func TestGetChatAndMembers(t *testing.T) {
	s := telegramtest.New(t, telegramtest.Options{})
	s.AddGroup(telegramtest.Group{ID: group, Title: "Desk", Forum: true})
	s.AddGroup(telegramtest.Group{ID: -55, Basic: true})
	var c map[string]any
	_ = json.Unmarshal(mustOK(t, s, "getChat", url.Values{"chat_id": {"-1001000"}}), &c)
	if c["type"] != "supergroup" || c["is_forum"] != true || c["title"] != "Desk" {
		t.Fatalf("getChat forum: %v", c)
	}
	c = nil
	_ = json.Unmarshal(mustOK(t, s, "getChat", url.Values{"chat_id": {"-55"}}), &c)
	if c["type"] != "group" || c["is_forum"] != nil {
		t.Fatalf("getChat basic: %v", c)
	}
	s.AddMember(group, 7, telegramtest.StatusAdministrator)
	s.AddMember(group, 8, "")
	s.BanMember(group, 9)
	for user, want := range map[string]string{"7": "administrator", "8": "member", "9": "kicked", "10": "left", "123456": "administrator"} {
		var m struct {
			Status string `json:"status"`
			User   struct {
				ID int64 `json:"id"`
			} `json:"user"`
			CanManageTopics *bool `json:"can_manage_topics"`
		}
		_ = json.Unmarshal(mustOK(t, s, "getChatMember", url.Values{"chat_id": {"-1001000"}, "user_id": {user}}), &m)
		if m.Status != want || strconv.FormatInt(m.User.ID, 10) != user {
			t.Errorf("user %s: %+v, want %s", user, m, want)
		}
	}
	mustFail(t, s, "getChatMember", url.Values{"chat_id": {"-1001000"}, "user_id": {"x"}}, 400, "Bad Request: invalid user_id specified")
	mustFail(t, s, "getChatMember", url.Values{"chat_id": {"5"}, "user_id": {"6"}}, 400, "Bad Request: user not found")
}

func TestForumTopicsWire(t *testing.T) {
	s := telegramtest.New(t, telegramtest.Options{})
	s.AddGroup(telegramtest.Group{ID: group, Forum: true})
	s.AddGroup(telegramtest.Group{ID: -1002000})
	var topic struct {
		ThreadID int    `json:"message_thread_id"`
		Name     string `json:"name"`
	}
	_ = json.Unmarshal(mustOK(t, s, "createForumTopic", url.Values{"chat_id": {"-1001000"}, "name": {"#1 🇵🇱"}}), &topic)
	if topic.ThreadID == 0 || topic.Name != "#1 🇵🇱" {
		t.Fatalf("%+v", topic)
	}
	th := strconv.Itoa(topic.ThreadID)
	v := url.Values{"chat_id": {"-1001000"}, "message_thread_id": {th}}
	mustFail(t, s, "createForumTopic", url.Values{"chat_id": {"-1002000"}, "name": {"x"}}, 400, "Bad Request: the chat is not a forum")
	mustFail(t, s, "reopenForumTopic", v, 400, "Bad Request: TOPIC_NOT_MODIFIED")
	mustOK(t, s, "closeForumTopic", v)
	mustFail(t, s, "closeForumTopic", v, 400, "Bad Request: TOPIC_NOT_MODIFIED")
	mustFail(t, s, "sendMessage", url.Values{"chat_id": {"-1001000"}, "message_thread_id": {th}, "text": {"x"}}, 400, "Bad Request: TOPIC_CLOSED")
	mustOK(t, s, "reopenForumTopic", v)
	var msg struct {
		ID       int  `json:"message_id"`
		ThreadID int  `json:"message_thread_id"`
		IsTopic  bool `json:"is_topic_message"`
		Reply    *struct {
			ID      int             `json:"message_id"`
			Created json.RawMessage `json:"forum_topic_created"`
		} `json:"reply_to_message"`
	}
	_ = json.Unmarshal(mustOK(t, s, "sendMessage", url.Values{"chat_id": {"-1001000"}, "message_thread_id": {th}, "text": {"x"}}), &msg)
	if msg.ThreadID != topic.ThreadID || !msg.IsTopic || msg.Reply == nil || msg.Reply.ID != topic.ThreadID || msg.Reply.Created == nil {
		t.Fatalf("topic message %+v", msg)
	}
	mustOK(t, s, "deleteForumTopic", v)
	mustFail(t, s, "deleteForumTopic", v, 400, "Bad Request: TOPIC_ID_INVALID")
	mustFail(t, s, "closeForumTopic", v, 400, "Bad Request: TOPIC_ID_INVALID")
	mustFail(t, s, "sendMessage", url.Values{"chat_id": {"-1001000"}, "message_thread_id": {th}, "text": {"x"}}, 400, "Bad Request: message thread not found")
	if ts := s.Topics(group); len(ts) != 1 || !ts[0].Deleted || ts[0].Open {
		t.Fatalf("Topics %+v", ts)
	}
	if !s.Deleted(group, msg.ID) {
		t.Fatal("topic messages survive deleteForumTopic")
	}
}

func TestGroupLimitBody(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
	s := telegramtest.New(t, telegramtest.Options{Now: c.now})
	s.AddGroup(telegramtest.Group{ID: group, Forum: true})
	th := strconv.Itoa(s.CreateTopic(group, "t"))
	for i := range 20 {
		v := url.Values{"chat_id": {"-1001000"}, "text": {"x"}}
		if i%2 == 1 {
			v.Set("message_thread_id", th) // topics share the group's limit
		}
		mustOK(t, s, "sendMessage", v)
		c.add(time.Second)
	}
	resp, err := http.PostForm(s.URL()+"/bot"+s.Token()+"/copyMessage", url.Values{"chat_id": {"-1001000"}, "from_chat_id": {"-1001000"}, "message_id": {"2"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 40","parameters":{"retry_after":40}}`
	if resp.StatusCode != 429 || string(body) != want {
		t.Fatalf("%d %s\nwant %s", resp.StatusCode, body, want)
	}
	if s.Violations() != 1 {
		t.Fatalf("violations %d", s.Violations())
	}
	c.add(10 * time.Second)
	mustFail(t, s, "sendPhoto", url.Values{"chat_id": {"-1001000"}, "photo": {"https://e.org/x.jpg"}}, 429, "Too Many Requests: retry after 30")
	if s.EarlyRetries() != 1 {
		t.Fatalf("early retries %d", s.EarlyRetries())
	}
	c.add(30 * time.Second)
	mustOK(t, s, "sendMessage", url.Values{"chat_id": {"-1001000"}, "text": {"x"}})
}

func TestPushGroupMessages(t *testing.T) {
	s := telegramtest.New(t, telegramtest.Options{})
	s.AddGroup(telegramtest.Group{ID: group, Forum: true})
	s.AddGroup(telegramtest.Group{ID: -1002000})
	th := s.CreateTopic(group, "t")
	_, root := s.Push(telegramtest.Inbound{Chat: -1002000, From: 5, Text: "card"})
	s.Push(telegramtest.Inbound{Chat: group, From: 5, FirstName: "Anna", LastName: "K", Username: "annak", Lang: "pl", Thread: th, Text: "/take", Command: true})
	s.Push(telegramtest.Inbound{Chat: -1002000, From: 6, ReplyTo: root, Text: "me too"})
	s.Push(telegramtest.Inbound{Chat: 42, Text: "where", Media: &telegramtest.InMedia{Kind: telegramtest.MediaLocation, Lat: 52.2, Lon: 21}})
	s.Push(telegramtest.Inbound{Chat: 42, Media: &telegramtest.InMedia{Kind: telegramtest.MediaSticker}})
	s.Push(telegramtest.Inbound{Chat: 42, Text: "scan", Media: &telegramtest.InMedia{Kind: telegramtest.MediaPhoto}})
	s.Push(telegramtest.Inbound{Chat: 42, Media: &telegramtest.InMedia{Kind: telegramtest.MediaVoice}})
	s.Push(telegramtest.Inbound{Chat: 42, Media: &telegramtest.InMedia{Kind: telegramtest.MediaVideo, Name: "v.mp4"}})
	var ups []map[string]json.RawMessage
	_ = json.Unmarshal(mustOK(t, s, "getUpdates", url.Values{"timeout": {"0"}}), &ups)
	if len(ups) != 8 {
		t.Fatalf("%d updates", len(ups))
	}
	want := []string{
		`"chat":{"id":-1002000,"title":"Group","type":"supergroup"}`,
		`"from":{"first_name":"Anna","id":5,"is_bot":false,"language_code":"pl","last_name":"K","username":"annak"},"is_topic_message":true,"message_id":`,
		`"message_thread_id":` + strconv.Itoa(root) + `,"reply_to_message":{"chat":`,
		`"location":{"latitude":52.2,"longitude":21}`,
		`"sticker":{"emoji":"👍","file_id":"`,
		`"photo":[{"file_id":"`,
		`"voice":{"duration":3,"file_id":"`,
		`"video":{"duration":5,"file_id":"`,
	}
	for i, w := range want {
		if !strings.Contains(string(ups[i]["message"]), w) {
			t.Errorf("update %d: %s\nmissing %s", i, ups[i]["message"], w)
		}
	}
	if !strings.Contains(string(ups[1]["message"]), `"reply_to_message":{"chat":{"id":-1001000,"is_forum":true,"title":"Group","type":"supergroup"},"date":`) ||
		!strings.Contains(string(ups[1]["message"]), `"entities":[{"length":5,"offset":0,"type":"bot_command"}]`) {
		t.Errorf("topic message: %s", ups[1]["message"])
	}
}

func TestFilesAndDownload(t *testing.T) {
	s := telegramtest.New(t, telegramtest.Options{})
	f := s.AddFile(telegramtest.MediaDocument, "wniosek.pdf", "application/pdf", []byte("%PDF-1.7 body"))
	var got struct {
		ID   string `json:"file_id"`
		Size int    `json:"file_size"`
		Path string `json:"file_path"`
	}
	_ = json.Unmarshal(mustOK(t, s, "getFile", url.Values{"file_id": {f.ID}}), &got)
	if got.ID != f.ID || got.Size != 13 || got.Path == "" {
		t.Fatalf("%+v", got)
	}
	resp, err := http.Get(s.URL() + "/file/bot" + s.Token() + "/" + got.Path)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "%PDF-1.7 body" {
		t.Fatalf("download %d %q", resp.StatusCode, body)
	}
	resp, err = http.Get(s.URL() + "/file/botWRONG/" + got.Path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("wrong token: %d", resp.StatusCode)
	}
	mustFail(t, s, "getFile", url.Values{"file_id": {"nope"}}, 400, "Bad Request: wrong file_id or the file is temporarily unavailable")
	big := s.AddFile(telegramtest.MediaVideo, "", "", make([]byte, telegramtest.MaxDownload+1))
	mustFail(t, s, "getFile", url.Values{"file_id": {big.ID}}, 400, "Bad Request: file is too big")
}

func TestSendMediaWire(t *testing.T) {
	s := telegramtest.New(t, telegramtest.Options{Limits: telegramtest.Limits{Disabled: true}})
	photo := s.AddFile(telegramtest.MediaPhoto, "", "", nil)
	long := strings.Repeat("a", 1025)
	tests := []struct {
		method string
		v      url.Values
		desc   string // "" = ok
	}{
		{"sendPhoto", url.Values{"photo": {photo.ID}, "caption": {"<b>x</b>"}, "parse_mode": {"HTML"}}, ""},
		{"sendPhoto", url.Values{}, "Bad Request: there is no photo in the request"},
		{"sendPhoto", url.Values{"photo": {"garbage"}}, "Bad Request: wrong file identifier/HTTP URL specified"},
		{"sendDocument", url.Values{"document": {photo.ID}}, "Bad Request: can't use file of type Photo as Document"},
		{"sendDocument", url.Values{"document": {"https://e.org/a.docx"}}, "Bad Request: wrong type of the web page content"},
		{"sendDocument", url.Values{"document": {"https://e.org/a.pdf"}}, ""},
		{"sendPhoto", url.Values{"photo": {photo.ID}, "caption": {long}}, "Bad Request: message caption is too long"},
		{"sendLocation", url.Values{"latitude": {"91"}, "longitude": {"0"}}, "Bad Request: wrong latitude or longitude"},
		{"sendLocation", url.Values{"latitude": {"50.06"}, "longitude": {"19.94"}}, ""},
		{"sendVoice", url.Values{"voice": {"https://e.org/v.ogg"}, "reply_parameters": {`{"message_id":999}`}}, "Bad Request: message to be replied not found"},
		{"sendVoice", url.Values{"voice": {"https://e.org/v.ogg"}, "reply_parameters": {`{"message_id":999,"allow_sending_without_reply":true}`}}, ""},
		{"copyMessage", url.Values{"from_chat_id": {"1"}, "message_id": {"999"}}, "Bad Request: message to copy not found"},
		{"deleteMessage", url.Values{"message_id": {"999"}}, "Bad Request: message to delete not found"},
	}
	for _, tt := range tests {
		tt.v.Set("chat_id", "1")
		if tt.desc == "" {
			mustOK(t, s, tt.method, tt.v)
		} else {
			mustFail(t, s, tt.method, tt.v, 400, tt.desc)
		}
	}
	sent := s.Sent(1)
	if len(sent) != 4 || sent[0].Plain != "x" || sent[0].Media.FileID != photo.ID || sent[1].Media.URL != "https://e.org/a.pdf" || sent[2].Media.Lat != 50.06 {
		t.Fatalf("%+v", sent)
	}
}

func TestFetchesLoopbackURLs(t *testing.T) {
	s := telegramtest.New(t, telegramtest.Options{})
	media := http.NewServeMux()
	media.HandleFunc("/ok.jpg", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		_, _ = w.Write([]byte("\xff\xd8jpeg"))
	})
	media.HandleFunc("/page.jpg", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>"))
	})
	hs := newLoopback(t, media)
	var m struct {
		Photo []struct {
			FileID string `json:"file_id"`
		} `json:"photo"`
	}
	_ = json.Unmarshal(mustOK(t, s, "sendPhoto", url.Values{"chat_id": {"1"}, "photo": {hs + "/ok.jpg"}}), &m)
	if data, ok := s.FileData(m.Photo[len(m.Photo)-1].FileID); !ok || string(data) != "\xff\xd8jpeg" {
		t.Fatalf("fetched %q %v", data, ok)
	}
	mustFail(t, s, "sendPhoto", url.Values{"chat_id": {"1"}, "photo": {hs + "/missing.jpg"}}, 400, "Bad Request: failed to get HTTP URL content")
	mustFail(t, s, "sendPhoto", url.Values{"chat_id": {"1"}, "photo": {hs + "/page.jpg"}}, 400, "Bad Request: wrong type of the web page content")
}

func newLoopback(t *testing.T, h http.Handler) string {
	t.Helper()
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs.URL
}
