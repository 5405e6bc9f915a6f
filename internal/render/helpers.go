package render

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation/ecs"
	"k8s.io/utils/ptr"
)

// DefaultHelperImage runs the init containers: BusyBox 1.37.0, a Docker official image, from its mirror on
// Amazon ECR Public, which tasks reach without Docker Hub's pull limits. It is pinned by the digest of the
// multi-platform index, so every task runs the same bytes on amd64 and arm64. docs/compose-support.md says
// where the digest comes from and how to re-check it.
const DefaultHelperImage = "public.ecr.aws/docker/library/busybox@sha256:9db7b59979c38555a39def84a31fb98b5296952f9e3afd4f6f11f05b07adfab0"

// Docker's own helper images, from the retired Docker Compose for ECS, for Helpers.DockerCompatible.
const (
	dockerSearchDomainImage = "docker/ecs-searchdomain-sidecar:1.0"
	dockerSecretsImage      = "docker/ecs-secrets-sidecar:1.0"
)

// Helpers chooses what the init containers run: they set the search domains and write the secret files before
// a service's container starts.
type Helpers struct {
	// Image runs the helper scripts; "" is DefaultHelperImage. Any image with a POSIX /bin/sh, mkdir and chmod
	// works, such as a copy of the default in the account's own ECR.
	Image string
	// DockerCompatible runs Docker's images from Docker Hub, with Docker's commands, byte for byte as Docker
	// Compose for ECS wrote them. Image then runs only the config-file helper, which Docker's converter did not
	// have (it refused config files).
	DockerCompatible bool
}

// The helper scripts, run by /bin/sh -c. Each kind of helper is one script and one init container, built with
// helperContainer.
var (
	//go:embed helpers/resolvconf.sh
	resolvConfSource string
	//go:embed helpers/secrets.sh
	secretsSource string
	//go:embed helpers/configs.sh
	configsSource string

	resolvConfScript = compactScript(resolvConfSource)
	secretsScript    = compactScript(secretsSource)
	configsScript    = compactScript(configsSource)
)

// compactScript drops comment lines and indentation: every task definition carries the script, and templates
// over 51,200 bytes need a bucket.
func compactScript(src string) string {
	var b strings.Builder
	for line := range strings.Lines(src) {
		line = strings.TrimLeft(line, " \t")
		if line == "\n" || strings.HasPrefix(line, "#") {
			continue
		}
		b.WriteString(line)
	}
	return b.String()
}

// helperImage is the image the helper scripts run in.
func (r *renderer) helperImage() string {
	if r.opts.Helpers.Image != "" {
		return r.opts.Helpers.Image
	}
	return DefaultHelperImage
}

// helperContainer is an init container running script with args. The arguments stay in Command, where Docker's
// images took theirs, so overlays that set a helper's Command keep working.
func (r *renderer) helperContainer(name, script string, args []string, logs *ecs.TaskDefinition_LogConfiguration) ecs.TaskDefinition_ContainerDefinition {
	return ecs.TaskDefinition_ContainerDefinition{
		Name: name,
		// The word after the script is $0, which names the helper in its error messages.
		EntryPoint:       []string{"/bin/sh", "-c", script, strings.ToLower(name)},
		Image:            r.helperImage(),
		Command:          args,
		Essential:        ptr.To(false),
		LogConfiguration: logs,
	}
}

// resolvConfInit is the init container that adds the search domains <region>.compute.internal and
// <project>.local to the task's /etc/resolv.conf, so a container reaches another service by its short name
// (http://eureka:8761) through Cloud Map, as under Docker.
func (r *renderer) resolvConfInit(service string, logs *ecs.TaskDefinition_LogConfiguration) ecs.TaskDefinition_ContainerDefinition {
	name := normalizeName(service) + "_ResolvConf_InitContainer"
	domains := []string{r.in.sub("${AWS::Region}.compute.internal"), r.name + ".local"}
	if r.opts.Helpers.DockerCompatible {
		return ecs.TaskDefinition_ContainerDefinition{
			Name:             name,
			Image:            dockerSearchDomainImage,
			Essential:        ptr.To(false),
			Command:          domains,
			LogConfiguration: logs,
		}
	}
	return r.helperContainer(name, resolvConfScript, domains, logs)
}

// secretFile is one secret a service reads from /run/secrets.
type secretFile struct {
	target string // the file under /run/secrets
	ref    secretRef
}

// secretsInit is the init container that writes a service's secret files. With x-aws-keys, ECS reads each JSON
// key into its own variable (valueFrom <arn>:<key>::), so the script only copies variables to files. Docker's image
// parses the JSON itself, and so alone can write every key ("*").
func (r *renderer) secretsInit(service string, files []secretFile, logs *ecs.TaskDefinition_LogConfiguration) (*ecs.TaskDefinition_ContainerDefinition, error) {
	name := normalizeName(service) + "_Secrets_InitContainer"
	if r.opts.Helpers.DockerCompatible {
		return r.dockerSecretsInit(name, service, files, logs)
	}
	var (
		args []string
		envs []ecs.TaskDefinition_Secret
	)
	add := func(path, valueFrom string) {
		v := fmt.Sprintf("SECRET_%d", len(envs))
		args = append(args, v+"="+path)
		envs = append(envs, ecs.TaskDefinition_Secret{Name: v, ValueFrom: valueFrom})
	}
	for _, f := range files {
		if len(f.ref.keys) == 0 {
			add(f.target, f.ref.arn)
			continue
		}
		for _, k := range f.ref.keys {
			switch {
			case k == "*":
				return nil, fmt.Errorf("services.%s.secrets: %s: x-aws-keys \"*\" needs the secret's keys, which only Docker's helper image reads at run time; list the keys, or use Docker's helper images (spec.helpers.dockerCompatible; with the CLI, --docker-compatible-helpers)", service, f.target)
			case k == "" || k == "." || k == ".." || strings.ContainsAny(k, "/:"):
				// The key names a file, and ECS reads it from valueFrom, whose fields ':' separates.
				return nil, fmt.Errorf("services.%s.secrets: %s: x-aws-keys %q cannot name a file; use keys without '/' or ':'", service, f.target, k)
			}
			add(f.target+"/"+k, r.secretKeyValueFrom(f.ref, k))
		}
	}
	c := r.helperContainer(name, secretsScript, args, logs)
	c.MountPoints = []ecs.TaskDefinition_MountPoint{{
		ContainerPath: ptr.To(secretsDir), ReadOnly: ptr.To(false), SourceVolume: ptr.To(secretsVolume),
	}}
	c.Secrets = envs
	return &c, nil
}

// secretKeyValueFrom is the valueFrom that makes ECS read one JSON key of a secret.
func (r *renderer) secretKeyValueFrom(ref secretRef, key string) string {
	if ref.id == "" {
		return ref.arn + ":" + key + "::"
	}
	// ${! writes a literal ${ in Fn::Sub, should a key contain one.
	return r.in.sub("${" + ref.id + "}:" + strings.ReplaceAll(key, "${", "${!") + "::")
}
