package cfnlocal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// lintTimeout bounds one cfn-lint run.
const lintTimeout = 2 * time.Minute

// lintFinding is the part of cfn-lint's JSON output we read.
type lintFinding struct {
	Rule struct {
		ID string `json:"Id"`
	} `json:"Rule"`
	Level   string `json:"Level"`
	Message string `json:"Message"`
}

// lintTemplate runs cfn-lint on a template and returns a ValidationError
// quoting the first errors, if there are any.
func (s *Server) lintTemplate(ctx context.Context, body string) *apiError {
	ext := ".yaml"
	if strings.HasPrefix(strings.TrimSpace(body), "{") {
		ext = ".json"
	}
	f, err := os.CreateTemp("", "cfnlocal-*"+ext)
	if err != nil {
		return &apiError{Status: 500, Code: codeInternalFailure, Message: "cannot write template for cfn-lint: " + err.Error()}
	}
	defer func() { _ = os.Remove(f.Name()) }()
	_, werr := f.WriteString(body)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return &apiError{Status: 500, Code: codeInternalFailure, Message: "cannot write template for cfn-lint: " + err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, lintTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.opts.LintCommand, "-f", "json", "-r", s.opts.Region, "--non-zero-exit-code", "error", f.Name())
	out, err := cmd.Output()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return &apiError{Status: 500, Code: codeInternalFailure, Message: "cannot run cfn-lint: " + err.Error()}
	}
	var findings []lintFinding
	if len(strings.TrimSpace(string(out))) > 0 {
		if jerr := json.Unmarshal(out, &findings); jerr != nil {
			return &apiError{Status: 500, Code: codeInternalFailure, Message: "cannot read cfn-lint output: " + jerr.Error()}
		}
	}
	var msgs []string
	for _, fd := range findings {
		if fd.Level == "Error" {
			msgs = append(msgs, fmt.Sprintf("%s %s", fd.Rule.ID, fd.Message))
		}
	}
	if len(msgs) == 0 {
		if exitErr != nil && exitErr.ExitCode()&2 != 0 || exitErr != nil && exitErr.ExitCode() == 1 {
			return validationError("Template failed cfn-lint validation: %s", strings.TrimSpace(string(exitErr.Stderr)))
		}
		return nil
	}
	if len(msgs) > 3 {
		msgs = append(msgs[:3], fmt.Sprintf("and %d more", len(msgs)-3))
	}
	return validationError("Template failed cfn-lint validation: %s", strings.Join(msgs, "; "))
}
