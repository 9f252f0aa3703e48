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
// Every message also gives Ref (message_id), From (the sender's user id,
// never a name), Thread (message_thread_id, only for is_topic_message: a
// reply thread in a plain supergroup is no topic) and ReplyTo
// (reply_to_message, except a forum topic's creation message, which
// Telegram attaches to every topic message). A photo (largest size),
// document, audio (as a document), voice note, video, video note (as a
// video), sticker or location becomes Update.Media with the caption, never
// parsed as a command, in Text; a sticker has empty Text on purpose.
//
// Groups other than Config.DeskChatID, channels, edited messages, bots'
// messages, group messages with neither text nor media (service messages)
// and unknown update types are ignored without error.
//
// # Sending
//
// Send renders a bot.Reply as HTML (bold title, escaped text, one link per
// line), splits it into messages of at most 4096 UTF-16 code units at
// paragraph, line or word boundaries, and puts the inline keyboard on the
// last one. Button data that is not a valid callback_data (over 64 bytes,
// empty, or starting with "k:") is stored in meta and replaced by a short
// "k:<hash>" key that is resolved when the button is pressed. Failures are
// reported as *bot.SendError; a 429 in a group pauses that lane only.
//
// Reply.Thread goes as message_thread_id, Reply.ReplyTo as
// reply_parameters (allow_sending_without_reply). Reply.Copy is sent with
// copyMessage, which shows no "forwarded from" header. Reply.Media goes by
// its Telegram FileID, else by URL (a document Telegram cannot fetch by URL
// is downloaded and uploaded), with the text as caption when it fits 1024
// characters.
//
// # The consultants' desk and media links
//
// IsForum, IsMember, CreateTopic, CloseTopic, ReopenTopic, DeleteTopic and
// DeleteMessage are what the desk needs of the staff group. MediaLink
// turns a Telegram file into a public, expiring URL (Config.PublicURL +
// MediaPath) that MediaHandler serves by streaming the file from Telegram:
// the link is the file id sealed with AES-GCM under a key kept in meta, so
// it holds no bot token, needs no storage and survives restarts.
package telegram
