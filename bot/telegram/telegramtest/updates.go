package telegramtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PushMessage queues a text message from userID in chatID (a negative chat
// id is a supergroup) and returns its update_id. Push does the same with
// every option.
func (s *Server) PushMessage(chatID, userID int64, text, langCode string) int {
	id, _ := s.Push(Inbound{Chat: chatID, From: userID, Text: text, Lang: langCode})
	return id
}

// PushCommand is PushMessage with a bot_command entity over the first word,
// as Telegram clients send commands ("/start payload", "/help@bot").
func (s *Server) PushCommand(chatID, userID int64, text, langCode string) int {
	id, _ := s.Push(Inbound{Chat: chatID, From: userID, Text: text, Lang: langCode, Command: true})
	return id
}

// PushCallback queues a press of a button with data under the bot's message
// messageID in chatID. The callback query id is "cq<update_id>". The
// message is shown as the fake holds it (with its topic), or as a stub.
func (s *Server) PushCallback(chatID, userID int64, messageID int, data string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextUpdateID
	qid := "cq" + strconv.Itoa(id)
	s.callbacks[qid] = false
	var msg map[string]any
	if m := s.chat(chatID).msgs[messageID]; m != nil && !m.deleted {
		msg = s.msgJSON(chatID, m, false)
	} else {
		msg = map[string]any{
			"message_id": messageID,
			"from":       s.botUser(),
			"chat":       s.chatObj(chatID),
			"date":       s.opts.Now().Unix(),
			"text":       "menu",
		}
	}
	return s.push("callback_query", map[string]any{"callback_query": map[string]any{
		"id":            qid,
		"from":          s.userObj(userID),
		"chat_instance": strconv.FormatInt(chatID*7, 10),
		"data":          data,
		"message":       msg,
	}})
}

// PushMyChatMember queues the user of private chat chatID blocking
// (blocked true) or unblocking the bot. Blocking also makes sends to the
// chat fail with 403 from now on; unblocking lifts that.
func (s *Server) PushMyChatMember(chatID int64, blocked bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	oldStatus, newStatus := "kicked", "member"
	if blocked {
		oldStatus, newStatus = newStatus, oldStatus
	}
	s.chat(chatID).blocked = blocked
	me := s.botUser()
	return s.push("my_chat_member", map[string]any{"my_chat_member": map[string]any{
		"chat":            s.chatObj(chatID),
		"from":            user(chatID, ""),
		"date":            s.opts.Now().Unix(),
		"old_chat_member": map[string]any{"status": oldStatus, "user": me},
		"new_chat_member": map[string]any{"status": newStatus, "user": me, "until_date": 0},
	}})
}

// PostRaw queues an arbitrary update body. When raw is a JSON object its
// update_id is set (overwritten) by the server; anything else is delivered
// verbatim, to test how clients cope. It returns the update_id.
func (s *Server) PostRaw(raw []byte) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextUpdateID
	s.nextUpdateID++
	var obj map[string]json.RawMessage
	kind := ""
	if json.Unmarshal(raw, &obj) == nil && obj != nil {
		obj["update_id"] = json.RawMessage(strconv.Itoa(id))
		for k := range obj {
			if k != "update_id" {
				kind = k
			}
		}
		raw, _ = json.Marshal(obj)
	}
	s.updates = append(s.updates, pending{id: id, kind: kind, raw: bytes.Clone(raw)})
	s.notify()
	return id
}

// push queues an update of kind. Call with s.mu held.
func (s *Server) push(kind string, body map[string]any) int {
	id := s.nextUpdateID
	s.nextUpdateID++
	body["update_id"] = id
	raw, _ := json.Marshal(body)
	s.updates = append(s.updates, pending{id: id, kind: kind, raw: raw})
	s.notify()
	return id
}

func user(id int64, lang string) map[string]any {
	u := map[string]any{"id": id, "is_bot": false, "first_name": "User" + strconv.FormatInt(id, 10)}
	if lang != "" {
		u["language_code"] = lang
	}
	return u
}

// ready drops confirmed and filtered updates and returns those to deliver.
// Call with s.mu held.
func (s *Server) ready(offset int, allowed []string) []pending {
	s.updates = slices.DeleteFunc(s.updates, func(u pending) bool {
		return u.id < offset || (len(allowed) > 0 && u.kind != "" && !slices.Contains(allowed, u.kind))
	})
	return s.updates
}

