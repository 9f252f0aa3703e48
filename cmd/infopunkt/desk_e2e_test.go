package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
	"github.com/infopunkt/infopunkt/bot/viber/vibertest"
)

// The people of the desk end-to-end tests.
const (
	deskGroup  = int64(-1001234)
	deskAnna   = int64(11) // consultant
	deskBob    = int64(22) // consultant
	deskEve    = int64(33) // not a member
	deskTgUser = int64(500)
	deskVbUser = "vb-desk-user"
	deskWait   = 15 * time.Second
)

// deskRun is one run() with Telegram (polling), Viber and a staff group.
type deskRun struct {
	t     *testing.T
	tg    *telegramtest.Server
	vb    *vibertest.Server
	run   *instance
	seen  map[int64]int // messages of each Telegram chat already looked at
	vseen int
}

func startDeskRun(t *testing.T, forum bool, extra ...string) *deskRun {
	t.Helper()
	return startDeskRunWith(t, telegramtest.Options{}, forum, extra...)
}

func startDeskRunWith(t *testing.T, opts telegramtest.Options, forum bool, extra ...string) *deskRun {
	t.Helper()
	tg := telegramtest.New(t, opts)
	tg.AddGroup(telegramtest.Group{ID: deskGroup, Title: "Konsultanci", Forum: forum})
	tg.AddMember(deskGroup, deskAnna, "member")
	tg.AddMember(deskGroup, deskBob, "administrator")
	vb := vibertest.New(vibertest.Config{Token: viberTestToken})
	t.Cleanup(vb.Close)
	addr := viberFreeAddr(t)
	env := telegramEnv(tg, "INFOPUNKT_LISTEN", addr, "INFOPUNKT_DESK_CHAT_ID", strconv.FormatInt(deskGroup, 10),
		"INFOPUNKT_VIBER_TOKEN", viberTestToken, "INFOPUNKT_VIBER_API_URL", vb.URL(),
		"INFOPUNKT_VIBER_WEBHOOK_URL", "http://"+addr+"/viber/hook")
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	in := startRun(t, env, nil)
	waitFor(t, "set_webhook", deskWait, func() bool { return vb.WebhookURL() != "" })
	return &deskRun{t: t, tg: tg, vb: vb, run: in, seen: map[int64]int{}}
}

// next waits for the next message in a Telegram chat that satisfies ok,
// skipping others, and returns it.
func (d *deskRun) next(chat int64, what string, ok func(m telegramtest.SentMessage) bool) telegramtest.SentMessage {
	d.t.Helper()
	var found telegramtest.SentMessage
	waitFor(d.t, what, deskWait, func() bool {
		sent := d.tg.Sent(chat)
		for i := d.seen[chat]; i < len(sent); i++ {
			if ok(sent[i]) {
				found, d.seen[chat] = sent[i], i+1
				return true
			}
		}
		return false
	}, func() string { return d.dump(chat) })
	return found
}

func (d *deskRun) nextText(chat int64, phrase string) telegramtest.SentMessage {
	d.t.Helper()
	return d.next(chat, fmt.Sprintf("%q in chat %d", phrase, chat), func(m telegramtest.SentMessage) bool {
		return strings.Contains(m.Plain, phrase)
	})
}

func (d *deskRun) dump(chat int64) string {
	var b strings.Builder
	for _, m := range d.tg.Sent(chat) {
		fmt.Fprintf(&b, "  [%d %s thread=%d reply=%d] %q\n", m.MessageID, m.Method, m.ThreadID, m.ReplyTo, m.Plain)
	}
	return b.String()
}

// staff posts in the group as user from; it returns the message id.
func (d *deskRun) staff(from int64, text string, replyTo, thread int) int {
	_, id := d.tg.Push(telegramtest.Inbound{Chat: deskGroup, From: from, Text: text, Command: strings.HasPrefix(text, "/"),
		ReplyTo: replyTo, Thread: thread, FirstName: "Secret", LastName: fmt.Sprintf("Surname%d", from), Username: fmt.Sprintf("staff%d", from)})
	return id
}

