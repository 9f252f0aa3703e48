package viber

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// Handler receives the updates the webhook translates. *bot.Processor
// implements it.
type Handler interface {
	// Handle commits u durably; the webhook answers 200 only after it
	// returns nil, so Viber re-delivers anything not committed.
	Handle(ctx context.Context, u bot.Update) error
	// Welcome returns the single welcome reply for conversation_started
	// without storing or queueing anything: Viber shows it only if it
	// comes back in the HTTP response.
	Welcome(ctx context.Context, u bot.Update) (bot.Reply, error)
}

// DefaultEventTypes are the optional callbacks the adapter asks for
// ("message" and "webhook" always come). delivered and seen are noise.
var DefaultEventTypes = []string{"conversation_started", "subscribed", "unsubscribed", "failed"}

// Config configures an Adapter. Zero fields take the defaults given.
type Config struct {
	// Token is the bot's auth token (INFOPUNKT_VIBER_TOKEN). Required. It
	// also keys the callback signatures.
	Token string
	// APIURL is the REST API root (INFOPUNKT_VIBER_API_URL). Default
	// DefaultBaseURL.
	APIURL string
	// WebhookURL is the public URL Viber calls (INFOPUNKT_VIBER_WEBHOOK_URL);
	// needed only by SetWebhook.
	WebhookURL string
	// SenderName is shown on every message. At most 28 characters.
	// Default "Infopunkt".
	SenderName string
	// Logger receives operational events; never message text or names.
	// Default: discard.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Location sets month boundaries for MonthlyReminderCap. Default UTC;
	// cmd passes Europe/Warsaw.
	Location *time.Location
	// HTTPClient sends API requests. Default: a client with a 30 s timeout.
	HTTPClient *http.Client
	// MonthlyReminderCap is how many bot-initiated messages (ReplyReminder)
	// one user may get per month; they are billed since February 2024.
	// 0 turns reminders off on Viber.
	MonthlyReminderCap int
	// UserHourlyCap is how many messages one user may get within an hour
	// without writing back; Viber answers tooManyRequests beyond 100.
	// Default 100.
	UserHourlyCap int
	// MaxCallbackAge rejects (403) a signed callback whose timestamp is
	// older, so a captured request cannot be replayed later. Viber retries
	// a failed callback for about an hour; the default, 2 h, leaves room for
	// that and for clock skew. Replays inside the window are applied once
	// thanks to the DedupKey.
	MaxCallbackAge time.Duration
	// OnUserActive, if set, is called when a user whose messages the
	// adapter was holding back (the per-user cap, or Viber's status 12)
	// writes again, which resets Viber's count: the outbox should lift that
	// chat's pause. It must not block.
	OnUserActive func(bot.ChatKey)
	// WebhookRetry bounds SetWebhook's retries. Zero: RetryPolicy defaults.
	WebhookRetry RetryPolicy
}

// Adapter connects Infopunkt to Viber: WebhookHandler turns callbacks into
// bot.Updates, Send delivers bot.Replies. It is safe for concurrent use.
type Adapter struct {
	cfg    Config
	client *Client
	meta   bot.Meta
	h      Handler
	log    *slog.Logger

	mu    sync.Mutex // guards chats and sweep
	chats map[bot.ChatKey]*chatLimit
	sweep time.Time // next time idle entries of chats are dropped

	remindMu sync.Mutex // serialises reminder counting in meta
}

var (
	_ bot.Sender = (*Adapter)(nil)
	_ Handler    = (*bot.Processor)(nil)
)

// New returns an Adapter. meta stores the monthly reminder counts; it may
// be nil when MonthlyReminderCap is 0. Errors: a missing token, a sender
// name over 28 characters, a missing meta store.
func New(cfg Config, meta bot.Meta, h Handler) (*Adapter, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if h == nil {
		return nil, errors.New("viber: nil handler")
	}
	if meta == nil && cfg.MonthlyReminderCap > 0 {
		return nil, errors.New("viber: reminders need a meta store")
	}
	return &Adapter{
		cfg:    cfg,
		client: &Client{BaseURL: cfg.APIURL, Token: cfg.Token, HTTP: cfg.HTTPClient},
		meta:   meta,
		h:      h,
		log:    cfg.Logger,
		chats:  make(map[bot.ChatKey]*chatLimit),
	}, nil
}

func (c Config) withDefaults() (Config, error) {
	if c.Token == "" {
		return c, errors.New("viber: no auth token")
	}
	if c.SenderName == "" {
		c.SenderName = "Infopunkt"
	}
	if n := len([]rune(c.SenderName)); n > MaxSenderName {
		return c, fmt.Errorf("viber: sender name has %d characters, at most %d allowed", n, MaxSenderName)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.UserHourlyCap <= 0 {
		c.UserHourlyCap = 100
	}
	if c.MaxCallbackAge <= 0 {
		c.MaxCallbackAge = 2 * time.Hour
	}
	return c, nil
}

// Client returns the REST client the adapter uses, for start-up checks
// such as GetAccountInfo.
func (a *Adapter) Client() *Client { return a.client }

// SetWebhook registers Config.WebhookURL with DefaultEventTypes, retrying
// per Config.WebhookRetry. WebhookHandler must already be served there:
// Viber verifies the URL with a callback before answering.
func (a *Adapter) SetWebhook(ctx context.Context) error {
	if a.cfg.WebhookURL == "" {
		return errors.New("viber: no webhook URL configured")
	}
	return a.client.SetWebhookWithRetry(ctx, a.cfg.WebhookURL, DefaultEventTypes, a.cfg.WebhookRetry)
}
