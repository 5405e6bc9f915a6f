package compose

import (
	"bytes"
	"maps"
	"slices"
	"sync/atomic"

	"github.com/compose-spec/compose-go/v2/types"
)

// A front end calls ReferencedFiles to learn which supporting files to read, then Load with them: two runs of
// compose-go on the same compose files, and compose-go is most of the cost of a load. The project depends only
// on what loadProject reads (name, compose files, variables, profiles, images), never on Source.Supporting, so
// ReferencedFiles leaves its project here and the next Load of the same inputs takes it instead of loading again.
// One slot, taken at most once: Load changes the project it returns, and a caller that never calls Load keeps
// at most one project alive. The controller calls only Load and never finds anything here.
var handoff atomic.Pointer[handedProject]

type handedProject struct {
	// The inputs, copied: a caller may reuse its buffers between the two calls.
	projectName string
	files       []File
	variables   map[string]string
	profiles    []string
	images      map[string]string

	project *types.Project
	unset   unsetVariables
}

func handOver(src Source, project *types.Project, unset unsetVariables) {
	files := make([]File, len(src.Files))
	for i, f := range src.Files {
		files[i] = File{Name: f.Name, Content: bytes.Clone(f.Content)}
	}
	handoff.Store(&handedProject{
		projectName: src.ProjectName,
		files:       files,
		variables:   maps.Clone(src.Variables),
		profiles:    slices.Clone(src.Profiles),
		images:      maps.Clone(src.Images),
		project:     project,
		unset:       unset,
	})
}

// takeHandedOver returns the project ReferencedFiles loaded from the same inputs as src, if it is still there,
// and empties the slot.
func takeHandedOver(src Source) (*types.Project, unsetVariables, bool) {
	h := handoff.Load()
	if h == nil || !h.sameInputs(src) || !handoff.CompareAndSwap(h, nil) {
		return nil, nil, false
	}
	return h.project, h.unset, true
}

func (h *handedProject) sameInputs(src Source) bool {
	if h.projectName != src.ProjectName || len(h.files) != len(src.Files) ||
		!maps.Equal(h.variables, src.Variables) || !slices.Equal(h.profiles, src.Profiles) || !maps.Equal(h.images, src.Images) {
		return false
	}
	for i, f := range src.Files {
		if h.files[i].Name != f.Name || !bytes.Equal(h.files[i].Content, f.Content) {
			return false
		}
	}
	return true
}
