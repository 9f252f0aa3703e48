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

// loadEvents decodes events.yaml; without the file there are no categories.
func (l *loader) loadEvents(fsys fs.FS) {
	f := l.file("events.yaml")
	root := f.load(fsys, "events.yaml", false)
	if root == nil {
		return
	}
	top := f.fields(root, "events.yaml", []string{"categories"})
	if top == nil || !f.require(root, top, "categories") {
		return
	}
	for _, item := range f.list(top.val("categories"), "categories") {
		l.category(f, item)
	}
}

// category decodes one event category.
func (l *loader) category(f *file, item *yaml.Node) {
	fs := f.fields(item, "category", []string{"id", "title"})
	if fs == nil {
		return
	}
	f.require(item, fs, "id", "title")
	c := &Category{}
	if v := fs.val("id"); v != nil {
		c.ID = f.id(v, "id")
		if first, dup := l.cats[c.ID]; dup && c.ID != "" {
			f.errorf(v, "duplicate category id %q (first defined at %s)", c.ID, first)
		} else if c.ID != "" {
			l.cats[c.ID] = f.pos(v)
		}
	}
	if v := fs.val("title"); v != nil {
		c.Title = f.text(v, titleRule)
	}
	l.c.Categories = append(l.c.Categories, c)
}
