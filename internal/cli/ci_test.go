package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// The pipelines of docs/ci must keep calling commands and flags that exist: each composestack command line
// in them is parsed with the command's own flags.

func TestGitHubActionsWorkflowCallsRealCommands(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "ci", "github-actions.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		On   map[string]any `yaml:"on"`
		Jobs map[string]struct {
			RunsOn string `yaml:"runs-on"`
			Steps  []struct {
				Uses string `yaml:"uses"`
				Run  string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("github-actions.yaml: %v", err)
	}
	if _, ok := wf.On["pull_request"]; !ok {
		t.Error("the workflow does not run on pull requests")
	}
	var script strings.Builder
	for name, job := range wf.Jobs {
		if job.RunsOn == "" || len(job.Steps) == 0 {
			t.Errorf("job %s has no runs-on or no steps", name)
		}
		for _, s := range job.Steps {
			script.WriteString(s.Run + "\n")
		}
	}
	checkPipeline(t, "github-actions.yaml", script.String())
}

func TestJenkinsfileCallsRealCommands(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "ci", "Jenkinsfile"))
	if err != nil {
		t.Fatal(err)
	}
	src := string(data)
	// Groovy has no parser here; balanced braces and parentheses outside strings and comments catch a
	// mangled edit, and the shell steps are the single-quoted strings of sh and script:.
	depth := map[rune]int{}
	inString := false
	for _, line := range strings.Split(src, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "//") {
			continue
		}
		for _, r := range line {
			switch {
			case r == '\'':
				inString = !inString
			case inString:
			case r == '{' || r == '(':
				depth[r]++
			case r == '}':
				depth['{']--
			case r == ')':
				depth['(']--
			}
		}
	}
	if inString || depth['{'] != 0 || depth['('] != 0 || !strings.HasPrefix(strings.TrimSpace(stripComments(src)), "pipeline {") {
		t.Fatalf("Jenkinsfile: not a balanced declarative pipeline (braces %d, parentheses %d, open string %v)", depth['{'], depth['('], inString)
	}
	var script strings.Builder
	for _, m := range regexp.MustCompile(`(?:sh|script:)\s*\(?'([^']*)'`).FindAllStringSubmatch(src, -1) {
		script.WriteString(m[1] + "\n")
	}
	checkPipeline(t, "Jenkinsfile", script.String())
}

func stripComments(src string) string {
	var out []string
	for _, line := range strings.Split(src, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "//") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// checkPipeline requires script to run convert, cfn-lint and diff, and parses every composestack call.
func checkPipeline(t *testing.T, name, script string) {
	t.Helper()
	seen := map[string]bool{}
	for _, line := range strings.Split(script, "\n") {
		if strings.Contains(line, "cfn-lint ") && !strings.Contains(line, "pip install") {
			seen["cfn-lint"] = true
		}
		i := strings.Index(line, "composestack ")
		if i < 0 || strings.Contains(line, "go install") {
			continue
		}
		args := shellWords(line[i+len("composestack "):])
		if len(args) == 0 {
			t.Errorf("%s: composestack without a command: %q", name, line)
			continue
		}
		cmd, rest, err := newRootCommand(nil).Find(args)
		if err != nil || !cmd.HasParent() {
			t.Errorf("%s: composestack %s is no command (%v)", name, args[0], err)
			continue
		}
		if err := cmd.ParseFlags(rest); err != nil || cmd.Flags().NArg() > 0 {
			t.Errorf("%s: composestack %s %q: %v (left over: %q)", name, args[0], rest, err, cmd.Flags().Args())
		}
		seen[args[0]] = true
	}
	for _, want := range []string{"convert", "cfn-lint", "diff"} {
		if !seen[want] {
			t.Errorf("%s does not run %s", name, want)
		}
	}
}

// shellWords splits a command line into words as a shell would for these simple lines, up to the first
// redirection, pipe or list operator.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	var quote rune
	inWord := false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case r == '>' || r == '|' || r == ';' || r == '&':
			if inWord {
				words = append(words, cur.String())
			}
			return words
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}
