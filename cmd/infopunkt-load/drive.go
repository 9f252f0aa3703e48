package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
)

// driver feeds one bot process and watches its replies through the fake.
type driver struct {
	cfg    config
	fake   *telegramtest.Server
	hook   string // webhook URL; "" in polling mode
	secret string
	// admin is the bot's admin listener; adminToken opens it (set only
	// with -bot-profile).
	admin, adminToken string
	client            *http.Client

	nextUpdate atomic.Int64
	nextChat   atomic.Int64

	mu    sync.RWMutex
	chats map[int64]*chat

	webhookErrs, sendErrs, timeouts, walkErrs, behind, overflow, floodReplies atomic.Int64

	pressMu sync.Mutex
	presses map[string]int
}

// chat is one simulated private chat.
type chat struct {
	id      int64
	events  chan reply // nil for the flooding chat (its replies are only counted)
	nextMsg atomic.Int64
}

// reply is one send-like call the fake received for a chat.
type reply struct {
	at    time.Time
	ok    bool
	msgID int
	kb    []button
}

// drive runs the configured load against tg and returns the report.
func drive(ctx context.Context, cfg config, tg target, work string) (*report, error) {
	fake := telegramtest.New(nil, telegramtest.Options{Limits: telegramtest.Limits{Disabled: true}})
	defer fake.Close()
	d := &driver{cfg: cfg, fake: fake, chats: map[int64]*chat{}, presses: map[string]int{}}
	d.nextChat.Store(100000)
	d.nextUpdate.Store(1)
	fake.Observe(d.observe)
	env, addr, err := d.environment(tg, work)
	if err != nil {
		return nil, err
	}
	if cfg.seedUsers > 0 && tg.infopunkt {
		if err := seed(ctx, cfg, dataPath(env), os.Stderr); err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
	}
	started := time.Now()
	p, err := start(tg, env, filepath.Join(work, tg.name+".log"))
	if err != nil {
		return nil, err
	}
	defer p.stop(10 * time.Second)
	if err := d.awaitReady(ctx, p, addr); err != nil {
		return nil, err
	}
	rep := &report{name: tg.name, cfg: cfg, walk: tg.walk, startup: time.Since(started)}
	if rep.startRSS, err = currentRSS(p.cmd.Process.Pid); err != nil {
		return nil, fmt.Errorf("read RSS: %w", err)
	}
	cpu0, err := cpuTime(p.cmd.Process.Pid)
	if err != nil {
		return nil, fmt.Errorf("read CPU time: %w", err)
	}
	self0, _ := cpuTime(os.Getpid())
	began := time.Now()
	var prof *botProfile
	if d.adminToken != "" {
		delay, seconds := profileWindow(cfg.duration)
		prof = fetchBotProfile(ctx, d.admin, d.adminToken, cfg.botProfile, delay, seconds)
	}
	rep.lat, rep.updates, rep.floodSent = d.load(ctx, tg.walk)
	rep.elapsed = time.Since(began)
	self1, _ := cpuTime(os.Getpid())
	rep.selfCPU = self1 - self0
	cpu1, err := cpuTime(p.cmd.Process.Pid)
	if err != nil {
		return nil, fmt.Errorf("read CPU time: %w", err)
	}
	rep.cpu = cpu1 - cpu0
	if rep.rss, err = peakRSS(p.cmd.Process.Pid); err != nil {
		return nil, fmt.Errorf("read peak RSS: %w", err)
	}
	if prof != nil {
		if err := prof.wait(); err != nil {
			return nil, err
		}
	}
	if err := p.stop(10 * time.Second); err != nil && !isSignalExit(err) {
		rep.stopErr = err.Error()
	}
	d.fill(rep)
	return rep, nil
}

// dataPath returns INFOPUNKT_DATA from env.
func dataPath(env []string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "INFOPUNKT_DATA="); ok {
			return v
		}
	}
	return ""
}

// isSignalExit reports an exit caused by our own SIGTERM (node exits so).
func isSignalExit(err error) bool {
	var ee interface{ ExitCode() int }
	return errors.As(err, &ee) && ee.ExitCode() == -1
}

