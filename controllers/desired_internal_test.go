package controllers

import (
	"testing"

	"k8s.io/utils/ptr"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/render"
)

// spec.helpers wins field by field over the controller's flags, and false is a value, not "unset".
func TestHelpersSpecOverFlags(t *testing.T) {
	flags := render.Helpers{Image: "flag/image", DockerCompatible: true}
	cases := []struct {
		name string
		spec *csv1.HelpersSpec
		want render.Helpers
	}{
		{"unset", nil, flags},
		{"empty", &csv1.HelpersSpec{}, flags},
		{"image", &csv1.HelpersSpec{Image: "spec/image"}, render.Helpers{Image: "spec/image", DockerCompatible: true}},
		{"docker off", &csv1.HelpersSpec{DockerCompatible: ptr.To(false)}, render.Helpers{Image: "flag/image"}},
	}
	r := &ComposeStackReconciler{DefaultHelpers: flags}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.helpers(tc.spec); got != tc.want {
				t.Errorf("helpers = %+v, want %+v", got, tc.want)
			}
		})
	}
}
