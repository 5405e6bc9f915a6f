package render

import (
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/composestack/composestack/internal/compose"
)

// portPlan is one published port of a service.
type portPlan struct {
	target    uint32
	published uint32
	protocol  string // tcp or udp
	http      bool   // counts towards an application load balancer
	tcpAndUDP bool   // published for both tcp and udp: one TCP_UDP listener (protocol is then tcp)
	// idProtocol is the protocol in the listener's and target group's logical IDs: "" for a long-syntax port
	// without protocol:, as Docker's converter named it (see compose.ImplicitProtocol).
	idProtocol string
}

// scaling is a service's x-aws-autoscaling.
type scaling struct {
	min, max int
	metric   string // ECSServiceAverageCPUUtilization or ECSServiceAverageMemoryUtilization
	target   int
}

// servicePlan is what the renderer worked out for one service before writing resources.
type servicePlan struct {
	svc          *types.ServiceConfig // in renderer.services; a ServiceConfig is over a kilobyte, not worth a copy
	ports        []portPlan
	networks     []string
	cpu, memory  string
	gpus         int64
	ec2          bool
	instanceType string // from node.machine
	ami          string // from node.ami
	desired      int
	minPercent   int
	maxPercent   int
	scaling      *scaling
	memReserve   int64         // MiB
	volumeIndex  []int         // per entry of svc.Volumes, its index as written (planBindMounts drops some)
	configs      []configMount // project files, directories and configs the configs helper delivers
}

// volumeAt names the i-th entry of the service's volumes by the index the user wrote it at.
func (p *servicePlan) volumeAt(i int) string {
	if i < len(p.volumeIndex) {
		i = p.volumeIndex[i]
	}
	return fmt.Sprintf("services.%s.volumes[%d]", p.svc.Name, i)
}

// planService validates a service and works out its mounts, ports, size and deployment settings. Its mounts are
// judged apart from the rest, so a refused mount and another problem of the service are reported together.
func (r *renderer) planService(svc *types.ServiceConfig) (*servicePlan, error) {
	var problems Problems
	index, configs, err := r.planBindMounts(svc)
	problems.collect(err)
	serviceConfigs, err := r.serviceConfigMounts(svc)
	problems.collect(err)
	configs = append(configs, serviceConfigs...)
	p, err := r.planSettings(svc)
	problems.collect(err)
	if p != nil {
		p.volumeIndex, p.configs = index, configs
	}
	return p, problems.err()
}

