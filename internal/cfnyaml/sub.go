package cfnyaml

import "strings"

// SubVariables lists the ${Name} and ${Name.Attr} variables of an Fn::Sub string, in order, as written (spaces
// trimmed). ${!Literal} escapes are not variables, and an unterminated ${ ends the list.
func SubVariables(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return out
		}
		s = s[i+2:]
		j := strings.IndexByte(s, '}')
		if j < 0 {
			return out
		}
		if name := strings.TrimSpace(s[:j]); name != "" && name[0] != '!' {
			out = append(out, name)
		}
		s = s[j+1:]
	}
}
