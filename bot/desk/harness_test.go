package desk_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/desk"
	"github.com/infopunkt/infopunkt/bot/store"
	"github.com/infopunkt/infopunkt/content"
	"github.com/infopunkt/infopunkt/faq"
)

const staff = bot.ChatKey("telegram:-1001")

// fakePlatform is an in-memory staff group: members and topics.
type fakePlatform struct {
	mu      sync.Mutex
	forum   bool
	members map[string]bool
	topics  map[string]string // thread → state: open, closed, deleted
	names   map[string]string
	next    int
	deleted []string
	calls   []string
}

func newFakePlatform(forum bool, members ...string) *fakePlatform {
	p := &fakePlatform{forum: forum, members: map[string]bool{}, topics: map[string]string{}, names: map[string]string{}, next: 100}
	for _, m := range members {
		p.members[m] = true
	}
	return p
}

func (p *fakePlatform) log(s string) { p.calls = append(p.calls, s) }

func (p *fakePlatform) IsForum(context.Context, bot.ChatKey) (bool, error) { return p.forum, nil }
func (p *fakePlatform) IsMember(_ context.Context, _ bot.ChatKey, user string) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.members[user], nil
}
func (p *fakePlatform) CreateTopic(_ context.Context, _ bot.ChatKey, name string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next++
	th := strconv.Itoa(p.next)
	p.topics[th], p.names[th] = "open", name
	p.log("create " + th)
	return th, nil
}
func (p *fakePlatform) set(th, state string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.topics[th] = state
	p.log(state + " " + th)
	return nil
}
func (p *fakePlatform) CloseTopic(_ context.Context, _ bot.ChatKey, th string) error {
	return p.set(th, "closed")
}
func (p *fakePlatform) ReopenTopic(_ context.Context, _ bot.ChatKey, th string) error {
	return p.set(th, "open")
}
func (p *fakePlatform) DeleteTopic(_ context.Context, _ bot.ChatKey, th string) error {
	return p.set(th, "deleted")
}
func (p *fakePlatform) DeleteMessage(_ context.Context, _ bot.ChatKey, ref string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.deleted = append(p.deleted, ref)
	return nil
}

// harness runs the engine, the store and the desk together, with the
// outbox drained by hand.
type harness struct {
	t    *testing.T
	ctx  context.Context
	db   *store.DB
	proc *bot.Processor
	svc  *desk.Service
	plat *fakePlatform
	eng  *bot.Engine
	now  time.Time
	mu   sync.Mutex
	seq  int
	ref  int
	sent []bot.Reply
	// staffRefs maps a sent staff message id to its reply.
	staffRefs map[string]bot.Reply
}

func shippedContent(t testing.TB) *faq.Content {
	t.Helper()
	c, probs, err := faq.Load(content.FS(), faq.Options{Name: "content"})
	if err != nil {
		t.Fatalf("content: %v\n%s", err, probs.Error())
	}
	return c
}

