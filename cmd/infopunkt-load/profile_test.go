package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProfileWindow(t *testing.T) {
	for _, tt := range []struct {
		length  time.Duration
		delay   time.Duration
		seconds int
	}{{0, time.Second, 2}, {15 * time.Second, 3750 * time.Millisecond, 8}, {time.Second, 250 * time.Millisecond, 1}} {
		if d, s := profileWindow(tt.length); d != tt.delay || s != tt.seconds {
			t.Errorf("profileWindow(%v) = %v, %d; want %v, %d", tt.length, d, s, tt.delay, tt.seconds)
		}
	}
}

// TestFetchBotProfile checks the fetch asks the admin listener for the
// profile with the bearer token and the window's seconds, and keeps it.
func TestFetchBotProfile(t *testing.T) {
	token := randomToken()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/debug/pprof/profile" || r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, "profile for "+r.URL.Query().Get("seconds")+"s")
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	path := filepath.Join(t.TempDir(), "bot.prof")
	if err := fetchBotProfile(t.Context(), addr, token, path, 0, 3).wait(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "profile for 3s" {
		t.Fatalf("profile file %q, %v", b, err)
	}
	if err := fetchBotProfile(t.Context(), addr, "wrong-token-0123456", path, 0, 1).wait(); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("a refused fetch gave %v", err)
	}
	if _, err := parseFlags([]string{"-cmd", "node bot.js", "-bot-profile", path}, io.Discard); err == nil {
		t.Error("-bot-profile with -cmd accepted")
	}
}
