// Package vibertest is a fake Viber platform for tests: an HTTP server on
// loopback that speaks the REST Bot API wire format, plays any number of
// users who call the bot's webhook with signed callbacks, records every
// call, enforces Viber's limits and injects faults.
//
// It shares no code with package viber, so a wire-format mistake there
// shows up here.
//
// # API side
//
// set_webhook first POSTs a signed "webhook" event to the URL and fails with
// status 1 unless it gets 200, as Viber does. send_message checks the auth
// token (status 2), the 30 KB request limit and the message shape (status 3
// or 4: receiver, sender name, text ≤ 7000 characters, keyboard Columns
// 1–6, Rows 1–2, known ActionType; picture text present and ≤ 768
// characters with a .jpg/.jpeg/.png/.gif URL; video with size ≤ 26 MB and
// an .mp4 URL; file with size ≤ 50 MB and file_name ≤ 256; location with
// lat/lon; sticker_id), that a webhook is set (status 10), that
// the receiver subscribed (status 6), and the cap of 100 messages per user
// per hour without a reply (status 12). get_account_info and
// get_user_details answer from the fake's state. Media URLs on loopback
// are fetched, as Viber would, and the answer kept in Message.Fetched.
//
// # User side
//
// ConversationStarted, Subscribe, Unsubscribe, SendText, PressButton,
// SendMedia, SendMessage and Failed build real callback bodies (message_token above
// 2^53, millisecond timestamps), sign them with the token and POST them to
// the webhook. PostRaw sends any body with any signature.
package vibertest

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
)

// Limits the fake enforces, as Viber does.
const (
	MaxRequestSize = 30 * 1024
	MaxTextLength  = 7000
	UserHourlyCap  = 100
)

// Config configures a Server. Zero fields take the defaults given.
type Config struct {
	// Token is the bot's auth token. Default "test-token".
	Token string
	// Now is the clock for timestamps and the hourly cap. Default time.Now.
	Now func() time.Time
	// Seed seeds RandomFaults.
	Seed uint64
	// HTTPClient posts callbacks. Default: a client with a 10 s timeout.
	HTTPClient *http.Client
	// NoRecord keeps neither the call log (Calls) nor the accepted
	// messages (Sent), while observers (Observe) still see every
	// send_message: for load generators, whose runs would otherwise keep
	// every request in memory.
	NoRecord bool
}

// Call is one API request the fake received.
type Call struct {
	Method     string // "send_message", …
	Status     int    // Viber status answered; -1 when a fault replaced the answer
	HTTPStatus int    // 0 for a reset or hang
	Fault      Fault
}

// Message is a send_message request the fake accepted.
type Message struct {
	Receiver      string    `json:"receiver"`
	Type          string    `json:"type"`
	Sender        Sender    `json:"sender"`
	TrackingData  string    `json:"tracking_data"`
	MinAPIVersion int       `json:"min_api_version"`
	Text          string    `json:"text"`
	Media         string    `json:"media"`
	Size          int64     `json:"size"`
	FileName      string    `json:"file_name"`
	Thumbnail     string    `json:"thumbnail"`
	Duration      int       `json:"duration"`
	Location      *LatLon   `json:"location"`
	StickerID     int       `json:"sticker_id"`
	Keyboard      *Keyboard `json:"keyboard"`
	// Token is the message_token the fake answered; Raw the request body.
	Token uint64          `json:"-"`
	Raw   json.RawMessage `json:"-"`
	// Fetched is what the fake got when it fetched Media, as Viber does;
	// only loopback URLs are fetched (nil otherwise).
	Fetched *Fetched `json:"-"`
}

// LatLon is a location message's point.
type LatLon struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Fetched is the answer to the fake's GET of a message's media URL.
type Fetched struct {
	Status      int // HTTP status, 0 when the request failed
	ContentType string
	Body        []byte // at most 1 MiB
	Size        int64  // bytes read (up to the media limit)
	Err         string
}

// Sender is a message's sender.
type Sender struct {
	Name   string `json:"name"`
	Avatar string `json:"avatar"`
}

// Keyboard is a message's keyboard as sent.
type Keyboard struct {
	Type          string   `json:"Type"`
	DefaultHeight *bool    `json:"DefaultHeight"`
	BgColor       string   `json:"BgColor"`
	Buttons       []Button `json:"Buttons"`
}

