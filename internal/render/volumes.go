package render

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation/ecs"
	"github.com/awslabs/goformation/v7/cloudformation/efs"
	"github.com/awslabs/goformation/v7/cloudformation/iam"
	"github.com/awslabs/goformation/v7/cloudformation/policies"
	"github.com/compose-spec/compose-go/v2/types"
	"k8s.io/utils/ptr"
)

// efsVolume is a named compose volume backed by EFS.
type efsVolume struct {
	fsID         string   // file system ID or Ref token
	fsARN        string   // token
	accessPoint  string   // logical ID
	mountTargets []string // logical IDs the services wait for
}

// scratchVolumePrefix names the task volumes that stand for tmpfs mounts: tmpfs1, tmpfs2... A task volume without a
// host is empty when the task starts and lives on the task's ephemeral storage, the nearest Fargate has to a tmpfs
// (it cannot mount one); a read_only container can write there, as it can to its tmpfs under Docker.
const scratchVolumePrefix = "tmpfs"

// anonymousVolumePrefix names the task volumes that stand for anonymous volumes (/app/node_modules): anonymous1,
// anonymous2... Like Docker's, they belong to one run of the container and start without data of their own.
const anonymousVolumePrefix = "anonymous"

// efsOptions are the driver_opts Docker read; hyphenated spellings are accepted too (Docker ignored them, #2207).
var efsOptions = map[string]bool{
	"uid": true, "gid": true, "permissions": true, "root_directory": true, "backup_policy": true,
	"lifecycle_policy": true, "performance_mode": true, "throughput_mode": true, "provisioned_throughput": true,
	"kms_key_id": true,
}

// addVolumes creates, per named volume, an encrypted EFS file system (retained on delete), a mount target per
// subnet and an access point. An external volume names an existing file system (fs-...).
func (r *renderer) addVolumes() (map[string]*efsVolume, error) {
	out := map[string]*efsVolume{}
	all := maps.Clone(r.bindVolumes)
	if all == nil {
		all = map[string]types.VolumeConfig{}
	}
	maps.Copy(all, r.project.Volumes)
	for _, name := range slices.Sorted(maps.Keys(all)) {
		vol := all[name]
		at := "volumes." + name
		opts := map[string]string{}
		for _, k := range slices.Sorted(maps.Keys(vol.DriverOpts)) {
			key := strings.ReplaceAll(k, "-", "_")
			if !efsOptions[key] {
				r.warnf(at+".driver_opts."+k, "not an EFS option; use uid, gid, permissions, root_directory, backup_policy, lifecycle_policy, performance_mode, throughput_mode, provisioned_throughput or kms_key_id; the option is ignored")
				continue
			}
			opts[key] = vol.DriverOpts[k]
		}
		if vol.Driver != "" && vol.Driver != "local" {
			r.warnf(at+".driver", "named volumes are always EFS file systems; the field is ignored")
		}
		if len(vol.Labels) > 0 {
			r.warnf(at+".labels", "file systems carry the compose project and volume tags only; the field is ignored")
		}
		v := &efsVolume{accessPoint: accessPointID(name)}
		existing := ""
		if vol.External {
			if !strings.HasPrefix(vol.Name, "fs-") {
				return nil, fmt.Errorf("%s: an external volume must name an existing EFS file system (name: fs-...), got %q", at, vol.Name)
			}
			existing = vol.Name
		} else if id, ok := r.opts.FileSystems[name]; ok {
			if !strings.HasPrefix(id, "fs-") {
				return nil, fmt.Errorf("%s: the file system to reattach must be an EFS file system ID (fs-...), got %q", at, id)
			}
			existing = id
		}
		if existing != "" {
			v.fsID = existing
			v.fsARN = r.in.sub("arn:${AWS::Partition}:elasticfilesystem:${AWS::Region}:${AWS::AccountId}:file-system/" + existing)
		} else {
			fs, err := r.fileSystem(name, vol.Name, opts)
			if err != nil {
				return nil, err
			}
			r.tpl.Resources[filesystemID(name)] = fs
			v.fsID = r.in.ref(filesystemID(name))
			v.fsARN = r.in.getAtt(filesystemID(name), "Arn")
		}
		subnets, subnetNames := r.subnetsForMountTargets()
		var groups []string
		for _, n := range slices.Sorted(maps.Keys(r.securityGroup)) {
			groups = append(groups, r.securityGroup[n])
		}
		for i, subnet := range subnets {
			id := mountTargetID(name, subnetNames[i])
			r.tpl.Resources[id] = &efs.MountTarget{FileSystemId: v.fsID, SubnetId: subnet, SecurityGroups: groups}
			v.mountTargets = append(v.mountTargets, id)
		}
		ap, err := r.accessPoint(name, v.fsID, opts)
		if err != nil {
			return nil, err
		}
		r.tpl.Resources[v.accessPoint] = ap
		out[name] = v
	}
	return out, nil
}

