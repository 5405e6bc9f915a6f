package compose

import (
	"context"
	"fmt"
)

// noFileLoader is a compose-go ResourceLoader that refuses every path. compose-go reads `include:` and
// `extends.file` targets from disk (or from git/OCI loaders), which the controller has no access to; placed
// first, this loader turns such references into a clear error instead of a read of the local disk.
type noFileLoader struct {
	// lastEvent is the kind of reference ("include" or "extends") compose-go reported just before loading.
	lastEvent *string
}

func (noFileLoader) Accept(string) bool { return true }

func (l noFileLoader) Load(_ context.Context, p string) (string, error) {
	kind := "a referenced compose file"
	switch *l.lastEvent {
	case "include":
		kind = "include"
	case "extends":
		kind = "extends.file"
	}
	return "", fmt.Errorf("%s %q: composestack reads only the compose files it is given and cannot follow %s: "+
		"pass %q as another compose file (spec.compose.files, or -f with the CLI) instead", kind, p, kind, p)
}

func (noFileLoader) Dir(p string) string { return p }
