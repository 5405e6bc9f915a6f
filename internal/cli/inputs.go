package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"

	"github.com/composestack/composestack/internal/compose"
	"github.com/composestack/composestack/internal/render"
)

// Compose file names looked for in the current directory when no -f is given, in Docker Compose's order.
var (
	defaultFileNames     = []string{"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}
	defaultOverrideNames = []string{"compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml", "docker-compose.override.yml"}
)

// secretDir marks supporting files that are sensitive by their location, the convention of the seed project.
const secretDir = ".secret"

// inputs is what convert read from disk.
type inputs struct {
	source   compose.Source
	prepared *compose.Prepared // the project loaded from source's compose files, for the load with source.Supporting
	overlays [][]byte
	// overlayNames say where each overlay came from, for errors: "--overlay file" or a manifest's field.
	overlayNames []string
}

func readInputs(ctx context.Context, o *convertOptions) (*inputs, error) {
	paths := []string(o.files)
	if len(paths) == 0 {
		paths = composeFileVariable(o.environ)
	}
	if len(paths) == 0 {
		found, err := defaultComposeFiles(".")
		if err != nil {
			return nil, err
		}
		paths = found
	}
	src := compose.Source{Profiles: o.profiles, Images: o.images}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("compose file %s: %w", p, err)
		}
		src.Files = append(src.Files, compose.File{Name: p, Content: data})
	}
	abs, err := filepath.Abs(paths[0])
	if err != nil {
		return nil, fmt.Errorf("compose file %s: %w", paths[0], err)
	}
	dir := filepath.Dir(abs)

	// Files that include: and extends.file name are read from the project directory, as docker compose does,
	// and, like every file a project names, cannot lead outside it (symbolic links included).
	src.ReadFile = func(rel string) ([]byte, error) { return compose.ReadProjectFile(dir, rel) }
	if src.Variables, err = readVariables(o.envFiles, dir, o.environ); err != nil {
		return nil, err
	}
	if len(src.Profiles) == 0 && src.Variables["COMPOSE_PROFILES"] != "" {
		// As docker compose does, COMPOSE_PROFILES (from an env file) applies when --profile is not given.
		for _, p := range strings.Split(src.Variables["COMPOSE_PROFILES"], ",") {
			if p = strings.TrimSpace(p); p != "" {
				src.Profiles = append(src.Profiles, p)
			}
		}
	}
	src.ProjectName = o.projectName
	if src.ProjectName == "" {
		if src.ProjectName, err = compose.DefaultProjectName(src.Files, src.Variables, dir); err != nil {
			return nil, err
		}
	}
	prepared, err := compose.Prepare(ctx, src)
	if err != nil {
		return nil, err
	}
	if src.Supporting, err = readSupporting(prepared.References, dir, o.secretFiles); err != nil {
		return nil, err
	}
	configs, err := readConfigSources(render.ConfigSources(prepared.Project(), o.efsBinds), dir, src.Supporting)
	if err != nil {
		return nil, err
	}
	src.Supporting = append(src.Supporting, configs...)

	in := &inputs{source: src, prepared: prepared}
	for _, p := range o.overlays {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("--overlay %s: %w", p, err)
		}
		in.overlays = append(in.overlays, data)
		in.overlayNames = append(in.overlayNames, "--overlay "+p)
	}
	return in, nil
}

// composeFileVariable returns the compose files COMPOSE_FILE names when -f is not given, as docker compose reads
// it: from the process environment, else from the .env file of the current directory; the files are separated
// by COMPOSE_PATH_SEPARATOR, or the system's list separator (':' on Linux).
func composeFileVariable(environ []string) []string {
	vars := map[string]string{}
	if data, err := os.ReadFile(".env"); err == nil {
		if read, err := dotenv.ParseWithLookup(bytes.NewReader(data), nil); err == nil {
			vars = read
		}
	}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && (k == "COMPOSE_FILE" || k == "COMPOSE_PATH_SEPARATOR") {
			vars[k] = v
		}
	}
	if vars["COMPOSE_FILE"] == "" {
		return nil
	}
	sep := vars["COMPOSE_PATH_SEPARATOR"]
	if sep == "" {
		sep = string(os.PathListSeparator)
	}
	var paths []string
	for _, p := range strings.Split(vars["COMPOSE_FILE"], sep) {
		if p = strings.TrimSpace(p); p != "" {
			paths = append(paths, p)
		}
	}
	return paths
}

