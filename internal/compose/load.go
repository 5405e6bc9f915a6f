package compose

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/interpolation"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/tree"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/distribution/reference"
	"go.yaml.in/yaml/v4"
)

// workingDir is the project directory as compose-go sees it. Paths are not resolved against it (the files are
// in memory), so it only has to be stable.
const workingDir = "."

// Load loads the project described by src, as `docker compose -p NAME -f ... --profile ... config` would, but
// from memory: compose files are merged in order, ${VAR} is interpolated from src.Variables only, env_file and
// label_file entries are read from src.Supporting, and src.Images replaces service images before the project is
// checked, so a service with only `build:` can be given an image.
//
// `include:` and `extends.file` are followed as Docker Compose follows them, taking the files they name from
// src.Files, src.Supporting or src.ReadFile (see fileLoader). Values of sensitive env files never appear in the
// returned errors or warnings.
func Load(ctx context.Context, src Source) (*Loaded, error) {
	p, err := prepare(ctx, src)
	if err != nil {
		return nil, err
	}
	return p.Load(src.Supporting)
}

// Prepared is a project loaded from its compose files, waiting for its supporting files. A front end that reads
// supporting files from disk uses it to learn which to read (References) and then finishes the load with them,
// running compose-go once rather than twice.
type Prepared struct {
	// References are the supporting files the project names, sorted by path.
	References []Reference

	files   []File
	vars    types.Mapping
	project *types.Project
	unset   unsetVariables
	used    bool
}

// Project is the project as loaded from the compose files, before the supporting files complete it: for reading,
// to learn which other files of the project directory a front end must read (render.ConfigSources).
func (p *Prepared) Project() *types.Project { return p.project }

// Prepare loads src's compose files (src.Supporting is not consulted) and lists the supporting files they name.
func Prepare(ctx context.Context, src Source) (*Prepared, error) {
	p, err := prepare(ctx, src)
	if err != nil {
		return nil, err
	}
	if p.References, err = references(p.project); err != nil {
		return nil, err
	}
	return p, nil
}

func prepare(ctx context.Context, src Source) (*Prepared, error) {
	if err := checkSource(src); err != nil {
		return nil, err
	}
	vars := variables(src.Variables)
	project, unset, err := loadProject(ctx, src, vars)
	if err != nil {
		return nil, err
	}
	return &Prepared{files: src.Files, vars: vars, project: project, unset: unset}, nil
}

// Load finishes the load with the supporting files, as Load does. It can be called once: it completes the
// project in place.
func (p *Prepared) Load(supporting []File) (*Loaded, error) {
	if p.used {
		return nil, errors.New("compose: a Prepared project can be loaded only once")
	}
	p.used = true
	files, err := indexSupporting(supporting)
	if err != nil {
		return nil, err
	}
	sensitive, err := resolveServices(p.project, p.vars, files)
	if err != nil {
		return nil, err
	}
	if err := cleanFilePaths(p.project, files); err != nil {
		return nil, err
	}
	return &Loaded{
		Project:        p.project,
		SensitiveEnv:   sensitive,
		Files:          files.contents(),
		SensitiveFiles: files.sensitive(),
		Warnings:       append(fileWarnings(p.files), p.unset.warnings()...),
	}, nil
}

func variables(in map[string]string) types.Mapping {
	vars := types.Mapping{}
	for k, v := range in {
		vars[k] = v
	}
	return vars
}

