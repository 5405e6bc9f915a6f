package cfnlocal

import (
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// noValue is what Ref AWS::NoValue evaluates to: the enclosing property or
// list element is dropped.
type noValueT struct{}

var noValue = noValueT{}

// unresolved stands for a value CloudFormation only knows after a resource
// is created; change set diffs compare against it.
type unresolved struct{ What string }

func (u unresolved) String() string { return "{{resolve:" + u.What + "}}" }

// evalContext holds what intrinsic functions can see while one template is
// evaluated for one stack.
type evalContext struct {
	Region, AccountID, StackName, StackID string
	Params                                map[string]paramValue
	Conditions                            map[string]bool
	Mappings                              map[string]any
	// Resource returns the physical ID and attributes of a created resource.
	Resource func(logicalID string) (*resourceState, bool)
	// Import resolves an export; ok is false if no stack exports the name.
	Import func(name string) (string, bool)
	// Imports collects the export names the template used.
	Imports map[string]bool
	// Lenient makes references to resources that do not exist yet evaluate
	// to an unresolved placeholder instead of an error (change set diffs).
	Lenient bool
}

// maxEvalDepth bounds recursion through nested intrinsics.
const maxEvalDepth = 100

// eval resolves every intrinsic function inside v.
func (c *evalContext) eval(v any) (any, error) { return c.evalDepth(v, 0) }

func (c *evalContext) evalDepth(v any, depth int) (any, error) {
	if depth > maxEvalDepth {
		return nil, errors.New("Template error: intrinsic functions nest too deeply")
	}
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					return c.call(k, arg, depth+1)
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			r, err := c.evalDepth(e, depth+1)
			if err != nil {
				return nil, err
			}
			if r == noValue {
				continue
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			r, err := c.evalDepth(e, depth+1)
			if err != nil {
				return nil, err
			}
			if r == noValue {
				continue
			}
			out = append(out, r)
		}
		return out, nil
	default:
		return v, nil
	}
}

func (c *evalContext) call(fn string, arg any, depth int) (any, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, errors.New("Template error: every Ref object must have a single String value.")
		}
		return c.ref(name)
	case "Fn::GetAtt":
		res, attr, ok := getAttArgs(arg)
		if !ok {
			return nil, errors.New("Template error: every Fn::GetAtt object requires two non-empty parameters, the resource name and the resource attribute")
		}
		return c.getAtt(res, attr)
	case "Fn::Sub":
		return c.sub(arg, depth)
	case "Fn::If":
		a, ok := arg.([]any)
		if !ok || len(a) != 3 {
			return nil, errors.New("Template error: Fn::If requires a list argument with three elements")
		}
		name, _ := a[0].(string)
		val, known := c.Conditions[name]
		if !known {
			return nil, fmt.Errorf("Template error: unresolved condition dependency %s in Fn::If", name)
		}
		if val {
			return c.evalDepth(a[1], depth)
		}
		return c.evalDepth(a[2], depth)
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		return c.condition(map[string]any{fn: arg}, depth)
	}
	// The remaining functions take already-evaluated arguments.
	ev, err := c.evalDepth(arg, depth)
	if err != nil {
		return nil, err
	}
	if u, ok := firstUnresolved(ev); ok {
		return u, nil
	}
	switch fn {
	case "Fn::Join":
		a, ok := ev.([]any)
		if !ok || len(a) != 2 {
			return nil, errors.New("Template error: every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.")
		}
		delim, ok := a[0].(string)
		list, ok2 := a[1].([]any)
		if !ok || !ok2 {
			return nil, errors.New("Template error: every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.")
		}
		parts := make([]string, 0, len(list))
		for _, e := range list {
			s, err := stringValue(e)
			if err != nil {
				return nil, fmt.Errorf("Template error: every Fn::Join object requires a list of strings: %w", err)
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, delim), nil
	case "Fn::Select":
		a, ok := ev.([]any)
		if !ok || len(a) != 2 {
			return nil, errors.New("Template error: Fn::Select requires a list argument with two elements: an integer index and a list")
		}
		idx, err := strconv.Atoi(scalarString(a[0]))
		list, ok := a[1].([]any)
		if err != nil || !ok {
			return nil, errors.New("Template error: Fn::Select requires a list argument with two elements: an integer index and a list")
		}
		if idx < 0 || idx >= len(list) {
			return nil, errors.New("Template error: Fn::Select cannot select nonexistent value at index " + strconv.Itoa(idx))
		}
		return list[idx], nil
	case "Fn::Split":
		a, ok := ev.([]any)
		if !ok || len(a) != 2 {
			return nil, errors.New("Template error: every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be split or a function that returns a string to be split.")
		}
		delim, ok1 := a[0].(string)
		s, ok2 := a[1].(string)
		if !ok1 || !ok2 || delim == "" {
			return nil, errors.New("Template error: every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be split or a function that returns a string to be split.")
		}
		parts := strings.Split(s, delim)
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out, nil
	case "Fn::ImportValue":
		name, ok := ev.(string)
		if !ok {
			return nil, errors.New("Template error: the value of parameter Fn::ImportValue must be a string")
		}
		if c.Imports != nil {
			c.Imports[name] = true
		}
		if c.Import != nil {
			if v, ok := c.Import(name); ok {
				return v, nil
			}
		}
		return nil, fmt.Errorf("No export named %s found.", name)
	case "Fn::GetAZs":
		region, _ := ev.(string)
		if region == "" {
			region = c.Region
		}
		var zones []any
		for _, az := range availabilityZones(region) {
			zones = append(zones, az)
		}
		return zones, nil
	case "Fn::Base64":
		s, ok := ev.(string)
		if !ok {
			return nil, errors.New("Template error: Fn::Base64 requires a string")
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::Cidr":
		return cidrArgs(ev)
	case "Fn::FindInMap":
		a, ok := ev.([]any)
		if !ok || len(a) != 3 {
			return nil, errors.New("Template error: Fn::FindInMap requires three parameters: map name, top level key and second level key")
		}
		m, ok := c.Mappings[scalarString(a[0])].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("Template error: Unable to get mapping for %s", scalarString(a[0]))
		}
		top, ok := m[scalarString(a[1])].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("Template error: Unable to get mapping for %s::%s", scalarString(a[0]), scalarString(a[1]))
		}
		v, ok := top[scalarString(a[2])]
		if !ok {
			return nil, fmt.Errorf("Template error: Unable to get mapping for %s::%s::%s", scalarString(a[0]), scalarString(a[1]), scalarString(a[2]))
		}
		return v, nil
	}
	return nil, fmt.Errorf("Template format error: Unrecognized function %s", fn)
}

