package render

import "fmt"

// OverlayError is an overlay that cannot be parsed or merged, with which one it is, so that a caller can name
// the field it came from.
//
// Temporary on this branch: the same type is being added with the render encoder change; keep that one.
type OverlayError struct {
	// Index is the position in Options.Overlays, from 0; -1 for the compose file's x-aws-cloudformation.
	Index int
	// Err is what is wrong with it.
	Err error
}

func (e *OverlayError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("%s: %v", xCloudFormation, e.Err)
	}
	return fmt.Sprintf("overlay %d: %v", e.Index+1, e.Err)
}

func (e *OverlayError) Unwrap() error { return e.Err }
