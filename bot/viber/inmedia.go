package viber

import (
	"bytes"
	"math"
	"mime"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/infopunkt/infopunkt/bot"
)

// mediaFields are the parts of a callback message that carry media.
// Viber's media URLs are temporary: relay them soon.
type mediaFields struct {
	Media     string    `json:"media"`     // picture, video, file, sticker, url: a URL
	Thumbnail string    `json:"thumbnail"` // picture, video
	FileName  string    `json:"file_name"` // file
	FileSize  lenient   `json:"file_size"` // file, video, picture: bytes
	Size      lenient   `json:"size"`      // some clients send size instead
	StickerID lenient   `json:"sticker_id"`
	Location  *cbPlace  `json:"location"`
	Contact   *struct{} `json:"contact"` // decoded only to be dropped: it holds a phone number
	Duration  lenient   `json:"duration"`
}

type cbPlace struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// lenient is a JSON number that never fails decoding: a missing, string,
// fractional or absurd value becomes 0 rather than losing the message.
type lenient int64

func (n *lenient) UnmarshalJSON(b []byte) error {
	v, err := strconv.ParseFloat(string(bytes.Trim(b, `"`)), 64)
	if err != nil || v < 0 || v > math.MaxInt32*1024.0 || math.IsNaN(v) {
		*n = 0
		return nil
	}
	*n = lenient(v)
	return nil
}

// mediaUpdate maps a message that is not text. A picture's description
// is its Text. A shared link ("url") becomes text; a contact becomes
// empty text and its phone number is not kept. Viber media carry a URL,
// never a FileID, so other platforms fetch them by URL.
func mediaUpdate(m *message) bot.Update {
	u := bot.Update{Kind: bot.UpdateText}
	size := int64(max(m.FileSize, m.Size))
	switch m.Type {
	case "picture":
		u.Text = m.Text
		u.Media = urlMedia(bot.MediaPhoto, m.Media, m.FileName, size, "image/jpeg")
	case "video":
		u.Media = urlMedia(bot.MediaVideo, m.Media, m.FileName, size, "video/mp4")
	case "file":
		u.Media = urlMedia(bot.MediaDocument, m.Media, m.FileName, size, "application/octet-stream")
	case "sticker":
		u.Media = urlMedia(bot.MediaSticker, m.Media, "", 0, "image/png")
		if u.Media == nil {
			// Viber sometimes sends only the sticker id: nothing to relay.
			return u
		}
	case "location":
		if p := m.Location; p != nil && math.Abs(p.Lat) <= 90 && math.Abs(p.Lon) <= 180 && (p.Lat != 0 || p.Lon != 0) {
			u.Media = &bot.Media{Kind: bot.MediaLocation, Lat: p.Lat, Lon: p.Lon}
		}
	case "url":
		if webURL(m.Media) {
			u.Text = m.Media
		}
	}
	return u
}

// urlMedia is a Media fetched by URL; nil when the URL is not http(s).
func urlMedia(kind bot.MediaKind, raw, name string, size int64, defaultMIME string) *bot.Media {
	if !webURL(raw) {
		return nil
	}
	if name == "" {
		if u, err := url.Parse(raw); err == nil {
			name = path.Base(u.Path)
			if name == "/" || name == "." || !strings.Contains(name, ".") {
				name = ""
			}
		}
	}
	mt := defaultMIME
	if t := mime.TypeByExtension(strings.ToLower(path.Ext(name))); t != "" {
		mt = t
	}
	return &bot.Media{Kind: kind, URL: raw, Name: name, MIME: mt, Size: size}
}

func webURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
