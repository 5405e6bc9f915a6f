package render

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/awslabs/goformation/v7/cloudformation/ecs"
	"github.com/compose-spec/compose-go/v2/types"
	"k8s.io/utils/ptr"
)

// logConfiguration sends container output to the project's log group; only awslogs-* options are kept.
func (r *renderer) logConfiguration(svc *types.ServiceConfig) *ecs.TaskDefinition_LogConfiguration {
	opts := map[string]string{
		"awslogs-group":         r.in.ref(logGroupID),
		"awslogs-region":        r.in.ref("AWS::Region"),
		"awslogs-stream-prefix": r.name,
	}
	if svc.Logging != nil {
		at := "services." + svc.Name + ".logging"
		if svc.Logging.Driver != "" && svc.Logging.Driver != "awslogs" {
			r.warnf(at+".driver", "logs always go to CloudWatch Logs (awslogs); driver %s is ignored", svc.Logging.Driver)
		}
		for _, k := range slices.Sorted(maps.Keys(svc.Logging.Options)) {
			if strings.HasPrefix(k, "awslogs-") {
				opts[k] = svc.Logging.Options[k]
			} else {
				r.warnf(at+".options."+k, "only awslogs-* options apply; the option is ignored")
			}
		}
	}
	return &ecs.TaskDefinition_LogConfiguration{LogDriver: "awslogs", Options: opts}
}

// environment lists the plain variables, sorted by name for a stable template. Sensitive ones are left out: they
// reach the container through Secrets Manager. So are variables written without a value (`- SECRET_KEY`) whose
// project variable is not set: Docker Compose leaves them unset in the container rather than empty.
func (r *renderer) environment(svc *types.ServiceConfig) []ecs.TaskDefinition_KeyValuePair {
	sensitive := r.opts.SensitiveEnv[svc.Name]
	var out []ecs.TaskDefinition_KeyValuePair
	for _, k := range slices.Sorted(maps.Keys(svc.Environment)) {
		if _, hidden := sensitive[k]; hidden {
			continue
		}
		v := svc.Environment[k]
		if v == nil {
			r.warnf("services."+svc.Name+".environment."+k, "has no value and no variable %s is set to take it from, so the container does not get it, as with Docker Compose; set %s in the interpolation variables (spec.compose.variables; with the CLI, .env or --env-file) or give it a value", k, k)
			continue
		}
		out = append(out, ecs.TaskDefinition_KeyValuePair{Name: ptr.To(k), Value: v})
	}
	return out
}

// dockerHealthCheckTimeout is Docker's default health check timeout, in seconds.
const dockerHealthCheckTimeout = 30

// healthCheck maps a compose health check. Values outside the ranges ECS accepts are brought to the nearest
// accepted one, with a warning: the check still runs, as it did under Docker, only a little more or less often.
func (r *renderer) healthCheck(svc *types.ServiceConfig) (*ecs.TaskDefinition_HealthCheck, error) {
	hc := svc.HealthCheck
	if hc == nil || hc.Disable || len(hc.Test) == 0 || hc.Test[0] == "NONE" {
		return nil, nil
	}
	at := "services." + svc.Name + ".healthcheck"
	switch hc.Test[0] {
	case "CMD", "CMD-SHELL":
	default:
		return nil, fmt.Errorf("%s.test: must start with CMD, CMD-SHELL or NONE, or be a shell command string", at)
	}
	out := &ecs.TaskDefinition_HealthCheck{Command: hc.Test}
	seconds := func(field string, d *types.Duration, lo, hi int) *int {
		if d == nil {
			return nil
		}
		given := time.Duration(*d)
		s := int((given + time.Second - 1) / time.Second) // ECS counts whole seconds: round up
		s = min(max(s, lo), hi)
		if time.Duration(s)*time.Second != given {
			r.warnf(at+"."+field, "ECS accepts whole seconds from %ds to %ds, so %s becomes %ds", lo, hi, given, s)
		}
		return &s
	}
	out.Interval = seconds("interval", hc.Interval, 5, 300)
	out.Timeout = seconds("timeout", hc.Timeout, 2, 60)
	if out.Timeout == nil {
		// Docker gives a check 30 s by default, ECS only 5 s: a check that passes under Docker must not time out.
		out.Timeout = ptr.To(dockerHealthCheckTimeout)
	}
	out.StartPeriod = seconds("start_period", hc.StartPeriod, 0, 300)
	if hc.Retries != nil && *hc.Retries > 0 {
		// 0 means Docker's default, 3, which is ECS's default too.
		n := min(int(*hc.Retries), 10)
		if uint64(n) != *hc.Retries {
			r.warnf(at+".retries", "ECS accepts 1 to 10 retries, so %d becomes %d: the container is marked unhealthy after %d failed checks in a row", *hc.Retries, n, n)
		}
		out.Retries = ptr.To(n)
	}
	return out, nil
}