// environment returns the INFOPUNKT_* contract for tg and the address it
// listens on.
func (d *driver) environment(tg target, work string) ([]string, string, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	admin, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	data := filepath.Join(work, tg.name+"-data", "infopunkt.db")
	if tg.dataIsDir {
		data = filepath.Dir(data)
	}
	d.admin = admin
	env := []string{
		"INFOPUNKT_TELEGRAM_TOKEN=" + d.fake.Token(),
		"INFOPUNKT_TELEGRAM_API_URL=" + d.fake.URL(),
		"INFOPUNKT_LISTEN=" + addr,
		"INFOPUNKT_ADMIN_LISTEN=" + admin,
		"INFOPUNKT_DATA=" + data,
		"INFOPUNKT_TELEGRAM_RATE=" + d.cfg.tgRate,
	}
	if d.cfg.botProfile != "" && tg.infopunkt {
		d.adminToken = randomToken()
		env = append(env, "INFOPUNKT_ADMIN_TOKEN="+d.adminToken)
	}
	if d.cfg.chatRate != "" {
		env = append(env, "INFOPUNKT_TELEGRAM_CHAT_RATE="+d.cfg.chatRate)
	}
	if d.cfg.webhook {
		d.secret = randomToken()
		d.hook = "http://" + addr + "/tg/hook"
		env = append(env, "INFOPUNKT_TELEGRAM_WEBHOOK_URL="+d.hook, "INFOPUNKT_TELEGRAM_WEBHOOK_SECRET="+d.secret)
		tr := &http.Transport{MaxConnsPerHost: d.cfg.conns, MaxIdleConnsPerHost: d.cfg.conns, IdleConnTimeout: time.Minute}
		d.client = &http.Client{Transport: tr, Timeout: d.cfg.timeout}
	}
	return env, addr, nil
}

// awaitReady waits until the bot has set its webhook and listens, or polls.
func (d *driver) awaitReady(ctx context.Context, p *proc, addr string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if done, err := p.exited(); done {
			return fmt.Errorf("bot exited before it was ready: %v\n%s", err, p.tail())
		}
		if d.ready(addr) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("bot not ready within 60s\n%s", p.tail())
}

func (d *driver) ready(addr string) bool {
	if d.hook == "" {
		return d.fake.Polling()
	}
	if d.fake.WebhookURL() != d.hook {
		return false
	}
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// observe is the fake's observer: it hands send-like calls to their chat.
func (d *driver) observe(ev telegramtest.Event) {
	if !sendLike(ev.Method) {
		return
	}
	d.mu.RLock()
	c := d.chats[ev.Chat]
	d.mu.RUnlock()
	if c == nil {
		return
	}
	if c.events == nil {
		d.floodReplies.Add(1)
		return
	}
	r := reply{at: ev.Time, ok: ev.Status == http.StatusOK}
	if r.ok {
		r.msgID = ev.MessageID
		if r.msgID == 0 {
			r.msgID, _ = strconv.Atoi(ev.Params["message_id"])
		}
		r.kb = parseKeyboard(ev.Params["reply_markup"])
	} else {
		d.sendErrs.Add(1)
	}
	select {
	case c.events <- r:
	default:
		d.overflow.Add(1)
	}
}

func sendLike(method string) bool {
	switch strings.ToLower(method) {
	case "sendmessage", "editmessagetext", "sendphoto", "senddocument", "editmessagereplymarkup":
		return true
	}
	return false
}

// newChat registers a fresh private chat.
func (d *driver) newChat(flood bool) *chat {
	c := &chat{id: d.nextChat.Add(1)}
	if !flood {
		c.events = make(chan reply, 64)
	}
	d.mu.Lock()
	d.chats[c.id] = c
	d.mu.Unlock()
	return c
}

// send delivers one update of c: pushed to the fake when polling, POSTed
// to the webhook otherwise (one request at a time per chat, like Telegram).
func (d *driver) send(ctx context.Context, c *chat, s step, data string, msgID int) error {
	if d.hook == "" {
		switch {
		case s.isPress():
			d.fake.PushCallback(c.id, c.id, msgID, data)
		case strings.HasPrefix(s.arg, "/"):
			d.fake.PushCommand(c.id, c.id, s.arg, d.cfg.lang)
		default:
			d.fake.PushMessage(c.id, c.id, s.arg, d.cfg.lang)
		}
		return nil
	}
	body, err := d.updateJSON(c, s, data, msgID)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.hook, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", d.secret)
	resp, err := d.client.Do(req)
	if err != nil {
		return err
	}
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook answered %d", resp.StatusCode)
	}
	d.fake.WebhookReply(reply) // a method in the response, as Telegram performs it
	return nil
}

