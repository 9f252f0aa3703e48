package content_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"path"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/infopunkt/infopunkt/content"
)

// TestShippedContentMatchesSchemas validates every shipped file against the
// JSON Schema its yaml-language-server line names, as a staff member's
// editor does: a schema stricter than the loader would underline correct
// content, and a looser one would let mistakes through unmarked.
func TestShippedContentMatchesSchemas(t *testing.T) {
	files := map[string]string{"messages.yaml": "messages", "events.yaml": "events", "crisis.yaml": "crisis", "synonyms.yaml": "synonyms", "desk.yaml": "desk"}
	topics, _ := fs.Glob(content.FS(), "faq/*.yaml")
	for _, f := range topics {
		files[f] = "topic"
	}
	for file, schema := range files {
		sch := compileSchema(t, schema)
		doc := yamlAsJSON(t, file)
		if err := sch.Validate(doc); err != nil {
			t.Errorf("%s does not match schema/%s.schema.json:\n%v", file, schema, err)
		}
	}
}

func compileSchema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	raw, err := fs.ReadFile(content.FS(), path.Join("schema", name+".schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s schema: %v", name, err)
	}
	c := jsonschema.NewCompiler()
	url := "file:///" + name + ".schema.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile %s schema: %v", name, err)
	}
	return s
}

// yamlAsJSON decodes a content file the way an editor sees it: YAML's data
// model, carried over to JSON (dates stay the strings staff wrote).
func yamlAsJSON(t *testing.T, file string) any {
	t.Helper()
	raw, err := fs.ReadFile(content.FS(), file)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := yaml.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	js, err := json.Marshal(datesAsText(v))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func datesAsText(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = datesAsText(e)
		}
	case []any:
		for i, e := range x {
			x[i] = datesAsText(e)
		}
	case time.Time:
		return x.Format("2006-01-02")
	}
	return v
}