// defaultComposeFiles finds the compose file, and its override file, in dir, as `docker compose` does without -f.
func defaultComposeFiles(dir string) ([]string, error) {
	first := func(names []string) string {
		for _, n := range names {
			p := filepath.Join(dir, n)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p
			}
		}
		return ""
	}
	main := first(defaultFileNames)
	if main == "" {
		return nil, fmt.Errorf("no compose file in the current directory (looked for %s): give one with -f", strings.Join(defaultFileNames, ", "))
	}
	if override := first(defaultOverrideNames); override != "" {
		return []string{main, override}, nil
	}
	return []string{main}, nil
}

// readVariables reads the interpolation variables as `docker compose` does: the env files in order (--env-file,
// or the .env file next to the first compose file when none is given), later ones overriding earlier ones and
// able to refer to them, and the process environment (environ, KEY=value entries) over them all, so
// `TAG=$GIT_SHA composestack convert` works in a pipeline. The controller never reads its own environment: there
// the variables are spec.compose.variables only.
func readVariables(envFiles []string, dir string, environ []string) (map[string]string, error) {
	process := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			process[k] = v
		}
	}
	files := envFiles
	readFile := os.ReadFile
	if len(files) == 0 {
		def := filepath.Join(dir, ".env")
		if st, err := os.Stat(def); err == nil && !st.IsDir() {
			files = []string{def}
			// The default .env is a file of the project, like an env_file: it must not lead outside it.
			readFile = func(string) ([]byte, error) { return compose.ReadProjectFile(dir, ".env") }
		}
	}
	vars := map[string]string{}
	for _, f := range files {
		data, err := readFile(f)
		if err != nil {
			return nil, fmt.Errorf("--env-file %s: %w", f, err)
		}
		// ${VAR} in an env file sees the process environment first, as in docker compose.
		read, err := dotenv.ParseWithLookup(bytes.NewReader(data), func(k string) (string, bool) {
			if v, ok := process[k]; ok {
				return v, true
			}
			v, ok := vars[k]
			return v, ok
		})
		if err != nil {
			return nil, fmt.Errorf("--env-file %s: %w", f, err)
		}
		maps.Copy(vars, read)
	}
	maps.Copy(vars, process)
	return vars, nil
}

// readSupporting reads, relative to dir, every supporting file the project names. A missing file is left out:
// the loader then reports it (or skips it, for `required: false`) with the service that needs it.
func readSupporting(refs []compose.Reference, dir string, secretFiles []string) ([]compose.File, error) {
	secret := map[string]bool{} // absolute path of each --secret-file
	for _, s := range secretFiles {
		abs, err := filepath.Abs(s)
		if err != nil {
			return nil, fmt.Errorf("--secret-file %s: %w", s, err)
		}
		secret[abs] = false
	}
	var out []compose.File
	for _, ref := range refs {
		p := filepath.Join(dir, filepath.FromSlash(ref.Path))
		data, err := compose.ReadProjectFile(dir, ref.Path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ref.Field, err)
		}
		_, flagged := secret[p]
		if flagged {
			secret[p] = true
		}
		out = append(out, compose.File{Name: ref.Path, Content: data, Sensitive: flagged || inSecretDir(ref.Path)})
	}
	for _, s := range secretFiles {
		abs, _ := filepath.Abs(s)
		if !secret[abs] {
			var names []string
			for _, r := range refs {
				names = append(names, r.Path)
			}
			return nil, fmt.Errorf("--secret-file %s: the project uses no such file (it uses: %s): check the path, relative to the current directory",
				s, strings.Join(names, ", "))
		}
	}
	return out, nil
}

func inSecretDir(p string) bool {
	for _, part := range strings.Split(p, "/") {
		if part == secretDir {
			return true
		}
	}
	return false
}

// readConfigSources reads the project files and directories that bind mounts deliver into tasks as config files,
// leaving out files already read. A missing one is left out too: the renderer reports it with its mount.
func readConfigSources(sources []string, dir string, have []compose.File) ([]compose.File, error) {
	read := map[string]bool{}
	for _, f := range have {
		read[f.Name] = true
	}
	var out []compose.File
	for _, src := range sources {
		files, err := compose.ReadProjectTree(dir, src)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("bind mount of ./%s: %w", src, err)
		}
		for _, f := range files {
			// Sensitive by location, like the other supporting files: the renderer refuses to publish it.
			f.Sensitive = inSecretDir(f.Name)
			if !read[f.Name] {
				read[f.Name] = true
				out = append(out, f)
			}
		}
	}
	return out, nil
}