func (r *renderer) fileSystem(name, label string, opts map[string]string) (*efs.FileSystem, error) {
	at := "volumes." + name + ".driver_opts"
	if label == "" {
		label = r.name + "_" + name
	}
	fs := &efs.FileSystem{
		Encrypted: ptr.To(true),
		FileSystemTags: []efs.FileSystem_ElasticFileSystemTag{
			{Key: "com.docker.compose.project", Value: r.name},
			{Key: "com.docker.compose.volume", Value: name},
			{Key: "Name", Value: label},
		},
		// Data outlives the stack, as with Docker; both policies keep it through deletes and replacements.
		AWSCloudFormationDeletionPolicy:      policies.DeletionPolicy("Retain"),
		AWSCloudFormationUpdateReplacePolicy: policies.UpdateReplacePolicy("Retain"),
	}
	if v, ok := opts["backup_policy"]; ok {
		if v != "ENABLED" && v != "DISABLED" {
			return nil, fmt.Errorf("%s.backup_policy: %q is not ENABLED or DISABLED", at, v)
		}
		fs.BackupPolicy = &efs.FileSystem_BackupPolicy{Status: v}
	}
	if v, ok := opts["lifecycle_policy"]; ok {
		fs.LifecyclePolicies = []efs.FileSystem_LifecyclePolicy{{TransitionToIA: ptr.To(strings.TrimSpace(v))}}
	}
	if v, ok := opts["performance_mode"]; ok {
		fs.PerformanceMode = ptr.To(v)
	}
	if v, ok := opts["throughput_mode"]; ok {
		fs.ThroughputMode = ptr.To(v)
	}
	if v, ok := opts["provisioned_throughput"]; ok {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			return nil, fmt.Errorf("%s.provisioned_throughput: %q is not a positive number of MiB/s", at, v)
		}
		fs.ProvisionedThroughputInMibps = ptr.To(f)
	}
	if v, ok := opts["kms_key_id"]; ok {
		fs.KmsKeyId = ptr.To(v)
	}
	return fs, nil
}

func (r *renderer) accessPoint(name, fsID string, opts map[string]string) (*efs.AccessPoint, error) {
	at := "volumes." + name + ".driver_opts"
	ap := &efs.AccessPoint{
		FileSystemId: fsID,
		AccessPointTags: []efs.AccessPoint_AccessPointTag{
			{Key: ptr.To("com.docker.compose.project"), Value: ptr.To(r.name)},
			{Key: ptr.To("com.docker.compose.volume"), Value: ptr.To(name)},
		},
	}
	uid, hasUID := opts["uid"]
	gid, hasGID := opts["gid"]
	for _, id := range []struct{ key, value string }{{"uid", uid}, {"gid", gid}} {
		if id.value != "" {
			if _, err := strconv.ParseUint(id.value, 10, 32); err != nil {
				return nil, fmt.Errorf("%s.%s: %q is not a numeric POSIX ID", at, id.key, id.value)
			}
		}
	}
	if hasUID != hasGID {
		return nil, fmt.Errorf("%s: set uid and gid together; EFS access points need both", at)
	}
	if hasUID {
		ap.PosixUser = &efs.AccessPoint_PosixUser{Uid: uid, Gid: gid}
	}
	perms, hasPerms := opts["permissions"]
	if hasPerms {
		if _, err := strconv.ParseUint(perms, 8, 32); err != nil || len(perms) < 3 || len(perms) > 4 {
			return nil, fmt.Errorf("%s.permissions: %q is not an octal mode such as 0755", at, perms)
		}
	}
	if root, ok := opts["root_directory"]; ok {
		if !strings.HasPrefix(root, "/") {
			return nil, fmt.Errorf("%s.root_directory: %q must be an absolute path", at, root)
		}
		ap.RootDirectory = &efs.AccessPoint_RootDirectory{Path: ptr.To(root)}
		if hasUID {
			if !hasPerms {
				perms = "0755"
			}
			// EFS creates the directory with this owner so a non-root user can write (Docker #1459).
			ap.RootDirectory.CreationInfo = &efs.AccessPoint_CreationInfo{OwnerUid: uid, OwnerGid: gid, Permissions: perms}
		}
	} else if hasPerms {
		r.warnf(at+".permissions", "permissions apply to a root_directory created for uid and gid; the option is ignored")
	}
	return ap, nil
}

