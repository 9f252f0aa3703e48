package faq

// deskMessages are the UI string keys of the consultants' desk and the hand-off.
var deskMessages = []string{}
