package render

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation/elasticloadbalancingv2"
	"k8s.io/utils/ptr"

	"github.com/composestack/composestack/internal/limits"
)

var lbARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer/(app|net)/[A-Za-z0-9-]+/[a-f0-9]+$`)

// planLoadBalancer decides whether the project needs a load balancer and of which type. As in Docker, an
// application load balancer is used only when every published port is HTTP (80, 443 or x-aws-protocol http/https);
// otherwise a network load balancer.
func (r *renderer) planLoadBalancer() error {
	anyPorts, allHTTP := false, true
	published := map[uint32]string{} // port -> service
	for _, svc := range r.services {
		for _, port := range r.plans[svc.Name].ports {
			anyPorts = true
			allHTTP = allHTTP && port.http
			if other, ok := published[port.published]; ok {
				return fmt.Errorf("services.%s.ports: port %d is also published by service %s, and one load balancer listener serves one port; publish a different port", svc.Name, port.published, other)
			}
			published[port.published] = svc.Name
		}
	}
	if len(published) > limits.ListenersPerLoadBalancer {
		return fmt.Errorf("services.*.ports: the project publishes %d ports, and each is a load balancer listener, of which a load balancer has at most %d; publish fewer ports", len(published), limits.ListenersPerLoadBalancer)
	}
	ext, hasExt := r.needs.LoadBalancer, r.needs.LoadBalancer != ""
	if !anyPorts {
		if hasExt {
			r.warnf(xLoadBalancer, "no service publishes a port, so the load balancer is not used")
		}
		return nil
	}
	r.lbType = "network"
	if allHTTP {
		r.lbType = "application"
	}
	if hasExt {
		return r.useExistingLoadBalancer(ext)
	}
	if r.lbType == "network" && r.opts.Network.IngressCIDR != "" && r.opts.Network.IngressCIDR != "0.0.0.0/0" {
		r.warnf("network.ingressCIDR", "the network load balancer's health checks come from its own addresses in the VPC, which %s must include, or the targets stay unhealthy", r.opts.Network.IngressCIDR)
	}
	r.createLB = true
	scheme := "internet-facing"
	if r.opts.Network.InternalLoadBalancer {
		scheme = "internal"
	}
	lb := &elasticloadbalancingv2.LoadBalancer{
		Scheme:  ptr.To(scheme),
		Subnets: r.loadBalancerSubnets(),
		Type:    ptr.To(r.lbType),
		Tags:    r.projectTags(),
	}
	if r.lbType == "application" {
		for _, n := range slices.Sorted(maps.Keys(r.securityGroup)) {
			lb.SecurityGroups = append(lb.SecurityGroups, r.securityGroup[n])
		}
	} else {
		lb.LoadBalancerAttributes = []elasticloadbalancingv2.LoadBalancer_LoadBalancerAttribute{
			{Key: ptr.To("load_balancing.cross_zone.enabled"), Value: ptr.To("true")},
		}
	}
	r.tpl.Resources[loadBalancerID] = lb
	r.lbARN = r.in.ref(loadBalancerID)
	return nil
}

// useExistingLoadBalancer attaches the listeners to the load balancer x-aws-loadbalancer names, after checking
// that it is of the type the ports need and in the stack's VPC.
func (r *renderer) useExistingLoadBalancer(ext string) error {
	existing := r.opts.Network.LoadBalancer
	if existing == nil {
		// Offline (the CLI): only an ARN says the type without asking AWS.
		m := lbARNPattern.FindStringSubmatch(ext)
		if m == nil {
			return fmt.Errorf("%s: %q is not a load balancer ARN, and the load balancer was not looked up; give its ARN (arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app|net/<name>/<id>), or deploy with the controller, which looks names up in AWS", xLoadBalancer, ext)
		}
		existing = &ExistingLoadBalancer{ARN: ext, Type: map[string]string{"app": "application", "net": "network"}[m[1]]}
	}
	if existing.Type != r.lbType {
		return fmt.Errorf("%s: load balancer %q is of type %s, but the project needs a %s load balancer (an application load balancer only when every published port is HTTP); use a %s load balancer", xLoadBalancer, ext, existing.Type, r.lbType, r.lbType)
	}
	if existing.VPCID != "" && strings.HasPrefix(r.vpc, "vpc-") && existing.VPCID != r.vpc {
		return fmt.Errorf("%s: load balancer %q is in VPC %s, but the stack deploys into VPC %s; deploy into the load balancer's VPC, or name a load balancer in VPC %s", xLoadBalancer, ext, existing.VPCID, r.vpc, r.vpc)
	}
	r.lbARN = existing.ARN
	return nil
}

// addPortResources writes the target group, listener and security group ingress of one published port, and returns
// the listener ID (the service waits for it) and the ECS load balancer entry.
func (r *renderer) addPortResources(p *servicePlan, port portPlan) (string, string) {
	svc := p.svc.Name
	protocol := strings.ToUpper(port.protocol)
	switch {
	case r.lbType == "application":
		protocol = "HTTP" // HTTPS needs a certificate: add it with an overlay
	case port.tcpAndUDP:
		protocol = "TCP_UDP"
	}
	tgID := targetGroupID(svc, port.idProtocol, port.published)
	tg := &elasticloadbalancingv2.TargetGroup{
		Port:       ptr.To(int(port.target)),
		Protocol:   ptr.To(protocol),
		TargetType: ptr.To("ip"),
		VpcId:      ptr.To(r.vpc),
		Tags:       r.serviceTags(svc),
	}
	if protocol == "TCP" {
		// A network load balancer has no security group here: tasks see the client's address, so the ingress CIDR
		// on their security group filters clients (UDP target groups always preserve it).
		tg.TargetGroupAttributes = []elasticloadbalancingv2.TargetGroup_TargetGroupAttribute{
			{Key: ptr.To("preserve_client_ip.enabled"), Value: ptr.To("true")},
		}
	}
	r.tpl.Resources[tgID] = tg
	lID := listenerID(svc, port.idProtocol, port.published)
	r.tpl.Resources[lID] = &elasticloadbalancingv2.Listener{
		DefaultActions: []elasticloadbalancingv2.Listener_Action{{
			Type: "forward",
			ForwardConfig: &elasticloadbalancingv2.Listener_ForwardConfig{
				TargetGroups: []elasticloadbalancingv2.Listener_TargetGroupTuple{{TargetGroupArn: ptr.To(r.in.ref(tgID))}},
			},
		}},
		LoadBalancerArn: r.lbARN,
		Port:            ptr.To(int(port.published)),
		Protocol:        ptr.To(protocol),
	}
	r.listeners = append(r.listeners, listenerRef{id: lID, service: svc})
	for _, n := range p.networks {
		r.addPortIngress(svc, n, port.target, port.protocol)
		if port.tcpAndUDP {
			r.addPortIngress(svc, n, port.target, "udp")
		}
		if r.lbType == "application" && port.published != port.target {
			// Clients reach the application load balancer, which shares the network's group, on the published port.
			r.addPortIngress(svc, n, port.published, port.protocol)
		}
	}
	return lID, tgID
}
