package cfnlocal

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// paramValue is a resolved stack parameter.
type paramValue struct {
	Key   string
	Value string
	// Resolved is the value an SSM parameter type resolved to.
	Resolved string
	Type     string
	NoEcho   bool
}

// refValue is what Ref returns: lists for list types, otherwise a string.
func (p paramValue) refValue() any {
	v := p.Value
	if p.Resolved != "" {
		v = p.Resolved
	}
	if strings.HasPrefix(p.Type, "List<") || p.Type == "CommaDelimitedList" || strings.HasPrefix(p.Type, "AWS::SSM::Parameter::Value<List<") {
		if v == "" {
			return []any{}
		}
		parts := strings.Split(v, ",")
		out := make([]any, len(parts))
		for i, s := range parts {
			out[i] = strings.TrimSpace(s)
		}
		return out
	}
	return v
}

// paramInput is one Parameters.member.N from a request.
type paramInput struct {
	Key              string
	Value            string
	UsePreviousValue bool
}

func parseParamInputs(f form) []paramInput {
	var out []paramInput
	for _, m := range f.structs("Parameters.member") {
		use, _ := strconv.ParseBool(m["UsePreviousValue"])
		out = append(out, paramInput{Key: m["ParameterKey"], Value: m["ParameterValue"], UsePreviousValue: use})
	}
	return out
}

// resolveParameters combines the template's declarations with the values a
// request supplied (or the stack's previous values) and validates them as
// CloudFormation does.
func resolveParameters(t *template, in []paramInput, previous []paramValue) ([]paramValue, *apiError) {
	given := map[string]paramInput{}
	var unknown []string
	for _, p := range in {
		if _, ok := t.Parameters[p.Key]; !ok {
			unknown = append(unknown, p.Key)
			continue
		}
		given[p.Key] = p
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, validationError("Parameters: [%s] do not exist in the template", strings.Join(unknown, ", "))
	}
	prev := map[string]paramValue{}
	for _, p := range previous {
		prev[p.Key] = p
	}
	var out []paramValue
	var missing []string
	for _, name := range t.ParamOrder {
		def := t.Parameters[name]
		pv := paramValue{Key: name, Type: def.Type, NoEcho: def.NoEcho}
		g, ok := given[name]
		switch {
		case ok && g.UsePreviousValue:
			p, had := prev[name]
			if !had {
				return nil, validationError("Invalid input for parameter key %s. Cannot specify usePreviousValue as true for a parameter key not in the previous template", name)
			}
			pv.Value = p.Value
		case ok:
			pv.Value = g.Value
		case def.Default != nil:
			pv.Value = *def.Default
		default:
			missing = append(missing, name)
			continue
		}
		if err := checkParameter(name, def, pv.Value); err != nil {
			return nil, err
		}
		if strings.HasPrefix(def.Type, "AWS::SSM::Parameter::Value<") {
			pv.Resolved = fakeSSMValue(def.Type, pv.Value)
		}
		out = append(out, pv)
	}
	if len(missing) > 0 {
		return nil, validationError("Parameters: [%s] must have values", strings.Join(missing, ", "))
	}
	return out, nil
}

func checkParameter(name string, def paramDef, value string) *apiError {
	values := []string{value}
	if strings.HasPrefix(def.Type, "List<") || def.Type == "CommaDelimitedList" {
		values = strings.Split(value, ",")
	}
	for _, v := range values {
		v = strings.TrimSpace(v)
		if len(def.AllowedValues) > 0 {
			found := false
			for _, a := range def.AllowedValues {
				if a == v {
					found = true
					break
				}
			}
			if !found {
				return validationError("Parameter '%s' must be one of AllowedValues", name)
			}
		}
		if def.AllowedPattern != "" {
			re, err := regexp.Compile("^(?:" + def.AllowedPattern + ")$")
			if err != nil {
				return validationError("Template format error: Parameter '%s' has an invalid AllowedPattern", name)
			}
			if !re.MatchString(v) {
				return validationError("Parameter '%s' must match pattern %s", name, def.AllowedPattern)
			}
		}
		if def.Type == "Number" || def.Type == "List<Number>" {
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				return validationError("Parameter '%s' must be a number.", name)
			}
		}
	}
	return nil
}

// fakeSSMValue stands in for the SSM lookup CloudFormation would do: stable
// per parameter name, shaped like the type asks.
func fakeSSMValue(typ, name string) string {
	sum := sha256.Sum256([]byte(name))
	h := hex.EncodeToString(sum[:])
	switch {
	case strings.Contains(typ, "AWS::EC2::Image::Id"):
		return "ami-" + h[:17]
	case strings.Contains(typ, "List<"):
		return "ssm-" + h[:8] + ",ssm-" + h[8:16]
	}
	return "ssm-" + h[:16]
}

// maskedParams hides NoEcho values the way DescribeStacks does.
func maskedParams(ps []paramValue) []paramValue {
	out := make([]paramValue, len(ps))
	for i, p := range ps {
		if p.NoEcho {
			p.Value = "****"
			p.Resolved = ""
		}
		out[i] = p
	}
	return out
}