func (c *evalContext) ref(name string) (any, error) {
	switch name {
	case "AWS::Region":
		return c.Region, nil
	case "AWS::AccountId":
		return c.AccountID, nil
	case "AWS::StackName":
		return c.StackName, nil
	case "AWS::StackId":
		return c.StackID, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::NoValue":
		return noValue, nil
	case "AWS::NotificationARNs":
		return []any{}, nil
	}
	if p, ok := c.Params[name]; ok {
		return p.refValue(), nil
	}
	if c.Resource != nil {
		if r, ok := c.Resource(name); ok && r.PhysicalID != "" {
			return r.PhysicalID, nil
		}
	}
	if c.Lenient {
		return unresolved{What: name}, nil
	}
	return nil, fmt.Errorf("Template format error: Unresolved resource dependencies [%s] in the Resources block of the template", name)
}

func (c *evalContext) getAtt(res, attr string) (any, error) {
	if c.Resource != nil {
		if r, ok := c.Resource(res); ok && r.PhysicalID != "" {
			return attribute(r, attr), nil
		}
	}
	if c.Lenient {
		return unresolved{What: res + "." + attr}, nil
	}
	return nil, fmt.Errorf("Template error: instance of Fn::GetAtt references undefined resource %s", res)
}

func (c *evalContext) sub(arg any, depth int) (any, error) {
	str, vars := subArgs(arg)
	if str == "" {
		if _, ok := arg.(string); !ok {
			return nil, errors.New("Template error: Fn::Sub requires a string or a list of a string and a map")
		}
	}
	local := map[string]any{}
	for k, v := range vars {
		ev, err := c.evalDepth(v, depth)
		if err != nil {
			return nil, err
		}
		local[k] = ev
	}
	var b strings.Builder
	s := str
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		name := s[i+2 : i+j]
		s = s[i+j+1:]
		if strings.HasPrefix(name, "!") {
			b.WriteString("${" + name[1:] + "}")
			continue
		}
		name = strings.TrimSpace(name)
		var v any
		var err error
		if lv, ok := local[name]; ok {
			v = lv
		} else if res, attr, ok := strings.Cut(name, "."); ok {
			v, err = c.getAtt(res, attr)
		} else {
			v, err = c.ref(name)
		}
		if err != nil {
			return nil, err
		}
		if u, ok := v.(unresolved); ok {
			return u, nil
		}
		sv, err := stringValue(v)
		if err != nil {
			return nil, fmt.Errorf("Template error: variable %s in Fn::Sub must resolve to a string: %w", name, err)
		}
		b.WriteString(sv)
	}
	return b.String(), nil
}

