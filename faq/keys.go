package faq

import "slices"

// RequiredMessages lists the UI string keys the engine uses; Validate
// reports any that messages.yaml lacks or leaves untranslated. Each area of
// the bot keeps its keys in its own list (keys_*.go).
var RequiredMessages = slices.Concat(coreMessages, deskMessages, eventMessages, searchMessages, opsMessages)

// coreMessages are the keys of the conversation engine's core.
var coreMessages = []string{
	"privacy_notice",    // first contact: what is stored, for how long, how to erase it
	"btn_accept",        // accept the privacy notice
	"choose_language",   // language picker prompt
	"language_set",      // confirmation after choosing a language
	"main_menu",         // what the info point is, consultant hours; shown above the topic buttons
	"btn_back",          // navigation
	"btn_menu",          // navigation
	"btn_consultant",    // talk to a consultant
	"btn_subscribe",     // subscribe to an event category; {category} is replaced
	"btn_unsubscribe",   // unsubscribe; {category} is replaced
	"btn_open",          // default label of an open-URL action
	"btn_yes_erase",     // confirm /forget
	"btn_cancel",        // cancel /forget or leave the consultant queue
	"help",              // /help: what the bot does and the commands
	"unknown_command",   // an unknown /command
	"empty_message",     // an empty or unreadable message
	"too_long",          // a message far longer than any question
	"search_choices",    // "Did you mean:" above up to three results
	"search_miss",       // nothing matched; offers a consultant
	"sources",           // label above the list of official sources
	"reviewed",          // "Checked: {date}"
	"disclaimer",        // general information, not legal advice
	"stale_button",      // a button whose node no longer exists
	"need_consent",      // the user writes before accepting the notice
	"handoff_requested", // a consultant will answer; hours
	"handoff_waiting",   // message passed on while waiting for a consultant
	"handoff_cancelled", // the user left the consultant queue
	"forget_confirm",    // /forget: are you sure?
	"forget_done",       // all data erased
	"forget_cancelled",  // /forget cancelled
	"stop_done",         // /stop: no more messages until /start
	"events_intro",      // /events: choose categories to subscribe to
	"events_none",       // no event categories exist
	"subscribed",        // {category}
	"unsubscribed",      // {category}
	"cmd_start",         // command menu descriptions (setMyCommands)
	"cmd_menu",
	"cmd_back",
	"cmd_language",
	"cmd_help",
	"cmd_consultant",
	"cmd_events",
	"cmd_forget",
	"cmd_stop",
}
