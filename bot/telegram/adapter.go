package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/infopunkt/infopunkt/bot"
)

// Errors returned by the Adapter.
var (
	// ErrConflict means another process polls this bot token (HTTP 409), or
	// a webhook is set while polling. The process should stop, not fight.
	ErrConflict = errors.New("another process is polling this bot token")
	// ErrUnauthorized means Telegram rejected the token.
	ErrUnauthorized = errors.New("telegram rejected the bot token")
	// ErrClosed means the Adapter was closed.
	ErrClosed = errors.New("telegram adapter closed")
)

// Meta keys the Adapter uses.
const (
	metaOffset = "telegram/offset"         // next getUpdates offset, decimal
	metaSecret = "telegram/webhook_secret" // generated webhook secret
	metaButton = "telegram/"               // + "k:<hash>": long button data
)

// allowedUpdatesJSON lists the update types the bot asks Telegram for.
var allowedUpdatesJSON = []byte(`["message","callback_query","my_chat_member"]`)

// Config configures an Adapter.
type Config struct {
	// Token is the bot token from @BotFather. Required.
	Token string
	// APIURL is the Bot API base URL. Default "https://api.telegram.org".
	APIURL string
	// WebhookURL is the public URL Telegram posts updates to; empty means
	// long polling.
	WebhookURL string
	// WebhookSecret is the secret_token for the webhook, 1–256 characters of
	// [A-Za-z0-9_-]. Empty: one is generated once and kept in meta.
	WebhookSecret string
	// DeskChatID is the consultants' group. Its messages and button presses
	// are passed on; other groups are ignored. 0 means none.
	DeskChatID int64
	// PollTimeout is the getUpdates long-poll timeout. Default 30 s;
	// values under one second are rounded up to one second.
	PollTimeout time.Duration
	// ConflictGrace is how long after Poll starts a 409 conflict is retried
	// instead of returned: a crashed or just-restarted predecessor's long
	// poll can linger up to PollTimeout. Default PollTimeout + 5 s.
	ConflictGrace time.Duration
	// RetryMin and RetryMax bound the jittered exponential backoff of the
	// poll loop after errors. Defaults 1 s and 1 min.
	RetryMin, RetryMax time.Duration
	// HTTPClient makes the API calls. Default: NewHTTPClient with a 30 s
	// timeout. Polling uses a copy whose timeout exceeds PollTimeout.
	HTTPClient *http.Client
	// Logger receives operational logs (never message text or names).
	// Default: discard.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// PublicURL is the bot's public base URL (scheme and host, maybe a
	// path prefix) under which MediaHandler is mounted at MediaPath; empty
	// disables MediaLink.
	PublicURL string
	// MediaLinkTTL is how long a MediaLink works. Default
	// DefaultMediaLinkTTL.
	MediaLinkTTL time.Duration
	// MaxMediaSize is the largest file MediaHandler serves. Default
	// DefaultMaxMediaSize (the Bot API cannot download more).
	MaxMediaSize int64
}

// Handler processes one inbound update. Handle returns only after the
// update's effects are durably committed; an error means they were not, and
// the update will be delivered again.
type Handler interface {
	Handle(ctx context.Context, u bot.Update) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, u bot.Update) error

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, u bot.Update) error { return f(ctx, u) }

// Adapter is the Telegram channel: it receives updates and sends replies.
// Send is safe for concurrent use.
type Adapter struct {
	cfg        Config
	meta       bot.Meta
	h          Handler
	log        *slog.Logger
	base       string  // APIURL + "/bot" + token + "/"
	self       botUser // getMe
	client     *http.Client
	pollClient *http.Client
	fileClient *http.Client // file transfers: a copy of client with a longer timeout
	username   string
	secret     string // webhook secret; "" when not in webhook mode

	done   context.Context // canceled by Close
	cancel context.CancelFunc
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup // Poll
	flood  floodTracker
	media  mediaKeys
	// progress of split replies, so a retry resumes (progress.go)
	progress progress
}

