package network

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/composestack/composestack/internal/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// goldenCases lists the directories under testdata that hold an input.json.
func goldenCases(t testing.TB) []string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join("testdata", "*", "input.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(matches) < 3 {
		t.Fatalf("only %d golden cases under testdata", len(matches))
	}
	cases := make([]string, 0, len(matches))
	for _, m := range matches {
		cases = append(cases, filepath.Dir(m))
	}
	return cases
}

func loadInput(t testing.TB, dir string) Input {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "input.json"))
	if err != nil {
		t.Fatal(err)
	}
	var in Input
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		t.Fatalf("%s/input.json: %v", dir, err)
	}
	return in
}

func TestGolden(t *testing.T) {
	for _, dir := range goldenCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			body, err := Render(loadInput(t, dir))
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			var out bytes.Buffer
			if err := json.Indent(&out, body, "", "  "); err != nil {
				t.Fatalf("the template is not JSON: %v", err)
			}
			out.WriteByte('\n')
			golden.Compare(t, filepath.Join(dir, "template.golden.json"), out.Bytes(), *update)
		})
	}
}

// TestCfnLint fails on any cfn-lint finding in the golden templates.
func TestCfnLint(t *testing.T) {
	var templates []string
	for _, dir := range goldenCases(t) {
		templates = append(templates, filepath.Join(dir, "template.golden.json"))
	}
	golden.CfnLint(t, templates...)
}
