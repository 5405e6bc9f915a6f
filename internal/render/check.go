package render

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/distribution/reference"

	"github.com/composestack/composestack/internal/cfnyaml"
	"github.com/composestack/composestack/internal/limits"
)

// Why this file exists: a template CloudFormation would reject used to leave the CLI with exit 0 and stall the
// controller at deploy time, with a message that named neither the compose field nor the overlay at fault. This
// is the one final check of the rendered template, after overlays, on what is sent: the CLI and the controller
// both get it from Render.

// checkTarget is what the final check needs besides the merged template.
type checkTarget struct {
	// generated maps each logical ID the renderer wrote to its resource type, before overlays.
	generated map[string]string
	// blame maps a logical ID (and "" for the Resources section) to the last overlay that named it.
	blame map[string]int
	// origins maps a logical-ID prefix to the compose field that produced it ("services.web").
	origins map[string]string
}

// wrap names what made a logical ID: the last overlay that named it, else the compose name it starts with.
func (c *checkTarget) wrap(id string, err error) error {
	if i, ok := c.blame[id]; ok {
		return &OverlayError{Index: i, Err: err}
	}
	if _, generated := c.generated[id]; !generated && !strings.Contains(id, ".") {
		// A resource the renderer did not write came from an overlay, if any touched Resources.
		if i, ok := c.blame[""]; ok {
			return &OverlayError{Index: i, Err: err}
		}
	}
	best := ""
	for prefix := range c.origins {
		if strings.HasPrefix(id, prefix) && len(prefix) > len(best) {
			best = prefix
		}
	}
	if best != "" {
		return fmt.Errorf("%s: %w", c.origins[best], err)
	}
	return err
}

// wrapRef names what made a reference dangle: the overlay that deleted its target, else what made the
// reference (id).
func (c *checkTarget) wrapRef(id, missing string, err error) error {
	if i, ok := c.blame[missing]; ok {
		return &OverlayError{Index: i, Err: err}
	}
	return c.wrap(id, err)
}

// pseudoParameters are the Ref targets CloudFormation itself defines.
var pseudoParameters = map[string]bool{
	"AWS::AccountId": true, "AWS::NotificationARNs": true, "AWS::NoValue": true, "AWS::Partition": true,
	"AWS::Region": true, "AWS::StackId": true, "AWS::StackName": true, "AWS::URLSuffix": true,
}

