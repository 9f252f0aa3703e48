package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
)

// TestChat drives the terminal chat like a newcomer would: numbers press
// buttons, anything else is a question.
func TestChat(t *testing.T) {
	data := filepath.Join(t.TempDir(), "chat.db")
	// 1 accepts the notice, 1 opens the first topic, then a typed question
	// whose first result is opened.
	out, errOut, err := runCmd(t, "1\n1\nkarta pobytu\n1\n/forget\n1\n", nil, "chat", "--lang", "en", "--data", data)
	if err != nil {
		t.Fatalf("chat: %v\n%s", err, errOut)
	}
	for _, want := range []string{
		"This is the bot of the information point", // privacy notice
		"[1] ✅ OK, let's start",
		"Main menu.",
		"Visas and visa-free stay",
		"Official sources:",
		"Done: all your data has been deleted.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q\n%s", want, out)
		}
	}
	db, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if keys, _ := db.Keys(context.Background(), bot.NewChatKey(bot.Local, "terminal")); len(keys) != 0 {
		t.Errorf("after /forget the chat still has keys: %q", keys)
	}
}

func TestChatRejectsUnknownLanguage(t *testing.T) {
	_, errOut, err := runCmd(t, "", nil, "chat", "--lang", "de", "--data", filepath.Join(t.TempDir(), "x.db"))
	if err != exitError(2) || !strings.Contains(errOut, "unknown language") {
		t.Fatalf("err = %v, stderr %q; want exit 2 and unknown language", err, errOut)
	}
}

// TestLocalMode: with no tokens, run falls back to a terminal chat that
// works and still serves /healthz.
func TestLocalMode(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	in := startRun(t, nil, r)
	out := in.Stdout.String
	waitFor(t, "the language picker", 5*time.Second, func() bool { return strings.Contains(out(), "[4] English") }, out)
	w.WriteString("4\n")
	waitFor(t, "the privacy notice", 5*time.Second, func() bool { return strings.Contains(out(), "OK, let's start") }, out)
	w.WriteString("1\n")
	waitFor(t, "the main menu", 5*time.Second, func() bool { return strings.Contains(out(), "Talk to a consultant") }, out)
	if body := httpGet(t, "http://"+in.Addr+"/healthz"); strings.TrimSpace(body) != "ok" {
		t.Fatalf("/healthz = %q", body)
	}
	if err := in.Stop(t); err != nil {
		t.Fatalf("run returned %v", err)
	}
}

