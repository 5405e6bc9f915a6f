package render

import (
	"fmt"

	"github.com/composestack/composestack/internal/overlay"
)

// applyOverlays merges the compose file's x-aws-cloudformation, then each Options.Overlays in order, into the
// template: maps deep-merge, scalars and lists are replaced, an explicit null deletes a key (Docker's kyaml merge).
func (r *renderer) applyOverlays(doc map[string]any) error {
	copied := map[string]bool{}
	if x, ok := r.project.Extensions[xCloudFormation]; ok && x != nil {
		m, isMap := x.(map[string]any)
		if !isMap {
			return &OverlayError{Index: -1, Err: fmt.Errorf("expected a CloudFormation template fragment (a mapping), got %T", x)}
		}
		r.materializeTouched(doc, m, copied)
		if err := overlay.Merge(doc, m); err != nil {
			return &OverlayError{Index: -1, Err: err}
		}
	}
	for i, data := range r.opts.Overlays {
		m, err := overlay.Parse(data)
		if err != nil {
			return &OverlayError{Index: i, Err: err}
		}
		r.materializeTouched(doc, m, copied)
		if err := overlay.Merge(doc, m); err != nil {
			return &OverlayError{Index: i, Err: err}
		}
	}
	return nil
}

// materializeTouched prepares the parts of doc that merging overlay m can change in place: each resource the
// overlay's Resources names is built in its generic form (it is a typedResource until then, see typed.go) and
// deep-copied, and so is any other top-level section the overlay names. Intrinsic values ({"Ref": ...}) are shared
// by all their uses in the generic template (copying them per use was a tenth of a render's bytes); without the
// copy an overlay changing one use would change them all. overlay.Merge copies what it takes from m, so only
// doc's own maps need it. copied records what was prepared already: a part copied once is no longer shared.
func (r *renderer) materializeTouched(doc, m map[string]any, copied map[string]bool) {
	for section, v := range m {
		sm, isMap := v.(map[string]any)
		if !isMap {
			// Null deletes the section, anything else replaces it whole: nothing of doc is changed in place.
			continue
		}
		if section != "Resources" {
			if key := "\x00" + section; !copied[key] {
				if dv, ok := doc[section]; ok {
					if tv, typed := dv.(typedValue); typed {
						dv = tv.generic()
					}
					doc[section] = deepCopy(dv)
				}
				copied[key] = true
			}
			continue
		}
		resources, ok := doc["Resources"].(map[string]any)
		if !ok {
			continue
		}
		for id := range sm {
			if copied[id] {
				continue
			}
			switch dv := resources[id].(type) {
			case typedResource:
				resources[id] = deepCopy(dv.generic())
			case nil:
			default:
				resources[id] = deepCopy(dv)
			}
			copied[id] = true
		}
	}
}
