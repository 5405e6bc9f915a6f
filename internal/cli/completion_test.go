package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompletionScripts(t *testing.T) {
	for shell, marker := range map[string]string{
		"bash": "complete -o default -F __start_composestack composestack",
		"zsh":  "#compdef composestack",
		"fish": "complete -c composestack",
	} {
		t.Run(shell, func(t *testing.T) {
			code, out, errOut := run(t, "completion", shell)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			// The scripts ask the program itself for candidates, through its hidden __complete command.
			if !strings.Contains(out, marker) || !strings.Contains(out, "__complete") {
				t.Errorf("the %s script lacks %q or __complete:\n%s", shell, marker, out)
			}
			if sh, err := exec.LookPath(shell); err == nil {
				script := filepath.Join(t.TempDir(), "composestack."+shell)
				if err := os.WriteFile(script, []byte(out), 0o600); err != nil {
					t.Fatal(err)
				}
				if msg, err := exec.Command(sh, "-n", script).CombinedOutput(); err != nil {
					t.Errorf("%s -n: %v\n%s", shell, err, msg)
				}
			}
		})
	}
}

// What the scripts complete: the commands, the shells and the values of --format and --output.
func TestCompletionCandidates(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{""}, []string{"completion", "convert", "diagram", "diff", "version"}},
		{[]string{"completion", ""}, []string{"bash", "zsh", "fish"}},
		{[]string{"convert", "--format", ""}, []string{"yaml", "json"}},
		{[]string{"diagram", "--format", ""}, []string{"dot", "mermaid", "svg"}},
		{[]string{"diff", "--output", ""}, []string{"text", "json"}},
		{[]string{"convert", "--pro"}, []string{"--profile", "--project-name"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, _ := run(t, append([]string{"__complete"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d", code)
			}
			got := map[string]bool{}
			for _, line := range strings.Split(out, "\n") {
				if name, _, _ := strings.Cut(line, "\t"); name != "" && !strings.HasPrefix(name, ":") {
					got[name] = true
				}
			}
			for _, w := range tc.want {
				if !got[w] {
					t.Errorf("no candidate %q in:\n%s", w, out)
				}
			}
		})
	}
}

func TestCompletionRefusesOtherShells(t *testing.T) {
	for _, args := range [][]string{{"completion"}, {"completion", "powershell"}, {"completion", "bash", "zsh"}} {
		code, out, errOut := run(t, args...)
		if code != 1 || out != "" || !strings.Contains(errOut, "bash, zsh or fish") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}