func TestValidateShippedContent(t *testing.T) {
	out, errOut, err := runCmd(t, "", nil, "validate", "--json", "../../content")
	if err != nil {
		t.Fatalf("validate: %v\n%s", err, errOut)
	}
	var sum struct {
		Topics     map[string]struct{ Nodes, Answers int } `json:"topics"`
		Languages  map[string]float64                      `json:"languages"`
		Sourceless int                                     `json:"answers_without_sources"`
		Warnings   []string                                `json:"warnings"`
		Errors     []string                                `json:"errors"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, out)
	}
	if len(sum.Topics) < 5 || len(sum.Errors) != 0 || sum.Languages["uk"] != 1 {
		t.Fatalf("unexpected summary: %+v", sum)
	}
}

// TestValidateBrokenContent: exit status 1 and every problem as
// file:line:col on stderr.
func TestValidateBrokenContent(t *testing.T) {
	dir := copyContent(t)
	writeFile(t, filepath.Join(dir, "faq", "health.yaml"), "topic: health\norder: 1\ntitle: {uk: a, pl: b, ru: c, en: d}\nchildren:\n  - id: Bad_ID\n    title: {uk: x}\n    bogus: 1\n")
	_, errOut, err := runCmd(t, "", nil, "validate", dir)
	var exit exitError
	if !errors.As(err, &exit) || exit != 1 {
		t.Fatalf("err = %v, want exit status 1", err)
	}
	for _, want := range []string{dir + "/faq/health.yaml:5:", dir + "/faq/health.yaml:7:5:"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// TestReloadKeepsLastGoodContent: a broken edit is reported with its
// position and the bot keeps answering from the last good content; a
// fixed edit is picked up.
func TestReloadKeepsLastGoodContent(t *testing.T) {
	dir := copyContent(t)
	c, _, err := loadContent(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	eng := bot.NewEngine(c)
	w := &contentWatcher{dir: dir, engine: eng, logger: newLogger(&logs, "info", "text", nil), every: time.Hour}
	w.last, _ = fingerprint(dir)

	path := filepath.Join(dir, "faq", "life.yaml")
	good, _ := os.ReadFile(path)
	writeFile(t, path, string(good)+"\n  - id: [broken\n")
	w.check()
	if eng.Content() != c {
		t.Fatal("broken content replaced the last good content")
	}
	if !strings.Contains(logs.String(), "faq/life.yaml:") || !strings.Contains(logs.String(), "still serving the last good content") {
		t.Fatalf("the rejection was not reported with a position:\n%s", logs.String())
	}
	writeFile(t, path, strings.Replace(string(good), "order: 50", "order: 5", 1))
	w.check()
	if eng.Content() == c || eng.Content().Topics[0].ID != "life" {
		t.Fatal("the fixed content was not loaded")
	}
}

// TestBackupWhileRunning: `infopunkt backup` works while the bot holds the
// data file, through the bot's loopback-only endpoint.
func TestBackupWhileRunning(t *testing.T) {
	in := startRun(t, nil, nil)
	target := filepath.Join(t.TempDir(), "backup.db")
	env := map[string]string{"INFOPUNKT_DATA": in.Data, "INFOPUNKT_ADMIN_LISTEN": in.Admin, "INFOPUNKT_ADMIN_TOKEN": testAdminToken}
	out, errOut, err := runCmd(t, "", env, "backup", target)
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "backup written") {
		t.Fatalf("unexpected output %q", out)
	}
	db, err := store.Open(target, store.Options{})
	if err != nil {
		t.Fatalf("the backup does not open: %v", err)
	}
	db.Close()
}

func TestSecondInstanceFailsFast(t *testing.T) {
	in := startRun(t, nil, nil)
	start := time.Now()
	_, _, err := runCmd(t, "", map[string]string{"INFOPUNKT_DATA": in.Data, "INFOPUNKT_LISTEN": "127.0.0.1:0", "INFOPUNKT_ADMIN_LISTEN": "127.0.0.1:0"}, "run")
	if !errors.Is(err, bot.ErrLocked) {
		t.Fatalf("err = %v, want bot.ErrLocked", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("took %v to fail", time.Since(start))
	}
}

func TestUnknownCommand(t *testing.T) {
	_, errOut, err := runCmd(t, "", nil, "frobnicate")
	if err != exitError(2) || !strings.Contains(errOut, "Usage:") {
		t.Fatalf("err = %v, stderr %q", err, errOut)
	}
}

// copyContent copies the shipped content to a temporary directory.
func copyContent(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := filepath.WalkDir("../../content", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		rel, _ := filepath.Rel("../../content", path)
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		writeFile(t, filepath.Join(dir, rel), string(raw))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDeskRouterKeepsStaffOutOfTheEngine(t *testing.T) {
	var got, staff []bot.ChatKey
	next := telegramHandlerFunc(func(_ context.Context, u bot.Update) error { got = append(got, u.Chat); return nil })
	f := deskRouter{next: next, staff: "telegram:-100500",
		desk: func(_ context.Context, u bot.Update) error { staff = append(staff, u.Chat); return nil }}
	for _, chat := range []bot.ChatKey{"telegram:-100500", "telegram:42"} {
		if err := f.Handle(context.Background(), bot.Update{Chat: chat, Kind: bot.UpdateText, Text: "/start"}); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 1 || got[0] != "telegram:42" {
		t.Fatalf("passed on %q, want only the migrant's chat", got)
	}
	if len(staff) != 1 || staff[0] != "telegram:-100500" {
		t.Fatalf("desk got %q, want only the staff group", staff)
	}
}

type telegramHandlerFunc func(context.Context, bot.Update) error

func (f telegramHandlerFunc) Handle(ctx context.Context, u bot.Update) error { return f(ctx, u) }

func TestChatTakesTheLanguageFromTheTerminal(t *testing.T) {
	out, _, err := runCmd(t, "", map[string]string{"LANG": "pl_PL.UTF-8"}, "chat", "--data", filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Rozumiem, zaczynamy") {
		t.Fatalf("LANG=pl_PL did not give the Polish notice:\n%s", out)
	}
}
