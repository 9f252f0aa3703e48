// Package telegram connects the bot to Telegram through the Bot API.
//
// An Adapter receives updates either by long polling (Poll) or as a webhook
// (SetWebhook and WebhookHandler), translates them into bot.Update values and
// passes them to a Handler; it also implements bot.Sender for the outbox.
// No Telegram type leaves this package.
//
// # Receiving
//
// Poll runs its own getUpdates loop (tgbotapi's GetUpdatesChan sleeps a
// fixed 3 s on errors, ignores retry_after and cannot be interrupted). The
// poll offset lives in meta key "telegram/offset" and moves past a batch only
// after Handler.Handle returned nil for every update in it, so an update is
// confirmed to Telegram only once its effects are committed. Updates of one
// chat are handled in order, different chats of a batch concurrently. A 409
// from getUpdates means another process polls the same token: Poll returns
// ErrConflict.
//
// The webhook handler checks the X-Telegram-Bot-Api-Secret-Token header in
// constant time and answers 200 only after Handle returned nil, 500
// otherwise so Telegram re-sends. Replays in both modes are harmless because
// the store dedupes on Update.DedupKey ("tg:<update_id>").
//
// # Mapping
//
//   - message (text or caption) → bot.UpdateText; "/cmd@ThisBot args" becomes
//     "/cmd args"
//   - callback_query → bot.UpdateButton with MessageRef = message_id; every
//     callback query is answered after Handle returns
//   - my_chat_member in a private chat: kicked → bot.UpdateBlocked,
//     member → bot.UpdateUnblocked
//
// Groups other than Config.DeskChatID, channels, edited messages, messages
// without text and unknown update types are ignored without error.
//
// # Sending
//
// Send renders a bot.Reply as HTML (bold title, escaped text, one link per
// line), splits it into messages of at most 4096 UTF-16 code units at
// paragraph, line or word boundaries, and puts the inline keyboard on the
// last one. Button data that is not a valid callback_data (over 64 bytes,
// empty, or starting with "k:") is stored in meta and replaced by a short
// "k:<hash>" key that is resolved when the button is pressed. Failures are
// reported as *bot.SendError.
package telegram
