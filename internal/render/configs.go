package render

import (
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/awslabs/goformation/v7/cloudformation/ecs"
	"github.com/compose-spec/compose-go/v2/types"
	"k8s.io/utils/ptr"

	"github.com/composestack/composestack/internal/limits"
)

const (
	// configVolumePrefix names the task volumes holding config files: config1, config2...
	configVolumePrefix = "config"
	// configHelperDir is where the configs helper mounts those volumes: a path no image is likely to use, since
	// the helper may run in the service's own image.
	configHelperDir = "/.composestack-configs/"
	// configFileMode is the mode of a config file without `mode:`, as Docker Compose writes configs.
	configFileMode = 0o444
)

// configFile is one file a service's container finds at target, written by the configs helper.
type configFile struct {
	at      string // the field that names it, for messages
	what    string // how the user wrote its source: "file ./nginx.conf", "config app_config"
	target  string // absolute, clean path in the container
	mode    uint32
	content string
}

// configMount is a bind mount of a project file or directory, or a service `configs:` entry, as planned.
type configMount struct {
	at, what string
	target   string       // where the container sees it
	dir      bool         // a directory replacing target, as the bind mount did; else one file at target
	readOnly bool         // a directory mounted :ro
	files    []configFile // for a directory, every file under it
}

// configVolume is a task volume the configs helper fills and the service's container mounts at dir.
type configVolume struct {
	name     string
	dir      string
	seed     bool // copy the image's files in dir first: only single files go there
	readOnly bool
	files    []configFile
}

// projectConfigMount plans a bind mount of a project path (not the build context) as config files delivered by
// the configs helper. The path names a file when Options.Files has it, or else a directory holding every file
// given under it: the CLI reads the directory, and the controller takes each of its files from
// spec.compose.supportingFiles.
func (r *renderer) projectConfigMount(at string, sv types.ServiceVolumeConfig, b bindSource) (configMount, error) {
	target := path.Clean(sv.Target)
	m := configMount{at: at, target: target, readOnly: sv.ReadOnly}
	data, ok, err := r.publishable(at, b.clean)
	if err != nil {
		return m, err
	}
	if ok {
		m.what = "file " + sv.Source
		f, err := newConfigFile(at, m.what, target, bindFileMode(data, sv.ReadOnly), data)
		m.files = []configFile{f}
		return m, err
	}
	m.dir, m.what = true, "directory "+sv.Source
	prefix := b.clean + "/"
	for _, key := range slices.Sorted(maps.Keys(r.opts.Files)) {
		if rel, ok := strings.CutPrefix(key, prefix); ok {
			data, _, err := r.publishable(at, key)
			if err != nil {
				return m, err
			}
			f, err := newConfigFile(at, "file ./"+key, path.Join(target, rel), bindFileMode(data, sv.ReadOnly), data)
			if err != nil {
				return m, err
			}
			m.files = append(m.files, f)
		}
	}
	if len(m.files) == 0 {
		return m, fmt.Errorf("%s: bind mount of %s over %s: its content was not provided, and a Fargate task has no host to mount it from; give the file, or every file of the directory, in spec.compose.supportingFiles named by its path in the project (%s, or %s<file>), or with the CLI keep it in the project directory; or bake it into the image", at, sv.Source, sv.Target, b.clean, prefix)
	}
	return m, nil
}

// publishable returns the content of the supporting file key for a config file, which is written into the task
// definition as plain text: a file that must stay secret (from a Kubernetes Secret, or under .secret/ with the
// CLI) is refused rather than published.
func (r *renderer) publishable(at, key string) ([]byte, bool, error) {
	data, ok := r.opts.Files[key]
	if ok && r.opts.SensitiveFiles[key] {
		return nil, true, fmt.Errorf("%s: %s is a sensitive supporting file (from a Secret, or under .secret/), but config files are written into the task definition as plain text; give it to the service as a secret (secrets:) instead, or provide it from a ConfigMap", at, key)
	}
	return data, ok, nil
}

// bindFileMode is the mode of a file from a bind-mounted path, whose mode on disk is not known: readable by every
// user, as files in a checkout are, and executable when it is a script, as the entrypoint scripts of
// /docker-entrypoint-initdb.d are; writable by its owner unless the mount was read-only.
func bindFileMode(data []byte, readOnly bool) uint32 {
	mode := uint32(0o644)
	if strings.HasPrefix(string(data), "#!") {
		mode = 0o755
	}
	if readOnly {
		mode &^= 0o222
	}
	return mode
}

// newConfigFile checks that content can travel in a task definition: as text in an environment variable.
func newConfigFile(at, what, target string, mode uint32, data []byte) (configFile, error) {
	if !utf8.Valid(data) || strings.ContainsRune(string(data), 0) {
		return configFile{}, fmt.Errorf("%s: %s is not text, and config files travel as text in the task definition; bake it into the image", at, what)
	}
	return configFile{at: at, what: what, target: target, mode: mode, content: string(data)}, nil
}

