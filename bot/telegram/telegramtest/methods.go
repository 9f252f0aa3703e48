package telegramtest

import (
	"encoding/json"
	"net/http"
	"regexp"
)

// BotCommand is one entry of a command menu.
type BotCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// Commands returns the command menu set for languageCode ("" = default).
func (s *Server) Commands(languageCode string) []BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]BotCommand(nil), s.commands[languageCode]...)
}

// CallbackAnswered reports whether answerCallbackQuery was called for id.
func (s *Server) CallbackAnswered(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callbacks[id]
}

func (s *Server) answerCallbackQuery(_ *http.Request, p params) (any, *apiError) {
	if utf16Len(p["text"]) > 200 {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := p["callback_query_id"]
	if _, ok := s.callbacks[id]; !ok {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	s.callbacks[id] = true
	return true, nil
}

var (
	commandRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
	langRE    = regexp.MustCompile(`^[a-z]{2}$`)
)

func (s *Server) setMyCommands(_ *http.Request, p params) (any, *apiError) {
	var cmds []BotCommand
	if err := json.Unmarshal([]byte(p["commands"]), &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON array")
	}
	if len(cmds) > 100 {
		return nil, badRequest("too many commands")
	}
	for _, c := range cmds {
		if !commandRE.MatchString(c.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if n := utf16Len(c.Description); n < 1 || n > 256 {
			return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	lang := p["language_code"]
	if lang != "" && !langRE.MatchString(lang) {
		return nil, badRequest("LANG_CODE_INVALID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commands[lang] = cmds
	return true, nil
}

func (s *Server) getMyCommands(_ *http.Request, p params) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]BotCommand{}, s.commands[p["language_code"]]...), nil
}
