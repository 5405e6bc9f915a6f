package render

import (
	"bytes"
	"path/filepath"
	"sort"
	"testing"
)

// typedResource writes a resource straight from its struct; the bytes must be those of its generic form, for
// every resource of every case (the golden files check the same through the whole body, but only for resources
// no overlay reaches).
func TestTypedResourcesMatchGeneric(t *testing.T) {
	for _, name := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			project, opts := loadCase(t, filepath.Join("testdata", name))
			r, err := newRenderer(project, opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.build(); err != nil {
				t.Skipf("the case does not build: %v", err)
			}
			for id, res := range r.tpl.Resources {
				want, err := canonicalJSON(r.in.resourceGeneric(res))
				if err != nil {
					t.Fatal(err)
				}
				var got bytes.Buffer
				if err := (typedResource{in: r.in, res: res}).writeJSON(&got); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), want) {
					t.Errorf("%s:\n typed   %s\n generic %s", id, got.Bytes(), want)
				}
			}
		})
	}
}

func TestResourceKeysSorted(t *testing.T) {
	if !sort.StringsAreSorted(resourceKeys[:]) {
		t.Fatalf("resourceKeys %v are not in the order canonicalJSON writes keys", resourceKeys)
	}
	for _, k := range resourceKeys {
		if _, ok := resourceAttrFields[k]; !ok && k != "Type" && k != "Properties" {
			t.Errorf("resourceKeys has %s, which resourceGeneric does not set", k)
		}
	}
}