// serviceConfigMounts plans the service's `configs:` entries: each is one file at its target (default
// /<config>), with its mode (default 0444).
func (r *renderer) serviceConfigMounts(svc *types.ServiceConfig) ([]configMount, error) {
	var out []configMount
	var problems Problems
	for i, ref := range svc.Configs {
		at := fmt.Sprintf("services.%s.configs[%d]", svc.Name, i)
		c, ok := r.project.Configs[ref.Source]
		if !ok {
			problems.collect(fmt.Errorf("%s: config %q is not defined under the top-level configs; define it", at, ref.Source))
			continue
		}
		what := "config " + ref.Source
		content, err := r.configContent(ref.Source, c)
		if err != nil {
			problems.collect(err)
			continue
		}
		target := ref.Target
		if target == "" {
			target = ref.Source
		}
		target = path.Clean("/" + target)
		mode := uint32(configFileMode)
		if ref.Mode != nil {
			mode = uint32(*ref.Mode) & 0o7777
		}
		if ref.UID != "" || ref.GID != "" {
			r.warnf(at, "config files are owned by root in the task; uid and gid are ignored (mode %04o applies)", mode)
		}
		f, err := newConfigFile(at, what, target, mode, []byte(content))
		if err != nil {
			problems.collect(err)
			continue
		}
		out = append(out, configMount{at: at, what: what, target: target, readOnly: true, files: []configFile{f}})
	}
	return out, problems.err()
}

// configContent finds a top-level config's content, as secretContent finds a secret's: config content is not
// secret, so it travels in the task definition rather than through Secrets Manager.
func (r *renderer) configContent(name string, c types.ConfigObjConfig) (string, error) {
	at := "configs." + name
	switch {
	case bool(c.External):
		return "", fmt.Errorf("%s: external configs live in a Docker Swarm, which ECS cannot read; give the content with file, content or environment", at)
	case c.File != "":
		for _, key := range r.fileKeys(c.File) {
			data, ok, err := r.publishable(at+".file", key)
			if err != nil {
				return "", err
			}
			if ok {
				return string(data), nil
			}
		}
		return "", fmt.Errorf("%s.file: the content of %s was not provided; add it to the supporting files (spec.compose.supportingFiles; with the CLI, keep it in the project directory)", at, c.File)
	case c.Environment != "":
		v, ok := r.project.Environment[c.Environment]
		if !ok {
			return "", fmt.Errorf("%s.environment: variable %s is not set in the project environment; set it", at, c.Environment)
		}
		return v, nil
	case c.Content != "":
		return c.Content, nil
	}
	return "", fmt.Errorf("%s: set file, content or environment", at)
}

// configVolumes groups a service's config mounts into task volumes. ECS mounts volumes on directories, not
// files: a directory mount gets its own volume, replacing the image's directory as the bind mount did; a single
// file goes into the volume of a directory mount holding it, or else into a volume at its own directory, seeded
// with what the image has there so that the image's other files stay visible.
func configVolumes(mounts []configMount) ([]*configVolume, error) {
	var vols []*configVolume
	holder := func(dir string) *configVolume { return nearestVolume(vols, dir) }
	var problems Problems
	for _, m := range mounts {
		if !m.dir {
			continue
		}
		for _, v := range vols {
			if v.dir == m.target {
				problems.collect(fmt.Errorf("%s: %s and another mount both replace %s; mount one of them elsewhere", m.at, m.what, m.target))
			}
		}
		vols = append(vols, &configVolume{dir: m.target, readOnly: m.readOnly})
	}
	// Single files: a seeded volume per directory, but one holding another would copy it twice.
	var seeds []string
	for _, m := range mounts {
		if m.dir {
			continue
		}
		dir := path.Dir(m.target)
		if dir == "/" {
			problems.collect(fmt.Errorf("%s: %s at %s: ECS mounts volumes on directories and cannot mount one at /; set a target in a directory (/etc/%s/%s, say)", m.at, m.what, m.target, path.Base(m.target), path.Base(m.target)))
			continue
		}
		if holder(dir) == nil {
			seeds = append(seeds, dir)
		}
	}
	slices.SortFunc(seeds, func(a, b string) int { return len(a) - len(b) })
	for _, d := range seeds {
		if holder(d) == nil {
			vols = append(vols, &configVolume{dir: d, seed: true})
		}
	}
	targets := map[string]string{}
	for _, m := range mounts {
		for _, f := range m.files {
			if prev, dup := targets[f.target]; dup {
				problems.collect(fmt.Errorf("%s: %s and %s are both written to %s; give each its own target", m.at, prev, f.what, f.target))
				continue
			}
			targets[f.target] = f.what
			if v := holder(path.Dir(f.target)); v != nil {
				v.files = append(v.files, f)
			}
		}
	}
	if err := problems.err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(vols, func(a, b *configVolume) int { return strings.Compare(a.dir, b.dir) })
	for i, v := range vols {
		v.name = fmt.Sprintf("%s%d", configVolumePrefix, i+1)
	}
	return vols, nil
}

// nearestVolume is the volume mounted nearest above dir (or at it), or nil.
func nearestVolume(vols []*configVolume, dir string) *configVolume {
	var best *configVolume
	for _, v := range vols {
		if underAny(dir, []string{v.dir}) && (best == nil || len(v.dir) > len(best.dir)) {
			best = v
		}
	}
	return best
}

