package render

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/awslabs/goformation/v7/cloudformation/applicationautoscaling"
	"github.com/awslabs/goformation/v7/cloudformation/ecs"
	"github.com/awslabs/goformation/v7/cloudformation/iam"
	"github.com/awslabs/goformation/v7/cloudformation/servicediscovery"
	"k8s.io/utils/ptr"
)

const (
	// maxStopTimeout is the longest ECS waits between SIGTERM and SIGKILL on Fargate.
	maxStopTimeout = 120
	// defaultGracePeriod is how long a load-balanced task may fail health checks after starting, unless the
	// compose healthcheck gives a start_period.
	defaultGracePeriod = 120
)

// addService writes the roles, task definition, discovery entry, load balancing and ECS service of one compose
// service.
func (r *renderer) addService(p *servicePlan, secrets map[string]secretRef, vols map[string]*efsVolume) error {
	svc := p.svc
	name := svc.Name
	logs := r.logConfiguration(svc)

	// Init containers run first and must succeed: the secrets and config file writers (if any), then the
	// search-domain writer.
	sidecar, secretARNs, err := r.secretsSidecar(p, secrets, logs)
	if err != nil {
		return err
	}
	configs, configVolumes, configMounts, err := r.configsInit(p, logs)
	if err != nil {
		return err
	}
	// Room for the main container too (appended last): a container definition is large, not worth regrowing.
	containers := 2
	if sidecar != nil {
		containers++
	}
	if configs != nil {
		containers++
	}
	inits := make([]ecs.TaskDefinition_ContainerDefinition, 0, containers)
	var volumes []ecs.TaskDefinition_Volume
	var mounts []ecs.TaskDefinition_MountPoint
	if sidecar != nil {
		inits = append(inits, *sidecar)
		volumes = append(volumes, ecs.TaskDefinition_Volume{Name: ptr.To(secretsVolume)})
		mounts = append(mounts, ecs.TaskDefinition_MountPoint{ContainerPath: ptr.To(secretsDir), ReadOnly: ptr.To(true), SourceVolume: ptr.To(secretsVolume)})
	}
	if configs != nil {
		inits = append(inits, *configs)
		volumes = append(volumes, configVolumes...)
		mounts = append(mounts, configMounts...)
	}
	inits = append(inits, r.resolvConfInit(name, logs))
	var deps []ecs.TaskDefinition_ContainerDependency
	for _, c := range inits {
		deps = append(deps, ecs.TaskDefinition_ContainerDependency{Condition: ptr.To("SUCCESS"), ContainerName: ptr.To(c.Name)})
	}

	efsVolumes, efsMounts, volumePolicies, waitMounts, err := r.serviceVolumes(p, vols)
	if err != nil {
		return err
	}
	volumes = append(volumes, efsVolumes...)
	mounts = append(mounts, efsMounts...)

	envSecrets, envSecretARN, err := r.sensitiveEnvironment(p)
	if err != nil {
		return err
	}
	hc, err := r.healthCheck(svc)
	if err != nil {
		return err
	}
	if hc != nil && svc.HealthCheck.StartInterval != nil {
		r.warnf("services."+name+".healthcheck.start_interval", "ECS checks at the same interval during the start period; the field is ignored")
	}
	lp := r.linuxParameters(p)
	platform, err := runtimePlatform(svc)
	if err != nil {
		return err
	}
	main := ecs.TaskDefinition_ContainerDefinition{
		Name:                 containerName(name),
		Image:                svc.Image,
		Command:              svc.Command,
		EntryPoint:           svc.Entrypoint,
		Environment:          r.environment(svc),
		Secrets:              envSecrets,
		Essential:            ptr.To(true),
		HealthCheck:          hc,
		LinuxParameters:      lp,
		LogConfiguration:     logs,
		MountPoints:          mounts,
		PortMappings:         portMappings(p),
		Ulimits:              r.ulimits(p),
		ResourceRequirements: gpuRequirements(p),
		DependsOnProp:        deps,
	}
	if len(svc.Labels) > 0 {
		main.DockerLabels = svc.Labels
	}
	if svc.User != "" {
		main.User = ptr.To(svc.User)
	}
	if svc.WorkingDir != "" {
		main.WorkingDirectory = ptr.To(svc.WorkingDir)
	}
	if svc.ReadOnly {
		main.ReadonlyRootFilesystem = ptr.To(true)
	}
	if svc.Tty {
		main.PseudoTerminal = ptr.To(true)
	}
	if svc.StdinOpen {
		main.Interactive = ptr.To(true)
	}
	if p.memReserve > 0 {
		main.MemoryReservation = ptr.To(int(p.memReserve))
	}
	if svc.StopGracePeriod != nil {
		s := int(time.Duration(*svc.StopGracePeriod) / time.Second)
		if s < 0 || s > maxStopTimeout {
			return fmt.Errorf("services.%s.stop_grace_period: ECS waits at most %ds before killing a container; lower it", name, maxStopTimeout)
		}
		main.StopTimeout = ptr.To(s)
	}
	for _, k := range slices.Sorted(maps.Keys(svc.Sysctls)) {
		main.SystemControls = append(main.SystemControls, ecs.TaskDefinition_SystemControl{Namespace: ptr.To(k), Value: ptr.To(svc.Sysctls[k])})
	}
	pullCreds, err := r.pullCredentials(p)
	if err != nil {
		return err
	}
	if pullCreds != "" {
		main.RepositoryCredentials = &ecs.TaskDefinition_RepositoryCredentials{CredentialsParameter: ptr.To(pullCreds)}
	}

	// Roles: the execution role pulls images and reads secrets; the task role is what the application may do.
	var readable []string
	if pullCreds != "" {
		readable = append(readable, pullCreds)
	}
	readable = append(readable, secretARNs...)
	if envSecretARN != "" {
		readable = append(readable, envSecretARN)
	}
	r.addExecutionRole(name, readable)
	hasTaskRole, err := r.addTaskRole(p, volumePolicies)
	if err != nil {
		return err
	}

	compat := "FARGATE"
	if p.ec2 {
		compat = "EC2"
	}
	td := &ecs.TaskDefinition{
		Family:                  ptr.To(r.name + "-" + containerName(name)),
		NetworkMode:             ptr.To("awsvpc"),
		RequiresCompatibilities: []string{compat},
		Memory:                  ptr.To(p.memory),
		ExecutionRoleArn:        ptr.To(r.in.getAtt(executionRoleID(name), "Arn")),
		ContainerDefinitions:    append(inits, main),
		Volumes:                 volumes,
		RuntimePlatform:         platform,
		Tags:                    r.serviceTags(name),
	}
	if p.cpu != "" {
		td.Cpu = ptr.To(p.cpu)
	}
	if hasTaskRole {
		td.TaskRoleArn = ptr.To(r.in.getAtt(taskRoleID(name), "Arn"))
	}
	if err := checkTaskDefinitionSize(p, td); err != nil {
		return err
	}
	r.tpl.Resources[taskDefinitionID(name)] = td

	r.tpl.Resources[discoveryID(name)] = &servicediscovery.Service{
		Description: ptr.To(fmt.Sprintf("%q service discovery entry in Cloud Map", name)),
		Name:        ptr.To(name),
		NamespaceId: ptr.To(r.in.ref(cloudMapID)),
		DnsConfig: &servicediscovery.Service_DnsConfig{
			DnsRecords:    []servicediscovery.Service_DnsRecord{{TTL: 60, Type: "A"}},
			RoutingPolicy: ptr.To("MULTIVALUE"),
		},
		HealthCheckCustomConfig: &servicediscovery.Service_HealthCheckCustomConfig{FailureThreshold: ptr.To(1.0)},
		Tags:                    r.serviceTags(name),
	}

	var dependsOn []string
	var lbs []ecs.Service_LoadBalancer
	for _, port := range p.ports {
		listener, tg := r.addPortResources(p, port)
		dependsOn = append(dependsOn, listener)
		lbs = append(lbs, ecs.Service_LoadBalancer{
			ContainerName: ptr.To(containerName(name)), ContainerPort: ptr.To(int(port.target)), TargetGroupArn: ptr.To(r.in.ref(tg)),
		})
	}
	for _, dep := range slices.Sorted(maps.Keys(svc.DependsOn)) {
		if _, ok := r.plans[dep]; ok {
			dependsOn = append(dependsOn, serviceID(dep))
		}
	}
	dependsOn = append(dependsOn, waitMounts...)

	var groups []string
	for _, n := range p.networks {
		groups = append(groups, r.securityGroup[n])
	}
	publicIP := "DISABLED"
	if r.opts.Network.AssignPublicIP && !p.ec2 {
		publicIP = "ENABLED" // EC2 tasks in awsvpc mode cannot have public IPs
	}
	service := &ecs.Service{
		Cluster:              ptr.To(r.serviceCluster),
		DesiredCount:         ptr.To(p.desired),
		DeploymentController: &ecs.Service_DeploymentController{Type: ptr.To("ECS")},
		DeploymentConfiguration: &ecs.Service_DeploymentConfiguration{
			MaximumPercent:        ptr.To(p.maxPercent),
			MinimumHealthyPercent: ptr.To(p.minPercent),
			// A deployment whose tasks keep failing stops and rolls back, so CloudFormation reports the failure in
			// minutes instead of waiting hours for a service that never stabilises.
			DeploymentCircuitBreaker: &ecs.Service_DeploymentCircuitBreaker{Enable: true, Rollback: true},
		},
		LoadBalancers: lbs,
		NetworkConfiguration: &ecs.Service_NetworkConfiguration{AwsvpcConfiguration: &ecs.Service_AwsVpcConfiguration{
			AssignPublicIp: ptr.To(publicIP),
			SecurityGroups: groups,
			Subnets:        r.subnets,
		}},
		PropagateTags:      ptr.To("SERVICE"),
		SchedulingStrategy: ptr.To("REPLICA"),
		ServiceRegistries:  []ecs.Service_ServiceRegistry{{RegistryArn: ptr.To(r.in.getAtt(discoveryID(name), "Arn"))}},
		Tags:               r.serviceTags(name),
		TaskDefinition:     ptr.To(r.in.ref(taskDefinitionID(name))),
	}
	if len(lbs) > 0 {
		// Load balancer health checks start with the task; slow starters (a Spring Boot service on a quarter vCPU)
		// would be replaced, and with the circuit breaker rolled back, before they listen.
		grace := defaultGracePeriod
		if hc != nil && hc.StartPeriod != nil {
			grace = *hc.StartPeriod
		}
		service.HealthCheckGracePeriodSeconds = ptr.To(grace)
	}
	if p.ec2 {
		service.CapacityProviderStrategy = []ecs.Service_CapacityProviderStrategyItem{{CapacityProvider: ptr.To(r.in.ref(capacityProvID)), Weight: ptr.To(1)}}
		dependsOn = append(dependsOn, cpAssociationID)
	} else {
		service.LaunchType = ptr.To("FARGATE")
		service.PlatformVersion = ptr.To("1.4.0")
	}
	service.AWSCloudFormationDependsOn = dependsOn
	r.tpl.Resources[serviceID(name)] = service
	r.addScaling(p)
	return nil
}

