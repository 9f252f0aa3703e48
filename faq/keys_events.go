package faq

// eventMessages are the UI string keys of events and reminders.
var eventMessages = []string{
	"btn_events",
	"events_upcoming",
	"events_empty",
	"events_follow",
	"btn_remind",
	"btn_remind_off",
	"btn_my_reminders",
	"my_reminders",
	"my_reminders_none",
	"btn_remove",
	"remind_on",
	"remind_off",
	"remind_viber_note",
	"event_online",
	"event_example",
	"btn_register",
	"btn_map",
	"btn_join",
	"reminder_title",
	"btn_stop_reminders",
	"btn_calendar",
	"event_changed",
	"event_cancelled",
	"event_unknown",
}
