package faq

import (
	"io/fs"
	"slices"

	"gopkg.in/yaml.v3"
)

// messageRule checks UI strings: each is sent as a Telegram message.
var messageRule = textRule{all: true, max: 4096, length: utf16Len}

// loadMessages decodes messages.yaml and checks that every key of
// RequiredMessages is there.
func (l *loader) loadMessages(fsys fs.FS) {
	f := l.file("messages.yaml")
	root := f.load(fsys, "messages.yaml", true)
	if root == nil {
		return
	}
	top := f.fields(root, "messages.yaml", []string{"messages"})
	if top == nil || !f.require(root, top, "messages") {
		return
	}
	v := top.val("messages")
	for _, p := range f.pairs(v, "messages") {
		key := p.key.Value
		if !slices.Contains(RequiredMessages, key) {
			f.warnf(p.key, "unknown message key %q (not in faq.RequiredMessages)", key)
		}
		r := messageRule
		r.what = "messages." + key
		l.c.Messages[key] = f.text(p.val, r)
	}
	if v.Kind != yaml.MappingNode {
		return
	}
	for _, key := range RequiredMessages {
		if _, ok := l.c.Messages[key]; !ok {
			f.errorf(v, "missing message %q", key)
		}
	}
}
