package main

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/viber"
	"github.com/infopunkt/infopunkt/bot/viber/vibertest"
	"github.com/infopunkt/infopunkt/faq"
)

// The users of TestViberEndToEnd: a Ukrainian phone, a German one (a
// language the bot does not speak) and one who only opens the chat.
const (
	viberUK     = "vb-uk-user"
	viberDE     = "vb-de-user"
	viberLurker = "vb-lurker"
)

// viberMsg is a stable phrase of a UI string from content/messages.yaml.
func viberMsg(c *faq.Content, key string, l faq.Lang) string {
	return viberFirstLine(c.Messages.Get(key, l))
}

// TestViberEndToEnd runs the real run() against the fake Viber: set_webhook
// at start, the welcome in the conversation_started response, language
// choice, consent, the main menu, navigation to an answer, free-text search
// and the hand-off to a consultant, then checks the data file.
func TestViberEndToEnd(t *testing.T) {
	t.Parallel()
	c := viberContent(t)
	v := startViberBot(t)
	if !slices.ContainsFunc(v.fake.Calls(), func(c vibertest.Call) bool { return c.Method == "set_webhook" && c.Status == 0 }) {
		t.Fatalf("no successful set_webhook among %+v", v.fake.Calls())
	}

	viberWelcomes(t, v, c)
	viberPickLanguage(t, v, c)
	viberBrowse(t, v, c)
	viberHandoff(t, v, c)

	// Every send went to a subscribed user and was accepted: a welcome
	// queued by mistake would have been refused (status 6).
	total, refused := v.sendCalls()
	if delivered := v.sent(viberUK) + v.sent(viberDE) + v.sent(viberLurker); refused != 0 || total != delivered {
		t.Errorf("send_message: %d calls, %d refused, %d delivered", total, refused, delivered)
	}
	if logs := v.run.Stderr.String(); strings.Contains(logs, "Oksana Testenko") || strings.Contains(logs, "карта побиту") {
		t.Errorf("logs hold a user's name or text:\n%s", logs)
	}

	if err := v.run.Stop(t); err != nil {
		t.Fatalf("run: %v\n%s", err, v.run.Stderr.String())
	}
	db := viberOpenStore(t, v.run.Data)
	if keys := viberKeys(t, db, viberLurker); len(keys) != 0 {
		t.Errorf("a user who only opened the chat left data: %q", keys)
	}
	if st := viberState(t, db, viberUK); !st.Consent || st.Lang != faq.UK || !st.Desk {
		t.Errorf("uk user's state: %+v", st)
	}
	if st := viberState(t, db, viberDE); !st.Consent || st.Lang != faq.PL {
		t.Errorf("de user's state: %+v", st)
	}
	if rec, err := deskChatRecord(t.Context(), db, viberChat(viberUK)); err != nil || rec.Open != 1 {
		t.Errorf("desk record of the uk user: %+v, %v", rec, err)
	}
}

// viberWelcomes opens the chat for three users: the welcome comes back in
// the response body without a receiver (the privacy notice, or the
// language picker for an unknown language), and nothing is sent or stored.
func viberWelcomes(t *testing.T, v *viberBot, c *faq.Content) {
	t.Helper()
	committed := v.counter(t, "updates/viber")
	res, welcome, err := v.fake.ConversationStarted(t.Context(), viberUK, "uk")
	if err != nil || res.StatusCode != http.StatusOK || welcome == nil {
		t.Fatalf("conversation_started (uk): HTTP %d, welcome %v, err %v", res.StatusCode, welcome, err)
	}
	if welcome.Receiver != "" || welcome.Type != "text" || welcome.Sender.Name == "" {
		t.Errorf("welcome envelope: %s", welcome.Raw)
	}
	viberMustContain(t, "welcome (uk)", *welcome, viberMsg(c, "privacy_notice", faq.UK))
	if b := viberButton(t, "welcome (uk)", *welcome, "a"); b.Text != c.Messages.Get("btn_accept", faq.UK) {
		t.Errorf("accept button label %q", b.Text)
	}
	res, picker, err := v.fake.ConversationStarted(t.Context(), viberDE, "de")
	if err != nil || res.StatusCode != http.StatusOK || picker == nil {
		t.Fatalf("conversation_started (de): HTTP %d, welcome %v, err %v", res.StatusCode, picker, err)
	}
	viberMustContain(t, "welcome (de)", *picker, "Оберіть мову", "Wybierz język", "Choose your language")
	for _, l := range faq.Langs {
		viberButton(t, "language picker", *picker, "l:"+l.String())
	}
	if _, _, err := v.fake.ConversationStarted(t.Context(), viberLurker, "en"); err != nil {
		t.Fatal(err)
	}
	if n, _ := v.sendCalls(); n != 0 {
		t.Errorf("conversation_started caused %d send_message calls, want 0", n)
	}
	if n := v.counter(t, "updates/viber"); n != committed {
		t.Errorf("conversation_started committed %d updates, want 0", n-committed)
	}
}

