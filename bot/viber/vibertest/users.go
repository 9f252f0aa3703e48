package vibertest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// Errors of the user-side methods.
var (
	// ErrNoWebhook means set_webhook has not succeeded yet.
	ErrNoWebhook = errors.New("vibertest: no webhook set")
	// ErrEventOff means set_webhook did not ask for this event type, so
	// Viber would not send it.
	ErrEventOff = errors.New("vibertest: event type not requested by set_webhook")
)

// Response is the bot's answer to a callback.
type Response struct {
	StatusCode int
	Body       []byte
}

type cbUser struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Avatar     string `json:"avatar"`
	Country    string `json:"country"`
	Language   string `json:"language"`
	APIVersion int    `json:"api_version"`
}

type cbMessage struct {
	Type         string     `json:"type"`
	Text         string     `json:"text,omitempty"`
	Media        string     `json:"media,omitempty"`
	Thumbnail    string     `json:"thumbnail,omitempty"`
	FileName     string     `json:"file_name,omitempty"`
	FileSize     int64      `json:"file_size,omitempty"`
	Duration     int        `json:"duration,omitempty"`
	StickerID    int        `json:"sticker_id,omitempty"`
	Location     *cbLatLong `json:"location,omitempty"`
	Contact      *cbContact `json:"contact,omitempty"`
	TrackingData string     `json:"tracking_data,omitempty"`
}

type cbContact struct {
	Name        string `json:"name"`
	PhoneNumber string `json:"phone_number"`
}

type cbLatLong struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

type callback struct {
	Event        string     `json:"event"`
	Timestamp    int64      `json:"timestamp"`
	ChatHostname string     `json:"chat_hostname"`
	MessageToken uint64     `json:"message_token"`
	Type         string     `json:"type,omitempty"`
	Context      string     `json:"context,omitempty"`
	User         *cbUser    `json:"user,omitempty"`
	Subscribed   *bool      `json:"subscribed,omitempty"`
	Sender       *cbUser    `json:"sender,omitempty"`
	Message      *cbMessage `json:"message,omitempty"`
	Silent       *bool      `json:"silent,omitempty"`
	UserID       string     `json:"user_id,omitempty"`
	Desc         string     `json:"desc,omitempty"`
}

// userName is the display name the fake gives a user; tests check that it
// never reaches the bot's logs.
func userName(id string) string { return "Oksana Testenko " + id }

// Sign returns the X-Viber-Content-Signature for body.
func (s *Server) Sign(body []byte) string {
	m := hmac.New(sha256.New, []byte(s.cfg.Token))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// LastCallback returns the body and signature of the last callback posted,
// for replay tests.
func (s *Server) LastCallback() (body []byte, signature string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.lastBody...), s.lastSig
}

// ConversationStarted plays a user opening the chat. welcome is the message
// the bot returned in the response body, nil if none.
func (s *Server) ConversationStarted(ctx context.Context, userID, lang string) (Response, *Message, error) {
	res, err := s.userEvent(ctx, "conversation_started", userID, func(cb *callback, u *userState) {
		u.lang = lang
		subscribed := u.subscribed
		cb.Type, cb.Context, cb.Subscribed = "open", "poster", &subscribed
		cb.User = s.cbUser(userID, lang)
	})
	if err != nil || res.StatusCode != http.StatusOK || len(bytes.TrimSpace(res.Body)) == 0 {
		return res, nil, err
	}
	var m Message
	if err := json.Unmarshal(res.Body, &m); err != nil {
		return res, nil, err
	}
	m.Raw = append(json.RawMessage(nil), res.Body...)
	return res, &m, nil
}

// Subscribe plays a user subscribing.
func (s *Server) Subscribe(ctx context.Context, userID, lang string) (Response, error) {
	return s.userEvent(ctx, "subscribed", userID, func(cb *callback, u *userState) {
		u.subscribed, u.lang, u.sinceReply = true, lang, nil
		cb.User = s.cbUser(userID, lang)
	})
}

// Unsubscribe plays a user unsubscribing (blocking the bot).
func (s *Server) Unsubscribe(ctx context.Context, userID string) (Response, error) {
	return s.userEvent(ctx, "unsubscribed", userID, func(cb *callback, u *userState) {
		u.subscribed = false
		cb.UserID = userID
	})
}

// SendText plays a user typing text. Writing subscribes the user and
// restarts Viber's hourly cap.
func (s *Server) SendText(ctx context.Context, userID, text string) (Response, error) {
	return s.message(ctx, userID, cbMessage{Type: "text", Text: text}, false)
}

// PressButton plays a user tapping a reply button: Viber sends its
// ActionBody as a text message.
func (s *Server) PressButton(ctx context.Context, userID, actionBody string) (Response, error) {
	return s.message(ctx, userID, cbMessage{Type: "text", Text: actionBody}, true)
}