func newHarness(t *testing.T, forum bool, members ...string) *harness {
	t.Helper()
	h := &harness{t: t, ctx: context.Background(), now: time.Date(2026, 12, 2, 10, 0, 0, 0, warsaw(t)), staffRefs: map[string]bot.Reply{}}
	db, err := store.Open(filepath.Join(t.TempDir(), "d.db"), store.Options{NoSync: true, Now: h.clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h.db = db
	h.eng = bot.NewEngine(shippedContent(t))
	h.plat = newFakePlatform(forum, members...)
	h.svc = &desk.Service{Desk: &desk.Desk{Staff: staff, Forum: forum}, Store: db, Engine: h.eng, Platform: h.plat, Now: h.clock}
	h.svc.Install()
	h.proc = &bot.Processor{Engine: h.eng, Store: db, Now: h.clock}
	return h
}

func warsaw(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func (h *harness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	h.now = h.now.Add(d)
	h.mu.Unlock()
}

// user sends text (or presses a button when text starts with "!").
func (h *harness) user(chat bot.ChatKey, text string) {
	h.t.Helper()
	h.seq++
	u := bot.Update{Chat: chat, Kind: bot.UpdateText, Text: text, LangHint: "uk", DedupKey: fmt.Sprintf("u%d", h.seq), Ref: fmt.Sprintf("m%d", h.seq)}
	if data, ok := strings.CutPrefix(text, "!"); ok {
		u.Kind, u.Data, u.Text = bot.UpdateButton, data, ""
	}
	if err := h.proc.Handle(h.ctx, u); err != nil {
		h.t.Fatal(err)
	}
}

// consent brings a user to the main menu.
func (h *harness) consent(chat bot.ChatKey) {
	h.user(chat, "/start")
	h.user(chat, "!a")
}

// staffSays posts text in the staff group from user from, replying to
// message replyTo ("" for none), in thread.
func (h *harness) staffSays(from, text, replyTo, thread string) {
	h.t.Helper()
	h.seq++
	u := bot.Update{Chat: staff, Kind: bot.UpdateText, Text: text, From: from, ReplyTo: replyTo, Thread: thread,
		DedupKey: fmt.Sprintf("s%d", h.seq), Ref: fmt.Sprintf("%d", 5000+h.seq)}
	if data, ok := strings.CutPrefix(text, "!"); ok {
		u.Kind, u.Data, u.Text = bot.UpdateButton, data, ""
	}
	if err := h.svc.HandleStaff(h.ctx, u); err != nil {
		h.t.Fatal(err)
	}
}

// drain delivers every queued reply, giving staff messages ids, and
// returns them.
func (h *harness) drain() []bot.Reply {
	h.t.Helper()
	items, err := h.db.Scan(h.ctx, 0, 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []bot.Reply
	for _, it := range items {
		h.ref++
		ref := strconv.Itoa(h.ref)
		if it.Reply.Chat == staff {
			h.staffRefs[ref] = it.Reply
		}
		if err := h.db.Done(h.ctx, it.Seq, bot.Receipt{Refs: []string{ref}}); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, it.Reply)
	}
	h.sent = append(h.sent, out...)
	return out
}

// lastStaffRef is the id of the latest staff message whose text contains s.
func (h *harness) staffRef(s string) string {
	h.t.Helper()
	best := 0
	for ref, r := range h.staffRefs {
		if strings.Contains(r.Text, s) || strings.Contains(r.Title, s) {
			if n, _ := strconv.Atoi(ref); n > best {
				best = n
			}
		}
	}
	if best == 0 {
		h.t.Fatalf("no staff message contains %q", s)
	}
	return strconv.Itoa(best)
}

// runOps runs the queued platform operations the way the service loop does.
func (h *harness) runOps() {
	h.t.Helper()
	if err := desk.RunOps(h.ctx, h.svc); err != nil {
		h.t.Fatal(err)
	}
}

func to(replies []bot.Reply, chat bot.ChatKey) []bot.Reply {
	var out []bot.Reply
	for _, r := range replies {
		if r.Chat == chat {
			out = append(out, r)
		}
	}
	return out
}

func texts(replies []bot.Reply) string {
	var b strings.Builder
	for _, r := range replies {
		if r.Title != "" {
			b.WriteString("*" + r.Title + "* ")
		}
		b.WriteString(r.Text)
		if r.Copy != nil {
			b.WriteString("[copy " + r.Copy.Ref + "]")
		}
		if r.Media != nil {
			b.WriteString("[media]")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s: want %q in:\n%s", what, w, got)
		}
	}
}

func mustNotContain(t *testing.T, what, got string, bad ...string) {
	t.Helper()
	for _, w := range bad {
		if strings.Contains(got, w) {
			t.Errorf("%s: must not contain %q:\n%s", what, w, got)
		}
	}
}
