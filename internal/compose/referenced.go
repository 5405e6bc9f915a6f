package compose

import (
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/compose-spec/compose-go/v2/types"
)

// Reference is a supporting file a project names.
type Reference struct {
	// Path is the cleaned path relative to the project directory: the name to give the file in Source.Supporting.
	Path string
	// Required is false only for env files marked `required: false`.
	Required bool
	// Field is the first field (in the order services, secrets, configs) that names the file, such as
	// `service web: env_file`, for messages about it.
	Field string
}

// references lists the supporting files project names (env_file and label_file of every service and pre_start
// hook, enabled or not, and secret and config `file:` sources), sorted by path; it only reads the project.
func references(project *types.Project) ([]Reference, error) {
	refs := map[string]*Reference{}
	add := func(what, p string, required bool) error {
		key, err := cleanPath(p)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if r, ok := refs[key]; ok {
			r.Required = r.Required || required
		} else {
			refs[key] = &Reference{Path: key, Required: required, Field: what}
		}
		return nil
	}
	addSpec := func(owner string, spec types.ContainerSpec) error {
		for _, ef := range spec.EnvFiles {
			if err := add(owner+": env_file", ef.Path, bool(ef.Required)); err != nil {
				return err
			}
		}
		for _, lf := range spec.LabelFiles {
			if err := add(owner+": label_file", lf, true); err != nil {
				return err
			}
		}
		return nil
	}
	for _, services := range []types.Services{project.Services, project.DisabledServices} {
		for _, name := range slices.Sorted(maps.Keys(services)) {
			svc := services[name]
			if err := addSpec("service "+name, svc.ContainerSpec); err != nil {
				return nil, err
			}
			for i, hook := range svc.PreStart {
				if err := addSpec(fmt.Sprintf("service %s: pre_start[%d]", name, i), hook.ContainerSpec); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(project.Secrets)) {
		if f := project.Secrets[name].File; f != "" {
			if err := add(fmt.Sprintf("secret %q: file", name), f, true); err != nil {
				return nil, err
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(project.Configs)) {
		if f := project.Configs[name].File; f != "" {
			if err := add(fmt.Sprintf("config %q: file", name), f, false); err != nil {
				return nil, err
			}
		}
	}
	out := make([]Reference, 0, len(refs))
	for _, r := range refs {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}
