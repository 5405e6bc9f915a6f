package render

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/ecs"
	"github.com/awslabs/goformation/v7/cloudformation/policies"
	"github.com/awslabs/goformation/v7/cloudformation/secretsmanager"
	"k8s.io/utils/ptr"
)

const (
	secretsVolume = "secrets"
	secretsDir    = "/run/secrets/"
)

// secretRef is a top-level compose secret as the task sees it.
type secretRef struct {
	arn  string   // ARN/name, or a Ref token to a secret the template creates
	id   string   // the logical ID of the secret the template creates; "" for an external one
	keys []string // x-aws-keys: JSON keys to write as separate files
}

// addSecrets creates Secrets Manager secrets for file (and inline) secrets and records external ones. The content
// never enters the template body: it is a NoEcho parameter whose value is returned in Result.Parameters.
func (r *renderer) addSecrets() (map[string]secretRef, error) {
	out := map[string]secretRef{}
	for _, name := range slices.Sorted(maps.Keys(r.project.Secrets)) {
		s := r.project.Secrets[name]
		at := "secrets." + name
		ref := secretRef{}
		if v, ok := s.Extensions[xKeys]; ok {
			switch t := v.(type) {
			case string:
				ref.keys = []string{t}
			case []any:
				for _, k := range t {
					ks, ok := k.(string)
					if !ok {
						return nil, fmt.Errorf("%s.%s: keys must be strings, got %v", at, xKeys, k)
					}
					ref.keys = append(ref.keys, ks)
				}
			default:
				return nil, fmt.Errorf("%s.%s: expected a key or a list of keys, got %v", at, xKeys, v)
			}
		}
		if s.Driver != "" || len(s.DriverOpts) > 0 || s.TemplateDriver != "" {
			r.warnf(at, "secrets are stored in AWS Secrets Manager; driver settings are ignored")
		}
		if len(s.Labels) > 0 {
			r.warnf(at+".labels", "secrets carry the compose project tag only; the field is ignored")
		}
		if s.External {
			// The execution role's policy names the secret, and IAM needs its ARN.
			if !strings.HasPrefix(s.Name, "arn:") {
				return nil, fmt.Errorf("%s: an external secret needs name: set to the ARN of the Secrets Manager secret, got %q", at, s.Name)
			}
			ref.arn = s.Name
			out[name] = ref
			continue
		}
		content, err := r.secretContent(name, s.File, s.Environment, s.Content)
		if err != nil {
			return nil, err
		}
		label := s.Name
		if label == "" {
			label = r.name + "_" + name
		}
		id, param := secretID(label), secretParamID(label)
		r.tpl.Parameters[param] = cloudformation.Parameter{
			Type: "String", NoEcho: ptr.To(true),
			Description: ptr.To("Content of compose secret " + name),
		}
		r.params = append(r.params, Parameter{Key: param, Value: content, Sensitive: true})
		r.tpl.Resources[id] = &secretsmanager.Secret{
			Description:  ptr.To("Secret " + label),
			SecretString: ptr.To(r.in.ref(param)),
			Tags:         r.projectTags(),
			// The content comes from the compose files on every deploy: the secret goes with the stack.
			AWSCloudFormationDeletionPolicy:      policies.DeletionPolicy("Delete"),
			AWSCloudFormationUpdateReplacePolicy: policies.UpdateReplacePolicy("Delete"),
		}
		ref.arn, ref.id = r.in.ref(id), id
		out[name] = ref
	}
	return out, nil
}

// secretContent finds the value of a non-external secret: a file's content from Options.Files, a project
// environment variable, or inline content.
func (r *renderer) secretContent(name, file, env, content string) (string, error) {
	at := "secrets." + name
	switch {
	case file != "":
		for _, key := range r.fileKeys(file) {
			if data, ok := r.opts.Files[key]; ok {
				return string(data), nil
			}
		}
		return "", fmt.Errorf("%s.file: the content of %s was not provided; add it to the supporting files (spec.compose.supportingFiles; with the CLI, next to the compose file)", at, file)
	case env != "":
		v, ok := r.project.Environment[env]
		if !ok {
			return "", fmt.Errorf("%s.environment: variable %s is not set in the project environment; set it", at, env)
		}
		return v, nil
	case content != "":
		return content, nil
	}
	return "", fmt.Errorf("%s: set file, environment or content, or external: true with the secret ARN as name", at)
}

// fileKeys lists the keys a secret file may have in Options.Files: its path relative to the project directory,
// cleaned, and the path as written.
func (r *renderer) fileKeys(file string) []string {
	var keys []string
	if r.project.WorkingDir != "" && filepath.IsAbs(file) {
		if rel, err := filepath.Rel(r.project.WorkingDir, file); err == nil {
			keys = append(keys, filepath.ToSlash(filepath.Clean(rel)))
		}
	}
	return append(keys, filepath.ToSlash(filepath.Clean(file)))
}

