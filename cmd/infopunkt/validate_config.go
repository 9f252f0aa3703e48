package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// validate checks every setting and returns the first problem as one line
// that names the variable. Messages never quote a secret's value.
func (c Config) validate() error {
	checks := []func() error{
		func() error { return positive("INFOPUNKT_RETENTION", c.Retention) },
		func() error { return positive("INFOPUNKT_MAX_REVIEW_AGE", c.MaxReviewAge) },
		func() error { return positive("INFOPUNKT_READY_OUTBOX_AGE", c.ReadyOutboxAge) },
		func() error { return oneOf("INFOPUNKT_LOG_LEVEL", c.LogLevel, "debug", "info", "warn", "error") },
		func() error { return oneOf("INFOPUNKT_LOG_FORMAT", c.LogFormat, "text", "json") },
		func() error { return nonEmpty("INFOPUNKT_DATA", c.Data) },
		func() error { return hostPort("INFOPUNKT_LISTEN", c.Listen) },
		c.validateAdmin,
		func() error {
			if _, err := time.LoadLocation(c.Timezone); err != nil {
				return fmt.Errorf("INFOPUNKT_TIMEZONE: unknown time zone %q (use a name such as Europe/Warsaw)", c.Timezone)
			}
			return nil
		},
		func() error { return optionalURL("INFOPUNKT_TELEGRAM_API_URL", c.TelegramAPIURL) },
		func() error { return optionalURL("INFOPUNKT_TELEGRAM_WEBHOOK_URL", c.TelegramWebhookURL) },
		func() error { return optionalURL("INFOPUNKT_VIBER_API_URL", c.ViberAPIURL) },
		func() error { return optionalURL("INFOPUNKT_VIBER_WEBHOOK_URL", c.ViberWebhookURL) },
		c.validateTelegram,
		func() error {
			if c.ViberToken != "" && c.ViberWebhookURL == "" {
				return errors.New("INFOPUNKT_VIBER_WEBHOOK_URL is required with INFOPUNKT_VIBER_TOKEN: Viber only delivers by webhook")
			}
			return nil
		},
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (c Config) validateAdmin() error {
	if c.AdminListen == adminOff {
		return nil
	}
	if err := hostPort("INFOPUNKT_ADMIN_LISTEN", c.AdminListen); err != nil {
		return err
	}
	if c.AdminListen == c.Listen && !strings.HasSuffix(c.Listen, ":0") {
		return errors.New("INFOPUNKT_ADMIN_LISTEN: must differ from INFOPUNKT_LISTEN (admin paths never share the public listener)")
	}
	if c.AdminToken != "" && len(c.AdminToken) < 16 {
		return errors.New("INFOPUNKT_ADMIN_TOKEN: too short; use at least 16 random characters (e.g. openssl rand -hex 24)")
	}
	return nil
}

func (c Config) validateTelegram() error {
	if c.DeskChatID != "" {
		if _, err := strconv.ParseInt(c.DeskChatID, 10, 64); err != nil {
			return fmt.Errorf("INFOPUNKT_DESK_CHAT_ID: want a numeric Telegram chat id such as -1001234567890, got %q", c.DeskChatID)
		}
	}
	if s := c.TelegramWebhookSecret; s != "" {
		if len(s) > 256 || strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != "" {
			return errors.New("INFOPUNKT_TELEGRAM_WEBHOOK_SECRET: use 1-256 characters A-Z, a-z, 0-9, _ and -")
		}
	}
	if c.TelegramWebhookURL != "" && c.TelegramToken == "" {
		return errors.New("INFOPUNKT_TELEGRAM_WEBHOOK_URL is set but INFOPUNKT_TELEGRAM_TOKEN is not")
	}
	if t := c.TelegramToken; t != "" && (strings.ContainsAny(t, " \t\r\n/") || !strings.Contains(t, ":")) {
		return errors.New("INFOPUNKT_TELEGRAM_TOKEN: does not look like a bot token from @BotFather (digits, a colon, letters)")
	}
	return nil
}

func positive(name string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%s: must be a positive duration, got %s", name, d)
	}
	return nil
}

func oneOf(name, v string, allowed ...string) error {
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return nil
		}
	}
	return fmt.Errorf("%s: unknown value %q (use %s)", name, v, strings.Join(allowed, ", "))
}

func nonEmpty(name, v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("%s: must not be empty", name)
	}
	return nil
}

func hostPort(name, v string) error {
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		return fmt.Errorf("%s: want host:port such as 127.0.0.1:8080 or :8080, got %q", name, v)
	}
	return nil
}

// optionalURL accepts "" or an absolute http(s) URL. The URL is not
// echoed: a Bot API URL may carry a token.
func optionalURL(name, v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s: want an absolute http:// or https:// URL", name)
	}
	return nil
}
