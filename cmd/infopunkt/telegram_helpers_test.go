package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
	"github.com/infopunkt/infopunkt/faq"
)

// soak reports whether the long variants of the load tests should run
// (INFOPUNKT_SOAK=1).
func soak() bool { return os.Getenv("INFOPUNKT_SOAK") == "1" }

// telegramEnv is the environment that points run at fake, plus extra
// name/value pairs. The log level stays info: startRun waits for the
// "listening" line.
func telegramEnv(fake *telegramtest.Server, extra ...string) map[string]string {
	env := map[string]string{
		"INFOPUNKT_TELEGRAM_TOKEN":   fake.Token(),
		"INFOPUNKT_TELEGRAM_API_URL": fake.URL(),
		// Not the default 127.0.0.1:9090, which anything else on the
		// machine may hold (the bot then exits at start).
		"INFOPUNKT_ADMIN_LISTEN": "127.0.0.1:0",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return env
}

// freeAddr returns a loopback address with a port that was free a moment
// ago, so a webhook URL can be built before run starts listening on it.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// testContent loads the shipped content the way run does.
func testContent(t testing.TB) *faq.Content {
	t.Helper()
	c, probs, err := loadContent("", defaultConfig().MaxReviewAge)
	if err != nil {
		t.Fatalf("load content: %v\n%s", err, probs.Error())
	}
	return c
}

// eventually polls cond every interval until it holds or d passes. It is
// waitFor with a coarser interval, for conditions that copy the fake's
// whole call log.
func eventually(t testing.TB, what string, d, interval time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(interval)
	}
}

// step is one thing a user does: type text (a command when it starts with
// "/") or press the button with data under message msgID.
type step struct {
	text  string
	data  string
	msgID int
}

func typed(text string) step            { return step{text: text} }
func press(data string, msgID int) step { return step{data: data, msgID: msgID} }

// push queues s as an update from the user of private chat.
func (s step) push(fake *telegramtest.Server, chat int64, lang string) int {
	switch {
	case s.data != "":
		return fake.PushCallback(chat, chat, s.msgID, s.data)
	case strings.HasPrefix(s.text, "/"):
		return fake.PushCommand(chat, chat, s.text, lang)
	default:
		return fake.PushMessage(chat, chat, s.text, lang)
	}
}

// update is s as the Telegram adapter hands it to the engine.
func (s step) update(chat int64, lang string) bot.Update {
	u := bot.Update{Chat: bot.NewChatKey(bot.Telegram, strconv.FormatInt(chat, 10)), Time: time.Now()}
	if s.data != "" {
		// A callback query carries no language_code in telegramtest.
		u.Kind, u.Data, u.MessageRef = bot.UpdateButton, s.data, strconv.Itoa(s.msgID)
		return u
	}
	u.Kind, u.Text, u.LangHint = bot.UpdateText, s.text, lang
	return u
}

// conversation is the expected side of one chat: the engine, run on the
// same updates, says what the bot must answer.
type conversation struct {
	eng    *bot.Engine
	chat   int64
	lang   string
	st     bot.State
	exists bool
	want   []string // signatures of the expected replies, in order
}

func newConversation(eng *bot.Engine, chat int64, lang string) *conversation {
	return &conversation{eng: eng, chat: chat, lang: lang}
}

// do pushes s to the fake and records the replies the engine gives it.
func (c *conversation) do(fake *telegramtest.Server, s step) int {
	c.expect(s)
	return s.push(fake, c.chat, c.lang)
}

// expect records the replies to s without pushing it.
func (c *conversation) expect(s step) {
	res := c.eng.Handle(c.st, c.exists, s.update(c.chat, c.lang))
	c.st, c.exists = res.State, !res.Erases()
	for _, r := range res.Replies {
		c.want = append(c.want, replySig(r))
	}
}

// replySig identifies a reply by its first visible line and its buttons,
// which is what a user can tell apart.
func replySig(r bot.Reply) string {
	first := strings.TrimSpace(r.Title)
	if first == "" {
		first = strings.TrimSpace(r.Text)
	}
	first, _, _ = strings.Cut(first, "\n")
	var data []string
	for _, row := range r.Buttons {
		for _, b := range row {
			if b.URL != "" {
				data = append(data, "url:"+b.URL)
			} else {
				data = append(data, b.Data)
			}
		}
	}
	return strings.TrimSpace(first) + " | " + strings.Join(data, ",")
}

