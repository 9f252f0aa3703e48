package local_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/local"
	"github.com/infopunkt/infopunkt/faq"
)

// echo answers every update with one reply in Polish with two buttons, a
// node and a link, and records what it got.
type echo struct {
	term *local.Terminal
	got  []bot.Update
}

func (e *echo) Process(ctx context.Context, u bot.Update) (bot.Result, bool, error) {
	e.got = append(e.got, u)
	r := bot.Reply{Chat: u.Chat, Lang: faq.PL, Text: "Wybierz", Buttons: [][]bot.Button{
		{{Label: "Kaucja", Data: "n:housing-deposit"}},
		{{Label: "Strona", URL: "https://www.wroclaw.pl"}},
	}}
	go e.term.Send(ctx, r) // the outbox sends from another goroutine
	return bot.Result{Replies: []bot.Reply{r}}, true, nil
}

func TestTerminalNumbers(t *testing.T) {
	var out bytes.Buffer
	term := local.NewTerminal(&out, "local:terminal")
	term.Wait = 5 * time.Second
	term.Messages = func() faq.Messages {
		return faq.Messages{
			"local_no_button": {faq.PL: "Nie ma tu przycisku {n}."},
			"local_open_url":  {faq.PL: "Otwórz w przeglądarce: {url}"},
		}
	}
	h := &echo{term: term}
	if err := term.Run(context.Background(), h, strings.NewReader("7\n2\n1\n"), "pl"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Nie ma tu przycisku 7.") {
		t.Errorf("no note for a number that is no button:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "Otwórz w przeglądarce: https://www.wroclaw.pl") {
		t.Errorf("no translated note for a link button:\n%s", out.String())
	}
	// /start, then only "1" reaches the bot: "7" and the link do not.
	if len(h.got) != 2 || h.got[1].Kind != bot.UpdateButton || h.got[1].Data != "n:housing-deposit" {
		t.Errorf("updates %+v, want /start and the button press", h.got)
	}
}
