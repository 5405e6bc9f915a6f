package render

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// Needs is what the caller must look up in AWS before Render, so that the rule for where a stack goes lives
// here and is applied once. A caller that looks nothing up (the offline CLI) still gets a template: the VPC
// and subnets become template parameters, and x-aws-loadbalancer must then be an ARN.
type Needs struct {
	// LoadBalancer is the name or ARN that x-aws-loadbalancer gives; "" without it. The caller looks it up
	// and passes it back as Network.LoadBalancer.
	LoadBalancer string
	// Subnets says the Network names no subnets, so the caller looks them up: in VPCID; without it in the
	// load balancer's VPC (its own subnets, as Docker Compose for ECS did), else in the account's default VPC.
	// A VPC given by export name (Network.VPCImport) has no ID to look subnets up in.
	Subnets bool
	// VPCID is the VPC the stack goes into: Network.VPCID, else the compose file's x-aws-vpc (an ID, or an
	// ARN whose last segment is the ID, as Docker read it). "" when neither names one, or the VPC comes from
	// Network.VPCImport.
	VPCID string
	// Volumes are the named volumes the template would create a file system for, sorted. The caller looks for
	// file systems that an earlier stack of the project retained, tagged with the project and the volume, and
	// passes back those it finds as Options.FileSystems.
	Volumes []string
}

// NeedsOf says what must be looked up to render project into net. Its errors name the compose field at
// fault.
func NeedsOf(project *types.Project, net Network) (Needs, error) {
	var needs Needs
	if project == nil {
		return needs, errors.New("no compose project to render")
	}
	lb, _, err := extensionString(project.Extensions, xLoadBalancer)
	if err != nil {
		return needs, err
	}
	xvpc, hasXVPC, err := extensionString(project.Extensions, xVPC)
	if err != nil {
		return needs, err
	}
	needs.LoadBalancer = lb
	for _, name := range slices.Sorted(maps.Keys(project.Volumes)) {
		if !project.Volumes[name].External {
			needs.Volumes = append(needs.Volumes, name)
		}
	}
	needs.Subnets = len(net.SubnetIDs) == 0 && len(net.SubnetImports) == 0
	switch {
	case net.VPCID != "":
		needs.VPCID = net.VPCID
	case net.VPCImport != "":
	case hasXVPC:
		needs.VPCID = vpcIDOf(xvpc)
		if !strings.HasPrefix(needs.VPCID, "vpc-") {
			return Needs{}, fmt.Errorf("%s: %q is not a VPC ID (vpc-...) or VPC ARN; set the ID of the VPC to deploy into", xVPC, xvpc)
		}
	}
	return needs, nil
}

// vpcIDOf reads a VPC ID or ARN: Docker accepted an ARN and used its last segment.
func vpcIDOf(s string) string { return s[strings.LastIndex(s, "/")+1:] }

// extensionString reads a top-level x- extension that must be a non-empty string; false when it is absent.
func extensionString(ext types.Extensions, key string) (string, bool, error) {
	v, ok := ext[key]
	if !ok || v == nil {
		return "", false, nil
	}
	s, isString := v.(string)
	if !isString || strings.TrimSpace(s) == "" {
		return "", false, wrongType(key, "a non-empty string", v)
	}
	return strings.TrimSpace(s), true, nil
}
