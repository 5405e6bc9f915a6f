package compose

import (
	"maps"
	"slices"

	"github.com/compose-spec/compose-go/v2/transform"
)

// ImplicitProtocol is the port extension the loader sets on a port written in the long syntax without
// `protocol:`. compose-go fills in "tcp" for it, but Docker's converter, whose loader left the protocol empty
// there, named that port's listener and target group without one (<Svc><published>Listener); the renderer keeps
// those names, which overlays and adopted stacks refer to.
const ImplicitProtocol = "x-composestack-implicit-protocol"

// markImplicitProtocols sets ImplicitProtocol on every long-syntax port of model that has no protocol, and then
// applies compose-go's default values (which LoadModelWithContext was told to skip so the missing protocol could
// still be seen). The short syntax is already a mapping with a protocol by then.
func markImplicitProtocols(model map[string]any) (map[string]any, error) {
	services, _ := model["services"].(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(services)) {
		svc, _ := services[name].(map[string]any)
		ports, _ := svc["ports"].([]any)
		for _, p := range ports {
			if port, ok := p.(map[string]any); ok {
				if _, has := port["protocol"]; !has {
					port[ImplicitProtocol] = true
				}
			}
		}
	}
	return transform.SetDefaultValues(model)
}
