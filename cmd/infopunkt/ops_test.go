package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
	"github.com/infopunkt/infopunkt/bot/viber/vibertest"
)

// get requests url with an optional bearer token and returns the status
// and body.
func get(t testing.TB, method, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

var adminPaths = []struct{ method, path string }{
	{"GET", "/metrics"}, {"GET", "/readyz"}, {"GET", "/backup"}, {"GET", "/identity"},
	{"POST", "/compact"}, {"GET", "/debug/pprof/"}, {"GET", "/debug/pprof/cmdline"},
}

// TestAdminPathsNotPublic: the public listener answers none of the admin
// paths, even to loopback with the right token (a reverse proxy on the
// same host makes every request loopback), while the admin listener
// answers them only with the token.
func TestAdminPathsNotPublic(t *testing.T) {
	in := startRun(t, nil, nil)
	for _, p := range adminPaths {
		if code, _ := get(t, p.method, "http://"+in.Addr+p.path, testAdminToken); code != http.StatusNotFound && code != http.StatusMethodNotAllowed {
			t.Errorf("public %s %s = %d, want 404", p.method, p.path, code)
		}
		if code, _ := get(t, p.method, "http://"+in.Admin+p.path, ""); code != http.StatusUnauthorized {
			t.Errorf("admin %s %s without token = %d, want 401", p.method, p.path, code)
		}
		if code, _ := get(t, p.method, "http://"+in.Admin+p.path, testAdminToken+"x"); code != http.StatusUnauthorized {
			t.Errorf("admin %s %s with a wrong token = %d, want 401", p.method, p.path, code)
		}
	}
	if code, body := get(t, "GET", "http://"+in.Addr+"/healthz", ""); code != 200 || strings.TrimSpace(body) != "ok" {
		t.Errorf("public /healthz = %d %q", code, body)
	}
	for _, path := range []string{"/metrics", "/readyz", "/debug/pprof/cmdline", "/identity"} {
		if code, body := get(t, "GET", "http://"+in.Admin+path, testAdminToken); code != 200 {
			t.Errorf("admin %s with token = %d %q", path, code, body)
		}
	}
	_, metrics := get(t, "GET", "http://"+in.Admin+"/metrics", testAdminToken)
	for _, want := range []string{"infopunkt_outbox_depth{channel=\"local\"}", "infopunkt_store_file_bytes", "go_goroutines", "process_resident_memory_bytes", "infopunkt_content_nodes"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestAdminOpenMetricsAndMissingToken(t *testing.T) {
	in := startRun(t, map[string]string{"INFOPUNKT_ADMIN_OPEN_METRICS": "1", "INFOPUNKT_ADMIN_TOKEN": ""}, nil)
	for _, path := range []string{"/metrics", "/readyz", "/healthz"} {
		if code, _ := get(t, "GET", "http://"+in.Admin+path, ""); code != 200 {
			t.Errorf("open %s = %d, want 200", path, code)
		}
	}
	// Without a configured token nothing else opens, whatever is sent.
	for _, token := range []string{"", "Bearer", testAdminToken} {
		if code, _ := get(t, "GET", "http://"+in.Admin+"/backup", token); code != http.StatusForbidden {
			t.Errorf("/backup with no token configured (sent %q) = %d, want 403", token, code)
		}
	}
}

// TestReadyz: ready in local mode; a Telegram bot is ready only after a
// successful poll, and the body names each check.
func TestReadyz(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	in := startRun(t, telegramEnv(fake), nil)
	var rep readyReport
	waitFor(t, "ready", 10*time.Second, func() bool {
		code, body := get(t, "GET", "http://"+in.Admin+"/readyz", testAdminToken)
		rep = readyReport{}
		_ = json.Unmarshal([]byte(body), &rep)
		return code == 200 && rep.Ready
	})
	for _, name := range []string{"store", "content", "channel/telegram", "outbox"} {
		if rep.Checks[name] != "ok" {
			t.Errorf("check %s = %q", name, rep.Checks[name])
		}
	}
}

func TestReadinessReportsStalePoll(t *testing.T) {
	r := newReadiness()
	now := time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)
	r.expect(bot.Telegram, true)
	r.expect(bot.Viber, false)
	got := r.check(now)
	if got["telegram"] != "no successful API call yet" || got["viber"] != "webhook not registered yet" {
		t.Errorf("before connecting: %v", got)
	}
	r.ok(bot.Telegram, now)
	r.ok(bot.Viber, now)
	if got := r.check(now.Add(time.Minute)); got["telegram"] != "ok" || got["viber"] != "ok" {
		t.Errorf("connected: %v", got)
	}
	if got := r.check(now.Add(5 * time.Minute)); !strings.Contains(got["telegram"], "last successful API call 5m0s ago") || got["viber"] != "ok" {
		t.Errorf("stale poll: %v", got)
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}, {"-help"}} {
		out, _, err := runCmd(t, "", nil, args...)
		if err != nil || !strings.Contains(out, "Usage:") || !strings.Contains(out, "infopunkt backup FILE") {
			t.Errorf("%v: err %v, out %q", args, err, out)
		}
	}
	for _, name := range []string{"run", "chat", "validate", "backup", "restore", "compact", "version"} {
		for _, args := range [][]string{{name, "-h"}, {name, "--help"}, {"help", name}} {
			out, errOut, err := runCmd(t, "", nil, args...)
			if err != nil || !strings.Contains(out, "Usage: infopunkt "+name) {
				t.Errorf("%v: err %v, out %q, stderr %q", args, err, out, errOut)
			}
		}
	}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, _, err := runCmd(t, "", nil, args...)
		if err != nil || !strings.HasPrefix(out, "infopunkt ") || !strings.Contains(out, "go1.") {
			t.Errorf("%v: err %v, out %q", args, err, out)
		}
	}
}

