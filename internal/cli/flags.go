package cli

import (
	"fmt"
	"strings"
)

// stringList is a flag that may be repeated; each use appends a value.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	if v == "" {
		return fmt.Errorf("empty value")
	}
	*s = append(*s, v)
	return nil
}

// imageList is the repeatable --image service=reference flag.
type imageList map[string]string

func (m imageList) String() string {
	parts := make([]string, 0, len(m))
	for k, v := range m {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ",")
}

func (m imageList) Set(v string) error {
	svc, ref, ok := strings.Cut(v, "=")
	if !ok || svc == "" || ref == "" {
		return fmt.Errorf("%q is not service=image", v)
	}
	if _, dup := m[svc]; dup {
		return fmt.Errorf("service %q is given twice", svc)
	}
	m[svc] = ref
	return nil
}
