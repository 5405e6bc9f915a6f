package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is set at link time (-ldflags "-X github.com/composestack/composestack/internal/cli.version=v1.2.3");
// without it the module version and VCS revision recorded by the Go toolchain are shown.
var version = ""

func printVersion(w io.Writer) {
	v, rev := version, ""
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				rev = s.Value
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	fmt.Fprintf(w, "composestack %s", v)
	if rev != "" {
		fmt.Fprintf(w, " (%s)", rev)
	}
	fmt.Fprintf(w, " %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
