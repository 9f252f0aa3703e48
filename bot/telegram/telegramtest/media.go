package telegramtest

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Bot API file limits.
const (
	// MaxDownload is the largest file getFile serves (20 MB).
	MaxDownload = 20 << 20
	// MaxCaption is the longest caption after entity parsing, in UTF-16
	// code units.
	MaxCaption = 1024
	// maxPhotoByURL and maxFileByURL bound what Telegram fetches by URL.
	maxPhotoByURL = 5 << 20
	maxFileByURL  = 20 << 20
)

// mediaMethods maps a send method (lower case) to its kind and parameter.
var mediaMethods = map[string]struct {
	kind  MediaKind
	param string
	name  string
}{
	"sendphoto":    {MediaPhoto, "photo", "sendPhoto"},
	"senddocument": {MediaDocument, "document", "sendDocument"},
	"sendvoice":    {MediaVoice, "voice", "sendVoice"},
	"sendvideo":    {MediaVideo, "video", "sendVideo"},
	"sendsticker":  {MediaSticker, "sticker", "sendSticker"},
}

func methodOf(r *http.Request) string {
	i := strings.LastIndexByte(r.URL.Path, '/')
	return strings.ToLower(r.URL.Path[i+1:])
}

// sendMedia serves sendPhoto, sendDocument, sendVoice, sendVideo and
// sendSticker: the file by file_id, by URL (fetched only from loopback, as
// the fake never contacts other hosts) or uploaded in a multipart request.
func (s *Server) sendMedia(r *http.Request, p params) (any, *apiError) {
	mm, ok := mediaMethods[methodOf(r)]
	if !ok {
		return nil, &apiError{code: 404, desc: "Not Found: method not found"}
	}
	chat, e := chatID(p)
	if e != nil {
		return nil, e
	}
	kb, e := parseKeyboard(p["reply_markup"])
	if e != nil {
		return nil, e
	}
	caption, plain, e := parseCaption(p)
	if e != nil {
		return nil, e
	}
	if mm.kind == MediaSticker {
		caption, plain = "", ""
	}
	upload, e := uploaded(r, mm.param)
	if e != nil {
		return nil, e
	}
	ref := p[mm.param]
	var fetched []byte
	if upload == nil && isURL(ref) {
		if fetched, e = s.fetch(r.Context(), mm.kind, ref); e != nil {
			return nil, e
		}
	}
	thread, _ := strconv.Atoi(p["message_thread_id"])
	s.mu.Lock()
	defer s.mu.Unlock()
	media := &SentMedia{Kind: mm.kind}
	var f *fileState
	switch {
	case upload != nil:
		f = s.addFile(mm.kind, upload.name, upload.mime, upload.data)
		media.Uploaded = true
	case ref == "":
		return nil, badRequest("there is no %s in the request", mm.param)
	case isURL(ref):
		if mm.kind == MediaDocument && !documentURLOK(ref) {
			return nil, badRequest("wrong type of the web page content")
		}
		f = s.addFile(mm.kind, urlName(ref), "", fetched)
		media.URL = ref
	default:
		known, ok := s.files[ref]
		if !ok {
			return nil, badRequest("wrong file identifier/HTTP URL specified")
		}
		if known.Kind != mm.kind {
			return nil, badRequest("can't use file of type %s as %s", titleKind(known.Kind), titleKind(mm.kind))
		}
		f = known
	}
	media.FileID, media.Name, media.MIME = f.ID, f.Name, f.MIME
	sm := &SentMessage{ChatID: chat, ThreadID: thread, Method: mm.name, Text: caption, Plain: plain,
		ParseMode: p["parse_mode"], Keyboard: kb, Media: media}
	st, e := s.store(p, sm)
	if e != nil {
		return nil, e
	}
	st.caption, st.media = plain, &msgMedia{kind: mm.kind, file: f}
	return s.msgJSON(chat, st, false), nil
}

func (s *Server) sendLocation(_ *http.Request, p params) (any, *apiError) {
	chat, e := chatID(p)
	if e != nil {
		return nil, e
	}
	kb, e := parseKeyboard(p["reply_markup"])
	if e != nil {
		return nil, e
	}
	lat, err1 := strconv.ParseFloat(p["latitude"], 64)
	lon, err2 := strconv.ParseFloat(p["longitude"], 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return nil, badRequest("wrong latitude or longitude")
	}
	thread, _ := strconv.Atoi(p["message_thread_id"])
	s.mu.Lock()
	defer s.mu.Unlock()
	sm := &SentMessage{ChatID: chat, ThreadID: thread, Method: "sendLocation", Keyboard: kb,
		Media: &SentMedia{Kind: MediaLocation, Lat: lat, Lon: lon}}
	st, e := s.store(p, sm)
	if e != nil {
		return nil, e
	}
	st.media = &msgMedia{kind: MediaLocation, lat: lat, lon: lon}
	return s.msgJSON(chat, st, false), nil
}