// viberPickLanguage: the German phone picks Polish on the keyboard, gets
// the notice in Polish, accepts, and gets the Polish menu.
func viberPickLanguage(t *testing.T, v *viberBot, c *faq.Content) {
	t.Helper()
	got := v.press(t, viberDE, "l:pl", 1)
	viberMustContain(t, "notice (pl)", got[0], viberMsg(c, "privacy_notice", faq.PL))
	viberButton(t, "notice (pl)", got[0], "a")
	got = v.press(t, viberDE, "a", 1)
	viberMustContain(t, "menu (pl)", got[0], viberMsg(c, "main_menu", faq.PL))
	if b := viberButton(t, "menu (pl)", got[0], "n:legal"); b.Text != c.Node("legal").Title.In(faq.PL) {
		t.Errorf("Polish menu: legal button %q", b.Text)
	}
}

// viberBrowse: the Ukrainian accepts on the welcome, gets the main menu by
// send_message (its first, so the welcome was not queued as well), walks
// to the residence card answer, finds it again by typing, and sends a
// sticker.
func viberBrowse(t *testing.T, v *viberBot, c *faq.Content) {
	t.Helper()
	got := v.press(t, viberUK, "a", 1)
	menu := got[0]
	viberMustContain(t, "menu (uk)", menu, viberMsg(c, "main_menu", faq.UK))
	legal := viberButton(t, "menu (uk)", menu, "n:legal")
	if legal.Columns != 6 || legal.ActionType != "reply" || legal.Text != c.Node("legal").Title.In(faq.UK) {
		t.Errorf("legal button: %+v", legal)
	}
	for _, tp := range c.Topics {
		viberButton(t, "menu (uk)", menu, "n:"+tp.Root.ID)
	}
	viberButton(t, "menu (uk)", menu, "c")

	got = v.press(t, viberUK, "n:legal", 1)
	viberMustContain(t, "legal menu", got[0], c.Node("legal").Title.In(faq.UK))
	viberButton(t, "legal menu", got[0], "n:legal-permits")
	viberButton(t, "legal menu", got[0], "b")
	got = v.press(t, viberUK, "n:legal-permits", 1)
	viberButton(t, "permits menu", got[0], "n:legal-karta-pobytu")
	card := c.Node("legal-karta-pobytu")
	cardPhrases := []string{card.Title.In(faq.UK), viberFirstLine(card.Text.In(faq.UK)), viberMsg(c, "disclaimer", faq.UK), card.Sources[0]}
	got = v.press(t, viberUK, "n:"+card.ID, 1)
	viberMustContain(t, "residence card answer", got[0], cardPhrases...)
	viberButton(t, "residence card answer", got[0], "m")

	// Typed, the answer comes at once, or as the first of a few choices
	// when others match nearly as well (the shipped content also has
	// "карта побиту по роботі" and "карта побиту студент").
	got = v.say(t, viberUK, "карта побиту", 1)
	if !strings.Contains(got[0].Text, card.Title.In(faq.UK)) {
		viberMustContain(t, "search", got[0], viberMsg(c, "search_choices", faq.UK))
		viberButton(t, "search choices", got[0], "n:"+card.ID)
		if first := got[0].Keyboard.Buttons[0]; first.ActionBody != viber.ButtonPrefix+"n:"+card.ID {
			t.Fatalf("search: first choice %+v, want the residence card", first)
		}
		got = v.press(t, viberUK, "n:"+card.ID, 1)
	}
	viberMustContain(t, "search", got[0], cardPhrases...)

	got = v.act(t, viberUK, 1, func(ctx context.Context) (vibertest.Response, error) {
		return v.fake.SendMedia(ctx, viberUK, "sticker")
	})
	viberMustContain(t, "sticker", got[0], viberMsg(c, "empty_message", faq.UK))
}

