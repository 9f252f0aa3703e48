package telegram

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// MediaPath is where MediaHandler must be mounted on the public listener
// (mux.Handle(telegram.MediaPath, a.MediaHandler())).
const MediaPath = "/media/"

// Media link defaults.
const (
	// DefaultMediaLinkTTL is how long a link from MediaLink works.
	DefaultMediaLinkTTL = 72 * time.Hour
	// DefaultMaxMediaSize is the largest file MediaHandler serves: the Bot
	// API's getFile limit (20 MB).
	DefaultMaxMediaSize = 20 << 20
)

// fileTimeout bounds one file transfer (a download for a media link, a
// fetch and upload of a document): 20–50 MB on a slow link take minutes,
// which a send's short timeout would cut.
const fileTimeout = 5 * time.Minute

// metaMediaKey holds the key that seals media links.
const metaMediaKey = "telegram/media_key"

// Errors of MediaLink.
var (
	// ErrNoPublicURL means MediaLink was called without Config.PublicURL.
	ErrNoPublicURL = errors.New("telegram: no public URL configured for media links")
	// ErrMediaTooLarge means the file is larger than Config.MaxMediaSize
	// (the Bot API cannot download over 20 MB): send a note instead.
	ErrMediaTooLarge = errors.New("telegram: file too large to pass on by link")
)

// linkClaims is what a media link carries, sealed: nothing is stored per
// link, so links survive restarts and need no clean-up or erasure.
type linkClaims struct {
	FileID  string `json:"f"`
	Kind    uint8  `json:"k"`
	MIME    string `json:"m,omitempty"`
	Name    string `json:"n,omitempty"`
	Expires int64  `json:"e"` // Unix seconds
}

// mediaKeys lazily loads (or creates) the sealing key from meta.
type mediaKeys struct {
	mu   sync.Mutex
	aead cipher.AEAD
}

