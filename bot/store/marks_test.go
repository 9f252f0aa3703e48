package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
	"github.com/infopunkt/infopunkt/faq"
)

func TestMarkBatchAppliesEveryKind(t *testing.T) {
	ctx := context.Background()
	db, _, clk := newDB(t)
	a := bot.ChatKey("telegram:1")
	seqs, err := db.Enqueue(ctx,
		bot.Reply{Chat: a, Text: "1", Track: "t1", Key: "k1"},
		bot.Reply{Chat: a, Text: "2"},
		bot.Reply{Chat: a, Text: "3"},
	)
	if err != nil {
		t.Fatal(err)
	}
	until := clk.Now().Add(time.Minute)
	err = db.Mark(ctx, []bot.Mark{
		{Kind: bot.MarkDone, Seq: seqs[0], Receipt: bot.Receipt{Refs: []string{"77"}}},
		{Kind: bot.MarkRetry, Seq: seqs[1], Attempts: 2, NotBefore: until},
		{Kind: bot.MarkDrop, Seq: seqs[2], Reason: "bad"},
		{Kind: bot.MarkPause, Lane: string(a), Until: until},
		{Kind: bot.MarkDone, Seq: 999}, // missing: ignored
	})
	if err != nil {
		t.Fatalf("Mark: %v", err)
	}
	items := scanAll(t, db)
	if len(items) != 1 || items[0].Seq != seqs[1] || items[0].Attempts != 2 || !items[0].NotBefore.Equal(until) {
		t.Fatalf("pending after marks = %+v", items)
	}
	if track, err := db.Tracked(ctx, a, "77"); err != nil || track != "t1" {
		t.Errorf("Tracked = %q, %v", track, err)
	}
	if p, _ := db.Pauses(ctx, clk.Now()); !p[string(a)].Equal(until) {
		t.Errorf("pauses = %v", p)
	}
	if n := stats(t, db)["dropped/bad"]; n != 1 {
		t.Errorf("dropped/bad = %d", n)
	}
	if seqs, _ := db.Enqueue(ctx, bot.Reply{Chat: a, Key: "k1"}); seqs[0] == 0 {
		t.Error("the done item's key is still indexed")
	}
}

// TestMarkBlockedKeepsRepliesOfAReturningUser: a 403 on an older send must
// not delete what was queued after it (the user unblocked and wrote
// /start meanwhile), nor leave the returning user inactive.
func TestMarkBlockedKeepsRepliesOfAReturningUser(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	a := bot.ChatKey("telegram:1")
	mustApply(t, db, a, "u1", step("a", "old 1", ""))
	mustApply(t, db, a, "u2", step("a", "old 2", ""))
	blockedSeq := scanAll(t, db)[0].Seq
	// The user comes back: a newer reply is committed before the 403 of
	// the older send is recorded.
	mustApply(t, db, a, "u3", step("start", "welcome back", ""))
	if err := db.Mark(ctx, []bot.Mark{{Kind: bot.MarkBlocked, Chat: a, Seq: blockedSeq + 1}}); err != nil {
		t.Fatal(err)
	}
	items := scanAll(t, db)
	if len(items) != 1 || items[0].Reply.Text != "welcome back" {
		t.Fatalf("pending = %+v, want only the reply to the returning user", items)
	}
	if st, _, _ := db.State(ctx, a); st.Inactive {
		t.Error("the returning user was marked inactive")
	}
	if n := stats(t, db)["dropped/inactive"]; n != 2 {
		t.Errorf("dropped/inactive = %d, want 2", n)
	}

	// With nothing newer pending, the chat is marked inactive.
	if err := db.Mark(ctx, []bot.Mark{{Kind: bot.MarkBlocked, Chat: a, Seq: items[0].Seq}}); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := db.State(ctx, a); !st.Inactive {
		t.Error("a blocked chat with nothing newer pending is not inactive")
	}
	if n := len(scanAll(t, db)); n != 0 {
		t.Errorf("%d items left", n)
	}
}

