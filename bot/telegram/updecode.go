package telegram

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"unicode/utf8"
)

// A fast decoder of updates into rawUpdate, in one pass with the scanner.
// It handles what Telegram sends: lowercase keys, each once, values of the
// expected types; a string with escapes or invalid UTF-8 is unquoted by
// encoding/json alone. Anything else (a key in another case or escaped, a
// repeated key, a type mismatch, bad syntax) is left to encoding/json for
// the whole update, whose result is then the answer, so the two never
// differ (FuzzDecodeUpdate checks this).

// errSlow means the fast decoder leaves the input to encoding/json.
var errSlow = errors.New("left to encoding/json")

// decodeUpdate parses one update. It fails only on JSON that is not an
// update object; unknown fields are ignored.
func decodeUpdate(b []byte) (rawUpdate, error) {
	var u rawUpdate
	if fastUpdate(b, &u) == nil {
		return u, nil
	}
	u = rawUpdate{}
	err := json.Unmarshal(b, &u)
	return u, err
}

func fastUpdate(b []byte, u *rawUpdate) error {
	d := &udec{scanner{b: b}}
	err := d.obj(1, updateKeys, func(i int) error {
		switch i {
		case 0:
			return d.int64(&u.UpdateID)
		case 1:
			return ptr(d, 2, &u.Message, (*udec).message)
		case 2:
			return ptr(d, 2, &u.CallbackQuery, (*udec).callback)
		}
		return ptr(d, 2, &u.MyChatMember, (*udec).member)
	})
	if err == nil && !d.atEnd() {
		return errSlow
	}
	return err
}

// The keys each decoder reads, in the order of its field numbers.
var (
	updateKeys   = []string{"update_id", "message", "callback_query", "my_chat_member"}
	messageKeys  = []string{"message_id", "message_thread_id", "is_topic_message", "from", "chat", "date", "text", "caption", "reply_to_message", "photo", "document", "audio", "voice", "video", "video_note", "sticker", "location"}
	userKeys     = []string{"id", "is_bot", "language_code"}
	chatKeys     = []string{"id", "type"}
	replyKeys    = []string{"message_id", "forum_topic_created"}
	locationKeys = []string{"latitude", "longitude"}
	callbackKeys = []string{"id", "from", "message", "data"}
	memberKeys   = []string{"chat", "from", "date", "new_chat_member"}
	fileKeys     = []string{"file_id", "file_name", "mime_type", "file_size"}
	stickerKeys  = append(fileKeys[:len(fileKeys):len(fileKeys)], "is_animated", "is_video")
	statusKeys   = []string{"status"}
)

type udec struct{ scanner }

// obj decodes the object at d.i: a key's field number is its index in
// keys (others are skipped), and field decodes that field's value.
func (d *udec) obj(depth int, keys []string, field func(i int) error) error {
	if d.next() != '{' {
		return errSlow
	}
	var seen uint64
	return d.object(depth, func(key []byte) error {
		if !plainKey(key) {
			return errSlow
		}
		i := slices.IndexFunc(keys, func(k string) bool { return k == string(key) })
		if i < 0 {
			return d.value(depth)
		}
		if seen&(1<<i) != 0 {
			return errSlow
		}
		seen |= 1 << i
		return field(i)
	})
}

