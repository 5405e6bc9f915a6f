package compose

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/consts"
)

// maxReferences bounds how many times one load may serve an include or extends.file target: a project splits
// into tens of files, and a chain of extends over thousands is a mistake or an attack on the controller.
const maxReferences = 512

// includeHint tells the user where a file that `include:` or `extends.file` names must be given.
const includeHint = "add it to spec.compose.supportingFiles (with the CLI: keep it inside the project directory)"

// fileLoader is the compose-go ResourceLoader that serves `include:` and `extends.file` targets, so they are
// followed as Docker Compose follows them, with the path rules of every other file: relative to the project
// directory and inside it. It takes a file from the compose and supporting files it was given, or else from
// Source.ReadFile (the CLI reads the project directory; the controller has nothing more).
//
// compose-go reads what a loader returns from disk, by path. So each file served is written into a private
// temporary directory (dir, made on first use and removed by cleanup), and Dir hands compose-go the file's
// directory relative to the project, so paths in included files stay relative to the project directory.
type fileLoader struct {
	files      map[string]File // by cleaned path: compose files, then supporting files
	read       func(string) ([]byte, error)
	lastEvent  *string // the kind of reference ("include" or "extends") compose-go reported just before loading
	lastServed string  // the project path of the file served last
	served     int     // how many references were served
	dir        string
}

func newFileLoader(src Source, lastEvent *string) *fileLoader {
	l := &fileLoader{files: map[string]File{}, read: src.ReadFile, lastEvent: lastEvent}
	for _, group := range [][]File{src.Supporting, src.Files} {
		for _, f := range group {
			if key, err := cleanPath(f.Name); err == nil {
				l.files[key] = f
			}
		}
	}
	return l
}

func (*fileLoader) Accept(string) bool { return true }

func (l *fileLoader) Load(ctx context.Context, p string) (string, error) {
	kind := "a referenced compose file"
	switch *l.lastEvent {
	case "include":
		kind = "include"
	case "extends":
		kind = "extends.file"
	}
	if strings.Contains(p, "://") || strings.HasPrefix(p, "oci:") || strings.HasPrefix(p, "git@") {
		return "", fmt.Errorf("%s %q: remote compose files are not fetched; copy the file into the project and %s", kind, p, includeHint)
	}
	// A reference in a file that was itself included or extended is relative to that file's directory. compose-go
	// names the including file in ctx for includes; for an extends.file inside an extended file it names no file
	// and reports no event, and that file is the one served last.
	rel, from, include := l.relative(p), "", *l.lastEvent == "include"
	if f, _ := ctx.Value(consts.ComposeFileKey{}).(string); f != "" && l.relative(f) != f {
		from = l.relative(f)
	} else if *l.lastEvent == "" && l.lastServed != "" {
		from = l.lastServed
	}
	*l.lastEvent = ""
	if from != "" {
		kind = "include or extends.file in " + from
		if !path.IsAbs(rel) && !strings.HasPrefix(rel, "~") {
			rel = path.Join(path.Dir(from), rel)
		}
	}
	key, err := cleanPath(rel)
	if err != nil {
		return "", fmt.Errorf("%s: %w", kind, err)
	}
	if l.served++; l.served > maxReferences {
		return "", fmt.Errorf("%s %q: the project follows more than %d include and extends.file references; merge some files", kind, p, maxReferences)
	}
	f, ok, err := l.lookup(key)
	if err != nil {
		return "", fmt.Errorf("%s %q: %w", kind, p, err)
	}
	if !ok {
		return "", fmt.Errorf("%s %q not found: %s", kind, p, includeHint)
	}
	if f.Sensitive {
		return "", fmt.Errorf("%s %q is sensitive, but a compose file is published in the template's inputs: give it as a plain (non-secret) file", kind, p)
	}
	local, err := l.write(key, f.Content)
	if err != nil {
		return "", fmt.Errorf("%s %q: %w", kind, p, err)
	}
	if include {
		// Docker Compose interpolates an included file with the .env file of its directory too.
		envKey := path.Join(path.Dir(key), ".env")
		if env, ok, err := l.lookup(envKey); err != nil {
			return "", fmt.Errorf("%s %q: %s: %w", kind, p, envKey, err)
		} else if ok && !env.Sensitive {
			if _, err := l.write(envKey, env.Content); err != nil {
				return "", fmt.Errorf("%s %q: %w", kind, p, err)
			}
		}
	}
	l.lastServed = key
	return local, nil
}

// lookup finds a file by project path among the files given, or else through Source.ReadFile.
func (l *fileLoader) lookup(key string) (File, bool, error) {
	if f, ok := l.files[key]; ok {
		return f, true, nil
	}
	if l.read == nil {
		return File{}, false, nil
	}
	content, err := l.read(key)
	if errors.Is(err, fs.ErrNotExist) {
		return File{}, false, nil
	}
	if err != nil {
		return File{}, false, err
	}
	f := File{Name: key, Content: content}
	l.files[key] = f
	return f, true, nil
}

// write puts a file into the private directory, under its project path, and returns where it is.
func (l *fileLoader) write(key string, content []byte) (string, error) {
	if l.dir == "" {
		dir, err := os.MkdirTemp("", "composestack-include-")
		if err != nil {
			return "", err
		}
		l.dir = dir
	}
	local := filepath.Join(l.dir, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(local), 0o700); err != nil {
		return "", err
	}
	return local, os.WriteFile(local, content, 0o600)
}

// Dir is the directory of a file relative to the project directory; compose-go resolves the relative paths of
// an included or extended file against it.
func (l *fileLoader) Dir(p string) string {
	return path.Dir(filepath.ToSlash(l.relative(p)))
}

// relative turns a path in the private directory back into the path relative to the project.
func (l *fileLoader) relative(p string) string {
	if l.dir != "" {
		if rel, err := filepath.Rel(l.dir, p); err == nil && filepath.IsAbs(p) && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return p
}

// relativize turns paths in the private directory, anywhere in model, back into paths of the project. compose-go
// tries every loader on an include, so its own local loader, last, also takes the served file and makes the
// included file's directory absolute: the paths it resolves against it start with the private directory.
func (l *fileLoader) relativize(v any) any {
	if l.dir == "" {
		return v
	}
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = l.relativize(e)
		}
	case []any:
		for i, e := range t {
			t[i] = l.relativize(e)
		}
	case string:
		if rel, ok := strings.CutPrefix(t, l.dir+string(filepath.Separator)); ok {
			return filepath.ToSlash(rel)
		}
	}
	return v
}

// cleanup removes the private directory, and turns its paths in err back into project paths.
func (l *fileLoader) cleanup(err error) error {
	if l.dir == "" {
		return err
	}
	_ = os.RemoveAll(l.dir)
	if err != nil && strings.Contains(err.Error(), l.dir) {
		return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), l.dir+string(filepath.Separator), ""))
	}
	return err
}
