package faq

import "hash/maphash"

// delIndex maps the one-byte deletions of the vocabulary's words to the
// terms that have them, for the typo search. It keys by a 64-bit hash of
// the variant rather than by the string: the variants are most of the
// index's memory (about 6 MB of strings and small slices for the shipped
// content), and every candidate it returns is checked against the query
// by quality anyway, so a hash collision can only add a candidate that is
// then rejected. Most variants belong to one term, whose id is stored
// inline; the rest point into multi.
type delIndex struct {
	seed  maphash.Seed
	one   map[uint64]int32 // id ≥ 0: one term; id < 0: multi[-id-1]
	multi [][]int32
}

func newDelIndex() delIndex {
	return delIndex{seed: maphash.MakeSeed(), one: map[uint64]int32{}}
}

// add records that term t has variant v.
func (d *delIndex) add(v string, t int32) {
	h := maphash.String(d.seed, v)
	id, ok := d.one[h]
	switch {
	case !ok:
		d.one[h] = t
	case id >= 0:
		if id == t {
			return
		}
		d.multi = append(d.multi, []int32{id, t})
		d.one[h] = -int32(len(d.multi))
	default:
		d.multi[-id-1] = append(d.multi[-id-1], t)
	}
}

// lookup returns the terms that may have variant v. The slice must not be
// modified.
func (d *delIndex) lookup(v []byte, single *[1]int32) []int32 {
	id, ok := d.one[maphash.Bytes(d.seed, v)]
	switch {
	case !ok:
		return nil
	case id >= 0:
		single[0] = id
		return single[:]
	}
	return d.multi[-id-1]
}
