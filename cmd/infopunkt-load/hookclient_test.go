package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestHookClientStaysOnLoopback(t *testing.T) {
	for _, u := range []string{"http://192.0.2.1:80/hook", "http://example.org/hook", "https://127.0.0.1:1/hook"} {
		if _, err := newHookClient(t.Context(), u, 1, time.Second, ""); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
}

// TestHookClient posts over one kept-alive connection with the fixed and
// the signature headers, and survives the server closing it while idle.
func TestHookClient(t *testing.T) {
	var conns []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		conns = append(conns, r.RemoteAddr)
		if r.URL.Path != "/hook" || r.Header.Get("X-Secret") != "s3" || r.Header.Get("X-Sig") != "sig-"+string(body) {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, "got "+string(body))
	}))
	defer srv.Close()
	hc, err := newHookClient(t.Context(), srv.URL+"/hook", 1, 5*time.Second, "X-Sig", "X-Secret", "s3")
	if err != nil {
		t.Fatal(err)
	}
	defer hc.close()
	for i, body := range []string{"one", "two", "three"} {
		if i == 2 {
			srv.CloseClientConnections() // the idle connection goes away
		}
		status, reply, yield, err := hc.post(t.Context(), []byte(body), "sig-"+body)
		if err != nil || status != http.StatusOK || string(reply) != "got "+body {
			t.Fatalf("post %q: %d %q %v", body, status, reply, err)
		}
		yield()
	}
	if len(conns) != 3 || conns[0] != conns[1] || conns[1] == conns[2] {
		t.Errorf("connections used: %v; want the first kept alive, then a new one", conns)
	}
}
