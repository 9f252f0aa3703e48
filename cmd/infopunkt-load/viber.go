package main

import (
	"context"
	"strconv"
	"strings"

	"github.com/infopunkt/infopunkt/bot/viber/vibertest"
)

// viberHookPath is where the bot under test takes Viber's callbacks.
const viberHookPath = "/viber/hook"

// viberUser is the Viber user id of chat id (Viber's are opaque strings).
func viberUser(id int64) string { return "lu" + strconv.FormatInt(id, 10) + "==" }

// viberChatID is the chat of a Viber user id; 0 for ids not ours.
func viberChatID(user string) int64 {
	s, ok := strings.CutPrefix(user, "lu")
	if !ok {
		return 0
	}
	id, _ := strconv.ParseInt(strings.TrimSuffix(s, "=="), 10, 64)
	return id
}

// viberEnv is the INFOPUNKT_* contract for Viber against d.vb.
func (d *driver) viberEnv(addr string) []string {
	d.hook = "http://" + addr + viberHookPath
	return []string{
		"INFOPUNKT_VIBER_TOKEN=" + d.vb.Token(),
		"INFOPUNKT_VIBER_API_URL=" + d.vb.URL(),
		"INFOPUNKT_VIBER_WEBHOOK_URL=" + d.hook,
		"INFOPUNKT_VIBER_RATE=" + d.cfg.viberRate,
	}
}

// sendViber posts c's message (a button's ActionBody for a press), signed
// as Viber signs it, and checks the webhook accepted it.
func (d *driver) sendViber(ctx context.Context, c *chat, s step, data string) error {
	text := s.arg
	if s.isPress() {
		text = data
	}
	body, sig, err := d.vb.MessageCallback(viberUser(c.id), d.cfg.lang, text, s.isPress())
	if err != nil {
		return err
	}
	return d.post(ctx, body, sig, nil)
}

// observeViber is the fake Viber's observer: it hands every send_message
// to its chat.
func (d *driver) observeViber(ev vibertest.Event) {
	r := reply{at: ev.Time, ok: ev.Status == 0}
	if r.ok {
		r.msgID = int(ev.Token)
		r.kb = viberButtons(ev.Keyboard)
	}
	d.deliver(viberChatID(ev.Receiver), r)
}

// viberButtons returns the reply buttons of a keyboard, their data being
// the ActionBody Viber sends back when one is tapped.
func viberButtons(k *vibertest.Keyboard) []button {
	if k == nil {
		return nil
	}
	var out []button
	for _, b := range k.Buttons {
		if b.ActionType == "reply" && b.ActionBody != "" {
			out = append(out, button{Text: b.Text, Data: b.ActionBody})
		}
	}
	return out
}

// viberReady reports whether the bot set its webhook and listens.
func (d *driver) viberReady(addr string) bool {
	return d.vb.WebhookURL() == d.hook && listening(addr)
}
