package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// updateJSON appends to b the update Telegram would POST for s: the bytes
// json.Marshal gives for the Bot API's Update with these fields, built by
// appending (the load generator builds one per update, and reflection
// would cost it more than the rest of the update's own work).
func (d *driver) updateJSON(b []byte, c *chat, s step, data string, msgID int) []byte {
	id := d.nextUpdate.Add(1)
	now := time.Now().Unix()
	b = append(b, `{"update_id":`...)
	b = strconv.AppendInt(b, id, 10)
	if s.isPress() {
		qid := "cq" + strconv.FormatInt(id, 10)
		d.tg.ExpectCallback(qid)
		b = append(b, `,"callback_query":{"id":"`...)
		b = append(b, qid...)
		b = append(b, `","from":`...)
		b = d.appendUser(b, c.id)
		b = append(b, `,"chat_instance":"`...)
		b = strconv.AppendInt(b, c.id*7, 10)
		b = append(b, `","data":`...)
		b = appendJSONString(b, data)
		b = append(b, `,"message":{"message_id":`...)
		b = strconv.AppendInt(b, int64(msgID), 10)
		b = append(b, `,"from":{"id":123456,"is_bot":true,"first_name":"Infopunkt Test","username":`...)
		b = appendJSONString(b, d.tg.BotUsername())
		b = append(b, '}')
		b = appendChatDate(b, c.id, now)
		return append(b, `,"text":"menu"}}}`...)
	}
	b = append(b, `,"message":{"message_id":`...)
	b = strconv.AppendInt(b, 1_000_000+c.nextMsg.Add(1), 10)
	b = append(b, `,"from":`...)
	b = d.appendUser(b, c.id)
	b = appendChatDate(b, c.id, now)
	b = append(b, `,"text":`...)
	b = appendJSONString(b, s.arg)
	if strings.HasPrefix(s.arg, "/") {
		cmd, _, _ := strings.Cut(s.arg, " ")
		b = append(b, `,"entities":[{"type":"bot_command","offset":0,"length":`...)
		b = strconv.AppendInt(b, int64(len(cmd)), 10)
		b = append(b, "}]"...)
	}
	return append(b, "}}"...)
}

// appendUser appends the user of private chat id.
func (d *driver) appendUser(b []byte, id int64) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"is_bot":false,"first_name":"User`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, '"')
	if d.cfg.lang != "" {
		b = append(b, `,"language_code":`...)
		b = appendJSONString(b, d.cfg.lang)
	}
	return append(b, '}')
}

// appendChatDate appends the chat and date fields of a message in private
// chat id.
func appendChatDate(b []byte, id, date int64) []byte {
	b = append(b, `,"chat":{"id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"type":"private","first_name":"User`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `"},"date":`...)
	return strconv.AppendInt(b, date, 10)
}

// appendJSONString appends s quoted as json.Marshal quotes it.
func appendJSONString(b []byte, s string) []byte {
	if !plainJSON(s) {
		q, _ := json.Marshal(s) // cannot fail for a string
		return append(b, q...)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// plainJSON reports whether json.Marshal would quote s without escaping
// anything in it.
func plainJSON(s string) bool {
	for _, r := range s {
		switch {
		case r < 0x20, r == '"', r == '\\', r == '<', r == '>', r == '&', r == '\u2028', r == '\u2029', r == utf8.RuneError:
			return false
		}
	}
	return true
}