// dockerDefaultCaps is the set of capabilities a container has unless it drops them: Docker's default set, which
// Fargate containers get too. Adding one of them changes nothing unless it is also dropped.
var dockerDefaultCaps = []string{
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "NET_RAW",
	"SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}

// linuxParameters maps init, cap_add and cap_drop. Fargate lets a task add SYS_PTRACE only, so there capabilities of
// the default set are kept by not dropping them rather than by adding them, and cap_drop ALL becomes the default set
// less what cap_add keeps: as under Docker, cap_add wins over cap_drop.
func (r *renderer) linuxParameters(p *servicePlan) *ecs.TaskDefinition_LinuxParameters {
	svc := p.svc
	var lp ecs.TaskDefinition_LinuxParameters
	set := false
	if svc.Init != nil && *svc.Init {
		lp.InitProcessEnabled, set = ptr.To(true), true
	}
	if len(svc.CapAdd) > 0 || len(svc.CapDrop) > 0 {
		caps := &ecs.TaskDefinition_KernelCapabilities{}
		added := map[string]bool{}
		for _, c := range svc.CapAdd {
			c = capabilityName(c)
			added[c] = true
			switch {
			case p.ec2 || c == "SYS_PTRACE":
				caps.Add = append(caps.Add, c)
			case slices.Contains(dockerDefaultCaps, c):
				// Fargate containers have it already; cap_drop below leaves it in place.
			default:
				// ECS would refuse the task definition; without the capability most such services still run
				// (MySQL's SYS_NICE only tunes scheduling), and the warning says what is missing.
				r.warnf("services."+svc.Name+".cap_add", "Fargate tasks can add only SYS_PTRACE besides Docker's default capabilities, so %s is left out: the container runs without it", c)
			}
		}
		for _, c := range svc.CapDrop {
			c = capabilityName(c)
			switch {
			case p.ec2:
				caps.Drop = append(caps.Drop, c)
			case c == "ALL":
				for _, d := range dockerDefaultCaps {
					if !added[d] && !slices.Contains(caps.Drop, d) {
						caps.Drop = append(caps.Drop, d)
					}
				}
			case !added[c] && !slices.Contains(caps.Drop, c):
				caps.Drop = append(caps.Drop, c)
			}
		}
		if len(caps.Add) > 0 || len(caps.Drop) > 0 {
			lp.Capabilities, set = caps, true
		}
	}
	if !set {
		return nil
	}
	return &lp
}

// capabilityName spells a capability as ECS does: upper case, without the CAP_ prefix.
func capabilityName(c string) string {
	return strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(c)), "CAP_")
}

// ulimits maps ulimits; Fargate tasks may only change nofile.
func (r *renderer) ulimits(p *servicePlan) []ecs.TaskDefinition_Ulimit {
	var out []ecs.TaskDefinition_Ulimit
	for _, name := range slices.Sorted(maps.Keys(p.svc.Ulimits)) {
		u := p.svc.Ulimits[name]
		if u == nil {
			continue
		}
		if name != "nofile" && !p.ec2 {
			r.warnf("services."+p.svc.Name+".ulimits."+name, "Fargate tasks can only change nofile; the limit is ignored")
			continue
		}
		soft, hard := u.Soft, u.Hard
		if u.Single != 0 {
			soft, hard = u.Single, u.Single
		}
		out = append(out, ecs.TaskDefinition_Ulimit{Name: name, SoftLimit: soft, HardLimit: hard})
	}
	return out
}

// runtimePlatform maps platform to the task CPU architecture.
func runtimePlatform(svc *types.ServiceConfig) (*ecs.TaskDefinition_RuntimePlatform, error) {
	switch strings.ToLower(svc.Platform) {
	case "":
		return nil, nil
	case "linux/amd64", "linux/x86_64":
		return &ecs.TaskDefinition_RuntimePlatform{CpuArchitecture: ptr.To("X86_64"), OperatingSystemFamily: ptr.To("LINUX")}, nil
	case "linux/arm64", "linux/arm64/v8", "linux/aarch64":
		return &ecs.TaskDefinition_RuntimePlatform{CpuArchitecture: ptr.To("ARM64"), OperatingSystemFamily: ptr.To("LINUX")}, nil
	}
	return nil, fmt.Errorf("services.%s.platform: %q is not supported; use linux/amd64 or linux/arm64", svc.Name, svc.Platform)
}

// portMappings lists each container port once: awsvpc tasks map the host port to the container port.
func portMappings(p *servicePlan) []ecs.TaskDefinition_PortMapping {
	var out []ecs.TaskDefinition_PortMapping
	seen := map[string]bool{}
	add := func(target uint32, proto string) {
		key := fmt.Sprintf("%d/%s", target, proto)
		if seen[key] {
			return
		}
		seen[key] = true
		out = append(out, ecs.TaskDefinition_PortMapping{
			ContainerPort: ptr.To(int(target)), HostPort: ptr.To(int(target)), Protocol: ptr.To(proto),
		})
	}
	for _, port := range p.ports {
		add(port.target, port.protocol)
		if port.tcpAndUDP {
			add(port.target, "udp")
		}
	}
	return out
}

// gpuRequirements reserves GPUs for the container.
func gpuRequirements(p *servicePlan) []ecs.TaskDefinition_ResourceRequirement {
	if p.gpus == 0 {
		return nil
	}
	return []ecs.TaskDefinition_ResourceRequirement{{Type: "GPU", Value: fmt.Sprint(p.gpus)}}
}