// planSettings works out everything of a service but its mounts.
func (r *renderer) planSettings(svc *types.ServiceConfig) (*servicePlan, error) {
	if err := finiteCPUs(svc); err != nil {
		return nil, err
	}
	if err := r.checkServiceFields(svc); err != nil {
		return nil, err
	}
	p := &servicePlan{svc: svc, desired: svc.GetScale(), minPercent: 100, maxPercent: 200}
	at := "services." + svc.Name
	if strings.HasPrefix(strings.ToLower(svc.Platform), "wasi") || strings.Contains(strings.ToLower(svc.Runtime), "wasm") {
		return nil, fmt.Errorf("%s: a WebAssembly (wasi/wasm) image needs a Wasm runtime, and ECS runs only Linux containers: there is none; build the service as a linux/amd64 or linux/arm64 image", at)
	}
	if svc.Image == "" {
		if svc.Build != nil {
			return nil, fmt.Errorf("%s: the service only has build: and no image, and ECS cannot build images; push the image to a registry and set it as an image override (spec.compose.images.%s, or --image %s=<ref> on the command line)", at, svc.Name, svc.Name)
		}
		return nil, fmt.Errorf("%s.image: the service has no image; set image to an image in a registry ECS can pull from", at)
	}
	if !isSIGTERM(svc.StopSignal) {
		r.warnf(at+".stop_signal", "ECS always sends SIGTERM to stop a container, not %s: handle SIGTERM in the image; the field is ignored", svc.StopSignal)
	}
	if svc.Build != nil {
		r.warnf(at+".build", "ECS runs the image %s and does not build it; the field is ignored", svc.Image)
	}
	if p.desired < 0 {
		return nil, fmt.Errorf("%s.deploy.replicas: %d is negative; use 0 or more", at, p.desired)
	}
	for _, key := range slices.Sorted(maps.Keys(svc.Extensions)) {
		switch key {
		case xRole, xPolicies, xPullCredentials:
		case xAutoscaling:
			r.warnf(at+"."+key, "belongs under deploy (deploy.%s); it is ignored here", key)
		case xMinPercent, xMaxPercent:
			r.warnf(at+"."+key, "belongs under deploy.update_config; it is ignored here")
		default:
			if strings.HasPrefix(key, "x-aws-") {
				r.warnf(at+"."+key, "unknown x-aws extension for a service; it is ignored")
			}
		}
	}
	for _, dep := range slices.Sorted(maps.Keys(svc.DependsOn)) {
		if svc.DependsOn[dep].Condition == types.ServiceConditionCompletedSuccessfully {
			r.warnf(at+".depends_on."+dep+".condition", "service_completed_successfully: ECS keeps %s running as a service and starts it again whenever it exits, and %s waits only for its deployment, not for it to complete; run one-off jobs such as migrations in the image's entrypoint or as an ECS task outside the stack", dep, svc.Name)
		}
	}
	if err := r.planPorts(p); err != nil {
		return nil, err
	}
	p.networks = slices.Sorted(maps.Keys(svc.Networks))
	for _, n := range p.networks {
		cfg := svc.Networks[n]
		if cfg == nil {
			continue
		}
		if len(cfg.Aliases) > 0 {
			r.warnf(at+".networks."+n+".aliases", "services are reachable by their service name only (Cloud Map); the field is ignored")
		}
		if cfg.Ipv4Address != "" || cfg.Ipv6Address != "" || cfg.MacAddress != "" || len(cfg.LinkLocalIPs) > 0 {
			r.warnf(at+".networks."+n, "tasks get addresses from their subnet; fixed addresses are ignored")
		}
	}
	if svc.Deploy != nil {
		if svc.Deploy.Mode != "" && svc.Deploy.Mode != "replicated" {
			return nil, fmt.Errorf("%s.deploy.mode: %q is not supported: ECS runs a number of replicas; remove mode or set it to replicated and use deploy.replicas", at, svc.Deploy.Mode)
		}
	}
	if err := planDeployment(p); err != nil {
		return nil, err
	}
	r.planGPU(p)
	if err := sizeTask(p); err != nil {
		return nil, err
	}
	p.memReserve = int64(svc.MemReservation) / miB
	if svc.Deploy != nil && svc.Deploy.Resources.Reservations != nil && svc.Deploy.Resources.Reservations.MemoryBytes > 0 {
		p.memReserve = int64(svc.Deploy.Resources.Reservations.MemoryBytes) / miB
	}
	if mem, _ := strconv.ParseInt(p.memory, 10, 64); p.memReserve > mem {
		return nil, fmt.Errorf("%s.deploy.resources.reservations.memory: %d MiB is more than the task's %d MiB; lower the reservation or raise deploy.resources.limits.memory", at, p.memReserve, mem)
	}
	return p, nil
}

// isSIGTERM reports whether a stop_signal asks for what ECS sends anyway; "" is unset.
func isSIGTERM(sig string) bool {
	switch strings.ToUpper(strings.TrimSpace(sig)) {
	case "", "SIGTERM", "TERM", "15":
		return true
	}
	return false
}

