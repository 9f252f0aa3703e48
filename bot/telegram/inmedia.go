package telegram

import (
	"encoding/json"
	"math"

	"github.com/infopunkt/infopunkt/bot"
)

// rawContent is the media part of a Bot API Message.
type (
	rawContent struct {
		Photo     []rawFile    `json:"photo"`
		Document  *rawFile     `json:"document"`
		Audio     *rawFile     `json:"audio"`
		Voice     *rawFile     `json:"voice"`
		Video     *rawFile     `json:"video"`
		VideoNote *rawFile     `json:"video_note"`
		Sticker   *rawSticker  `json:"sticker"`
		Location  *rawLocation `json:"location"`
	}
	rawFile struct {
		FileID   string `json:"file_id"`
		FileName string `json:"file_name"`
		MIMEType string `json:"mime_type"`
		FileSize int64  `json:"file_size"`
	}
	rawSticker struct {
		rawFile
		IsAnimated bool `json:"is_animated"`
		IsVideo    bool `json:"is_video"`
	}
	rawLocation struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
	}
	rawReply struct {
		MessageID    int64           `json:"message_id"`
		TopicCreated json.RawMessage `json:"forum_topic_created"`
	}
)

// media maps the message's photo, document, voice note, video, sticker or
// location; nil when it has none (or only files without an id). An audio
// file travels as a document, a round video note as a video.
func (c *rawContent) media() *bot.Media {
	switch {
	case len(c.Photo) > 0:
		// Sizes come smallest first; take the largest usable one.
		for i := len(c.Photo) - 1; i >= 0; i-- {
			if c.Photo[i].FileID != "" {
				return fileMedia(bot.MediaPhoto, c.Photo[i], "image/jpeg")
			}
		}
	case c.Document != nil:
		return fileMedia(bot.MediaDocument, *c.Document, "application/octet-stream")
	case c.Audio != nil:
		return fileMedia(bot.MediaDocument, *c.Audio, "audio/mpeg")
	case c.Voice != nil:
		return fileMedia(bot.MediaVoice, *c.Voice, "audio/ogg")
	case c.Video != nil:
		return fileMedia(bot.MediaVideo, *c.Video, "video/mp4")
	case c.VideoNote != nil:
		return fileMedia(bot.MediaVideo, *c.VideoNote, "video/mp4")
	case c.Sticker != nil:
		mime := "image/webp"
		switch {
		case c.Sticker.IsAnimated:
			mime = "application/x-tgsticker"
		case c.Sticker.IsVideo:
			mime = "video/webm"
		}
		return fileMedia(bot.MediaSticker, c.Sticker.rawFile, mime)
	case c.Location != nil:
		lat, lon := c.Location.Latitude, c.Location.Longitude
		if math.Abs(lat) > 90 || math.Abs(lon) > 180 {
			return nil
		}
		return &bot.Media{Kind: bot.MediaLocation, Lat: lat, Lon: lon}
	}
	return nil
}

func fileMedia(kind bot.MediaKind, f rawFile, defaultMIME string) *bot.Media {
	if f.FileID == "" {
		return nil
	}
	m := &bot.Media{Kind: kind, FileID: f.FileID, Name: f.FileName, MIME: f.MIMEType, Size: max(f.FileSize, 0)}
	if m.MIME == "" {
		m.MIME = defaultMIME
	}
	return m
}
