package compose

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/types"
)

// supportingHint tells the user where a missing supporting file must be given, for both front ends.
const supportingHint = "add it to spec.compose.supportingFiles (with the CLI: put it next to the compose file)"

// resolveEnvironment does what compose-go's WithServicesEnvironmentResolved does, reading env files from memory:
// `key`-only entries are looked up in the project variables, env files are read in order (each overriding the
// previous ones), and `environment` overrides them all. It returns the variables that come from sensitive files
// (and that `environment` does not override), after removing them from spec.Environment.
func resolveEnvironment(owner string, spec *types.ContainerSpec, vars types.Mapping, files supporting) (map[string]string, error) {
	spec.Environment = spec.Environment.Resolve(vars.Resolve)
	env := spec.Environment.ToMapping()
	sensitive := map[string]bool{}

	for _, ef := range spec.EnvFiles {
		key, err := cleanPath(ef.Path)
		if err != nil {
			return nil, fmt.Errorf("%s: env_file: %w", owner, err)
		}
		f, ok := files[key]
		if !ok {
			if !bool(ef.Required) {
				continue
			}
			return nil, fmt.Errorf("%s: env_file %q not found: %s, or mark it `required: false`", owner, ef.Path, supportingHint)
		}
		// Parse into a copy of what is known so far: the dotenv parser falls back to it when expanding ${VAR},
		// as compose-go does by parsing every file into the same map.
		out := env.Clone()
		lookup := func(k string) (string, bool) {
			if v, ok := vars.Resolve(k); ok {
				return v, true
			}
			if v, ok := spec.Environment[k]; ok && v != nil {
				return *v, true
			}
			return "", false
		}
		if err := parseEnvFile(f.Content, key, ef.Format, out, lookup); err != nil {
			return nil, envFileError(owner, ef.Path, f.Sensitive, err)
		}
		secrets := sensitiveValues(env, sensitive)
		for k, v := range out {
			if old, had := env[k]; had && old == v {
				continue
			}
			env[k] = v
			// A value expanded from a sensitive one is as sensitive as its source. The test is on the text (does
			// the value contain a sensitive value?), which errs towards hiding: hiding too much only moves a
			// value to Secrets Manager, publishing too much leaks it.
			sensitive[k] = f.Sensitive || containsAny(v, secrets)
		}
	}

	final := env.ToMappingWithEquals().OverrideBy(spec.Environment)
	var hidden map[string]string
	for k, isSensitive := range sensitive {
		if _, explicit := spec.Environment[k]; explicit || !isSensitive {
			continue
		}
		if hidden == nil {
			hidden = map[string]string{}
		}
		hidden[k] = env[k]
		delete(final, k)
	}
	spec.Environment = final
	spec.EnvFiles = nil
	return hidden, nil
}

// rawEnvFormat is the env_file `format: raw` that the docker compose CLI registers with compose-go (compose-go
// itself knows only its dotenv format): the syntax of `docker run --env-file`, values taken as written.
const rawEnvFormat = "raw"

// parseEnvFile reads an env file of the given format into out; lookup resolves ${VAR} in the dotenv format and
// bare KEY lines in the raw format.
func parseEnvFile(content []byte, name, format string, out map[string]string, lookup dotenv.LookupFn) error {
	if format == rawEnvFormat {
		return parseRawEnvFile(content, name, out, lookup)
	}
	return dotenv.ParseWithFormat(bytes.NewReader(content), name, out, lookup, format)
}

// parseRawEnvFile reads a raw env file as `docker run --env-file` does: blank lines and lines starting with # are
// skipped, leading white space is dropped, and KEY=value keeps the value exactly, quotes, $ and trailing spaces
// included. A bare KEY takes the variable's value when it is set and is left out otherwise.
func parseRawEnvFile(content []byte, name string, out map[string]string, lookup dotenv.LookupFn) error {
	content = bytes.TrimPrefix(content, []byte("\xEF\xBB\xBF"))
	for i, line := range strings.Split(string(content), "\n") {
		line = strings.TrimLeftFunc(strings.TrimSuffix(line, "\r"), unicode.IsSpace)
		if line == "" || line[0] == '#' {
			continue
		}
		if !utf8.ValidString(line) {
			return fmt.Errorf("failed to read %s: line %d is not valid UTF-8", name, i+1)
		}
		key, value, hasValue := strings.Cut(line, "=")
		if key == "" {
			return fmt.Errorf("failed to read %s: line %d has no variable name", name, i+1)
		}
		if strings.ContainsFunc(key, unicode.IsSpace) {
			return fmt.Errorf("failed to read %s: line %d: the variable name contains white space", name, i+1)
		}
		if !hasValue {
			if value, hasValue = lookup(key); !hasValue {
				continue
			}
		}
		out[key] = value
	}
	return nil
}

func sensitiveValues(env types.Mapping, sensitive map[string]bool) []string {
	var out []string
	for k, s := range sensitive {
		if v := env[k]; s && v != "" {
			out = append(out, v)
		}
	}
	return out
}

func containsAny(v string, subs []string) bool {
	for _, s := range subs {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}

var dotenvLine = regexp.MustCompile(`line (\d+)`)

// envFileError reports a parse error. The parser quotes the offending text, which in a sensitive file may be
// the secret itself, so for those only the line number is kept.
func envFileError(owner, file string, sensitive bool, err error) error {
	if !sensitive {
		return fmt.Errorf("%s: env_file %q: %w", owner, file, err)
	}
	where := ""
	if m := dotenvLine.FindStringSubmatch(err.Error()); m != nil {
		where = " at line " + m[1]
	}
	return fmt.Errorf("%s: env_file %q is not a valid env file%s (details hidden: the file is sensitive): %w",
		owner, file, where, errHidden)
}

// errHidden stands for an error whose text could hold a secret.
var errHidden = errors.New("fix the file's syntax: KEY=value lines, # comments")

// resolveLabels does what compose-go's WithServicesLabelsResolved does, reading label files from memory.
// Labels are written into the template in clear, so a sensitive label file is refused.
func resolveLabels(owner string, spec *types.ContainerSpec, files supporting) error {
	if len(spec.LabelFiles) == 0 {
		return nil
	}
	labels := types.MappingWithEquals{}
	for _, lf := range spec.LabelFiles {
		key, err := cleanPath(lf)
		if err != nil {
			return fmt.Errorf("%s: label_file: %w", owner, err)
		}
		f, ok := files[key]
		if !ok {
			return fmt.Errorf("%s: label_file %q not found: %s", owner, lf, supportingHint)
		}
		if f.Sensitive {
			return fmt.Errorf("%s: label_file %q is sensitive, but labels are published in the template: give it as a plain (non-secret) file", owner, lf)
		}
		vars := types.Mapping{}
		resolve := func(k string) (string, bool) {
			if v, ok := labels[k]; ok && v != nil {
				return *v, true
			}
			return "", false
		}
		if err := dotenv.ParseWithFormat(bytes.NewReader(f.Content), key, vars, resolve, ""); err != nil {
			return fmt.Errorf("%s: label_file %q: %w", owner, lf, err)
		}
		labels.OverrideBy(vars.ToMappingWithEquals())
	}
	labels = labels.OverrideBy(spec.Labels.ToMappingWithEquals())
	if len(labels) > 0 {
		spec.Labels = types.NewLabelsFromMappingWithEquals(labels)
	}
	spec.LabelFiles = nil
	return nil
}
