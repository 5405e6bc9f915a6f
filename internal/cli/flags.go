package cli

import (
	"fmt"
	"strings"
)

// stringList is a flag that may be repeated; each use appends a value. Unlike pflag's string slices it never
// splits on commas, which file names may hold.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	if v == "" {
		return fmt.Errorf("empty value")
	}
	*s = append(*s, v)
	return nil
}

func (s *stringList) Type() string { return "stringArray" }

// imageList is the repeatable --image service=reference flag.
type imageList map[string]string

func (m imageList) String() string {
	parts := make([]string, 0, len(m))
	for k, v := range m {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ",")
}

func (m imageList) Set(v string) error { return setPair(m, v, "service", "image") }

func (m imageList) Type() string { return "service=image" }

// fileSystemList is the repeatable --file-system volume=fs-... flag.
type fileSystemList map[string]string

func (m fileSystemList) String() string { return imageList(m).String() }

func (m fileSystemList) Set(v string) error { return setPair(m, v, "volume", "fs-id") }

func (m fileSystemList) Type() string { return "volume=fs-id" }

// setPair parses key=value into m; key and value name the two parts in errors.
func setPair(m map[string]string, v, key, value string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" || val == "" {
		return fmt.Errorf("%q is not %s=%s", v, key, value)
	}
	if _, dup := m[k]; dup {
		return fmt.Errorf("%s %q is given twice", key, k)
	}
	m[k] = val
	return nil
}
