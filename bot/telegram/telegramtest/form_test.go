package telegramtest

import (
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestReadFormIsParseForm checks that the fast form path gives the
// parameters and errors r.ParseForm gives.
func TestReadFormIsParseForm(t *testing.T) {
	for _, body := range []string{
		"chat_id=42&text=hi+there%21&reply_markup=%7B%22inline_keyboard%22%3A%5B%5D%7D",
		"a=1&a=2&b=&c",
		"text=%zz&chat_id=1",
		"a=1;b=2",
		"",
		"&&=x&y=%E2%9C%93",
	} {
		req := func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/bot1:x/sendMessage", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}
		fast := params{}
		ok, fastErr := readForm(req(), fast)
		if !ok {
			t.Fatalf("%q: readForm declined", body)
		}
		slow := params{}
		r := req()
		slowErr := r.ParseForm()
		if slowErr == nil {
			mergeValues(slow, r.PostForm)
		}
		if !maps.Equal(fast, slow) || (fastErr == nil) != (slowErr == nil) ||
			(fastErr != nil && fastErr.Error() != slowErr.Error()) {
			t.Errorf("%q: readForm %v, %v; ParseForm %v, %v", body, fast, fastErr, slow, slowErr)
		}
	}
	short := httptest.NewRequest(http.MethodPost, "/bot1:x/sendMessage", strings.NewReader("a=1"))
	short.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	short.ContentLength = 10
	if ok, err := readForm(short, params{}); !ok || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a short body: %v, %v", ok, err)
	}
	for _, r := range []*http.Request{
		httptest.NewRequest(http.MethodPost, "/bot1:x/sendMessage?x=1", strings.NewReader("a=1")),
		httptest.NewRequest(http.MethodGet, "/bot1:x/getMe", nil),
	} {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if ok, _ := readForm(r, params{}); ok {
			t.Errorf("%s %s taken by readForm", r.Method, r.URL)
		}
	}
}
