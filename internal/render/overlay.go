package render

import (
	"fmt"

	"github.com/composestack/composestack/internal/overlay"
)

// applyOverlays merges the compose file's x-aws-cloudformation, then each Options.Overlays in order, into the
// template: maps deep-merge, scalars and lists are replaced, an explicit null deletes a key (Docker's kyaml merge).
func (r *renderer) applyOverlays(doc map[string]any) error {
	if x, ok := r.project.Extensions[xCloudFormation]; ok && x != nil {
		m, isMap := x.(map[string]any)
		if !isMap {
			return fmt.Errorf("%s: expected a CloudFormation template fragment (a mapping), got %T", xCloudFormation, x)
		}
		if err := overlay.Merge(doc, m); err != nil {
			return fmt.Errorf("%s: %w", xCloudFormation, err)
		}
	}
	for i, data := range r.opts.Overlays {
		m, err := overlay.Parse(data)
		if err != nil {
			return fmt.Errorf("overlay %d: %w", i+1, err)
		}
		if err := overlay.Merge(doc, m); err != nil {
			return fmt.Errorf("overlay %d: %w", i+1, err)
		}
	}
	return nil
}
