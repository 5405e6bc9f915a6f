package render

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"
)

// fate is what the renderer does with a compose field.
type fate int

const (
	// mapped fields become CloudFormation; value-dependent checks happen where they are mapped.
	mapped fate = iota
	// ignored fields are dropped with a warning in Result.Warnings.
	ignored
	// rejected fields fail the render with an error.
	rejected
)

// fieldRule is the fate of one compose key, with the reason shown to the user when it is not mapped.
type fieldRule struct {
	fate     fate
	reason   string
	children map[string]fieldRule // keys of a mapped object that have fates of their own
}

func ignore(reason string) fieldRule { return fieldRule{fate: ignored, reason: reason} }
func reject(reason string) fieldRule { return fieldRule{fate: rejected, reason: reason} }

var mapsTo = fieldRule{fate: mapped}

const (
	notOnFargate   = "Fargate tasks cannot use it; the field is ignored"
	noECSEquivalnt = "ECS has no equivalent; the field is ignored"
)

// serviceFields lists every service key compose-go knows, with its fate. docs/compose-support.md is the same table
// for humans; a test keeps the two in step.
var serviceFields = map[string]fieldRule{
	"annotations":         ignore(noECSEquivalnt),
	"attach":              ignore("logs always go to CloudWatch Logs; the field is ignored"),
	"blkio_config":        ignore(notOnFargate),
	"build":               mapsTo, // ignored with a warning when image is set, rejected otherwise
	"cap_add":             mapsTo,
	"cap_drop":            mapsTo,
	"cgroup":              ignore(notOnFargate),
	"cgroup_parent":       ignore(notOnFargate),
	"command":             mapsTo,
	"configs":             mapsTo,
	"container_name":      ignore("ECS names containers after the service; the field is ignored"),
	"cpu_count":           ignore("size tasks with deploy.resources.limits.cpus; the field is ignored"),
	"cpu_percent":         ignore("size tasks with deploy.resources.limits.cpus; the field is ignored"),
	"cpu_period":          ignore(notOnFargate),
	"cpu_quota":           ignore(notOnFargate),
	"cpu_rt_period":       ignore(notOnFargate),
	"cpu_rt_runtime":      ignore(notOnFargate),
	"cpu_shares":          ignore("size tasks with deploy.resources.limits.cpus; the field is ignored"),
	"cpus":                mapsTo, // sizing fallback when deploy.resources is absent
	"cpuset":              ignore(notOnFargate),
	"credential_spec":     ignore("gMSA credential specs are for Windows containers; the field is ignored"),
	"depends_on":          mapsTo,
	"deploy":              {fate: mapped, children: deployFields},
	"develop":             ignore("development watch rules do not apply to a deployment; the field is ignored"),
	"device_cgroup_rules": ignore(notOnFargate),
	"devices":             ignore(notOnFargate),
	"dns":                 ignore("tasks in awsvpc mode use the VPC resolver; the field is ignored"),
	"dns_opt":             ignore("tasks in awsvpc mode use the VPC resolver; the field is ignored"),
	"dns_search":          ignore("tasks in awsvpc mode use the VPC resolver; short service names already resolve through <project>.local; the field is ignored"),
	"dockerfile":          ignore("images are not built; the field is ignored"),
	"domainname":          ignore(noECSEquivalnt),
	"entrypoint":          mapsTo,
	"env_file":            mapsTo, // merged into environment by the loader
	"environment":         mapsTo,
	"expose":              ignore("containers on a shared network reach each other on every port (its security group allows all traffic between members); the field is ignored"),
	"extends":             mapsTo, // resolved by the loader
	"external_links":      ignore("services reach each other by name through Cloud Map; the field is ignored"),
	"extra_hosts":         ignore("tasks in awsvpc mode cannot have extra /etc/hosts entries; use DNS names; the field is ignored"),
	"gpus":                mapsTo,
	"group_add":           ignore(noECSEquivalnt),
	"healthcheck":         mapsTo,
	"hostname":            ignore("tasks in awsvpc mode cannot set a hostname; the field is ignored"),
	"image":               mapsTo,
	"init":                mapsTo,
	"ipc":                 ignore(notOnFargate),
	"isolation":           ignore("isolation modes are for Windows containers; the field is ignored"),
	"label_file":          mapsTo, // merged into labels by the loader
	"labels":              mapsTo,
	"links":               ignore("services reach each other by name through Cloud Map; the field is ignored"),
	"log_driver":          ignore("use logging.driver (awslogs is the only driver); the field is ignored"),
	"log_opt":             ignore("use logging.options; the field is ignored"),
	"logging":             mapsTo,
	"mac_address":         ignore(notOnFargate),
	"mem_limit":           mapsTo, // sizing fallback when deploy.resources is absent
	"mem_reservation":     mapsTo,
	"mem_swappiness":      ignore(notOnFargate),
	"memswap_limit":       ignore(notOnFargate),
	"models":              ignore("ECS has no model runner; the field is ignored"),
	"net":                 ignore("tasks always use awsvpc networking; the field is ignored"),
	"network_mode":        mapsTo, // the service's security groups, see placeNetworkModes
	"networks":            mapsTo,
	"oom_kill_disable":    ignore(notOnFargate),
	"oom_score_adj":       ignore(notOnFargate),
	"pid":                 ignore(notOnFargate),
	"pids_limit":          ignore(notOnFargate),
	"platform":            mapsTo,
	"ports":               mapsTo,
	"post_start":          ignore("ECS has no lifecycle hooks; the field is ignored"),
	"pre_start":           ignore("ECS has no lifecycle hooks; the field is ignored"),
	"pre_stop":            ignore("ECS has no lifecycle hooks; the field is ignored"),
	"privileged":          ignore("Fargate tasks cannot run privileged containers; the field is ignored"),
	"profiles":            mapsTo, // applied by the loader
	"provider":            reject("provider services run on the Docker host and cannot run on ECS; remove the service or replace it with an image"),
	"pull_policy":         ignore("ECS pulls the image when a task starts; the field is ignored"),
	"pull_refresh_after":  ignore("ECS pulls the image when a task starts; the field is ignored"),
	"read_only":           mapsTo,
	"restart":             ignore("the ECS service scheduler replaces stopped tasks itself; the field is ignored"),
	"runtime":             ignore(notOnFargate),
	"scale":               mapsTo,
	"secrets":             mapsTo,
	"security_opt":        ignore(notOnFargate),
	"shm_size":            ignore(notOnFargate),
	"stdin_open":          mapsTo,
	"stop_grace_period":   mapsTo,
	"stop_signal":         mapsTo, // ECS sends SIGTERM: warned about unless it asks for that, see planService
	"storage_opt":         ignore(notOnFargate),
	"sysctls":             mapsTo,
	"tmpfs":               mapsTo, // scratch task volumes
	"tty":                 mapsTo,
	"ulimits":             mapsTo,
	"umask":               ignore(noECSEquivalnt),
	"use_api_socket":      reject("there is no Docker engine socket on ECS; remove use_api_socket"),
	"user":                mapsTo,
	"userns_mode":         ignore(notOnFargate),
	"uts":                 ignore(notOnFargate),
	"volume_driver":       ignore("named volumes are always EFS; the field is ignored"),
	"volumes":             mapsTo,
	"volumes_from":        ignore("tasks do not share volumes between services; use a named (EFS) volume; the field is ignored"),
	"working_dir":         mapsTo,
}