// copyMessage copies a message without a link to the original: the text,
// or the media with its caption (or the new caption given).
func (s *Server) copyMessage(_ *http.Request, p params) (any, *apiError) {
	chat, e := chatID(p)
	if e != nil {
		return nil, e
	}
	from, err := strconv.ParseInt(p["from_chat_id"], 10, 64)
	if err != nil || from == 0 {
		return nil, badRequest("chat not found")
	}
	id, _ := strconv.Atoi(p["message_id"])
	if id <= 0 {
		return nil, badRequest("message identifier is not specified")
	}
	kb, e := parseKeyboard(p["reply_markup"])
	if e != nil {
		return nil, e
	}
	newCaption, newPlain, e := parseCaption(p)
	if e != nil {
		return nil, e
	}
	_, captionSet := p["caption"]
	thread, _ := strconv.Atoi(p["message_thread_id"])
	s.mu.Lock()
	defer s.mu.Unlock()
	src := s.chat(from).msgs[id]
	switch {
	case src == nil || src.deleted:
		return nil, badRequest("message to copy not found")
	case src.service:
		return nil, badRequest("the message can't be copied")
	}
	sm := &SentMessage{ChatID: chat, ThreadID: thread, Method: "copyMessage", Keyboard: kb,
		CopyOf: &MessageRef{Chat: from, ID: id}, ParseMode: p["parse_mode"]}
	caption := src.caption
	if src.media != nil {
		sm.Text, sm.Plain = src.caption, src.caption
		if captionSet && src.media.kind != MediaSticker && src.media.kind != MediaLocation {
			sm.Text, sm.Plain, caption = newCaption, newPlain, newPlain
		}
		sm.Media = sentMedia(src.media)
	} else {
		sm.Text, sm.Plain, sm.ParseMode = src.text, src.text, ""
	}
	st, e := s.store(p, sm)
	if e != nil {
		return nil, e
	}
	st.text, st.entities, st.media = src.text, src.entities, src.media
	if src.media != nil {
		st.caption = caption
	}
	return map[string]any{"message_id": st.id}, nil
}

func sentMedia(md *msgMedia) *SentMedia {
	out := &SentMedia{Kind: md.kind, Lat: md.lat, Lon: md.lon}
	if md.file != nil {
		out.FileID, out.Name, out.MIME = md.file.ID, md.file.Name, md.file.MIME
	}
	return out
}

