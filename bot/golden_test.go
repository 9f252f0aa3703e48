package bot_test

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/content"
	"github.com/infopunkt/infopunkt/faq"
)

var update = flag.Bool("update", false, "rewrite golden conversation files")

// fixtureContent loads the test trees and crisis signals in
// testdata/content with the shipped messages and event categories.
func fixtureContent(t testing.TB) *faq.Content {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, name := range []string{"messages.yaml", "events.yaml"} {
		raw, err := fs.ReadFile(content.FS(), name)
		if err != nil {
			t.Fatal(err)
		}
		fsys[name] = &fstest.MapFile{Data: raw}
	}
	files, _ := filepath.Glob("testdata/content/faq/*.yaml")
	top, _ := filepath.Glob("testdata/content/*.yaml") // crisis signals for the fixture's nodes
	for _, f := range append(files, top...) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		if strings.Contains(filepath.ToSlash(f), "/faq/") {
			name = "faq/" + name
		}
		fsys[name] = &fstest.MapFile{Data: raw}
	}
	c, probs, err := faq.Load(fsys, faq.Options{Name: "fixture", Now: fixedNow})
	if err != nil {
		t.Fatalf("fixture content: %v\n%s", err, probs.Error())
	}
	return c
}

func fixedNow() time.Time { return time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC) }

// conversation replays a script against the engine, keeping state in
// memory as the store would, and writes a transcript.
type conversation struct {
	t       *testing.T
	eng     *bot.Engine
	st      bot.State
	exists  bool
	hint    string
	last    []bot.Button
	out     strings.Builder
	updates int
}

// TestGolden replays testdata/conv/*.txt. Each script line is one of:
//
//	hint CODE    platform language hint for the following updates
//	say TEXT     the user types TEXT (\x escapes allowed: \xff, \n)
//	press N      the user presses button N of the latest reply
//	data D       a button with payload D arrives (stale or forged)
//	big N        the user sends N bytes of text
//	reload       content is reloaded without the node legal-mos
//	desk EVENT   the desk tells the chat EVENT (closed:12, idle:12, faq:node)
//	photo TEXT   the user sends a photo with caption TEXT
//
// The transcript (user lines, replies with numbered buttons and payloads,
// effects and the resulting state) is compared with NAME.golden.
func TestGolden(t *testing.T) {
	scripts, _ := filepath.Glob("testdata/conv/*.txt")
	if len(scripts) == 0 {
		t.Fatal("no conversation scripts")
	}
	for _, script := range scripts {
		name := strings.TrimSuffix(filepath.Base(script), ".txt")
		t.Run(name, func(t *testing.T) {
			c := &conversation{t: t, eng: bot.NewEngine(fixtureContent(t))}
			c.eng.SetExampleEvents(true) // the shipped events are examples
			raw, err := os.ReadFile(script)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(string(raw), "\n") {
				c.step(line)
			}
			compareGolden(t, strings.TrimSuffix(script, ".txt")+".golden", c.out.String())
		})
	}
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot -run TestGolden -update)", err)
	}
	if got != string(want) {
		t.Errorf("transcript differs from %s (rerun with -update and review the diff):\n%s", path, firstDiff(string(want), got))
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n want: %q\n  got: %q", i+1, wl, gl)
		}
	}
	return ""
}

func (c *conversation) step(line string) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		if line != "" {
			fmt.Fprintf(&c.out, "%s\n", line)
		}
		return
	}
	verb, arg, _ := strings.Cut(line, " ")
	u := bot.Update{Chat: "test:1", LangHint: c.hint, Time: fixedNow()}
	switch verb {
	case "hint":
		c.hint = arg
		return
	case "reload":
		c.reloadWithout("legal-mos")
		fmt.Fprintf(&c.out, "-- content reloaded without legal-mos\n")
		return
	case "say":
		u.Kind, u.Text = bot.UpdateText, unescape(arg)
	case "big":
		var n int
		fmt.Sscan(arg, &n)
		u.Kind, u.Text = bot.UpdateText, strings.Repeat("a", n)
		arg = fmt.Sprintf("<%d bytes>", n)
	case "press":
		u.Kind, u.Data, u.MessageRef = bot.UpdateButton, c.button(arg), "m1"
		arg = fmt.Sprintf("%s (%s)", arg, u.Data)
	case "data":
		u.Kind, u.Data, u.MessageRef = bot.UpdateButton, arg, "m1"
	case "desk":
		u.Kind, u.Data = bot.UpdateDesk, arg
	case "photo":
		u.Kind, u.Text, u.Ref = bot.UpdateText, arg, "p1"
		u.Media = &bot.Media{Kind: bot.MediaPhoto, FileID: "f1"}
	default:
		c.t.Fatalf("unknown script verb %q", verb)
	}
	fmt.Fprintf(&c.out, "\n>>> %s %s\n", verb, arg)
	c.apply(u)
}

func (c *conversation) button(arg string) string {
	var n int
	if _, err := fmt.Sscan(arg, &n); err != nil || n < 1 || n > len(c.last) {
		c.t.Fatalf("press %s: the latest reply has %d buttons", arg, len(c.last))
	}
	return c.last[n-1].Data
}