func (r *renderer) planPorts(p *servicePlan) error {
	seen := map[string]bool{}
	for i, port := range p.svc.Ports {
		at := fmt.Sprintf("services.%s.ports[%d]", p.svc.Name, i)
		if port.Target == 0 || port.Target > 65535 {
			return fmt.Errorf("%s: the container port must be between 1 and 65535", at)
		}
		published := port.Target
		if port.Published != "" {
			n, err := strconv.ParseUint(port.Published, 10, 16)
			if err != nil || n == 0 {
				return fmt.Errorf("%s.published: %q is not a single port; a load balancer listener needs one port number between 1 and 65535", at, port.Published)
			}
			published = uint32(n)
		}
		proto := strings.ToLower(port.Protocol)
		if proto == "" {
			proto = "tcp"
		}
		if proto != "tcp" && proto != "udp" {
			return fmt.Errorf("%s.protocol: %q is not supported; ECS load balancers carry tcp and udp", at, port.Protocol)
		}
		if ip := net.ParseIP(port.HostIP); ip != nil && ip.IsLoopback() {
			// Docker publishes the port to the host's loopback only: nobody outside the host reaches it. Published
			// on the load balancer it would be open to the ingress CIDR, the internet by default.
			r.warnf(at+".host_ip", "%s publishes the port to the Docker host only, and ECS tasks have no host: the port is not published on the load balancer (services on the same networks still reach it); remove host_ip to publish it", port.HostIP)
			continue
		}
		if ip := net.ParseIP(port.HostIP); port.HostIP != "" && (ip == nil || !ip.IsUnspecified()) {
			r.warnf(at+".host_ip", "the load balancer listens on all its addresses; the field is ignored")
		}
		if port.Mode == "host" {
			r.warnf(at+".mode", "ports are always published through the load balancer; the field is ignored")
		}
		http := proto == "tcp" && (port.Target == 80 || port.Target == 443)
		if v, ok := port.Extensions[xProtocol]; ok {
			s, isString := v.(string)
			if !isString {
				return wrongType(at+"."+xProtocol, "one of http, https, tcp or udp", v)
			}
			switch strings.ToLower(s) {
			case "http", "https":
				http = proto == "tcp"
			case "tcp", "udp":
				http = false
			default:
				return fmt.Errorf("%s.%s: %v is not supported; use http, https, tcp or udp", at, xProtocol, v)
			}
		} else if ap := strings.ToLower(port.AppProtocol); ap == "http" || ap == "https" {
			http = proto == "tcp"
		}
		key := fmt.Sprintf("%d/%s", published, proto)
		if seen[key] {
			return fmt.Errorf("%s: port %s is published twice by the service; publish it once", at, key)
		}
		seen[key] = true
		idProto := proto
		if implicit, _ := port.Extensions[compose.ImplicitProtocol].(bool); implicit {
			idProto = ""
		}
		p.ports = append(p.ports, portPlan{target: port.Target, published: published, protocol: proto, http: http, idProtocol: idProto})
	}
	return mergeTCPAndUDP(p)
}

// mergeTCPAndUDP folds a port published for both tcp and udp into one entry: a network load balancer cannot have a
// TCP and a UDP listener on one port, only a TCP_UDP listener forwarding to one container port.
func mergeTCPAndUDP(p *servicePlan) error {
	var out []portPlan
	for _, port := range p.ports {
		merged := false
		for i := range out {
			if out[i].published != port.published || out[i].protocol == port.protocol {
				continue
			}
			if out[i].target != port.target {
				return fmt.Errorf("services.%s.ports: port %d is published for tcp and udp to different container ports (%d, %d); one TCP_UDP listener forwards to one port, so use the same container port", p.svc.Name, port.published, out[i].target, port.target)
			}
			out[i].protocol, out[i].idProtocol, out[i].tcpAndUDP, out[i].http = "tcp", "tcp", true, false
			merged = true
		}
		if !merged {
			out = append(out, port)
		}
	}
	p.ports = out
	return nil
}

// placeNetworkModes gives a network to every service that has network_mode instead of networks: an awsvpc task with
// no security group would get the VPC's default group, reach no other service and mount no volume. A service
// sharing another's namespace (service:<name>) joins that service's networks, any other the default network.
func (r *renderer) placeNetworkModes() error {
	for _, svc := range r.services {
		p := r.plans[svc.Name]
		if svc.NetworkMode == "" || len(p.networks) > 0 {
			continue
		}
		at := "services." + svc.Name + ".network_mode"
		// Follow service:<name> links, which may chain, to the service that has networks.
		from := svc.Name
		for seen := map[string]bool{}; !seen[from]; {
			seen[from] = true
			target, ok := strings.CutPrefix(r.project.Services[from].NetworkMode, "service:")
			if !ok {
				break
			}
			if other, enabled := r.plans[target]; enabled && len(other.networks) > 0 {
				p.networks = other.networks
				r.warnf(at, "tasks always have their own network interface; %s runs in its own task on the networks of %s (%s) and reaches it by name, not on localhost", svc.Name, target, strings.Join(p.networks, ", "))
				break
			}
			from = target
		}
		if len(p.networks) > 0 {
			continue
		}
		// host is converted, not refused: a task has its own interface, on which the service listens as it did
		// on the host's, and its ports are published through the load balancer; only the default network is
		// needed to give it security groups.
		hostHint := ""
		if svc.NetworkMode == "host" {
			hostHint = "; removing network_mode: host is enough: the service listens on its task's own address and its ports are published through the load balancer"
		}
		if _, ok := r.project.Networks["default"]; !ok {
			return fmt.Errorf("%s: %q is not possible on ECS, where every task has its own network interface, and the project has no default network to put %s on; remove network_mode and list the service's networks%s", at, svc.NetworkMode, svc.Name, hostHint)
		}
		p.networks = []string{"default"}
		r.warnf(at, "%q is not possible on ECS, where every task has its own network interface; the service joins the default network%s", svc.NetworkMode, hostHint)
	}
	return nil
}

