package faq

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"testing"
)

// TestTopicSchemaMatchesLoader keeps the editor schema and the loader's key
// lists in step.
func TestTopicSchemaMatchesLoader(t *testing.T) {
	data, err := os.ReadFile("../content/schema/topic.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	type object struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	var s struct {
		object
		Definitions map[string]object `json:"definitions"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	check := func(what string, props map[string]json.RawMessage, keys []string) {
		if got := slices.Sorted(maps.Keys(props)); !slices.Equal(got, slices.Sorted(slices.Values(keys))) {
			t.Errorf("%s: schema has %v, loader allows %v", what, got, keys)
		}
	}
	check("topic", s.Properties, topicKeys)
	check("node", s.Definitions["node"].Properties, nodeKeys)
	check("action", s.Definitions["action"].Properties, actionKeys)
}