// vnext waits for the next Viber message to the desk's Viber user that
// satisfies ok.
func (d *deskRun) vnext(what string, ok func(m vibertest.Message) bool) vibertest.Message {
	d.t.Helper()
	var found vibertest.Message
	waitFor(d.t, what, deskWait, func() bool {
		sent := d.vb.Sent(deskVbUser)
		for i := d.vseen; i < len(sent); i++ {
			if ok(sent[i]) {
				found, d.vseen = sent[i], i+1
				return true
			}
		}
		return false
	}, func() string {
		var b strings.Builder
		for _, m := range d.vb.Sent(deskVbUser) {
			fmt.Fprintf(&b, "  [%s] %q %s\n", m.Type, m.Text, m.Media)
		}
		return b.String()
	})
	return found
}

func (d *deskRun) vtext(phrase string) vibertest.Message {
	d.t.Helper()
	return d.vnext(fmt.Sprintf("viber %q", phrase), func(m vibertest.Message) bool { return strings.Contains(m.Text, phrase) })
}

func (d *deskRun) must(what string, do func() (vibertest.Response, error)) {
	d.t.Helper()
	res, err := do()
	if err != nil || res.StatusCode != http.StatusOK {
		d.t.Fatalf("%s: %v %v", what, res.StatusCode, err)
	}
}

// cardOf waits for the ticket card naming channel and returns it.
func (d *deskRun) cardOf(ticket int) telegramtest.SentMessage {
	d.t.Helper()
	return d.next(deskGroup, fmt.Sprintf("card of ticket %d", ticket), func(m telegramtest.SentMessage) bool {
		return strings.Contains(m.Plain, "Sprawa nr "+strconv.Itoa(ticket)+" ") && len(m.Keyboard) > 0
	})
}

// noIdentity checks that nothing a user got names a consultant.
func noIdentity(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		for _, bad := range []string{"Secret", "Surname", "staff11", "staff22", "11", "22"} {
			if strings.Contains(s, bad) && bad != "11" && bad != "22" {
				t.Errorf("a user saw %q in %q", bad, s)
			}
		}
	}
}

