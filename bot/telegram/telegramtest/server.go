package telegramtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options configure a Server. The zero value is usable.
type Options struct {
	// Token is the bot token clients must use. Default "123456:TEST".
	Token string
	// BotID and BotUsername describe the bot in getMe.
	// Defaults 123456 and "infopunkt_test_bot".
	BotID       int64
	BotUsername string
	// Limits are the enforced send limits. Default DefaultLimits().
	Limits Limits
	// Faults are injected at random from the first call on. Default none.
	Faults Faults
	// WebhookRetryDelay is how long the server waits before re-sending an
	// update the webhook did not accept with 2xx. Default 20 ms
	// (Telegram waits much longer).
	WebhookRetryDelay time.Duration
	// WebhookTimeout bounds one webhook POST. Default 10 s.
	WebhookTimeout time.Duration
	// Now is the clock for limits and dates. Default time.Now.
	Now func() time.Time
	// PrivacyModeOff is the bot's /setprivacy turned off: it sees every
	// group message. With privacy on (the default, as for new bots) a bot
	// that is no administrator (SetBotRights NotAdmin) gets only commands,
	// mentions and replies to its own messages from groups.
	PrivacyModeOff bool
	// DiscardCalls keeps no call log: Calls returns nothing, while
	// observers (Observe) still see every call. For load generators, whose
	// runs would otherwise keep every request in memory.
	DiscardCalls bool
}

// Call is one recorded API call.
type Call struct {
	Method string
	// Params holds every parameter; JSON bodies' non-string values are kept
	// as their JSON text, as form encoding would carry them.
	Params map[string]string
	Time   time.Time
	// Status is the HTTP status answered (0 for a hang or reset).
	Status      int
	Description string
}

// Server is a fake Bot API. Its methods are safe for concurrent use.
type Server struct {
	opts   Options
	hs     *httptest.Server
	ctx    context.Context // canceled by Close: stops hangs, polls, deliveries
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
	hook   *http.Client

	mu           sync.Mutex
	calls        []Call
	signal       chan struct{} // closed and replaced when updates or the webhook change
	nextUpdateID int
	updates      []pending
	polling      bool
	allowed      []string // allowed_updates remembered from getUpdates
	webhook      *webhookState
	deliveries   []Delivery
	chats        map[int64]*chatState
	users        map[int64]*userProfile
	files        map[string]*fileState
	nextFile     int
	callbacks    map[string]bool // query id → answered
	commands     map[string][]BotCommand
	lim          limiter
	faults       faultState
	violations   int
	earlyRetries int
	observers    []func(Event) // see Observe (observe.go)
}

type pending struct {
	id   int
	kind string // message, callback_query, my_chat_member, … ("" when unknown)
	raw  []byte
}

type webhookState struct {
	url, secret string
	allowed     []string
	lastError   string
	lastErrorAt time.Time
}

// Delivery is one attempt to POST an update to the webhook.
type Delivery struct {
	UpdateID int
	Status   int    // HTTP status, 0 when the request failed
	Err      string // transport error, if any
}

// New starts a Server. With a non-nil t, Close runs in t.Cleanup.
func New(t testing.TB, opts Options) *Server {
	if opts.Token == "" {
		opts.Token = "123456:TEST"
	}
	if opts.BotID == 0 {
		opts.BotID = 123456
	}
	if opts.BotUsername == "" {
		opts.BotUsername = "infopunkt_test_bot"
	}
	if opts.WebhookRetryDelay <= 0 {
		opts.WebhookRetryDelay = 20 * time.Millisecond
	}
	if opts.WebhookTimeout <= 0 {
		opts.WebhookTimeout = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:         opts,
		hook:         &http.Client{Timeout: opts.WebhookTimeout},
		signal:       make(chan struct{}),
		nextUpdateID: 1000,
		chats:        map[int64]*chatState{},
		users:        map[int64]*userProfile{},
		files:        map[string]*fileState{},
		callbacks:    map[string]bool{},
		commands:     map[string][]BotCommand{},
		lim:          newLimiter(opts.Limits),
		faults:       newFaultState(opts.Faults),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.hs = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.wg.Add(1)
	go s.deliverLoop()
	if t != nil {
		t.Cleanup(s.Close)
	}
	return s
}

// URL is the base URL to use instead of https://api.telegram.org.
func (s *Server) URL() string { return s.hs.URL }

// Token is the token the server accepts.
func (s *Server) Token() string { return s.opts.Token }

// BotUsername is the username getMe reports.
func (s *Server) BotUsername() string { return s.opts.BotUsername }

// Close stops the server, ends hanging requests and waits for the webhook
// delivery goroutine. It is safe to call more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		s.cancel()
		s.hs.CloseClientConnections()
		s.hs.Close()
		s.wg.Wait()
		s.hook.CloseIdleConnections()
	})
}