// viberHandoff asks for a consultant by command, cancels, asks again with
// the button, and writes to the consultant.
func viberHandoff(t *testing.T, v *viberBot, c *faq.Content) {
	t.Helper()
	got := v.say(t, viberUK, "/consultant", 1)
	viberMustContain(t, "/consultant", got[0], viberMsg(c, "desk_describe", faq.UK))
	viberButton(t, "/consultant", got[0], "x")
	got = v.press(t, viberUK, "x", 2)
	viberMustContain(t, "cancel", got[0], viberMsg(c, "handoff_cancelled", faq.UK))
	viberMustContain(t, "cancel", got[1], viberMsg(c, "main_menu", faq.UK))
	got = v.press(t, viberUK, "c", 1)
	viberMustContain(t, "consultant button", got[0], viberMsg(c, "desk_describe", faq.UK))
	got = v.say(t, viberUK, "Маю питання про картку", 1)
	viberMustContain(t, "ticket opened", got[0], "№ 1")
	got = v.say(t, viberUK, "І ще одне", 1)
	viberMustContain(t, "relay", got[0], viberMsg(c, "handoff_waiting", faq.UK))
}

// The users of TestViberWebhookSecurity: one who accepted the privacy
// notice, and one who never wrote. The stranger is subscribed on the fake,
// so a send caused by a forged callback would be delivered and recorded.
const (
	viberVictim   = "vb-victim"
	viberStranger = "vb-stranger"
)

// TestViberWebhookSecurity checks that forged, unsigned and stale callbacks
// are refused with 403 before anything happens, and that a callback
// delivered more than once is applied once.
func TestViberWebhookSecurity(t *testing.T) {
	t.Parallel()
	c := viberContent(t)
	v := startViberBot(t)
	v.fake.SetSubscribed(viberStranger, true)
	if _, _, err := v.fake.ConversationStarted(t.Context(), viberVictim, "uk"); err != nil {
		t.Fatal(err)
	}
	v.press(t, viberVictim, "a", 1)
	var tokens atomic.Uint64 // far from the fake's own message tokens
	tokens.Store(9_100_000_000_000_000_000)

	t.Run("forged", func(t *testing.T) { viberForged(t, v, &tokens) })
	t.Run("stale", func(t *testing.T) { viberStale(t, v, c, &tokens) })
	t.Run("duplicate", func(t *testing.T) { viberDuplicate(t, v, c) })
	t.Run("tokens above 2^53", func(t *testing.T) {
		// 2^53 and 2^53+1 are one float64: decoding the token through
		// float64 would drop the second as a duplicate.
		before := v.sent(viberVictim)
		for _, token := range []uint64{1 << 53, 1<<53 + 1} {
			body := viberMessage(viberVictim, "uk", "/help", token, time.Now())
			if code := v.post(t, body, v.fake.Sign(body)); code != http.StatusOK {
				t.Fatalf("token %d: HTTP %d", token, code)
			}
		}
		v.expect(t, viberVictim, before, before+2)
	})

	// A last marker: nothing queued by a refused callback came before it.
	before := v.sent(viberVictim)
	got := v.press(t, viberVictim, "m", 1)
	viberMustContain(t, "final menu", got[0], viberMsg(c, "main_menu", faq.UK))
	if n := v.sent(viberVictim); n != before+1 {
		t.Errorf("victim got %d messages for one press", n-before)
	}
	if n := v.sent(viberStranger); n != 0 {
		t.Errorf("forged callbacks made the bot write to the stranger %d times", n)
	}

	if err := v.run.Stop(t); err != nil {
		t.Fatalf("run: %v\n%s", err, v.run.Stderr.String())
	}
	db := viberOpenStore(t, v.run.Data)
	if _, exists, err := db.State(t.Context(), viberChat(viberStranger)); err != nil || exists {
		t.Errorf("forged callbacks stored a state for the stranger (exists %v, err %v)", exists, err)
	}
	if keys := viberKeys(t, db, viberStranger); len(keys) != 0 {
		t.Errorf("forged callbacks left data: %q", keys)
	}
	if st := viberState(t, db, viberVictim); st.Mode != bot.ModeBrowse || st.Node != "" {
		t.Errorf("victim's state after forged /consultant and /forget: %+v", st)
	}
	if tickets, err := db.Tickets(t.Context()); err != nil || len(tickets) != 0 {
		t.Errorf("forged /consultant opened tickets: %+v, %v", tickets, err)
	}
}