// TestBackupHelpWritesNothing: "backup --help" once wrote a backup to a
// file named --help.
func TestBackupHelpWritesNothing(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if _, _, err := runCmd(t, "", nil, "backup", "--help"); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("backup --help wrote %v", entries)
	}
}

func TestBadUsageExits2(t *testing.T) {
	for _, args := range [][]string{
		{"--bogus"}, {"run", "extra"}, {"run", "--bogus"}, {"chat", "--bogus"}, {"chat", "extra"},
		{"validate", "a", "b"}, {"validate", "--bogus"}, {"backup"}, {"backup", "a", "b"},
		{"backup", "--bogus", "x"}, {"restore"}, {"compact", "x"}, {"version", "x"}, {"help", "frob"}, {"frob"},
	} {
		_, errOut, err := runCmd(t, "", nil, args...)
		if err != exitError(2) || !strings.Contains(errOut, "Usage:") {
			t.Errorf("%v: err %v, stderr %q; want exit 2 with usage", args, err, errOut)
		}
	}
}

// TestConfigErrorsNameTheVariable: each bad value fails with one line
// that names its variable.
func TestConfigErrorsNameTheVariable(t *testing.T) {
	for name, value := range map[string]string{
		"INFOPUNKT_RETENTION":          "0",
		"INFOPUNKT_MAX_REVIEW_AGE":     "-5h",
		"INFOPUNKT_READY_OUTBOX_AGE":   "soon",
		"INFOPUNKT_LOG_LEVEL":          "loud",
		"INFOPUNKT_LOG_FORMAT":         "xml",
		"INFOPUNKT_LISTEN":             "8080",
		"INFOPUNKT_ADMIN_LISTEN":       "localhost",
		"INFOPUNKT_ADMIN_TOKEN":        "short",
		"INFOPUNKT_ADMIN_OPEN_METRICS": "maybe",
		"INFOPUNKT_TIMEZONE":           "Mars/Olympus",
		"INFOPUNKT_TELEGRAM_API_URL":   "api.telegram.org",
		"INFOPUNKT_VIBER_WEBHOOK_URL":  "ftp://x",
		"INFOPUNKT_DESK_CHAT_ID":       "staff",
		"INFOPUNKT_TELEGRAM_RATE":      "-1",
	} {
		env := map[string]string{name: value}
		if name == "INFOPUNKT_LISTEN" {
			env["INFOPUNKT_ADMIN_LISTEN"] = "127.0.0.1:0"
		}
		_, err := loadConfig(mapEnv(env))
		if err == nil {
			t.Errorf("%s=%q accepted", name, value)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, name) || strings.Contains(msg, "\n") {
			t.Errorf("%s=%q: error %q does not start with the variable or spans lines", name, value, msg)
		}
	}
	if _, err := loadConfig(mapEnv(map[string]string{"INFOPUNKT_VIBER_TOKEN": viberTestToken})); err == nil || !strings.Contains(err.Error(), "INFOPUNKT_VIBER_WEBHOOK_URL") {
		t.Errorf("viber without webhook: %v", err)
	}
}

