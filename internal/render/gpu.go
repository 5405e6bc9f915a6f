package render

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"

	"github.com/awslabs/goformation/v7/cloudformation/autoscaling"
	"github.com/awslabs/goformation/v7/cloudformation/ec2"
	"github.com/awslabs/goformation/v7/cloudformation/ecs"
	"github.com/awslabs/goformation/v7/cloudformation/iam"
	"github.com/compose-spec/compose-go/v2/types"
	"k8s.io/utils/ptr"
)

const (
	// gpuAMIParameterPath is the public SSM parameter holding the recommended ECS GPU AMI.
	gpuAMIParameterPath = "/aws/service/ecs/optimized-ami/amazon-linux-2/gpu/recommended/image_id"
	// defaultGPUTaskMemoryMiB is the task memory of a GPU service that sets no memory, sized to fit g4dn.xlarge.
	defaultGPUTaskMemoryMiB = 8192
	// gpuCapacityMax caps the GPU Auto Scaling group, as Docker did.
	gpuCapacityMax = "10"
)

// gpuInstanceTypes are the g4dn sizes, smallest first, that Docker chose from.
var gpuInstanceTypes = []struct {
	name   string
	gpus   int64
	cpus   int64 // vCPU
	memGiB int64
}{
	{"g4dn.xlarge", 1, 4, 16},
	{"g4dn.2xlarge", 1, 8, 32},
	{"g4dn.4xlarge", 1, 16, 64},
	{"g4dn.8xlarge", 1, 32, 128},
	{"g4dn.16xlarge", 1, 64, 256},
	{"g4dn.12xlarge", 4, 48, 192},
	{"g4dn.metal", 8, 96, 384},
}

var constraintPattern = regexp.MustCompile(`^\s*node\.(machine|ami)\s*==\s*(\S+)\s*$`)

// gpuCount reads the GPUs a service reserves: deploy.resources.reservations.devices with the gpu capability,
// generic_resources of kind gpus, or the service-level gpus key. A count of "all" or none means one.
func gpuCount(svc *types.ServiceConfig) int64 {
	var n int64
	countDevices := func(devs []types.DeviceRequest) {
		for _, d := range devs {
			for _, c := range d.Capabilities {
				if c == "gpu" {
					if d.Count > 0 {
						n += int64(d.Count)
					} else {
						n++
					}
					break
				}
			}
		}
	}
	if svc.Deploy != nil && svc.Deploy.Resources.Reservations != nil {
		res := svc.Deploy.Resources.Reservations
		countDevices(res.Devices)
		for _, g := range res.GenericResources {
			if g.DiscreteResourceSpec != nil && g.DiscreteResourceSpec.Kind == "gpus" {
				n += g.DiscreteResourceSpec.Value
			}
		}
	}
	for _, d := range svc.Gpus {
		if len(d.Capabilities) == 0 {
			d.Capabilities = []string{"gpu"}
		}
		countDevices([]types.DeviceRequest{d})
	}
	return n
}

// planGPU marks GPU services for EC2 capacity and reads their placement constraints.
func (r *renderer) planGPU(p *servicePlan) {
	p.gpus = gpuCount(p.svc)
	if d := p.svc.Deploy; d != nil && d.Resources.Reservations != nil {
		at := "services." + p.svc.Name + ".deploy.resources.reservations"
		for i, dev := range d.Resources.Reservations.Devices {
			if !slices.Contains(dev.Capabilities, "gpu") {
				r.warnf(fmt.Sprintf("%s.devices[%d]", at, i), "only GPUs (capabilities: [gpu]) can be reserved on ECS; the device is ignored")
			}
		}
		for i, g := range d.Resources.Reservations.GenericResources {
			if g.DiscreteResourceSpec == nil || g.DiscreteResourceSpec.Kind != "gpus" {
				r.warnf(fmt.Sprintf("%s.generic_resources[%d]", at, i), "only the gpus kind can be reserved on ECS; the resource is ignored")
			}
		}
	}
	p.ec2 = p.gpus > 0
	if p.ec2 {
		r.gpu = true
	}
	if p.svc.Deploy == nil {
		return
	}
	for i, c := range p.svc.Deploy.Placement.Constraints {
		at := fmt.Sprintf("services.%s.deploy.placement.constraints[%d]", p.svc.Name, i)
		m := constraintPattern.FindStringSubmatch(c)
		if !p.ec2 {
			r.warnf(at, "Fargate chooses the host of a task; constraint %q is ignored", c)
			continue
		}
		if m == nil {
			r.warnf(at, "only node.machine == <instance type> and node.ami == <AMI ID> apply to GPU capacity; constraint %q is ignored", c)
			continue
		}
		if m[1] == "machine" {
			p.instanceType = m[2]
		} else {
			p.ami = m[2]
		}
	}
}

// gpuCapacity chooses one instance type and AMI for every GPU service of the project.
func (r *renderer) gpuCapacity() (instanceType, ami string, err error) {
	var needGPU, needCPU, needMem int64
	var typeFrom, amiFrom string
	for _, svc := range r.services {
		p := r.plans[svc.Name]
		if !p.ec2 {
			continue
		}
		if p.instanceType != "" {
			if instanceType != "" && instanceType != p.instanceType {
				return "", "", fmt.Errorf("services.%s.deploy.placement.constraints: node.machine == %s differs from %s set by service %s; GPU services share one instance type, so use the same one", svc.Name, p.instanceType, instanceType, typeFrom)
			}
			instanceType, typeFrom = p.instanceType, svc.Name
		}
		if p.ami != "" {
			if ami != "" && ami != p.ami {
				return "", "", fmt.Errorf("services.%s.deploy.placement.constraints: node.ami == %s differs from %s set by service %s; GPU services share one AMI, so use the same one", svc.Name, p.ami, ami, amiFrom)
			}
			ami, amiFrom = p.ami, svc.Name
		}
		needGPU = max(needGPU, p.gpus)
		cpu, _ := strconv.ParseInt(p.cpu, 10, 64)
		mem, _ := strconv.ParseInt(p.memory, 10, 64)
		needCPU, needMem = max(needCPU, cpu), max(needMem, mem)
	}
	if instanceType != "" {
		return instanceType, ami, nil
	}
	for _, it := range gpuInstanceTypes {
		if it.gpus >= needGPU && it.cpus*1024 >= needCPU && it.memGiB*1024 > needMem {
			return it.name, ami, nil
		}
	}
	return "", "", fmt.Errorf("services: a GPU service asks for %d GPUs, %d CPU units and %d MiB, more than any g4dn instance holds; lower the reservation or set deploy.placement.constraints node.machine == <instance type>", needGPU, needCPU, needMem)
}