// viberForged posts "/consultant" for both users with every kind of bad
// signature, and a correctly signed body altered afterwards: all 403, and
// nothing committed.
func viberForged(t *testing.T, v *viberBot, tokens *atomic.Uint64) {
	committed := v.counter(t, "updates/viber")
	for _, user := range []string{viberVictim, viberStranger} {
		now, token := time.Now(), tokens.Add(1)
		body := viberMessage(user, "uk", "/consultant", token, now)
		good := v.fake.Sign(body)
		tests := []struct{ name, sig string }{
			{"missing", ""},
			{"wrong key", viber.Sign("not-"+viberTestToken, body)},
			{"of another body", v.fake.Sign(viberMessage(user, "uk", "/menu", token, now))},
			{"not hex", strings.Repeat("zz", 32)},
			{"truncated", good[:32]},
			{"too long", good + "00"},
		}
		for _, tt := range tests {
			if code := v.post(t, body, tt.sig); code != http.StatusForbidden {
				t.Errorf("%s, signature %s: HTTP %d, want 403", user, tt.name, code)
			}
		}
		tampered := []byte(strings.Replace(string(body), "/consultant", "/forget", 1))
		if code := v.post(t, tampered, good); code != http.StatusForbidden {
			t.Errorf("%s, tampered body: HTTP %d, want 403", user, code)
		}
	}
	if n := v.counter(t, "updates/viber"); n != committed {
		t.Errorf("forged callbacks committed %d updates", n-committed)
	}
}

// viberStale replays correctly signed callbacks captured 3 h ago, past
// MaxCallbackAge (2 h): 403, nothing committed. The same callback with a
// current timestamp then goes through, so age alone made the difference
// and the refusal used up no dedupe key.
func viberStale(t *testing.T, v *viberBot, c *faq.Content, tokens *atomic.Uint64) {
	committed := v.counter(t, "updates/viber")
	token := tokens.Add(1)
	for _, user := range []string{viberVictim, viberStranger} {
		old := viberMessage(user, "uk", "/help", token, time.Now().Add(-3*time.Hour))
		if code := v.post(t, old, v.fake.Sign(old)); code != http.StatusForbidden {
			t.Errorf("%s: 3 h old callback: HTTP %d, want 403", user, code)
		}
	}
	if n := v.counter(t, "updates/viber"); n != committed {
		t.Errorf("stale callbacks committed %d updates", n-committed)
	}
	before := v.sent(viberVictim)
	fresh := viberMessage(viberVictim, "uk", "/help", token, time.Now())
	if code := v.post(t, fresh, v.fake.Sign(fresh)); code != http.StatusOK {
		t.Fatalf("fresh callback: HTTP %d", code)
	}
	got := v.expect(t, viberVictim, before, before+1)
	viberMustContain(t, "help", got[0], viberMsg(c, "help", faq.UK))
}

