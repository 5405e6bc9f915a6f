package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// utopiaDiagramArgs are those of `make diagram`, from this directory.
var utopiaDiagramArgs = []string{"diagram", "-f", filepath.Join("..", "render", "testdata", "seed-utopia-main", "docker-compose.yaml"), "-p", "ss-utopia", "--format", "svg"}

// TestUtopiaDiagramIsCurrent redraws the diagram the README shows: `make diagram` rewrites it when the template
// or the drawing changes.
func TestUtopiaDiagramIsCurrent(t *testing.T) {
	code, out, errOut := run(t, utopiaDiagramArgs...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "docs", "utopia-diagram.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal([]byte(out), want) {
		t.Error("docs/utopia-diagram.svg is not what the diagram command draws now: run make diagram")
	}
}

func TestDiagramFormats(t *testing.T) {
	dir := filepath.Join("..", "render", "testdata", "minimal")
	for format, want := range map[string][]string{
		"":        {"digraph template {", `"WorkerService" -> "WorkerTaskDefinition"`, `label="service worker"`},
		"dot":     {"digraph template {", `"WorkerService" -> "WorkerTaskDefinition"`},
		"mermaid": {"flowchart LR", "r_WorkerService --> r_WorkerTaskDefinition", `subgraph g1["service worker"]`},
		"svg":     {"<svg", "<title>WorkerService</title>", "</svg>"},
	} {
		t.Run(format, func(t *testing.T) {
			args := []string{"diagram", "-f", filepath.Join(dir, "compose.yaml")}
			if format != "" {
				args = append(args, "--format", format)
			}
			code, out, errOut := run(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(errOut, "note:") {
				t.Errorf("the notes on deploying are for convert, not the diagram: %s", errOut)
			}
		})
	}
}

func TestDiagramErrors(t *testing.T) {
	compose := filepath.Join("..", "render", "testdata", "minimal", "compose.yaml")
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"format":         {[]string{"diagram", "-f", compose, "--format", "yaml"}, `--format "yaml": use dot, mermaid or svg`},
		"argument":       {[]string{"diagram", "-f", compose, "extra"}, `unexpected argument "extra"`},
		"no file":        {[]string{"diagram", "-f", "missing.yaml"}, "missing.yaml"},
		"unknown flag":   {[]string{"diagram", "--nope"}, "unknown flag: --nope\nRun 'composestack diagram --help' for usage."},
		"render refuses": {[]string{"diagram", "-f", compose, "--overlay", compose}, "--overlay"},
	} {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(t, c.args...)
			if code != 1 || out != "" || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and %q", code, out, errOut, c.want)
			}
		})
	}
	code, out, _ := run(t, "diagram", "-h")
	if code != 0 || !strings.Contains(out, "dot, mermaid or svg") {
		t.Errorf("diagram -h: exit %d, stdout %q", code, out)
	}
}