// New checks the token with getMe and returns an Adapter. In webhook mode
// (cfg.WebhookURL set) it also loads or generates the webhook secret.
func New(ctx context.Context, cfg Config, meta bot.Meta, h Handler) (*Adapter, error) {
	if cfg.Token == "" {
		return nil, errors.New("telegram: empty token")
	}
	if meta == nil || h == nil {
		return nil, errors.New("telegram: meta and handler are required")
	}
	cfg = withDefaults(cfg)
	a := &Adapter{cfg: cfg, meta: meta, h: h, log: cfg.Logger, client: cfg.HTTPClient}
	pc := *cfg.HTTPClient
	pc.Timeout = cfg.PollTimeout + 15*time.Second
	a.pollClient = &pc
	fc := *cfg.HTTPClient
	fc.Timeout = max(fc.Timeout, fileTimeout)
	a.fileClient = &fc
	a.base = strings.TrimRight(cfg.APIURL, "/") + "/bot" + cfg.Token + "/"
	if err := a.getMe(ctx); err != nil {
		if isUnauthorized(err) {
			return nil, ErrUnauthorized
		}
		return nil, fmt.Errorf("telegram getMe: %w", err)
	}
	a.username = a.self.Username
	var err error
	if cfg.WebhookURL != "" {
		if a.secret, err = a.loadSecret(ctx); err != nil {
			return nil, err
		}
	}
	a.done, a.cancel = context.WithCancel(context.Background())
	return a, nil
}

func withDefaults(cfg Config) Config {
	if cfg.APIURL == "" {
		cfg.APIURL = "https://api.telegram.org"
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 30 * time.Second
	}
	cfg.PollTimeout = max(cfg.PollTimeout, time.Second)
	if cfg.ConflictGrace <= 0 {
		cfg.ConflictGrace = cfg.PollTimeout + 5*time.Second
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = time.Second
	}
	if cfg.RetryMax < cfg.RetryMin {
		cfg.RetryMax = max(time.Minute, cfg.RetryMin)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = NewHTTPClient(30 * time.Second)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MediaLinkTTL <= 0 {
		cfg.MediaLinkTTL = DefaultMediaLinkTTL
	}
	if cfg.MaxMediaSize <= 0 {
		cfg.MaxMediaSize = DefaultMaxMediaSize
	}
	return cfg
}

// Username is the bot's username as getMe reported it.
func (a *Adapter) Username() string { return a.username }

// Close stops a running Poll, waits for it to return and releases idle
// connections. Calling it again does nothing.
func (a *Adapter) Close() error {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	a.cancel()
	a.wg.Wait()
	a.client.CloseIdleConnections()
	a.pollClient.CloseIdleConnections()
	a.fileClient.CloseIdleConnections()
	return nil
}

// botUser is the part of getMe's answer the adapter uses.
type botUser struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	ReadsAll bool   `json:"can_read_all_group_messages"`
}

// getMe checks the token and fills a.self.
func (a *Adapter) getMe(ctx context.Context) error {
	res, err := a.call(ctx, "getMe", &params{})
	if err != nil {
		return err
	}
	if err := json.Unmarshal(res, &a.self); err != nil {
		return fmt.Errorf("unexpected result: %w", err)
	}
	return nil
}

// redactToken removes the bot token from a transport error: the Bot API
// URL carries it (/bot<token>/method), and net/http puts the URL in every
// *url.Error, which would otherwise reach logs.
func redactToken(err error, token string) error {
	var ue *url.Error
	if token == "" || !errors.As(err, &ue) || !strings.Contains(ue.URL, token) {
		return err
	}
	clean := *ue
	clean.URL = strings.ReplaceAll(ue.URL, token, "<token>")
	if ue == err {
		return &clean
	}
	return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), token, "<token>"))
}

func apiError(err error) (*tgbotapi.Error, bool) {
	var te *tgbotapi.Error
	ok := errors.As(err, &te)
	return te, ok
}

func isUnauthorized(err error) bool {
	te, ok := apiError(err)
	return ok && (te.Code == http.StatusUnauthorized || te.Code == http.StatusNotFound)
}
