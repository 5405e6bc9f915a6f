package render

import (
	"reflect"
	"strings"
	"sync"

	"github.com/awslabs/goformation/v7/cloudformation"
)

// The typed template is turned into generic JSON values (maps, slices, strings, numbers) by reflection, following
// the json tags goformation declares, instead of marshalling to text and parsing it back: this is the hot path of
// every reconcile. Intrinsic tokens are resolved on the way.

// fieldInfo is one encodable struct field.
type fieldInfo struct {
	index     int
	name      string
	omitEmpty bool
}

var fieldCache sync.Map // reflect.Type -> []fieldInfo

func fieldsOf(t reflect.Type) []fieldInfo {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]fieldInfo)
	}
	var out []fieldInfo
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || strings.HasPrefix(f.Name, "AWSCloudFormation") {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, fieldInfo{index: i, name: name, omitEmpty: strings.Contains(opts, "omitempty")})
	}
	fieldCache.Store(t, out)
	return out
}

// generic converts a typed value to generic JSON values, resolving intrinsic tokens.
func (in *intrinsics) generic(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return in.generic(v.Elem())
	case reflect.String:
		return in.resolve(v.String())
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return v.Uint()
	case reflect.Float32, reflect.Float64:
		return v.Float()
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil
		}
		if v.Len() == 1 && v.Index(0).Kind() == reflect.String {
			if it := in.spliced(v.Index(0).String()); it != nil {
				return it.generic() // shared, see intrinsic.generic
			}
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = in.generic(v.Index(i))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		out := make(map[string]any, v.Len())
		iter := v.MapRange()
		for iter.Next() {
			out[iter.Key().String()] = in.generic(iter.Value())
		}
		return out
	case reflect.Struct:
		fields := fieldsOf(v.Type())
		set := make([]int, 0, len(fields)) // indexes into fields; sizing the map exactly saves its regrowth
		for i, f := range fields {
			fv := v.Field(f.index)
			if f.omitEmpty && (fv.IsZero() || (fv.Kind() == reflect.Slice || fv.Kind() == reflect.Map) && fv.Len() == 0) {
				continue
			}
			set = append(set, i)
		}
		out := make(map[string]any, len(set))
		for _, i := range set {
			out[fields[i].name] = in.generic(v.Field(fields[i].index))
		}
		return out
	}
	return nil
}

// resourceGeneric wraps a resource's properties with its type and attributes, as goformation's MarshalJSON does.
func (in *intrinsics) resourceGeneric(res cloudformation.Resource) map[string]any {
	v := reflect.ValueOf(res)
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	out := map[string]any{"Type": res.AWSCloudFormationType()}
	if props, _ := in.generic(v).(map[string]any); len(props) > 0 {
		out["Properties"] = props
	}
	for attr, field := range resourceAttrFields {
		fv := v.FieldByName(field)
		if attrSet(fv) {
			out[attr] = in.generic(fv)
		}
	}
	return out
}

// templateGeneric converts the whole template, leaving out empty sections. Resources are left as typedResource,
// and the other sections built from structs as typedValue (see typed.go).
func (in *intrinsics) templateGeneric(t *cloudformation.Template) map[string]any {
	doc := map[string]any{"AWSTemplateFormatVersion": t.AWSTemplateFormatVersion}
	if t.Description != "" {
		doc["Description"] = t.Description
	}
	if len(t.Metadata) > 0 {
		doc["Metadata"] = typedValue{in: in, v: t.Metadata}
	}
	if len(t.Parameters) > 0 {
		doc["Parameters"] = typedValue{in: in, v: t.Parameters}
	}
	resources := make(map[string]any, len(t.Resources))
	for id, res := range t.Resources {
		// Built only if an overlay or listenersFrom needs it; written straight from the struct otherwise.
		resources[id] = typedResource{in: in, res: res}
	}
	doc["Resources"] = resources
	if len(t.Outputs) > 0 {
		doc["Outputs"] = typedValue{in: in, v: t.Outputs}
	}
	return doc
}
