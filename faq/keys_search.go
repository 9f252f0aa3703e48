package faq

// searchMessages are the UI string keys of search, crisis replies and first contact.
var searchMessages = []string{
	"crisis_intro",          // above the emergency answer a danger signal brings up
	"crisis_more",           // above the other answers offered after an emergency answer
	"need_consent_question", // a question typed before consent will be answered after it
	"local_open_url",        // terminal chat: a URL button was pressed; {url}
	"local_no_button",       // terminal chat: a number that is no button; {n}
}
