package faq

// searchMessages are the UI string keys of search, crisis replies and first contact.
var searchMessages = []string{}
