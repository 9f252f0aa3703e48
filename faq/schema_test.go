package faq_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"
)

// schema is the part of a JSON Schema the tests look at.
type schema struct {
	Schema               string                     `json:"$schema"`
	Required             []string                   `json:"required"`
	Properties           map[string]json.RawMessage `json:"properties"`
	AdditionalProperties *bool                      `json:"additionalProperties"`
}

func readSchema(t *testing.T, name string) schema {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "content", "schema", name))
	if err != nil {
		t.Fatal(err)
	}
	var s schema
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if s.Schema != "http://json-schema.org/draft-07/schema#" {
		t.Errorf("%s: $schema %q, want draft-07", name, s.Schema)
	}
	if s.AdditionalProperties == nil || *s.AdditionalProperties {
		t.Errorf("%s: additionalProperties must be false", name)
	}
	return s
}

// topKeys returns the top-level keys of a YAML file.
func topKeys(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// TestSchemasAllowValidFixtures checks that every valid fixture's top-level
// keys are allowed by its schema and that the schema's required keys are there.
func TestSchemasAllowValidFixtures(t *testing.T) {
	topics, _ := filepath.Glob("testdata/valid/faq/*.yaml")
	cases := map[string][]string{
		"topic.schema.json":    topics,
		"messages.schema.json": {"testdata/valid/messages.yaml"},
		"events.schema.json":   {"testdata/valid/events.yaml"},
		"crisis.schema.json":   {"testdata/valid/crisis.yaml"},
		"synonyms.schema.json": {"testdata/valid/synonyms.yaml"},
	}
	for name, files := range cases {
		s := readSchema(t, name)
		if len(files) == 0 {
			t.Errorf("%s: no fixtures", name)
		}
		for _, f := range files {
			keys := topKeys(t, f)
			for _, k := range keys {
				if _, ok := s.Properties[k]; !ok {
					t.Errorf("%s: key %q not allowed by %s", f, k, name)
				}
			}
			for _, k := range s.Required {
				if !slices.Contains(keys, k) {
					t.Errorf("%s: lacks key %q required by %s", f, k, name)
				}
			}
		}
	}
}
