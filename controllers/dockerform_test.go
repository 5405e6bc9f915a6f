package controllers_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// This file writes CloudFormation templates in the form Docker Compose for ECS printed them (`docker compose
// convert`, which `docker compose up` passed to CreateStack). It is test data built from what that converter is
// known to emit: its published golden template (Cluster as GetAtt Cluster.Arn, ingress IpProtocol TCP, network tag
// <project>_<network>, task definitions with Ref role ARNs, no tags and the search-domain helper's region written
// out), its logical-ID rules and its EFS resources. It is deliberately not derived from the renderer, so that a
// renderer change that would replace resources of an adopted stack shows up as a replacement.

// dockerService is what the converter read from one compose service.
type dockerService struct {
	name      string
	image     string
	ports     []int             // published = target, tcp
	env       map[string]string // after env_file
	dependsOn []string
	volumes   map[string]string // volume -> container path
}

// dockerProject is a compose project as the converter saw it.
type dockerProject struct {
	name     string
	services []dockerService
	volumes  []string
	// overlay is x-aws-cloudformation, which the converter merged into the template.
	overlay func(resources map[string]any)
}

// dockerNetwork is where Docker deployed: the VPC and all its subnets.
type dockerNetwork struct {
	vpc     string
	subnets []string
	region  string
}

// dockerID is the converter's normalizeResourceName: letters and digits only, the first upper-cased.
func dockerID(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	out := b.String()
	if out == "" {
		return out
	}
	return strings.ToUpper(out[:1]) + out[1:]
}

func ref(id string) map[string]any          { return map[string]any{"Ref": id} }
func getAtt(id, attr string) map[string]any { return map[string]any{"Fn::GetAtt": []any{id, attr}} }
func kv(k, v string) map[string]any         { return map[string]any{"Key": k, "Value": v} }
func res(typ string, props map[string]any) map[string]any {
	return map[string]any{"Type": typ, "Properties": props}
}