// plainKey reports whether encoding/json could match key only to a field
// of that exact name: lowercase ASCII, digits and '_' (what Telegram uses).
func plainKey(k []byte) bool {
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// ptr decodes an object into a new *T with dec; null leaves p nil, as with
// encoding/json.
func ptr[T any](d *udec, depth int, p **T, dec func(*udec, int, *T) error) error {
	if d.null() {
		return nil
	}
	v := new(T)
	*p = v
	return dec(d, depth, v)
}

// null consumes a null.
func (d *udec) null() bool {
	if d.next() != 'n' {
		return false
	}
	return d.literal("null") == nil
}

func (d *udec) int64(v *int64) error {
	if d.null() {
		return nil
	}
	if c := d.next(); c != '-' && (c < '0' || c > '9') {
		return errSlow
	}
	start := d.i
	if err := d.number(); err != nil {
		return errSlow
	}
	n, ok := int64Of(d.b[start:d.i])
	if !ok {
		return errSlow
	}
	*v = n
	return nil
}

func (d *udec) float(v *float64) error {
	if d.null() {
		return nil
	}
	if c := d.next(); c != '-' && (c < '0' || c > '9') {
		return errSlow
	}
	start := d.i
	if err := d.number(); err != nil {
		return errSlow
	}
	f, err := strconv.ParseFloat(string(d.b[start:d.i]), 64)
	if err != nil {
		return errSlow
	}
	*v = f
	return nil
}

func (d *udec) bool(v *bool) error {
	switch d.next() {
	case 't':
		*v = true
		return d.literal("true")
	case 'f':
		*v = false
		return d.literal("false")
	case 'n':
		return d.literal("null")
	}
	return errSlow
}

func (d *udec) str(v *string) error {
	if d.null() {
		return nil
	}
	if d.next() != '"' {
		return errSlow
	}
	start := d.i
	raw, esc, err := d.scanner.str()
	switch {
	case err != nil:
		return errSlow
	case esc || !utf8.Valid(raw):
		// Newlines, quotes and Telegram's "\/" are common: encoding/json
		// unquotes just this string, by its own rules.
		if json.Unmarshal(d.b[start:d.i], v) != nil {
			return errSlow
		}
		return nil
	}
	*v = string(raw)
	return nil
}

// raw keeps the value's text, as json.RawMessage does (null included).
func (d *udec) raw(depth int, v *json.RawMessage) error {
	b, err := d.span(depth)
	if err != nil {
		return errSlow
	}
	*v = append(json.RawMessage(nil), b...)
	return nil
}

func (d *udec) message(depth int, m *rawMessage) error {
	return d.obj(depth, messageKeys, func(i int) error {
		switch i {
		case 0:
			return d.int64(&m.MessageID)
		case 1:
			return d.int64(&m.ThreadID)
		case 2:
			return d.bool(&m.IsTopic)
		case 3:
			return ptr(d, depth+1, &m.From, (*udec).user)
		case 4:
			return d.chat(depth+1, &m.Chat)
		case 5:
			return d.int64(&m.Date)
		case 6:
			return d.str(&m.Text)
		case 7:
			return d.str(&m.Caption)
		case 8:
			return ptr(d, depth+1, &m.ReplyTo, (*udec).reply)
		case 9:
			return d.files(depth+1, &m.Photo)
		case 10:
			return ptr(d, depth+1, &m.Document, (*udec).file)
		case 11:
			return ptr(d, depth+1, &m.Audio, (*udec).file)
		case 12:
			return ptr(d, depth+1, &m.Voice, (*udec).file)
		case 13:
			return ptr(d, depth+1, &m.Video, (*udec).file)
		case 14:
			return ptr(d, depth+1, &m.VideoNote, (*udec).file)
		case 15:
			return ptr(d, depth+1, &m.Sticker, (*udec).sticker)
		}
		return ptr(d, depth+1, &m.Location, (*udec).location)
	})
}

func (d *udec) user(depth int, u *rawUser) error {
	return d.obj(depth, userKeys, func(i int) error {
		switch i {
		case 0:
			return d.int64(&u.ID)
		case 1:
			return d.bool(&u.IsBot)
		}
		return d.str(&u.LanguageCode)
	})
}

// chat decodes a rawChat held by value: null leaves it as it is.
func (d *udec) chat(depth int, c *rawChat) error {
	if d.null() {
		return nil
	}
	return d.obj(depth, chatKeys, func(i int) error {
		if i == 0 {
			return d.int64(&c.ID)
		}
		return d.str(&c.Type)
	})
}

func (d *udec) reply(depth int, r *rawReply) error {
	return d.obj(depth, replyKeys, func(i int) error {
		if i == 0 {
			return d.int64(&r.MessageID)
		}
		return d.raw(depth, &r.TopicCreated)
	})
}

// fileField decodes the rawFile member numbered i in fileKeys.
func (d *udec) fileField(f *rawFile, i int) error {
	switch i {
	case 0:
		return d.str(&f.FileID)
	case 1:
		return d.str(&f.FileName)
	case 2:
		return d.str(&f.MIMEType)
	}
	return d.int64(&f.FileSize)
}

func (d *udec) file(depth int, f *rawFile) error {
	return d.obj(depth, fileKeys, func(i int) error { return d.fileField(f, i) })
}

func (d *udec) sticker(depth int, s *rawSticker) error {
	return d.obj(depth, stickerKeys, func(i int) error {
		switch i {
		case 4:
			return d.bool(&s.IsAnimated)
		case 5:
			return d.bool(&s.IsVideo)
		}
		return d.fileField(&s.rawFile, i)
	})
}

func (d *udec) location(depth int, l *rawLocation) error {
	return d.obj(depth, locationKeys, func(i int) error {
		if i == 0 {
			return d.float(&l.Latitude)
		}
		return d.float(&l.Longitude)
	})
}

// files decodes an array of files; [] is an empty, non-nil slice as with
// encoding/json.
func (d *udec) files(depth int, fs *[]rawFile) error {
	if d.null() {
		*fs = nil
		return nil
	}
	if d.next() != '[' {
		return errSlow
	}
	out := []rawFile{}
	err := d.array(depth, func() error {
		out = append(out, rawFile{})
		return d.file(depth+1, &out[len(out)-1])
	})
	*fs = out
	return err
}

func (d *udec) callback(depth int, c *rawCallback) error {
	return d.obj(depth, callbackKeys, func(i int) error {
		switch i {
		case 0:
			return d.str(&c.ID)
		case 1:
			return ptr(d, depth+1, &c.From, (*udec).user)
		case 2:
			return ptr(d, depth+1, &c.Message, (*udec).message)
		}
		return d.str(&c.Data)
	})
}

func (d *udec) member(depth int, m *rawMember) error {
	return d.obj(depth, memberKeys, func(i int) error {
		switch i {
		case 0:
			return d.chat(depth+1, &m.Chat)
		case 1:
			return ptr(d, depth+1, &m.From, (*udec).user)
		case 2:
			return d.int64(&m.Date)
		}
		if d.null() {
			return nil
		}
		return d.obj(depth+1, statusKeys, func(int) error { return d.str(&m.NewChatMember.Status) })
	})
}
