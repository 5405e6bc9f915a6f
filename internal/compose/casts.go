package compose

import (
	"bytes"
	"sync"

	"github.com/compose-spec/compose-go/v2/interpolation"
	"github.com/compose-spec/compose-go/v2/tree"
	"github.com/compose-spec/compose-go/v2/types"
)

// Why this file exists: compose-go's interpolation looks up a type cast for every string value of a compose
// file by trying each of its ~130 cast patterns (services.*.cpu_count, services.*.deploy.replicas...) with
// tree.Path.Matches, which splits both paths on every try. For the seed project that was a quarter of the load
// time and a fifth of its allocated bytes, and almost every pattern names a key the files do not contain.

// castLiterals holds, per cast pattern, the parts a matching path must contain verbatim: every part but the
// wildcards "*" (any key) and "[]" (any list item). Built once from compose-go's fixed table.
var (
	castLiteralsOnce sync.Once
	castLiterals     map[tree.Path][]string
)

func literalParts(p tree.Path) []string {
	var lits []string
	for _, part := range p.Parts() {
		if part != tree.PathMatchAll && part != tree.PathMatchList {
			lits = append(lits, part)
		}
	}
	return lits
}

// relevantCasts returns the entries of casts that could match a path of one of files, so compose-go tries only
// those. A path's parts are mapping keys (or "[]"), and a key is written in the file's text, so a pattern one of
// whose literal parts appears in no file cannot match: dropping it changes no result, only the time spent
// failing to match it. Keys can also be spelled with escapes in double-quoted YAML ("\x63pu_count"): a file
// with a backslash keeps the whole table, and so does one that may name other files (`include:`,
// `extends.file`), whose keys are not in this text.
func relevantCasts(casts map[tree.Path]interpolation.Cast, files []types.ConfigFile) map[tree.Path]interpolation.Cast {
	for _, f := range files {
		if bytes.IndexByte(f.Content, '\\') >= 0 || bytes.Contains(f.Content, []byte("include")) || bytes.Contains(f.Content, []byte("extends")) {
			return casts
		}
	}
	castLiteralsOnce.Do(func() {
		castLiterals = make(map[tree.Path][]string, len(casts))
		for p := range casts {
			castLiterals[p] = literalParts(p)
		}
	})
	present := make(map[string]bool, 64) // literal -> written in some file
	out := map[tree.Path]interpolation.Cast{}
	for p, cast := range casts {
		lits, ok := castLiterals[p]
		if !ok {
			// Not in the table seen first (another compose-go table): work it out, uncached.
			lits = literalParts(p)
		}
		keep := true
		for _, lit := range lits {
			found, seen := present[lit]
			if !seen {
				found = anyContains(files, lit)
				present[lit] = found
			}
			if !found {
				keep = false
				break
			}
		}
		if keep {
			out[p] = cast
		}
	}
	return out
}

func anyContains(files []types.ConfigFile, s string) bool {
	for _, f := range files {
		if bytes.Contains(f.Content, []byte(s)) {
			return true
		}
	}
	return false
}
