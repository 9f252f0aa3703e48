package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// stubMain is a minimal bot honouring the INFOPUNKT_* contract: it answers
// every update, after INFOPUNKT_LOAD_STUB_DELAY, with one message carrying
// the buttons "one" (d1) and "two" (d2), on Telegram or (with
// INFOPUNKT_VIBER_TOKEN) on Viber. The load generator's tests run
// the test binary as this bot, so what it measures can be checked against
// a known reply delay.
func stubMain() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	s := stub{api: os.Getenv("INFOPUNKT_TELEGRAM_API_URL") + "/bot" + os.Getenv("INFOPUNKT_TELEGRAM_TOKEN") + "/"}
	s.delay, _ = time.ParseDuration(os.Getenv("INFOPUNKT_LOAD_STUB_DELAY"))
	var err error
	if token := os.Getenv("INFOPUNKT_VIBER_TOKEN"); token != "" {
		v := stubViber{api: os.Getenv("INFOPUNKT_VIBER_API_URL"), token: token, delay: s.delay}
		err = v.serve(ctx, os.Getenv("INFOPUNKT_VIBER_WEBHOOK_URL"), os.Getenv("INFOPUNKT_LISTEN"))
	} else if hook := os.Getenv("INFOPUNKT_TELEGRAM_WEBHOOK_URL"); hook != "" {
		err = s.serveWebhook(ctx, hook, os.Getenv("INFOPUNKT_TELEGRAM_WEBHOOK_SECRET"), os.Getenv("INFOPUNKT_LISTEN"))
	} else {
		err = s.poll(ctx)
	}
	if err != nil {
		os.Stderr.WriteString("stub: " + err.Error() + "\n")
		return 1
	}
	return 0
}

type stub struct {
	api   string
	delay time.Duration
}

type stubUpdate struct {
	UpdateID int64 `json:"update_id"`
	Message  *struct {
		Chat struct {
			ID int64 `json:"id"`
		} `json:"chat"`
	} `json:"message"`
	CallbackQuery *struct {
		Message struct {
			Chat struct {
				ID int64 `json:"id"`
			} `json:"chat"`
		} `json:"message"`
	} `json:"callback_query"`
}

func (u stubUpdate) chat() int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.CallbackQuery != nil:
		return u.CallbackQuery.Message.Chat.ID
	}
	return 0
}

func (s stub) call(ctx context.Context, method string, v url.Values) (json.RawMessage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.api+method, strings.NewReader(v.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		Result json.RawMessage `json:"result"`
	}
	err = json.NewDecoder(resp.Body).Decode(&out)
	return out.Result, err
}

// answer replies to chat after the delay.
func (s stub) answer(chat int64) {
	time.Sleep(s.delay) // the stub's known processing time
	kb := `{"inline_keyboard":[[{"text":"one","callback_data":"d1"},{"text":"two","callback_data":"d2"}]]}`
	_, _ = s.call(context.Background(), "sendMessage", url.Values{"chat_id": {strconv.FormatInt(chat, 10)}, "text": {"ok"}, "reply_markup": {kb}})
}

func (s stub) serveWebhook(ctx context.Context, hook, secret, listen string) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Telegram-Bot-Api-Secret-Token") != secret {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var u stubUpdate
		if err := json.NewDecoder(r.Body).Decode(&u); err != nil {
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		go s.answer(u.chat())
	})}
	go srv.Serve(ln)
	if _, err := s.call(ctx, "setWebhook", url.Values{"url": {hook}, "secret_token": {secret}}); err != nil {
		return err
	}
	<-ctx.Done()
	return srv.Shutdown(context.Background())
}

func (s stub) poll(ctx context.Context) error {
	if _, err := s.call(ctx, "deleteWebhook", url.Values{}); err != nil {
		return err
	}
	var offset int64
	for ctx.Err() == nil {
		res, err := s.call(ctx, "getUpdates", url.Values{"offset": {strconv.FormatInt(offset, 10)}, "timeout": {"1"}})
		if err != nil {
			continue
		}
		var ups []stubUpdate
		_ = json.Unmarshal(res, &ups)
		for _, u := range ups {
			offset = max(offset, u.UpdateID+1)
			go s.answer(u.chat())
		}
	}
	return nil
}