var logicalIDPattern = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// checkTemplate checks doc, the final template, against what CloudFormation, ECS and ELB accept. Each failure
// names the overlay or the compose field that caused it.
func checkTemplate(doc map[string]any, c *checkTarget) error {
	resources, _ := doc["Resources"].(map[string]any)
	parameters, _ := doc["Parameters"].(map[string]any)
	outputs, _ := doc["Outputs"].(map[string]any)
	conditions, _ := doc["Conditions"].(map[string]any)

	for _, s := range []struct {
		name  string
		items map[string]any
		max   int
	}{
		{"Resources", resources, limits.Resources},
		{"Parameters", parameters, limits.Parameters},
		{"Outputs", outputs, limits.Outputs},
	} {
		if len(s.items) > s.max {
			section := ""
			if s.name != "Resources" {
				section = s.name + "."
			}
			return c.wrap(section, fmt.Errorf("the template has %d %s, and CloudFormation takes at most %d; deploy fewer services, or split the project", len(s.items), s.name, s.max))
		}
		for _, id := range slices.Sorted(maps.Keys(s.items)) {
			key := id
			if s.name != "Resources" {
				key = s.name + "." + id
			}
			if len(id) > limits.LogicalIDLength {
				return c.wrap(key, fmt.Errorf("%s.%s...: the logical ID is %d characters, and CloudFormation takes at most %d; use a shorter name", s.name, id[:32], len(id), limits.LogicalIDLength))
			}
			if !logicalIDPattern.MatchString(id) {
				return c.wrap(key, fmt.Errorf("%s.%q: a logical ID takes only letters and digits", s.name, id))
			}
		}
	}

	for _, id := range slices.Sorted(maps.Keys(resources)) {
		res, _ := resources[id].(map[string]any)
		typ, _ := res["Type"].(string)
		if was, ok := c.generated[id]; ok && typ != was {
			return c.wrap(id, fmt.Errorf("Resources.%s.Type: an overlay changed it from %s to %s; CloudFormation would replace the resource, so delete it (null) and add one under another logical ID instead", id, was, typ))
		}
		refs := &refChecker{resources: resources, parameters: parameters, conditions: conditions}
		if err := refs.check("Resources."+id, res); err != nil {
			return c.wrapRef(id, refs.missing, err)
		}
		if err := checkNumbers("Resources."+id, res); err != nil {
			return c.wrap(id, err)
		}
		props, _ := res["Properties"].(map[string]any)
		if err := checkResourceLimits(id, typ, props); err != nil {
			return c.wrap(id, err)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(outputs)) {
		refs := &refChecker{resources: resources, parameters: parameters, conditions: conditions}
		if err := refs.check("Outputs."+id, outputs[id]); err != nil {
			return c.wrapRef("Outputs."+id, refs.missing, err)
		}
	}
	return nil
}

// refChecker checks that every Ref, Fn::GetAtt, Fn::Sub variable, DependsOn and Fn::If names something the
// template declares: CloudFormation refuses the whole template otherwise.
type refChecker struct {
	resources, parameters, conditions map[string]any
	missing                           string // the name the failing reference gave
}

func (r *refChecker) check(at string, v any) error {
	switch t := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			if err := r.checkKey(at, k, t[k]); err != nil {
				return err
			}
			if err := r.check(at+"."+k, t[k]); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range t {
			if err := r.check(fmt.Sprintf("%s[%d]", at, i), e); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *refChecker) checkKey(at, k string, v any) error {
	switch k {
	case "Ref":
		if name, ok := v.(string); ok && !pseudoParameters[name] && r.resources[name] == nil && r.parameters[name] == nil {
			r.missing = name
			return fmt.Errorf("%s.Ref: %q is neither a resource nor a parameter of the template; an overlay may have deleted it", at, name)
		}
	case "Fn::GetAtt":
		var id string
		switch a := v.(type) {
		case []any:
			if len(a) > 0 {
				id, _ = a[0].(string)
			}
		case string:
			id, _, _ = strings.Cut(a, ".")
		}
		if id != "" && r.resources[id] == nil {
			r.missing = id
			return fmt.Errorf("%s.Fn::GetAtt: %q is not a resource of the template; an overlay may have deleted it", at, id)
		}
	case "DependsOn":
		deps := []any{v}
		if list, ok := v.([]any); ok {
			deps = list
		}
		for _, d := range deps {
			if id, ok := d.(string); ok && r.resources[id] == nil {
				r.missing = id
				return fmt.Errorf("%s.DependsOn: %q is not a resource of the template; an overlay may have deleted it", at, id)
			}
		}
	case "Fn::If":
		if list, ok := v.([]any); ok && len(list) > 0 {
			if name, ok := list[0].(string); ok && r.conditions[name] == nil {
				r.missing = name
				return fmt.Errorf("%s.Fn::If: %q is not a condition of the template", at, name)
			}
		}
	case "Fn::Sub":
		text, _ := v.(string)
		local := map[string]any{}
		if list, ok := v.([]any); ok && len(list) > 0 {
			text, _ = list[0].(string)
			if len(list) > 1 {
				local, _ = list[1].(map[string]any)
			}
		}
		for _, name := range cfnyaml.SubVariables(text) {
			id, _, _ := strings.Cut(name, ".")
			if _, ok := local[name]; ok || pseudoParameters[name] || r.resources[id] != nil || r.parameters[name] != nil {
				continue
			}
			r.missing = id
			return fmt.Errorf("%s.Fn::Sub: ${%s} names nothing the template declares; an overlay may have deleted it", at, name)
		}
	}
	return nil
}

// checkNumbers refuses numbers JSON cannot carry or CloudFormation cannot read (NaN, infinities, overflow).
func checkNumbers(at string, v any) error {
	switch t := v.(type) {
	case json.Number:
		f, err := t.Float64()
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return fmt.Errorf("%s: %s is not a finite number", at, t)
		}
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			return fmt.Errorf("%s: %v is not a finite number", at, t)
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			if err := checkNumbers(at+"."+k, t[k]); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range t {
			if err := checkNumbers(fmt.Sprintf("%s[%d]", at, i), e); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkResourceLimits checks what ECS and Elastic Load Balancing take of the resources the renderer writes.
// Values that are intrinsic functions are left to CloudFormation.
func checkResourceLimits(id, typ string, props map[string]any) error {
	at := "Resources." + id + ".Properties"
	switch typ {
	case "AWS::ECS::Service":
		if n, ok := number(props["DesiredCount"]); ok && (n < 0 || n > limits.TasksPerService) {
			return fmt.Errorf("%s.DesiredCount: %v tasks; ECS runs 0 to %d per service (deploy.replicas, scale)", at, n, limits.TasksPerService)
		}
	case "AWS::ECS::TaskDefinition":
		containers, _ := props["ContainerDefinitions"].([]any)
		if len(containers) > limits.ContainersPerTaskDefinition {
			return fmt.Errorf("%s.ContainerDefinitions: %d containers; ECS takes at most %d per task definition", at, len(containers), limits.ContainersPerTaskDefinition)
		}
		for i, c := range containers {
			cd, _ := c.(map[string]any)
			image, isText := cd["Image"].(string)
			if !isText {
				continue
			}
			if _, err := reference.ParseNormalizedNamed(image); err != nil {
				name, _ := cd["Name"].(string)
				return fmt.Errorf("%s.ContainerDefinitions[%d].Image (container %s): %q is not a valid image reference (an unset variable in image:?): %w", at, i, name, image, err)
			}
		}
		if n, ok := number(props["Cpu"]); ok && (n <= 0 || n > limits.TaskCPUUnits) {
			return fmt.Errorf("%s.Cpu: %v CPU units; a task takes 1 to %d", at, n, limits.TaskCPUUnits)
		}
	case "AWS::ElasticLoadBalancingV2::Listener":
		if n, ok := number(props["Port"]); ok && (n < 1 || n > 65535) {
			return fmt.Errorf("%s.Port: %v is not a port (1 to 65535)", at, n)
		}
	case "AWS::ApplicationAutoScaling::ScalableTarget":
		if n, ok := number(props["MaxCapacity"]); ok && (n < 0 || n > limits.TasksPerService) {
			return fmt.Errorf("%s.MaxCapacity: %v tasks; ECS runs 0 to %d per service (x-aws-autoscaling.max)", at, n, limits.TasksPerService)
		}
	}
	return nil
}

// number reads a number the template holds as a JSON number or as text ("256").
func number(v any) (float64, bool) {
	switch t := v.(type) {
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	case string:
		f, err := json.Number(t).Float64()
		return f, err == nil
	case float64:
		return t, true
	case int:
		return float64(t), true
	case int64:
		return float64(t), true
	}
	return 0, false
}

// checkTarget describes what the renderer wrote, for checkTemplate; blame is applyOverlays' record.
func (r *renderer) checkTarget(blame map[string]int) *checkTarget {
	c := &checkTarget{generated: map[string]string{}, blame: blame, origins: map[string]string{}}
	for id, res := range r.tpl.Resources {
		c.generated[id] = res.AWSCloudFormationType()
	}
	for _, group := range []struct {
		kind  string
		names []string
	}{
		{"services", slices.Collect(maps.Keys(r.project.Services))},
		{"networks", slices.Collect(maps.Keys(r.project.Networks))},
		{"volumes", slices.Collect(maps.Keys(r.project.Volumes))},
		{"secrets", slices.Collect(maps.Keys(r.project.Secrets))},
	} {
		for _, n := range group.names {
			c.origins[normalizeName(n)] = group.kind + "." + n
		}
	}
	return c
}

// finiteCPUs refuses CPU figures that are not finite numbers ("NaN" and "Inf" parse as floats), which would
// otherwise surface as an encoding error naming no field.
func finiteCPUs(svc *types.ServiceConfig) error {
	at := "services." + svc.Name
	check := func(path string, v float64) error {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s.%s: %v is not a finite number of CPUs", at, path, v)
		}
		return nil
	}
	if err := check("cpus", float64(svc.CPUS)); err != nil {
		return err
	}
	if d := svc.Deploy; d != nil {
		if l := d.Resources.Limits; l != nil {
			if err := check("deploy.resources.limits.cpus", float64(l.NanoCPUs)); err != nil {
				return err
			}
		}
		if rs := d.Resources.Reservations; rs != nil {
			if err := check("deploy.resources.reservations.cpus", float64(rs.NanoCPUs)); err != nil {
				return err
			}
		}
	}
	return nil
}