// viberDuplicate redelivers a genuine callback (same body and signature)
// once, then eight times at once: every delivery gets 200, as Viber would
// otherwise retry, and it is applied once.
func viberDuplicate(t *testing.T, v *viberBot, c *faq.Content) {
	committed := v.counter(t, "updates/viber")
	before := v.sent(viberVictim)
	v.say(t, viberVictim, "карта побиту", 1)
	body, sig := v.fake.LastCallback()
	if code := v.post(t, body, sig); code != http.StatusOK {
		t.Errorf("redelivery: HTTP %d, want 200", code)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if code, err := viberPost(t.Context(), v.http, v.hook, body, sig); err != nil || code != http.StatusOK {
				t.Errorf("concurrent redelivery: HTTP %d, %v", code, err)
			}
		})
	}
	wg.Wait()
	if n := v.counter(t, "updates/viber"); n != committed+1 {
		t.Errorf("one callback delivered 10 times committed %d updates, want 1", n-committed)
	}
	// Replies of one chat are sent in order: had a redelivery queued a
	// second answer, it would arrive here instead of the menu.
	got := v.press(t, viberVictim, "m", 1)
	viberMustContain(t, "menu after redeliveries", got[0], viberMsg(c, "main_menu", faq.UK))
	if n := v.sent(viberVictim) - before; n != 2 {
		t.Errorf("%d messages for 2 distinct callbacks", n)
	}
}

// BenchmarkViberWebhook measures signed message callbacks handled end to
// end by the real run() (verify, decode, engine, one durable bbolt commit
// with fsync, 200), posted concurrently to the webhook by
// 32×GOMAXPROCS clients, each a user who accepted the privacy notice and
// types a question. The outbox sends the answers to the fake meanwhile.
func BenchmarkViberWebhook(b *testing.B) {
	v := startViberBot(b)
	clients := 32 * runtime.GOMAXPROCS(0)
	users := make([]string, clients)
	var tok atomic.Uint64
	tok.Store(9_200_000_000_000_000_000)
	var wg sync.WaitGroup
	for i := range users {
		users[i] = fmt.Sprintf("vb-bench-%04d", i)
		v.fake.SetSubscribed(users[i], true)
		wg.Go(func() {
			body := viberMessage(users[i], "uk", viber.ButtonPrefix+"a", tok.Add(1), time.Now())
			if code, err := viberPost(b.Context(), v.http, v.hook, body, v.fake.Sign(body)); err != nil || code != http.StatusOK {
				b.Errorf("accept for %s: HTTP %d, %v", users[i], code, err)
			}
		})
	}
	wg.Wait()
	committed := v.counter(b, "updates/viber")
	var next atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		user := users[int(next.Add(1)-1)%len(users)]
		for pb.Next() {
			body := viberMessage(user, "uk", "карта побиту", tok.Add(1), time.Now())
			code, err := viberPost(b.Context(), v.http, v.hook, body, viber.Sign(viberTestToken, body))
			if err != nil || code != http.StatusOK {
				b.Errorf("callback for %s: HTTP %d, %v", user, code, err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "callbacks/s")
	if n := v.counter(b, "updates/viber") - committed; n != uint64(b.N) {
		b.Errorf("%d callbacks answered 200 but %d committed", b.N, n)
	}
}

// BenchmarkViberForged measures what one forged callback costs the real
// HTTP server, one request at a time over a kept-alive connection:
// "typical" is a message callback signed with the wrong key (body read,
// HMAC computed, 403), "unsigned" has no signature (403 before the body is
// read), "1MiB" is the largest body the webhook reads before it can tell.
func BenchmarkViberForged(b *testing.B) {
	v := startViberBot(b)
	typical := viberMessage("vb-bench-forged", "uk", "карта побиту", 9_300_000_000_000_000_000, time.Now())
	huge := viberMessage("vb-bench-forged", "uk", strings.Repeat("x", viber.MaxCallbackSize-len(typical)), 1, time.Now())
	wrongKey := func(body []byte) string { return viber.Sign("not-"+viberTestToken, body) }
	cases := []struct {
		name string
		body []byte
		sig  string
	}{
		{"typical", typical, wrongKey(typical)},
		{"unsigned", typical, ""},
		{"1MiB", huge, wrongKey(huge)},
	}
	committed := v.counter(b, "updates/viber")
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.body)))
			for b.Loop() {
				if code, err := viberPost(b.Context(), v.http, v.hook, bc.body, bc.sig); err != nil || code != http.StatusForbidden {
					b.Fatalf("forged callback: HTTP %d, %v", code, err)
				}
			}
		})
	}
	if n := v.counter(b, "updates/viber"); n != committed {
		b.Errorf("forged callbacks committed %d updates", n-committed)
	}
}
