package golden

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cfnLintFinding is one entry of `cfn-lint -f json`.
type cfnLintFinding struct {
	Level    string
	Message  string
	Filename string
	Rule     struct{ Id string }
	Location struct {
		Path []any
	}
}

// CfnLint runs cfn-lint once over templates and fails t on any finding: errors, warnings, and the opt-in
// informational checks too. A deliberately broken template rides along to prove cfn-lint ran and reports; t fails
// when cfn-lint is not on PATH.
func CfnLint(t testing.TB, templates ...string) {
	t.Helper()
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Fatalf("cfn-lint is not on PATH (install cfn-lint 1.51.0): %v", err)
	}
	canary := filepath.Join(t.TempDir(), "canary.json")
	broken := `{"Resources":{"Bad":{"Type":"AWS::ECS::Cluster","Properties":{"NoSuchProperty":"x"}}}}`
	if err := os.WriteFile(canary, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-f", "json", "--regions", "us-east-1", "--include-checks", "I", "-t"}
	args = append(args, templates...)
	args = append(args, canary)
	out, err := exec.Command(bin, args...).Output()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running cfn-lint: %v", err)
	}
	if exit != nil && exit.ExitCode() == 1 {
		t.Fatalf("cfn-lint usage or configuration error: %s", exit.Stderr)
	}
	var findings []cfnLintFinding
	if err := json.Unmarshal(out, &findings); err != nil {
		t.Fatalf("reading cfn-lint output: %v\n%s", err, out)
	}
	sawCanary := false
	for _, f := range findings {
		if filepath.Base(f.Filename) == "canary.json" {
			sawCanary = true
			continue
		}
		t.Errorf("%s: %s %s %s at %v", f.Filename, f.Level, f.Rule.Id, strings.TrimSpace(f.Message), f.Location.Path)
	}
	if !sawCanary {
		t.Fatalf("cfn-lint reported nothing for a template with an unknown property: it did not really lint")
	}
}