func (c *conversation) apply(u bot.Update) {
	res := c.eng.Handle(c.st, c.exists, u)
	for _, r := range res.Replies {
		c.render(r)
	}
	for _, e := range res.Effects {
		fmt.Fprintf(&c.out, "  effect: %s\n", effectString(e))
	}
	c.st, c.exists = res.State, !res.Erases()
	if err := checkState(c.eng.Content(), c.st); err != nil {
		c.t.Errorf("invalid state after %+v: %v", u, err)
	}
	extra := ""
	if c.st.Pending != "" {
		extra = fmt.Sprintf(" pending=%q", c.st.Pending)
	}
	if c.st.Desk {
		extra += " desk=true"
	}
	fmt.Fprintf(&c.out, "  state: mode=%d lang=%s consent=%t node=%q back=%q subs=%q inactive=%t%s\n",
		c.st.Mode, c.st.Lang, c.st.Consent, c.st.Node, c.st.Back, c.st.Subs, c.st.Inactive, extra)
}

func (c *conversation) render(r bot.Reply) {
	edit := ""
	if r.EditRef != "" {
		edit = " (edits " + r.EditRef + ")"
	}
	fmt.Fprintf(&c.out, "<<< [%s]%s\n", r.Lang, edit)
	if r.Title != "" {
		fmt.Fprintf(&c.out, "  *%s*\n", r.Title)
	}
	for _, l := range strings.Split(strings.TrimRight(r.Text, "\n"), "\n") {
		fmt.Fprintf(&c.out, "  | %s\n", l)
	}
	for _, l := range r.Links {
		fmt.Fprintf(&c.out, "  link %s -> %s\n", l.Label, l.URL)
	}
	c.last = c.last[:0]
	for _, row := range r.Buttons {
		var cells []string
		for _, b := range row {
			c.last = append(c.last, b)
			target := b.Data
			if b.URL != "" {
				target = b.URL
			}
			cells = append(cells, fmt.Sprintf("[%d %s -> %s]", len(c.last), b.Label, target))
		}
		fmt.Fprintf(&c.out, "  %s\n", strings.Join(cells, " "))
	}
}

func effectString(e bot.Effect) string {
	names := map[bot.EffectKind]string{
		bot.EffectHandoff: "handoff", bot.EffectHandoffCancel: "handoff-cancel", bot.EffectRelay: "relay",
		bot.EffectSubscribe: "subscribe", bot.EffectUnsubscribe: "unsubscribe", bot.EffectErase: "erase",
		bot.EffectUnanswered: "unanswered", bot.EffectView: "view", bot.EffectRate: "rate",
	}
	s := names[e.Kind]
	if e.Node != "" {
		s += " node=" + e.Node
	}
	if e.Category != "" {
		s += " category=" + e.Category
	}
	if e.Text != "" {
		s += fmt.Sprintf(" text=%q", e.Text)
	}
	if len(e.Path) > 0 {
		s += fmt.Sprintf(" path=%q", e.Path)
	}
	if e.Media != nil {
		s += fmt.Sprintf(" media=%d ref=%s", e.Media.Kind, e.Ref)
	}
	if e.Ticket != "" {
		s += fmt.Sprintf(" ticket=%s rating=%d", e.Ticket, e.Rating)
	}
	return s + " lang=" + e.Lang.String()
}

// checkState asserts invariants every state must keep.
func checkState(c *faq.Content, st bot.State) error {
	if st.Lang >= faq.NumLangs {
		return fmt.Errorf("language %d out of range", st.Lang)
	}
	// Before consent Node may hold a pending deep link to an event.
	pendingEvent := strings.HasPrefix(st.Node, "event_") && !st.Consent && c.Event(strings.TrimPrefix(st.Node, "event_")) != nil
	if st.Node != "" && c.Node(st.Node) == nil && !pendingEvent {
		return fmt.Errorf("current node %q does not exist", st.Node)
	}
	if len(st.Back) > bot.MaxBackStack {
		return fmt.Errorf("back stack of %d", len(st.Back))
	}
	if st.Consent && !st.LangSet {
		return fmt.Errorf("consent without a language")
	}
	return nil
}

// reloadWithout swaps in the fixture content minus one answer, as a staff
// edit would.
func (c *conversation) reloadWithout(id string) {
	next := fixtureContent(c.t)
	n := next.Nodes[id]
	parent := n.Parent
	kept := parent.Children[:0]
	for _, ch := range parent.Children {
		if ch.ID != id {
			kept = append(kept, ch)
		}
	}
	parent.Children = kept
	delete(next.Nodes, id)
	c.eng.SetContent(next)
}

func unescape(s string) string {
	s = strings.ReplaceAll(s, `\n`, "\n")
	for {
		i := strings.Index(s, `\x`)
		if i < 0 || i+4 > len(s) {
			return s
		}
		var b byte
		fmt.Sscanf(s[i+2:i+4], "%02x", &b)
		s = s[:i] + string([]byte{b}) + s[i+4:]
	}
}
