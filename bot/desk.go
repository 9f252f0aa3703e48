package bot

import "slices"

// handoff asks for a consultant. The desk consumes EffectHandoff; until a
// consultant hands the chat back, typed text is relayed (EffectRelay).
func (t *turn) handoff() {
	st := t.st()
	if st.Mode != ModeHandoff {
		st.Mode = ModeHandoff
		t.effect(Effect{Kind: EffectHandoff, Node: st.Node})
	}
	t.reply(Reply{Text: t.msg("handoff_requested"), Buttons: [][]Button{
		{{Label: t.msg("btn_cancel"), Data: dataCancel}},
	}})
}

// leaveHandoff closes the consultant request; announce says so to the user
// (false when the user simply navigated away).
func (t *turn) leaveHandoff(announce bool) {
	st := t.st()
	if st.Mode == ModeHandoff {
		t.effect(Effect{Kind: EffectHandoffCancel, Node: st.Node})
	}
	st.Mode = ModeBrowse
	if announce {
		t.reply(Reply{Text: t.msg("handoff_cancelled")})
		t.mainMenu()
	}
}

// relay passes typed text to the consultant and confirms it to the user.
func (t *turn) relay(s string) {
	if s == "" {
		t.reply(Reply{Text: t.msg("empty_message")})
		return
	}
	if len(s) > MaxQueryBytes*4 {
		t.reply(Reply{Text: t.msg("too_long")})
		return
	}
	t.effect(Effect{Kind: EffectRelay, Text: s, Node: t.st().Node})
	t.reply(Reply{Text: t.msg("handoff_waiting"), Buttons: [][]Button{
		{{Label: t.msg("btn_cancel"), Data: dataCancel}},
	}})
}

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
