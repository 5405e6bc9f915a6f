package stack

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/composestack/composestack/internal/cfnyaml"
)

// DeferredKey is the Metadata entry on a task definition that an adoption kept as the stack had it. Its value is
// the digest of composestack's own rendering of that task definition at the time. A task definition is
// immutable, so any property change makes a new revision and rolls the service; an adopted stack therefore keeps
// Docker's definition, differing from composestack's only in composestack's deliberate choices (helper images,
// role ARN spelling, tags, ...), until the rendering changes because its inputs did. Kept in the stack itself, the
// record survives restarts and costs no read: the live template is read anyway before an update is proposed, and
// CloudFormation applies a Metadata change without touching the resource.
const DeferredKey = "composestack:deferredRendering"

// deferTaskDefinitions writes into want's resources, for each task definition whose live definition is to be kept,
// that live definition with its DeferredKey record. When adopting, a task definition differing from its rendering
// is kept if it runs the same workload (sameWorkload); afterwards one is kept as long as its rendering has the
// recorded digest. Either way the live definition must still be valid in the new template: every resource and
// parameter it names must be there. It says whether it changed want.
func deferTaskDefinitions(want map[string]any, live map[string]map[string]any, adopting bool) bool {
	wantRes, _ := want["Resources"].(map[string]any)
	changed := false
	for id, wr := range wantRes {
		w, _ := wr.(map[string]any)
		l := live[id]
		if w == nil || l == nil || w["Type"] != "AWS::ECS::TaskDefinition" || l["Type"] != w["Type"] {
			continue
		}
		digest, err := renderingDigest(w)
		if err != nil {
			continue
		}
		meta, _ := l["Metadata"].(map[string]any)
		recorded, _ := meta[DeferredKey].(string)
		keep := false
		switch {
		case recorded != "":
			keep = recorded == digest
		case adopting:
			keep = !jsonEqual(w, l) && sameWorkload(w, l)
		}
		if !keep || !resolvesIn(l, want) {
			continue
		}
		kept := make(map[string]any, len(l)+1)
		for k, v := range l {
			kept[k] = v
		}
		m := make(map[string]any, len(meta)+1)
		for k, v := range meta {
			m[k] = v
		}
		m[DeferredKey] = digest
		kept["Metadata"] = m
		wantRes[id] = kept
		changed = true
	}
	return changed
}