// addGPUCapacity writes the EC2 capacity GPU services run on: a launch template (launch configurations are
// retired) with the ECS GPU AMI, an Auto Scaling group, a capacity provider and its association with the cluster.
func (r *renderer) addGPUCapacity() error {
	if !r.createCluster {
		return fmt.Errorf("%s: GPU services need EC2 capacity, and associating it would replace the capacity providers of the existing cluster %s; deploy GPU services without x-aws-cluster", xCluster, r.cluster)
	}
	instanceType, ami, err := r.gpuCapacity()
	if err != nil {
		return err
	}
	imageID := ami
	if imageID == "" {
		r.tpl.Parameters[gpuAMIParamID] = cfnParameter("AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
			"ECS GPU-optimised AMI for the GPU capacity, read from SSM", gpuAMIParameterPath)
		imageID = r.in.ref(gpuAMIParamID)
	}
	var groups []string
	for _, n := range slices.Sorted(maps.Keys(r.securityGroup)) {
		groups = append(groups, r.securityGroup[n])
	}
	r.tpl.Resources[instanceRoleID] = &iam.Role{
		AssumeRolePolicyDocument: assumeRolePolicy("ec2.amazonaws.com"),
		ManagedPolicyArns: []string{
			r.in.sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"),
		},
		Tags: r.projectTags(),
	}
	r.tpl.Resources[instanceProfID] = &iam.InstanceProfile{Roles: []string{r.in.ref(instanceRoleID)}}
	// The instance joins the cluster by name: ECS_CLUSTER does not take an ARN.
	userData := r.in.base64(r.in.subVars(
		"#!/bin/bash\necho ECS_CLUSTER=${ClusterName} >> /etc/ecs/ecs.config\n",
		map[string]any{"ClusterName": r.clusterName},
	))
	r.tpl.Resources[launchTemplID] = &ec2.LaunchTemplate{
		TagSpecifications: []ec2.LaunchTemplate_LaunchTemplateTagSpecification{
			{ResourceType: ptr.To("launch-template"), Tags: r.projectTags()},
		},
		LaunchTemplateData: &ec2.LaunchTemplate_LaunchTemplateData{
			ImageId:            ptr.To(imageID),
			InstanceType:       ptr.To(instanceType),
			IamInstanceProfile: &ec2.LaunchTemplate_IamInstanceProfile{Arn: ptr.To(r.in.getAtt(instanceProfID, "Arn"))},
			NetworkInterfaces: []ec2.LaunchTemplate_NetworkInterface{{
				DeviceIndex:              ptr.To(0),
				AssociatePublicIpAddress: ptr.To(r.opts.Network.AssignPublicIP),
				Groups:                   groups,
				DeleteOnTermination:      ptr.To(true),
			}},
			MetadataOptions: &ec2.LaunchTemplate_MetadataOptions{HttpTokens: ptr.To("required")},
			UserData:        ptr.To(userData),
		},
	}
	asgTags := make([]autoscaling.AutoScalingGroup_TagProperty, 0, 1)
	for _, t := range r.projectTags() {
		asgTags = append(asgTags, autoscaling.AutoScalingGroup_TagProperty{Key: t.Key, Value: t.Value, PropagateAtLaunch: true})
	}
	r.tpl.Resources[asgID] = &autoscaling.AutoScalingGroup{
		LaunchTemplate: &autoscaling.AutoScalingGroup_LaunchTemplateSpecification{
			LaunchTemplateId: ptr.To(r.in.ref(launchTemplID)),
			Version:          r.in.getAtt(launchTemplID, "LatestVersionNumber"),
		},
		MinSize:                          "0",
		MaxSize:                          gpuCapacityMax,
		VPCZoneIdentifier:                r.subnets,
		NewInstancesProtectedFromScaleIn: ptr.To(false),
		Tags:                             asgTags,
	}
	r.tpl.Resources[capacityProvID] = &ecs.CapacityProvider{
		AutoScalingGroupProvider: &ecs.CapacityProvider_AutoScalingGroupProvider{
			AutoScalingGroupArn: r.in.ref(asgID),
			ManagedScaling: &ecs.CapacityProvider_ManagedScaling{
				Status:         ptr.To("ENABLED"),
				TargetCapacity: ptr.To(100),
			},
			ManagedTerminationProtection: ptr.To("DISABLED"),
		},
		Tags: r.projectTags(),
	}
	r.tpl.Resources[cpAssociationID] = &ecs.ClusterCapacityProviderAssociations{
		Cluster:           r.cluster,
		CapacityProviders: []string{"FARGATE", r.in.ref(capacityProvID)},
		DefaultCapacityProviderStrategy: []ecs.ClusterCapacityProviderAssociations_CapacityProviderStrategy{
			{CapacityProvider: "FARGATE", Weight: ptr.To(1)},
		},
	}
	return nil
}
