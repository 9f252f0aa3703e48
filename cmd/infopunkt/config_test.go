package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
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
