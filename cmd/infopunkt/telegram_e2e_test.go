package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
	"github.com/infopunkt/infopunkt/faq"
)

// talkUkrainian is the conversation of tests 1 and 2: notice, consent,
// menu, a topic, an answer, a typed question, a consultant.
func talkUkrainian(t *testing.T, lc *liveChat) {
	c := lc.conv.eng.Content()
	notice := lc.do(typed("/start"))[0]
	if !strings.Contains(notice.Plain, "Що ми зберігаємо") ||
		!strings.Contains(notice.Plain, firstLine(c.Messages.Get("privacy_notice", faq.UK))) || !notice.hasData("a") {
		t.Fatalf("privacy notice = %q %v", notice.Plain, notice.Keyboard)
	}
	menu := lc.do(press("a", lc.lastMessageID()))[0]
	if !menu.hasData("n:legal") || !strings.Contains(menu.Plain, firstLine(c.Messages.Get("main_menu", faq.UK))) {
		t.Fatalf("main menu = %s %q %v", menu.Method, menu.Plain, menu.Keyboard)
	}
	menuID := lc.lastMessageID()
	for _, node := range []string{"legal", "legal-permits"} {
		op := lc.do(press("n:"+node, menuID))[0]
		if op.Method != "editMessageText" || op.MessageID != strconv.Itoa(menuID) {
			t.Fatalf("pressing n:%s: %s of message %s, want the menu %d edited in place", node, op.Method, op.MessageID, menuID)
		}
	}
	answer := c.Node("legal-karta-pobytu").Title.In(faq.UK)
	if op := lc.do(press("n:legal-karta-pobytu", menuID))[0]; !strings.HasPrefix(op.Plain, answer) ||
		!strings.Contains(op.Plain, "karta pobytu") || op.Method != "sendMessage" {
		t.Fatalf("answer = %s %q", op.Method, op.Plain)
	}
	// The shipped content has several nodes about residence: the search
	// offers them with the residence card first, and the user picks it.
	op := lc.do(typed("karta pobytu"))[0]
	if !strings.HasPrefix(op.Plain, answer) {
		if len(op.Keyboard) == 0 || op.Keyboard[0][0].CallbackData != "n:legal-karta-pobytu" {
			t.Fatalf("typed question: %q %v, want the residence card answer or it as the first choice", op.Plain, op.Keyboard)
		}
		if op = lc.do(press("n:legal-karta-pobytu", lc.lastMessageID()))[0]; !strings.HasPrefix(op.Plain, answer) {
			t.Fatalf("chosen answer: %q, want %q", op.Plain, answer)
		}
	}
	handoff := lc.do(press("c", lc.lastMessageID()))[0]
	if !strings.Contains(handoff.Plain, firstLine(c.Messages.Get("desk_describe", faq.UK))) || !handoff.hasData("x") {
		t.Fatalf("consultant request = %q", handoff.Plain)
	}
	lc.checkAnswered()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// checkCleanSends fails on refused sends (bad HTML, keyboards) and 429s.
func checkCleanSends(t *testing.T, fake *telegramtest.Server) {
	t.Helper()
	if bad := badSends(fake); len(bad) > 0 {
		t.Errorf("the fake refused %d sends: %q", len(bad), bad)
	}
	if n := fake.Violations(); n != 0 {
		t.Errorf("%d calls broke the fake's rate limits", n)
	}
}

// TestTelegramConversationPolling runs the real run() in polling mode
// against the fake Bot API and talks to it as a Ukrainian user: privacy
// notice, consent, menu navigation edited in place, an answer, a typed
// question, a consultant request. Every reply must be what the engine says,
// every callback answered, all HTML valid (the fake enforces it) and the
// command menu registered in every language.
func TestTelegramConversationPolling(t *testing.T) {
	t.Parallel()
	fake := telegramtest.New(t, telegramtest.Options{})
	in := startRun(t, telegramEnv(fake), nil)
	for _, lang := range []string{"uk", "pl", "ru", "en", ""} {
		if cmds := fake.Commands(lang); len(cmds) != len(bot.Commands) {
			t.Errorf("setMyCommands %q: %d commands, want %d", lang, len(cmds), len(bot.Commands))
		}
	}
	lc := newLiveChat(t, fake, 4242, "uk")
	talkUkrainian(t, lc)
	checkCleanSends(t, fake)
	if err := in.Stop(t); err != nil {
		t.Fatalf("run: %v\n%s", err, in.Stderr.String())
	}
}

// TestTelegramWebhook is the same conversation in webhook mode. The port is
// chosen before start so the webhook URL is known in advance. Updates from
// the fake must arrive by webhook with the secret; a forged or missing
// secret gets 401 and changes nothing.
func TestTelegramWebhook(t *testing.T) {
	t.Parallel()
	fake := telegramtest.New(t, telegramtest.Options{})
	addr := freeAddr(t)
	hook := "http://" + addr + "/tg/hook"
	in := startRun(t, telegramEnv(fake, "INFOPUNKT_LISTEN", addr, "INFOPUNKT_TELEGRAM_WEBHOOK_URL", hook), nil)
	waitFor(t, "setWebhook", 5*time.Second, func() bool { return fake.WebhookURL() == hook })
	calls := fake.Calls("setWebhook")
	secret := calls[len(calls)-1].Params["secret_token"]
	if secret == "" {
		t.Fatal("setWebhook without secret_token")
	}

	lc := newLiveChat(t, fake, 4343, "uk")
	talkUkrainian(t, lc)
	if n := len(fake.Calls("getUpdates")); n != 0 {
		t.Errorf("getUpdates called %d times in webhook mode", n)
	}
	accepted := map[int]bool{}
	for _, d := range fake.Deliveries() {
		if d.Status == http.StatusOK {
			accepted[d.UpdateID] = true
		}
	}
	if want := lc.pushed; len(accepted) != want {
		t.Errorf("webhook accepted %d updates, want the %d of the conversation: %+v", len(accepted), want, fake.Deliveries())
	}

	const forgedChat = 666
	body := updateJSON(990001, forgedChat, "/start")
	for name, header := range map[string]string{"missing": "", "wrong": secret + "x", "other": "-"} {
		if code := postUpdate(t, http.DefaultClient, hook, header, body); code != http.StatusUnauthorized {
			t.Errorf("%s secret: status %d, want 401", name, code)
		}
	}
	checkCleanSends(t, fake)
	if err := in.Stop(t); err != nil {
		t.Fatalf("run: %v\n%s", err, in.Stderr.String())
	}
	if sent := fake.Sent(forgedChat); len(sent) != 0 {
		t.Errorf("the bot answered a forged update: %+v", sent)
	}
	db, err := store.Open(in.Data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, exists, err := db.State(ctx, bot.NewChatKey(bot.Telegram, strconv.Itoa(forgedChat))); err != nil || exists {
		t.Errorf("forged chat state: exists=%v err=%v, want none", exists, err)
	}
	if _, exists, err := db.State(ctx, bot.NewChatKey(bot.Telegram, "4343")); err != nil || !exists {
		t.Errorf("real chat state: exists=%v err=%v, want it stored", exists, err)
	}
}

// floodPresses are the buttons each user presses under the main menu: into
// a topic, a sub-menu, an answer (a new message), back to the menu, another
// topic. Each edit changes the menu, so every press is visible.
var floodPresses = []string{"n:legal", "n:legal-permits", "n:legal-karta-pobytu", "m", "n:housing"}

// TestTelegramFlood has many users pressing buttons fast, with the fake
// enforcing Telegram's default limits: the bot must never be refused with
// a 429 and each chat's replies must arrive in the order of its updates.
//
// The run is bounded by our own outbox pacing (27 messages/s globally, 3
// per 3 s per chat), not by CPU, and run() has no knob to scale it: 100
// users × 7 replies take about 26 s. The default run uses 100 users;
// INFOPUNKT_SOAK=1 runs 1,000 users (about 7,000 messages, some 5 minutes).
func TestTelegramFlood(t *testing.T) {
	t.Parallel()
	users := 100
	if soak() {
		users = 1000
	}
	fake := telegramtest.New(t, telegramtest.Options{Limits: telegramtest.DefaultLimits()})
	in := startRun(t, telegramEnv(fake), nil)
	start := time.Now()
	cr := newCrowd(t, fake, users, 100000, time.Duration(users)*time.Second/3+30*time.Second)
	cr.run(floodPresses)
	t.Logf("%d users, %d messages in %v", users, users*(2+len(floodPresses)), time.Since(start).Round(time.Millisecond))
	checkCleanSends(t, fake)
	if n := count429(fake); n != 0 {
		t.Errorf("the fake answered 429 %d times", n)
	}
	if err := in.Stop(t); err != nil {
		t.Fatalf("run: %v\n%s", err, in.Stderr.String())
	}
}

// TestTelegramFaults injects 5% 429s (retry_after 1–2 s), 5% 5xx and 3%
// connection resets into sendMessage and editMessageText: every reply must
// still arrive exactly once and in order, and no call may come before the
// retry_after it was given (EarlyRetries). Hangs are left out of the default
// run: the adapter's HTTP timeout is 30 s and run() cannot lower it, so each
// hang stalls a lane for 30 s; INFOPUNKT_SOAK=1 adds them.
func TestTelegramFaults(t *testing.T) {
	t.Parallel()
	faults := telegramtest.Faults{
		Seed: uint64(time.Now().UnixNano()), P429: 0.05, P500: 0.025, P502: 0.025, PReset: 0.03,
		RetryAfterMin: 1, RetryAfterMax: 2, Methods: []string{"sendMessage", "editMessageText"},
	}
	wait := 45 * time.Second
	if soak() {
		faults.PHang, wait = 0.01, 5*time.Minute
	}
	t.Logf("fault seed %d", faults.Seed)
	fake := telegramtest.New(t, telegramtest.Options{Faults: faults})
	in := startRun(t, telegramEnv(fake), nil)
	cr := newCrowd(t, fake, 30, 200000, wait)
	cr.run(floodPresses[:4])
	injected := 0
	for _, c := range fake.Calls("") {
		if c.Status != http.StatusOK && c.Status != http.StatusBadRequest {
			injected++
		}
	}
	if injected == 0 {
		t.Error("no fault was injected")
	}
	t.Logf("%d faults injected, %d violations", injected, fake.Violations())
	if n := fake.EarlyRetries(); n != 0 {
		t.Errorf("%d calls came before their retry_after", n)
	}
	if bad := badSends(fake); len(bad) > 0 {
		t.Errorf("the fake refused %d sends: %q", len(bad), bad)
	}
	if err := in.Stop(t); err != nil {
		t.Fatalf("run: %v\n%s", err, in.Stderr.String())
	}
}

// BenchmarkTelegramWebhook measures our side of webhook mode: run() with
// fsync on, b.N valid updates (one new chat each, with the right secret)
// POSTed by 32×GOMAXPROCS goroutines straight to the webhook handler.
//
// Metrics:
//   - updates/s: updates acknowledged (200 after the durable commit) per
//     second of the POST phase;
//   - ack-p50-ms, ack-p99-ms: POST to 200;
//   - reply-p50-ms, reply-p99-ms: POST to the fake receiving the reply.
//
// The fake's limits are off and INFOPUNKT_TELEGRAM_RATE lifts our own
// pacer, so reply latency measures our pipeline (commit, outbox, render,
// send) rather than queueing behind Telegram's 30 msg/s, which adds b.N/27
// seconds in production and is not ours to speed up.
func BenchmarkTelegramWebhook(b *testing.B) {
	const secret = "bench_secret-1"
	fake, in, hook := startWebhookBench(b, secret)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1024, MaxConnsPerHost: 1024}, Timeout: time.Minute}
	defer client.CloseIdleConnections()

	const base = 10_000_000
	posted := make([]time.Time, b.N+1)
	acked := make([]time.Duration, b.N+1)
	var next atomic.Int64
	var failed atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			body := updateJSON(base+i, base+i, "/start")
			t0 := time.Now()
			posted[i] = t0
			if postUpdate(b, client, hook, secret, body) != http.StatusOK {
				failed.Add(1)
			}
			acked[i] = time.Since(t0)
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d updates not acknowledged", n, b.N)
	}
	replies := waitReplies(b, fake, b.N)
	var replyLat []time.Duration
	for _, c := range replies {
		chat, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64)
		if i := chat - base; i >= 1 && i <= int64(b.N) {
			replyLat = append(replyLat, c.Time.Sub(posted[i]))
		}
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "updates/s")
	b.ReportMetric(ms(percentile(acked[1:], 50)), "ack-p50-ms")
	b.ReportMetric(ms(percentile(acked[1:], 99)), "ack-p99-ms")
	b.ReportMetric(ms(percentile(replyLat, 50)), "reply-p50-ms")
	b.ReportMetric(ms(percentile(replyLat, 99)), "reply-p99-ms")
	if err := in.Stop(b); err != nil {
		b.Fatalf("run: %v", err)
	}
}