func (s *Server) getUpdates(r *http.Request, p params) (any, *apiError) {
	offset, _ := strconv.Atoi(p["offset"])
	limit, _ := strconv.Atoi(p["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.ParseFloat(p["timeout"], 64)
	deadline := time.Now().Add(time.Duration(timeout * float64(time.Second)))

	s.mu.Lock()
	if s.webhook != nil {
		s.mu.Unlock()
		return nil, &apiError{code: 409, desc: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	}
	if s.polling {
		s.mu.Unlock()
		return nil, &apiError{code: 409, desc: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}
	}
	if a, ok := p["allowed_updates"]; ok {
		s.allowed = nil
		_ = json.Unmarshal([]byte(a), &s.allowed)
	}
	if offset < 0 && -offset < len(s.updates) {
		offset = s.updates[len(s.updates)+offset].id
	}
	s.polling = true
	defer func() {
		s.mu.Lock()
		s.polling = false
		s.mu.Unlock()
	}()
	for {
		ups := s.ready(offset, s.allowed)
		sig := s.signal
		s.mu.Unlock()
		if len(ups) > 0 || time.Now().After(deadline) {
			return rawArray(ups[:min(limit, len(ups))]), nil
		}
		timer := time.NewTimer(time.Until(deadline))
		select {
		case <-sig:
		case <-timer.C:
		case <-r.Context().Done():
		case <-s.ctx.Done():
		}
		timer.Stop()
		if r.Context().Err() != nil || s.ctx.Err() != nil {
			return json.RawMessage("[]"), nil
		}
		s.mu.Lock()
	}
}

func rawArray(ups []pending) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, u := range ups {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(u.raw)
	}
	b.WriteByte(']')
	return b.Bytes()
}

var secretRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

func (s *Server) setWebhook(_ *http.Request, p params) (any, *apiError) {
	u := p["url"]
	if u == "" {
		return s.deleteWebhook(nil, p)
	}
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return nil, badRequest("bad webhook: An HTTPS URL must be provided for webhook")
	}
	sec, hasSecret := p["secret_token"]
	if hasSecret && !secretRE.MatchString(sec) {
		return nil, badRequest("bad webhook: secret token contains unallowed characters")
	}
	var allowed []string
	if a := p["allowed_updates"]; a != "" {
		if err := json.Unmarshal([]byte(a), &allowed); err != nil {
			return nil, badRequest("can't parse allowed_updates JSON array")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhook = &webhookState{url: u, secret: sec, allowed: allowed}
	s.notify()
	return true, nil
}

func (s *Server) deleteWebhook(_ *http.Request, p params) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhook = nil
	if p["drop_pending_updates"] == "true" {
		s.updates = nil
	}
	s.notify()
	return true, nil
}

func (s *Server) getWebhookInfo(*http.Request, params) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := map[string]any{"url": "", "has_custom_certificate": false, "pending_update_count": len(s.updates)}
	if w := s.webhook; w != nil {
		info["url"] = w.url
		if w.allowed != nil {
			info["allowed_updates"] = w.allowed
		}
		if w.lastError != "" {
			info["last_error_date"] = w.lastErrorAt.Unix()
			info["last_error_message"] = w.lastError
		}
	}
	return info, nil
}

// WebhookURL returns the webhook URL set, or "" in polling mode.
func (s *Server) WebhookURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webhook == nil {
		return ""
	}
	return s.webhook.url
}

// deliverLoop POSTs pending updates to the webhook, one at a time, in order.
func (s *Server) deliverLoop() {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		var next *pending
		var wh webhookState
		if s.webhook != nil {
			wh = *s.webhook
			if ups := s.ready(0, wh.allowed); len(ups) > 0 {
				u := ups[0]
				next = &u
			}
		}
		sig := s.signal
		s.mu.Unlock()
		if next == nil {
			select {
			case <-sig:
				continue
			case <-s.ctx.Done():
				return
			}
		}
		if !s.deliver(wh, *next) && !s.wait(s.opts.WebhookRetryDelay) {
			return
		}
	}
}

// deliver POSTs one update and reports whether the webhook accepted it.
func (s *Server) deliver(wh webhookState, u pending) bool {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, wh.url, bytes.NewReader(u.raw))
	if err != nil {
		return s.delivered(u.id, 0, err.Error())
	}
	req.Header.Set("Content-Type", "application/json")
	if wh.secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", wh.secret)
	}
	resp, err := s.hook.Do(req)
	if err != nil {
		return s.delivered(u.id, 0, err.Error())
	}
	reply := readReply(resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		s.WebhookReply(reply) // observe.go
	}
	return s.delivered(u.id, resp.StatusCode, "")
}

func (s *Server) delivered(id, status int, errText string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deliveries = append(s.deliveries, Delivery{UpdateID: id, Status: status, Err: errText})
	ok := status >= 200 && status < 300
	if ok {
		s.updates = slices.DeleteFunc(s.updates, func(u pending) bool { return u.id == id })
	} else if s.webhook != nil {
		s.webhook.lastErrorAt = s.opts.Now()
		s.webhook.lastError = "Wrong response from the webhook: " + strconv.Itoa(status) + " " + http.StatusText(status)
		if errText != "" {
			s.webhook.lastError = "Connection failed"
		}
	}
	return ok
}

// wait sleeps for d unless the server closes first; it reports false then.
func (s *Server) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}
