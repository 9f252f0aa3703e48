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
// Send-like calls (sendMessage, editMessageText, sendPhoto, sendDocument)
// are counted in sliding windows per private chat, per group and globally
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