// renderingDigest identifies composestack's rendering of a resource: encoding/json writes map keys sorted, so
// equal renderings hash alike.
func renderingDigest(r map[string]any) (string, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("writing a resource: %w", err)
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// sameWorkload says whether the live task definition runs what the rendered one would, apart from composestack's
// deliberate differences: the same CPU and memory, and the same essential containers by name, each with the same
// image, command, entry point, working directory, user, port mappings, mount points and environment, and the
// same volumes on the same file systems. Helper (non-essential) containers are composestack's own or Docker's and
// are not compared. An environment variable may be a secret on one side (composestack keeps sensitive env files in
// Secrets Manager): the names must match, and the values (or the secrets read) where both sides agree on which. A compose file changed since Docker deployed it differs here, and its change is
// applied at adoption rather than deferred.
func sameWorkload(want, live map[string]any) bool {
	wp, _ := want["Properties"].(map[string]any)
	lp, _ := live["Properties"].(map[string]any)
	if wp == nil || lp == nil {
		return false
	}
	for _, k := range []string{"Cpu", "Memory", "NetworkMode"} {
		if scalar(wp[k]) != scalar(lp[k]) {
			return false
		}
	}
	if !slices.Equal(volumesOf(wp), volumesOf(lp)) {
		return false
	}
	wc, lc := essentialContainers(wp), essentialContainers(lp)
	if len(wc) != len(lc) {
		return false
	}
	for name, w := range wc {
		l, ok := lc[name]
		if !ok || !sameContainer(w, l) {
			return false
		}
	}
	return true
}

func sameContainer(w, l map[string]any) bool {
	for _, k := range []string{"Image", "Command", "EntryPoint", "WorkingDirectory", "User"} {
		if !jsonEqual(w[k], l[k]) {
			return false
		}
	}
	if !slices.Equal(portMappings(w), portMappings(l)) || !slices.Equal(mountPoints(w), mountPoints(l)) {
		return false
	}
	we, le := envOf(w), envOf(l)
	if !slices.Equal(sortedNames(we), sortedNames(le)) {
		return false
	}
	for name, v := range we {
		if lv := le[name]; v.secret == lv.secret && !jsonEqual(v.value, lv.value) {
			return false
		}
	}
	return true
}

// envVar is a container's variable: its Value, or for a secret its ValueFrom.
type envVar struct {
	secret bool
	value  any
}

// essentialContainers are the containers of a task definition that are essential (the default), by name.
func essentialContainers(props map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	list, _ := props["ContainerDefinitions"].([]any)
	for _, c := range list {
		m, _ := c.(map[string]any)
		if m == nil || m["Essential"] == false || scalar(m["Essential"]) == "false" {
			continue
		}
		name, _ := m["Name"].(string)
		out[name] = m
	}
	return out
}

// envOf is a container's environment and secrets by name.
func envOf(c map[string]any) map[string]envVar {
	out := map[string]envVar{}
	for _, field := range []string{"Environment", "Secrets"} {
		list, _ := c[field].([]any)
		for _, e := range list {
			m, _ := e.(map[string]any)
			name, _ := m["Name"].(string)
			if field == "Environment" {
				out[name] = envVar{value: m["Value"]}
			} else {
				out[name] = envVar{secret: true, value: m["ValueFrom"]}
			}
		}
	}
	return out
}

func sortedNames(m map[string]envVar) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// portMappings are a container's mappings as container/host/protocol: the host port defaults to the container
// port (awsvpc), the protocol to tcp, in any case.
func portMappings(c map[string]any) []string {
	list, _ := c["PortMappings"].([]any)
	out := make([]string, 0, len(list))
	for _, p := range list {
		m, _ := p.(map[string]any)
		host := scalar(m["HostPort"])
		if host == "" {
			host = scalar(m["ContainerPort"])
		}
		proto := strings.ToLower(scalar(m["Protocol"]))
		if proto == "" {
			proto = "tcp"
		}
		out = append(out, scalar(m["ContainerPort"])+"/"+host+"/"+proto)
	}
	slices.Sort(out)
	return out
}

// mountPoints are a container's mounts as volume:path, with ":ro" when read-only (false is the default).
func mountPoints(c map[string]any) []string {
	list, _ := c["MountPoints"].([]any)
	out := make([]string, 0, len(list))
	for _, p := range list {
		m, _ := p.(map[string]any)
		s := scalar(m["SourceVolume"]) + ":" + scalar(m["ContainerPath"])
		if scalar(m["ReadOnly"]) == "true" {
			s += ":ro"
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// volumesOf are a task definition's volumes as name, file system and access point: a volume moved to another
// file system is another workload.
func volumesOf(props map[string]any) []string {
	list, _ := props["Volumes"].([]any)
	out := make([]string, 0, len(list))
	for _, v := range list {
		m, _ := v.(map[string]any)
		efs, _ := m["EFSVolumeConfiguration"].(map[string]any)
		auth, _ := efs["AuthorizationConfig"].(map[string]any)
		out = append(out, scalar(m["Name"])+" "+scalar(efs["FilesystemId"])+" "+scalar(auth["AccessPointId"]))
	}
	slices.Sort(out)
	return out
}

// scalar is a scalar value as text ("" when absent), so that 256 and "256" compare equal as CloudFormation reads
// them.
func scalar(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case map[string]any, []any:
		b, _ := json.Marshal(x)
		return string(b)
	default:
		return fmt.Sprint(x)
	}
}

// resolvesIn says whether every resource, parameter and condition r names is in tpl, so that keeping r leaves the
// template valid. Pseudo parameters (AWS::...) always resolve.
func resolvesIn(r map[string]any, tpl map[string]any) bool {
	if _, ok := r["Condition"]; ok {
		return false // a live condition would have to match the new template's; not worth keeping
	}
	res, _ := tpl["Resources"].(map[string]any)
	params, _ := tpl["Parameters"].(map[string]any)
	known := func(name string) bool {
		if strings.HasPrefix(name, "AWS::") {
			return true
		}
		_, isRes := res[name]
		_, isParam := params[name]
		return isRes || isParam
	}
	ok := true
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if len(x) == 1 {
				if target, isRef := x["Ref"].(string); isRef && !known(target) {
					ok = false
				}
				if ga, isGetAtt := x["Fn::GetAtt"]; isGetAtt && !known(getAttTarget(ga)) {
					ok = false
				}
				if sub, isSub := x["Fn::Sub"]; isSub && !subResolves(sub, known) {
					ok = false
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(r["Properties"])
	walk(r["Metadata"])
	switch d := r["DependsOn"].(type) {
	case string:
		ok = ok && known(d)
	case []any:
		for _, e := range d {
			s, _ := e.(string)
			ok = ok && known(s)
		}
	}
	return ok
}

func getAttTarget(ga any) string {
	switch x := ga.(type) {
	case []any:
		if len(x) > 0 {
			s, _ := x[0].(string)
			return s
		}
	case string:
		id, _, _ := strings.Cut(x, ".")
		return id
	}
	return ""
}

// subResolves checks an Fn::Sub's variables; the ones its own map defines need nothing from the template.
func subResolves(sub any, known func(string) bool) bool {
	var s string
	local := map[string]any{}
	switch x := sub.(type) {
	case string:
		s = x
	case []any:
		if len(x) > 0 {
			s, _ = x[0].(string)
		}
		if len(x) > 1 {
			local, _ = x[1].(map[string]any)
		}
	}
	for _, v := range cfnyaml.SubVariables(s) {
		id, _, _ := strings.Cut(v, ".")
		if _, ok := local[v]; !ok && !known(id) {
			return false
		}
	}
	return true
}