// pullCredentials reads x-aws-pull_credentials: the ARN of a Secrets Manager secret holding registry credentials.
func (r *renderer) pullCredentials(p *servicePlan) (string, error) {
	v, ok := p.svc.Extensions[xPullCredentials]
	if !ok {
		return "", nil
	}
	s, isString := v.(string)
	if !isString || !strings.HasPrefix(s, "arn:") {
		return "", wrongType("services."+p.svc.Name+"."+xPullCredentials, "the ARN of a Secrets Manager secret holding the registry username and password", v)
	}
	return s, nil
}

func (r *renderer) addExecutionRole(svc string, readable []string) {
	role := &iam.Role{
		AssumeRolePolicyDocument: assumeRolePolicy("ecs-tasks.amazonaws.com"),
		ManagedPolicyArns: []string{
			r.in.sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"),
			r.in.sub("arn:${AWS::Partition}:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"),
		},
		Tags: r.serviceTags(svc),
	}
	if len(readable) > 0 {
		resources := make([]any, len(readable))
		for i, a := range readable {
			resources[i] = a
		}
		role.Policies = []iam.Role_Policy{{
			PolicyName: svc + "GrantAccessToSecrets",
			PolicyDocument: map[string]any{
				"Version": "2012-10-17",
				"Statement": []any{map[string]any{
					"Effect": "Allow",
					// Docker also granted ssm:GetParameters and kms:Decrypt on these secret ARNs, where they
					// match nothing; a secret under a customer-managed KMS key needs kms:Decrypt on that key,
					// added with an overlay.
					"Action":   []any{"secretsmanager:GetSecretValue"},
					"Resource": resources,
				}},
			},
		}}
	}
	r.tpl.Resources[executionRoleID(svc)] = role
}

