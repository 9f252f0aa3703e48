package faq

// opsMessages are the UI string keys of operations (CLI and admin replies shown to users).
var opsMessages = []string{}
