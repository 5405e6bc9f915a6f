package render

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// setFields reads a JSON object, as encoding/json writes it, into what checkFields needs from it: the members that
// are set (see isUnset), each as true, or as a map of its own set members where rules gives the key rules of its
// own. It stands for json.Unmarshal into a map[string]any, which built every value of a service only for
// checkFields to look at its keys: that was a tenth of a render's bytes.
func setFields(data []byte, rules map[string]fieldRule) (map[string]any, error) {
	s := &jsonScanner{data: data}
	fields, _, err := s.object(rules)
	if err != nil {
		return nil, err
	}
	if s.skipSpace(); s.pos != len(s.data) {
		return nil, s.errorf("data after the object")
	}
	return fields, nil
}

// jsonScanner walks well-formed JSON without building its values.
type jsonScanner struct {
	data []byte
	pos  int
}

func (s *jsonScanner) errorf(format string, args ...any) error {
	return fmt.Errorf("reading JSON at offset %d: %s", s.pos, fmt.Sprintf(format, args...))
}

func (s *jsonScanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// next skips space and returns the next byte without consuming it, 0 at the end.
func (s *jsonScanner) next() byte {
	s.skipSpace()
	if s.pos == len(s.data) {
		return 0
	}
	return s.data[s.pos]
}

func (s *jsonScanner) expect(b byte) error {
	if s.next() != b {
		return s.errorf("expected %q", b)
	}
	s.pos++
	return nil
}

// object reads an object and returns its set members as setFields describes, and whether there is any. With nil
// rules (an object no rule looks into) only the latter is worked out, and the map is nil.
func (s *jsonScanner) object(rules map[string]fieldRule) (map[string]any, bool, error) {
	if err := s.expect('{'); err != nil {
		return nil, false, err
	}
	var fields map[string]any
	if rules != nil {
		fields = map[string]any{}
	}
	set := false
	if s.next() == '}' {
		s.pos++
		return fields, false, nil
	}
	for {
		key, err := s.member(rules != nil)
		if err != nil {
			return nil, false, err
		}
		var value any = true
		var memberSet bool
		if children := rules[key].children; children != nil && s.next() == '{' {
			value, memberSet, err = s.object(children)
		} else {
			memberSet, err = s.value()
		}
		if err != nil {
			return nil, false, err
		}
		// encoding/json writes no key twice in an object, so whether a member is set decides for its key.
		set = set || memberSet
		if memberSet && fields != nil {
			fields[key] = value
		}
		switch s.next() {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return fields, set, nil
		default:
			return nil, false, s.errorf("expected ',' or '}'")
		}
	}
}

// member reads an object key and the colon after it; the key is decoded only when wanted.
func (s *jsonScanner) member(wantKey bool) (string, error) {
	if s.next() != '"' {
		return "", s.errorf("expected a key")
	}
	raw, escaped, err := s.string()
	if err != nil {
		return "", err
	}
	var key string
	switch {
	case !wantKey:
	case !escaped:
		key = string(raw[1 : len(raw)-1])
	default:
		if err := json.Unmarshal(raw, &key); err != nil {
			return "", s.errorf("%v", err)
		}
	}
	return key, s.expect(':')
}

// string reads a string and returns it quoted as written, and whether it has escapes.
func (s *jsonScanner) string() (raw []byte, escaped bool, err error) {
	start := s.pos
	for s.pos++; s.pos < len(s.data); s.pos++ {
		switch s.data[s.pos] {
		case '\\':
			escaped = true
			if err := s.escape(); err != nil {
				return nil, false, err
			}
		case '"':
			s.pos++
			return s.data[start:s.pos], escaped, nil
		}
	}
	return nil, false, s.errorf("unterminated string")
}

// value reads any value and reports whether it is set, as isUnset judges its decoded form.
// escape checks the escape sequence whose backslash is at s.pos and leaves s.pos on its last byte.
func (s *jsonScanner) escape() error {
	s.pos++
	if s.pos == len(s.data) {
		return s.errorf("unterminated string")
	}
	switch s.data[s.pos] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return nil
	case 'u':
		if s.pos+4 >= len(s.data) {
			return s.errorf("unterminated string")
		}
		for _, c := range s.data[s.pos+1 : s.pos+5] {
			if !isHexDigit(c) {
				return s.errorf("invalid escape")
			}
		}
		s.pos += 4
		return nil
	}
	return s.errorf("invalid escape")
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func (s *jsonScanner) value() (bool, error) {
	switch b := s.next(); {
	case b == '{':
		_, set, err := s.object(nil)
		return set, err
	case b == '[':
		return s.array()
	case b == '"':
		raw, _, err := s.string()
		return len(raw) > 2, err
	case b == '-' || b >= '0' && b <= '9':
		return s.number()
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if len(s.data)-s.pos >= len(lit) && string(s.data[s.pos:s.pos+len(lit)]) == lit {
				s.pos += len(lit)
				return lit == "true", nil
			}
		}
		return false, s.errorf("unexpected %q", b)
	}
}

// array reads an array; any element, set or not, makes it set.
func (s *jsonScanner) array() (bool, error) {
	if err := s.expect('['); err != nil {
		return false, err
	}
	if s.next() == ']' {
		s.pos++
		return false, nil
	}
	for {
		if _, err := s.value(); err != nil {
			return false, err
		}
		switch s.next() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return true, nil
		default:
			return false, s.errorf("expected ',' or ']'")
		}
	}
}

// number reads a number; it is set unless it decodes to zero.
func (s *jsonScanner) number() (bool, error) {
	start := s.pos
	for s.pos < len(s.data) {
		switch b := s.data[s.pos]; {
		case b >= '0' && b <= '9', b == '-', b == '+', b == '.', b == 'e', b == 'E':
			s.pos++
			continue
		}
		break
	}
	f, err := strconv.ParseFloat(string(s.data[start:s.pos]), 64)
	if err != nil {
		return false, s.errorf("%v", err)
	}
	return f != 0, nil
}
