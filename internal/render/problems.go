package render

import (
	"errors"
	"fmt"
	"strings"
)

// Problems are all the blocking problems one Render found, services in order, each naming its field, so a
// user fixes them in one round rather than one per run.
type Problems []error

func (p Problems) Error() string {
	if len(p) == 1 {
		return p[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems:", len(p))
	for _, e := range p {
		b.WriteString("\n  ")
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap lets errors.As find an OverlayError among them.
func (p Problems) Unwrap() []error { return p }

// Summary lists the problems in at most limit bytes (a condition message, an event), ending with how many did not
// fit, so the message stays bounded however many there are.
func (p Problems) Summary(limit int) string {
	if len(p) == 1 {
		return truncateMessage(p[0].Error(), limit)
	}
	head := fmt.Sprintf("%d problems:", len(p))
	var b strings.Builder
	b.WriteString(head)
	for i, e := range p {
		line := "\n  " + e.Error()
		more := fmt.Sprintf("\n  ... and %d more", len(p)-i)
		if b.Len()+len(line)+len("\n  ... and 9999 more") > limit {
			b.WriteString(more)
			break
		}
		b.WriteString(line)
	}
	return truncateMessage(b.String(), limit)
}

// truncateMessage cuts s to at most limit bytes, on a rune boundary.
func truncateMessage(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := limit - len("...")
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:max(cut, 0)] + "..."
}

// collect adds err to p, flattening Problems so each problem is listed once.
func (p *Problems) collect(err error) {
	if err == nil {
		return
	}
	var many Problems
	if errors.As(err, &many) {
		*p = append(*p, many...)
		return
	}
	*p = append(*p, err)
}

// err is p as an error, nil when there is no problem.
func (p Problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return p
}
