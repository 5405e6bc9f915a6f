package render

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/composestack/composestack/internal/compose"
)

// FuzzRender feeds arbitrary compose files through the loader and the renderer: whatever loads must render or fail
// with an error, never panic, and a rendered body must be deterministic.
func FuzzRender(f *testing.F) {
	for _, c := range goldenCases(f) {
		for _, n := range composeFileNames {
			if data, err := os.ReadFile(filepath.Join("testdata", c, n)); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		loaded, err := compose.Load(context.Background(), compose.Source{
			ProjectName: "fuzz",
			Files:       []compose.File{{Name: "compose.yaml", Content: data}},
		})
		if err != nil {
			return
		}
		opts := Options{SensitiveEnv: loaded.SensitiveEnv, Files: loaded.Files}
		first, err := Render(loaded.Project, opts)
		if err != nil {
			return
		}
		second, err := Render(loaded.Project, opts)
		if err != nil || string(first.Body) != string(second.Body) {
			t.Fatalf("second render differs or fails: %v", err)
		}
	})
}