var deployFields = map[string]fieldRule{
	"endpoint_mode":  ignore("services are reached through Cloud Map DNS (A records); the field is ignored"),
	"labels":         ignore("ECS services carry the compose project and service tags only; the field is ignored"),
	"mode":           mapsTo, // replicated only
	"placement":      {fate: mapped, children: placementFields},
	"replicas":       mapsTo,
	"resources":      {fate: mapped, children: resourcesFields},
	"restart_policy": ignore("the ECS service scheduler replaces stopped tasks itself; the field is ignored"),
	"rollback_config": ignore(
		"ECS rolls back through its deployment circuit breaker, not a rollback configuration; the field is ignored"),
	"update_config": {fate: mapped, children: updateConfigFields},
}

var placementFields = map[string]fieldRule{
	"constraints":           mapsTo, // node.machine / node.ami on EC2 (GPU) services; others warn
	"max_replicas_per_node": ignore("ECS spreads tasks across Availability Zones itself; the field is ignored"),
	"preferences":           ignore("ECS spreads tasks across Availability Zones itself; the field is ignored"),
}

var resourcesFields = map[string]fieldRule{
	"limits": {fate: mapped, children: map[string]fieldRule{
		"cpus":              mapsTo,
		"memory":            mapsTo,
		"pids":              ignore(notOnFargate),
		"devices":           ignore("reserve devices under deploy.resources.reservations; the field is ignored"),
		"generic_resources": ignore("reserve GPUs under deploy.resources.reservations; the field is ignored"),
	}},
	"reservations": {fate: mapped, children: map[string]fieldRule{
		"cpus":              mapsTo,
		"memory":            mapsTo,
		"pids":              ignore(notOnFargate),
		"devices":           mapsTo, // GPUs
		"generic_resources": mapsTo, // GPUs
	}},
}

