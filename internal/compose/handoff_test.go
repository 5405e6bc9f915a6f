package compose

import (
	"context"
	"reflect"
	"testing"
)

// Load after ReferencedFiles reuses the project ReferencedFiles loaded (handoff.go): what it returns must be what
// a Load on its own returns, and any change to the inputs in between must be seen.
func TestLoadAfterReferencedFiles(t *testing.T) {
	ctx := context.Background()
	src := seed(t, "main")
	src.Variables = map[string]string{"UNUSED": "x"}
	fresh := load(t, src)

	if _, err := ReferencedFiles(ctx, src); err != nil {
		t.Fatal(err)
	}
	handed := load(t, src)
	if !reflect.DeepEqual(handed, fresh) {
		t.Errorf("Load after ReferencedFiles differs from Load alone:\n%+v\n%+v", handed, fresh)
	}
	again := load(t, src) // the slot was emptied: a second Load loads anew
	if again.Project == handed.Project || !reflect.DeepEqual(again, fresh) {
		t.Errorf("a second Load returned the same project, or a different result")
	}

	// Unset-variable warnings come from the load itself: they must be handed over too.
	withVar := compose("services:\n  app:\n    image: nginx:${TAG}\n")
	if _, err := ReferencedFiles(ctx, withVar); err != nil {
		t.Fatal(err)
	}
	if w := load(t, withVar).Warnings; len(w) != 1 {
		t.Errorf("warnings after ReferencedFiles = %q, want the unset TAG", w)
	}

	// Inputs changed in between, including a buffer changed in place: loaded anew.
	content := []byte("services:\n  app:\n    image: nginx\n")
	changes := map[string]func(s *Source){
		"content in place": func(s *Source) { copy(s.Files[0].Content[len("services:\n  app:\n    image: "):], "httpd") },
		"variables":        func(s *Source) { s.Variables = map[string]string{"A": "1"} },
		"profiles":         func(s *Source) { s.Profiles = []string{"debug"} },
		"images":           func(s *Source) { s.Images = map[string]string{"app": "busybox"} },
		"project name":     func(s *Source) { s.ProjectName = "other" },
	}
	for name, change := range changes {
		source := func() Source {
			return Source{ProjectName: "demo", Files: []File{{Name: "compose.yaml", Content: append([]byte(nil), content...)}}}
		}
		changed := source()
		change(&changed)
		handoff.Store(nil)
		want := load(t, changed)

		s := source()
		if _, err := ReferencedFiles(ctx, s); err != nil {
			t.Fatal(err)
		}
		change(&s)
		if got := load(t, s); !reflect.DeepEqual(got, want) {
			t.Errorf("%s changed after ReferencedFiles: Load returned\n%+v\nwant\n%+v", name, got.Project.Services, want.Project.Services)
		}
	}
}