// secretsSidecar builds the init container writing a service's secrets to /run/secrets, and the ARNs the execution
// role must read. It returns a nil container when the service uses no secret.
func (r *renderer) secretsSidecar(p *servicePlan, secrets map[string]secretRef, logs *ecs.TaskDefinition_LogConfiguration) (*ecs.TaskDefinition_ContainerDefinition, []string, error) {
	if len(p.svc.Secrets) == 0 {
		return nil, nil, nil
	}
	var (
		files   []secretFile
		arns    []string
		targets = map[string]bool{}
	)
	for i, s := range p.svc.Secrets {
		at := fmt.Sprintf("services.%s.secrets[%d]", p.svc.Name, i)
		ref, ok := secrets[s.Source]
		if !ok {
			return nil, nil, fmt.Errorf("%s: secret %q is not defined under the top-level secrets; define it", at, s.Source)
		}
		target := s.Target
		if target == "" {
			target = s.Source
		}
		if filepath.IsAbs(target) {
			if !strings.HasPrefix(target, secretsDir) {
				return nil, nil, fmt.Errorf("%s.target: %s is outside %s, where ECS writes secrets; use a relative target", at, target, secretsDir)
			}
			target = strings.TrimPrefix(target, secretsDir)
		}
		if target == "" || targets[target] {
			return nil, nil, fmt.Errorf("%s.target: %q is empty or used twice; give each secret its own file name", at, s.Target)
		}
		if !fs.ValidPath(target) || target == "." {
			// The helper writes the file by this path: it must name a file inside the directory.
			return nil, nil, fmt.Errorf("%s.target: %s is not a file name inside %s (no '.', '..' or empty parts); name a file inside it", at, s.Target, secretsDir)
		}
		targets[target] = true
		if s.UID != "" || s.GID != "" || s.Mode != nil {
			r.warnf(at, "secret files are owned by root and world-readable in the task; uid, gid and mode are ignored")
		}
		files = append(files, secretFile{target: target, ref: ref})
		arns = append(arns, ref.arn)
	}
	c, err := r.secretsInit(p.svc.Name, files, logs)
	if err != nil {
		return nil, nil, err
	}
	return c, arns, nil
}

// dockerSecretsInit is Docker's secrets init container: its image reads a JSON list of the secrets, each in the
// variable named after its file, and writes them, splitting JSON secrets by key itself.
func (r *renderer) dockerSecretsInit(name, service string, files []secretFile, logs *ecs.TaskDefinition_LogConfiguration) (*ecs.TaskDefinition_ContainerDefinition, error) {
	type sidecarArg struct {
		Name string   `json:"name"`
		Keys []string `json:"keys"`
	}
	args := make([]sidecarArg, 0, len(files))
	envs := make([]ecs.TaskDefinition_Secret, 0, len(files))
	for _, f := range files {
		args = append(args, sidecarArg{Name: f.target, Keys: f.ref.keys})
		envs = append(envs, ecs.TaskDefinition_Secret{Name: f.target, ValueFrom: f.ref.arn})
	}
	command, err := json.Marshal(args)
	if err != nil {
		return nil, fmt.Errorf("services.%s.secrets: %w", service, err)
	}
	return &ecs.TaskDefinition_ContainerDefinition{
		Name:             name,
		Image:            dockerSecretsImage,
		Command:          []string{string(command)},
		Essential:        ptr.To(false),
		LogConfiguration: logs,
		MountPoints: []ecs.TaskDefinition_MountPoint{{
			ContainerPath: ptr.To(secretsDir), ReadOnly: ptr.To(false), SourceVolume: ptr.To(secretsVolume),
		}},
		Secrets: envs,
	}, nil
}

// sensitiveEnvironment moves a service's sensitive variables into a Secrets Manager secret fed by a NoEcho
// parameter; the container reads each variable through ECS Secrets (ValueFrom <arn>:<KEY>::).
func (r *renderer) sensitiveEnvironment(p *servicePlan) ([]ecs.TaskDefinition_Secret, string, error) {
	vars := r.opts.SensitiveEnv[p.svc.Name]
	if len(vars) == 0 {
		return nil, "", nil
	}
	raw, err := json.Marshal(vars) // map keys are sorted: the value is deterministic
	if err != nil {
		return nil, "", fmt.Errorf("services.%s.environment: %w", p.svc.Name, err)
	}
	param, id := sensitiveEnvParamID(p.svc.Name), sensitiveEnvSecretID(p.svc.Name)
	r.tpl.Parameters[param] = cloudformation.Parameter{
		Type: "String", NoEcho: ptr.To(true),
		Description: ptr.To("JSON of the sensitive environment variables of service " + p.svc.Name),
	}
	r.params = append(r.params, Parameter{Key: param, Value: string(raw), Sensitive: true})
	r.tpl.Resources[id] = &secretsmanager.Secret{
		Description:                          ptr.To("Sensitive environment of compose service " + p.svc.Name),
		SecretString:                         ptr.To(r.in.ref(param)),
		Tags:                                 r.serviceTags(p.svc.Name),
		AWSCloudFormationDeletionPolicy:      policies.DeletionPolicy("Delete"),
		AWSCloudFormationUpdateReplacePolicy: policies.UpdateReplacePolicy("Delete"),
	}
	arn := r.in.ref(id)
	var out []ecs.TaskDefinition_Secret
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		// ${! writes a literal ${ in Fn::Sub, should a variable name contain one.
		out = append(out, ecs.TaskDefinition_Secret{Name: k, ValueFrom: r.in.sub("${" + id + "}:" + strings.ReplaceAll(k, "${", "${!") + "::")})
	}
	return out, arn, nil
}
