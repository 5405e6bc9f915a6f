package render

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/composestack/composestack/internal/overlay"
)

// OverlayError says which overlay broke and where.
type OverlayError struct {
	// Index is the overlay's position in Options.Overlays, from 0; -1 for the compose file's x-aws-cloudformation.
	Index int
	// Err says what is wrong, and where inside the overlay (a line, a path in the template).
	Err error
}

func (e *OverlayError) Error() string {
	if e.Index < 0 {
		return xCloudFormation + ": " + e.Err.Error()
	}
	// Numbered from 1, as people count the overlays they list.
	return fmt.Sprintf("overlay %d: %v", e.Index+1, e.Err)
}

func (e *OverlayError) Unwrap() error { return e.Err }

// applyOverlays merges the compose file's x-aws-cloudformation, then each Options.Overlays in order, into the
// template: maps deep-merge, scalars and lists are replaced, an explicit null deletes a key (Docker's kyaml merge).
func (r *renderer) applyOverlays(doc map[string]any) error {
	// The last overlay to name each resource, each parameter and output ("Parameters.<id>", "Outputs.<id>"),
	// and each section ("" for Resources, "Parameters.", "Outputs."), to blame for its shape. A logical ID has
	// no dot, so the keys cannot meet.
	last := map[string]int{}
	merge := func(index int, m map[string]any) error {
		if err := overlay.Merge(doc, m); err != nil {
			return &OverlayError{Index: index, Err: err}
		}
		for _, section := range []string{"Parameters", "Outputs"} {
			if entries, ok := m[section].(map[string]any); ok {
				last[section+"."] = index
				for id := range entries {
					last[section+"."+id] = index
				}
			}
		}
		if v, ok := m["Resources"]; ok {
			last[""] = index
			if res, isMap := v.(map[string]any); isMap {
				for id := range res {
					last[id] = index
				}
			}
		}
		return nil
	}
	if x, ok := r.project.Extensions[xCloudFormation]; ok && x != nil {
		m, isMap := x.(map[string]any)
		if !isMap {
			return &OverlayError{Index: -1, Err: expectedType("a CloudFormation template fragment (a mapping)", x)}
		}
		if err := merge(-1, m); err != nil {
			return err
		}
	}
	for i, data := range r.opts.Overlays {
		m, err := overlay.Parse(data)
		if err != nil {
			return &OverlayError{Index: i, Err: err}
		}
		if err := merge(i, m); err != nil {
			return err
		}
	}
	if err := checkMerged(doc, last); err != nil {
		return err
	}
	return checkTemplate(doc, r.checkTarget(last))
}

// checkMerged catches what an overlay can break in the template's shape, which CloudFormation would otherwise
// reject only at deploy time with a less precise message. last names the overlay to blame for each resource.
func checkMerged(doc map[string]any, last map[string]int) error {
	blame := func(id string, err error) error {
		if i, ok := last[id]; ok {
			return &OverlayError{Index: i, Err: err}
		}
		if i, ok := last[""]; ok {
			return &OverlayError{Index: i, Err: err}
		}
		return fmt.Errorf("overlays: %w", err)
	}
	resources, ok := doc["Resources"].(map[string]any)
	if !ok || len(resources) == 0 {
		return blame("", errors.New("the template has no Resources left; an overlay must not delete or replace them all"))
	}
	for _, id := range slices.Sorted(maps.Keys(resources)) {
		res, ok := resources[id].(map[string]any)
		if !ok {
			return blame(id, fmt.Errorf("%s is not a mapping; give it a Type and Properties", "Resources."+id))
		}
		if typ, _ := res["Type"].(string); typ == "" {
			return blame(id, fmt.Errorf("%s has no Type; an overlay adding a resource must give its Type (AWS::...), and one changing a generated resource must use its exact logical ID", "Resources."+id))
		}
	}
	return nil
}
