package render

import (
	"bytes"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/awslabs/goformation/v7/cloudformation"
)

// Most generated resources are never reached by an overlay. Building their generic form (a map per struct, per
// object, per property) only to write it out again was the largest part of a render's time and bytes, so they sit
// in the generic template as typedResource and writeJSON writes them straight from their structs. The writer
// below follows generic and resourceGeneric case by case and writes what canonicalJSON would write for their
// result; a resource an overlay reaches is turned into its generic form first (materializeTouched), and so are
// the few that listenersFrom reads.

// typedResource stands for resourceGeneric(res) in the generic template until it is written.
type typedResource struct {
	in  *intrinsics
	res cloudformation.Resource
}

// resourceKeys are the keys resourceGeneric may set, in the sorted order canonicalJSON writes them.
var resourceKeys = [...]string{"Condition", "DeletionPolicy", "DependsOn", "Metadata", "Properties", "Type", "UpdateReplacePolicy"}

// resourceAttrFields are the struct fields behind resourceGeneric's attributes.
var resourceAttrFields = map[string]string{
	"Condition":           "AWSCloudFormationCondition",
	"DeletionPolicy":      "AWSCloudFormationDeletionPolicy",
	"DependsOn":           "AWSCloudFormationDependsOn",
	"Metadata":            "AWSCloudFormationMetadata",
	"UpdateReplacePolicy": "AWSCloudFormationUpdateReplacePolicy",
}

// typedValue stands for in.generic(v) in the generic template until it is written, like typedResource: the
// Metadata, Parameters and Outputs sections, which overlays seldom reach. materializeTouched builds the generic
// form of one an overlay reaches.
type typedValue struct {
	in *intrinsics
	v  any
}

func (t typedValue) generic() any { return t.in.generic(reflect.ValueOf(t.v)) }

// writeJSON writes canonicalJSON's encoding of t.generic().
func (t typedValue) writeJSON(buf *bytes.Buffer) error {
	return t.in.writeTyped(buf, reflect.ValueOf(t.v))
}

// resourceAttrIndexes holds, per entry of resourceKeys, the index path of the struct field behind that resource
// attribute (see resourceAttrFields); nil for Type and Properties and for a field the type does not have.
type resourceAttrIndexes [len(resourceKeys)][]int

var resourceAttrCache sync.Map // reflect.Type -> *resourceAttrIndexes

// resourceAttrsOf finds the attribute fields of a resource struct type once, rather than by name on every write.
func resourceAttrsOf(t reflect.Type) *resourceAttrIndexes {
	if a, ok := resourceAttrCache.Load(t); ok {
		return a.(*resourceAttrIndexes)
	}
	a := new(resourceAttrIndexes)
	for i, k := range resourceKeys {
		if name, ok := resourceAttrFields[k]; ok {
			if f, found := t.FieldByName(name); found {
				a[i] = f.Index
			}
		}
	}
	resourceAttrCache.Store(t, a)
	return a
}

// generic returns the value typedResource stands for.
func (t typedResource) generic() map[string]any { return t.in.resourceGeneric(t.res) }

// writeJSON writes canonicalJSON's encoding of t.generic().
func (t typedResource) writeJSON(buf *bytes.Buffer) error {
	in := t.in
	v := reflect.ValueOf(t.res)
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		// Not a goformation resource struct: the generic path, as it was.
		return writeJSON(buf, t.generic())
	}
	attrs := resourceAttrsOf(v.Type())
	buf.WriteByte('{')
	first := true
	key := func(k string) {
		if !first {
			buf.WriteByte(',')
		}
		first = false
		writeJSONString(buf, k)
		buf.WriteByte(':')
	}
	for i, k := range resourceKeys {
		switch k {
		case "Type":
			key(k)
			writeJSONString(buf, t.res.AWSCloudFormationType())
		case "Properties":
			// resourceGeneric leaves Properties out when no field is set.
			if !hasSetField(v) {
				continue
			}
			key(k)
			if err := in.writeTyped(buf, v); err != nil {
				return err
			}
		default:
			if attrs[i] == nil {
				continue
			}
			fv := v.FieldByIndex(attrs[i])
			if attrSet(fv) {
				key(k)
				if err := in.writeTyped(buf, fv); err != nil {
					return err
				}
			}
		}
	}
	buf.WriteByte('}')
	return nil
}

