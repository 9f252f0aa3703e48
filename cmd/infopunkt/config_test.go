package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/outbox"
)

func TestConfigFileThenEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "infopunkt.yaml")
	writeFile(t, path, "listen: 0.0.0.0:9000\ndata: /srv/a.db\nretention: 720h\ntelegram_rate: 20\n")
	cfg, err := loadConfig(mapEnv(map[string]string{
		"INFOPUNKT_CONFIG":         path,
		"INFOPUNKT_DATA":           "/srv/b.db",
		"INFOPUNKT_TELEGRAM_TOKEN": "123:abc",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "0.0.0.0:9000" || cfg.Data != "/srv/b.db" || cfg.Retention != 720*time.Hour ||
		cfg.TelegramRate != 20 || cfg.TelegramToken != "123:abc" || cfg.Timezone != "Europe/Warsaw" {
		t.Fatalf("unexpected config: %+v", cfg)
	}
}

// TestConfigFileRefusesSecrets: tokens come only from the environment, so a
// config file that names one is an error, not silently ignored.
func TestConfigFileRefusesSecrets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "infopunkt.yaml")
	writeFile(t, path, "telegram_token: 123:abc\n")
	_, err := loadConfig(mapEnv(map[string]string{"INFOPUNKT_CONFIG": path}))
	if err == nil || !strings.Contains(err.Error(), "only from the environment") {
		t.Fatalf("err = %v, want a refusal that explains secrets come from the environment", err)
	}
}

func TestConfigRejectsBadValues(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"duration": {"INFOPUNKT_RETENTION": "a year"},
		"number":   {"INFOPUNKT_TELEGRAM_RATE": "-3"},
	} {
		if _, err := loadConfig(mapEnv(env)); err == nil {
			t.Errorf("%s: a bad value was accepted", name)
		}
	}
}

func mapEnv(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestPacingSettings(t *testing.T) {
	cfg, err := loadConfig(mapEnv(map[string]string{
		"INFOPUNKT_TELEGRAM_RATE":       "1000000",
		"INFOPUNKT_TELEGRAM_CHAT_RATE":  "100/1s",
		"INFOPUNKT_TELEGRAM_GROUP_RATE": "40",
		"INFOPUNKT_SHUTDOWN_GRACE":      "2s",
	}))
	if err != nil {
		t.Fatal(err)
	}
	l := (&service{cfg: cfg}).limits()
	tg, vb := l[bot.Telegram], l[bot.Viber]
	if tg.Global != (outbox.Rate{N: 1_000_000, Per: time.Second}) || tg.PerChat != (outbox.Rate{N: 100, Per: time.Second}) ||
		tg.PerGroup != (outbox.Rate{N: 40, Per: time.Second}) || tg.IsGroup == nil {
		t.Errorf("telegram limits %+v", tg)
	}
	if vb.Global != outbox.DefaultLimits(bot.Viber).Global {
		t.Errorf("viber's default changed: %+v", vb.Global)
	}
	if cfg.stopGrace() != 2*time.Second {
		t.Errorf("grace %v", cfg.stopGrace())
	}
	def, err := loadConfig(mapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if l := (&service{cfg: def}).limits(); l[bot.Telegram].PerChat != outbox.DefaultLimits(bot.Telegram).PerChat ||
		l[bot.Telegram].Global != outbox.DefaultLimits(bot.Telegram).Global || def.stopGrace() != 5*time.Second {
		t.Errorf("defaults changed: %+v, grace %v", l, def.stopGrace())
	}
}

func TestPacingSettingsRejected(t *testing.T) {
	for name, env := range map[string][2]string{
		"rate too high":    {"INFOPUNKT_TELEGRAM_RATE", "1000000000"},
		"chat rate syntax": {"INFOPUNKT_TELEGRAM_CHAT_RATE", "fast"},
		"chat rate per":    {"INFOPUNKT_TELEGRAM_CHAT_RATE", "3/1ns"},
		"group rate count": {"INFOPUNKT_TELEGRAM_GROUP_RATE", "-1/1m"},
		"viber too high":   {"INFOPUNKT_VIBER_RATE", "2000000/10s"},
		"grace too long":   {"INFOPUNKT_SHUTDOWN_GRACE", "1h"},
	} {
		_, err := loadConfig(mapEnv(map[string]string{env[0]: env[1]}))
		if err == nil || !strings.HasPrefix(err.Error(), env[0]+":") || strings.Count(err.Error(), "\n") > 0 {
			t.Errorf("%s: err = %v, want one line naming %s", name, err, env[0])
		}
	}
}
