package main

import (
	"runtime/debug"
	"testing"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/faq"
)

func TestTuneGC(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)

	tuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != defaultGCPercent {
		t.Errorf("GOGC unset: GC percent %d, want %d", got, defaultGCPercent)
	}
	tuneGC(func(name string) string {
		if name == "GOGC" {
			return "50"
		}
		return ""
	})
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC set: GC percent changed to %d; the operator's setting must win", got)
	}
}

func TestFloodNoticeFollowsContent(t *testing.T) {
	c := testContent(t)
	e := bot.NewEngine(c)
	notice := floodNotice(e)
	for _, l := range faq.Langs {
		if got, want := notice(l), c.Messages.Get("flood_notice", l); got == "" || got != want {
			t.Errorf("%s: notice %q, want the content's %q", l, got, want)
		}
	}
	if notice(faq.UK) == notice(faq.EN) {
		t.Error("the notice is not in the chat's language")
	}
}
