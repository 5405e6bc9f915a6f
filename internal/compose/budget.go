package compose

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/interpolation"
	"github.com/compose-spec/compose-go/v2/tree"
	"go.yaml.in/yaml/v4"

	"github.com/composestack/composestack/internal/cfnyaml"
	"github.com/composestack/composestack/internal/limits"
)

// checkAliases refuses a compose file whose aliases expand it past limits.YAMLNodes. compose-go decodes into
// plain values, building every alias out in full, and then interpolates, merges and validates the result: an
// anchor of a few thousand keys aliased a few dozen times costs it tens of seconds. Counting first costs a parse.
func checkAliases(f File) error {
	if !bytes.Contains(f.Content, []byte("*")) {
		return nil // no alias, nothing to expand
	}
	dec := yaml.NewDecoder(bytes.NewReader(f.Content))
	total := 0
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return nil //nolint:nilerr // a syntax error is left for compose-go, which reports it with context
		}
		total += cfnyaml.ExpandedNodes(&doc, limits.YAMLNodes-total)
		if total > limits.YAMLNodes {
			return fmt.Errorf("%s: its aliases (*name) expand it to more than %d YAML values: repeat less through anchors, or split the project",
				f.Name, limits.YAMLNodes)
		}
	}
}

// portsPath is where compose-go finds a port's short syntax ("8000-8010:80-90/udp"), which it expands into one
// entry per port after interpolation.
var portsPath = tree.NewPath("services", tree.PathMatchAll, "ports", tree.PathMatchList)

// portBudget counts, as compose-go interpolates them and before it expands them, the ports that short-syntax
// entries name. Every published port becomes a load balancer listener, so a range wider than a load balancer's
// listeners is refused at once, and so is a project whose entries add up to more than its files could publish;
// the template check counts the listeners exactly once the project is loaded.
type portBudget struct {
	left int
}

func newPortBudget(files int) *portBudget {
	// Override files may repeat the ports of the file they override, so each file gets a full budget.
	return &portBudget{left: limits.ListenersPerLoadBalancer * files}
}

// cast is an interpolation.Cast for portsPath: it returns the value unchanged, or an error that compose-go
// prefixes with the entry's path.
func (b *portBudget) cast(value string) (any, error) {
	n, ok := portRangeSize(value)
	if !ok {
		return value, nil // not a range we can read: compose-go reports it
	}
	if n > limits.ListenersPerLoadBalancer {
		return nil, fmt.Errorf("%q names %d ports, and each published port is a load balancer listener, of which a load balancer has at most %d: publish fewer ports",
			value, n, limits.ListenersPerLoadBalancer)
	}
	if b.left -= n; b.left < 0 {
		return nil, fmt.Errorf("%q: the project's ports add up to more than a load balancer's %d listeners: publish fewer ports",
			value, limits.ListenersPerLoadBalancer)
	}
	return value, nil
}

// withPortBudget returns casts with the budget's check at portsPath, without changing the map it was given
// (compose-go's table is shared).
func withPortBudget(casts map[tree.Path]interpolation.Cast, b *portBudget) map[tree.Path]interpolation.Cast {
	out := make(map[tree.Path]interpolation.Cast, len(casts)+1)
	for k, v := range casts {
		out[k] = v
	}
	out[portsPath] = b.cast
	return out
}

// portRangeSize reads the container part of a short-syntax port ([ip:][host:]container[-end][/proto]), which
// decides how many entries compose-go makes of it.
func portRangeSize(spec string) (int, bool) {
	spec, _, _ = strings.Cut(spec, "/")
	if i := strings.LastIndexByte(spec, ':'); i >= 0 {
		spec = spec[i+1:]
	}
	lo, hi, isRange := strings.Cut(spec, "-")
	start, err := strconv.ParseUint(strings.TrimSpace(lo), 10, 16)
	if err != nil {
		return 0, false
	}
	if !isRange {
		return 1, true
	}
	end, err := strconv.ParseUint(strings.TrimSpace(hi), 10, 16)
	if err != nil || end < start {
		return 0, false
	}
	return int(end-start) + 1, true
}
