package telegram

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/infopunkt/infopunkt/bot"
)

// maxUpload is the Bot API's upload limit for bots (50 MB).
const maxUpload = 50 << 20

// fetchError is a media URL that could not be downloaded for an upload.
type fetchError struct {
	status int // HTTP status, 0 for a transport error or a file too large
	err    error
}

func (e *fetchError) Error() string {
	if e.status != 0 {
		return fmt.Sprintf("media URL not downloadable: HTTP %d", e.status)
	}
	return "media URL not downloadable: " + e.err.Error()
}

func (e *fetchError) Unwrap() error { return e.err }

// sendError classifies it: a URL that is gone (Viber's media links
// expire) will not come back; anything else may.
func (e *fetchError) sendError() *bot.SendError {
	if e.status == http.StatusNotFound || e.status == http.StatusGone || e.status == http.StatusForbidden || errors.Is(e.err, errTooBig) {
		return &bot.SendError{Kind: bot.SendPermanent, Reason: "tg_media_unfetchable", Err: e}
	}
	return &bot.SendError{Kind: bot.SendRetry, Reason: "tg_media_fetch", Err: e}
}

var errTooBig = errors.New("file over the 50 MB upload limit")

// capReader reads r but fails past n bytes, so that an oversized file is
// never uploaded cut short.
type capReader struct {
	r io.Reader
	n int64
}

func (c *capReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n -= int64(n)
	if c.n < 0 {
		return n, errTooBig
	}
	return n, err
}

// needsUpload reports whether Telegram cannot fetch m by URL itself:
// "sending by URL will currently only work for GIF, PDF and ZIP files" in
// sendDocument (Bot API), and a Viber file is often a .docx or .jpg.
func needsUpload(m bot.Media) bool {
	if m.Kind != bot.MediaDocument || m.FileID != "" || m.URL == "" {
		return false
	}
	u, err := url.Parse(m.URL)
	if err != nil {
		return false
	}
	switch strings.ToLower(path.Ext(u.Path)) {
	case ".pdf", ".zip", ".gif":
		return false
	}
	return true
}

// upload downloads m.URL and sends it to method as the multipart file
// param, with the other parameters p, and returns the sent message's id.
// API failures are *tgbotapi.Error, as from send, so sendError classifies
// them alike; a URL that cannot be downloaded is a *fetchError.
func (a *Adapter) upload(ctx context.Context, method, param string, p *params, m bot.Media) (string, error) {
	fields, err := p.fields()
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.URL, nil)
	if err != nil {
		return "", &fetchError{err: err}
	}
	src, err := a.fileClient.Do(req)
	if err != nil {
		return "", &fetchError{err: err}
	}
	defer src.Body.Close()
	if src.StatusCode != http.StatusOK {
		return "", &fetchError{status: src.StatusCode}
	}
	if src.ContentLength > maxUpload {
		return "", &fetchError{err: errTooBig}
	}
	name := m.Name
	if name == "" {
		name = path.Base(req.URL.Path)
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		pw.CloseWithError(writeForm(mw, fields, param, name, &capReader{r: src.Body, n: maxUpload}))
	}()
	post, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+method, pr)
	if err != nil {
		pr.CloseWithError(err)
		return "", redactToken(err, a.cfg.Token)
	}
	post.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := a.fileClient.Do(post)
	pr.CloseWithError(errors.New("request finished")) // stops the writer if Telegram answered early
	if err != nil {
		if errors.Is(err, errTooBig) {
			return "", &fetchError{err: errTooBig}
		}
		return "", redactToken(err, a.cfg.Token)
	}
	defer resp.Body.Close()
	ans, err := a.readAnswer(method, resp, maxAnswer, true)
	return ans.ref(), err
}

func writeForm(mw *multipart.Writer, p map[string]string, param, name string, file io.Reader) error {
	for k, v := range p {
		if err := mw.WriteField(k, v); err != nil {
			return err
		}
	}
	part, err := mw.CreateFormFile(param, name)
	if err != nil {
		return err
	}
	if _, err := io.Copy(part, file); err != nil {
		return err
	}
	return mw.Close()
}
