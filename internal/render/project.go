package render

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/ecs"
	"github.com/awslabs/goformation/v7/cloudformation/logs"
	"github.com/awslabs/goformation/v7/cloudformation/policies"
	"github.com/awslabs/goformation/v7/cloudformation/servicediscovery"
	"k8s.io/utils/ptr"
)

// build writes every resource of the template.
func (r *renderer) build() error {
	if err := r.checkProjectFields(); err != nil {
		return err
	}
	// Services are planned independently, so every service's problems are reported at once.
	var problems Problems
	for i := range r.services {
		svc := &r.services[i]
		p, err := r.planService(svc)
		if err != nil {
			problems.collect(err)
			continue
		}
		r.plans[svc.Name] = p
	}
	if err := problems.err(); err != nil {
		return err
	}
	if err := r.placeNetworkModes(); err != nil {
		return err
	}
	if err := r.resolveNetwork(); err != nil {
		return err
	}
	r.addCluster()
	if err := r.addLogGroup(); err != nil {
		return err
	}
	r.addCloudMap()
	if err := r.addSecurityGroups(); err != nil {
		return err
	}
	if err := r.planLoadBalancer(); err != nil {
		return err
	}
	secrets, err := r.addSecrets()
	if err != nil {
		return err
	}
	volumes, err := r.addVolumes()
	if err != nil {
		return err
	}
	if r.gpu {
		if err := r.addGPUCapacity(); err != nil {
			return err
		}
	}
	for _, svc := range r.services {
		problems.collect(r.addService(r.plans[svc.Name], secrets, volumes))
	}
	if err := problems.err(); err != nil {
		return err
	}
	r.addOutputs()
	return nil
}

