package render

import (
	"errors"
	"strings"
	"testing"
)

func TestOverlayErrorSaysWhichOverlay(t *testing.T) {
	const compose = `
services:
  web:
    image: nginx`
	_, err := renderYAML(t, compose, Options{Overlays: [][]byte{[]byte("Resources: {}"), []byte("Resources: [")}})
	var oe *OverlayError
	if !errors.As(err, &oe) || oe.Index != 1 {
		t.Fatalf("error = %v; want an OverlayError for Options.Overlays[1]", err)
	}
	if got := err.Error(); !strings.HasPrefix(got, "overlay 2: ") {
		t.Errorf("error = %q; want it to start with the 1-based %q", got, "overlay 2:")
	}

	_, err = renderYAML(t, compose+"\nx-aws-cloudformation: just a string", Options{})
	if !errors.As(err, &oe) || oe.Index != -1 {
		t.Fatalf("error = %v; want an OverlayError for x-aws-cloudformation (index -1)", err)
	}
}
