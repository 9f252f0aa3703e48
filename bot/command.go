package bot

import "strings"

// Button payloads produced by the engine. Node payloads are "n:" + node id;
// ids are at most 48 bytes, so every payload fits MaxButtonData.
const (
	dataBack        = "b"
	dataMenu        = "m"
	dataConsultant  = "c"
	dataAccept      = "a"
	dataLangPicker  = "l"
	dataCancel      = "x"
	dataEraseYes    = "f:y"
	dataEraseNo     = "f:n"
	prefixNode      = "n:"
	prefixLang      = "l:"
	prefixAccept    = "a:"
	prefixSubscribe = "s:"
	prefixUnsub     = "u:"
)

// Commands lists the commands shown in every language's command menu, with
// the messages.yaml key of each description.
var Commands = []struct{ Name, DescKey string }{
	{"start", "cmd_start"},
	{"menu", "cmd_menu"},
	{"back", "cmd_back"},
	{"language", "cmd_language"},
	{"help", "cmd_help"},
	{"consultant", "cmd_consultant"},
	{"events", "cmd_events"},
	{"forget", "cmd_forget"},
	{"stop", "cmd_stop"},
}

// parseCommand splits "/start@InfopunktBot housing" into ("start",
// "housing"). ok is false when text is not a command.
func parseCommand(text string) (name, arg string, ok bool) {
	text = strings.TrimSpace(text)
	if len(text) < 2 || text[0] != '/' {
		return "", "", false
	}
	head, arg, _ := strings.Cut(text[1:], " ")
	head, _, _ = strings.Cut(head, "@")
	return strings.ToLower(head), strings.TrimSpace(arg), head != ""
}