// tgOp is a message operation that took effect in a chat: a sendMessage
// accepted by the fake, or an editMessageText that was accepted or found
// nothing to change.
type tgOp struct {
	Method    string
	MessageID string // of an edit
	Plain     string // visible text
	Keyboard  [][]telegramtest.InlineButton
	Time      time.Time // when the fake received the call
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// sig is the replySig of the operation.
func (o tgOp) sig() string {
	first, _, _ := strings.Cut(strings.TrimSpace(o.Plain), "\n")
	var data []string
	for _, row := range o.Keyboard {
		for _, b := range row {
			if b.URL != "" {
				data = append(data, "url:"+b.URL)
			} else {
				data = append(data, b.CallbackData)
			}
		}
	}
	return strings.TrimSpace(first) + " | " + strings.Join(data, ",")
}

// hasData reports whether the operation's keyboard has a button with data.
func (o tgOp) hasData(data string) bool {
	for _, row := range o.Keyboard {
		for _, b := range row {
			if b.CallbackData == data {
				return true
			}
		}
	}
	return false
}

// chatOps returns, per chat, the operations that took effect, in the order
// the fake received them.
func chatOps(fake *telegramtest.Server) map[int64][]tgOp {
	out := map[int64][]tgOp{}
	for _, c := range fake.Calls("") {
		op, chat, ok := opOf(c)
		if ok {
			out[chat] = append(out[chat], op)
		}
	}
	return out
}

func opOf(c telegramtest.Call) (op tgOp, chat int64, ok bool) {
	switch {
	case strings.EqualFold(c.Method, "sendMessage") && c.Status == 200:
	case strings.EqualFold(c.Method, "editMessageText") &&
		(c.Status == 200 || strings.Contains(c.Description, "message is not modified")):
	default:
		return op, 0, false
	}
	chat, err := strconv.ParseInt(c.Params["chat_id"], 10, 64)
	if err != nil {
		return op, 0, false
	}
	op = tgOp{Method: c.Method, MessageID: c.Params["message_id"], Time: c.Time,
		Plain: html.UnescapeString(tagRE.ReplaceAllString(c.Params["text"], ""))}
	if m := c.Params["reply_markup"]; m != "" {
		var km struct {
			InlineKeyboard [][]telegramtest.InlineButton `json:"inline_keyboard"`
		}
		if json.Unmarshal([]byte(m), &km) == nil {
			op.Keyboard = km.InlineKeyboard
		}
	}
	return op, chat, true
}

// sigs lists the operations' signatures.
func sigs(ops []tgOp) []string {
	out := make([]string, len(ops))
	for i, o := range ops {
		out[i] = o.sig()
	}
	return out
}

// matchReplies checks got against want: every wanted reply once, in order.
// A reply may repeat right after itself at most maxDups times in total (a
// send in flight at a crash is sent again); anything else is an error.
// complete is false while wanted replies are still missing.
func matchReplies(got, want []string, maxDups int) (complete bool, dups int, err error) {
	i := 0
	for k, g := range got {
		switch {
		case i < len(want) && g == want[i]:
			i++
		case i > 0 && g == want[i-1] && dups < maxDups:
			dups++
		default:
			next := "(nothing more)"
			if i < len(want) {
				next = want[i]
			}
			return false, dups, fmt.Errorf("operation %d is %q, want %q", k, g, next)
		}
	}
	return i == len(want), dups, nil
}

// badSends lists send-like calls the fake refused for a reason other than
// flood control, a fault it injected, or an edit the adapter is expected to
// fall back from (the HTML and keyboards must always be valid).
func badSends(fake *telegramtest.Server) []string {
	var bad []string
	for _, c := range fake.Calls("") {
		switch strings.ToLower(c.Method) {
		case "sendmessage", "editmessagetext":
		default:
			continue
		}
		switch {
		case c.Status == 200, c.Status == 429, c.Status == 500, c.Status == 502, c.Status == 0:
		case strings.Contains(c.Description, "message is not modified"),
			strings.Contains(c.Description, "message to edit not found"):
		default:
			bad = append(bad, fmt.Sprintf("%s → %d %s", c.Method, c.Status, c.Description))
		}
	}
	return bad
}

func TestMatchReplies(t *testing.T) {
	want := []string{"a", "b", "c"}
	for _, tc := range []struct {
		name     string
		got      []string
		maxDups  int
		complete bool
		dups     int
		fails    bool
	}{
		{name: "exact", got: []string{"a", "b", "c"}, complete: true},
		{name: "partial", got: []string{"a", "b"}},
		{name: "repeat allowed", got: []string{"a", "a", "b", "c"}, maxDups: 1, complete: true, dups: 1},
		{name: "repeat not allowed", got: []string{"a", "a", "b", "c"}, fails: true},
		{name: "too many repeats", got: []string{"a", "a", "b", "b", "c"}, maxDups: 1, fails: true},
		{name: "missing", got: []string{"a", "c"}, maxDups: 3, fails: true},
		{name: "out of order", got: []string{"b", "a", "c"}, maxDups: 3, fails: true},
		{name: "older repeat", got: []string{"a", "b", "a", "c"}, maxDups: 3, fails: true},
		{name: "extra", got: []string{"a", "b", "c", "d"}, maxDups: 3, fails: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			complete, dups, err := matchReplies(tc.got, want, tc.maxDups)
			if (err != nil) != tc.fails || (err == nil && (complete != tc.complete || dups != tc.dups)) {
				t.Errorf("matchReplies = %v, %d, %v", complete, dups, err)
			}
		})
	}
}

