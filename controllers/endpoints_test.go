package controllers_test

import (
	"testing"

	"k8s.io/utils/ptr"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/cfnlocal"
)

// TestEndpointsComeFromTheDeployedTemplate adds a port whose listener CloudFormation fails to create: while
// the stack still has the old template, status.endpoints shows only the old port; once the new template is
// deployed, it shows both.
func TestEndpointsComeFromTheDeployedTemplate(t *testing.T) {
	ns := newNamespace(t)
	obj := newStack(ns, "ports", webCompose)
	create(t, obj)
	got := waitStack(t, obj, "Ready", readyAt)
	if ports := listenerPorts(got); len(ports) != 1 || ports[0] != 80 {
		t.Fatalf("endpoints after create: %+v", got.Status.Endpoints)
	}
	dns := got.Status.Endpoints.LoadBalancerDNSName

	if err := cfn.AddResourceFault(cfnlocal.ResourceFault{
		StackName: csv1.DefaultStackName(ns, "ports"), ResourceType: "AWS::ElasticLoadBalancingV2::Listener", Operation: "CREATE",
		Reason: "Resource handler returned message: \"listener quota reached\"",
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cfn.ClearFaults)
	const twoPorts = webCompose + `      - "443:443"
`
	update(t, obj, func(o *csv1.ComposeStack) { o.Spec.Compose.Files[0].Inline = ptr.To(twoPorts) })
	got = waitStack(t, obj, "Stalled with StackFailed", stalledWith(csv1.ReasonStackFailed))
	if ports := listenerPorts(got); len(ports) != 1 || ports[0] != 80 || got.Status.Endpoints.LoadBalancerDNSName != dns {
		t.Fatalf("endpoints after a failed update: %+v; want only port 80 at %s, as deployed", got.Status.Endpoints, dns)
	}

	// With the cause gone, a new spec with the port deploys, and only then is the port an endpoint.
	cfn.ClearFaults()
	update(t, obj, func(o *csv1.ComposeStack) { o.Spec.Compose.Images = map[string]string{"web": "nginx:1.28"} })
	got = waitStack(t, obj, "Ready with two listeners", func(o *csv1.ComposeStack) bool {
		return readyAt(o) && len(listenerPorts(o)) == 2
	})
	if ports := listenerPorts(got); ports[0] != 80 || ports[1] != 443 || got.Status.Endpoints.LoadBalancerDNSName == "" {
		t.Fatalf("endpoints after the update: %+v", got.Status.Endpoints)
	}
}

// listenerPorts lists the ports of status.endpoints, in order.
func listenerPorts(o *csv1.ComposeStack) []int32 {
	if o.Status.Endpoints == nil {
		return nil
	}
	var ports []int32
	for _, l := range o.Status.Endpoints.Listeners {
		ports = append(ports, l.Port)
	}
	return ports
}