// addTaskRole creates <Svc>TaskRole when the service has x-aws-role, x-aws-policies or volumes.
func (r *renderer) addTaskRole(p *servicePlan, volumePolicies []iam.Role_Policy) (bool, error) {
	svc := p.svc
	at := "services." + svc.Name
	var inline []iam.Role_Policy
	if doc, ok := svc.Extensions[xRole]; ok {
		m, isMap := doc.(map[string]any)
		if !isMap || m["Statement"] == nil {
			return false, wrongType(at+"."+xRole, "an IAM policy document with a Statement", doc)
		}
		inline = append(inline, iam.Role_Policy{PolicyName: normalizeName(svc.Name) + "Policy", PolicyDocument: m})
	}
	inline = append(inline, volumePolicies...)
	var managed []string
	if v, ok := svc.Extensions[xPolicies]; ok {
		list, isList := v.([]any)
		if !isList {
			return false, wrongType(at+"."+xPolicies, "a list of managed policy ARNs", v)
		}
		for _, e := range list {
			s, isString := e.(string)
			if !isString || s == "" {
				return false, wrongType(at+"."+xPolicies+"[]", "a policy ARN", e)
			}
			managed = append(managed, s)
		}
	}
	if len(inline) == 0 && len(managed) == 0 {
		return false, nil
	}
	r.tpl.Resources[taskRoleID(svc.Name)] = &iam.Role{
		AssumeRolePolicyDocument: assumeRolePolicy("ecs-tasks.amazonaws.com"),
		Policies:                 inline,
		ManagedPolicyArns:        managed,
		Tags:                     r.serviceTags(svc.Name),
	}
	return true, nil
}