// checkProjectFields handles the top-level extensions and warns about project keys ECS cannot use.
func (r *renderer) checkProjectFields() error {
	for _, key := range slices.Sorted(maps.Keys(r.project.Extensions)) {
		switch key {
		case xVPC, xCluster, xLoadBalancer:
			// Read where they are used too; refused here first, so that a wrong type never goes unnoticed.
			if _, _, err := r.extString(key); err != nil {
				return err
			}
		case xLogsRetention, xCloudFormation:
		default:
			if strings.HasPrefix(key, "x-aws-") {
				r.warnf(key, "unknown x-aws extension; it is ignored")
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(r.project.Models)) {
		r.warnf("models."+name, "ECS has no model runner; the model is ignored")
	}
	return nil
}

// extString reads a string extension from the project.
func (r *renderer) extString(key string) (string, bool, error) {
	return extensionString(r.project.Extensions, key)
}

// resolveNetwork decides where the VPC and subnets come from: explicit IDs, exports of a network stack, the
// compose file's x-aws-vpc, or template parameters so the template renders offline.
func (r *renderer) resolveNetwork() error {
	n := r.opts.Network
	needs, err := NeedsOf(r.project, n)
	if err != nil {
		return err
	}
	r.needs = needs
	switch {
	case n.VPCID != "" && n.VPCImport != "":
		return fmt.Errorf("network: set either the VPC ID or the VPC export name, not both")
	case n.VPCImport != "":
		r.vpc = r.in.importValue(n.VPCImport)
	case needs.VPCID != "":
		r.vpc = needs.VPCID
	default:
		r.tpl.Parameters[vpcParamID] = cfnParameter("AWS::EC2::VPC::Id", "VPC to deploy the project into", nil)
		r.vpc = r.in.ref(vpcParamID)
	}
	// The controller passes back the VPC that x-aws-vpc names: only a different VPC is worth a word.
	if xvpc, hasXVPC, _ := r.extString(xVPC); hasXVPC && needs.VPCID != vpcIDOf(xvpc) {
		r.warnf(xVPC, "the VPC given to composestack takes precedence; %s is ignored", xvpc)
	}
	switch {
	case len(n.SubnetIDs) > 0 && len(n.SubnetImports) > 0:
		return fmt.Errorf("network: set either subnet IDs or subnet export names, not both")
	case len(n.SubnetIDs) > 0:
		for _, id := range n.SubnetIDs {
			if !strings.HasPrefix(id, "subnet-") {
				return fmt.Errorf("network: subnet %q is not a subnet ID (subnet-...)", id)
			}
			r.subnets = append(r.subnets, id)
			r.subnetNames = append(r.subnetNames, id)
		}
	case len(n.SubnetImports) > 0:
		for _, export := range n.SubnetImports {
			r.subnets = append(r.subnets, r.in.importValue(export))
			r.subnetNames = append(r.subnetNames, export)
		}
	default:
		r.tpl.Parameters[subnetsParamID] = cfnParameter("List<AWS::EC2::Subnet::Id>",
			"Subnets for tasks, load balancer and file system mount targets, in at least two Availability Zones", nil)
		r.subnets = []string{r.in.listRef(subnetsParamID)}
	}
	return nil
}

// subnetsForMountTargets lists one subnet per EFS mount target. With a Subnets parameter the count is unknown when
// rendering, so the first two subnets (the two Availability Zones a load balancer needs) get mount targets.
func (r *renderer) subnetsForMountTargets() (ids, names []string) {
	if len(r.subnetNames) > 0 {
		return r.subnets, r.subnetNames
	}
	for i := 0; i < 2; i++ {
		ids = append(ids, r.in.selectIndex(i, r.in.ref(subnetsParamID)))
		names = append(names, fmt.Sprintf("Subnet%d", i+1))
	}
	return ids, names
}

// loadBalancerSubnets are the subnets a load balancer the template creates goes into: those the caller gave for
// it (a network's public subnets, the tasks being in its private ones), else the tasks' subnets.
func (r *renderer) loadBalancerSubnets() []string {
	imports := r.opts.Network.LoadBalancerSubnetImports
	if len(imports) == 0 {
		return r.subnets
	}
	subnets := make([]string, 0, len(imports))
	for _, export := range imports {
		subnets = append(subnets, r.in.importValue(export))
	}
	return subnets
}

func (r *renderer) addCluster() {
	ext, ok, _ := r.extString(xCluster)
	if ok {
		r.cluster = ext
		r.serviceCluster = ext
		r.clusterName = ext[strings.LastIndex(ext, "/")+1:]
		r.tpl.Metadata["Cluster"] = ext
		return
	}
	r.createCluster = true
	r.tpl.Resources[clusterID] = &ecs.Cluster{ClusterName: ptr.To(r.name), Tags: r.projectTags()}
	r.cluster = r.in.ref(clusterID)
	r.clusterName = r.cluster
	// A service's cluster cannot change in place, and Docker wrote the ARN: the name would replace every service
	// of an adopted stack.
	r.serviceCluster = r.in.getAtt(clusterID, "Arn")
}

// logRetentionDays are the values CloudWatch Logs accepts for RetentionInDays.
var logRetentionDays = map[int]bool{1: true, 3: true, 5: true, 7: true, 14: true, 30: true, 60: true, 90: true,
	120: true, 150: true, 180: true, 365: true, 400: true, 545: true, 731: true, 1096: true, 1827: true, 2192: true,
	2557: true, 2922: true, 3288: true, 3653: true}

func (r *renderer) addLogGroup() error {
	group := &logs.LogGroup{
		LogGroupName: ptr.To("/docker-compose/" + r.name),
		Tags:         r.projectTags(),
		// Logs go with the stack, as with Docker; said explicitly so nobody has to guess.
		AWSCloudFormationDeletionPolicy:      policies.DeletionPolicy("Delete"),
		AWSCloudFormationUpdateReplacePolicy: policies.UpdateReplacePolicy("Delete"),
	}
	days, has, err := extInt(r.project.Extensions, xLogsRetention, "")
	if err != nil {
		return err
	}
	if has {
		if !logRetentionDays[days] {
			return fmt.Errorf("%s: CloudWatch Logs cannot keep logs for %d days; use 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653", xLogsRetention, days)
		}
		group.RetentionInDays = ptr.To(days)
	}
	r.tpl.Resources[logGroupID] = group
	return nil
}

func (r *renderer) addCloudMap() {
	r.tpl.Resources[cloudMapID] = &servicediscovery.PrivateDnsNamespace{
		Description: ptr.To("Service Map for Docker Compose project " + r.name),
		Name:        r.name + ".local",
		Vpc:         r.vpc,
		Tags:        r.projectTags(),
	}
}

func (r *renderer) addOutputs() {
	r.tpl.Outputs["Cluster"] = cloudformation.Output{Value: r.cluster, Description: ptr.To("ECS cluster running the services")}
	if r.createLB {
		r.tpl.Outputs["LoadBalancerDNSName"] = cloudformation.Output{
			Value: r.in.getAtt(loadBalancerID, "DNSName"), Description: ptr.To("DNS name of the load balancer")}
		r.tpl.Outputs["LoadBalancerCanonicalHostedZoneID"] = cloudformation.Output{
			Value: r.in.getAtt(loadBalancerID, "CanonicalHostedZoneID"), Description: ptr.To("Route 53 hosted zone of the load balancer, for alias records")}
	}
	for _, svc := range r.services {
		r.tpl.Outputs[outputServiceName(svc.Name)] = cloudformation.Output{
			Value:       r.in.getAtt(serviceID(svc.Name), "Name"),
			Description: ptr.To(fmt.Sprintf("ECS service name of compose service %s", svc.Name)),
		}
	}
}

// cfnParameter builds a template parameter; def is its default, nil for none.
func cfnParameter(typ, description string, def any) cloudformation.Parameter {
	return cloudformation.Parameter{Type: typ, Description: ptr.To(description), Default: def}
}

// assumeRolePolicy lets an AWS service principal assume a role.
func assumeRolePolicy(principal string) map[string]any {
	return map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": principal},
			"Action":    "sts:AssumeRole",
		}},
	}
}