var updateConfigFields = map[string]fieldRule{
	"parallelism":       mapsTo,
	"delay":             ignore("ECS paces rolling updates itself; the field is ignored"),
	"failure_action":    ignore("ECS stops a failing deployment through its circuit breaker; the field is ignored"),
	"monitor":           ignore("ECS paces rolling updates itself; the field is ignored"),
	"max_failure_ratio": ignore("ECS stops a failing deployment through its circuit breaker; the field is ignored"),
	"order":             ignore("ECS starts new tasks before stopping old ones within deploy percentages (x-aws-min_percent, x-aws-max_percent); the field is ignored"),
}

// checkServiceFields applies serviceFields to every key the service sets.
func (r *renderer) checkServiceFields(svc *types.ServiceConfig) error {
	// Through the pointer the service is not copied to the heap; it encodes the same, as compose-go's pointer
	// MarshalJSON methods are on types it only holds behind pointers or in maps.
	raw, err := json.Marshal(svc)
	if err != nil {
		return fmt.Errorf("services.%s: reading the service definition: %w", svc.Name, err)
	}
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		return fmt.Errorf("services.%s: reading the service definition: %w", svc.Name, err)
	}
	return r.checkFields("services."+svc.Name, fields, serviceFields)
}

func (r *renderer) checkFields(path string, fields map[string]any, rules map[string]fieldRule) error {
	for _, key := range slices.Sorted(maps.Keys(fields)) {
		value := fields[key]
		if isUnset(value) {
			continue
		}
		at := path + "." + key
		rule, ok := rules[key]
		if !ok {
			r.warnf(at, "composestack does not know this field; it is ignored")
			continue
		}
		switch rule.fate {
		case ignored:
			r.warnf(at, "%s", rule.reason)
		case rejected:
			return fmt.Errorf("%s: %s", at, rule.reason)
		case mapped:
			if sub, ok := value.(map[string]any); ok && rule.children != nil {
				if err := r.checkFields(at, sub, rule.children); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// isUnset reports JSON values that mean "not set": compose-go fills some defaults with empty objects.
func isUnset(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case map[string]any:
		for _, e := range t {
			if !isUnset(e) {
				return false
			}
		}
		return true
	case []any:
		return len(t) == 0
	case string:
		return t == ""
	case bool:
		return !t
	case float64:
		return t == 0
	}
	return false
}
