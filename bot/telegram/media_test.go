package telegram_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/telegram"
	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
)

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type mediaFixture struct {
	*fixture
	clock *fakeClock
	logs  *syncBuffer
	pub   *httptest.Server // the public listener with MediaHandler
}

func newMediaFixture(t *testing.T, edit func(*telegram.Config)) *mediaFixture {
	t.Helper()
	mf := &mediaFixture{clock: newClock(), logs: &syncBuffer{}}
	mux := http.NewServeMux()
	mf.pub = httptest.NewServer(mux)
	t.Cleanup(mf.pub.Close)
	mf.fixture = newFixture(t, telegramtest.Options{Now: mf.clock.Now}, func(c *telegram.Config) {
		c.PublicURL = mf.pub.URL + "/"
		c.Now = mf.clock.Now
		c.Logger = slog.New(slog.NewTextHandler(mf.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		if edit != nil {
			edit(c)
		}
	})
	mux.Handle(telegram.MediaPath, mf.a.MediaHandler())
	return mf
}

func get(t *testing.T, method, u string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func TestMediaLinkServesTheFile(t *testing.T) {
	mf := newMediaFixture(t, nil)
	jpeg := []byte("\xff\xd8\xff\xe0 a photo of a residence card")
	f := mf.srv.AddFile(telegramtest.MediaPhoto, "", "", jpeg)
	link, err := mf.a.MediaLink(ctx, bot.Media{Kind: bot.MediaPhoto, FileID: f.ID, MIME: "image/jpeg"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(link, mf.pub.URL+telegram.MediaPath) || !strings.HasSuffix(link, "/photo.jpg") {
		t.Fatalf("link %s", link)
	}
	if strings.Contains(link, mf.srv.Token()) || strings.Contains(link, f.ID) {
		t.Fatalf("link %s reveals the token or the file id", link)
	}
	resp, body := get(t, http.MethodGet, link)
	if resp.StatusCode != 200 || !bytes.Equal(body, jpeg) {
		t.Fatalf("GET %d %q", resp.StatusCode, body)
	}
	for h, want := range map[string]string{"Content-Type": "image/jpeg", "X-Content-Type-Options": "nosniff",
		"Content-Length": "32", "Content-Disposition": `inline; filename=photo.jpg`} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	resp, body = get(t, http.MethodHead, link)
	if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Content-Length") != "32" {
		t.Fatalf("HEAD %d %v %q", resp.StatusCode, resp.Header, body)
	}
	if resp, _ := get(t, http.MethodPost, link); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST %d", resp.StatusCode)
	}
	// A second link to the same file differs: each is random.
	link2, _ := mf.a.MediaLink(ctx, bot.Media{Kind: bot.MediaPhoto, FileID: f.ID})
	if link2 == link {
		t.Fatal("links repeat")
	}
}

func TestMediaLinkDocumentName(t *testing.T) {
	mf := newMediaFixture(t, nil)
	f := mf.srv.AddFile(telegramtest.MediaDocument, "заява.pdf", "application/pdf", []byte("%PDF-1.4"))
	for _, tt := range []struct {
		m    bot.Media
		tail string
		ct   string
	}{
		{bot.Media{Kind: bot.MediaDocument, FileID: f.ID, Name: "заява.pdf", MIME: "application/pdf"}, "/file.pdf", "application/pdf"},
		{bot.Media{Kind: bot.MediaDocument, FileID: f.ID, Name: "Wniosek o kartę pobytu.PDF"}, "/Wniosek_o_kart_pobytu.pdf", "application/pdf"},
		{bot.Media{Kind: bot.MediaDocument, FileID: f.ID, Name: "../../etc/passwd"}, "/passwd.bin", "application/octet-stream"},
		{bot.Media{Kind: bot.MediaDocument, FileID: f.ID, Name: "page.html", MIME: "text/html"}, "/page.html", "text/html"},
		{bot.Media{Kind: bot.MediaVoice, FileID: f.ID}, "/voice.ogg", "audio/ogg"},
		{bot.Media{Kind: bot.MediaVideo, FileID: f.ID, MIME: "video/mp4"}, "/video.mp4", "video/mp4"},
	} {
		link, err := mf.a.MediaLink(ctx, tt.m)
		if err != nil || !strings.HasSuffix(link, tt.tail) {
			t.Errorf("%+v: %s %v, want …%s", tt.m, link, err, tt.tail)
			continue
		}
		resp, _ := get(t, http.MethodGet, link)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tt.ct {
			t.Errorf("%s: %d %q, want %q", tt.tail, resp.StatusCode, resp.Header.Get("Content-Type"), tt.ct)
		}
		if tt.m.Kind == bot.MediaDocument && !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("%s: a document must download, not render", tt.tail)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
			t.Errorf("no sandbox CSP: %q", csp)
		}
	}
}

func TestMediaLinkRefusals(t *testing.T) {
	mf := newMediaFixture(t, func(c *telegram.Config) { c.MaxMediaSize = 64 })
	small := mf.srv.AddFile(telegramtest.MediaPhoto, "", "", []byte("small"))
	big := mf.srv.AddFile(telegramtest.MediaDocument, "big.pdf", "", make([]byte, 65))
	link, _ := mf.a.MediaLinkTTL(ctx, bot.Media{Kind: bot.MediaPhoto, FileID: small.ID}, time.Hour)
	token := strings.TrimPrefix(link, mf.pub.URL+telegram.MediaPath)
	token, _, _ = strings.Cut(token, "/")

	status := func(u string) int {
		resp, body := get(t, http.MethodGet, u)
		if bytes.Contains(body, []byte(mf.srv.Token())) {
			t.Fatalf("%s: body holds the bot token", u)
		}
		return resp.StatusCode
	}
	if got := status(link); got != 200 {
		t.Fatalf("fresh link: %d", got)
	}
	flipped := []byte(token)
	flipped[10] ^= 1
	bigLink, _ := mf.a.MediaLink(ctx, bot.Media{Kind: bot.MediaDocument, FileID: big.ID})
	goneLink, _ := mf.a.MediaLink(ctx, bot.Media{Kind: bot.MediaPhoto, FileID: "AgACunknown"})
	for name, tt := range map[string]struct {
		url  string
		want int
	}{
		"forged":         {mf.pub.URL + telegram.MediaPath + string(flipped) + "/photo.jpg", 404},
		"garbage":        {mf.pub.URL + telegram.MediaPath + "not-a-token/x.jpg", 404},
		"empty":          {mf.pub.URL + telegram.MediaPath, 404},
		"over the limit": {bigLink, 404},
		"gone":           {goneLink, 404},
	} {
		if got := status(tt.url); got != tt.want {
			t.Errorf("%s: %d, want %d", name, got, tt.want)
		}
	}
	mf.srv.InjectNext("getFile", telegramtest.Fault{Kind: telegramtest.Fault500})
	if got := status(link); got != http.StatusBadGateway {
		t.Errorf("getFile 500: %d", got)
	}
	mf.srv.InjectNext("getFile", telegramtest.Fault{Kind: telegramtest.FaultReset})
	if got := status(link); got != http.StatusBadGateway {
		t.Errorf("getFile reset: %d", got)
	}
	mf.clock.Add(time.Hour)
	if got := status(link); got != 404 {
		t.Errorf("expired: %d", got)
	}
	if _, err := mf.a.MediaLink(ctx, bot.Media{Kind: bot.MediaDocument, FileID: big.ID, Size: 65}); err != telegram.ErrMediaTooLarge {
		t.Errorf("a file known to be too large got a link: %v", err)
	}
	if _, err := mf.a.MediaLink(ctx, bot.Media{Kind: bot.MediaLocation, Lat: 1, Lon: 2}); err == nil {
		t.Error("a location got a link")
	}
	if logs := mf.logs.String(); strings.Contains(logs, mf.srv.Token()) || strings.Contains(logs, small.ID) || strings.Contains(logs, token) {
		t.Fatalf("logs reveal the token, a file id or a link:\n%s", logs)
	}
}

func TestMediaLinkSurvivesRestart(t *testing.T) {
	mf := newMediaFixture(t, nil)
	f := mf.srv.AddFile(telegramtest.MediaVideo, "", "", []byte("mp4"))
	link, err := mf.a.MediaLink(ctx, bot.Media{Kind: bot.MediaVideo, FileID: f.ID})
	if err != nil {
		t.Fatal(err)
	}
	// A new adapter on the same meta (a restart) still opens the link.
	again, err := telegram.New(ctx, telegram.Config{Token: mf.srv.Token(), APIURL: mf.srv.URL(), PublicURL: mf.pub.URL, Now: mf.clock.Now},
		mf.meta, mf.rec)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, link, nil)
	again.MediaHandler().ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Body.String() != "mp4" {
		t.Fatalf("after restart: %d %q", rec.Code, rec.Body.String())
	}
	// Without a public URL there are no links.
	if _, err := again.MediaLink(ctx, bot.Media{Kind: bot.MediaVideo, FileID: f.ID}); err != nil {
		t.Fatal(err)
	}
	plainA := newFixture(t, telegramtest.Options{}, nil)
	if _, err := plainA.a.MediaLink(ctx, bot.Media{Kind: bot.MediaVideo, FileID: f.ID}); err != telegram.ErrNoPublicURL {
		t.Fatalf("no public URL: %v", err)
	}
}