// addScaling writes target-tracking auto scaling for x-aws-autoscaling. Application Auto Scaling uses its
// service-linked role, so no role is created (Docker's <Svc>AutoScalingRole is not needed).
func (r *renderer) addScaling(p *servicePlan) {
	if p.scaling == nil {
		return
	}
	name := p.svc.Name
	r.tpl.Resources[scalableTargetID(name)] = &applicationautoscaling.ScalableTarget{
		MinCapacity:       p.scaling.min,
		MaxCapacity:       p.scaling.max,
		ResourceId:        r.in.join("/", "service", r.clusterName, r.in.getAtt(serviceID(name), "Name")),
		ScalableDimension: "ecs:service:DesiredCount",
		ServiceNamespace:  "ecs",
	}
	r.tpl.Resources[scalingPolicyID(name)] = &applicationautoscaling.ScalingPolicy{
		PolicyName:      normalizeName(name) + "ScalingPolicy",
		PolicyType:      "TargetTrackingScaling",
		ScalingTargetId: ptr.To(r.in.ref(scalableTargetID(name))),
		TargetTrackingScalingPolicyConfiguration: &applicationautoscaling.ScalingPolicy_TargetTrackingScalingPolicyConfiguration{
			PredefinedMetricSpecification: &applicationautoscaling.ScalingPolicy_PredefinedMetricSpecification{PredefinedMetricType: p.scaling.metric},
			TargetValue:                   float64(p.scaling.target),
			ScaleInCooldown:               ptr.To(60),
			ScaleOutCooldown:              ptr.To(60),
		},
	}
}
