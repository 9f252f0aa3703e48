package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/outbox"
)

// Bounds of the pacing settings: beyond them a value is a typo, not a plan
// (no platform sends a million messages a second, nor paces over an hour).
const (
	maxRateN      = 1_000_000
	minRatePer    = 100 * time.Millisecond
	maxRatePer    = time.Hour
	maxStopGrace  = 5 * time.Minute
	defaultGrace  = 5 * time.Second
	rateSyntaxMsg = "want N (per second) or N/duration such as 3/3s or 18/1m, with 1 <= N <= 1000000 and 100ms <= duration <= 1h, or 0 for the default"
)

// Pacing holds the outbox's send rates and shutdown budget. Rates are
// "N" (per second) or "N/duration"; empty or "0" keeps the default.
type Pacing struct {
	// TelegramChatRate bounds sends into one Telegram chat; default 3/3s.
	TelegramChatRate string `yaml:"telegram_chat_rate"` // INFOPUNKT_TELEGRAM_CHAT_RATE
	// TelegramGroupRate bounds sends into one Telegram group; default 18/1m.
	TelegramGroupRate string `yaml:"telegram_group_rate"` // INFOPUNKT_TELEGRAM_GROUP_RATE
	// ViberRate bounds all Viber sends; default 300/10s.
	ViberRate string `yaml:"viber_rate"` // INFOPUNKT_VIBER_RATE
	// ShutdownGrace is how long sends in flight may finish on shutdown
	// before they are cancelled (and sent again after the restart).
	ShutdownGrace time.Duration `yaml:"shutdown_grace"` // INFOPUNKT_SHUTDOWN_GRACE, default 5s
}

// applyPacing reads the pacing variables over the file's values and
// checks them all, naming the variable of the first bad one.
func applyPacing(cfg *Config, getenv func(string) string) error {
	for name, dst := range map[string]*string{
		"INFOPUNKT_TELEGRAM_CHAT_RATE":  &cfg.TelegramChatRate,
		"INFOPUNKT_TELEGRAM_GROUP_RATE": &cfg.TelegramGroupRate,
		"INFOPUNKT_VIBER_RATE":          &cfg.ViberRate,
	} {
		if v := getenv(name); v != "" {
			*dst = v
		}
		if _, err := parseRate(*dst); err != nil {
			return fmt.Errorf("%s: %s; got %q", name, rateSyntaxMsg, *dst)
		}
	}
	if v := getenv("INFOPUNKT_SHUTDOWN_GRACE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > maxStopGrace {
			return fmt.Errorf("INFOPUNKT_SHUTDOWN_GRACE: want a duration from 0s to 5m, got %q", v)
		}
		cfg.ShutdownGrace = d
	}
	if cfg.ShutdownGrace < 0 || cfg.ShutdownGrace > maxStopGrace {
		return fmt.Errorf("INFOPUNKT_SHUTDOWN_GRACE: want a duration from 0s to 5m, got %v", cfg.ShutdownGrace)
	}
	if cfg.TelegramRate < 0 || cfg.TelegramRate > maxRateN {
		return fmt.Errorf("INFOPUNKT_TELEGRAM_RATE: want messages per second from 1 to 1000000, or 0 for the default, got %d", cfg.TelegramRate)
	}
	return nil
}

// parseRate reads "N" or "N/duration"; the zero Rate means the default.
func parseRate(s string) (outbox.Rate, error) {
	if s == "" || s == "0" {
		return outbox.Rate{}, nil
	}
	num, per, found := strings.Cut(s, "/")
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || n < 1 || n > maxRateN {
		return outbox.Rate{}, fmt.Errorf("bad count %q", num)
	}
	d := time.Second
	if found {
		if d, err = time.ParseDuration(strings.TrimSpace(per)); err != nil || d < minRatePer || d > maxRatePer {
			return outbox.Rate{}, fmt.Errorf("bad duration %q", per)
		}
	}
	return outbox.Rate{N: n, Per: d}, nil
}

// limits returns the outbox's per-channel limits: the defaults, with the
// configured rates where set. Values were checked by applyPacing.
func (s *service) limits() map[bot.Channel]outbox.Limits {
	tg := outbox.DefaultLimits(bot.Telegram)
	if s.cfg.TelegramRate > 0 {
		tg.Global = outbox.Rate{N: s.cfg.TelegramRate, Per: time.Second}
	}
	override(&tg.PerChat, s.cfg.TelegramChatRate)
	override(&tg.PerGroup, s.cfg.TelegramGroupRate)
	vb := outbox.DefaultLimits(bot.Viber)
	override(&vb.Global, s.cfg.ViberRate)
	return map[bot.Channel]outbox.Limits{bot.Telegram: tg, bot.Viber: vb}
}

func override(dst *outbox.Rate, setting string) {
	if r, err := parseRate(setting); err == nil && r != (outbox.Rate{}) {
		*dst = r
	}
}

// stopGrace is the outbox's shutdown budget.
func (c Config) stopGrace() time.Duration {
	if c.ShutdownGrace == 0 {
		return defaultGrace
	}
	return c.ShutdownGrace
}
