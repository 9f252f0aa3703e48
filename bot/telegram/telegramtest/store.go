package telegramtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// MediaKind names the media of a message, as the Bot API field does.
type MediaKind string

// The media kinds the fake knows.
const (
	MediaPhoto    MediaKind = "photo"
	MediaDocument MediaKind = "document"
	MediaVoice    MediaKind = "voice"
	MediaVideo    MediaKind = "video"
	MediaSticker  MediaKind = "sticker"
	MediaLocation MediaKind = "location"
)

// File is a file held by the fake, reachable by getFile and downloadable
// at /file/bot<token>/<Path>.
type File struct {
	ID       string
	UniqueID string
	Kind     MediaKind
	Path     string
	Name     string // documents and videos
	MIME     string
	Size     int
}

type fileState struct {
	File
	data  []byte
	thumb *fileState // photos: the smaller size listed first
}

// storedMsg is any message in a chat: a user's, the bot's, a service message.
type storedMsg struct {
	id        int
	fromBot   bool
	from      int64
	date      time.Time
	thread    int  // forum topic or reply thread, 0 = none
	topicMsg  bool // is_topic_message
	service   bool // forum_topic_created
	topicName string
	text      string // text messages: the visible text
	entities  []map[string]any
	caption   string
	media     *msgMedia
	replyTo   int
	deleted   bool
	sent      *SentMessage // set when the bot sent it
}

type msgMedia struct {
	kind     MediaKind
	file     *fileState // nil for locations
	lat, lon float64
}

var fileExt = map[MediaKind]string{
	MediaPhoto: "jpg", MediaDocument: "pdf", MediaVoice: "oga", MediaVideo: "mp4", MediaSticker: "webp",
}

var fileDir = map[MediaKind]string{
	MediaPhoto: "photos", MediaDocument: "documents", MediaVoice: "voice", MediaVideo: "videos", MediaSticker: "stickers",
}

var defaultMIME = map[MediaKind]string{
	MediaPhoto: "image/jpeg", MediaDocument: "application/pdf", MediaVoice: "audio/ogg",
	MediaVideo: "video/mp4", MediaSticker: "image/webp",
}

// AddFile stores a file of kind (not MediaLocation) and returns it, for
// Push and for getFile. Empty name and mime take defaults of the kind; nil
// data becomes a few bytes derived from the file id.
func (s *Server) AddFile(kind MediaKind, name, mime string, data []byte) File {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addFile(kind, name, mime, data).File
}

// addFile registers a file. Call with s.mu held.
func (s *Server) addFile(kind MediaKind, name, mime string, data []byte) *fileState {
	s.nextFile++
	n := s.nextFile
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", kind, n)))
	id := fmt.Sprintf("Ag%s%04d%s", kindCode(kind), n, hex.EncodeToString(sum[:12]))
	if data == nil {
		data = []byte("telegramtest file " + id)
	}
	if mime == "" {
		mime = defaultMIME[kind]
	}
	ext := fileExt[kind]
	if ext == "" {
		ext = "bin"
	}
	f := &fileState{File: File{
		ID: id, UniqueID: "AQAD" + strconv.Itoa(n), Kind: kind, Name: name, MIME: mime, Size: len(data),
		Path: fmt.Sprintf("%s/file_%d.%s", dirOr(kind), n, ext),
	}, data: data}
	s.files[id] = f
	if kind == MediaPhoto {
		t := s.addFile("thumb", "", "image/jpeg", data[:min(len(data), 16)])
		f.thumb = t
	}
	return f
}

func dirOr(kind MediaKind) string {
	if d := fileDir[kind]; d != "" {
		return d
	}
	return "thumbnails"
}

func kindCode(k MediaKind) string {
	switch k {
	case MediaPhoto:
		return "AC"
	case MediaDocument:
		return "AD"
	case MediaVoice:
		return "AV"
	case MediaVideo:
		return "AE"
	case MediaSticker:
		return "AS"
	}
	return "AT"
}

// FileData returns the content of a file the fake holds.
func (s *Server) FileData(fileID string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[fileID]
	if !ok {
		return nil, false
	}
	return append([]byte(nil), f.data...), true
}

// msgJSON renders m as a Bot API Message. nested leaves out
// reply_to_message, as Telegram does inside reply_to_message. Call with
// s.mu held.
func (s *Server) msgJSON(chat int64, m *storedMsg, nested bool) map[string]any {
	o := map[string]any{"message_id": m.id, "chat": s.chatObj(chat), "date": m.date.Unix()}
	if m.fromBot {
		o["from"] = s.botUser()
	} else {
		o["from"] = s.userObj(m.from)
	}
	if m.thread != 0 {
		o["message_thread_id"] = m.thread
		if m.topicMsg {
			o["is_topic_message"] = true
		}
	}
	if m.service {
		o["forum_topic_created"] = map[string]any{"name": m.topicName, "icon_color": 7322096}
	}
	if m.text != "" {
		o["text"] = m.text
		if m.entities != nil {
			o["entities"] = m.entities
		}
	}
	if m.caption != "" {
		o["caption"] = m.caption
	}
	if md := m.media; md != nil {
		k, v := mediaJSON(md)
		o[k] = v
	}
	if !nested && m.replyTo != 0 {
		if r := s.chat(chat).msgs[m.replyTo]; r != nil && !r.deleted {
			o["reply_to_message"] = s.msgJSON(chat, r, true)
		}
	}
	if m.sent != nil && m.sent.Keyboard != nil {
		o["reply_markup"] = map[string]any{"inline_keyboard": m.sent.Keyboard}
	}
	return o
}

func fileJSON(f *fileState) map[string]any {
	return map[string]any{"file_id": f.ID, "file_unique_id": f.UniqueID, "file_size": f.Size}
}

func mediaJSON(md *msgMedia) (string, any) {
	if md.kind == MediaLocation {
		return "location", map[string]any{"latitude": md.lat, "longitude": md.lon}
	}
	f := md.file
	o := fileJSON(f)
	switch md.kind {
	case MediaPhoto:
		small := fileJSON(f.thumb)
		small["width"], small["height"] = 90, 67
		o["width"], o["height"] = 1280, 960
		return "photo", []any{small, o}
	case MediaDocument:
		o["mime_type"] = f.MIME
		if f.Name != "" {
			o["file_name"] = f.Name
		}
	case MediaVoice:
		o["duration"], o["mime_type"] = 3, f.MIME
	case MediaVideo:
		o["width"], o["height"], o["duration"], o["mime_type"] = 640, 360, 5, f.MIME
		if f.Name != "" {
			o["file_name"] = f.Name
		}
	case MediaSticker:
		o["type"], o["width"], o["height"] = "regular", 512, 512
		o["is_animated"], o["is_video"], o["emoji"] = false, false, "👍"
	}
	return string(md.kind), o
}