// Calls returns the recorded calls of method (case-insensitive), or of every
// method when method is "".
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || strings.EqualFold(c.Method, method) {
			c.Params = maps.Clone(c.Params)
			out = append(out, c)
		}
	}
	return out
}

// Violations counts calls answered 429 because a limit was exceeded.
func (s *Server) Violations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.violations
}

// EarlyRetries counts calls to a chat made before the retry_after announced
// to that chat had expired.
func (s *Server) EarlyRetries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.earlyRetries
}

// Pending returns the ids of updates not yet confirmed (getUpdates) or
// accepted (webhook).
func (s *Server) Pending() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int, len(s.updates))
	for i, u := range s.updates {
		ids[i] = u.id
	}
	return ids
}

// Polling reports whether a getUpdates request is in progress.
func (s *Server) Polling() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polling
}

// Deliveries returns every webhook delivery attempt so far.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// apiError is a failed call as Telegram reports it.
type apiError struct {
	code       int
	desc       string
	retryAfter int
	migrateTo  int64 // migrate_to_chat_id of a basic group that became a supergroup
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{code: 400, desc: "Bad Request: " + fmt.Sprintf(format, args...)}
}

type response struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result,omitempty"`
	ErrorCode   int             `json:"error_code,omitempty"`
	Description string          `json:"description,omitempty"`
	Parameters  map[string]any  `json:"parameters,omitempty"`
}

// handler serves one method. It runs without s.mu held.
type handler func(s *Server, r *http.Request, p params) (any, *apiError)

var handlers = map[string]handler{
	"getme":               (*Server).getMe,
	"getupdates":          (*Server).getUpdates,
	"setwebhook":          (*Server).setWebhook,
	"deletewebhook":       (*Server).deleteWebhook,
	"getwebhookinfo":      (*Server).getWebhookInfo,
	"sendmessage":         (*Server).sendMessage,
	"editmessagetext":     (*Server).editMessageText,
	"answercallbackquery": (*Server).answerCallbackQuery,
	"setmycommands":       (*Server).setMyCommands,
	"getmycommands":       (*Server).getMyCommands,
	"sendphoto":           (*Server).sendMedia,
	"senddocument":        (*Server).sendMedia,
	"sendvoice":           (*Server).sendMedia,
	"sendvideo":           (*Server).sendMedia,
	"sendsticker":         (*Server).sendMedia,
	"sendlocation":        (*Server).sendLocation,
	"copymessage":         (*Server).copyMessage,
	"deletemessage":       (*Server).deleteMessage,
	"deletemessages":      (*Server).deleteMessages,
	"getfile":             (*Server).getFile,
	"createforumtopic":    (*Server).createForumTopic,
	"closeforumtopic":     (*Server).closeForumTopic,
	"reopenforumtopic":    (*Server).reopenForumTopic,
	"deleteforumtopic":    (*Server).deleteForumTopic,
	"getchat":             (*Server).getChat,
	"getchatmember":       (*Server).getChatMember,
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot"); ok {
		s.serveFile(w, r, rest)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		writeError(w, &apiError{code: 404, desc: "Not Found"})
		return
	}
	p, err := parseParams(r)
	c := s.record(method, p)
	if token != s.opts.Token {
		s.finish(c, w, nil, &apiError{code: 401, desc: "Unauthorized"})
		return
	}
	if err != nil {
		s.finish(c, w, nil, badRequest("can't parse request: %v", err))
		return
	}
	h, ok := handlers[strings.ToLower(method)]
	if !ok {
		s.finish(c, w, nil, &apiError{code: 404, desc: "Not Found: method not found"})
		return
	}
	if s.injectFault(c, w, r, method, p) {
		return
	}
	if e := s.checkRetryAfter(method, p); e != nil {
		s.finish(c, w, nil, e)
		return
	}
	res, e := h(s, r, p)
	if r.Context().Err() != nil {
		return // the client is gone (or the server closing): nobody reads the answer
	}
	s.finish(c, w, res, e)
}

// callRecord is a call being answered and its place in the call log (-1
// with Options.DiscardCalls).
type callRecord struct {
	Call
	idx int
}

