package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot/store"
	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
)

// damageSession creates the data file at path with the session record of
// chat replaced by bytes that are not JSON, as a torn write could leave it.
func damageSession(t *testing.T, path, chat string) {
	t.Helper()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	err = raw.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte("sessions")).Put([]byte(chat), []byte("{torn"))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// deadLetters opens the data file of a stopped run and counts its dead letters.
func deadLetters(t *testing.T, path string) int {
	t.Helper()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, err := db.DeadLetters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTelegramPoisonUpdatePolling: an update whose commit always fails
// (its chat's session record is damaged) used to block its polling batch
// forever, the offset never moving. It is now set aside after a few
// attempts, the batch is confirmed and a later update is answered.
func TestTelegramPoisonUpdatePolling(t *testing.T) {
	t.Parallel()
	fake := telegramtest.New(t, telegramtest.Options{})
	data := filepath.Join(t.TempDir(), "infopunkt.db")
	damageSession(t, data, "telegram:66")
	in := startRun(t, telegramEnv(fake, "INFOPUNKT_DATA", data), nil)
	fake.PushMessage(66, 66, "hello", "uk")
	fake.PushCommand(67, 67, "/start", "uk")
	waitFor(t, "the batch with the poison update confirmed", 20*time.Second, func() bool { return len(fake.Pending()) == 0 })
	fake.PushCommand(68, 68, "/start", "uk")
	waitFor(t, "replies to both healthy chats", 10*time.Second, func() bool { return len(fake.Sent(67)) > 0 && len(fake.Sent(68)) > 0 })
	if err := in.Stop(t); err != nil {
		t.Fatal(err)
	}
	if n := deadLetters(t, data); n != 1 {
		t.Fatalf("%d dead letters, want 1", n)
	}
}

// TestTelegramPoisonUpdateWebhook: the same update by webhook used to get
// 500 on every redelivery; it is now answered 200 after a few attempts.
func TestTelegramPoisonUpdateWebhook(t *testing.T) {
	t.Parallel()
	fake := telegramtest.New(t, telegramtest.Options{})
	data := filepath.Join(t.TempDir(), "infopunkt.db")
	damageSession(t, data, "telegram:66")
	addr := freeAddr(t)
	hook := "http://" + addr + "/tg/hook"
	in := startRun(t, telegramEnv(fake, "INFOPUNKT_DATA", data, "INFOPUNKT_LISTEN", addr, "INFOPUNKT_TELEGRAM_WEBHOOK_URL", hook), nil)
	waitFor(t, "setWebhook", 5*time.Second, func() bool { return fake.WebhookURL() == hook })
	fake.PushMessage(66, 66, "hello", "uk")
	fake.PushCommand(67, 67, "/start", "uk")
	waitFor(t, "every update accepted", 10*time.Second, func() bool { return len(fake.Pending()) == 0 })
	waitFor(t, "a reply to the healthy chat", 10*time.Second, func() bool { return len(fake.Sent(67)) > 0 })
	failed := 0
	for _, d := range fake.Deliveries() {
		if d.Status != 200 {
			failed++
		}
	}
	if failed == 0 || failed >= 10 {
		t.Errorf("%d failed deliveries, want a few", failed)
	}
	if err := in.Stop(t); err != nil {
		t.Fatal(err)
	}
	if n := deadLetters(t, data); n != 1 {
		t.Fatalf("%d dead letters, want 1", n)
	}
}
