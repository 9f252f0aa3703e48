package telegramtest

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzScanKeyboard checks that every markup scanKeyboard takes gives what
// encoding/json gives: the same buttons or the same error.
func FuzzScanKeyboard(f *testing.F) {
	for _, seed := range []string{
		`{"inline_keyboard":[[{"text":"Legal","callback_data":"n:legal"},{"text":"Web","url":"https://x"}],[{"text":"X","callback_data":"n:x"}]]}`,
		` { "inline_keyboard" : [ [ { "text" : "Ä ✓" , "callback_data" : "d" } ] , [ ] ] } `,
		`{"inline_keyboard":[]}`,
		`{"inline_keyboard":[[]]}`,
		`{"inline_keyboard":[[{"text":"a","callback_data":"x","callback_data":""}]]}`,
		`{"inline_keyboard":[[{"text":"a","url":"ftp://x"}]]}`,
		`{"inline_keyboard":[[{"text":"","callback_data":"x"}]]}`,
		`{"inline_keyboard":[[{"text":"a"}]]}`,
		`{"inline_keyboard":[[{"text":"a","callback_data":"` + strings.Repeat("d", 65) + `"}]]}`,
		`{"inline_keyboard":[[{"text":"a\u0041","callback_data":"x"}]]}`,
		`{"inline_keyboard":[[{"text":"a","callback_data":1}]]}`,
		`{"Inline_Keyboard":[[{"text":"a","callback_data":"x"}]]}`,
		`{"inline_keyboard":[[{"Text":"a","callback_data":"x"}]]}`,
		`{"inline_keyboard":[[{"text":"a","callback_data":"x"}],]}`,
		`{"inline_keyboard":[[{"text":"a","callback_data":"x"}]]} x`,
		`{"inline_keyboard":[[{"text":"a","callback_data":"x"}]]`,
		`{"inline_keyboard":[[{"text":"\xff","callback_data":"x"}]]}`,
		`{"inline_keyboard":null}`,
		`{"inline_keyboard":[[{"text":"Life \u0026 Polish \"q\" \\ \/ \n\t\r\b\f \u00e4","callback_data":"n:life"}]]}`,
		`{"inline_keyboard":[[{"text":"\ud83d\ude00","callback_data":"x"}]]}`,
		`{"inline_keyboard":[[{"text":"\u12","callback_data":"x"}]]}`,
		`{"inline_keyboard":[[{"text":"\x","callback_data":"x"}]]}`,
		`{"inline_keyboard":[[{"text":"\u00zz","callback_data":"x"}]]}`,
		`{"inline_keyboard":[[{"text":"\u+123","callback_data":"x"}]]}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, markup string) {
		rows, ok := scanKeyboard(markup)
		if !ok {
			return
		}
		got, gotErr := checkKeyboard(len(rows), func(i int) []buttonField { return rows[i] })
		want, wantErr := decodeKeyboard(markup)
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotErr, wantErr) {
			t.Fatalf("%q: scanned %v, %v; encoding/json %v, %v", markup, got, gotErr, want, wantErr)
		}
	})
}

// TestScanKeyboardTakesTheUsualShape keeps the fast path in use for what
// clients send, and out of the way of what it does not read.
func TestScanKeyboardTakesTheUsualShape(t *testing.T) {
	for markup, want := range map[string]bool{
		`{"inline_keyboard":[[{"text":"Legal","callback_data":"n:legal"},{"text":"Web","url":"https://x"}]]}`: true,
		`{"inline_keyboard":[[{"text":"Life \u0026 Polish","callback_data":"n:life"}]]}`:                      true,
		`{"inline_keyboard":[[{"text":"\ud83d\ude00","callback_data":"x"}]]}`:                                 false,
		`{"inline_keyboard":[[{"text":"a","pay":true}]]}`:                                                     false,
		`{"inline_keyboard":[[{"text":"a","callback_data":"x"}]],"x":1}`:                                      false,
	} {
		if _, ok := scanKeyboard(markup); ok != want {
			t.Errorf("scanKeyboard(%s) took it: %v, want %v", markup, ok, want)
		}
	}
}
