package viber

import (
	"fmt"
	"unicode/utf16"
)

// Limits of the Viber REST Bot API.
const (
	// MaxRequestSize is the largest request JSON Viber accepts.
	MaxRequestSize = 30 * 1024
	// MaxTextLength is the longest text message, in characters. We count
	// UTF-16 code units, which is never fewer than characters.
	MaxTextLength = 7000
	// MaxSenderName is the longest sender name.
	MaxSenderName = 28
	// MaxButtonText is the longest button label, in characters.
	MaxButtonText = 250
	// KeyboardAPIVersion is the min_api_version sent with keyboards.
	KeyboardAPIVersion = 7
)

// MessageType is the "type" of a message.
type MessageType string

// The message types this client sends. Viber also has contact, sticker
// and rich_media, which Infopunkt does not send.
const (
	TypeText     MessageType = "text"
	TypeURL      MessageType = "url"
	TypePicture  MessageType = "picture"
	TypeFile     MessageType = "file"
	TypeVideo    MessageType = "video"
	TypeLocation MessageType = "location"
)

// Media limits of send_message (Viber REST Bot API).
const (
	// MaxPictureText is the longest picture description, in characters.
	MaxPictureText = 768
	// MaxPictureSize is the largest picture every client shows (1 MB on
	// iOS, 3 MB on Android); larger pictures go as files.
	MaxPictureSize = 1 << 20
	// MaxVideoSize is the largest video message (26 MB).
	MaxVideoSize = 26 << 20
	// MaxFileSize is the largest file message (50 MB).
	MaxFileSize = 50 << 20
	// MaxFileName is the longest file_name, in characters.
	MaxFileName = 256
)

// Location is a point on the map.
type Location struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Sender is the name (and avatar) shown on a bot message.
type Sender struct {
	Name   string `json:"name"`
	Avatar string `json:"avatar,omitempty"`
}

// Message is the body of send_message, and of the welcome message returned
// to conversation_started (which has no Receiver).
type Message struct {
	Receiver      string      `json:"receiver,omitempty"`
	Type          MessageType `json:"type"`
	Sender        Sender      `json:"sender"`
	TrackingData  string      `json:"tracking_data,omitempty"`
	MinAPIVersion int         `json:"min_api_version,omitempty"`
	Text          string      `json:"text,omitempty"`      // text; picture caption
	Media         string      `json:"media,omitempty"`     // url, picture, file: the URL
	Thumbnail     string      `json:"thumbnail,omitempty"` // picture
	Size          int64       `json:"size,omitempty"`      // file, video: bytes
	FileName      string      `json:"file_name,omitempty"` // file
	Duration      int         `json:"duration,omitempty"`  // video: seconds
	Location      *Location   `json:"location,omitempty"`  // location
	Keyboard      *Keyboard   `json:"keyboard,omitempty"`
}

// Keyboard is a custom keyboard shown under the input field. The grid is
// six columns wide; buttons flow left to right and wrap.
type Keyboard struct {
	Type          string   `json:"Type"` // always "keyboard"
	DefaultHeight bool     `json:"DefaultHeight"`
	BgColor       string   `json:"BgColor,omitempty"`
	Buttons       []Button `json:"Buttons"`
}

// Button is one keyboard button.
type Button struct {
	Columns    int    `json:"Columns"`              // 1–6
	Rows       int    `json:"Rows"`                 // 1–2
	ActionType string `json:"ActionType"`           // "reply" or "open-url"
	ActionBody string `json:"ActionBody"`           // reply: the text sent back; open-url: the URL
	Text       string `json:"Text,omitempty"`       // label; Viber's limited HTML, so escape & < >
	TextSize   string `json:"TextSize,omitempty"`   // small, regular, large
	TextVAlign string `json:"TextVAlign,omitempty"` // top, middle, bottom
	TextHAlign string `json:"TextHAlign,omitempty"` // left, center, right
	BgColor    string `json:"BgColor,omitempty"`
	// Silent hides the user's tap (the ActionBody) from the conversation.
	Silent bool `json:"Silent,omitempty"`
}

// Action types of a Button.
const (
	ActionReply   = "reply"
	ActionOpenURL = "open-url"
)

// validate checks what Viber would reject with badData or missingData, so
// such a message costs no request.
func (m *Message) validate() error {
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrInvalidMessage, what) }
	switch {
	case m.Sender.Name == "":
		return bad("no sender name")
	case len([]rune(m.Sender.Name)) > MaxSenderName:
		return bad("sender name longer than 28 characters")
	}
	switch m.Type {
	case TypeText:
		if m.Text == "" {
			return bad("empty text")
		}
		if TextLength(m.Text) > MaxTextLength {
			return bad("text longer than 7000 characters")
		}
	case TypeURL:
		if m.Media == "" {
			return bad("no media")
		}
	case TypePicture:
		if m.Media == "" {
			return bad("no media")
		}
		if TextLength(m.Text) > MaxPictureText {
			return bad("picture text longer than 768 characters")
		}
	case TypeVideo:
		if m.Media == "" || m.Size <= 0 {
			return bad("video needs media and size")
		}
	case TypeFile:
		if m.Media == "" || m.Size <= 0 || m.FileName == "" {
			return bad("file needs media, size and file_name")
		}
		if len([]rune(m.FileName)) > MaxFileName {
			return bad("file_name longer than 256 characters")
		}
	case TypeLocation:
		if m.Location == nil || m.Location.Lat < -90 || m.Location.Lat > 90 || m.Location.Lon < -180 || m.Location.Lon > 180 {
			return bad("location needs lat and lon")
		}
	default:
		return bad("unsupported type " + string(m.Type))
	}
	return nil
}

// TextLength is the length of s as Viber counts it, conservatively: UTF-16
// code units, so an emoji counts twice.
func TextLength(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// AccountInfo is the reply of get_account_info.
type AccountInfo struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	URI              string   `json:"uri"`
	Icon             string   `json:"icon"`
	Background       string   `json:"background"`
	Category         string   `json:"category"`
	Subcategory      string   `json:"subcategory"`
	Country          string   `json:"country"`
	Webhook          string   `json:"webhook"`
	EventTypes       []string `json:"event_types"`
	SubscribersCount int      `json:"subscribers_count"`
}

// UserDetails is the user of get_user_details. Name is personal data:
// never log it.
type UserDetails struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Avatar          string `json:"avatar"`
	Country         string `json:"country"`
	Language        string `json:"language"`
	PrimaryDeviceOS string `json:"primary_device_os"`
	APIVersion      int    `json:"api_version"`
	ViberVersion    string `json:"viber_version"`
	DeviceType      string `json:"device_type"`
}
