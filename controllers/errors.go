package controllers

import (
	"errors"
	"fmt"
)

// stalledError is a failure that only the user can fix: the reconciler reports it as Stalled and does not
// retry until the spec or a referenced object changes.
type stalledError struct {
	reason  string
	message string
}

func (e *stalledError) Error() string { return e.message }

func stalled(reason, format string, args ...any) error {
	return &stalledError{reason: reason, message: fmt.Sprintf(format, args...)}
}

func asStalled(err error) (*stalledError, bool) {
	var s *stalledError
	ok := errors.As(err, &s)
	return s, ok
}
