package cfnyaml

import "fmt"

const (
	// MaxDepth bounds nesting so that a hostile document cannot exhaust the stack.
	MaxDepth = 256
	// MaxValues bounds the values Value produces, so that aliases cannot expand a small document into a huge
	// tree ("billion laughs").
	MaxValues = 1 << 20
)

// Error is input the decoder refuses: an unknown tag, a malformed !GetAtt, or a limit exceeded. Line is the
// 1-based line at fault, or 0 when the document as a whole is. Callers say which document it is.
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

func tooDeep(line int) *Error {
	return &Error{Line: line, Msg: fmt.Sprintf("nested deeper than %d levels", MaxDepth)}
}

func tooMany(limit int) error {
	return &Error{Msg: fmt.Sprintf("expands to more than %d values (aliases?): simplify it", limit)}
}
