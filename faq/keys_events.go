package faq

// eventMessages are the UI string keys of events and reminders.
var eventMessages = []string{}
