package faq

// opsMessages are the UI string keys of operations (CLI and admin replies shown to users).
var opsMessages = []string{
	"flood_notice", // a chat sent so many messages at once that some were left unanswered
}
