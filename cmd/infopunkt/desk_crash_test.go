package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
)

// TestDeskCrashDuringRelays runs the program as a child process and
// SIGKILLs it 2–3 times at random moments while ten users and a consultant
// exchange numbered messages through the desk, restarting it on the same
// data file. Afterwards every relay has arrived, in order; a relay may
// repeat only right after itself (a send in flight at a kill), at most
// once per kill. INFOPUNKT_CRASH_SEED=n replays a run.
func TestDeskCrashDuringRelays(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts and kills processes")
	}
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("INFOPUNKT_CRASH_SEED"), 10, 64); err == nil {
		seed = s
	}
	rng := rand.New(rand.NewPCG(seed, seed))
	lim := telegramtest.DefaultLimits()
	lim.Group = []telegramtest.Window{{Max: 20, Per: 3 * time.Second}}
	fake := telegramtest.New(t, telegramtest.Options{Limits: lim})
	fake.AddGroup(telegramtest.Group{ID: deskGroup, Title: "Konsultanci"})
	fake.AddMember(deskGroup, deskAnna, "member")
	env := telegramEnv(fake, "INFOPUNKT_DATA", filepath.Join(t.TempDir(), "infopunkt.db"), "INFOPUNKT_LISTEN", "127.0.0.1:0",
		"INFOPUNKT_DESK_CHAT_ID", strconv.FormatInt(deskGroup, 10),
		"INFOPUNKT_TELEGRAM_GROUP_RATE", "18/3s", "INFOPUNKT_TELEGRAM_CHAT_RATE", "3/1s", "INFOPUNKT_ADMIN_LISTEN", "off")
	proc := startChild(t, env)
	d := &deskRun{t: t, tg: fake, seen: map[int64]int{}}

	const users, msgs, base = 10, 5, int64(8000)
	for i := int64(0); i < users; i++ {
		fake.PushCommand(base+i, base+i, "/start", "en")
	}
	for i := int64(0); i < users; i++ {
		d.tg.PushCallback(base+i, base+i, d.nextText(base+i, "What we store").MessageID, "a")
	}
	for i := int64(0); i < users; i++ {
		d.nextText(base+i, "Main menu")
		fake.PushCommand(base+i, base+i, "/consultant", "en")
	}
	for i := int64(0); i < users; i++ {
		d.nextText(base+i, "Briefly describe")
		fake.PushMessage(base+i, base+i, fmt.Sprintf("ticket of user %d", i), "en")
	}
	cards := map[int64]int{} // user → card message id
	for i := int64(0); i < users; i++ {
		card := d.next(deskGroup, "card", func(m telegramtest.SentMessage) bool { return strings.Contains(m.Plain, "Sprawa nr") })
		for j := int64(0); j < users; j++ {
			if strings.Contains(card.Plain, fmt.Sprintf("ticket of user %d\n", j)) || strings.HasSuffix(strings.SplitN(card.Plain, "Otwarta", 2)[0], fmt.Sprintf("ticket of user %d\n", j)) {
				cards[j] = card.MessageID
			}
		}
	}
	if len(cards) != users {
		t.Fatalf("cards of %d users, want %d:\n%s", len(cards), users, d.dump(deskGroup))
	}

	ticks := users * msgs * 2
	kills := map[int]bool{}
	for len(kills) < 2+rng.IntN(2) {
		kills[5+rng.IntN(ticks+ticks/4)] = true
	}
	t.Logf("seed %d: kills at ticks %v of %d", seed, sortedKeys(kills), ticks)
	tick := time.NewTicker(30 * time.Millisecond)
	defer tick.Stop()
	for n := 0; n < ticks+ticks/4; n++ {
		<-tick.C
		proc.alive(t)
		if n < ticks {
			k, i := n/(users*2), int64(n%(users*2)/2)
			if n%2 == 0 {
				fake.PushMessage(base+i, base+i, fmt.Sprintf("u-%d-%d", i, k), "en")
			} else {
				fake.Push(telegramtest.Inbound{Chat: deskGroup, From: deskAnna, ReplyTo: cards[i], Text: fmt.Sprintf("a-%d-%d", i, k)})
			}
		}
		if kills[n] {
			proc.kill(t)
			waitFor(t, "the killed poll to end", 5*time.Second, func() bool { return !fake.Polling() })
			proc = startChild(t, env)
		}
	}
	complete := func(seq []int) bool { return len(seq) > 0 && seq[len(seq)-1] == msgs-1 }
	eventually(t, "every relay delivered", 90*time.Second, 100*time.Millisecond, func() bool {
		proc.alive(t)
		if len(fake.Pending()) > 0 {
			return false
		}
		group := groupText(fake)
		for i := int64(0); i < users; i++ {
			if !complete(numbers(group, fmt.Sprintf("u-%d-", i))) || !complete(numbers(userText(fake, base+i), fmt.Sprintf("a-%d-", i))) {
				return false
			}
		}
		return true
	})
	dups := 0
	group := groupText(fake)
	for i := int64(0); i < users; i++ {
		for what, seq := range map[string][]int{
			"user to group":      numbers(group, fmt.Sprintf("u-%d-", i)),
			"consultant to user": numbers(userText(fake, base+i), fmt.Sprintf("a-%d-", i)),
		} {
			n, err := inOrder(seq, msgs, len(kills))
			if err != nil {
				t.Errorf("user %d, %s: %v: %v", i, what, err, seq)
			}
			dups += n
		}
	}
	if err := proc.stop(t); err != nil {
		t.Errorf("child exited with %v\n%s", err, proc.output.String())
	}
	checkDrained(t, env["INFOPUNKT_DATA"])
	t.Logf("%d kills, %d relays delivered twice, %d 429s, %d limit violations", len(kills), dups, count429(fake), fake.Violations())
}

// groupText is everything the staff group received, in order.
func groupText(fake *telegramtest.Server) string { return userText(fake, deskGroup) }

func userText(fake *telegramtest.Server, chat int64) string {
	var b strings.Builder
	for _, m := range fake.Sent(chat) {
		b.WriteString(m.Plain + "\n")
	}
	return b.String()
}

// numbers returns the k of every "<prefix><k>" in s, in order.
func numbers(s, prefix string) []int {
	var out []int
	for _, m := range regexp.MustCompile(regexp.QuoteMeta(prefix)+`(\d+)`).FindAllStringSubmatch(s, -1) {
		k, _ := strconv.Atoi(m[1])
		out = append(out, k)
	}
	return out
}

// inOrder checks that seq is 0..n-1 where an item may repeat right after
// itself, at most maxDups times in all; it returns the repeats.
func inOrder(seq []int, n, maxDups int) (int, error) {
	want, dups := 0, 0
	for i, k := range seq {
		switch {
		case k == want:
			want++
		case i > 0 && k == seq[i-1]:
			dups++
		default:
			return dups, fmt.Errorf("item %d is %d, want %d", i, k, want)
		}
	}
	if want != n {
		return dups, fmt.Errorf("got up to %d of %d", want, n)
	}
	if dups > maxDups {
		return dups, fmt.Errorf("%d repeats for %d kills", dups, maxDups)
	}
	return dups, nil
}
