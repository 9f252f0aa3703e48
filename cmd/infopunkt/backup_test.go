package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
)

// TestBackupRefusesMissingDataFile: a mistyped INFOPUNKT_DATA once gave
// a "successful" backup of a new empty file.
func TestBackupRefusesMissingDataFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "typo.db")
	_, _, err := runCmd(t, "", map[string]string{"INFOPUNKT_DATA": missing}, "backup", filepath.Join(t.TempDir(), "b.db"))
	if err == nil || !strings.HasPrefix(err.Error(), "INFOPUNKT_DATA: no data file") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Error("backup created the missing data file")
	}
}

// TestBackupChecksTheBotServesTheFile: with INFOPUNKT_DATA naming one
// running bot's file and INFOPUNKT_ADMIN_LISTEN another bot's listener,
// backup refuses instead of saving the other bot's data.
func TestBackupChecksTheBotServesTheFile(t *testing.T) {
	a := startRun(t, nil, nil)
	b := startRun(t, nil, nil)
	target := filepath.Join(t.TempDir(), "b.db")
	env := map[string]string{"INFOPUNKT_DATA": b.Data, "INFOPUNKT_ADMIN_LISTEN": a.Admin, "INFOPUNKT_ADMIN_TOKEN": testAdminToken}
	_, _, err := runCmd(t, "", env, "backup", target)
	if err == nil || !strings.Contains(err.Error(), "serves another data file") {
		t.Fatalf("err = %v, want a refusal", err)
	}
	if _, err := os.Stat(target); !errors.Is(err, os.ErrNotExist) {
		t.Error("a backup was saved anyway")
	}
	env["INFOPUNKT_ADMIN_TOKEN"] = "wrong-token-0123456789"
	if _, _, err := runCmd(t, "", env, "backup", target); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong token: err = %v", err)
	}
}

// TestBackupRestoreCompactOffline: backup, restore and compact of a
// stopped bot's file, and restore's refusals.
func TestBackupRestoreCompactOffline(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	data := filepath.Join(dir, "data", "infopunkt.db")
	db, err := store.Open(data, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutMeta(ctx, "probe", []byte("before")); err != nil {
		t.Fatal(err)
	}
	db.Close()
	env := map[string]string{"INFOPUNKT_DATA": data}
	backup := filepath.Join(dir, "backup.db")
	if out, errOut, err := runCmd(t, "", env, "backup", backup); err != nil || !strings.Contains(out, "backup written") {
		t.Fatalf("backup: %v %s", err, errOut)
	}
	db, _ = store.Open(data, store.Options{NoSync: true})
	db.PutMeta(ctx, "probe", []byte("after"))
	db.Close()

	// A damaged backup is refused and the data file stays.
	bad := filepath.Join(dir, "bad.db")
	raw, _ := os.ReadFile(backup)
	os.WriteFile(bad, raw[:len(raw)/3], 0o600)
	if _, _, err := runCmd(t, "", env, "restore", bad); err == nil || !strings.Contains(err.Error(), "unchanged") {
		t.Errorf("restore of a damaged backup: %v", err)
	}
	if _, _, err := runCmd(t, "", env, "restore", backup); err != nil {
		t.Fatalf("restore: %v", err)
	}
	db, err = store.Open(data, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := db.GetMeta(ctx, "probe"); string(v) != "before" {
		t.Errorf("after restore probe = %q, want before", v)
	}
	db.Close()
	if out, _, err := runCmd(t, "", env, "compact"); err != nil || !strings.HasPrefix(out, "compacted:") {
		t.Errorf("compact: %v %q", err, out)
	}
}

// TestRestoreRefusesWhileRunning and online compaction through the admin
// listener.
func TestRestoreRefusesWhileRunning(t *testing.T) {
	in := startRun(t, nil, nil)
	backup := filepath.Join(t.TempDir(), "b.db")
	env := map[string]string{"INFOPUNKT_DATA": in.Data, "INFOPUNKT_ADMIN_LISTEN": in.Admin, "INFOPUNKT_ADMIN_TOKEN": testAdminToken}
	if _, _, err := runCmd(t, "", env, "backup", backup); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, "", env, "restore", backup); err == nil || !strings.Contains(err.Error(), "stop it first") {
		t.Errorf("restore while running: %v", err)
	}
	if out, _, err := runCmd(t, "", env, "compact"); err != nil || !strings.HasPrefix(out, "compacted:") {
		t.Errorf("online compact: %v %q", err, out)
	}
	if body := httpGet(t, "http://"+in.Addr+"/healthz"); strings.TrimSpace(body) != "ok" {
		t.Errorf("/healthz after compact = %q", body)
	}
}

// TestForgetCompactLeavesNoText plants a user's text through the terminal
// chat (a message to a consultant), takes a backup, erases the user with
// /forget, takes another backup and compacts: the text is in none of the
// three files, and the first backup cannot open it.
func TestForgetCompactLeavesNoText(t *testing.T) {
	const secret = "Olena Kovalenko, phone +48 601 234 567"
	dir := t.TempDir()
	data := filepath.Join(dir, "chat.db")
	chat := bot.NewChatKey(bot.Local, "terminal")
	// Accept the notice, then a typed question: stored as an unanswered
	// search only (no text), and a consultant request with the text.
	if _, errOut, err := runCmd(t, "", nil, "chat", "--lang", "en", "--data", data); err != nil {
		t.Fatalf("chat: %v %s", err, errOut)
	}
	db, err := store.Open(data, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// The desk's own flows are tested by the desk; plant a relay the way
	// the engine emits it.
	_, _, err = db.Apply(ctx, chat, "", func(st bot.State, exists bool) bot.Result {
		return bot.Result{State: st, Effects: []bot.Effect{{Kind: bot.EffectRelay, Text: secret}}}
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	env := map[string]string{"INFOPUNKT_DATA": data}
	before := filepath.Join(dir, "before.db")
	if _, _, err := runCmd(t, "", env, "backup", before); err != nil {
		t.Fatal(err)
	}
	if _, errOut, err := runCmd(t, "/forget\n1\n", nil, "chat", "--lang", "en", "--data", data); err != nil {
		t.Fatalf("chat /forget: %v %s", err, errOut)
	}
	after := filepath.Join(dir, "after.db")
	if _, _, err := runCmd(t, "", env, "backup", after); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, "", env, "compact"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{data, before, after} {
		raw, _ := os.ReadFile(p)
		if bytes.Contains(raw, []byte("Kovalenko")) || bytes.Contains(raw, []byte("601 234")) {
			t.Errorf("%s holds the planted text", filepath.Base(p))
		}
	}
	old, err := store.Open(before, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if _, err := old.Transcript(ctx, chat); !errors.Is(err, store.ErrShredded) {
		t.Errorf("Transcript from the backup before /forget: %v, want ErrShredded", err)
	}
}
