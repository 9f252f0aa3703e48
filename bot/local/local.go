// Package local is the local channel: a terminal chat that talks to the real
// engine, store and outbox from standard input and output, with no tokens
// and no network. Each bot message is printed with its buttons numbered;
// typing a number presses a button, anything else is sent as text.
package local

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/faq"
)

// Handler processes an update durably and returns what it produced.
type Handler interface {
	Process(ctx context.Context, u bot.Update) (bot.Result, bool, error)
}

// Terminal renders replies to Out and reads input from In. It is the
// bot.Sender of the local channel: the outbox worker calls Send, and Run
// waits until every reply of a turn has been printed before prompting.
type Terminal struct {
	Out  io.Writer
	Chat bot.ChatKey
	// Wait bounds how long Run waits for a turn's replies. Default 10s.
	Wait time.Duration
	// Messages returns the UI strings of the content being served, for the
	// terminal's own notes (a number that is no button, a link to open).
	// Default: nil, English notes.
	Messages func() faq.Messages

	mu      sync.Mutex
	buttons []bot.Button // buttons of the latest reply, numbered from 1
	lang    faq.Lang     // the language of the latest reply
	printed chan struct{}
}

var _ bot.Sender = (*Terminal)(nil)

// NewTerminal returns a terminal chat for chat that writes to out.
func NewTerminal(out io.Writer, chat bot.ChatKey) *Terminal {
	return &Terminal{Out: out, Chat: chat, Wait: 10 * time.Second, printed: make(chan struct{}, 64)}
}

// Send prints r. It never fails: the terminal is always there.
func (t *Terminal) Send(_ context.Context, r bot.Reply) (bot.Receipt, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprint(t.Out, Render(r))
	t.buttons = flatten(r.Buttons)
	t.lang = r.Lang
	select {
	case t.printed <- struct{}{}:
	default:
	}
	return bot.Receipt{}, nil
}

// Render formats a reply as terminal text with numbered buttons.
func Render(r bot.Reply) string {
	var b strings.Builder
	b.WriteString("\n")
	if r.Title != "" {
		fmt.Fprintf(&b, "== %s ==\n", r.Title)
	}
	if r.Text != "" {
		b.WriteString(strings.TrimRight(r.Text, "\n"))
		b.WriteString("\n")
	}
	for _, l := range r.Links {
		fmt.Fprintf(&b, "  🔗 %s: %s\n", l.Label, l.URL)
	}
	n := 0
	for _, row := range r.Buttons {
		cells := make([]string, 0, len(row))
		for _, btn := range row {
			n++
			cell := fmt.Sprintf("[%d] %s", n, btn.Label)
			if btn.URL != "" {
				cell += " (" + btn.URL + ")"
			}
			cells = append(cells, cell)
		}
		b.WriteString("  " + strings.Join(cells, "   ") + "\n")
	}
	return b.String()
}

func flatten(rows [][]bot.Button) []bot.Button {
	var all []bot.Button
	for _, row := range rows {
		all = append(all, row...)
	}
	return all
}

// Run starts the conversation (as /start with lang as the language hint)
// and then reads lines from in until EOF or ctx is done.
func (t *Terminal) Run(ctx context.Context, h Handler, in io.Reader, lang string) error {
	if err := t.turn(ctx, h, bot.Update{Chat: t.Chat, Kind: bot.UpdateText, Text: "/start", LangHint: lang}); err != nil {
		return err
	}
	lines := make(chan string)
	go readLines(in, lines) // ends when in is closed; main exits after Run returns
	for {
		fmt.Fprint(t.Out, "> ")
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				fmt.Fprintln(t.Out)
				return nil
			}
			if err := t.input(ctx, h, line); err != nil {
				return err
			}
		}
	}
}

func readLines(in io.Reader, out chan<- string) {
	defer close(out)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		out <- sc.Text()
	}
}

// input turns a typed line into an update: a button number presses that
// button, anything else is text. A number that is no button is not sent:
// searching for "7" would only confuse.
func (t *Terminal) input(ctx context.Context, h Handler, line string) error {
	u := bot.Update{Chat: t.Chat, Kind: bot.UpdateText, Text: line}
	if n, err := strconv.Atoi(strings.TrimSpace(line)); err == nil {
		t.mu.Lock()
		btns, lang := t.buttons, t.lang
		t.mu.Unlock()
		if n < 1 || n > len(btns) {
			fmt.Fprintln(t.Out, strings.ReplaceAll(t.note("local_no_button", lang), "{n}", strconv.Itoa(n)))
			return nil
		}
		if btns[n-1].URL != "" {
			fmt.Fprintln(t.Out, strings.ReplaceAll(t.note("local_open_url", lang), "{url}", btns[n-1].URL))
			return nil
		}
		u = bot.Update{Chat: t.Chat, Kind: bot.UpdateButton, Data: btns[n-1].Data}
	}
	return t.turn(ctx, h, u)
}

// fallbackNotes are the terminal's notes when no content is attached.
var fallbackNotes = map[string]string{
	"local_no_button": "There is no button {n} here. Type the number of a button, or type your question in words.",
	"local_open_url":  "Open in a browser: {url}",
}

// note returns a terminal note in l from the content's messages.
func (t *Terminal) note(key string, l faq.Lang) string {
	if t.Messages != nil {
		if m := t.Messages(); m != nil {
			if s := m.Get(key, l); s != key {
				return s
			}
		}
	}
	return fallbackNotes[key]
}

// turn processes one update and waits until its replies are printed.
func (t *Terminal) turn(ctx context.Context, h Handler, u bot.Update) error {
	res, _, err := h.Process(ctx, u)
	if err != nil {
		return fmt.Errorf("terminal chat: %w", err)
	}
	timeout := time.NewTimer(t.Wait)
	defer timeout.Stop()
	for range res.Replies {
		select {
		case <-t.printed:
		case <-timeout.C:
			return errors.New("terminal chat: replies were not delivered in time")
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}