// configsInit builds the init container writing a service's config files into their task volumes, the volumes,
// and the mounts of the service's container. It runs the helper image, or the service's own image when a file
// goes into a directory the image fills: only that image holds the files to copy beside it. The content is in
// the helper's Environment, as text: config content is not secret.
func (r *renderer) configsInit(p *servicePlan, logs *ecs.TaskDefinition_LogConfiguration) (*ecs.TaskDefinition_ContainerDefinition, []ecs.TaskDefinition_Volume, []ecs.TaskDefinition_MountPoint, error) {
	if len(p.configs) == 0 {
		return nil, nil, nil, nil
	}
	svc := p.svc
	vols, err := configVolumes(p.configs)
	if err != nil {
		return nil, nil, nil, err
	}
	name := normalizeName(svc.Name) + "_Configs_InitContainer"
	var (
		seedArgs, fileArgs []string
		env                []ecs.TaskDefinition_KeyValuePair
		volumes            []ecs.TaskDefinition_Volume
		mounts, helper     []ecs.TaskDefinition_MountPoint
		seeded             bool
	)
	for _, v := range vols {
		if _, clash := r.project.Volumes[v.name]; clash {
			return nil, nil, nil, fmt.Errorf("services.%s: the task volume %q holds config files; rename the named volume %s", svc.Name, v.name, v.name)
		}
		at := configHelperDir + v.name
		volumes = append(volumes, ecs.TaskDefinition_Volume{Name: ptr.To(v.name)})
		mounts = append(mounts, ecs.TaskDefinition_MountPoint{ContainerPath: ptr.To(v.dir), ReadOnly: ptr.To(v.readOnly), SourceVolume: ptr.To(v.name)})
		helper = append(helper, ecs.TaskDefinition_MountPoint{ContainerPath: ptr.To(at), ReadOnly: ptr.To(false), SourceVolume: ptr.To(v.name)})
		if v.seed {
			seeded = true
			seedArgs = append(seedArgs, "+"+v.dir+"="+at)
		}
		for _, f := range v.files {
			variable := fmt.Sprintf("CONFIG_%d", len(env))
			rel := strings.TrimPrefix(f.target, v.dir)
			if v.dir == "/" {
				rel = f.target
			}
			fileArgs = append(fileArgs, fmt.Sprintf("%s=%04o=%s%s", variable, f.mode, at, rel))
			env = append(env, ecs.TaskDefinition_KeyValuePair{Name: ptr.To(variable), Value: ptr.To(f.content)})
		}
	}
	c := r.helperContainer(name, configsScript, append(seedArgs, fileArgs...), logs)
	c.Environment, c.MountPoints = env, helper
	if seeded {
		// Only the service's image has the files to keep beside the new ones; it runs the script as root,
		// whatever user it names, to write the volumes.
		c.Image, c.User = svc.Image, ptr.To("0")
	}
	r.configWarnings(p, name, vols)
	return &c, volumes, mounts, nil
}

// configWarnings says, for each config mount, where its files land and what to check.
func (r *renderer) configWarnings(p *servicePlan, helper string, vols []*configVolume) {
	for _, m := range p.configs {
		deployed := fmt.Sprintf("is copied into the task at %s by the init container %s when the stack is deployed: edit it and deploy again to change it", m.target, helper)
		if m.dir {
			r.warnf(m.at, "%s (%s) %s; as with the bind mount, it replaces what the image has in %s", m.what, plural(len(m.files), "file"), deployed, m.target)
			continue
		}
		if v := nearestVolume(vols, path.Dir(m.target)); v != nil && v.seed {
			r.warnf(m.at, "%s %s; ECS mounts directories, not files, so the helper runs the service's image %s (it needs /bin/sh and cp: an image without a shell fails to start, so mount a directory or bake the file into the image) to copy what the image has in %s beside it", m.what, deployed, p.svc.Image, v.dir)
		} else {
			r.warnf(m.at, "%s %s", m.what, deployed)
		}
	}
}

// checkTaskDefinitionSize refuses a task definition ECS would refuse: config files travel in it.
func checkTaskDefinitionSize(p *servicePlan, td *ecs.TaskDefinition) error {
	if len(p.configs) == 0 {
		return nil
	}
	raw, err := json.Marshal(td)
	if err != nil {
		return fmt.Errorf("services.%s: %w", p.svc.Name, err)
	}
	if len(raw) <= limits.TaskDefinitionBytes {
		return nil
	}
	var largest configFile
	for _, m := range p.configs {
		for _, f := range m.files {
			if len(f.content) > len(largest.content) {
				largest = f
			}
		}
	}
	return fmt.Errorf("%s: the task definition of service %s would be %d bytes, over the %d ECS accepts, because its config files travel in it (the largest is %s, %d bytes); bake the large files into the image", largest.at, p.svc.Name, len(raw), limits.TaskDefinitionBytes, largest.what, len(largest.content))
}

// plural writes a count of things: "1 file", "2 files".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
