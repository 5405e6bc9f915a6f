package render

import (
	"path/filepath"
	"testing"

	"github.com/composestack/composestack/internal/golden"
)

// TestCfnLint runs cfn-lint once over every golden template and fails on any finding.
func TestCfnLint(t *testing.T) {
	var templates []string
	for _, c := range goldenCases(t) {
		templates = append(templates, filepath.Join("testdata", c, "template.golden.json"))
	}
	golden.CfnLint(t, templates...)
}