// dockerTemplate is the template the converter printed for p deployed into n.
func dockerTemplate(p dockerProject, n dockerNetwork) string {
	r := map[string]any{}
	project := kv("com.docker.compose.project", p.name)
	r["Cluster"] = res("AWS::ECS::Cluster", map[string]any{"ClusterName": p.name, "Tags": []any{project}})
	r["LogGroup"] = res("AWS::Logs::LogGroup", map[string]any{"LogGroupName": "/docker-compose/" + p.name})
	r["CloudMap"] = res("AWS::ServiceDiscovery::PrivateDnsNamespace", map[string]any{
		"Description": "Service Map for Docker Compose project " + p.name, "Name": p.name + ".local", "Vpc": n.vpc})
	r["DefaultNetwork"] = res("AWS::EC2::SecurityGroup", map[string]any{
		"GroupDescription": p.name + " Security Group for default network",
		"Tags":             []any{project, kv("com.docker.compose.network", p.name+"_default")},
		"VpcId":            n.vpc,
	})
	r["DefaultNetworkIngress"] = res("AWS::EC2::SecurityGroupIngress", map[string]any{
		"Description": "Allow communication within network default", "GroupId": ref("DefaultNetwork"),
		"IpProtocol": "-1", "SourceSecurityGroupId": ref("DefaultNetwork")})
	subnets := make([]any, len(n.subnets))
	for i, s := range n.subnets {
		subnets[i] = s
	}

	// One load balancer: application when every port is 80 or 443, network otherwise.
	anyPort, allHTTP := false, true
	for _, s := range p.services {
		for _, port := range s.ports {
			anyPort = true
			allHTTP = allHTTP && (port == 80 || port == 443)
		}
	}
	listenerProto := "TCP"
	if anyPort {
		lb := map[string]any{"Scheme": "internet-facing", "Subnets": subnets, "Tags": []any{project}}
		if allHTTP {
			lb["Type"] = "application"
			lb["SecurityGroups"] = []any{ref("DefaultNetwork")}
			listenerProto = "HTTP"
		} else {
			lb["Type"] = "network"
			lb["LoadBalancerAttributes"] = []any{kv("load_balancing.cross_zone.enabled", "true")}
		}
		r["LoadBalancer"] = res("AWS::ElasticLoadBalancingV2::LoadBalancer", lb)
	}

	for _, v := range p.volumes {
		id := dockerID(v)
		r[id+"Filesystem"] = map[string]any{
			"Type": "AWS::EFS::FileSystem", "DeletionPolicy": "Retain",
			"Properties": map[string]any{"Encrypted": true, "FileSystemTags": []any{
				project, kv("com.docker.compose.volume", v), kv("Name", p.name+"_"+v)}},
		}
		for _, s := range n.subnets {
			r[id+"NFSMountTargetOn"+dockerID(s)] = res("AWS::EFS::MountTarget", map[string]any{
				"FileSystemId": ref(id + "Filesystem"), "SecurityGroups": []any{ref("DefaultNetwork")}, "SubnetId": s})
		}
		r[id+"AccessPoint"] = res("AWS::EFS::AccessPoint", map[string]any{
			"AccessPointTags": []any{project, kv("com.docker.compose.volume", v), kv("Name", p.name+"_"+v)},
			"FileSystemId":    ref(id + "Filesystem"),
		})
	}

	for _, s := range p.services {
		id := dockerID(s.name)
		svcTags := []any{project, kv("com.docker.compose.service", s.name)}
		assume := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Action": []any{"sts:AssumeRole"}, "Condition": map[string]any{}, "Effect": "Allow",
			"Principal": map[string]any{"Service": "ecs-tasks.amazonaws.com"}}}}
		r[id+"TaskExecutionRole"] = res("AWS::IAM::Role", map[string]any{
			"AssumeRolePolicyDocument": assume,
			"ManagedPolicyArns": []any{"arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
				"arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"},
			"Tags": svcTags,
		})
		logs := map[string]any{"LogDriver": "awslogs", "Options": map[string]any{
			"awslogs-group": ref("LogGroup"), "awslogs-region": ref("AWS::Region"), "awslogs-stream-prefix": p.name}}
		main := map[string]any{
			"DependsOn":        []any{map[string]any{"Condition": "SUCCESS", "ContainerName": id + "_ResolvConf_InitContainer"}},
			"Essential":        true,
			"Image":            s.image,
			"LinuxParameters":  map[string]any{},
			"LogConfiguration": logs,
			"Name":             s.name,
		}
		if len(s.env) > 0 {
			keys := make([]string, 0, len(s.env))
			for k := range s.env {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var env []any
			for _, k := range keys {
				env = append(env, map[string]any{"Name": k, "Value": s.env[k]})
			}
			main["Environment"] = env
		}
		var dependsOn []any
		var lbs, mappings []any
		for _, port := range s.ports {
			mappings = append(mappings, map[string]any{"ContainerPort": port, "HostPort": port, "Protocol": "tcp"})
			r[fmt.Sprintf("Default%dIngress", port)] = res("AWS::EC2::SecurityGroupIngress", map[string]any{
				"CidrIp": "0.0.0.0/0", "Description": fmt.Sprintf("%s:%d/tcp on default network", s.name, port),
				"FromPort": port, "GroupId": ref("DefaultNetwork"), "IpProtocol": "TCP", "ToPort": port})
			tg := fmt.Sprintf("%sTCP%dTargetGroup", id, port)
			listener := fmt.Sprintf("%sTCP%dListener", id, port)
			r[tg] = res("AWS::ElasticLoadBalancingV2::TargetGroup", map[string]any{
				"Port": port, "Protocol": listenerProto, "Tags": []any{project}, "TargetType": "ip", "VpcId": n.vpc})
			r[listener] = res("AWS::ElasticLoadBalancingV2::Listener", map[string]any{
				"DefaultActions": []any{map[string]any{"ForwardConfig": map[string]any{
					"TargetGroups": []any{map[string]any{"TargetGroupArn": ref(tg)}}}, "Type": "forward"}},
				"LoadBalancerArn": ref("LoadBalancer"), "Port": port, "Protocol": listenerProto})
			lbs = append(lbs, map[string]any{"ContainerName": s.name, "ContainerPort": port, "TargetGroupArn": ref(tg)})
			dependsOn = append(dependsOn, listener)
		}
		if mappings != nil {
			main["PortMappings"] = mappings
		}
		for _, d := range s.dependsOn {
			dependsOn = append(dependsOn, dockerID(d)+"Service")
		}
		td := map[string]any{
			"ContainerDefinitions": []any{map[string]any{
				"Command":          []any{n.region + ".compute.internal", p.name + ".local"},
				"Essential":        false,
				"Image":            "docker/ecs-searchdomain-sidecar:1.0",
				"LogConfiguration": logs,
				"Name":             id + "_ResolvConf_InitContainer",
			}, main},
			"Cpu": "256", "ExecutionRoleArn": ref(id + "TaskExecutionRole"), "Family": p.name + "-" + s.name,
			"Memory": "512", "NetworkMode": "awsvpc", "RequiresCompatibilities": []any{"FARGATE"},
		}
		if len(s.volumes) > 0 {
			var vols, mounts, policies []any
			names := make([]string, 0, len(s.volumes))
			for v := range s.volumes {
				names = append(names, v)
			}
			sort.Strings(names)
			for _, v := range names {
				vid := dockerID(v)
				vols = append(vols, map[string]any{"Name": v, "EFSVolumeConfiguration": map[string]any{
					"AuthorizationConfig": map[string]any{"AccessPointId": ref(vid + "AccessPoint"), "IAM": "ENABLED"},
					"FilesystemId":        ref(vid + "Filesystem"), "TransitEncryption": "ENABLED"}})
				mounts = append(mounts, map[string]any{"ContainerPath": s.volumes[v], "SourceVolume": v})
				policies = append(policies, map[string]any{"PolicyName": id + vid + "VolumeMountPolicy",
					"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
						"Effect": "Allow", "Action": []any{"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite", "elasticfilesystem:ClientRootAccess"},
						"Resource":  []any{getAtt(vid+"Filesystem", "Arn")},
						"Condition": map[string]any{"StringEquals": map[string]any{"elasticfilesystem:AccessPointArn": ref(vid + "AccessPoint")}},
					}}}})
				for _, sub := range n.subnets {
					dependsOn = append(dependsOn, vid+"NFSMountTargetOn"+dockerID(sub))
				}
			}
			td["Volumes"] = vols
			main["MountPoints"] = mounts
			r[id+"TaskRole"] = res("AWS::IAM::Role", map[string]any{"AssumeRolePolicyDocument": assume, "Policies": policies, "Tags": svcTags})
			td["TaskRoleArn"] = ref(id + "TaskRole")
		}
		r[id+"TaskDefinition"] = res("AWS::ECS::TaskDefinition", td)
		r[id+"ServiceDiscoveryEntry"] = res("AWS::ServiceDiscovery::Service", map[string]any{
			"Description":             fmt.Sprintf("%q service discovery entry in Cloud Map", s.name),
			"DnsConfig":               map[string]any{"DnsRecords": []any{map[string]any{"TTL": 60, "Type": "A"}}, "RoutingPolicy": "MULTIVALUE"},
			"HealthCheckCustomConfig": map[string]any{"FailureThreshold": 1},
			"Name":                    s.name, "NamespaceId": ref("CloudMap"),
		})
		svc := map[string]any{
			"Cluster":                 getAtt("Cluster", "Arn"),
			"DeploymentConfiguration": map[string]any{"MaximumPercent": 200, "MinimumHealthyPercent": 100},
			"DeploymentController":    map[string]any{"Type": "ECS"},
			"DesiredCount":            1,
			"LaunchType":              "FARGATE",
			"NetworkConfiguration": map[string]any{"AwsvpcConfiguration": map[string]any{
				"AssignPublicIp": "ENABLED", "SecurityGroups": []any{ref("DefaultNetwork")}, "Subnets": subnets}},
			"PlatformVersion":    "1.4.0",
			"PropagateTags":      "SERVICE",
			"SchedulingStrategy": "REPLICA",
			"ServiceRegistries":  []any{map[string]any{"RegistryArn": getAtt(id+"ServiceDiscoveryEntry", "Arn")}},
			"Tags":               svcTags,
			"TaskDefinition":     ref(id + "TaskDefinition"),
		}
		if lbs != nil {
			svc["LoadBalancers"] = lbs
		}
		service := res("AWS::ECS::Service", svc)
		if dependsOn != nil {
			service["DependsOn"] = dependsOn
		}
		r[id+"Service"] = service
	}
	if p.overlay != nil {
		p.overlay(r)
	}
	b, err := json.Marshal(map[string]any{"AWSTemplateFormatVersion": "2010-09-09", "Resources": r})
	if err != nil {
		panic(err)
	}
	return string(b)
}