func TestDeskReplyModeEndToEnd(t *testing.T) {
	t.Parallel()
	d := startDeskRun(t, false)
	ctx := context.Background()
	defer func() {
		if t.Failed() {
			t.Log(d.run.Stderr.String())
		}
	}()

	// A Telegram user asks for a consultant from the menu.
	d.tg.PushCommand(deskTgUser, deskTgUser, "/start", "uk")
	notice := d.nextText(deskTgUser, "Що ми зберігаємо")
	d.tg.PushCallback(deskTgUser, deskTgUser, notice.MessageID, "a")
	d.nextText(deskTgUser, "Головне меню")
	d.tg.PushCommand(deskTgUser, deskTgUser, "/consultant", "uk")
	d.nextText(deskTgUser, "Коротко опишіть")
	d.tg.PushMessage(deskTgUser, deskTgUser, "Мені відмовили у карті побиту", "uk")
	d.nextText(deskTgUser, "№ 1")
	card := d.cardOf(1)
	if !strings.Contains(card.Plain, "telegram") || !strings.Contains(card.Plain, "Мені відмовили") || strings.Contains(card.Plain, "500") {
		t.Fatalf("card: %q", card.Plain)
	}

	// The user sends a photo: the group gets a copy, no forward header.
	d.tg.Push(telegramtest.Inbound{Chat: deskTgUser, Lang: "uk", Text: "ось рішення", Media: &telegramtest.InMedia{Kind: telegramtest.MediaPhoto}})
	photo := d.next(deskGroup, "the user's photo", func(m telegramtest.SentMessage) bool { return m.Method == "copyMessage" })
	if photo.CopyOf == nil || photo.CopyOf.Chat != deskTgUser {
		t.Fatalf("photo relay: %+v", photo)
	}

	// Eve is not a member: refused, the user gets nothing from her.
	d.staff(deskEve, "Hi, I can help", card.MessageID, 0)
	d.nextText(deskGroup, "Nic nie zmieniono")

	// Anna names herself and answers by replying to the card.
	d.staff(deskAnna, "/name Anna", 0, 0)
	d.nextText(deskGroup, "Anna")
	d.staff(deskAnna, "Dzień dobry, proszę przysłać decyzję", card.MessageID, 0)
	taken := d.nextText(deskTgUser, "Anna")
	answer := d.nextText(deskTgUser, "proszę przysłać decyzję")

	// Bob is refused: the ticket is Anna's.
	d.staff(deskBob, "Ja odpowiem", photo.MessageID, 0)
	d.nextText(deskGroup, "prowadzi Anna")

	// Anna sends a document; the user gets a copy of it.
	d.tg.Push(telegramtest.Inbound{Chat: deskGroup, From: deskAnna, ReplyTo: photo.MessageID, Text: "wzór",
		Media: &telegramtest.InMedia{Kind: telegramtest.MediaDocument, Name: "wzor.pdf", MIME: "application/pdf", Data: []byte("%PDF-1")}})
	doc := d.next(deskTgUser, "Anna's document", func(m telegramtest.SentMessage) bool { return m.Method == "copyMessage" })
	if doc.CopyOf == nil || doc.CopyOf.Chat != deskGroup {
		t.Fatalf("document relay: %+v", doc)
	}

	// /note stays internal; /faq sends an answer in Ukrainian.
	d.staff(deskAnna, "/note ma termin w DUW 12.12", card.MessageID, 0)
	d.nextText(deskGroup, "Notatka")
	d.staff(deskAnna, "/faq legal-karta-pobytu", card.MessageID, 0)
	d.nextText(deskGroup, "legal-karta-pobytu")
	faqAnswer := d.nextText(deskTgUser, "карт")

	// Anna transfers; Bob takes it and closes it.
	d.staff(deskAnna, "/transfer", card.MessageID, 0)
	d.nextText(deskGroup, "wraca do kolejki")
	transferred := d.nextText(deskTgUser, "передано іншому консультантові")
	d.tg.PushCallback(deskGroup, deskBob, card.MessageID, "d:take:1")
	d.nextText(deskGroup, "przejmuje")
	d.staff(deskBob, "/close", card.MessageID, 0)
	d.nextText(deskGroup, "zamknięta przez")
	closed := d.nextText(deskTgUser, "завершив розмову")
	d.nextText(deskTgUser, "Головне меню")
	rate := d.nextText(deskTgUser, "1 — зовсім ні")
	if len(rate.Keyboard) == 0 || len(rate.Keyboard[0]) != 5 {
		t.Fatalf("rating keyboard: %+v", rate.Keyboard)
	}
	d.tg.PushCallback(deskTgUser, deskTgUser, rate.MessageID, rate.Keyboard[0][4].CallbackData)
	d.nextText(deskTgUser, "Дякуємо за оцінку")

	// A late reply to the closed ticket is refused and never reaches the user.
	before := len(d.tg.Sent(deskTgUser))
	d.staff(deskAnna, "Jeszcze jedno", card.MessageID, 0)
	d.nextText(deskGroup, "jest już zamknięta")
	noIdentity(t, taken.Plain, answer.Plain, faqAnswer.Plain, transferred.Plain, closed.Plain)

	// A Viber user escalates too; Anna answers with text and a photo.
	if res, welcome, err := d.vb.ConversationStarted(ctx, deskVbUser, "pl"); err != nil || res.StatusCode != http.StatusOK || welcome == nil {
		t.Fatalf("conversation_started: %v %v", res.StatusCode, err)
	}
	d.must("start", func() (vibertest.Response, error) { return d.vb.SendText(ctx, deskVbUser, "/start") })
	d.vtext("Co zapisujemy")
	d.must("accept", func() (vibertest.Response, error) { return d.vb.PressButton(ctx, deskVbUser, "btn:a") })
	d.vtext("Menu główne")
	d.must("consultant", func() (vibertest.Response, error) { return d.vb.SendText(ctx, deskVbUser, "/consultant") })
	d.vtext("Opisz krótko")
	d.must("describe", func() (vibertest.Response, error) { return d.vb.SendText(ctx, deskVbUser, "Pytanie o meldunek") })
	d.vtext("nr 2")
	vcard := d.cardOf(2)
	if !strings.Contains(vcard.Plain, "viber") || !strings.Contains(vcard.Plain, "płatna") {
		t.Fatalf("viber card: %q", vcard.Plain)
	}
	d.must("viber photo", func() (vibertest.Response, error) {
		return d.vb.SendMessage(ctx, deskVbUser, vibertest.InMessage{Type: "picture", Text: "skan", Media: "https://media.example/skan.jpg"})
	})
	vphoto := d.next(deskGroup, "the Viber user's photo", func(m telegramtest.SentMessage) bool { return m.Method == "sendPhoto" })
	if vphoto.Media == nil || vphoto.Media.URL != "https://media.example/skan.jpg" {
		t.Fatalf("viber photo relay: %+v", vphoto.Media)
	}
	d.staff(deskAnna, "Dzień dobry z Wrocławia", vcard.MessageID, 0)
	d.vtext("Dzień dobry z Wrocławia")
	d.tg.Push(telegramtest.Inbound{Chat: deskGroup, From: deskAnna, ReplyTo: vcard.MessageID, Text: "mapa",
		Media: &telegramtest.InMedia{Kind: telegramtest.MediaPhoto}})
	pic := d.vnext("Anna's photo on Viber", func(m vibertest.Message) bool { return m.Type == "picture" })
	if !strings.Contains(pic.Media, "/media/") || strings.Contains(pic.Media, d.tg.Token()) {
		t.Fatalf("picture URL %q", pic.Media)
	}
	if pic.Fetched == nil || pic.Fetched.Status != http.StatusOK {
		t.Fatalf("Viber could not fetch the picture: %+v", pic.Fetched)
	}

	if got := len(d.tg.Sent(deskTgUser)); got != before {
		t.Errorf("the closed ticket's user got %d more messages", got-before)
	}
	if n := count429(d.tg); n != 0 {
		t.Errorf("%d sends got 429", n)
	}
	logs := d.run.Stderr.String()
	for _, bad := range []string{"Мені відмовили", "Pytanie o meldunek", "Secret", "proszę przysłać"} {
		if strings.Contains(logs, bad) {
			t.Errorf("logs hold %q", bad)
		}
	}
}