// condition evaluates a condition expression to a boolean.
func (c *evalContext) condition(v any, depth int) (bool, error) {
	if depth > maxEvalDepth {
		return false, errors.New("Template error: conditions nest too deeply")
	}
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return false, errors.New("Template format error: Conditions can only be boolean operations on parameters and other conditions")
	}
	for fn, arg := range m {
		switch fn {
		case "Condition":
			name, _ := arg.(string)
			val, ok := c.Conditions[name]
			if !ok {
				return false, fmt.Errorf("Template format error: Unresolved dependencies [%s]. Cannot reference resources in the Conditions block of the template", name)
			}
			return val, nil
		case "Fn::Equals":
			a, ok := arg.([]any)
			if !ok || len(a) != 2 {
				return false, errors.New("Template error: Fn::Equals requires a list argument with two elements")
			}
			l, err := c.evalDepth(a[0], depth+1)
			if err != nil {
				return false, err
			}
			r, err := c.evalDepth(a[1], depth+1)
			if err != nil {
				return false, err
			}
			return scalarString(l) == scalarString(r), nil
		case "Fn::Not":
			a, ok := arg.([]any)
			if !ok || len(a) != 1 {
				return false, errors.New("Template error: Fn::Not requires a list argument with one element")
			}
			b, err := c.condition(a[0], depth+1)
			return !b, err
		case "Fn::And", "Fn::Or":
			a, ok := arg.([]any)
			if !ok || len(a) < 2 || len(a) > 10 {
				return false, fmt.Errorf("Template error: %s requires a list argument with between 2 and 10 elements", fn)
			}
			for _, e := range a {
				b, err := c.condition(e, depth+1)
				if err != nil {
					return false, err
				}
				if fn == "Fn::And" && !b {
					return false, nil
				}
				if fn == "Fn::Or" && b {
					return true, nil
				}
			}
			return fn == "Fn::And", nil
		}
	}
	return false, errors.New("Template format error: Conditions can only be boolean operations on parameters and other conditions")
}

// resolveConditions evaluates every named condition, following references
// between conditions in dependency order and rejecting cycles.
func (c *evalContext) resolveConditions(defs map[string]any) error {
	c.Conditions = map[string]bool{}
	visiting := map[string]bool{}
	var resolve func(name string) error
	resolve = func(name string) error {
		if _, ok := c.Conditions[name]; ok {
			return nil
		}
		if visiting[name] {
			return fmt.Errorf("Template format error: Circular dependency between conditions: [%s]", name)
		}
		def, ok := defs[name]
		if !ok {
			return fmt.Errorf("Template format error: Unresolved dependencies [%s]. Cannot reference resources in the Conditions block of the template", name)
		}
		visiting[name] = true
		var deps []string
		walk(def, func(fn string, arg any) {
			if fn == "Condition" {
				if s, ok := arg.(string); ok {
					deps = append(deps, s)
				}
			}
		})
		for _, d := range deps {
			if err := resolve(d); err != nil {
				return err
			}
		}
		b, err := c.condition(def, 0)
		if err != nil {
			return err
		}
		delete(visiting, name)
		c.Conditions[name] = b
		return nil
	}
	names := make([]string, 0, len(defs))
	for n := range defs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := resolve(n); err != nil {
			return err
		}
	}
	return nil
}

// firstUnresolved reports whether v contains an unresolved placeholder.
func firstUnresolved(v any) (unresolved, bool) {
	switch x := v.(type) {
	case unresolved:
		return x, true
	case map[string]any:
		for _, e := range x {
			if u, ok := firstUnresolved(e); ok {
				return u, true
			}
		}
	case []any:
		for _, e := range x {
			if u, ok := firstUnresolved(e); ok {
				return u, true
			}
		}
	}
	return unresolved{}, false
}

// stringValue converts a scalar to the string CloudFormation would use.
func stringValue(v any) (string, error) {
	switch x := v.(type) {
	case string, float64, bool, int:
		return scalarString(x), nil
	case unresolved:
		return x.String(), nil
	}
	return "", fmt.Errorf("value of type %T is not a string", v)
}

// scalarString renders numbers without a trailing ".0" so 80 stays "80".
func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	case unresolved:
		return x.String()
	}
	return fmt.Sprint(v)
}
