package faq

import (
	"slices"
	"testing"
)

func TestDelIndex(t *testing.T) {
	d := newDelIndex()
	words := []string{"karta", "karty", "parta"}
	for i, w := range words {
		for _, v := range variants(w) {
			d.add(v, int32(i))
		}
	}
	d.add("karta", 0) // the same term again is not a second candidate
	var single [1]int32
	for _, tc := range []struct {
		variant string
		want    []int32
	}{
		{"karta", []int32{0}},         // the word itself
		{"kart", []int32{0, 1}},       // shared by karta and karty
		{"arta", []int32{0, 2}},       // shared by karta and parta
		{"karty", []int32{1}},         // only karty
		{"zzzzz", nil},                // nobody's
		{"", nil},                     // nothing
		{"krta", []int32{0}},          // karta without its a
		{"kary", []int32{1}},          // karty without its t
		{"parta", []int32{2}},         // only parta
		{"part", []int32{2}},          // only parta
		{"karta karty", []int32(nil)}, // not a variant
	} {
		got := d.lookup([]byte(tc.variant), &single)
		if !slices.Equal(slices.Sorted(slices.Values(got)), tc.want) {
			t.Errorf("lookup(%q) = %v, want %v", tc.variant, got, tc.want)
		}
	}
}