func (a *Adapter) mediaAEAD(ctx context.Context) (cipher.AEAD, error) {
	a.media.mu.Lock()
	defer a.media.mu.Unlock()
	if a.media.aead != nil {
		return a.media.aead, nil
	}
	key, err := a.meta.GetMeta(ctx, metaMediaKey)
	if errors.Is(err, bot.ErrNotFound) || (err == nil && len(key) != 32) {
		key = make([]byte, 32)
		_, _ = rand.Read(key) // never fails (crypto/rand docs)
		if err := a.meta.PutMeta(ctx, metaMediaKey, key); err != nil {
			return nil, fmt.Errorf("store media link key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("load media link key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("media link key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("media link key: %w", err)
	}
	a.media.aead = aead
	return aead, nil
}

// MediaLink returns a public URL at which the Telegram file m.FileID can
// be fetched for Config.MediaLinkTTL, for platforms that take media by URL
// (Viber). See MediaLinkTTL.
func (a *Adapter) MediaLink(ctx context.Context, m bot.Media) (string, error) {
	return a.MediaLinkTTL(ctx, m, a.cfg.MediaLinkTTL)
}

// MediaLinkTTL is MediaLink with an explicit lifetime. The URL is
// Config.PublicURL + MediaPath + <token>/<name>: the token is the file id,
// kind, type, name and expiry sealed with AES-GCM under a key kept in meta,
// so it is unguessable and unforgeable, and nothing is stored per link.
// The last segment is a file name with an extension that fits the kind
// (Viber wants one). The bot token never appears in it. Errors:
// ErrNoPublicURL, ErrMediaTooLarge (when m.Size says so), a location or a
// media without FileID, meta errors.
func (a *Adapter) MediaLinkTTL(ctx context.Context, m bot.Media, ttl time.Duration) (string, error) {
	if a.cfg.PublicURL == "" {
		return "", ErrNoPublicURL
	}
	if m.FileID == "" || m.Kind == bot.MediaLocation {
		return "", errors.New("telegram media link: no Telegram file")
	}
	if m.Size > a.cfg.MaxMediaSize {
		return "", ErrMediaTooLarge
	}
	if ttl <= 0 {
		ttl = DefaultMediaLinkTTL
	}
	aead, err := a.mediaAEAD(ctx)
	if err != nil {
		return "", err
	}
	name := linkName(m)
	c := linkClaims{FileID: m.FileID, Kind: uint8(m.Kind), MIME: mediaType(m, name), Name: name,
		Expires: a.cfg.Now().Add(ttl).Unix()}
	plain, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("telegram media link: %w", err)
	}
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	sealed := aead.Seal(nonce, nonce, plain, []byte(metaMediaKey))
	return strings.TrimRight(a.cfg.PublicURL, "/") + MediaPath +
		base64.RawURLEncoding.EncodeToString(sealed) + "/" + url.PathEscape(name), nil
}

// open checks a token and returns its claims; ok is false for anything
// forged, damaged or expired.
func (a *Adapter) open(ctx context.Context, token string) (linkClaims, bool, error) {
	var c linkClaims
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return c, false, nil
	}
	aead, err := a.mediaAEAD(ctx)
	if err != nil {
		return c, false, err
	}
	if len(raw) < aead.NonceSize()+aead.Overhead() {
		return c, false, nil
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(metaMediaKey))
	if err != nil || json.Unmarshal(plain, &c) != nil || c.FileID == "" {
		return c, false, nil
	}
	return c, a.cfg.Now().Unix() < c.Expires, nil
}

// MediaHandler serves the links MediaLink makes: GET and HEAD of
// MediaPath + <token>/<name>. It answers 404 to a forged, damaged or
// expired token, to a file Telegram no longer has and to a file over
// Config.MaxMediaSize; 405 to other methods; 502 when Telegram fails; 503
// when the link key cannot be loaded. The file streams from Telegram
// without being kept; neither the bot token nor the file id appears in any
// answer or log.
func (a *Adapter) MediaHandler() http.Handler { return http.HandlerFunc(a.serveMedia) }

func (a *Adapter) serveMedia(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	rest, _ := strings.CutPrefix(r.URL.Path, MediaPath)
	token, _, _ := strings.Cut(rest, "/")
	c, ok, err := a.open(r.Context(), token)
	if err != nil {
		a.log.Error("telegram media link key unavailable", "err", err)
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	filePath, size, status := a.filePath(r.Context(), c.FileID)
	if status != http.StatusOK {
		http.Error(w, http.StatusText(status), status)
		return
	}
	if size > a.cfg.MaxMediaSize {
		a.log.Info("telegram media link: file over the size limit", "bytes", size)
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", c.MIME)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'") // a user's "text/html" file runs nothing
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("Content-Disposition", mime.FormatMediaType(disposition(bot.MediaKind(c.Kind)), map[string]string{"filename": c.Name}))
	if r.Method == http.MethodHead {
		if size > 0 {
			h.Set("Content-Length", strconv.FormatInt(size, 10))
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	a.streamFile(w, r, filePath, size)
}

// filePath asks getFile where the file is; status is 200 or what to
// answer instead.
func (a *Adapter) filePath(ctx context.Context, fileID string) (filePath string, size int64, status int) {
	var p params
	p.str("file_id", fileID)
	res, err := a.call(ctx, "getFile", &p)
	if te, isAPI := apiError(err); isAPI && te.Code == http.StatusBadRequest {
		// Gone, unknown or over the Bot API's 20 MB download limit.
		a.log.Info("telegram media link: file not available", "reason", slug(te.Message))
		return "", 0, http.StatusNotFound
	}
	if err != nil {
		a.log.Warn("telegram media link: getFile failed", "err", err)
		return "", 0, http.StatusBadGateway
	}
	var f struct {
		Path string `json:"file_path"`
		Size int64  `json:"file_size"`
	}
	if json.Unmarshal(res, &f) != nil || f.Path == "" {
		return "", 0, http.StatusNotFound
	}
	return f.Path, f.Size, http.StatusOK
}

// streamFile copies the file from Telegram's file endpoint, whose URL
// holds the bot token, to w, at most MaxMediaSize bytes.
func (a *Adapter) streamFile(w http.ResponseWriter, r *http.Request, filePath string, size int64) {
	src := strings.TrimRight(a.cfg.APIURL, "/") + "/file/bot" + a.cfg.Token + "/" + filePath
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, src, nil)
	if err != nil {
		a.log.Warn("telegram media link: bad file path")
		http.Error(w, "bad gateway", http.StatusBadGateway)
		return
	}
	resp, err := a.fileClient.Do(req)
	if err != nil {
		a.log.Warn("telegram media link: download failed", "err", redactToken(err, a.cfg.Token))
		http.Error(w, "bad gateway", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		a.log.Warn("telegram media link: download failed", "status", resp.StatusCode)
		http.Error(w, "bad gateway", http.StatusBadGateway)
		return
	}
	n := resp.ContentLength
	if n < 0 {
		n = size
	}
	if n > a.cfg.MaxMediaSize {
		http.NotFound(w, r)
		return
	}
	if n > 0 {
		w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	}
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, io.LimitReader(resp.Body, a.cfg.MaxMediaSize)); err != nil {
		a.log.Info("telegram media link: copy cut short", "err", redactToken(err, a.cfg.Token))
	}
}

// linkName is the file name a link ends with: the document's own name
// (reduced to safe characters) or one made from the kind, always with an
// extension.
func linkName(m bot.Media) string {
	base, ext := "", ""
	if m.Name != "" {
		name := path.Base(strings.ReplaceAll(m.Name, "\\", "/"))
		ext = safeName(path.Ext(name))
		if ext != "" {
			ext = "." + ext
		}
		base = safeName(strings.TrimSuffix(name, path.Ext(name)))
	}
	if ext == "" || len(ext) > 6 {
		ext = kindExt(m)
	}
	if base == "" {
		base = kindBase[m.Kind]
	}
	return base + strings.ToLower(ext)
}

var kindBase = map[bot.MediaKind]string{
	bot.MediaPhoto: "photo", bot.MediaDocument: "file", bot.MediaVoice: "voice",
	bot.MediaVideo: "video", bot.MediaSticker: "sticker",
}

func kindExt(m bot.Media) string {
	switch m.Kind {
	case bot.MediaPhoto:
		return ".jpg"
	case bot.MediaVoice:
		return ".ogg"
	case bot.MediaVideo:
		return ".mp4"
	case bot.MediaSticker:
		if m.MIME == "video/webm" {
			return ".webm"
		}
		return ".webp"
	}
	if exts, _ := mime.ExtensionsByType(m.MIME); len(exts) > 0 {
		return exts[0]
	}
	return ".bin"
}

// safeName keeps letters, digits and ._- of a file name (at most 100
// bytes), so the link needs no escaping and no header can be broken.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('_')
		}
		if b.Len() >= 100 {
			break
		}
	}
	return strings.Trim(b.String(), ".")
}

// mediaType is the Content-Type to serve: the known MIME, else one from
// the name's extension, else one for the kind.
func mediaType(m bot.Media, name string) string {
	if _, _, err := mime.ParseMediaType(m.MIME); err == nil && m.MIME != "" {
		return m.MIME
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	switch m.Kind {
	case bot.MediaPhoto:
		return "image/jpeg"
	case bot.MediaVoice:
		return "audio/ogg"
	case bot.MediaVideo:
		return "video/mp4"
	case bot.MediaSticker:
		return "image/webp"
	}
	return "application/octet-stream"
}

func disposition(k bot.MediaKind) string {
	if k == bot.MediaDocument {
		return "attachment"
	}
	return "inline"
}
