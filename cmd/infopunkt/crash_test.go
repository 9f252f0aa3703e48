package main

import (
	"context"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
)

// TestMain lets a test re-run this binary as the real program: with
// INFOPUNKT_TEST_MAIN=1 it runs main() instead of the tests.
func TestMain(m *testing.M) {
	if os.Getenv("INFOPUNKT_TEST_MAIN") == "1" {
		if off, err := time.ParseDuration(os.Getenv(clockOffsetEnv)); err == nil {
			serviceHook = func(s *service) { s.now = func() time.Time { return time.Now().Add(off) } }
		}
		main()
		os.Exit(0)
	}
	flag.Parse()
	defaultParallel(e2eParallel)
	os.Exit(m.Run())
}

// e2eParallel is how many parallel tests of this package run at once
// unless -parallel is given. The end-to-end tests wait on the outbox's
// pacing (about one message per second per Telegram chat) far more than
// they compute: the whole package takes some 15 s of CPU in a run of
// 45 s or more, and each test takes as long with 8 others at once as with
// one, so Go's default of GOMAXPROCS (2 on CI) would mostly leave them
// queued behind each other.
const e2eParallel = 8

// defaultParallel sets -test.parallel to n unless the command line set it.
func defaultParallel(n int) {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", strconv.Itoa(n))
	}
}

// child is `infopunkt run` in a process of its own, so it can be killed.
type child struct {
	cmd    *exec.Cmd
	output *syncBuffer
	done   chan error
}

// startChild runs main() in a new process with env over the parent's
// environment (minus any INFOPUNKT_* the developer has set). The admin
// listener takes a free port unless env says otherwise: its default,
// 127.0.0.1:9090, is taken whenever another bot runs on the machine (or
// another test's child), and the child would exit at once.
func startChild(t *testing.T, env map[string]string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "run")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "INFOPUNKT_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "INFOPUNKT_TEST_MAIN=1", "INFOPUNKT_ADMIN_LISTEN=127.0.0.1:0")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	c := &child{cmd: cmd, output: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = c.output, c.output
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	go func() { c.done <- cmd.Wait() }()
	t.Cleanup(func() { c.kill(t) })
	return c
}

// alive fails the test at once, with the child's output, if the child
// has exited by itself: a dead bot would otherwise only show as a wait
// that times out a minute later.
func (c *child) alive(t *testing.T) {
	t.Helper()
	select {
	case err := <-c.done:
		c.done <- err
		t.Fatalf("child %d exited by itself (%v):\n%s", c.cmd.Process.Pid, err, c.output.String())
	default:
	}
}

// kill ends the child with SIGKILL and waits for it; harmless if it is gone.
func (c *child) kill(t *testing.T) {
	_ = c.cmd.Process.Kill()
	c.wait(t)
}

// stop ends the child with SIGTERM, as an operator would, and returns how
// it exited. It waits for the child to listen first: a SIGTERM that comes
// before main() has set up its handler kills the process outright (a
// child started at a test's last kill may still be starting).
func (c *child) stop(t *testing.T) error {
	t.Helper()
	waitFor(t, "the child to listen", 20*time.Second, func() bool {
		c.alive(t)
		return listenLine.MatchString(c.output.String())
	})
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	return c.wait(t)
}

func (c *child) wait(t *testing.T) error {
	select {
	case err := <-c.done:
		c.done <- err
		return err
	case <-time.After(20 * time.Second):
		t.Fatalf("child %d did not exit", c.cmd.Process.Pid)
		return nil
	}
}

// crashScript is what each chat of TestTelegramCrashRestart does. Presses
// name a message that does not exist, so every menu arrives as a new
// message after the failed edit; a repeated send is then visible.
func crashScript() []step {
	const gone = 1 << 30
	return []step{
		typed("/start"), press("a", gone), press("n:legal", gone), press("n:legal-permits", gone),
		typed("/help"), press("n:legal-karta-pobytu", gone), press("b", gone), typed("/menu"),
		press("n:work", gone), typed("karta pobytu"),
	}
}