// TestNoTokenInStartupErrors runs every start-up failure with a token set
// and checks that neither the error nor any log line shows the token.
func TestNoTokenInStartupErrors(t *testing.T) {
	const token = "987654:SECRET-token_value"
	fake := telegramtest.New(t, telegramtest.Options{})
	unauthorized := telegramtest.New(t, telegramtest.Options{Token: "111:OTHER"})
	failing := telegramtest.New(t, telegramtest.Options{Token: token})
	failing.InjectNext("getMe", telegramtest.Fault{Kind: telegramtest.Fault502})
	cases := map[string]map[string]string{
		"unreachable API":   {"INFOPUNKT_TELEGRAM_TOKEN": token, "INFOPUNKT_TELEGRAM_API_URL": "http://127.0.0.1:1"},
		"401 from the API":  {"INFOPUNKT_TELEGRAM_TOKEN": token, "INFOPUNKT_TELEGRAM_API_URL": unauthorized.URL()},
		"502 from the API":  {"INFOPUNKT_TELEGRAM_TOKEN": token, "INFOPUNKT_TELEGRAM_API_URL": failing.URL()},
		"bad API URL":       {"INFOPUNKT_TELEGRAM_TOKEN": token, "INFOPUNKT_TELEGRAM_API_URL": "http//" + token},
		"bad webhook URL":   {"INFOPUNKT_TELEGRAM_TOKEN": token, "INFOPUNKT_TELEGRAM_API_URL": fake.URL(), "INFOPUNKT_TELEGRAM_WEBHOOK_URL": "not a url " + token},
		"token with spaces": {"INFOPUNKT_TELEGRAM_TOKEN": token + " x"},
		"admin port in use": {"INFOPUNKT_TELEGRAM_TOKEN": token, "INFOPUNKT_TELEGRAM_API_URL": "http://127.0.0.1:1", "INFOPUNKT_ADMIN_TOKEN": token + token},
	}
	for name, env := range cases {
		t.Run(name, func(t *testing.T) {
			env["INFOPUNKT_DATA"] = filepath.Join(t.TempDir(), "d.db")
			env["INFOPUNKT_LISTEN"] = "127.0.0.1:0"
			env["INFOPUNKT_ADMIN_LISTEN"] = "127.0.0.1:0"
			env["INFOPUNKT_LOG_LEVEL"] = "debug"
			_, errOut, err := runCmd(t, "", env, "run")
			if err == nil {
				t.Fatal("run succeeded")
			}
			for _, secret := range []string{token, "SECRET-token_value"} {
				if strings.Contains(err.Error(), secret) || strings.Contains(errOut, secret) {
					t.Errorf("token in output:\nerr: %v\nlog: %s", err, errOut)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

// TestNoTokenInViberFailure: Viber refusing the token at set_webhook
// stops the bot; neither the error nor the log shows the token.
func TestNoTokenInViberFailure(t *testing.T) {
	const token = "4455aa-SECRET-viber"
	fake := vibertest.New(vibertest.Config{Token: viberTestToken})
	t.Cleanup(fake.Close)
	addr := viberFreeAddr(t)
	env := map[string]string{
		"INFOPUNKT_DATA": filepath.Join(t.TempDir(), "d.db"), "INFOPUNKT_LISTEN": addr, "INFOPUNKT_ADMIN_LISTEN": "off",
		"INFOPUNKT_LOG_LEVEL": "debug", "INFOPUNKT_VIBER_TOKEN": token, "INFOPUNKT_VIBER_API_URL": fake.URL(),
		"INFOPUNKT_VIBER_WEBHOOK_URL": "http://" + addr + "/viber",
	}
	_, logs, err := runCmd(t, "", env, "run")
	if err == nil {
		t.Fatal("run succeeded with a token Viber refuses")
	}
	if strings.Contains(logs, "SECRET") || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("token in output:\nerr: %v\nlog: %s", err, logs)
	}
}

// TestDamagedDataFile: a truncated or overwritten data file gives one
// clear error (exit 1 from main), not a panic.
func TestDamagedDataFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.db")
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		if err := db.PutMeta(context.Background(), "k"+string(rune('a'+i%26))+strings.Repeat("x", i), []byte(strings.Repeat("v", 500))); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	raw, _ := os.ReadFile(path)
	for name, damaged := range map[string][]byte{"truncated": raw[:len(raw)/2], "overwritten": append(append([]byte{}, raw[:4096]...), make([]byte, len(raw)-4096)...)} {
		if err := os.WriteFile(path, damaged, 0o600); err != nil {
			t.Fatal(err)
		}
		env := map[string]string{"INFOPUNKT_DATA": path, "INFOPUNKT_ADMIN_LISTEN": "off", "INFOPUNKT_LISTEN": "127.0.0.1:0"}
		for _, cmd := range []string{"run", "backup", "compact"} {
			args := []string{cmd}
			if cmd == "backup" {
				args = append(args, filepath.Join(t.TempDir(), "b.db"))
			}
			_, _, err := runCmd(t, "", env, args...)
			if !errors.Is(err, store.ErrCorrupt) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s, %s: err = %v; want one line wrapping store.ErrCorrupt", name, cmd, err)
			}
		}
	}
}

func TestNoChannelNoTerminal(t *testing.T) {
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	var out, errb syncBuffer
	env := map[string]string{"INFOPUNKT_DATA": filepath.Join(t.TempDir(), "d.db"), "INFOPUNKT_ADMIN_LISTEN": "off"}
	err = run(context.Background(), []string{"run"}, mapEnv(env), devnull, &out, &errb)
	if !errors.Is(err, errNoChannel) || !strings.Contains(err.Error(), "INFOPUNKT_TELEGRAM_TOKEN") {
		t.Fatalf("err = %v, want the missing variables named", err)
	}
}
