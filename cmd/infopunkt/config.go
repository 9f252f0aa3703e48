package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the process configuration: an optional YAML file (settings only,
// never secrets) overridden by INFOPUNKT_* environment variables.
type Config struct {
	Data     string `yaml:"data"`     // INFOPUNKT_DATA, default ./data/infopunkt.db
	Content  string `yaml:"content"`  // INFOPUNKT_CONTENT, default: embedded content
	Listen   string `yaml:"listen"`   // INFOPUNKT_LISTEN, default 127.0.0.1:8080
	Timezone string `yaml:"timezone"` // INFOPUNKT_TIMEZONE, default Europe/Warsaw

	TelegramToken         string `yaml:"-"`                    // INFOPUNKT_TELEGRAM_TOKEN (secret)
	TelegramAPIURL        string `yaml:"telegram_api_url"`     // INFOPUNKT_TELEGRAM_API_URL
	TelegramWebhookURL    string `yaml:"telegram_webhook_url"` // INFOPUNKT_TELEGRAM_WEBHOOK_URL
	TelegramWebhookSecret string `yaml:"-"`                    // INFOPUNKT_TELEGRAM_WEBHOOK_SECRET (secret)
	DeskChatID            string `yaml:"desk_chat_id"`         // INFOPUNKT_DESK_CHAT_ID
	// DeskConsultants optionally limits who may act in the staff group to
	// these Telegram user ids (comma-separated); empty = every member.
	DeskConsultants string `yaml:"desk_consultants"` // INFOPUNKT_DESK_CONSULTANTS
	// TelegramRate is the overall send rate in messages per second; 0 keeps
	// the default (27/s, about 90% of Telegram's 30/s). Raise it only with
	// paid broadcasts or a self-hosted Bot API server that allows more.
	TelegramRate int `yaml:"telegram_rate"` // INFOPUNKT_TELEGRAM_RATE

	ViberToken       string `yaml:"-"`                  // INFOPUNKT_VIBER_TOKEN (secret)
	ViberAPIURL      string `yaml:"viber_api_url"`      // INFOPUNKT_VIBER_API_URL
	ViberWebhookURL  string `yaml:"viber_webhook_url"`  // INFOPUNKT_VIBER_WEBHOOK_URL
	ViberReminderCap int    `yaml:"viber_reminder_cap"` // INFOPUNKT_VIBER_REMINDER_CAP: billed reminders per user per month

	// QuietHours is when no reminder goes out, local time, "21:00-08:00"
	// (the default when empty) or "off".
	QuietHours string `yaml:"quiet_hours"` // INFOPUNKT_QUIET_HOURS
	// PublicURL is where phones reach INFOPUNKT_LISTEN (calendar links);
	// default: the origin of a webhook URL, else http://<listen>.
	PublicURL string `yaml:"public_url"` // INFOPUNKT_PUBLIC_URL

	// MaxReviewAge is how old a reviewed date may be before validation warns.
	MaxReviewAge time.Duration `yaml:"max_review_age"` // INFOPUNKT_MAX_REVIEW_AGE, default 8760h
	// Retention is how long an inactive user's data is kept.
	Retention time.Duration `yaml:"retention"` // INFOPUNKT_RETENTION, default 8760h
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"` // INFOPUNKT_LOG_LEVEL, default info
	// LogFormat is text or json.
	LogFormat string `yaml:"log_format"` // INFOPUNKT_LOG_FORMAT, default text
	// LogFile receives the log in the local terminal chat, which otherwise
	// logs only warnings and errors so the conversation stays readable.
	LogFile string `yaml:"log_file"` // INFOPUNKT_LOG_FILE

	// AdminListen serves /metrics, /readyz, /backup, /compact and pprof;
	// "off" (or an empty INFOPUNKT_ADMIN_LISTEN) turns it off.
	AdminListen string `yaml:"admin_listen"` // INFOPUNKT_ADMIN_LISTEN, default 127.0.0.1:9090
	// AdminToken is the bearer token every admin request needs.
	AdminToken string `yaml:"-"` // INFOPUNKT_ADMIN_TOKEN (secret)
	// AdminOpenMetrics leaves /metrics, /readyz and /healthz on the admin
	// listener open without the token (for a scraper on a private network).
	AdminOpenMetrics bool `yaml:"admin_open_metrics"` // INFOPUNKT_ADMIN_OPEN_METRICS
	// ReadyOutboxAge is how old the oldest due outbox item may be before
	// /readyz reports the outbox stuck.
	ReadyOutboxAge time.Duration `yaml:"ready_outbox_age"` // INFOPUNKT_READY_OUTBOX_AGE, default 15m
	// CompactAfterPrune rewrites the data file after retention erased
	// someone, so their bytes leave the file's free pages at once.
	CompactAfterPrune bool `yaml:"compact_after_prune"` // INFOPUNKT_COMPACT_AFTER_PRUNE

	Pacing `yaml:",inline"` // send rates and shutdown budget (pacing.go)
}

// adminOff is the AdminListen value that turns the admin listener off.
const adminOff = "off"

func defaultConfig() Config {
	return Config{
		Data:         "./data/infopunkt.db",
		Listen:       "127.0.0.1:8080",
		Timezone:     "Europe/Warsaw",
		MaxReviewAge: 365 * 24 * time.Hour,
		Retention:    365 * 24 * time.Hour,
		LogLevel:     "info",
		LogFormat:    "text",

		AdminListen:    "127.0.0.1:9090",
		ReadyOutboxAge: 15 * time.Minute,
	}
}

// loadConfig reads the optional file named by INFOPUNKT_CONFIG, then applies
// the environment.
func loadConfig(getenv func(string) string) (Config, error) {
	cfg := defaultConfig()
	if path := getenv("INFOPUNKT_CONFIG"); path != "" {
		if err := readConfigFile(path, &cfg); err != nil {
			return cfg, err
		}
	}
	if err := applyEnv(&cfg, getenv); err != nil {
		return cfg, err
	}
	if err := applyPacing(&cfg, getenv); err != nil {
		return cfg, err
	}
	if cfg.AdminListen == "" {
		cfg.AdminListen = adminOff
	}
	if err := cfg.validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func readConfigFile(path string, cfg *Config) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config %s: %w (secrets such as tokens are read only from the environment)", path, err)
	}
	return nil
}

