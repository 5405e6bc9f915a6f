package render

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

// goldenCases lists the directories under testdata that hold a compose project.
func goldenCases(t testing.TB) []string {
	t.Helper()
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	var cases []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		for _, n := range composeFileNames {
			if _, err := os.Stat(filepath.Join("testdata", e.Name(), n)); err == nil {
				cases = append(cases, e.Name())
				break
			}
		}
	}
	return cases
}

// resultSummary is what a golden case records besides the template.
type resultSummary struct {
	Parameters []Parameter
	Listeners  []Listener
	Warnings   []string
}

func TestGolden(t *testing.T) {
	cases := goldenCases(t)
	if len(cases) < 30 {
		t.Errorf("only %d golden cases under testdata; the suite promises at least 30", len(cases))
	}
	for _, name := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", name)
			project, opts := loadCase(t, dir)
			res, err := Render(project, opts)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			var body bytes.Buffer
			if err := json.Indent(&body, res.Body, "", "  "); err != nil {
				t.Fatalf("Body is not JSON: %v", err)
			}
			body.WriteByte('\n')
			summary, err := json.MarshalIndent(resultSummary{res.Parameters, res.Listeners, res.Warnings}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			summary = append(summary, '\n')
			compareGolden(t, filepath.Join(dir, "template.golden.json"), body.Bytes())
			compareGolden(t, filepath.Join(dir, "result.golden.json"), summary)
		})
	}
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	golden.Compare(t, path, got, *update)
}
