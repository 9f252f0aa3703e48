package telegramtest

import (
	"encoding/json"
	"maps"
	"testing"
)

// FuzzSplitObject checks that splitObject reads every body it takes as
// decoding into a map of json.RawMessage does, and takes every JSON object.
func FuzzSplitObject(f *testing.F) {
	for _, seed := range []string{
		`{"chat_id":42,"text":"Привіт <b>x</b> \u0026 \"q\"","parse_mode":"HTML","reply_markup":{"inline_keyboard":[[{"text":"a","callback_data":"b"}]]}}`,
		` { "a" : null , "b" : [1, "]", {"c": "}"}] , "a\u0062" : true, "d": -1.5e3, "e": "\ud83d\ude00", "b": "last" } `,
		`{}`, `null`, `[1]`, `"x"`, `{"a":1,}`, `{"a":"\xff"}`, `{"\xff":"x"}`, `{"a":{"b":{"c":[[]]}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got := params{}
		ok := splitObject(body, got)
		var m map[string]json.RawMessage
		err := json.Unmarshal(body, &m)
		if !ok {
			if err == nil && m != nil {
				t.Fatalf("%q: a JSON object not taken", body)
			}
			if len(got) != 0 {
				t.Fatalf("%q: declined but set %v", body, got)
			}
			return
		}
		if err != nil {
			t.Fatalf("%q: taken, but encoding/json says %v", body, err)
		}
		want := params{}
		for k, v := range m {
			want[k] = paramValue(v)
		}
		if !maps.Equal(got, want) {
			t.Fatalf("%q: split %q, encoding/json %q", body, got, want)
		}
	})
}
