package bot

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