func applyEnv(cfg *Config, getenv func(string) string) error {
	strs := map[string]*string{
		"INFOPUNKT_DATA":                    &cfg.Data,
		"INFOPUNKT_CONTENT":                 &cfg.Content,
		"INFOPUNKT_LISTEN":                  &cfg.Listen,
		"INFOPUNKT_TIMEZONE":                &cfg.Timezone,
		"INFOPUNKT_TELEGRAM_TOKEN":          &cfg.TelegramToken,
		"INFOPUNKT_TELEGRAM_API_URL":        &cfg.TelegramAPIURL,
		"INFOPUNKT_TELEGRAM_WEBHOOK_URL":    &cfg.TelegramWebhookURL,
		"INFOPUNKT_TELEGRAM_WEBHOOK_SECRET": &cfg.TelegramWebhookSecret,
		"INFOPUNKT_DESK_CHAT_ID":            &cfg.DeskChatID,
		"INFOPUNKT_DESK_CONSULTANTS":        &cfg.DeskConsultants,
		"INFOPUNKT_VIBER_TOKEN":             &cfg.ViberToken,
		"INFOPUNKT_VIBER_API_URL":           &cfg.ViberAPIURL,
		"INFOPUNKT_VIBER_WEBHOOK_URL":       &cfg.ViberWebhookURL,
		"INFOPUNKT_LOG_LEVEL":               &cfg.LogLevel,
		"INFOPUNKT_QUIET_HOURS":             &cfg.QuietHours,
		"INFOPUNKT_PUBLIC_URL":              &cfg.PublicURL,
		"INFOPUNKT_LOG_FORMAT":              &cfg.LogFormat,
		"INFOPUNKT_LOG_FILE":                &cfg.LogFile,
		"INFOPUNKT_ADMIN_LISTEN":            &cfg.AdminListen,
		"INFOPUNKT_ADMIN_TOKEN":             &cfg.AdminToken,
	}
	for name, dst := range strs {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	durs := map[string]*time.Duration{
		"INFOPUNKT_MAX_REVIEW_AGE":   &cfg.MaxReviewAge,
		"INFOPUNKT_RETENTION":        &cfg.Retention,
		"INFOPUNKT_READY_OUTBOX_AGE": &cfg.ReadyOutboxAge,
	}
	for name, dst := range durs {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%s: want a duration such as 8760h or 15m, got %q", name, v)
			}
			*dst = d
		}
	}
	bools := map[string]*bool{
		"INFOPUNKT_ADMIN_OPEN_METRICS":  &cfg.AdminOpenMetrics,
		"INFOPUNKT_COMPACT_AFTER_PRUNE": &cfg.CompactAfterPrune,
	}
	for name, dst := range bools {
		if v := getenv(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%s: want 1 or 0 (true or false), got %q", name, v)
			}
			*dst = b
		}
	}
	ints := map[string]*int{"INFOPUNKT_VIBER_REMINDER_CAP": &cfg.ViberReminderCap, "INFOPUNKT_TELEGRAM_RATE": &cfg.TelegramRate}
	for name, dst := range ints {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return fmt.Errorf("%s: want a number >= 0, got %q", name, v)
			}
			*dst = n
		}
	}
	return nil
}