// serviceVolumes maps a service's volumes to task volumes, mounts, task-role policies and mount targets to wait
// for. tmpfs mounts and anonymous volumes become scratch volumes (see scratchVolumePrefix and
// anonymousVolumePrefix); bind mounts were decided by planBindMounts.
func (r *renderer) serviceVolumes(p *servicePlan, vols map[string]*efsVolume) ([]ecs.TaskDefinition_Volume, []ecs.TaskDefinition_MountPoint, []iam.Role_Policy, []string, error) {
	var (
		volumes  []ecs.TaskDefinition_Volume
		mounts   []ecs.TaskDefinition_MountPoint
		policies []iam.Role_Policy
		waits    []string
		seen     = map[string]bool{}
		scratchN int
		anonN    int
	)
	// scratch mounts a tmpfs; optionsAt names its options when it has some, which are ignored.
	scratch := func(at, target string, readOnly bool, optionsAt string) error {
		if !strings.HasPrefix(target, "/") {
			return fmt.Errorf("%s: tmpfs target %q must be an absolute path in the container", at, target)
		}
		scratchN++
		name := fmt.Sprintf("%s%d", scratchVolumePrefix, scratchN)
		for _, sv := range p.svc.Volumes {
			if sv.Source == name {
				return fmt.Errorf("%s: the task volume %q holds a tmpfs mount; rename the named volume %s", at, name, name)
			}
		}
		if optionsAt != "" {
			r.warnf(optionsAt, "tmpfs mounts are scratch space on the task's ephemeral storage, not in memory; size, mode and other options are ignored")
		}
		volumes = append(volumes, ecs.TaskDefinition_Volume{Name: ptr.To(name)})
		mounts = append(mounts, ecs.TaskDefinition_MountPoint{ContainerPath: ptr.To(target), ReadOnly: ptr.To(readOnly), SourceVolume: ptr.To(name)})
		return nil
	}
	for i, entry := range p.svc.Tmpfs {
		at := fmt.Sprintf("services.%s.tmpfs[%d]", p.svc.Name, i)
		target, options, _ := strings.Cut(entry, ":")
		optionsAt := ""
		if options != "" {
			optionsAt = at
		}
		if err := scratch(at, target, false, optionsAt); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	// A volume mounted twice, once read-only and once read-write, needs write access.
	writable := map[string]bool{}
	for _, sv := range p.svc.Volumes {
		writable[sv.Source] = writable[sv.Source] || !sv.ReadOnly
	}
	for i, sv := range p.svc.Volumes {
		at := p.volumeAt(i)
		switch sv.Type {
		case "volume", "":
		case "bind":
			// planBindMounts has rewritten or refused every bind mount.
			return nil, nil, nil, nil, fmt.Errorf("%s: bind mount of %s: Fargate tasks have no host to mount from", at, sv.Source)
		case "tmpfs":
			optionsAt := ""
			if sv.Tmpfs != nil && (sv.Tmpfs.Size != 0 || sv.Tmpfs.Mode != 0) {
				optionsAt = at + ".tmpfs"
			}
			if err := scratch(at, sv.Target, sv.ReadOnly, optionsAt); err != nil {
				return nil, nil, nil, nil, err
			}
			continue
		default:
			return nil, nil, nil, nil, fmt.Errorf("%s: volume type %q is not supported; use a named volume (EFS)", at, sv.Type)
		}
		if sv.Source == "" {
			if !strings.HasPrefix(sv.Target, "/") {
				return nil, nil, nil, nil, fmt.Errorf("%s: anonymous volume target %q must be an absolute path in the container", at, sv.Target)
			}
			anonN++
			name := fmt.Sprintf("%s%d", anonymousVolumePrefix, anonN)
			if _, clash := vols[name]; clash {
				return nil, nil, nil, nil, fmt.Errorf("%s: the task volume %q holds an anonymous volume; rename the named volume %s", at, name, name)
			}
			r.warnf(at, "anonymous volume at %s becomes the task volume %s: it lives as long as the task, as under Docker an anonymous volume lives as long as its container, and it starts empty unless the image declares VOLUME %s (ECS copies the image's files into it only then)", sv.Target, name, sv.Target)
			volumes = append(volumes, ecs.TaskDefinition_Volume{Name: ptr.To(name)})
			mounts = append(mounts, ecs.TaskDefinition_MountPoint{ContainerPath: ptr.To(sv.Target), ReadOnly: ptr.To(sv.ReadOnly), SourceVolume: ptr.To(name)})
			continue
		}
		if sv.Source == secretsVolume && len(p.svc.Secrets) > 0 {
			return nil, nil, nil, nil, fmt.Errorf("%s: the task volume %q holds the service's secrets; rename the named volume", at, secretsVolume)
		}
		v, ok := vols[sv.Source]
		if !ok {
			return nil, nil, nil, nil, fmt.Errorf("%s: volume %q is not declared under the top-level volumes; declare it", at, sv.Source)
		}
		if sv.Volume != nil && (sv.Volume.NoCopy || sv.Volume.Subpath != "") {
			r.warnf(at+".volume", "EFS volumes are mounted at the access point root; nocopy and subpath are ignored")
		}
		if sv.Consistency != "" {
			r.warnf(at+".consistency", "EFS has one consistency model; the field is ignored")
		}
		mounts = append(mounts, ecs.TaskDefinition_MountPoint{
			ContainerPath: ptr.To(sv.Target), ReadOnly: ptr.To(sv.ReadOnly), SourceVolume: ptr.To(sv.Source),
		})
		if seen[sv.Source] {
			continue
		}
		seen[sv.Source] = true
		volumes = append(volumes, ecs.TaskDefinition_Volume{
			Name: ptr.To(sv.Source),
			EFSVolumeConfiguration: &ecs.TaskDefinition_EFSVolumeConfiguration{
				FilesystemId:        v.fsID,
				TransitEncryption:   ptr.To("ENABLED"),
				AuthorizationConfig: &ecs.TaskDefinition_AuthorizationConfig{AccessPointId: ptr.To(r.in.ref(v.accessPoint)), IAM: ptr.To("ENABLED")},
			},
		})
		actions := []any{"elasticfilesystem:ClientMount"}
		if writable[sv.Source] {
			// Root access as Docker granted it: without it EFS squashes root to nobody once the file system has a
			// policy, and images that start as root to chown their data directory (postgres, mysql) fail.
			actions = append(actions, "elasticfilesystem:ClientWrite", "elasticfilesystem:ClientRootAccess")
		}
		policies = append(policies, iam.Role_Policy{
			PolicyName: normalizeName(p.svc.Name) + normalizeName(sv.Source) + "VolumeMountPolicy",
			PolicyDocument: map[string]any{
				"Version": "2012-10-17",
				"Statement": []any{map[string]any{
					"Effect":   "Allow",
					"Action":   actions,
					"Resource": v.fsARN,
					"Condition": map[string]any{"StringEquals": map[string]any{
						"elasticfilesystem:AccessPointArn": r.in.getAtt(v.accessPoint, "Arn"),
					}},
				}},
			},
		})
		waits = append(waits, v.mountTargets...)
	}
	return volumes, mounts, policies, waits, nil
}