// liveChat is one user talking to a running bot through the fake, turn by
// turn: each step waits for the replies the engine says it should get.
type liveChat struct {
	t         *testing.T
	fake      *telegramtest.Server
	conv      *conversation
	seen      int
	pushed    int      // updates pushed
	callbacks []string // callback query ids pushed
}

func newLiveChat(t *testing.T, fake *telegramtest.Server, chat int64, lang string) *liveChat {
	return &liveChat{t: t, fake: fake, conv: newConversation(bot.NewEngine(testContent(t)), chat, lang)}
}

// do performs s and returns the operations it caused in the chat.
func (lc *liveChat) do(s step) []tgOp {
	lc.t.Helper()
	id := lc.conv.do(lc.fake, s)
	lc.pushed++
	if s.data != "" {
		lc.callbacks = append(lc.callbacks, "cq"+strconv.Itoa(id))
	}
	var ops []tgOp
	waitFor(lc.t, fmt.Sprintf("the reply to %+v", s), 15*time.Second, func() bool {
		ops = chatOps(lc.fake)[lc.conv.chat]
		return len(ops) >= len(lc.conv.want)
	})
	if got := sigs(ops); !slices.Equal(got, lc.conv.want) {
		lc.t.Fatalf("after %+v the chat shows\n  %q\nwant\n  %q", s, got, lc.conv.want)
	}
	out := ops[lc.seen:]
	lc.seen = len(ops)
	return out
}

// lastMessageID is the id of the newest message the bot sent to the chat.
func (lc *liveChat) lastMessageID() int {
	sent := lc.fake.Sent(lc.conv.chat)
	if len(sent) == 0 {
		lc.t.Fatal("the bot sent nothing yet")
	}
	return sent[len(sent)-1].MessageID
}

// checkAnswered waits until every pressed button's callback was answered.
func (lc *liveChat) checkAnswered() {
	lc.t.Helper()
	waitFor(lc.t, "every callback query answered", 5*time.Second, func() bool {
		for _, id := range lc.callbacks {
			if !lc.fake.CallbackAnswered(id) {
				return false
			}
		}
		return true
	})
}

// updateJSON is a Telegram update with a text message in a private chat.
func updateJSON(id, chat int64, text string) []byte {
	u := map[string]any{"update_id": id, "message": map[string]any{
		"message_id": id, "date": time.Now().Unix(), "text": text,
		"from": map[string]any{"id": chat, "is_bot": false, "first_name": "U", "language_code": "en"},
		"chat": map[string]any{"id": chat, "type": "private", "first_name": "U"},
	}}
	if strings.HasPrefix(text, "/") {
		cmd, _, _ := strings.Cut(text, " ")
		u["message"].(map[string]any)["entities"] = []map[string]any{{"type": "bot_command", "offset": 0, "length": len(cmd)}}
	}
	b, _ := json.Marshal(u)
	return b
}

