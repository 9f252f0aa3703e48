package vibertest

import (
	"context"
	"encoding/json"
	"slices"
	"time"
)

// alwaysSent are the callbacks Viber sends whatever event_types says.
var alwaysSent = []string{"webhook", "message"}

func (s *Server) setWebhook(ctx context.Context, body []byte) map[string]any {
	var req struct {
		URL        string   `json:"url"`
		EventTypes []string `json:"event_types"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return status(3, "badData")
	}
	if req.URL == "" {
		s.mu.Lock()
		s.webhook, s.events = "", nil
		s.mu.Unlock()
		return status(0, "ok")
	}
	res, err := s.post(ctx, req.URL, callback{Event: "webhook", ChatHostname: "SN-CHAT-01_", Timestamp: s.cfg.Now().UnixMilli(), MessageToken: s.lockedToken()})
	if err != nil || res.StatusCode != 200 {
		return status(1, "Result[HttpRequest[POST "+req.URL+"] failed: no 200 answer]")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhook = req.URL
	s.events = nil
	types := []string{"delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"}
	if req.EventTypes != nil {
		s.events = make(map[string]bool)
		for _, e := range req.EventTypes {
			s.events[e] = true
		}
		types = req.EventTypes
	}
	resp := status(0, "ok")
	resp["event_types"] = types
	return resp
}

func (s *Server) lockedToken() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token()
}

// sendMessage answers send_message and returns the request as far as it
// could be read (nil when it could not be decoded).
func (s *Server) sendMessage(ctx context.Context, body []byte) (map[string]any, *Message) {
	if len(body) > MaxRequestSize {
		return status(3, "badData: request exceeds 30 KB"), nil
	}
	var m Message
	if err := json.Unmarshal(body, &m); err != nil {
		return status(3, "badData: "+err.Error()), nil
	}
	return s.accept(ctx, &m, body), &m
}

// accept checks a decoded send_message and keeps the message.
func (s *Server) accept(ctx context.Context, m *Message, body []byte) map[string]any {
	if code, msg := validate(m); code != 0 {
		return status(code, msg)
	}
	if code, msg := validateMedia(m, body); code != 0 {
		return status(code, msg)
	}
	m.Fetched = s.fetch(ctx, m.Media)
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webhook == "" {
		return status(10, "webhookNotSet")
	}
	u := s.user(m.Receiver)
	if !u.subscribed {
		return status(6, "receiverNotSubscribed")
	}
	u.sinceReply = slices.DeleteFunc(u.sinceReply, func(t time.Time) bool { return now.Sub(t) >= time.Hour })
	if len(u.sinceReply) >= UserHourlyCap {
		return status(12, "tooManyRequests")
	}
	u.sinceReply = append(u.sinceReply, now)
	if m.TrackingData != "" {
		u.tracking = m.TrackingData
	}
	m.Token = s.token()
	if !s.cfg.NoRecord {
		m.Raw = append(json.RawMessage(nil), body...)
		s.sent = append(s.sent, *m)
	}
	resp := status(0, "ok")
	resp["message_token"] = m.Token
	resp["chat_hostname"] = "SN-CHAT-01_"
	resp["billing_status"] = 1
	return resp
}

// validate returns the status Viber would answer for a malformed message.
func validate(m *Message) (int, string) {
	switch {
	case m.Receiver == "":
		return 4, "missingData: receiver"
	case m.Sender.Name == "":
		return 4, "missingData: sender.name"
	case len([]rune(m.Sender.Name)) > 28:
		return 3, "badData: sender.name longer than 28"
	case len(m.TrackingData) > 4000:
		return 3, "badData: tracking_data longer than 4000"
	}
	switch m.Type {
	case "text":
		if m.Text == "" {
			return 4, "missingData: text"
		}
		if textLength(m.Text) > MaxTextLength {
			return 3, "badData: text longer than 7000"
		}
	case "url", "picture", "video":
		if m.Media == "" {
			return 4, "missingData: media"
		}
	case "file":
		if m.Media == "" || m.Size <= 0 || m.FileName == "" {
			return 4, "missingData: media, size or file_name"
		}
	case "contact", "location", "sticker", "rich_media":
	default:
		return 3, "badData: type"
	}
	if m.Keyboard != nil {
		return validateKeyboard(m.Keyboard)
	}
	return 0, ""
}

var actionTypes = []string{"reply", "open-url", "location-picker", "share-phone", "none"}

func validateKeyboard(k *Keyboard) (int, string) {
	if k.Type != "keyboard" || len(k.Buttons) == 0 {
		return 3, "badData: keyboard"
	}
	for _, b := range k.Buttons {
		switch {
		case b.Columns < 0 || b.Columns > 6:
			return 3, "badData: button Columns"
		case b.Rows < 0 || b.Rows > 2:
			return 3, "badData: button Rows"
		case !slices.Contains(actionTypes, b.ActionType):
			return 3, "badData: button ActionType"
		case (b.ActionType == "reply" || b.ActionType == "open-url") && b.ActionBody == "":
			return 4, "missingData: button ActionBody"
		case len([]rune(b.Text)) > 250:
			return 3, "badData: button Text longer than 250"
		}
	}
	return 0, ""
}

func (s *Server) accountInfo() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	subs := 0
	for _, u := range s.users {
		if u.subscribed {
			subs++
		}
	}
	resp := status(0, "ok")
	resp["id"] = "pa:1234567890"
	resp["name"] = "Infopunkt Test"
	resp["uri"] = "infopunkttest"
	resp["category"] = "Organizations"
	resp["country"] = "PL"
	resp["webhook"] = s.webhook
	resp["subscribers_count"] = subs
	return resp
}

func (s *Server) userDetails(body []byte) map[string]any {
	var req struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.ID == "" {
		return status(4, "missingData: id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[req.ID]
	if !ok {
		return status(5, "receiverNotRegistered")
	}
	resp := status(0, "ok")
	resp["message_token"] = s.token()
	resp["user"] = map[string]any{
		"id": req.ID, "name": userName(req.ID), "language": u.lang, "country": "UA",
		"primary_device_os": "Android 14", "api_version": 10, "viber_version": "24.1.0", "device_type": "Pixel",
	}
	return resp
}