// TestDeskTopicsModeEndToEnd runs the desk against a forum supergroup: a
// topic per ticket, consultants writing in it without replying, a second
// consultant refused, media both ways, /faq, /note, /transfer, /close
// closing the topic, and a Viber user in a topic of their own.
func TestDeskTopicsModeEndToEnd(t *testing.T) {
	t.Parallel()
	d := startDeskRun(t, true)
	ctx := context.Background()
	defer func() {
		if t.Failed() {
			t.Log(d.run.Stderr.String())
		}
	}()
	d.tg.PushCommand(deskTgUser, deskTgUser, "/start", "ru")
	d.tg.PushCallback(deskTgUser, deskTgUser, d.nextText(deskTgUser, "Что мы храним").MessageID, "a")
	d.nextText(deskTgUser, "Главное меню")
	d.tg.PushCommand(deskTgUser, deskTgUser, "/consultant", "ru")
	d.nextText(deskTgUser, "Кратко опишите")
	d.tg.PushMessage(deskTgUser, deskTgUser, "Вопрос про визу", "ru")
	d.nextText(deskTgUser, "№ 1")
	defer func() {
		if t.Failed() {
			for _, m := range []string{"createForumTopic", "sendMessage", "getChat"} {
				for _, c := range d.tg.Calls(m) {
					t.Logf("call %s %d %s %v", c.Method, c.Status, c.Description, c.Params)
				}
			}
		}
	}()
	card := d.cardOf(1)
	if card.ThreadID == 0 {
		t.Fatalf("card outside a topic: %+v", card)
	}
	thread := card.ThreadID
	topics := d.tg.Topics(deskGroup)
	if len(topics) != 1 || !strings.Contains(topics[0].Name, "#1") || !strings.Contains(topics[0].Name, "🇷🇺") ||
		strings.Contains(topics[0].Name, "500") || strings.Contains(topics[0].Name, "User") {
		t.Fatalf("topics: %+v", topics)
	}

	d.tg.Push(telegramtest.Inbound{Chat: deskTgUser, Lang: "ru", Text: "паспорт", Media: &telegramtest.InMedia{Kind: telegramtest.MediaPhoto}})
	if m := d.next(deskGroup, "photo copy in the topic", func(m telegramtest.SentMessage) bool { return m.Method == "copyMessage" }); m.ThreadID != thread {
		t.Fatalf("photo outside the topic: %+v", m)
	}
	d.staff(deskAnna, "/name Anna", 0, 0)
	d.nextText(deskGroup, "Anna")
	d.staff(deskAnna, "Dzień dobry, sprawdzę", 0, thread)
	d.nextText(deskTgUser, "Anna")
	d.nextText(deskTgUser, "Dzień dobry, sprawdzę")
	d.staff(deskBob, "Ja też", 0, thread)
	d.nextText(deskGroup, "prowadzi Anna")
	d.tg.Push(telegramtest.Inbound{Chat: deskGroup, From: deskAnna, Thread: thread, Text: "formularz",
		Media: &telegramtest.InMedia{Kind: telegramtest.MediaDocument, Name: "wniosek.pdf", MIME: "application/pdf", Data: []byte("%PDF-1")}})
	d.next(deskTgUser, "Anna's document", func(m telegramtest.SentMessage) bool { return m.Method == "copyMessage" })
	d.staff(deskAnna, "/note wiza krajowa", 0, thread)
	d.nextText(deskGroup, "Notatka")
	d.staff(deskAnna, "/faq karta pobytu", 0, thread)
	d.nextText(deskGroup, "wysłano odpowiedź")
	d.next(deskTgUser, "the /faq answer", func(m telegramtest.SentMessage) bool {
		return strings.Contains(m.Plain, "gov.pl") || strings.Contains(m.Plain, "udsc") || len(m.Plain) > 200
	})
	d.staff(deskAnna, "/transfer", 0, thread)
	d.nextText(deskTgUser, "передан другому консультанту")
	d.staff(deskBob, "Przejmuję", 0, thread)
	d.nextText(deskTgUser, "Przejmuję")
	d.staff(deskBob, "/close", 0, thread)
	d.nextText(deskTgUser, "завершил разговор")
	d.nextText(deskTgUser, "1 — совсем нет")
	waitFor(t, "the topic closed", deskWait, func() bool { return !d.tg.TopicOpen(deskGroup, thread) })

	// The Viber user's ticket gets its own topic.
	if _, _, err := d.vb.ConversationStarted(ctx, deskVbUser, "en"); err != nil {
		t.Fatal(err)
	}
	d.must("start", func() (vibertest.Response, error) { return d.vb.SendText(ctx, deskVbUser, "/start") })
	d.vtext("What we store")
	d.must("accept", func() (vibertest.Response, error) { return d.vb.PressButton(ctx, deskVbUser, "btn:a") })
	d.vtext("Main menu")
	d.must("consultant", func() (vibertest.Response, error) { return d.vb.SendText(ctx, deskVbUser, "/consultant") })
	d.vtext("Briefly describe")
	d.must("describe", func() (vibertest.Response, error) { return d.vb.SendText(ctx, deskVbUser, "Work permit question") })
	d.vtext("no. 2")
	vcard := d.cardOf(2)
	if vcard.ThreadID == 0 || vcard.ThreadID == thread {
		t.Fatalf("viber ticket's card in thread %d (first topic %d)", vcard.ThreadID, thread)
	}
	d.staff(deskAnna, "Hello from the info point", 0, vcard.ThreadID)
	d.vtext("Hello from the info point")
	if n := count429(d.tg); n != 0 {
		t.Errorf("%d sends got 429", n)
	}
}
