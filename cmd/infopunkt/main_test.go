package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a goroutine-safe output sink for run.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// instance is one running `infopunkt run` inside the test process.
type instance struct {
	Addr   string // the HTTP address it listens on
	Admin  string // the admin listener's address
	Data   string // its data file
	Stdout *syncBuffer
	Stderr *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

var (
	listenLine = regexp.MustCompile(`msg=listening addr=(\S+)`)
	adminLine  = regexp.MustCompile(`msg="admin listening" addr=(\S+)`)
)

// testAdminToken is the admin token startRun sets.
const testAdminToken = "test-admin-token-0123456789"

// startRun runs the real run() with env (plus a temporary data file and
// a free port unless env sets them) and waits until it listens. The
// instance is stopped when the test ends.
func startRun(t testing.TB, env map[string]string, stdin io.Reader) *instance {
	t.Helper()
	vars := map[string]string{
		"INFOPUNKT_DATA":      filepath.Join(t.TempDir(), "infopunkt.db"),
		"INFOPUNKT_LISTEN":    "127.0.0.1:0",
		"INFOPUNKT_LOG_LEVEL": "info",
		// Local mode logs only warnings unless a log file is set; "-" keeps
		// the log on stderr, where startRun finds the listening lines.
		"INFOPUNKT_LOG_FILE":     "-",
		"INFOPUNKT_ADMIN_LISTEN": "127.0.0.1:0",
		"INFOPUNKT_ADMIN_TOKEN":  testAdminToken,
	}
	for k, v := range env {
		vars[k] = v
	}
	if stdin == nil {
		stdin = blockingReader{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{Data: vars["INFOPUNKT_DATA"], Stdout: &syncBuffer{}, Stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() {
		in.done <- run(ctx, []string{"run"}, func(k string) string { return vars[k] }, stdin, in.Stdout, in.Stderr)
	}()
	t.Cleanup(func() { in.Stop(t) })
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		logs := in.Stderr.String()
		m, a := listenLine.FindStringSubmatch(logs), adminLine.FindStringSubmatch(logs)
		if m != nil && (a != nil || vars["INFOPUNKT_ADMIN_LISTEN"] == adminOff) {
			in.Addr = m[1]
			if a != nil {
				in.Admin = a[1]
			}
			return in
		}
		select {
		case err := <-in.done:
			in.done <- err
			t.Fatalf("run exited before listening: %v\nstderr:\n%s", err, in.Stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("run did not start listening\nstderr:\n%s", in.Stderr.String())
	return nil
}

// Stop cancels run and waits for it to return; it is safe to call twice.
func (in *instance) Stop(t testing.TB) error {
	t.Helper()
	in.cancel()
	select {
	case err := <-in.done:
		in.done <- err
		return err
	case <-time.After(15 * time.Second):
		t.Fatalf("run did not stop within 15s")
		return nil
	}
}

// blockingReader is a stdin that never delivers anything.
type blockingReader struct{}

func (blockingReader) Read([]byte) (int, error) { select {} }

// waitFor polls cond until it holds or the deadline passes. Extra context
// for the failure message comes from show, if given.
func waitFor(t testing.TB, what string, d time.Duration, cond func() bool, show ...func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			var extra string
			for _, f := range show {
				extra += "\n" + f()
			}
			t.Fatalf("timed out waiting for %s%s", what, extra)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func runCmd(t *testing.T, stdin string, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = run(ctx, args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func httpGet(t testing.TB, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}