// Button is one keyboard button as sent.
type Button struct {
	Columns    int    `json:"Columns"`
	Rows       int    `json:"Rows"`
	ActionType string `json:"ActionType"`
	ActionBody string `json:"ActionBody"`
	Text       string `json:"Text"`
	TextSize   string `json:"TextSize"`
	BgColor    string `json:"BgColor"`
	Silent     bool   `json:"Silent"`
}

type userState struct {
	subscribed bool
	lang       string
	sinceReply []time.Time // messages received since the user last wrote
	tracking   string      // last tracking_data, echoed in the user's messages
}

// Server is a fake Viber platform. Its methods are safe for concurrent use.
type Server struct {
	cfg     Config
	srv     *httptest.Server
	client  *http.Client
	closing chan struct{}
	once    sync.Once

	mu         sync.Mutex
	webhook    string
	events     map[string]bool // optional events requested by set_webhook; nil = all
	users      map[string]*userState
	sent       []Message
	calls      []Call
	nextToken  uint64
	faults     []queuedFault
	faultRate  float64
	faultKinds []Fault
	rng        *rand.Rand
	lastBody   []byte
	lastSig    string
	observers  []func(Event)
}

// New starts a fake Viber platform; Close it when done.
func New(cfg Config) *Server {
	if cfg.Token == "" {
		cfg.Token = "test-token"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{
		cfg:       cfg,
		client:    cfg.HTTPClient,
		closing:   make(chan struct{}),
		users:     make(map[string]*userState),
		nextToken: 5406893180055821524, // above 2^53, like Viber's
		rng:       rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 10 * time.Second}
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveAPI))
	return s
}

// URL is the API base URL to give the client (no trailing slash).
func (s *Server) URL() string { return s.srv.URL }

// Token is the auth token the fake accepts and signs with.
func (s *Server) Token() string { return s.cfg.Token }

// Close stops the server, releasing hung requests first.
func (s *Server) Close() {
	s.once.Do(func() { close(s.closing) })
	s.srv.Close()
}

// WebhookURL is the URL set by set_webhook; "" if none.
func (s *Server) WebhookURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook
}

// Sent returns the messages accepted for userID, oldest first.
func (s *Server) Sent(userID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.sent {
		if m.Receiver == userID {
			out = append(out, m)
		}
	}
	return out
}

// Calls returns every API request received, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// SetSubscribed sets a user's subscription without a callback, for tests
// that only send.
func (s *Server) SetSubscribed(userID string, subscribed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user(userID).subscribed = subscribed
}

// user returns the user's state, creating it. s.mu must be held.
func (s *Server) user(id string) *userState {
	u := s.users[id]
	if u == nil {
		u = &userState{}
		s.users[id] = u
	}
	return u
}

func (s *Server) token() uint64 {
	s.nextToken++
	return s.nextToken
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/")
	if r.Method != http.MethodPost {
		s.record(Call{Method: method, Status: -1, HTTPStatus: http.StatusMethodNotAllowed})
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	at := s.cfg.Now()
	if f := s.nextFault(method); f != FaultNone {
		s.applyFault(w, r, method, f)
		return
	}
	var resp map[string]any
	switch {
	case r.Header.Get("X-Viber-Auth-Token") != s.cfg.Token:
		resp = status(2, "invalidAuthToken")
	case method == "set_webhook":
		resp = s.setWebhook(r.Context(), body)
	case method == "send_message":
		var m *Message
		resp, m = s.sendMessage(r.Context(), body)
		s.observed(at, resp, m)
	case method == "get_account_info":
		resp = s.accountInfo()
	case method == "get_user_details":
		resp = s.userDetails(body)
	default:
		s.record(Call{Method: method, Status: -1, HTTPStatus: http.StatusNotFound})
		w.WriteHeader(http.StatusNotFound)
		return
	}
	s.record(Call{Method: method, Status: resp["status"].(int), HTTPStatus: http.StatusOK})
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp) //nolint:errcheck // the client sees a broken body
}

func (s *Server) record(c Call) {
	if s.cfg.NoRecord {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

func status(code int, msg string) map[string]any {
	return map[string]any{"status": code, "status_message": msg}
}

func textLength(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