// postUpdate POSTs body to the webhook with secret (none when "") and
// returns the status.
func postUpdate(t testing.TB, c *http.Client, url, secret string, body []byte) int {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Errorf("post update: %v", err) // may run off the test goroutine: no Fatal
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Errorf("post update: %v", err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// crowd drives many users through notice, consent and presses, each phase
// after the user saw the previous reply, as people do.
type crowd struct {
	t     *testing.T
	fake  *telegramtest.Server
	convs []*conversation
	cbs   []string
	wait  time.Duration // per phase
}

func newCrowd(t *testing.T, fake *telegramtest.Server, users int, base int64, wait time.Duration) *crowd {
	eng := bot.NewEngine(testContent(t))
	cr := &crowd{t: t, fake: fake, wait: wait}
	for i := range users {
		lang := faq.Langs[i%len(faq.Langs)].String()
		cr.convs = append(cr.convs, newConversation(eng, base+int64(i), lang))
	}
	return cr
}

func (cr *crowd) run(presses []string) {
	for _, c := range cr.convs {
		c.do(cr.fake, typed("/start"))
	}
	cr.waitSent(1, "every privacy notice")
	for _, c := range cr.convs {
		cr.press(c, press("a", cr.fake.Sent(c.chat)[0].MessageID))
	}
	cr.waitSent(2, "every main menu")
	for _, p := range presses {
		for _, c := range cr.convs {
			cr.press(c, press(p, cr.fake.Sent(c.chat)[1].MessageID))
		}
	}
	eventually(cr.t, "every reply", cr.wait, 250*time.Millisecond, func() bool { return cr.check(false) })
	cr.check(true)
	eventually(cr.t, "every callback answered", 5*time.Second, 50*time.Millisecond, func() bool {
		for _, id := range cr.cbs {
			if !cr.fake.CallbackAnswered(id) {
				return false
			}
		}
		return true
	})
}

func (cr *crowd) press(c *conversation, s step) {
	cr.cbs = append(cr.cbs, "cq"+strconv.Itoa(c.do(cr.fake, s)))
}

func (cr *crowd) waitSent(n int, what string) {
	eventually(cr.t, what, cr.wait, 50*time.Millisecond, func() bool {
		for _, c := range cr.convs {
			if len(cr.fake.Sent(c.chat)) < n {
				return false
			}
		}
		return true
	})
}

// check compares every chat's operations with the engine's replies, in
// order and without duplicates; final reports every difference.
func (cr *crowd) check(final bool) bool {
	ops := chatOps(cr.fake)
	for _, c := range cr.convs {
		done, _, err := matchReplies(sigs(ops[c.chat]), c.want, 0)
		if err != nil {
			cr.t.Fatalf("chat %d: %v\n got %q\nwant %q", c.chat, err, sigs(ops[c.chat]), c.want)
		}
		if !done {
			if final {
				cr.t.Errorf("chat %d: %d of %d replies", c.chat, len(ops[c.chat]), len(c.want))
			}
			return false
		}
	}
	return true
}

func count429(fake *telegramtest.Server) int {
	n := 0
	for _, c := range fake.Calls("") {
		if c.Status == http.StatusTooManyRequests {
			n++
		}
	}
	return n
}

// waitReplies waits for n accepted sendMessage calls (one per chat) and
// returns them.
func waitReplies(b *testing.B, fake *telegramtest.Server, n int) []telegramtest.Call {
	var out []telegramtest.Call
	eventually(b, fmt.Sprintf("%d replies", n), time.Duration(n)*time.Second/20+30*time.Second, 500*time.Millisecond, func() bool {
		out = out[:0]
		for _, c := range fake.Calls("sendMessage") {
			if c.Status == http.StatusOK {
				out = append(out, c)
			}
		}
		return len(out) >= n
	})
	return out
}

// percentile returns the p-th percentile of ds (sorted in place).
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[min(len(ds)-1, len(ds)*p/100)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