// BenchmarkTelegramWebhookLatency sends one update at a time through the
// real run() in webhook mode (fsync on) and waits for its reply at the
// fake: the time a single migrant waits, with no queue in front. Metrics:
// reply-p50-ms and reply-p99-ms, from the POST to the fake receiving the
// reply. Back-to-back updates run at hundreds per second, over Telegram's
// 30 msg/s, so INFOPUNKT_TELEGRAM_RATE lifts our pacer: with it on, some
// replies would wait up to a second for the window, by design.
func BenchmarkTelegramWebhookLatency(b *testing.B) {
	const secret = "bench_secret-2"
	fake, in, hook := startWebhookBench(b, secret)
	client := &http.Client{Timeout: time.Minute}
	defer client.CloseIdleConnections()
	// Warm windows after start delay the first sends by design; wait them out.
	time.Sleep(1100 * time.Millisecond)

	const base = 20_000_000
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := int64(1); i <= int64(b.N); i++ {
		t0 := time.Now()
		if postUpdate(b, client, hook, secret, updateJSON(base+i, base+i, "/start")) != http.StatusOK {
			b.Fatalf("update %d not acknowledged", i)
		}
		for len(fake.Sent(base+i)) == 0 {
			if time.Since(t0) > 10*time.Second {
				b.Fatalf("no reply to update %d", i)
			}
			time.Sleep(100 * time.Microsecond)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	b.ReportMetric(ms(percentile(lat, 50)), "reply-p50-ms")
	b.ReportMetric(ms(percentile(lat, 99)), "reply-p99-ms")
	if err := in.Stop(b); err != nil {
		b.Fatalf("run: %v", err)
	}
}

// startWebhookBench runs run() in webhook mode against a fake without
// limits, with our own pacer lifted, and returns once the webhook is set.
func startWebhookBench(b *testing.B, secret string) (*telegramtest.Server, *instance, string) {
	b.Helper()
	fake := telegramtest.New(b, telegramtest.Options{Limits: telegramtest.Limits{Disabled: true}})
	addr := freeAddr(b)
	hook := "http://" + addr + "/tg/hook"
	in := startRun(b, telegramEnv(fake, "INFOPUNKT_LISTEN", addr, "INFOPUNKT_TELEGRAM_WEBHOOK_URL", hook,
		"INFOPUNKT_TELEGRAM_WEBHOOK_SECRET", secret, "INFOPUNKT_TELEGRAM_RATE", "1000000"), nil)
	waitFor(b, "setWebhook", 5*time.Second, func() bool { return fake.WebhookURL() == hook })
	return fake, in, hook
}