func TestScanChat(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	a, b := bot.ChatKey("telegram:1"), bot.ChatKey("telegram:12")
	for i := range 6 {
		chat := a
		if i%2 == 1 {
			chat = b
		}
		if _, err := db.Enqueue(ctx, bot.Reply{Chat: chat, Text: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.ScanChat(ctx, a, 0, 10)
	if err != nil || !reflect.DeepEqual(seqsOf(got), []uint64{1, 3, 5}) {
		t.Fatalf("ScanChat(a) = %v, %v", seqsOf(got), err)
	}
	if got, _ = db.ScanChat(ctx, a, 1, 1); !reflect.DeepEqual(seqsOf(got), []uint64{3}) {
		t.Errorf("ScanChat(a, after 1, limit 1) = %v", seqsOf(got))
	}
	if got, _ = db.ScanChat(ctx, b, 6, 10); len(got) != 0 {
		t.Errorf("ScanChat(b, after 6) = %v", seqsOf(got))
	}
}

func TestFloodCapRefusesPlainAnswersOnly(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	a := bot.ChatKey("telegram:1")
	for i := range store.DefaultMaxPendingPerChat {
		if seqs, err := db.Enqueue(ctx, bot.Reply{Chat: a, Text: fmt.Sprint(i)}); err != nil || seqs[0] == 0 {
			t.Fatalf("answer %d refused under the cap: %v", i, err)
		}
	}
	seqs, err := db.Enqueue(ctx,
		bot.Reply{Chat: a, Text: "one too many"},
		bot.Reply{Chat: a, Kind: bot.ReplyRelay, Text: "consultant"},
		bot.Reply{Chat: a, Kind: bot.ReplyReminder, Text: "reminder", Key: "slot"},
		bot.Reply{Chat: "telegram:2", Text: "another chat"},
	)
	if err != nil {
		t.Fatal(err)
	}
	if seqs[0] != 0 || seqs[1] == 0 || seqs[2] == 0 || seqs[3] == 0 {
		t.Errorf("seqs = %v: want only the plain answer over the cap refused", seqs)
	}
	if n := stats(t, db)["dropped/flood"]; n != 1 {
		t.Errorf("dropped/flood = %d, want 1", n)
	}
}

// TestMarkDoneWithoutDecoding: a mark that names the item's chat, key and
// track removes it and its index entries just like one that does not.
func TestMarkDoneWithoutDecoding(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	a := bot.ChatKey("telegram:1")
	seqs, _ := db.Enqueue(ctx, bot.Reply{Chat: a, Kind: bot.ReplyReminder, Text: "x", Key: "k", Track: "t9"}, bot.Reply{Chat: a, Text: "y", Key: "k2"})
	err := db.Mark(ctx, []bot.Mark{
		{Kind: bot.MarkDone, Seq: seqs[0], Chat: a, Key: "k", Track: "t9", ReplyKind: bot.ReplyReminder, Receipt: bot.Receipt{Refs: []string{"5"}}},
		{Kind: bot.MarkDrop, Seq: seqs[1], Chat: a, Key: "k2", Reason: "bad"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if items, _ := db.ScanChat(ctx, a, 0, 10); len(items) != 0 {
		t.Errorf("items left: %v", seqsOf(items))
	}
	if track, err := db.Tracked(ctx, a, "5"); err != nil || track != "t9" {
		t.Errorf("Tracked = %q, %v", track, err)
	}
	if n := stats(t, db)["reminders/sent"]; n != 1 {
		t.Errorf("reminders/sent = %d, want 1", n)
	}
	if again, _ := db.Enqueue(ctx, bot.Reply{Chat: a, Key: "k"}, bot.Reply{Chat: a, Key: "k2"}); again[0] == 0 || again[1] == 0 {
		t.Errorf("keys still indexed: %v", again)
	}
}

// TestFloodNoticeOnRefusal: an update whose answer the cap refuses queues
// one flood notice in the chat's language, behind the backlog; further
// refusals while it is pending add nothing, and once the backlog drains a
// new flood gets a new notice.
func TestFloodNoticeOnRefusal(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	db := open(t, filepath.Join(t.TempDir(), "infopunkt.db"), store.Options{Now: clk.Now, NoSync: true,
		FloodNotice: func(l faq.Lang) string { return "slow down (" + l.String() + ")" }})
	a := bot.ChatKey("telegram:1")
	answer := func(st bot.State, exists bool) bot.Result {
		st.Lang = faq.UK
		return bot.Result{State: st, Replies: []bot.Reply{{Text: "answer"}}}
	}
	for i := range store.DefaultMaxPendingPerChat {
		if _, _, err := db.Apply(ctx, a, fmt.Sprint("u", i), answer); err != nil {
			t.Fatal(err)
		}
	}
	notices := func() []bot.OutboxItem {
		items, err := db.ScanChat(ctx, a, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var out []bot.OutboxItem
		for _, it := range items {
			if it.Reply.Text != "answer" {
				out = append(out, it)
			}
		}
		return out
	}
	if n := notices(); len(n) != 0 {
		t.Fatalf("notice under the cap: %+v", n)
	}
	for i := range 3 {
		if _, _, err := db.Apply(ctx, a, fmt.Sprint("flood", i), answer); err != nil {
			t.Fatal(err)
		}
	}
	n := notices()
	if len(n) != 1 || n[0].Reply.Text != "slow down (uk)" || n[0].Reply.Lang != faq.UK || n[0].Reply.Chat != a {
		t.Fatalf("after 3 refusals, notices = %+v; want one in Ukrainian", n)
	}
	if got := stats(t, db)["dropped/flood"]; got != 3 {
		t.Errorf("dropped/flood = %d, want 3", got)
	}
	items, _ := db.ScanChat(ctx, a, 0, 1000)
	if last := items[len(items)-1]; last.Seq != n[0].Seq {
		t.Errorf("the notice is not behind the backlog: last item %d, notice %d", last.Seq, n[0].Seq)
	}
	for _, it := range items {
		if err := db.Done(ctx, it.Seq, bot.Receipt{}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range store.DefaultMaxPendingPerChat + 1 {
		if _, _, err := db.Apply(ctx, a, fmt.Sprint("again", i), answer); err != nil {
			t.Fatal(err)
		}
	}
	if n := notices(); len(n) != 1 || n[0].Seq == items[len(items)-1].Seq {
		t.Errorf("a new flood after the drain: notices = %+v, want one new", n)
	}
}
