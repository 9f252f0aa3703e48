package vibertest

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// Media limits of send_message, as Viber documents them.
const (
	MaxPictureText = 768
	MaxVideoSize   = 26 << 20
	MaxFileSize    = 50 << 20
	MaxFileName    = 256
)

// validateMedia checks what validate does not: the media types' own
// rules. body is the raw request, to tell a missing field from an empty one.
func validateMedia(m *Message, body []byte) (int, string) {
	ext := strings.ToLower(path.Ext(urlPath(m.Media)))
	switch m.Type {
	case "picture":
		var raw map[string]json.RawMessage
		_ = json.Unmarshal(body, &raw)
		switch {
		case raw["text"] == nil:
			return 4, "missingData: text (may be empty, must be present)"
		case textLength(m.Text) > MaxPictureText:
			return 3, "badData: picture text longer than 768"
		case ext != ".jpg" && ext != ".jpeg" && ext != ".png" && ext != ".gif":
			return 3, "badData: picture media must end in .jpeg, .jpg, .png or .gif"
		}
	case "video":
		switch {
		case m.Size <= 0:
			return 4, "missingData: size"
		case m.Size > MaxVideoSize:
			return 3, "badData: video larger than 26 MB"
		case ext != ".mp4":
			return 3, "badData: video media must end in .mp4"
		}
	case "file":
		switch {
		case m.Size > MaxFileSize:
			return 3, "badData: file larger than 50 MB"
		case len([]rune(m.FileName)) > MaxFileName:
			return 3, "badData: file_name longer than 256"
		}
	case "location":
		switch {
		case m.Location == nil:
			return 4, "missingData: location"
		case m.Location.Lat < -90 || m.Location.Lat > 90 || m.Location.Lon < -180 || m.Location.Lon > 180:
			return 3, "badData: location"
		}
	case "sticker":
		if m.StickerID == 0 {
			return 4, "missingData: sticker_id"
		}
	}
	if m.Type == "picture" || m.Type == "video" || m.Type == "file" || m.Type == "url" {
		if u, err := url.Parse(m.Media); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return 3, "badData: media URL"
		}
	}
	return 0, ""
}

func urlPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Path
}

// fetch GETs a media URL as Viber would, but only on loopback: the fake
// never contacts other hosts.
func (s *Server) fetch(ctx context.Context, raw string) *Fetched {
	u, err := url.Parse(raw)
	if raw == "" || err != nil {
		return nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); (ip == nil || !ip.IsLoopback()) && host != "localhost" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return &Fetched{Err: err.Error()}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return &Fetched{Err: err.Error()}
	}
	defer resp.Body.Close()
	f := &Fetched{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type")}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	rest, _ := io.Copy(io.Discard, io.LimitReader(resp.Body, MaxFileSize))
	f.Body, f.Size = body, int64(len(body))+rest
	return f
}
