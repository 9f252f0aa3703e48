package store_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
)

// filled writes a data file with enough records to span many pages.
func filled(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data.db")
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		mustApply(t, db, bot.ChatKey(fmt.Sprintf("telegram:%d", i)), "", step("n", "some reply text", "", bot.Effect{Kind: bot.EffectRelay, Text: "typed text of a user"}))
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDamagedFileFailsWithoutPanic(t *testing.T) {
	cases := map[string]func(raw []byte) []byte{
		"truncated to half":   func(raw []byte) []byte { return raw[:len(raw)/2] },
		"truncated to 100 B":  func(raw []byte) []byte { return raw[:100] },
		"zeroed meta pages":   func(raw []byte) []byte { clear(raw[:8192]); return raw },
		"garbage in the data": func(raw []byte) []byte { garble(raw[len(raw)/3 : len(raw)/3+9000]); return raw },
		"not a data file":     func([]byte) []byte { return []byte("hello, this is a text file\n") },
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			path := filled(t)
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, damage(raw), 0o600); err != nil {
				t.Fatal(err)
			}
			db, err := store.Open(path, store.Options{NoSync: true})
			if err == nil {
				db.Close()
				t.Fatal("Open of a damaged file succeeded")
			}
			if !errors.Is(err, store.ErrCorrupt) {
				t.Errorf("error = %v, want ErrCorrupt", err)
			}
			t.Log(err)
		})
	}
}

func garble(b []byte) {
	for i := range b {
		b[i] = byte(i*7 + 13)
	}
}

// A large file gets only the structural checks at Open, so a big store
// starts fast; FullCheck (backup, restore, compact) still finds damage deep
// inside it.
func TestFullCheckAboveTheLimit(t *testing.T) {
	path := filled(t)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	garble(raw[len(raw)/3 : len(raw)/3+9000])
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	old := store.FullCheckLimit
	store.FullCheckLimit = int64(len(raw)) - 1
	t.Cleanup(func() { store.FullCheckLimit = old })

	if _, err := store.Open(path, store.Options{NoSync: true, FullCheck: true}); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("FullCheck: error = %v, want ErrCorrupt", err)
	}
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatalf("Open above the limit ran the full check: %v", err)
	}
	db.Close()
}
