// Package telegramtest is a fake Telegram Bot API server for tests.
//
// A Server listens on loopback (net/http/httptest) and speaks the Bot API
// wire format: requests to /bot<token>/<method> with form-encoded, multipart
// or JSON bodies, answers {"ok":true,"result":…} or the error shapes Telegram
// uses. Tests point a real client at Server.URL() and inspect what it did.
//
// # Acting as users
//
// PushMessage, PushCommand, PushCallback, PushMyChatMember and PostRaw queue
// updates. They are delivered by getUpdates (with real offset semantics and
// long polling) or, once setWebhook was called, POSTed one at a time to the
// webhook URL with the X-Telegram-Bot-Api-Secret-Token header, retried after
// Options.WebhookRetryDelay while the receiver answers non-2xx.
//
// # Groups, topics and media
//
// AddGroup registers a supergroup (Forum for topics) or a basic group;
// AddMember, RemoveMember and BanMember set what getChatMember answers;
// SetBotRights takes away the bot's rights to manage topics or delete
// messages. Push sends any message as a user: into a topic (with
// is_topic_message and the topic's creation message as reply_to_message,
// as Telegram does), as a reply (a non-forum supergroup also gets the reply
// thread's message_thread_id), with a photo, document, voice note, video,
// sticker or location whose files AddFile holds and getFile plus
// /file/bot<token>/<path> serve. The fake keeps every message, so
// copyMessage, reply_parameters and deleteMessage (48-hour rule, rights)
// answer like Telegram; createForumTopic, closeForumTopic,
// reopenForumTopic and deleteForumTopic answer TOPIC_NOT_MODIFIED,
// TOPIC_ID_INVALID, TOPIC_CLOSED and "message thread not found" where
// Telegram does. Media sends take a file_id, an upload, or a URL, which is
// fetched only from loopback (the fake contacts no other host).
//
// # Validation
//
// sendMessage and editMessageText check the text the way Telegram does:
// 1–4096 UTF-16 code units after parsing, HTML well-formed with only
// Telegram's tags and entities (this fake is stricter than Telegram about a
// bare "&": it must be escaped), inline keyboards with callback_data of
// 1–64 bytes. setMyCommands, setWebhook and answerCallbackQuery check their
// documented limits.
//
// # Limits
//
// Send-like calls (sendMessage, editMessageText, copyMessage and the
// media sends) are counted in sliding windows per private chat, per group and globally
// (see Limits for the defaults). A call over a limit gets HTTP 429 with
// retry_after and counts in Violations; a call to a chat before its announced
// retry_after expired counts in EarlyRetries.
//
// # Faults
//
// Options.Faults (or SetFaults) injects random 429s, 500s, 502s, hangs and
// connection resets with a seeded generator; InjectNext queues an exact
// fault for the next call of a method.
package telegramtest
