package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"
)

// canonicalJSON writes a generic JSON value with sorted object keys, no insignificant space and no HTML escaping:
// the same bytes encoding/json gives with SetEscapeHTML(false), several times faster, since this runs on every
// reconcile.
func canonicalJSON(doc any) ([]byte, error) {
	var buf bytes.Buffer
	// About 600 bytes per resource (the seed's 57 resources take 34 kB) and 4 kB for the rest, which every golden
	// case fits in: one allocation instead of a doubling chain, and not much more than the body.
	size := 4 << 10
	if m, ok := doc.(map[string]any); ok {
		if res, ok := m["Resources"].(map[string]any); ok {
			size += 600 * len(res)
		}
	}
	buf.Grow(size)
	if err := writeJSON(&buf, doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeJSON(buf *bytes.Buffer, v any) error {
	switch t := v.(type) {
	case nil:
		buf.WriteString("null")
	case string:
		writeJSONString(buf, t)
	case bool:
		buf.WriteString(strconv.FormatBool(t))
	case int:
		buf.Write(strconv.AppendInt(buf.AvailableBuffer(), int64(t), 10))
	case int64:
		buf.Write(strconv.AppendInt(buf.AvailableBuffer(), t, 10))
	case uint64:
		buf.Write(strconv.AppendUint(buf.AvailableBuffer(), t, 10))
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			return fmt.Errorf("encoding the template: %v is not a JSON number", t)
		}
		b, err := json.Marshal(t) // encoding/json's float formatting, kept exactly
		if err != nil {
			return fmt.Errorf("encoding the template: %w", err)
		}
		buf.Write(b)
	case json.Number:
		buf.WriteString(t.String())
	case typedResource:
		return t.writeJSON(buf)
	case typedValue:
		return t.writeJSON(buf)
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(buf, k)
			buf.WriteByte(':')
			if err := writeJSON(buf, t[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeJSON(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	default:
		// Values of other types (from an overlay parser, say) go through encoding/json, then are re-read as generic
		// values so their keys are sorted too.
		raw, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("encoding the template: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var g any
		if err := dec.Decode(&g); err != nil {
			return fmt.Errorf("encoding the template: %w", err)
		}
		return writeJSON(buf, g)
	}
	return nil
}

const hexDigits = "0123456789abcdef"

// writeJSONString quotes s as encoding/json does without HTML escaping: control characters, quote and backslash
// escaped, invalid UTF-8 replaced by U+FFFD, U+2028 and U+2029 escaped.
func writeJSONString(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			buf.WriteString(s[start:i])
			switch b {
			case '"', '\\':
				buf.WriteByte('\\')
				buf.WriteByte(b)
			case '\n':
				buf.WriteString(`\n`)
			case '\r':
				buf.WriteString(`\r`)
			case '\t':
				buf.WriteString(`\t`)
			case '\b':
				buf.WriteString(`\b`)
			case '\f':
				buf.WriteString(`\f`)
			default:
				buf.WriteString(`\u00`)
				buf.WriteByte(hexDigits[b>>4])
				buf.WriteByte(hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf.WriteString(s[start:i])
			buf.WriteString(`\ufffd`)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			buf.WriteString(s[start:i])
			buf.WriteString(`\u202`)
			buf.WriteByte(hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf.WriteString(s[start:])
	buf.WriteByte('"')
}