// properties returns, of the Properties map in t.generic(), only the named entries: listenersFrom reads two
// properties of each listener, not its whole generic form. It returns nil when that form has no Properties.
func (t typedResource) properties(names ...string) map[string]any {
	v := reflect.ValueOf(t.res)
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		props, _ := t.generic()["Properties"].(map[string]any)
		return props
	}
	if !hasSetField(v) {
		return nil
	}
	props := make(map[string]any, len(names))
	for _, sf := range sortedFieldsOf(v.Type()) {
		if !slices.Contains(names, sf.name) {
			continue
		}
		if fv := sf.value(v); fv.IsValid() {
			props[sf.name] = t.in.generic(fv)
		}
	}
	return props
}

// attrSet reports whether resourceGeneric writes the resource attribute held in fv (found by name, so possibly
// absent): set, and not an empty list or map.
func attrSet(fv reflect.Value) bool {
	return fv.IsValid() && !fv.IsZero() && (fv.Kind() != reflect.Slice && fv.Kind() != reflect.Map || fv.Len() != 0)
}

// omitted reports what generic leaves out of a struct's map.
func omitted(f fieldInfo, fv reflect.Value) bool {
	return f.omitEmpty && (fv.IsZero() || (fv.Kind() == reflect.Slice || fv.Kind() == reflect.Map) && fv.Len() == 0)
}

func hasSetField(v reflect.Value) bool {
	for _, f := range fieldsOf(v.Type()) {
		if !omitted(f, v.Field(f.index)) {
			return true
		}
	}
	return false
}

// sortedField is one key of a struct's generic map: the fields named so, in declaration order (generic assigns
// them in that order, so the last one not omitted wins; there is one but for odd types).
type sortedField struct {
	name   string
	key    []byte // name as a JSON object key, quoted and followed by its colon, encoded once
	fields []fieldInfo
}

// value returns the field of struct v that gives the key its value in generic's map (the last one not
// omitted), or the zero Value when generic leaves the key out.
func (sf sortedField) value(v reflect.Value) reflect.Value {
	var chosen reflect.Value
	for _, f := range sf.fields {
		if fv := v.Field(f.index); !omitted(f, fv) {
			chosen = fv
		}
	}
	return chosen
}

var sortedFieldCache sync.Map // reflect.Type -> []sortedField