// loadProject runs compose-go on the in-memory files, up to and including its consistency checks, leaving
// env_file and label_file entries unresolved.
func loadProject(ctx context.Context, src Source, vars types.Mapping) (*types.Project, unsetVariables, error) {
	details := types.ConfigDetails{WorkingDir: workingDir, Environment: vars}
	for _, f := range src.Files {
		if err := checkAliases(f); err != nil {
			return nil, nil, err
		}
		content, err := expandOverlayTags(f.Name, f.Content)
		if err != nil {
			return nil, nil, err
		}
		if content == nil {
			// compose-go reads the file from disk when Content is nil.
			content = []byte{}
		}
		details.ConfigFiles = append(details.ConfigFiles, types.ConfigFile{Filename: f.Name, Content: content})
	}

	unset := unsetVariables{}
	var lastEvent string
	files := newFileLoader(src, &lastEvent)
	// The options run twice (LoadModelWithContext and ModelToProject), each time on a fresh ToOptions value:
	// the pruned cast table is worked out once.
	var casts map[tree.Path]interpolation.Cast
	ports := newPortBudget(len(src.Files))
	options := func(o *loader.Options) {
		o.SetProjectName(src.ProjectName, true)
		o.Profiles = append([]string(nil), src.Profiles...)
		o.ResolvePaths = false
		o.SkipResolveEnvironment = true
		o.SkipResolveLabels = true
		// Defaults are applied by markImplicitProtocols, once it has seen which ports have no protocol.
		o.SkipDefaultValues = true
		// ToOptions has set Interpolate to a fresh value holding compose-go's type casts: keep them.
		if o.Interpolate == nil {
			o.Interpolate = &interpolation.Options{}
		}
		if casts == nil {
			casts = withPortBudget(relevantCasts(o.Interpolate.TypeCastMapping, details.ConfigFiles), ports)
		}
		o.Interpolate.TypeCastMapping = casts
		o.Interpolate.Substitute = unset.substitute
		o.Interpolate.LookupValue = vars.Resolve
		o.ResourceLoaders = []loader.ResourceLoader{files}
		o.Listeners = []loader.Listener{func(event string, _ map[string]any) { lastEvent = event }}
	}

	model, err := guard(func() (map[string]any, error) { return loader.LoadModelWithContext(ctx, details, options) })
	// Included and extended files are read while the model is built; nothing reads them afterwards.
	files.relativize(model)
	err = files.cleanup(err)
	if err != nil {
		if named := diagnose(src.Files); named != nil {
			return nil, nil, fmt.Errorf("loading compose files: %w", named)
		}
		return nil, nil, fmt.Errorf("loading compose files: %w", nonFiniteError(src.Files, err))
	}
	if model, err = markImplicitProtocols(model); err != nil {
		return nil, nil, fmt.Errorf("loading compose files: %w", err)
	}
	if err := applyImages(model, src.Images); err != nil {
		return nil, nil, err
	}
	project, err := guard(func() (*types.Project, error) {
		return loader.ModelToProject(model, loader.ToOptions(&details, []func(*loader.Options){options}), details)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("loading compose files: %w", err)
	}
	return project, unset, nil
}

// guard runs a compose-go step and turns a panic into an error. compose-go trusts some shapes its schema allows:
// `pid:` with no value passes validation and then crashes its normalisation. A controller must report bad input,
// not crash on it.
func guard[T any](step func() (T, error)) (out T, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("compose-go could not read this project (%v); look for a key with an empty value, such as `pid:`, and give it a value or remove it", p)
		}
	}()
	return step()
}

func checkSource(src Source) error {
	if src.ProjectName == "" {
		return errors.New("project name is empty: set it (the CLI takes --project-name)")
	}
	if !isNormalizedName(src.ProjectName) {
		return fmt.Errorf("project name %q is not valid: use lower-case letters, digits, '-' and '_', starting with a letter or digit", src.ProjectName)
	}
	if len(src.Files) == 0 {
		return errors.New("no compose file given: give at least one")
	}
	seen := map[string]bool{}
	for i, f := range src.Files {
		if f.Name == "" {
			return fmt.Errorf("compose file %d has no name: name it", i+1)
		}
		if seen[f.Name] {
			return fmt.Errorf("compose file %q is given twice: give it once", f.Name)
		}
		seen[f.Name] = true
	}
	return nil
}

// isNormalizedName reports whether loader.NormalizeProjectName(s) == s, which compiles a regexp on every call:
// s is made of lower-case letters, digits, '-' and '_' only, and starts with neither '-' nor '_'.
func isNormalizedName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '_' {
			return false
		}
	}
	return s == "" || (s[0] != '-' && s[0] != '_')
}

func obsoleteVersion(file string) string {
	return fmt.Sprintf("%s: the attribute `version` is obsolete and ignored: remove it", file)
}

// startsWithVersion reports whether content opens with `version: <value>` on its first line, the value a number
// or a quoted string without escapes: the way most compose files that have it write it, and what the seed
// project's files do. Such a line at the very start of a file can only be the first key of the first document's
// top-level mapping, with a non-null value, which is what the decode in fileWarnings would find; the difference
// is that the decode also fails on a broken file, but then compose-go fails too and Load returns no warnings.
func startsWithVersion(content []byte) bool {
	rest, ok := bytes.CutPrefix(content, []byte("version:"))
	if !ok {
		return false
	}
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	value := bytes.TrimLeft(line, " \t")
	if len(value) == len(line) || len(value) == 0 {
		return false // "version:x" is one plain scalar; "version:" alone has a null (or next-line) value
	}
	var n int
	switch q := value[0]; {
	case q == '"' || q == '\'':
		end := bytes.IndexByte(value[1:], q)
		if end < 0 || bytes.IndexByte(value[1:end+1], '\\') >= 0 {
			return false
		}
		n = end + 2
	case '0' <= q && q <= '9':
		for n < len(value) && ('0' <= value[n] && value[n] <= '9' || value[n] == '.') {
			n++
		}
	default:
		return false
	}
	// Only spaces, or a comment after a space, may follow.
	after := value[n:]
	trimmed := bytes.TrimLeft(after, " \t")
	return len(trimmed) == 0 || (trimmed[0] == '#' && len(trimmed) < len(after))
}

