package desk

import (
	"strings"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/faq"
)

var flags = [faq.NumLangs]string{"🇺🇦", "🇵🇱", "🇷🇺", "🇬🇧"}

// flag is the language's flag for cards and topic names (ru shows the
// language, not a country preference).
func flag(l faq.Lang) string {
	if l < faq.NumLangs {
		return flags[l]
	}
	return "🏳"
}

// label heads a relayed message in reply mode: "#12 · Client 7F3A".
func (t *turn) label(tk *Ticket) string {
	return "#" + num(tk.N) + " · " + t.staffMsg("desk_client", "id", tk.Pseudonym())
}

// topic is the title of the tree the user came from, in the staff language.
func (t *turn) topic(tk *Ticket) string {
	if t.c == nil {
		return ""
	}
	for i := len(tk.Path) - 1; i >= 0; i-- {
		if n := t.c.Node(tk.Path[i]); n != nil {
			for n.Parent != nil {
				n = n.Parent
			}
			return n.Title.In(t.desk().StaffLang)
		}
	}
	return ""
}

// topicName names a ticket's forum topic: number, flag, topic, pseudonym.
func (t *turn) topicName(tk *Ticket) string {
	parts := []string{"#" + num(tk.N), flag(tk.Lang)}
	if tp := t.topic(tk); tp != "" {
		parts = append(parts, tp)
	}
	return strings.Join(parts, " ") + " · " + t.staffMsg("desk_client", "id", tk.Pseudonym())
}

// card is the ticket card: what a consultant needs to pick it up, and
// never the user's name, phone or username.
func (t *turn) card(tk *Ticket) bot.Reply {
	path := t.pathTitles(tk)
	q := tk.Question
	if q == "" {
		q = t.staffMsg("desk_card_no_question")
	}
	text := t.staffMsg("desk_card",
		"ticket", num(tk.N), "client", t.staffMsg("desk_client", "id", tk.Pseudonym()),
		"flag", flag(tk.Lang), "lang", tk.Lang.String(), "channel", string(tk.Chat.Channel()),
		"path", path, "question", q, "opened", tk.Opened.In(t.desk().Location).Format("02.01 15:04"),
		"waiting", waited(t.in.Now.Sub(tk.WaitFrom)))
	if tk.Chat.Channel() == bot.Viber {
		text += "\n\n" + t.staffMsg("desk_card_viber")
	}
	if !t.desk().IsOpen(t.in.Now) {
		text += "\n" + t.staffMsg("desk_card_after_hours")
	}
	return bot.Reply{Text: text, Buttons: [][]bot.Button{{
		{Label: t.staffMsg("desk_btn_take"), Data: prefixButton + btnTake + ":" + num(tk.N)},
		{Label: t.staffMsg("desk_btn_close"), Data: prefixButton + btnClose + ":" + num(tk.N)},
	}}}
}

func (t *turn) pathTitles(tk *Ticket) string {
	var titles []string
	for _, id := range tk.Path {
		if id == "" || t.c == nil {
			continue
		}
		if n := t.c.Node(id); n != nil {
			titles = append(titles, n.Title.In(t.desk().StaffLang))
		}
	}
	if len(titles) == 0 {
		return t.staffMsg("desk_card_main_menu")
	}
	return strings.Join(titles, " › ")
}

// waited formats a waiting time compactly: "7 min", "3 h 05 min", "2 d 4 h".
func waited(d time.Duration) string {
	d = max(d, 0).Round(time.Minute)
	switch {
	case d < time.Hour:
		return num(int(d.Minutes())) + " min"
	case d < 24*time.Hour:
		return num(int(d.Hours())) + " h " + pad2(int(d.Minutes())%60) + " min"
	}
	return num(int(d.Hours())/24) + " d " + num(int(d.Hours())%24) + " h"
}

func pad2(n int) string {
	if n < 10 {
		return "0" + num(n)
	}
	return num(n)
}

func splitComma(s string) []string {
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}