func sortedFieldsOf(t reflect.Type) []sortedField {
	if f, ok := sortedFieldCache.Load(t); ok {
		return f.([]sortedField)
	}
	var out []sortedField
	at := map[string]int{}
	for _, f := range fieldsOf(t) {
		if i, ok := at[f.name]; ok {
			out[i].fields = append(out[i].fields, f)
			continue
		}
		at[f.name] = len(out)
		out = append(out, sortedField{name: f.name, fields: []fieldInfo{f}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	for i := range out {
		var key bytes.Buffer
		writeJSONString(&key, out[i].name)
		key.WriteByte(':')
		out[i].key = key.Bytes()
	}
	sortedFieldCache.Store(t, out)
	return out
}

// writeTyped writes canonicalJSON's encoding of in.generic(v).
func (in *intrinsics) writeTyped(buf *bytes.Buffer, v reflect.Value) error {
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			buf.WriteString("null")
			return nil
		}
		return in.writeTyped(buf, v.Elem())
	case reflect.String:
		in.writeString(buf, v.String())
	case reflect.Bool:
		buf.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		buf.Write(strconv.AppendInt(buf.AvailableBuffer(), v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		buf.Write(strconv.AppendUint(buf.AvailableBuffer(), v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		return writeJSON(buf, v.Float())
	case reflect.Slice, reflect.Array:
		return in.writeTypedList(buf, v)
	case reflect.Map:
		return in.writeTypedMap(buf, v)
	case reflect.Struct:
		return in.writeTypedStruct(buf, v)
	default:
		buf.WriteString("null")
	}
	return nil
}

// writeString writes a string, or the intrinsic it is the token of.
func (in *intrinsics) writeString(buf *bytes.Buffer, s string) {
	if it := in.lookup(s); it != nil {
		buf.Write(it.json)
		return
	}
	writeJSONString(buf, s)
}

func (in *intrinsics) writeTypedList(buf *bytes.Buffer, v reflect.Value) error {
	if v.Kind() == reflect.Slice && v.IsNil() {
		buf.WriteString("null")
		return nil
	}
	if v.Len() == 1 && v.Index(0).Kind() == reflect.String {
		if it := in.spliced(v.Index(0).String()); it != nil {
			buf.Write(it.json)
			return nil
		}
	}
	buf.WriteByte('[')
	for i := 0; i < v.Len(); i++ {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := in.writeTyped(buf, v.Index(i)); err != nil {
			return err
		}
	}
	buf.WriteByte(']')
	return nil
}

func (in *intrinsics) writeTypedMap(buf *bytes.Buffer, v reflect.Value) error {
	if v.IsNil() {
		buf.WriteString("null")
		return nil
	}
	if v.Type().Key().Kind() != reflect.String {
		// generic keys such maps by Value.String(), which need not be distinct: write exactly what it gives.
		return writeJSON(buf, in.generic(v))
	}
	// The maps goformation structs hold (options, labels, policy documents) are written without reflection,
	// which would copy every key and value to the heap.
	if v.CanInterface() {
		switch m := v.Interface().(type) {
		case map[string]string:
			in.writeStringMap(buf, m)
			return nil
		case map[string]any:
			return in.writeAnyMap(buf, m)
		}
	}
	type entry struct {
		key   string
		value reflect.Value
	}
	entries := make([]entry, 0, v.Len())
	// The values are copied into one slice, and the keys read through one Value: iter.Key and iter.Value would
	// allocate a copy of each.
	values := reflect.MakeSlice(reflect.SliceOf(v.Type().Elem()), v.Len(), v.Len())
	key := reflect.New(v.Type().Key()).Elem()
	iter := v.MapRange()
	for i := 0; iter.Next(); i++ {
		key.SetIterKey(iter)
		values.Index(i).SetIterValue(iter)
		entries = append(entries, entry{key.String(), values.Index(i)})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	buf.WriteByte('{')
	for i, e := range entries {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeJSONString(buf, e.key)
		buf.WriteByte(':')
		if err := in.writeTyped(buf, e.value); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}

func (in *intrinsics) writeStringMap(buf *bytes.Buffer, m map[string]string) {
	buf.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeJSONString(buf, k)
		buf.WriteByte(':')
		in.writeString(buf, m[k])
	}
	buf.WriteByte('}')
}

func (in *intrinsics) writeAnyMap(buf *bytes.Buffer, m map[string]any) error {
	buf.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeJSONString(buf, k)
		buf.WriteByte(':')
		if err := in.writeAny(buf, m[k]); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}

// writeAny writes what writeTyped writes for an interface holding e, without reflection for the generic values
// policy documents are made of.
func (in *intrinsics) writeAny(buf *bytes.Buffer, e any) error {
	switch t := e.(type) {
	case nil:
		buf.WriteString("null")
	case string:
		in.writeString(buf, t)
	case map[string]any:
		if t == nil {
			buf.WriteString("null")
			return nil
		}
		return in.writeAnyMap(buf, t)
	case []any:
		// Never spliced: the element of a []any is an interface, not a string (see writeTypedList).
		if t == nil {
			buf.WriteString("null")
			return nil
		}
		buf.WriteByte('[')
		for i, x := range t {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := in.writeAny(buf, x); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	default:
		return in.writeTyped(buf, reflect.ValueOf(e))
	}
	return nil
}

func (in *intrinsics) writeTypedStruct(buf *bytes.Buffer, v reflect.Value) error {
	buf.WriteByte('{')
	first := true
	for _, sf := range sortedFieldsOf(v.Type()) {
		chosen := sf.value(v)
		if !chosen.IsValid() {
			continue
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		buf.Write(sf.key)
		if err := in.writeTyped(buf, chosen); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}
