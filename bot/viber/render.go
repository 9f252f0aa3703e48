package viber

import (
	"errors"
	"strings"

	"github.com/infopunkt/infopunkt/bot"
)

// Keyboard look: light backgrounds with the default dark text stay
// readable in Viber's light and dark themes.
const (
	keyboardBg = "#FFFFFF"
	buttonBg   = "#E8EEF7"
)

// errUnrenderable means a reply cannot fit Viber's limits even when split.
var errUnrenderable = errors.New("reply does not fit Viber's limits")

// replyText joins a reply's title, text and links into one plain text:
// Viber text messages have no markup to escape.
func replyText(r bot.Reply) string {
	var b strings.Builder
	add := func(s string) {
		if s == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(s)
	}
	add(strings.TrimSpace(r.Title))
	add(strings.TrimSpace(r.Text))
	var links []string
	for _, l := range r.Links {
		if l.URL == "" {
			continue
		}
		if l.Label == "" {
			links = append(links, l.URL)
		} else {
			links = append(links, l.Label+": "+l.URL)
		}
	}
	add(strings.Join(links, "\n"))
	return b.String()
}

// render turns r into one or more text messages without a receiver: the
// text split at 7000 characters on paragraph, line or word boundaries, the
// keyboard on the last part only. If a part's JSON would exceed 30 KB
// (text that escapes badly, a large keyboard), it splits finer.
func (a *Adapter) render(r bot.Reply) ([]Message, error) {
	text := replyText(r)
	if text == "" {
		text = "…" // Viber rejects empty text; a keyboard alone needs a carrier
	}
	kb := keyboard(r.Buttons)
	for limit := MaxTextLength; limit >= 500; limit = limit * 3 / 4 {
		if msgs, ok := a.renderParts(text, kb, limit); ok {
			return msgs, nil
		}
	}
	return nil, errUnrenderable
}

func (a *Adapter) renderParts(text string, kb *Keyboard, limit int) ([]Message, bool) {
	parts := bot.SplitText(text, limit)
	msgs := make([]Message, len(parts))
	for i, p := range parts {
		if TextLength(p) > MaxTextLength {
			return nil, false // many emoji: runes fit, UTF-16 does not
		}
		msgs[i] = Message{Type: TypeText, Sender: Sender{Name: a.cfg.SenderName}, Text: p}
	}
	if kb != nil {
		last := &msgs[len(msgs)-1]
		last.Keyboard, last.MinAPIVersion = kb, KeyboardAPIVersion
	}
	for i := range msgs {
		// Room for the receiver id, which Send adds.
		if b, err := marshal(msgs[i]); err != nil || len(b)+128 > MaxRequestSize {
			return nil, false
		}
	}
	return msgs, true
}

// keyboard lays out rows of buttons on Viber's six-column grid: one button
// per row takes the full width, two take three columns each, three take
// two; longer rows wrap into lines of at most three. Buttons with neither
// data nor URL are left out. nil when no button remains.
func keyboard(rows [][]bot.Button) *Keyboard {
	var buttons []Button
	for _, row := range rows {
		row = usable(row)
		lines := (len(row) + 2) / 3
		for len(row) > 0 {
			per := (len(row) + lines - 1) / lines
			for _, b := range row[:per] {
				buttons = append(buttons, button(b, 6/per))
			}
			row, lines = row[per:], lines-1
		}
	}
	if len(buttons) == 0 {
		return nil
	}
	return &Keyboard{Type: "keyboard", DefaultHeight: false, BgColor: keyboardBg, Buttons: buttons}
}

func usable(row []bot.Button) []bot.Button {
	out := make([]bot.Button, 0, len(row))
	for _, b := range row {
		if b.Data != "" || b.URL != "" {
			out = append(out, b)
		}
	}
	return out
}

func button(b bot.Button, columns int) Button {
	vb := Button{
		Columns:    columns,
		Rows:       1,
		Text:       escapeLabel(b.Label),
		TextSize:   "regular",
		TextVAlign: "middle",
		TextHAlign: "center",
		BgColor:    buttonBg,
	}
	if b.URL != "" {
		vb.ActionType, vb.ActionBody = ActionOpenURL, b.URL
	} else {
		// Silent keeps "btn:…" out of the chat; the press still arrives.
		vb.ActionType, vb.ActionBody, vb.Silent = ActionReply, ButtonPrefix+b.Data, true
	}
	return vb
}

var labelEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escapeLabel cuts a label to Viber's 250 characters and escapes it for the
// limited HTML Viber renders on buttons.
func escapeLabel(s string) string {
	if r := []rune(s); len(r) > MaxButtonText {
		s = string(r[:MaxButtonText-1]) + "…"
	}
	return labelEscaper.Replace(s)
}