// SendMedia plays a user sending something other than text: "picture",
// "sticker", "location", "contact", "file", "video", with typical fields
// (media URLs on media.example, which nothing fetches).
func (s *Server) SendMedia(ctx context.Context, userID, msgType string) (Response, error) {
	m := InMessage{Type: msgType}
	switch msgType {
	case "sticker":
		m.StickerID = 46105
	case "location":
		m.Lat, m.Lon = 51.1079, 17.0385
	case "contact":
		m.ContactName, m.ContactPhone = "Olena", "+48500100200"
	case "file":
		m.Media, m.FileName, m.FileSize = "https://media.example/dl/doc.pdf", "doc.pdf", 2048
	case "video":
		m.Media, m.FileSize, m.Duration = "https://media.example/dl/v.mp4", 900000, 7
	default:
		m.Media = "https://media.example/x.jpg"
	}
	return s.SendMessage(ctx, userID, m)
}

// InMessage is a message a user sends, for SendMessage.
type InMessage struct {
	Type      string // text, picture, video, file, sticker, location, contact, url
	Text      string // text; picture description
	Media     string // picture, video, file, sticker, url: the URL
	Thumbnail string
	FileName  string
	FileSize  int64
	Duration  int
	StickerID int
	Lat, Lon  float64 // location (sent when Type is "location")
	// ContactName and ContactPhone fill a contact message.
	ContactName, ContactPhone string
}

// SendMessage plays a user sending m, with every field as given.
func (s *Server) SendMessage(ctx context.Context, userID string, m InMessage) (Response, error) {
	cm := cbMessage{Type: m.Type, Text: m.Text, Media: m.Media, Thumbnail: m.Thumbnail, FileName: m.FileName,
		FileSize: m.FileSize, Duration: m.Duration, StickerID: m.StickerID}
	if m.Type == "location" {
		cm.Location = &cbLatLong{Lat: m.Lat, Lon: m.Lon}
	}
	if m.Type == "contact" {
		cm.Contact = &cbContact{Name: m.ContactName, PhoneNumber: m.ContactPhone}
	}
	return s.message(ctx, userID, cm, false)
}

// Failed plays Viber reporting that a message could not be delivered.
func (s *Server) Failed(ctx context.Context, userID, desc string) (Response, error) {
	return s.userEvent(ctx, "failed", userID, func(cb *callback, _ *userState) {
		cb.UserID, cb.Desc = userID, desc
	})
}

func (s *Server) message(ctx context.Context, userID string, m cbMessage, silent bool) (Response, error) {
	return s.userEvent(ctx, "message", userID, func(cb *callback, u *userState) {
		s.fillMessage(cb, userID, u, m, silent)
	})
}

// fillMessage makes cb the message m of user u: writing subscribes the
// user and restarts Viber's hourly cap. Call with s.mu held.
func (s *Server) fillMessage(cb *callback, userID string, u *userState, m cbMessage, silent bool) {
	u.subscribed, u.sinceReply = true, nil
	m.TrackingData = u.tracking
	cb.Sender, cb.Message, cb.Silent = s.cbUser(userID, u.lang), &m, &silent
}

func (s *Server) cbUser(id, lang string) *cbUser {
	return &cbUser{ID: id, Name: userName(id), Avatar: "https://avatar.example/" + id,
		Country: "UA", Language: lang, APIVersion: 10}
}

// userEvent updates the user's state and builds the callback under the
// lock, then posts it without holding the lock: the bot may call the API
// while handling it.
func (s *Server) userEvent(ctx context.Context, event, userID string, fill func(*callback, *userState)) (Response, error) {
	s.mu.Lock()
	url := s.webhook
	if url == "" {
		s.mu.Unlock()
		return Response{}, ErrNoWebhook
	}
	if s.events != nil && !s.events[event] && event != alwaysSent[0] && event != alwaysSent[1] {
		s.mu.Unlock()
		return Response{}, ErrEventOff
	}
	cb := callback{Event: event, Timestamp: s.cfg.Now().UnixMilli(), ChatHostname: "SN-CHAT-01_", MessageToken: s.token()}
	fill(&cb, s.user(userID))
	s.mu.Unlock()
	return s.post(ctx, url, cb)
}

func (s *Server) post(ctx context.Context, url string, cb callback) (Response, error) {
	body, sig, err := s.signed(cb)
	if err != nil {
		return Response{}, err
	}
	return s.postSigned(ctx, url, body, sig)
}

// signed encodes and signs cb, remembering it as the last callback.
func (s *Server) signed(cb callback) (body []byte, sig string, err error) {
	body, err = json.Marshal(cb)
	if err != nil {
		return nil, "", err
	}
	sig = s.Sign(body)
	s.mu.Lock()
	s.lastBody, s.lastSig = body, sig
	s.mu.Unlock()
	return body, sig, nil
}

// PostRaw posts body to the webhook with the given signature header ("" for
// none), for forged, replayed and malformed callbacks.
func (s *Server) PostRaw(ctx context.Context, body []byte, signature string) (Response, error) {
	url := s.WebhookURL()
	if url == "" {
		return Response{}, ErrNoWebhook
	}
	return s.postSigned(ctx, url, body, signature)
}

func (s *Server) postSigned(ctx context.Context, url string, body []byte, sig string) (Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Response{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set("X-Viber-Content-Signature", sig)
	}
	res, err := s.client.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return Response{StatusCode: res.StatusCode, Body: b}, err
}