// planDeployment works out replicas, deployment percentages and auto scaling.
func planDeployment(p *servicePlan) error {
	at := "services." + p.svc.Name + ".deploy"
	d := p.svc.Deploy
	if d == nil {
		return nil
	}
	if uc := d.UpdateConfig; uc != nil {
		minV, hasMin, err := extInt(uc.Extensions, xMinPercent, at+".update_config")
		if err != nil {
			return err
		}
		maxV, hasMax, err := extInt(uc.Extensions, xMaxPercent, at+".update_config")
		if err != nil {
			return err
		}
		if uc.Parallelism != nil && (!hasMin || !hasMax) {
			if d.Replicas == nil {
				return fmt.Errorf("%s.update_config.parallelism: a rolling update needs deploy.replicas to be set; set it", at)
			}
			replicas, par := *d.Replicas, int(*uc.Parallelism)
			if replicas < par || replicas == 0 {
				return fmt.Errorf("%s.update_config.parallelism: deploy.replicas (%d) must be at least deploy.update_config.parallelism (%d); lower parallelism", at, replicas, par)
			}
			p.minPercent = (replicas - par) * 100 / replicas
			p.maxPercent = (replicas + par) * 100 / replicas
		}
		if hasMin {
			p.minPercent = minV
		}
		if hasMax {
			p.maxPercent = maxV
		}
		if p.minPercent < 0 || p.minPercent > 100 {
			return fmt.Errorf("%s.update_config.%s: %d is outside 0-100", at, xMinPercent, p.minPercent)
		}
		if p.maxPercent < 100 || p.maxPercent > 200 {
			return fmt.Errorf("%s.update_config.%s: %d is outside 100-200", at, xMaxPercent, p.maxPercent)
		}
	}
	return planScaling(p, d.Extensions, at)
}

func planScaling(p *servicePlan, ext types.Extensions, at string) error {
	raw, ok := ext[xAutoscaling]
	if !ok {
		return nil
	}
	at += "." + xAutoscaling
	m, ok := raw.(map[string]any)
	if !ok {
		return wrongType(at, "a mapping with min, max and cpu or memory", raw)
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		switch k {
		case "min", "max", "cpu", "memory":
		default:
			return fmt.Errorf("%s.%s: unknown key; use min, max and cpu or memory", at, k)
		}
	}
	s := &scaling{}
	var err error
	var has bool
	if s.max, has, err = extInt(m, "max", at); err != nil {
		return err
	} else if !has {
		return fmt.Errorf("%s: max (the most replicas) is required; set it", at)
	}
	if s.min, _, err = extInt(m, "min", at); err != nil {
		return err
	}
	cpu, hasCPU, err := extInt(m, "cpu", at)
	if err != nil {
		return err
	}
	mem, hasMem, err := extInt(m, "memory", at)
	if err != nil {
		return err
	}
	switch {
	case hasCPU && hasMem:
		return fmt.Errorf("%s: set either a cpu or a memory target, not both", at)
	case hasCPU:
		s.metric, s.target = "ECSServiceAverageCPUUtilization", cpu
	case hasMem:
		s.metric, s.target = "ECSServiceAverageMemoryUtilization", mem
	default:
		return fmt.Errorf("%s: set a cpu or memory target utilisation in percent", at)
	}
	if s.min < 0 || s.max < 1 || s.min > s.max {
		return fmt.Errorf("%s: min (%d) and max (%d) must satisfy 0 <= min <= max and max >= 1", at, s.min, s.max)
	}
	if s.target < 1 || s.target > 100 {
		return fmt.Errorf("%s: the target utilisation %d must be between 1 and 100 percent", at, s.target)
	}
	p.scaling = s
	return nil
}

// extInt reads an integer extension value; YAML may give it as an int, a float or a string.
func extInt(ext map[string]any, key, at string) (int, bool, error) {
	v, ok := ext[key]
	if !ok || v == nil {
		return 0, false, nil
	}
	switch t := v.(type) {
	case int:
		return t, true, nil
	case int64:
		return int(t), true, nil
	case uint64:
		return int(t), true, nil
	case float64:
		if t == float64(int(t)) {
			return int(t), true, nil
		}
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(t)); err == nil {
			return n, true, nil
		}
	}
	return 0, false, wrongType(strings.TrimPrefix(at+"."+key, "."), "a whole number", v)
}
