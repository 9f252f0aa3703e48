// Package content holds the shipped FAQ: the decision trees (faq/*.yaml),
// the UI strings (messages.yaml), the event categories (events.yaml) and the
// JSON Schemas editors use (schema/). They are embedded in the binary, so
// the bot runs with no files around it; INFOPUNKT_CONTENT points it at a
// directory instead, which is watched and reloaded.
package content

import (
	"embed"
	"io/fs"
)

//go:embed *.yaml faq/*.yaml schema/*.json
var files embed.FS

// FS returns the embedded content directory.
func FS() fs.FS { return files }
