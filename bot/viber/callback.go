package viber

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// ButtonPrefix starts the ActionBody of every reply button. Viber sends a
// button press back as an ordinary text message whose text is the
// ActionBody, so the prefix is how a press is told from typing.
const ButtonPrefix = "btn:"

// callback is the union of the callback bodies Viber POSTs to the webhook.
type callback struct {
	Event        string       `json:"event"`
	Timestamp    int64        `json:"timestamp"` // Unix milliseconds
	MessageToken messageToken `json:"message_token"`
	UserID       string       `json:"user_id"` // unsubscribed, delivered, seen, failed
	User         *user        `json:"user"`    // conversation_started, subscribed
	Sender       *user        `json:"sender"`  // message
	Message      *message     `json:"message"` // message
	Desc         string       `json:"desc"`    // failed
	Context      string       `json:"context"` // conversation_started: the deep-link payload

	bodyHash string // of the signed body, the dedupe key when there is no token
}

type user struct {
	ID       string `json:"id"`
	Language string `json:"language"`
	// name, avatar and country are deliberately not decoded.
}

type message struct {
	Type         string `json:"type"`
	Text         string `json:"text"`
	TrackingData string `json:"tracking_data"`
	mediaFields         // picture, video, file, location, sticker: inmedia.go
}

// messageToken is a uint64 that may arrive as a JSON number (the usual
// case; it exceeds 2^53, so it must not pass through float64) or a string.
type messageToken uint64

func (t *messageToken) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if len(b) == 0 || string(b) == "null" {
		*t = 0
		return nil
	}
	v, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return err
	}
	*t = messageToken(v)
	return nil
}

// dedupKey is the update's DedupKey: the message token, or for a callback
// without one a hash of its signed body, so that a replay inside the
// window is still applied once.
func (c *callback) dedupKey() string {
	if c.MessageToken == 0 {
		return "vb:h:" + c.bodyHash
	}
	return "vb:" + strconv.FormatUint(uint64(c.MessageToken), 10)
}

func (c *callback) time() time.Time { return time.UnixMilli(c.Timestamp).UTC() }

// userID returns the user the callback is about, wherever the event puts it.
func (c *callback) userID() string {
	switch {
	case c.Sender != nil && c.Sender.ID != "":
		return c.Sender.ID
	case c.User != nil && c.User.ID != "":
		return c.User.ID
	}
	return c.UserID
}

func (c *callback) language() string {
	switch {
	case c.Sender != nil:
		return c.Sender.Language
	case c.User != nil:
		return c.User.Language
	}
	return ""
}

func parseCallback(body []byte) (*callback, error) {
	var c callback
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, err
	}
	if c.MessageToken == 0 {
		sum := sha256.Sum256(body)
		c.bodyHash = hex.EncodeToString(sum[:16])
	}
	return &c, nil
}

// buttonData returns the payload of a button press, if text is one.
func buttonData(text string) (string, bool) {
	return strings.CutPrefix(text, ButtonPrefix)
}
