package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
)

// The Bot API's Update as encoding/json writes it: what updateJSON must
// give byte for byte.
type (
	wireUser struct {
		ID        int64  `json:"id"`
		IsBot     bool   `json:"is_bot"`
		FirstName string `json:"first_name"`
		Username  string `json:"username,omitempty"`
		Lang      string `json:"language_code,omitempty"`
	}
	wireChat struct {
		ID        int64  `json:"id"`
		Type      string `json:"type"`
		FirstName string `json:"first_name"`
	}
	wireEntity struct {
		Type   string `json:"type"`
		Offset int    `json:"offset"`
		Length int    `json:"length"`
	}
	wireMessage struct {
		MessageID int64        `json:"message_id"`
		From      wireUser     `json:"from"`
		Chat      wireChat     `json:"chat"`
		Date      int64        `json:"date"`
		Text      string       `json:"text"`
		Entities  []wireEntity `json:"entities,omitempty"`
	}
	wireCallback struct {
		ID           string      `json:"id"`
		From         wireUser    `json:"from"`
		ChatInstance string      `json:"chat_instance"`
		Data         string      `json:"data"`
		Message      wireMessage `json:"message"`
	}
	wireUpdate struct {
		UpdateID      int64         `json:"update_id"`
		Message       *wireMessage  `json:"message,omitempty"`
		CallbackQuery *wireCallback `json:"callback_query,omitempty"`
	}
)

func TestUpdateJSONIsWhatEncodingJSONWrites(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{DiscardCalls: true})
	for _, lang := range []string{"en", ""} {
		d := &driver{cfg: config{lang: lang}, tg: fake}
		c := &chat{id: 100042}
		for i, s := range []step{{kind: typeText, arg: "/start"}, {kind: typeText, arg: "karta pobytu"},
			{kind: typeText, arg: `<b>"Ä" & \ 	 ` + "\u2028\xff"}, {kind: typeText, arg: "/help me"},
			{kind: pressData, arg: "n:legal"}, {kind: pressNth, n: 1}} {
			data := "n:<x>&" + strconv.Itoa(i)
			before := time.Now().Unix()
			got := d.updateJSON(nil, c, s, data, 77)
			var back struct {
				Message *struct{ Date int64 } `json:"message"`
				CQ      *struct {
					Message struct{ Date int64 } `json:"message"`
				} `json:"callback_query"`
			}
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatalf("%s: %v", got, err)
			}
			date := time.Now().Unix()
			if back.Message != nil {
				date = back.Message.Date
			} else if back.CQ != nil {
				date = back.CQ.Message.Date
			}
			if date < before || date > time.Now().Unix() {
				t.Fatalf("%s: date %d", got, date)
			}
			want := wantUpdate(d, c, s, data, 77, date)
			if string(got) != want {
				t.Errorf("updateJSON\n got %s\nwant %s", got, want)
			}
		}
	}
}

// wantUpdate is the update of the last updateJSON call, by encoding/json.
func wantUpdate(d *driver, c *chat, s step, data string, msgID int, date int64) string {
	id := d.nextUpdate.Load()
	name := "User" + strconv.FormatInt(c.id, 10)
	from := wireUser{ID: c.id, FirstName: name, Lang: d.cfg.lang}
	wc := wireChat{ID: c.id, Type: "private", FirstName: name}
	u := wireUpdate{UpdateID: id}
	if s.isPress() {
		bot := wireUser{ID: 123456, IsBot: true, FirstName: "Infopunkt Test", Username: d.tg.BotUsername()}
		u.CallbackQuery = &wireCallback{ID: "cq" + strconv.FormatInt(id, 10), From: from, ChatInstance: strconv.FormatInt(c.id*7, 10), Data: data,
			Message: wireMessage{MessageID: int64(msgID), From: bot, Chat: wc, Date: date, Text: "menu"}}
	} else {
		m := &wireMessage{MessageID: 1_000_000 + c.nextMsg.Load(), From: from, Chat: wc, Date: date, Text: s.arg}
		if strings.HasPrefix(s.arg, "/") {
			cmd, _, _ := strings.Cut(s.arg, " ")
			m.Entities = []wireEntity{{Type: "bot_command", Length: len(cmd)}}
		}
		u.Message = m
	}
	b, _ := json.Marshal(u)
	return string(b)
}