// TestTelegramCrashRestart runs the real program as a child process in
// polling mode and SIGKILLs it 2–4 times at random points while 300 updates
// from 30 chats flow, restarting it on the same data file each time. In the
// end every update must have got its replies once and in order; only a
// reply in flight at a kill may be sent twice (right after itself), never
// lost. Rate-limit violations are logged, not asserted: the outbox's pacing
// windows live in memory, so a restarted process may burst into limits the
// killed one had just used (reported as a bug). INFOPUNKT_CRASH_SEED=n
// replays a run.
func TestTelegramCrashRestart(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts and kills processes")
	}
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("INFOPUNKT_CRASH_SEED"), 10, 64); err == nil {
		seed = s
	}
	rng := rand.New(rand.NewPCG(seed, seed))
	fake := telegramtest.New(t, telegramtest.Options{})
	env := telegramEnv(fake, "INFOPUNKT_DATA", filepath.Join(t.TempDir(), "infopunkt.db"), "INFOPUNKT_LISTEN", "127.0.0.1:0")

	const chats, base = 30, 300000
	script := crashScript()
	eng := bot.NewEngine(testContent(t))
	convs := make([]*conversation, chats)
	for i := range convs {
		convs[i] = newConversation(eng, base+int64(i), []string{"uk", "pl", "ru", "en"}[i%4])
	}
	// One tick per update, then as many again while the replies drain; a
	// kill falls on random ticks in both phases.
	updates := chats * len(script)
	kills := map[int]bool{}
	for len(kills) < 2+rng.IntN(3) {
		kills[10+rng.IntN(updates+updates/3)] = true
	}
	t.Logf("seed %d: kills at ticks %v of %d updates", seed, sortedKeys(kills), updates)

	var callbacks []string
	proc := startChild(t, env)
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for i := 0; i < updates+updates/3; i++ {
		<-tick.C
		proc.alive(t)
		if i < updates {
			s := script[i/chats]
			if id := convs[i%chats].do(fake, s); s.data != "" {
				callbacks = append(callbacks, "cq"+strconv.Itoa(id))
			}
		}
		if kills[i] {
			proc.kill(t)
			// A dead poller's getUpdates ends when the fake sees the
			// connection close; until then a new poller would get 409.
			waitFor(t, "the killed poll to end", 5*time.Second, func() bool { return !fake.Polling() })
			proc = startChild(t, env)
		}
	}
	drainStart := time.Now()
	defer func() {
		if t.Failed() {
			crashDiagnosis(t, fake, proc, convs, callbacks, len(kills))
		}
	}()
	eventually(t, "every update confirmed, every callback answered, every reply sent", 60*time.Second, 100*time.Millisecond, func() bool {
		proc.alive(t)
		if len(fake.Pending()) > 0 {
			return false
		}
		for _, id := range callbacks {
			if !fake.CallbackAnswered(id) {
				return false
			}
		}
		ops := chatOps(fake)
		for _, c := range convs {
			if done, _, _ := matchReplies(sigs(ops[c.chat]), c.want, len(kills)); !done {
				return false
			}
		}
		return true
	})
	drained := time.Since(drainStart)
	if err := proc.stop(t); err != nil {
		t.Errorf("child exited with %v\n%s", err, proc.output.String())
	}
	ops, dups := chatOps(fake), 0
	for _, c := range convs {
		_, n, err := matchReplies(sigs(ops[c.chat]), c.want, len(kills))
		if err != nil {
			t.Errorf("chat %d: %v\n got %q\nwant %q", c.chat, err, sigs(ops[c.chat]), c.want)
		}
		dups += n
	}
	checkDrained(t, env["INFOPUNKT_DATA"])
	t.Logf("%d kills, %d replies sent twice, %d rate-limit violations, %d early retries; drained in %v",
		len(kills), dups, fake.Violations(), fake.EarlyRetries(), drained.Round(time.Millisecond))
}

// crashDiagnosis logs what a failed crash run was still waiting for and
// the last child's log tail, so that a timeout says where it stuck.
func crashDiagnosis(t *testing.T, fake *telegramtest.Server, proc *child, convs []*conversation, callbacks []string, maxDups int) {
	unanswered, incomplete := 0, 0
	for _, id := range callbacks {
		if !fake.CallbackAnswered(id) {
			unanswered++
		}
	}
	ops := chatOps(fake)
	for _, c := range convs {
		if done, _, _ := matchReplies(sigs(ops[c.chat]), c.want, maxDups); !done {
			incomplete++
		}
	}
	out := proc.output.String()
	t.Logf("still pending: %d updates (polling %v), %d callbacks unanswered, %d of %d chats short of replies; last child's log tail:\n%s",
		len(fake.Pending()), fake.Polling(), unanswered, incomplete, len(convs), out[max(0, len(out)-3000):])
}

// checkDrained fails if the outbox in the data file still holds items.
func checkDrained(t *testing.T, path string) {
	t.Helper()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	items, err := db.Scan(context.Background(), 0, 100)
	if err != nil && !errors.Is(err, bot.ErrNotFound) {
		t.Fatal(err)
	}
	if len(items) != 0 {
		t.Errorf("%d items left in the outbox, first seq %d", len(items), items[0].Seq)
	}
}

func sortedKeys(m map[int]bool) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