func (s *Server) record(method string, p params) *callRecord {
	c := &callRecord{Call: Call{Method: method, Params: p, Time: s.opts.Now()}, idx: -1}
	if s.opts.DiscardCalls {
		return c
	}
	c.Params = maps.Clone(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c.Call)
	c.idx = len(s.calls) - 1
	return c
}

// setStatus records the status answered to c.
func (s *Server) setStatus(c *callRecord, status int, desc string) {
	c.Status, c.Description = status, desc
	if c.idx < 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[c.idx].Status, s.calls[c.idx].Description = status, desc
}

// finish writes the answer and records its status.
func (s *Server) finish(c *callRecord, w http.ResponseWriter, result any, e *apiError) {
	if e != nil {
		s.setStatus(c, e.code, e.desc)
	} else {
		s.setStatus(c, http.StatusOK, "")
	}
	s.observed(c, result)
	if e != nil {
		writeError(w, e)
		return
	}
	raw, err := marshal(result)
	if err != nil {
		writeError(w, &apiError{code: 500, desc: "Internal Server Error"})
		return
	}
	writeResult(w, raw)
}

// writeResult answers {"ok":true,"result":raw}: the bytes json.Marshal of
// response{OK: true, Result: raw} gives for raw from marshal, without
// validating and compacting raw a second time.
func writeResult(w http.ResponseWriter, raw []byte) {
	b := make([]byte, 0, len(raw)+len(`{"ok":true,"result":}`))
	b = append(b, `{"ok":true,"result":`...)
	b = append(b, raw...)
	b = append(b, '}')
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, e *apiError) {
	resp := response{ErrorCode: e.code, Description: e.desc}
	switch {
	case e.code == http.StatusTooManyRequests:
		resp.Parameters = map[string]any{"retry_after": e.retryAfter}
	case e.migrateTo != 0:
		resp.Parameters = map[string]any{"migrate_to_chat_id": e.migrateTo}
	}
	writeJSON(w, e.code, resp)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// params are a call's parameters; JSON values other than strings keep their
// JSON text, as they would arrive form-encoded.
type params map[string]string

func parseParams(r *http.Request) (params, error) {
	p := params{}
	for k, v := range r.URL.Query() {
		p[k] = v[0]
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		body, err := readBody(r, maxForm)
		if err != nil {
			return p, err
		}
		if splitObject(body, p) {
			return p, nil
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return p, err
		}
		for k, v := range m {
			p[k] = paramValue(v)
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(10 << 20); err != nil {
			return p, err
		}
		mergeValues(p, r.MultipartForm.Value)
	default:
		if ok, err := readForm(r, p); ok {
			return p, err
		}
		if err := r.ParseForm(); err != nil {
			return p, err
		}
		mergeValues(p, r.PostForm)
	}
	return p, nil
}

// maxForm is the body size r.ParseForm reads at most, and the fake too.
const maxForm = 10 << 20

// readBody reads r's body, at most limit bytes of it: into a buffer of
// its length when it has one within the limit.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength < 0 || r.ContentLength > limit {
		return io.ReadAll(io.LimitReader(r.Body, limit))
	}
	b := make([]byte, r.ContentLength)
	_, err := io.ReadFull(r.Body, b)
	return b, err
}

// readForm is r.ParseForm and mergeValues of r.PostForm into p for the
// usual call, a form POSTed with its length and without a URL query, minus
// the copies ParseForm makes for r.Form: every call of a bot comes this
// way. ok is false for any other request, which it leaves unread.
func readForm(r *http.Request, p params) (ok bool, err error) {
	if r.Method != http.MethodPost || r.URL.RawQuery != "" || r.ContentLength < 0 || r.ContentLength > maxForm ||
		r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		return false, nil
	}
	b, err := readBody(r, maxForm)
	if err != nil {
		return true, err
	}
	vs, err := url.ParseQuery(string(b))
	if err == nil {
		mergeValues(p, vs)
	}
	return true, err
}

func mergeValues(p params, v url.Values) {
	for k, vs := range v {
		if len(vs) > 0 {
			p[k] = vs[0]
		}
	}
}

// notify wakes long polls and the webhook deliverer. Call with s.mu held.
func (s *Server) notify() {
	close(s.signal)
	s.signal = make(chan struct{})
}

func (s *Server) getMe(*http.Request, params) (any, *apiError) {
	return map[string]any{
		"id": s.opts.BotID, "is_bot": true, "first_name": "Infopunkt Test",
		"username": s.opts.BotUsername, "can_join_groups": true,
		"can_read_all_group_messages": s.opts.PrivacyModeOff, "supports_inline_queries": false,
	}, nil
}
