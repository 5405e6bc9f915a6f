package render

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// AllHostDirectories in Options.EFSBindMounts stores every host data directory a service binds on EFS.
const AllHostDirectories = "*"

// bindKind is what a bind mount is, judged from its source path; it decides what the mount becomes on Fargate,
// which has no host to bind from.
type bindKind int

const (
	// bindBuildContext is the service's build context or a path inside it: code the image already holds,
	// mounted over it for development.
	bindBuildContext bindKind = iota
	// bindProjectPath is another file or directory of the project: configuration, most of the time.
	bindProjectPath
	// bindHostData is a directory of the host outside the project (/srv/media, ~/data, ../shared).
	bindHostData
	// bindHostTimezone is the host's /etc/localtime or /etc/timezone.
	bindHostTimezone
	// bindHostOnly is a path a Fargate task cannot have at all; bindSource.reason says why.
	bindHostOnly
)

// bindSource is a classified bind mount source.
type bindSource struct {
	kind   bindKind
	clean  string // the source, cleaned: the key users write in Options.EFSBindMounts
	reason string // for bindHostOnly: why no Fargate task can have it
}

// hostOnlyPaths are host paths with the reason no Fargate task can mount them; a source is matched if it is one
// of them or lies under one.
var hostOnlyPaths = []struct{ prefix, reason string }{
	{"/lib/modules", "it holds the host's kernel modules, and a Fargate task can neither read nor load kernel modules"},
	{"/usr/lib/modules", "it holds the host's kernel modules, and a Fargate task can neither read nor load kernel modules"},
	{"/var/lib/docker", "it is the Docker engine's storage, and Fargate has no Docker engine"},
	{"/proc", "it is the host's process table, and a Fargate task sees only its own"},
	{"/sys", "it is the host's kernel and device tree, and a Fargate task has no access to its host"},
	{"/dev", "it is the host's devices, and a Fargate task has no access to its host's devices"},
	{"/", "it is the host's whole file system, and a Fargate task has no access to its host"},
}

