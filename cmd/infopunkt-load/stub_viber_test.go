package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// stubViber is the stub bot on Viber: it checks every callback's
// signature as Viber bots must, and answers each message, after the
// stub's delay, with one send_message carrying the reply buttons "one"
// (d1) and "two" (d2).
type stubViber struct {
	api, token string
	delay      time.Duration
}

func (s stubViber) serve(ctx context.Context, hook, listen string) error {
	u, err := url.Parse(hook)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+u.Path, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte(s.token))
		mac.Write(body)
		if !hmac.Equal([]byte(r.Header.Get("X-Viber-Content-Signature")), []byte(hex.EncodeToString(mac.Sum(nil)))) {
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		var cb struct {
			Event  string `json:"event"`
			Sender struct {
				ID string `json:"id"`
			} `json:"sender"`
		}
		if json.Unmarshal(body, &cb) != nil {
			http.Error(w, "bad callback", http.StatusBadRequest)
			return
		}
		if cb.Event == "message" {
			go s.answer(cb.Sender.ID)
		}
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	if err := s.call(ctx, "set_webhook", map[string]any{"url": hook}); err != nil {
		return err
	}
	<-ctx.Done()
	return srv.Shutdown(context.Background())
}

func (s stubViber) answer(user string) {
	time.Sleep(s.delay) // the stub's known processing time
	buttons := []map[string]any{
		{"ActionType": "reply", "ActionBody": "d1", "Text": "one"},
		{"ActionType": "reply", "ActionBody": "d2", "Text": "two"},
	}
	_ = s.call(context.Background(), "send_message", map[string]any{"receiver": user, "type": "text", "text": "ok",
		"sender": map[string]string{"name": "stub"}, "keyboard": map[string]any{"Type": "keyboard", "Buttons": buttons}})
}

func (s stubViber) call(ctx context.Context, method string, v any) error {
	body, _ := json.Marshal(v)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.api+"/"+method, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("X-Viber-Auth-Token", s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var out struct {
		Status        int    `json:"status"`
		StatusMessage string `json:"status_message"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return err
	}
	if out.Status != 0 {
		return errors.New(method + ": " + out.StatusMessage)
	}
	return nil
}