// deleteMessage follows the Bot API's rules: at most 48 hours old, never
// a topic's service message, other people's messages in groups only with
// the right to delete.
func (s *Server) deleteMessage(_ *http.Request, p params) (any, *apiError) {
	chat, e := chatID(p)
	if e != nil {
		return nil, e
	}
	id, _ := strconv.Atoi(p["message_id"])
	if id <= 0 {
		return nil, badRequest("message identifier is not specified")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.blockedErr(chat); e != nil {
		return nil, e
	}
	m := s.chat(chat).msgs[id]
	switch {
	case m == nil || m.deleted:
		return nil, badRequest("message to delete not found")
	case m.service:
		return nil, badRequest("message can't be deleted")
	case s.opts.Now().Sub(m.date) >= 48*time.Hour:
		return nil, badRequest("message can't be deleted for everyone")
	case chat < 0 && !m.fromBot && !s.botRights(chat).DeleteMessages:
		return nil, badRequest("message can't be deleted")
	}
	m.deleted = true
	if m.sent != nil {
		m.sent.Deleted = true
	}
	return true, nil
}

// deleteMessages deletes 1–100 messages at once; those that cannot be
// found or deleted are skipped, as Telegram does.
func (s *Server) deleteMessages(_ *http.Request, p params) (any, *apiError) {
	chat, e := chatID(p)
	if e != nil {
		return nil, e
	}
	var ids []int
	if err := json.Unmarshal([]byte(p["message_ids"]), &ids); err != nil {
		return nil, badRequest("can't parse message identifiers JSON array")
	}
	if len(ids) < 1 || len(ids) > 100 {
		return nil, badRequest("too many messages to delete")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.blockedErr(chat); e != nil {
		return nil, e
	}
	deleted := 0
	for _, id := range ids {
		m := s.chat(chat).msgs[id]
		if m == nil || m.deleted || m.service || s.opts.Now().Sub(m.date) >= 48*time.Hour ||
			(chat < 0 && !m.fromBot && !s.botRights(chat).DeleteMessages) {
			continue
		}
		m.deleted = true
		if m.sent != nil {
			m.sent.Deleted = true
		}
		deleted++
	}
	if deleted == 0 {
		return nil, badRequest("message to delete not found")
	}
	return true, nil
}

// Deleted reports whether message id of chat was deleted.
func (s *Server) Deleted(chat int64, id int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.chat(chat).msgs[id]
	return m != nil && m.deleted
}

func (s *Server) getFile(_ *http.Request, p params) (any, *apiError) {
	id := p["file_id"]
	if id == "" {
		return nil, badRequest("file_id is empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[id]
	if !ok {
		return nil, badRequest("wrong file_id or the file is temporarily unavailable")
	}
	if f.Size > MaxDownload {
		return nil, badRequest("file is too big")
	}
	return map[string]any{"file_id": f.ID, "file_unique_id": f.UniqueID, "file_size": f.Size, "file_path": f.Path}, nil
}

// serveFile answers GET /file/bot<token>/<file_path>.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, rest string) {
	token, path, ok := strings.Cut(rest, "/")
	c := s.record("file", params{"file_path": path})
	s.mu.Lock()
	var f *fileState
	if ok && token == s.opts.Token {
		for _, x := range s.files {
			if x.Path == path {
				f = x
			}
		}
	}
	s.mu.Unlock()
	if f == nil || f.Size > MaxDownload {
		s.finish(c, w, nil, &apiError{code: 404, desc: "Not Found"})
		return
	}
	s.setStatus(c, http.StatusOK, "")
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(f.data)
	}
}

type upload struct {
	name, mime string
	data       []byte
}

// uploaded returns the file part named param of a multipart request, if any.
func uploaded(r *http.Request, param string) (*upload, *apiError) {
	if r.MultipartForm == nil || len(r.MultipartForm.File[param]) == 0 {
		return nil, nil
	}
	fh := r.MultipartForm.File[param][0]
	f, err := fh.Open()
	if err != nil {
		return nil, badRequest("can't read the uploaded file")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 50<<20+1))
	if err != nil {
		return nil, badRequest("can't read the uploaded file")
	}
	if len(data) > 50<<20 {
		return nil, &apiError{code: 413, desc: "Request Entity Too Large"}
	}
	if len(data) == 0 {
		return nil, badRequest("file must be non-empty")
	}
	return &upload{name: fh.Filename, mime: fh.Header.Get("Content-Type"), data: data}, nil
}

func parseCaption(p params) (caption, plain string, e *apiError) {
	caption = p["caption"]
	plain = caption
	if caption != "" && strings.EqualFold(p["parse_mode"], "HTML") {
		var err error
		if plain, err = parseHTML(caption); err != nil {
			return "", "", badRequest("can't parse entities: %v", err)
		}
	}
	if utf16Len(plain) > MaxCaption {
		return "", "", badRequest("message caption is too long")
	}
	return caption, plain, nil
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// documentURLOK: "sending by URL will currently only work for GIF, PDF and
// ZIP files" (Bot API, sendDocument).
func documentURLOK(ref string) bool {
	u, err := url.Parse(ref)
	if err != nil {
		return false
	}
	p := strings.ToLower(u.Path)
	return strings.HasSuffix(p, ".pdf") || strings.HasSuffix(p, ".zip") || strings.HasSuffix(p, ".gif")
}

func urlName(ref string) string {
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	i := strings.LastIndexByte(u.Path, '/')
	return u.Path[i+1:]
}

func titleKind(k MediaKind) string {
	if k == "" {
		return ""
	}
	return strings.ToUpper(string(k[:1])) + string(k[1:])
}

// fetch downloads a media URL as Telegram would, but only from loopback;
// other hosts are accepted unseen (nil data). Telegram's limits apply: 5 MB
// for photos, 20 MB for other files.
func (s *Server) fetch(ctx context.Context, kind MediaKind, ref string) ([]byte, *apiError) {
	u, err := url.Parse(ref)
	if err != nil || u.Host == "" {
		return nil, badRequest("wrong file identifier/HTTP URL specified")
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); (ip == nil || !ip.IsLoopback()) && host != "localhost" {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ref, nil)
	if err != nil {
		return nil, badRequest("wrong file identifier/HTTP URL specified")
	}
	resp, err := s.hook.Do(req)
	if err != nil {
		return nil, badRequest("failed to get HTTP URL content")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, badRequest("failed to get HTTP URL content")
	}
	limit := int64(maxFileByURL)
	if kind == MediaPhoto {
		limit = maxPhotoByURL
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, badRequest("failed to get HTTP URL content")
	}
	if int64(len(data)) > limit {
		return nil, badRequest("wrong file identifier/HTTP URL specified")
	}
	if kind == MediaPhoto && !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/") {
		return nil, badRequest("wrong type of the web page content")
	}
	return data, nil
}
