package render

import (
	"fmt"
	"maps"
	"slices"

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
	return checkMerged(doc)
}

// checkMerged catches what an overlay can break in the template's shape, which CloudFormation would otherwise
// reject only at deploy time with a less precise message.
func checkMerged(doc map[string]any) error {
	resources, ok := doc["Resources"].(map[string]any)
	if !ok || len(resources) == 0 {
		return fmt.Errorf("overlays: the template has no Resources left; an overlay must not delete or replace them all")
	}
	for _, id := range slices.Sorted(maps.Keys(resources)) {
		res, ok := resources[id].(map[string]any)
		if !ok {
			return fmt.Errorf("overlays: Resources.%s is not a mapping; give it a Type and Properties", id)
		}
		if typ, _ := res["Type"].(string); typ == "" {
			return fmt.Errorf("overlays: Resources.%s has no Type; an overlay adding a resource must give its Type (AWS::...), and one changing a generated resource must use its exact logical ID", id)
		}
	}
	return nil
}