type (
	wireUser struct {
		ID        int64  `json:"id"`
		IsBot     bool   `json:"is_bot"`
		FirstName string `json:"first_name"`
		Username  string `json:"username,omitempty"`
		Lang      string `json:"language_code,omitempty"`
	}
	wireChat struct {
		ID        int64  `json:"id"`
		Type      string `json:"type"`
		FirstName string `json:"first_name"`
	}
	wireEntity struct {
		Type   string `json:"type"`
		Offset int    `json:"offset"`
		Length int    `json:"length"`
	}
	wireMessage struct {
		MessageID int64        `json:"message_id"`
		From      wireUser     `json:"from"`
		Chat      wireChat     `json:"chat"`
		Date      int64        `json:"date"`
		Text      string       `json:"text"`
		Entities  []wireEntity `json:"entities,omitempty"`
	}
	wireCallback struct {
		ID           string      `json:"id"`
		From         wireUser    `json:"from"`
		ChatInstance string      `json:"chat_instance"`
		Data         string      `json:"data"`
		Message      wireMessage `json:"message"`
	}
	wireUpdate struct {
		UpdateID      int64         `json:"update_id"`
		Message       *wireMessage  `json:"message,omitempty"`
		CallbackQuery *wireCallback `json:"callback_query,omitempty"`
	}
)

// updateJSON builds the update Telegram would POST for s.
func (d *driver) updateJSON(c *chat, s step, data string, msgID int) ([]byte, error) {
	id := d.nextUpdate.Add(1)
	name := "User" + strconv.FormatInt(c.id, 10)
	from := wireUser{ID: c.id, FirstName: name, Lang: d.cfg.lang}
	wc := wireChat{ID: c.id, Type: "private", FirstName: name}
	now := time.Now().Unix()
	u := wireUpdate{UpdateID: id}
	if s.isPress() {
		qid := "cq" + strconv.FormatInt(id, 10)
		d.fake.ExpectCallback(qid)
		bot := wireUser{ID: 123456, IsBot: true, FirstName: "Infopunkt Test", Username: d.fake.BotUsername()}
		u.CallbackQuery = &wireCallback{ID: qid, From: from, ChatInstance: strconv.FormatInt(c.id*7, 10), Data: data,
			Message: wireMessage{MessageID: int64(msgID), From: bot, Chat: wc, Date: now, Text: "menu"}}
	} else {
		m := &wireMessage{MessageID: 1_000_000 + c.nextMsg.Add(1), From: from, Chat: wc, Date: now, Text: s.arg}
		if strings.HasPrefix(s.arg, "/") {
			cmd, _, _ := strings.Cut(s.arg, " ")
			m.Entities = []wireEntity{{Type: "bot_command", Length: len(cmd)}}
		}
		u.Message = m
	}
	return json.Marshal(u)
}

func (d *driver) countPress(data string) {
	d.pressMu.Lock()
	d.presses[data]++
	d.pressMu.Unlock()
}

// fill copies the counters into rep.
func (d *driver) fill(rep *report) {
	rep.webhookErrs, rep.sendErrs, rep.timeouts = d.webhookErrs.Load(), d.sendErrs.Load(), d.timeouts.Load()
	rep.walkErrs, rep.behind, rep.overflow = d.walkErrs.Load(), d.behind.Load(), d.overflow.Load()
	rep.floodReplies = d.floodReplies.Load()
	d.pressMu.Lock()
	rep.presses = d.presses
	d.pressMu.Unlock()
}
