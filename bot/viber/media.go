package viber

import (
	"errors"
	"net/url"
	"path"
	"strings"

	"github.com/infopunkt/infopunkt/bot"
)

// Errors of replies with media.
var (
	// errCopy: Viber cannot copy a message; the desk must send Media
	// (with a URL) and Text instead.
	errCopy = errors.New("viber cannot copy messages: send Media and Text instead")
	// errNoMediaURL: Viber fetches media by URL only.
	errNoMediaURL = errors.New("viber media needs a URL")
)

// MarshalJSON writes a picture's text even when it is empty: Viber
// requires the field ("can be an empty string").
func (m Message) MarshalJSON() ([]byte, error) {
	type plain Message
	if m.Type != TypePicture {
		return marshal(plain(m))
	}
	return marshal(struct {
		plain
		Text string `json:"text"`
	}{plain(m), m.Text})
}

// renderMedia turns a reply with Media into messages: the media message
// first (a picture carries the text as its description when it fits), then
// the text in text messages, the keyboard on the last. Media Viber cannot
// show inline go as a file, or as a link when even a file message is
// impossible (unknown size, over 50 MB).
func (a *Adapter) renderMedia(r bot.Reply) ([]Message, error) {
	m := r.Media
	text := replyText(r)
	sender := Sender{Name: a.cfg.SenderName}
	var first Message
	if m.Kind == bot.MediaLocation {
		first = Message{Type: TypeLocation, Sender: sender, Location: &Location{Lat: m.Lat, Lon: m.Lon}}
	} else {
		if !webURL(m.URL) {
			return nil, errNoMediaURL
		}
		first = mediaMessage(*m, sender)
		if first.Type == TypePicture && text != "" && TextLength(text) <= MaxPictureText {
			first.Text, text = text, ""
		}
	}
	msgs := []Message{first}
	if text != "" {
		rest, err := a.render(bot.Reply{Text: text, Buttons: r.Buttons})
		if err != nil {
			return nil, err
		}
		return append(msgs, rest...), nil
	}
	if kb := keyboard(r.Buttons); kb != nil {
		msgs[0].Keyboard, msgs[0].MinAPIVersion = kb, KeyboardAPIVersion
	}
	if b, err := marshal(msgs[0]); err != nil || len(b)+128 > MaxRequestSize {
		return nil, errUnrenderable
	}
	return msgs, nil
}

// mediaMessage picks the message type for a file at m.URL: a picture
// (JPEG, PNG or GIF up to 1 MB), a video (MP4 up to 26 MB, size known), a
// file (size known, up to 50 MB), or else a link.
func mediaMessage(m bot.Media, sender Sender) Message {
	ext := strings.ToLower(path.Ext(urlPath(m.URL)))
	switch {
	case m.Kind == bot.MediaPhoto && m.Size <= MaxPictureSize && (ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".gif"):
		return Message{Type: TypePicture, Sender: sender, Media: m.URL}
	case m.Kind == bot.MediaVideo && m.Size > 0 && m.Size <= MaxVideoSize && ext == ".mp4":
		return Message{Type: TypeVideo, Sender: sender, Media: m.URL, Size: m.Size}
	case m.Size > 0 && m.Size <= MaxFileSize:
		return Message{Type: TypeFile, Sender: sender, Media: m.URL, Size: m.Size, FileName: fileName(m)}
	}
	return Message{Type: TypeURL, Sender: sender, Media: m.URL}
}

// fileName is the file_name of a file message: the media's name, else
// the URL's last segment, cut to 256 characters keeping the extension.
func fileName(m bot.Media) string {
	name := strings.TrimSpace(m.Name)
	if name == "" {
		name = path.Base(urlPath(m.URL))
	}
	if name == "" || name == "." || name == "/" {
		name = "file"
	}
	if r := []rune(name); len(r) > MaxFileName {
		ext := []rune(path.Ext(name))
		if len(ext) > 16 {
			ext = nil
		}
		name = string(r[:MaxFileName-len(ext)]) + string(ext)
	}
	return name
}

func urlPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Path
}
