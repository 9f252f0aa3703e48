package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot/store"
	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
)

// TestSlowBackupReaderDoesNotFreezeTheBot: a /backup client reading one
// byte per second while updates arrive. Every update is answered and
// SIGTERM (cancelling run) ends the process within 10 s. 200 updates by
// default, 1,000 with INFOPUNKT_SOAK=1.
func TestSlowBackupReaderDoesNotFreezeTheBot(t *testing.T) {
	updates := 200
	if soak() {
		updates = 1000
	}
	data := filepath.Join(t.TempDir(), "infopunkt.db")
	// A file larger than the socket buffers, so the stream really waits.
	db, err := store.Open(data, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("x", 16<<10)
	for i := range 400 {
		if err := db.PutMeta(context.Background(), fmt.Sprintf("pad/%04d", i), []byte(pad)); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	fake := telegramtest.New(t, telegramtest.Options{Limits: telegramtest.Limits{Disabled: true}})
	addr := freeAddr(t)
	hook := "http://" + addr + "/tg/hook"
	in := startRun(t, telegramEnv(fake, "INFOPUNKT_DATA", data, "INFOPUNKT_LISTEN", addr, "INFOPUNKT_TELEGRAM_WEBHOOK_URL", hook,
		"INFOPUNKT_TELEGRAM_WEBHOOK_SECRET", "slow-backup-secret", "INFOPUNKT_TELEGRAM_RATE", "1000000"), nil)
	waitFor(t, "setWebhook", 5*time.Second, func() bool { return fake.WebhookURL() == hook })

	// The slow reader: a tiny receive buffer, one byte a second.
	conn, err := net.Dial("tcp", in.Admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.(*net.TCPConn).SetReadBuffer(1024)
	fmt.Fprintf(conn, "GET /backup HTTP/1.1\r\nHost: admin\r\nAuthorization: Bearer %s\r\n\r\n", testAdminToken)
	br := bufio.NewReaderSize(conn, 16)
	first := make(chan string, 1)
	stop := make(chan struct{})
	var readerDone sync.WaitGroup
	readerDone.Add(1)
	go func() {
		defer readerDone.Done()
		line, _ := br.ReadString('\n')
		first <- line
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := br.ReadByte(); err != nil {
					return
				}
			}
		}
	}()
	select {
	case line := <-first:
		if !strings.Contains(line, "200") {
			t.Fatalf("backup answered %q", line)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the backup did not start")
	}

	client := &http.Client{Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	ids := make(chan int, updates)
	for i := range updates {
		ids <- i
	}
	close(ids)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ids {
				body := updateJSON(int64(500000+i), int64(700000+i), "/start")
				if code := postUpdate(t, client, hook, "slow-backup-secret", body); code != http.StatusOK {
					t.Errorf("update %d: status %d", i, code)
				}
			}
		}()
	}
	wg.Wait()
	waitFor(t, "every update answered", 60*time.Second, func() bool { return answeredChats(fake) >= updates },
		func() string { return fmt.Sprintf("%d of %d chats answered", answeredChats(fake), updates) })

	start := time.Now()
	err = in.Stop(t)
	took := time.Since(start)
	t.Logf("%d updates answered during a 1 byte/s backup; shutdown took %v", updates, took)
	if took > 10*time.Second {
		t.Errorf("shutdown took %v with a slow backup reader, want < 10s", took)
	}
	if err != nil {
		t.Errorf("run returned %v", err)
	}
	close(stop)
	conn.Close()
	readerDone.Wait()
}

// answeredChats counts the distinct chats that got a sendMessage.
func answeredChats(fake *telegramtest.Server) int {
	chats := map[string]bool{}
	for _, c := range fake.Calls("sendMessage") {
		if c.Status == http.StatusOK {
			chats[c.Params["chat_id"]] = true
		}
	}
	return len(chats)
}
