package bot

import "slices"

// events lists the event categories with a subscribe/unsubscribe toggle;
// note, if set, comes first (the confirmation of a toggle).
func (t *turn) events(note string) {
	if len(t.c.Categories) == 0 {
		t.reply(Reply{Text: t.msg("events_none"), Buttons: [][]Button{{t.menuButton()}}})
		return
	}
	rows := make([][]Button, 0, len(t.c.Categories)+1)
	for _, cat := range t.c.Categories {
		rows = append(rows, []Button{t.subscribeButton(cat.ID, "")})
	}
	rows = append(rows, []Button{t.menuButton()})
	text := t.msg("events_intro")
	if note != "" {
		text = note + "\n\n" + text
	}
	t.reply(Reply{Text: text, Buttons: rows, EditRef: t.editRef()})
}

// subscribeButton toggles a category; label overrides the default text.
func (t *turn) subscribeButton(id, label string) Button {
	cat := t.c.Category(id)
	name := id
	if cat != nil {
		name = cat.Title.In(t.st().Lang)
	}
	if slices.Contains(t.st().Subs, id) {
		return Button{Label: fill(t.msg("btn_unsubscribe"), "{category}", name), Data: prefixUnsub + id}
	}
	if label == "" {
		label = fill(t.msg("btn_subscribe"), "{category}", name)
	}
	return Button{Label: label, Data: prefixSubscribe + id}
}

// subscribe changes a subscription and shows the updated list.
func (t *turn) subscribe(id string, on bool) {
	cat := t.c.Category(id)
	if cat == nil {
		t.stale()
		return
	}
	st := t.st()
	has := slices.Contains(st.Subs, id)
	key := "subscribed"
	switch {
	case on && !has:
		st.Subs = append(st.Subs, id)
		t.effect(Effect{Kind: EffectSubscribe, Category: id})
	case !on && has:
		st.Subs = slices.DeleteFunc(st.Subs, func(s string) bool { return s == id })
		t.effect(Effect{Kind: EffectUnsubscribe, Category: id})
	}
	if !on {
		key = "unsubscribed"
	}
	t.events(fill(t.msg(key), "{category}", cat.Title.In(st.Lang)))
}
