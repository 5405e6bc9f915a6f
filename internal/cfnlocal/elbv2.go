package cfnlocal

import (
	"encoding/base64"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// elbv2Version is the Elastic Load Balancing v2 API version the SDK sends.
const elbv2Version = "2015-12-01"

const elbv2Namespace = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"

// elbv2Op prefixes the operation names ELBv2 calls are counted (and faulted)
// under.
const elbv2Op = "elasticloadbalancing:"

const lbResourceType = "AWS::ElasticLoadBalancingV2::LoadBalancer"

// Limits of DescribeLoadBalancers.
const (
	elbv2MaxPageSize = 400
	elbv2MaxARNs     = 20
)

// elbv2MarkerPrefix marks the pagination markers this server hands out.
const elbv2MarkerPrefix = "cfnlocal-elbv2:"

type xmlLBState struct {
	Code string `xml:"Code"`
}

type xmlLBAvailabilityZone struct {
	ZoneName string `xml:"ZoneName,omitempty"`
	SubnetID string `xml:"SubnetId"`
}

type xmlLoadBalancer struct {
	LoadBalancerArn       string                  `xml:"LoadBalancerArn"`
	DNSName               string                  `xml:"DNSName"`
	CanonicalHostedZoneID string                  `xml:"CanonicalHostedZoneId"`
	CreatedTime           string                  `xml:"CreatedTime,omitempty"`
	LoadBalancerName      string                  `xml:"LoadBalancerName"`
	Scheme                string                  `xml:"Scheme"`
	VpcID                 string                  `xml:"VpcId,omitempty"`
	State                 xmlLBState              `xml:"State"`
	Type                  string                  `xml:"Type"`
	AvailabilityZones     []xmlLBAvailabilityZone `xml:"AvailabilityZones>member"`
	SecurityGroups        []string                `xml:"SecurityGroups>member"`
	IPAddressType         string                  `xml:"IpAddressType"`
}

// xmlLoadBalancers wraps the list so an empty result still has its element.
type xmlLoadBalancers struct {
	Members []xmlLoadBalancer `xml:"member"`
}

type describeLoadBalancersResult struct {
	LoadBalancers xmlLoadBalancers `xml:"LoadBalancers"`
	NextMarker    string           `xml:"NextMarker,omitempty"`
}

// writeELBv2Error writes the query protocol's <ErrorResponse> in ELBv2's namespace.
func writeELBv2Error(w http.ResponseWriter, requestID string, e *apiError) {
	writeQueryErrorIn(elbv2Namespace, w, requestID, e)
}

// serveELBv2 serves the Elastic Load Balancing v2 query API: only
// DescribeLoadBalancers, over the load balancers of the live stacks.
func (s *Server) serveELBv2(w http.ResponseWriter, r *http.Request) {
	id := s.requestID()
	if err := r.ParseForm(); err != nil {
		writeELBv2Error(w, id, senderError("MalformedQueryString", "cannot parse request: %s", err.Error()))
		return
	}
	f := form(r.PostForm)
	action, version := f.get("Action"), f.get("Version")
	supported := action == "DescribeLoadBalancers" && (version == "" || version == elbv2Version)
	op := elbv2Op + action
	if !supported {
		op = elbv2Op + "Unsupported"
	}
	if _, done := s.answerQueryFault(w, r, op, id, writeELBv2Error); done {
		return
	}
	if !supported {
		var aerr *apiError
		switch {
		case action == "":
			aerr = senderError(codeMissingAction, "Missing Action")
		case version != "" && version != elbv2Version:
			aerr = senderError(codeInvalidAction, "cfnlocal does not support Elastic Load Balancing API version %s (action %s); only DescribeLoadBalancers of version %s is served", version, action, elbv2Version)
		default:
			aerr = senderError(codeInvalidAction, "cfnlocal does not support the Elastic Load Balancing action %s; only DescribeLoadBalancers is served", action)
		}
		s.countCall(op, aerr.Code)
		writeELBv2Error(w, id, aerr)
		return
	}
	result, aerr := s.describeLoadBalancers(f)
	if aerr != nil {
		s.countCall(op, aerr.Code)
		writeELBv2Error(w, id, aerr)
		return
	}
	s.countCall(op, "OK")
	writeQueryResult(w, elbv2Namespace, action, id, result)
}

// describeLoadBalancers answers DescribeLoadBalancers. Load balancers are
// listed in ARN order; the marker names the last one returned, so pages stay
// consistent while stacks come and go.
func (s *Server) describeLoadBalancers(f form) (any, *apiError) {
	arns, names := f.list("LoadBalancerArns.member"), f.list("Names.member")
	if len(arns) > 0 && len(names) > 0 {
		return nil, validationError("Load balancer names and load balancer ARNs cannot be specified at the same time")
	}
	if len(arns) > elbv2MaxARNs {
		return nil, validationError("1 validation error detected: Value '[%s]' at 'loadBalancerArns' failed to satisfy constraint: Member must have length less than or equal to %d", strings.Join(arns, ", "), elbv2MaxARNs)
	}
	for _, a := range arns {
		if !strings.HasPrefix(a, "arn:") || !strings.Contains(a, ":loadbalancer/") {
			return nil, validationError("'%s' is not a valid load balancer ARN", a)
		}
	}
	pageSize := elbv2MaxPageSize
	if f.has("PageSize") {
		n, err := strconv.Atoi(f.get("PageSize"))
		if err != nil || n < 1 || n > elbv2MaxPageSize {
			return nil, validationError("1 validation error detected: Value '%s' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and %d", f.get("PageSize"), elbv2MaxPageSize)
		}
		pageSize = n
	}
	after := ""
	if m := f.get("Marker"); m != "" {
		b, err := base64.RawURLEncoding.DecodeString(m)
		if err != nil || !strings.HasPrefix(string(b), elbv2MarkerPrefix) {
			return nil, validationError("Invalid marker '%s'", m)
		}
		after = strings.TrimPrefix(string(b), elbv2MarkerPrefix)
	}

	all := s.liveLoadBalancers()
	var matched []xmlLoadBalancer
	switch {
	case len(arns) > 0:
		want := setOf(arns)
		found := map[string]bool{}
		for _, lb := range all {
			if want[lb.LoadBalancerArn] {
				matched = append(matched, lb)
				found[lb.LoadBalancerArn] = true
			}
		}
		if len(found) != len(want) {
			return nil, senderError("LoadBalancerNotFound", "One or more load balancers not found")
		}
	case len(names) > 0:
		want := setOf(names)
		found := map[string]bool{}
		for _, lb := range all {
			if want[lb.LoadBalancerName] {
				matched = append(matched, lb)
				found[lb.LoadBalancerName] = true
			}
		}
		var missing []string
		for _, n := range names {
			if !found[n] {
				missing = append(missing, n)
				found[n] = true // report each missing name once
			}
		}
		if len(missing) > 0 {
			return nil, senderError("LoadBalancerNotFound", "Load balancers '[%s]' not found", strings.Join(missing, ", "))
		}
	default:
		matched = all
	}

	res := describeLoadBalancersResult{LoadBalancers: xmlLoadBalancers{Members: []xmlLoadBalancer{}}}
	for _, lb := range matched {
		if after != "" && lb.LoadBalancerArn <= after {
			continue
		}
		if len(res.LoadBalancers.Members) == pageSize {
			last := res.LoadBalancers.Members[pageSize-1].LoadBalancerArn
			res.NextMarker = base64.RawURLEncoding.EncodeToString([]byte(elbv2MarkerPrefix + last))
			break
		}
		res.LoadBalancers.Members = append(res.LoadBalancers.Members, lb)
	}
	return res, nil
}

func setOf(vs []string) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// subnetPlacement is where a subnet is: its VPC and availability zone, either
// possibly unknown ("").
type subnetPlacement struct{ VpcID, AZ string }

// liveLoadBalancers describes every load balancer that exists in a live
// stack (created, and not deleted), sorted by ARN.
func (s *Server) liveLoadBalancers() []xmlLoadBalancer {
	s.mu.Lock()
	defer s.mu.Unlock()
	subnets := map[string]subnetPlacement{}
	for _, sn := range s.subnetsLocked() {
		subnets[sn.ID] = subnetPlacement{VpcID: sn.VpcID, AZ: sn.AZ}
	}
	var out []xmlLoadBalancer
	for _, st := range s.stacks {
		for _, r := range st.Resources {
			if r.Type == lbResourceType && resourceExists(r) {
				out = append(out, describeLoadBalancer(st, r, subnets))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LoadBalancerArn < out[j].LoadBalancerArn })
	return out
}

// resourceExists reports whether a stack resource has a physical resource:
// it was created and has not been deleted.
func resourceExists(r *resourceState) bool {
	return r.PhysicalID != "" && r.Status != "DELETE_COMPLETE"
}

// describeLoadBalancer builds the DescribeLoadBalancers entry of a load
// balancer resource, taking the values Fn::GetAtt gives from attribute; the
// caller holds mu.
func describeLoadBalancer(st *stack, r *resourceState, subnets map[string]subnetPlacement) xmlLoadBalancer {
	str := func(v any) string { s, _ := v.(string); return s }
	lb := xmlLoadBalancer{
		LoadBalancerArn:       r.PhysicalID,
		DNSName:               str(attribute(r, "DNSName")),
		CanonicalHostedZoneID: str(attribute(r, "CanonicalHostedZoneID")),
		CreatedTime:           awsTime(createdTime(st, r)),
		LoadBalancerName:      str(attribute(r, "LoadBalancerName")),
		Scheme:                propString(r.Props, "Scheme"),
		State:                 xmlLBState{Code: "active"},
		Type:                  propString(r.Props, "Type"),
		IPAddressType:         propString(r.Props, "IpAddressType"),
	}
	if lb.Scheme == "" {
		lb.Scheme = "internet-facing"
	}
	if lb.Type == "" {
		lb.Type = "application"
	}
	if lb.IPAddressType == "" {
		lb.IPAddressType = "ipv4"
	}
	ids := lbSubnetIDs(r.Props)
	for _, id := range ids {
		p := subnets[id]
		lb.AvailabilityZones = append(lb.AvailabilityZones, xmlLBAvailabilityZone{ZoneName: p.AZ, SubnetID: id})
		if lb.VpcID == "" {
			lb.VpcID = p.VpcID
		}
	}
	if len(ids) == 0 {
		// Without subnets the load balancer is taken to be in the default VPC.
		lb.VpcID = defaultVPCID
	}
	if groups := stringList(r.Props["SecurityGroups"]); len(groups) > 0 {
		lb.SecurityGroups = groups
	} else if lb.Type == "application" {
		lb.SecurityGroups = stringList(attribute(r, "SecurityGroups"))
	}
	return lb
}

// lbSubnetIDs returns the subnets of a load balancer, from Subnets or
// SubnetMappings.
func lbSubnetIDs(props map[string]any) []string {
	if ids := stringList(props["Subnets"]); len(ids) > 0 {
		return ids
	}
	var ids []string
	if maps, ok := props["SubnetMappings"].([]any); ok {
		for _, m := range maps {
			if mm, ok := m.(map[string]any); ok {
				if id := propString(mm, "SubnetId"); id != "" {
					ids = append(ids, id)
				}
			}
		}
	}
	return ids
}

// stringList returns the strings of a list property value.
func stringList(v any) []string {
	items, _ := v.([]any)
	out := make([]string, 0, len(items))
	for _, it := range items {
		if s, ok := it.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// createdTime is when the resource's current physical resource was created:
// the first event that carries its physical ID, or its last update when the
// bounded event list no longer holds that event. The caller holds mu.
func createdTime(st *stack, r *resourceState) time.Time {
	for _, e := range st.Events {
		if e.LogicalID == r.LogicalID && e.ResourceType == r.Type && e.PhysicalID == r.PhysicalID {
			return e.Time
		}
	}
	return r.Updated
}