// fileWarnings reports the obsolete top-level `version` as Docker Compose does. compose-go logs that warning
// once per process through logrus, which a long-running controller would lose after the first object.
func fileWarnings(files []File) []string {
	var warnings []string
	for _, f := range files {
		// A `version` key is written "version" unless spelled with escapes in a quoted key: a file with neither
		// has none, and is not parsed a second time just to find out.
		if !bytes.Contains(f.Content, []byte("version")) && bytes.IndexByte(f.Content, '\\') < 0 {
			continue
		}
		if startsWithVersion(f.Content) {
			warnings = append(warnings, obsoleteVersion(f.Name))
			continue
		}
		dec := yaml.NewDecoder(bytes.NewReader(f.Content))
		for {
			var top struct {
				Version any `yaml:"version"`
			}
			err := dec.Decode(&top)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				// The loader reports syntax errors with more context; nothing to warn about here.
				break
			}
			if top.Version != nil {
				warnings = append(warnings, obsoleteVersion(f.Name))
				break
			}
		}
	}
	return warnings
}

// applyImages sets service images in the merged model, before compose-go checks that every service has an image
// or a build section.
func applyImages(model map[string]any, images map[string]string) error {
	if len(images) == 0 {
		return nil
	}
	services, _ := model["services"].(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(images)) {
		ref := images[name]
		svc, ok := services[name].(map[string]any)
		if !ok {
			return fmt.Errorf("image override for service %q: the project has no such service (services: %s)",
				name, strings.Join(slices.Sorted(maps.Keys(services)), ", "))
		}
		if _, err := reference.ParseNormalizedNamed(ref); err != nil {
			return fmt.Errorf("image override for service %q: %q is not an image reference: %w", name, ref, err)
		}
		svc["image"] = ref
	}
	return nil
}

// resolveServices resolves env_file and label_file entries of every service (enabled or not) and its pre_start
// hooks, and returns the sensitive variables by service.
func resolveServices(project *types.Project, vars types.Mapping, files supporting) (map[string]map[string]string, error) {
	sensitive := map[string]map[string]string{}
	// Every service's missing or broken files are reported at once, services in order.
	var problems []error
	for _, group := range []types.Services{project.Services, project.DisabledServices} {
		for _, name := range slices.Sorted(maps.Keys(group)) {
			svc := group[name]
			owner := "service " + name
			hidden, err := resolveEnvironment(owner, &svc.ContainerSpec, vars, files)
			if err != nil {
				problems = append(problems, err)
				continue
			}
			if err := resolveLabels(owner, &svc.ContainerSpec, files); err != nil {
				problems = append(problems, err)
				continue
			}
			for i := range svc.PreStart {
				hook := &svc.PreStart[i].ContainerSpec
				hookOwner := fmt.Sprintf("%s: pre_start[%d]", owner, i)
				// Hooks do not run on ECS; their sensitive values are dropped rather than published.
				if _, err := resolveEnvironment(hookOwner, hook, vars, files); err != nil {
					problems = append(problems, err)
				}
				if err := resolveLabels(hookOwner, hook, files); err != nil {
					problems = append(problems, err)
				}
			}
			group[name] = svc
			if _, enabled := project.Services[name]; enabled && len(hidden) > 0 {
				sensitive[name] = hidden
			}
		}
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return sensitive, nil
}

// cleanFilePaths rewrites secret and config `file:` paths to the keys of Loaded.Files, and checks that the
// secrets the enabled services use were given.
func cleanFilePaths(project *types.Project, files supporting) error {
	used := map[string]bool{}
	for _, svc := range project.Services {
		for _, s := range svc.Secrets {
			used[s.Source] = true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(project.Secrets)) {
		s := project.Secrets[name]
		if s.File == "" {
			continue
		}
		key, err := cleanPath(s.File)
		if err != nil {
			return fmt.Errorf("secret %q: file: %w", name, err)
		}
		if _, ok := files[key]; !ok && used[name] {
			return fmt.Errorf("secret %q: file %q not found: %s", name, s.File, supportingHint)
		}
		s.File = key
		project.Secrets[name] = s
	}
	for _, name := range slices.Sorted(maps.Keys(project.Configs)) {
		c := project.Configs[name]
		if c.File == "" {
			continue
		}
		key, err := cleanPath(c.File)
		if err != nil {
			return fmt.Errorf("config %q: file: %w", name, err)
		}
		c.File = key
		project.Configs[name] = c
	}
	return nil
}