// classifyBind classifies the source of a bind mount of svc. It is the one place that reads bind mount paths.
// Relative sources are relative to the project directory, as compose-go leaves them (paths are not resolved).
func classifyBind(svc *types.ServiceConfig, source string) bindSource {
	src := strings.ReplaceAll(source, `\`, "/")
	if strings.HasSuffix(src, "docker.sock") {
		return bindSource{kind: bindHostOnly, clean: src, reason: "it is the Docker engine's API socket, and Fargate has no Docker engine: there is no Docker API to reach"}
	}
	home := strings.HasPrefix(src, "~")
	if !home && !path.IsAbs(src) {
		c := path.Clean(src)
		if c == ".." || strings.HasPrefix(c, "../") {
			return bindSource{kind: bindHostData, clean: c}
		}
		if ctx, ok := localBuildContext(svc); ok && (ctx == "." || c == ctx || strings.HasPrefix(c, ctx+"/")) {
			return bindSource{kind: bindBuildContext, clean: c}
		}
		return bindSource{kind: bindProjectPath, clean: c}
	}
	c := src
	if !home {
		c = path.Clean(src)
		if c == "/etc/localtime" || c == "/etc/timezone" {
			return bindSource{kind: bindHostTimezone, clean: c}
		}
		for _, h := range hostOnlyPaths {
			if c == h.prefix || (h.prefix != "/" && strings.HasPrefix(c, h.prefix+"/")) {
				return bindSource{kind: bindHostOnly, clean: c, reason: h.reason}
			}
		}
	}
	return bindSource{kind: bindHostData, clean: c}
}

// localBuildContext returns the service's build context as a cleaned path relative to the project directory, or
// false when it has none there (no build, a Git or other remote context, an absolute path).
func localBuildContext(svc *types.ServiceConfig) (string, bool) {
	if svc.Build == nil {
		return "", false
	}
	ctx := strings.ReplaceAll(svc.Build.Context, `\`, "/")
	if ctx == "" {
		ctx = "."
	}
	if strings.Contains(ctx, "://") || strings.HasPrefix(ctx, "git@") || path.IsAbs(ctx) || strings.HasPrefix(ctx, "~") {
		return "", false
	}
	c := path.Clean(ctx)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", false
	}
	return c, true
}

// efsOptedIn reports whether the user asked for the bind mount source b on EFS: named in Options.EFSBindMounts
// (as written, cleaned), or covered by AllHostDirectories. A path of the project must be named: it usually holds
// configuration the image needs, which an empty file system would hide.
func (r *renderer) efsOptedIn(b bindSource) bool {
	for _, want := range r.opts.EFSBindMounts {
		if want == AllHostDirectories && b.kind == bindHostData {
			return true
		}
		if w := strings.ReplaceAll(want, `\`, "/"); w == b.clean || path.Clean(w) == b.clean {
			return true
		}
	}
	return false
}

// bindVolumeName names the volume that stores an opted-in bind mount source on EFS: its path with every run of
// other characters than letters and digits made one '_' ("/srv/media" -> "srv_media", "~/data" -> "data").
func bindVolumeName(clean string) string {
	var b strings.Builder
	sep := false
	for _, c := range strings.ToLower(clean) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if sep && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(c)
			sep = false
			continue
		}
		sep = true
	}
	if b.Len() == 0 {
		return "host_root"
	}
	return b.String()
}

// planBindMounts decides, before any resource is written, what each bind mount and anonymous volume of the service
// becomes, and rewrites the service's volumes to what remains: development mounts of the build context are left
// out, with the anonymous volumes that only shielded image files from them; opted-in host directories become
// named volumes on EFS (recorded in r.bindVolumes); other project files and directories become config files the
// configs helper writes (returned); the rest is refused with the reason and what to do. Other
// anonymous volumes stay, and become task-scoped scratch volumes in serviceVolumes. It returns, for each volume
// that remains, its index in the volumes as written, so later messages name the entry the user wrote.
func (r *renderer) planBindMounts(svc *types.ServiceConfig) ([]int, []configMount, error) {
	type entry struct {
		index int // in the service's volumes as written, for warnings
		sv    types.ServiceVolumeConfig
	}
	var kept []entry
	var devTargets []string // container paths of the development mounts left out
	var problems Problems   // every refused mount of the service, not just the first
	var configs []configMount
	for i, sv := range svc.Volumes {
		at := fmt.Sprintf("services.%s.volumes[%d]", svc.Name, i)
		if sv.Type != types.VolumeTypeBind {
			kept = append(kept, entry{i, sv})
			continue
		}
		b := classifyBind(svc, sv.Source)
		switch {
		case b.kind == bindHostOnly:
			problems.collect(fmt.Errorf("%s: bind mount of %s cannot run on Fargate: %s; remove the mount (the service cannot run on ECS as long as it needs it)", at, sv.Source, b.reason))
		case b.kind == bindHostTimezone:
			r.warnf(at, "%s is the Docker host's time zone, and a Fargate task has no host to take it from: the mount is left out and the container keeps the image's time zone (UTC in most images); set TZ in environment if the image reads it", sv.Source)
		case r.efsOptedIn(b):
			name := bindVolumeName(b.clean)
			for declared := range r.project.Volumes {
				if normalizeName(declared) == normalizeName(name) {
					problems.collect(fmt.Errorf("%s: the EFS volume for bind mount %s would be named %q, like the project's volume %q; rename that volume", at, sv.Source, name, declared))
				}
			}
			if r.bindVolumes == nil {
				r.bindVolumes = map[string]types.VolumeConfig{}
			}
			r.bindVolumes[name] = types.VolumeConfig{} // two services binding one directory share its file system
			r.warnf(at, "host directory %s is stored on the EFS file system of volume %q instead, which starts empty and outlives the stack: copy the data the service needs into it", sv.Source, name)
			sv.Type, sv.Source, sv.Bind = types.VolumeTypeVolume, name, nil
			kept = append(kept, entry{i, sv})
		case b.kind == bindBuildContext:
			r.warnf(at, "bind mount of %s over %s is a development mount of the service's build context: the image already holds that code, so the mount is left out; check that the image %s is built from the same sources", sv.Source, sv.Target, svc.Image)
			devTargets = append(devTargets, path.Clean(sv.Target))
		case b.kind == bindProjectPath:
			m, err := r.projectConfigMount(at, sv, b)
			problems.collect(err)
			if err == nil {
				configs = append(configs, m)
			}
		default: // bindHostData without the opt-in
			problems.collect(fmt.Errorf("%s: bind mount of host directory %s over %s: a Fargate task has no host to mount it from; to keep the data on an EFS file system instead (it starts empty: copy the data in), opt in with spec.compose.efsBindMounts: [%q], or [%q] for every host directory of the project (CLI: --efs-bind-mount %s, or --efs-bind-mount '%s')", at, sv.Source, sv.Target, sv.Source, AllHostDirectories, sv.Source, AllHostDirectories))
		}
	}
	out := make([]types.ServiceVolumeConfig, 0, len(kept))
	index := make([]int, 0, len(kept))
	for _, e := range kept {
		// An anonymous volume under a development mount kept the image's files there (node_modules) from being
		// hidden by it; with the mount left out the image's files show, and an empty task volume would hide them.
		if e.sv.Type == types.VolumeTypeVolume && e.sv.Source == "" && underAny(path.Clean(e.sv.Target), devTargets) {
			r.warnf(fmt.Sprintf("services.%s.volumes[%d]", svc.Name, e.index), "anonymous volume at %s only kept the image's files from being hidden by the development mount, which is left out: it is left out too, and the image's files are used", e.sv.Target)
			continue
		}
		out = append(out, e.sv)
		index = append(index, e.index)
	}
	svc.Volumes = out
	return index, configs, problems.err()
}

func underAny(p string, dirs []string) bool {
	for _, d := range dirs {
		if p == d || d == "/" || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// ConfigSources lists, sorted, the project paths whose files Render delivers into tasks as config files: the
// bind mounts of project files and directories, other than a service's build context, that efsBindMounts does
// not store on EFS. A front end that reads the project directory reads each (a file, or every file under a
// directory) into Options.Files, by its path in the project; the controller is given them as supporting files.
func ConfigSources(project *types.Project, efsBindMounts []string) []string {
	r := &renderer{opts: Options{EFSBindMounts: efsBindMounts}}
	seen := map[string]bool{}
	var out []string
	for _, svc := range project.Services {
		for _, sv := range svc.Volumes {
			if sv.Type != types.VolumeTypeBind {
				continue
			}
			if b := classifyBind(&svc, sv.Source); b.kind == bindProjectPath && !r.efsOptedIn(b) && !seen[b.clean] {
				seen[b.clean] = true
				out = append(out, b.clean)
			}
		}
	}
	slices.Sort(out)
	return out
}
