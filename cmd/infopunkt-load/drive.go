package main

import (
	"context"
	"errors"
	"fmt"
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
	"github.com/infopunkt/infopunkt/bot/viber/vibertest"
)

// driver feeds one bot process and watches its replies through the fake.
type driver struct {
	cfg    config
	tg     *telegramtest.Server // the fake platform: Telegram's,
	vb     *vibertest.Server    // or Viber's
	hook   string               // webhook URL; "" in polling mode
	secret string
	// admin is the bot's admin listener; adminToken opens it (set only
	// with -bot-profile).
	admin, adminToken string
	hookc             *hookClient

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
	buf     []byte // the update being sent
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
	d := &driver{cfg: cfg, chats: map[int64]*chat{}, presses: map[string]int{}}
	d.nextChat.Store(100000)
	d.nextUpdate.Store(1)
	if cfg.viber {
		d.vb = vibertest.New(vibertest.Config{Token: randomToken(), NoRecord: true})
		defer d.vb.Close()
		d.vb.Observe(d.observeViber)
	} else {
		d.tg = telegramtest.New(nil, telegramtest.Options{Limits: telegramtest.Limits{Disabled: true}, DiscardCalls: true})
		defer d.tg.Close()
		d.tg.Observe(d.observe)
	}
	env, addr, err := d.environment(tg, work)
	if err != nil {
		return nil, err
	}
	if cfg.seedUsers > 0 && tg.infopunkt {
		if err := seed(ctx, cfg, dataPath(env), os.Stderr); err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
	}
	if d.hook != "" {
		if d.vb != nil {
			d.hookc, err = newHookClient(ctx, d.hook, cfg.conns, cfg.timeout, "X-Viber-Content-Signature")
		} else {
			d.hookc, err = newHookClient(ctx, d.hook, cfg.conns, cfg.timeout, "", "X-Telegram-Bot-Api-Secret-Token", d.secret)
		}
		if err != nil {
			return nil, err
		}
		defer d.hookc.close()
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
		"INFOPUNKT_LISTEN=" + addr,
		"INFOPUNKT_ADMIN_LISTEN=" + admin,
		"INFOPUNKT_DATA=" + data,
	}
	if d.cfg.botProfile != "" && tg.infopunkt {
		d.adminToken = randomToken()
		env = append(env, "INFOPUNKT_ADMIN_TOKEN="+d.adminToken)
	}
	if d.vb != nil {
		return append(env, d.viberEnv(addr)...), addr, nil
	}
	env = append(env, "INFOPUNKT_TELEGRAM_TOKEN="+d.tg.Token(), "INFOPUNKT_TELEGRAM_API_URL="+d.tg.URL(),
		"INFOPUNKT_TELEGRAM_RATE="+d.cfg.tgRate)
	if d.cfg.chatRate != "" {
		env = append(env, "INFOPUNKT_TELEGRAM_CHAT_RATE="+d.cfg.chatRate)
	}
	if d.cfg.webhook {
		d.secret = randomToken()
		d.hook = "http://" + addr + "/tg/hook"
		env = append(env, "INFOPUNKT_TELEGRAM_WEBHOOK_URL="+d.hook, "INFOPUNKT_TELEGRAM_WEBHOOK_SECRET="+d.secret)
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
	switch {
	case d.vb != nil:
		return d.viberReady(addr)
	case d.hook == "":
		return d.tg.Polling()
	}
	return d.tg.WebhookURL() == d.hook && listening(addr)
}

// listening reports whether addr accepts connections.
func listening(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// observe is the fake Bot API's observer: it hands send-like calls to
// their chat.
func (d *driver) observe(ev telegramtest.Event) {
	if !sendLike(ev.Method) {
		return
	}
	r := reply{at: ev.Time, ok: ev.Status == http.StatusOK}
	if r.ok {
		r.msgID = ev.MessageID
		if r.msgID == 0 {
			r.msgID, _ = strconv.Atoi(ev.Params["message_id"])
		}
		r.kb = flatten(ev.Keyboard)
	}
	d.deliver(ev.Chat, r)
}

// deliver hands r to the chat it went to (counting refused sends), or
// counts it as a reply to the flood.
func (d *driver) deliver(chat int64, r reply) {
	d.mu.RLock()
	c := d.chats[chat]
	d.mu.RUnlock()
	if c == nil {
		return
	}
	if c.events == nil {
		d.floodReplies.Add(1)
		return
	}
	if !r.ok {
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
// to the webhook otherwise (one request at a time per chat, like Telegram
// and Viber).
func (d *driver) send(ctx context.Context, c *chat, s step, data string, msgID int) error {
	switch {
	case d.vb != nil:
		return d.sendViber(ctx, c, s, data)
	case d.hook == "":
		switch {
		case s.isPress():
			d.tg.PushCallback(c.id, c.id, msgID, data)
		case strings.HasPrefix(s.arg, "/"):
			d.tg.PushCommand(c.id, c.id, s.arg, d.cfg.lang)
		default:
			d.tg.PushMessage(c.id, c.id, s.arg, d.cfg.lang)
		}
		return nil
	}
	c.buf = d.updateJSON(c.buf[:0], c, s, data, msgID)
	// A method in the response is performed, as Telegram performs it.
	return d.post(ctx, c.buf, "", func(reply []byte) { d.tg.WebhookReply(reply) })
}

// post POSTs body (signed by sig) to the webhook, wants 2xx, and hands the
// response body to answer (when not nil).
func (d *driver) post(ctx context.Context, body []byte, sig string, answer func([]byte)) error {
	status, reply, yield, err := d.hookc.post(ctx, body, sig)
	if err != nil {
		return err
	}
	defer yield()
	if status/100 != 2 {
		return fmt.Errorf("webhook answered %d", status)
	}
	if answer != nil {
		answer(reply)
	}
	return nil
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
