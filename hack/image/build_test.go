package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildKeepsOtherDirectories: -o names a directory to replace, so a mistyped one must not be deleted.
func TestBuildKeepsOtherDirectories(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "keep")
	if err := os.WriteFile(keep, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := buildLayout(context.Background(), buildOptions{moduleDir: "../..", out: dir})
	if err == nil || !strings.Contains(err.Error(), "not an OCI image layout") {
		t.Fatalf("build into a directory that is not an image layout: error %v, want a refusal", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("the directory's file is gone: %v", err)
	}
}
