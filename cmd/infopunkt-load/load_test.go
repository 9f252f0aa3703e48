package main

import (
	"context"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
)

func TestMain(m *testing.M) {
	if os.Getenv("INFOPUNKT_LOAD_STUB") == "1" {
		os.Exit(stubMain())
	}
	os.Exit(m.Run())
}

// stubDelay is the stub bot's reply delay the tests expect to measure.
const stubDelay = 40 * time.Millisecond

// TestMeasuresStubLatency drives the stub bot (this test binary, started
// as a real process) over Telegram's webhook and polling and over Viber:
// every update is answered, no latency can be below the stub's delay, the
// median stays near it, the generic presses hit the buttons asked for,
// and the process was measured. On Viber the stub refuses a callback
// whose signature is not the token's HMAC-SHA256 of the body, so an
// answer to every update shows they were signed as Viber signs them.
func TestMeasuresStubLatency(t *testing.T) {
	for name, flags := range map[string][]string{
		"webhook": {"-mode", "webhook"},
		"polling": {"-mode", "polling"},
		"viber":   {"-channel", "viber"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			const users = 20
			cfg, err := parseFlags(append(flags, "-cmd", os.Args[0], "-users", "20", "-walk", "/start; #2; [one]; hello",
				"-env", "INFOPUNKT_LOAD_STUB=1", "-env", "INFOPUNKT_LOAD_STUB_DELAY="+stubDelay.String(), "-timeout", "20s"), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			work := t.TempDir()
			targets, err := prepareTargets(t.Context(), cfg, work, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := drive(t.Context(), cfg, targets[0], work)
			if err != nil {
				t.Fatal(err)
			}
			if rep.updates != 4*users || len(rep.lat) != 4*users || rep.errors() != 0 {
				t.Fatalf("updates %d, replies %d, errors %d; want %d, %d, 0", rep.updates, len(rep.lat), rep.errors(), 4*users, 4*users)
			}
			if low := slices.Min(rep.lat); low < stubDelay {
				t.Errorf("a latency of %v is below the stub's delay %v", low, stubDelay)
			}
			if p50 := rep.percentile(500); p50 > stubDelay+time.Second {
				t.Errorf("p50 %v, want about %v", p50, stubDelay)
			}
			if rep.presses["d2"] != users || rep.presses["d1"] != users || len(rep.presses) != 2 {
				t.Errorf("presses %v, want d2 and d1 %d times each", rep.presses, users)
			}
			if rep.cpu <= 0 && rep.rss <= 0 {
				t.Errorf("process not measured: cpu %v rss %d", rep.cpu, rep.rss)
			}
		})
	}
}

// TestOpenLoopAndFlood checks the other two shapes against the stub: the
// open loop sends about rate × duration updates, and a flood is sent in
// full beside the walking users, whose replies are counted apart.
func TestOpenLoopAndFlood(t *testing.T) {
	t.Parallel()
	base := []string{"-cmd", os.Args[0], "-users", "10", "-walk", "/start; #1", "-env", "INFOPUNKT_LOAD_STUB=1", "-env", "INFOPUNKT_LOAD_STUB_DELAY=5ms"}
	for name, extra := range map[string][]string{
		"open":  {"-rate", "100", "-duration", "1s"},
		"flood": {"-flood", "50"},
	} {
		cfg, err := parseFlags(append(slices.Clone(base), extra...), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		work := t.TempDir()
		targets, err := prepareTargets(context.Background(), cfg, work, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := drive(t.Context(), cfg, targets[0], work)
		if err != nil {
			t.Fatal(err)
		}
		if rep.errors() != 0 || int64(len(rep.lat)) != rep.updates {
			t.Errorf("%s: errors %d, %d replies to %d updates", name, rep.errors(), len(rep.lat), rep.updates)
		}
		switch name {
		case "open":
			if n := rep.updates + rep.behind; n < 90 || n > 101 {
				t.Errorf("open loop: %d arrivals in 1s at 100/s", n)
			}
		case "flood":
			if rep.floodSent != 50 || rep.updates < 20 {
				t.Errorf("flood: %d flood messages sent, %d walking updates", rep.floodSent, rep.updates)
			}
		}
	}
}

func TestParseWalkAndResolve(t *testing.T) {
	steps, err := parseWalk(" /start ; #2;[Leg]; =n:x ; karta pobytu;")
	if err != nil {
		t.Fatal(err)
	}
	want := []step{{kind: typeText, arg: "/start"}, {kind: pressNth, n: 2}, {kind: pressLabel, arg: "Leg"},
		{kind: pressData, arg: "n:x"}, {kind: typeText, arg: "karta pobytu"}}
	if !slices.Equal(steps, want) {
		t.Fatalf("parseWalk = %v, want %v", steps, want)
	}
	kb := keyboard{msgID: 7, buttons: flatten([][]telegramtest.InlineButton{
		{{Text: "Legalisation", CallbackData: "n:legal"}, {Text: "Web", URL: "https://x"}}, {{Text: "X", CallbackData: "n:x"}}})}
	for _, tt := range []struct {
		s    step
		want string
	}{{want[1], "n:x"}, {want[2], "n:legal"}, {want[3], "n:x"}, {step{kind: pressNth, n: 1}, "n:legal"}} {
		if got, err := tt.s.resolve(kb); err != nil || got != tt.want {
			t.Errorf("%v.resolve = %q, %v; want %q", tt.s, got, err, tt.want)
		}
	}
	for _, s := range []step{{kind: pressNth, n: 3}, {kind: pressLabel, arg: "nope"}, {kind: pressData, arg: "n:legal-x"}} {
		if _, err := s.resolve(kb); err == nil {
			t.Errorf("%v resolved on %v", s, kb)
		}
	}
	if _, err := (step{kind: pressNth, n: 1}).resolve(keyboard{}); err == nil {
		t.Error("press without a keyboard resolved")
	}
	for _, bad := range []string{"", ";", "#0", "#x"} {
		if _, err := parseWalk(bad); err == nil {
			t.Errorf("parseWalk(%q) accepted", bad)
		}
	}
}

func TestPercentile(t *testing.T) {
	r := &report{}
	for i := 1000; i >= 1; i-- {
		r.lat = append(r.lat, time.Duration(i)*time.Millisecond)
	}
	for _, tt := range []struct {
		p    int
		want time.Duration
	}{{500, 500 * time.Millisecond}, {990, 990 * time.Millisecond}, {999, 999 * time.Millisecond}, {1000, time.Second}} {
		if got := r.percentile(tt.p); got != tt.want {
			t.Errorf("percentile(%d) = %v, want %v", tt.p, got, tt.want)
		}
	}
}

func TestViberFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"-channel", "viber"}, io.Discard)
	if err != nil || !cfg.viber || cfg.walk[1] != (step{kind: pressData, arg: "btn:a"}) {
		t.Errorf("-channel viber: %v, walk %v", err, cfg.walk)
	}
	if cfg, _ := parseFlags([]string{"-channel", "viber", "-walk", "hi"}, io.Discard); len(cfg.walk) != 1 {
		t.Errorf("-walk under -channel viber: %v", cfg.walk)
	}
	for _, bad := range [][]string{{"-channel", "viber", "-mode", "polling"}, {"-channel", "viber", "-peer", "x"}, {"-channel", "sms"}} {
		if _, err := parseFlags(bad, io.Discard); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
