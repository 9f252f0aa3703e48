package telegram

import (
	"context"
	"errors"
	"strconv"

	"github.com/infopunkt/infopunkt/bot"
)

// maxCaption is Telegram's limit on a caption after entity parsing, in
// UTF-16 code units.
const maxCaption = 1024

// mediaMethod is the Bot API method and file parameter for each kind.
var mediaMethod = map[bot.MediaKind]struct{ method, param string }{
	bot.MediaPhoto:    {"sendPhoto", "photo"},
	bot.MediaDocument: {"sendDocument", "document"},
	bot.MediaVoice:    {"sendVoice", "voice"},
	bot.MediaVideo:    {"sendVideo", "video"},
	bot.MediaSticker:  {"sendSticker", "sticker"},
}

// sendCopy copies r.Copy with copyMessage: no "forwarded from" header, so
// a consultant's name or a user's account is not shown. Text, if set,
// replaces the caption of a media message (Telegram ignores it for text
// messages); a Text over 1024 characters follows as messages instead.
// Title, Links and Media are not used.
func (a *Adapter) sendCopy(ctx context.Context, r bot.Reply, o out) (bot.Receipt, error) {
	from, err := chatID(r.Copy.Chat)
	msg, perr := strconv.ParseInt(r.Copy.Ref, 10, 64)
	if err != nil || perr != nil || msg <= 0 {
		return bot.Receipt{}, &bot.SendError{Kind: bot.SendPermanent, Reason: "tg_copy_foreign"}
	}
	var texts []string
	caption := buildDoc(bot.Reply{Text: r.Text}).parts(maxCaption)
	if len(caption) > 1 {
		// Too long for a caption: the copy keeps its own, the text follows.
		texts, caption = buildDoc(bot.Reply{Text: r.Text}).parts(maxText), nil
	}
	p := o.params(len(texts) == 0, 200)
	p.int("from_chat_id", from)
	p.int("message_id", msg)
	if len(caption) == 1 {
		p.str("caption", caption[0])
		p.str("parse_mode", "HTML")
	}
	id, err := a.send(ctx, "copyMessage", &p)
	if err != nil {
		return bot.Receipt{}, a.sendError(o.chat, err)
	}
	var rc bot.Receipt
	if id != "" {
		rc.Refs = append(rc.Refs, id)
	}
	return a.sendTexts(ctx, rc, texts, o)
}

// sendMedia sends r.Media by its Telegram FileID, or else by URL, with the
// reply's text as the caption when it fits; a longer text (and any text
// with a location or sticker, which take none) follows as messages.
// Buttons go under the last message.
func (a *Adapter) sendMedia(ctx context.Context, r bot.Reply, o out) (bot.Receipt, error) {
	m := r.Media
	texts := buildDoc(r).parts(maxText)
	var caption string
	if m.Kind != bot.MediaLocation && m.Kind != bot.MediaSticker {
		if c := buildDoc(r).parts(maxCaption); len(c) == 1 {
			caption, texts = c[0], nil
		}
	}
	p := o.params(len(texts) == 0, len(caption)+len(caption)/8+200)
	method := "sendLocation"
	if m.Kind == bot.MediaLocation {
		p.float("latitude", m.Lat)
		p.float("longitude", m.Lon)
	} else {
		kind := m.Kind
		if kind == bot.MediaSticker && m.FileID == "" {
			// Another platform's sticker is an image (Viber: PNG), which
			// sendSticker would refuse.
			kind = bot.MediaPhoto
		}
		mm, ok := mediaMethod[kind]
		ref := m.FileID
		if ref == "" {
			ref = m.URL
		}
		if !ok || ref == "" {
			return bot.Receipt{}, &bot.SendError{Kind: bot.SendPermanent, Reason: "tg_bad_media"}
		}
		method = mm.method
		if !needsUpload(*m) {
			p.str(mm.param, ref)
		}
		if caption != "" {
			p.str("caption", caption)
			p.str("parse_mode", "HTML")
		}
	}
	var id string
	var err error
	if needsUpload(*m) {
		id, err = a.upload(ctx, method, mediaMethod[m.Kind].param, &p, *m)
	} else {
		id, err = a.send(ctx, method, &p)
	}
	if fe, ok := errors.AsType[*fetchError](err); ok {
		return bot.Receipt{}, fe.sendError()
	}
	if err != nil {
		return bot.Receipt{}, a.sendError(o.chat, err)
	}
	var rc bot.Receipt
	if id != "" {
		rc.Refs = append(rc.Refs, id)
	}
	return a.sendTexts(ctx, rc, texts, o)
}
