package bot

import (
	"fmt"
	"time"

	"github.com/infopunkt/infopunkt/faq"
)

// Month names in the form a date uses ("14 березня", "14 marca"), and
// short weekday names, per language. English is written the British way
// ("Tue 14 March"), as Poland writes the day before the month.
var (
	monthNames = [faq.NumLangs][12]string{
		faq.UK: {"січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня", "жовтня", "листопада", "грудня"},
		faq.PL: {"stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września", "października", "listopada", "grudnia"},
		faq.RU: {"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"},
		faq.EN: {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	}
	weekdayNames = [faq.NumLangs][7]string{
		faq.UK: {"нд", "пн", "вт", "ср", "чт", "пт", "сб"},
		faq.PL: {"niedz.", "pon.", "wt.", "śr.", "czw.", "pt.", "sob."},
		faq.RU: {"вс", "пн", "вт", "ср", "чт", "пт", "сб"},
		faq.EN: {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
	}
)

// FormatWhen writes t in loc (Polish local time) the way lang writes a
// date, 24-hour clock: "вт, 14 березня, 18:00", "wt., 14 marca, 18:00",
// "Tue 14 March, 18:00".
func FormatWhen(t time.Time, lang faq.Lang, loc *time.Location) string {
	if lang >= faq.NumLangs {
		lang = faq.EN
	}
	t = t.In(loc)
	wd, month := weekdayNames[lang][t.Weekday()], monthNames[lang][t.Month()-1]
	if lang == faq.EN {
		return fmt.Sprintf("%s %d %s, %s", wd, t.Day(), month, t.Format("15:04"))
	}
	return fmt.Sprintf("%s, %d %s, %s", wd, t.Day(), month, t.Format("15:04"))
}
