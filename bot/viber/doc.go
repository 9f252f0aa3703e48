// Package viber is Infopunkt's Viber adapter, written against the Viber
// REST Bot API without a third-party library.
//
// # Client
//
// Client POSTs JSON to <BaseURL>/<method> with the X-Viber-Auth-Token
// header. Viber answers HTTP 200 even on failure; a non-zero "status"
// becomes an *APIError (see the Status constants and IsStatus), a non-200
// answer an *HTTPError. Requests over 30 KB fail with ErrTooLarge before
// anything is sent.
//
// # Webhook
//
// Adapter.WebhookHandler verifies X-Viber-Content-Signature (HMAC-SHA256 of
// the raw body keyed by the token, compared in constant time) before
// parsing, rejects callbacks older than Config.MaxCallbackAge, and turns
// callbacks into bot.Updates: message → UpdateText or, for text starting
// with ButtonPrefix, UpdateButton; subscribed → UpdateUnblocked;
// unsubscribed → UpdateBlocked. A picture, video, file, location or
// sticker message becomes UpdateText with Update.Media (Viber's temporary
// URL, file name, size; a picture's description in Text); a contact is
// empty text and its phone number is not kept. DedupKey is "vb:" +
// message_token. It
// answers 200 only after the Handler committed the update.
// conversation_started is answered with the welcome message in the
// response body, the one message Viber lets a bot send before the user
// subscribes; it is never queued.
//
// # Sending
//
// Adapter.Send implements bot.Sender: plain text split at 7000 characters,
// a keyboard on the last part (reply buttons carry ButtonPrefix + data),
// Viber's statuses mapped to bot.SendError kinds, a per-user count of
// messages since the user last wrote (Viber allows 100 per hour), and a
// monthly cap on billed bot-initiated reminders kept in bot.Meta under
// "viber/reminders/<yyyy-mm>/<chat>". Reply.Media goes by URL as a picture,
// video, file or location message within Viber's limits (or as a link).
// Viber cannot copy a message: a Reply.Copy without Media fails with
// reason "viber_copy_unsupported"; send Media (with a URL) and Text.
//
// No Viber type leaves this package. The vibertest sub-package is a fake
// Viber platform for tests.
package viber
