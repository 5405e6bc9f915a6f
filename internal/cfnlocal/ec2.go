package cfnlocal

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
)

// ec2Version is the EC2 API version the SDK sends.
const ec2Version = "2016-11-15"

const ec2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

// The default VPC and its subnets, one per availability zone, that the
// driver's lookups find.
const (
	defaultVPCID   = "vpc-0cf10c41000000001"
	defaultVPCCIDR = "172.31.0.0/16"
)

// ec2Subnet is a subnet as DescribeSubnets shows it.
type ec2Subnet struct {
	ID, VpcID, AZ, CIDR  string
	Default, MapPublicIP bool
}

func (s *Server) defaultSubnets() []ec2Subnet {
	zones := availabilityZones(s.opts.Region)
	out := make([]ec2Subnet, len(zones))
	for i, az := range zones {
		out[i] = ec2Subnet{
			ID: fmt.Sprintf("subnet-0cf10c4100000000%d", i+1), VpcID: defaultVPCID, AZ: az,
			CIDR: fmt.Sprintf("172.31.%d.0/20", 16*i), Default: true, MapPublicIP: true,
		}
	}
	return out
}

// ec2Error is EC2's error document, which differs from the query protocol's.
type ec2Error struct {
	XMLName   xml.Name `xml:"Response"`
	Code      string   `xml:"Errors>Error>Code"`
	Message   string   `xml:"Errors>Error>Message"`
	RequestID string   `xml:"RequestID"`
}

func writeEC2Error(w http.ResponseWriter, id string, status int, code, msg string) {
	body, _ := xml.Marshal(ec2Error{Code: code, Message: msg, RequestID: id})
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write(append([]byte(xml.Header), body...))
}

func writeEC2Result(w http.ResponseWriter, v any) {
	body, err := xml.Marshal(v)
	if err != nil {
		writeEC2Error(w, "", http.StatusInternalServerError, "InternalError", "cannot encode response: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append([]byte(xml.Header), body...))
}

type ec2Vpc struct {
	VpcID           string `xml:"vpcId"`
	OwnerID         string `xml:"ownerId"`
	State           string `xml:"state"`
	CidrBlock       string `xml:"cidrBlock"`
	DhcpOptionsID   string `xml:"dhcpOptionsId"`
	InstanceTenancy string `xml:"instanceTenancy"`
	IsDefault       bool   `xml:"isDefault"`
}

type describeVpcsResponse struct {
	XMLName   xml.Name `xml:"DescribeVpcsResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	RequestID string   `xml:"requestId"`
	Vpcs      []ec2Vpc `xml:"vpcSet>item"`
}

type ec2SubnetXML struct {
	SubnetID                string `xml:"subnetId"`
	SubnetArn               string `xml:"subnetArn"`
	VpcID                   string `xml:"vpcId"`
	OwnerID                 string `xml:"ownerId"`
	State                   string `xml:"state"`
	CidrBlock               string `xml:"cidrBlock"`
	AvailabilityZone        string `xml:"availabilityZone"`
	AvailabilityZoneID      string `xml:"availabilityZoneId"`
	AvailableIPAddressCount int    `xml:"availableIpAddressCount"`
	DefaultForAz            bool   `xml:"defaultForAz"`
	MapPublicIPOnLaunch     bool   `xml:"mapPublicIpOnLaunch"`
}

type describeSubnetsResponse struct {
	XMLName   xml.Name       `xml:"DescribeSubnetsResponse"`
	Xmlns     string         `xml:"xmlns,attr"`
	RequestID string         `xml:"requestId"`
	Subnets   []ec2SubnetXML `xml:"subnetSet>item"`
}

// ec2Filters reads Filter.N.Name / Filter.N.Value.M.
func ec2Filters(f form) map[string][]string {
	out := map[string][]string{}
	for _, i := range f.indices("Filter") {
		p := "Filter." + strconv.Itoa(i)
		out[f.get(p+".Name")] = append(out[f.get(p+".Name")], f.list(p+".Value")...)
	}
	return out
}

// matches reports whether every filter accepts the item's field values.
func matches(filters map[string][]string, fields map[string]string) bool {
	for name, values := range filters {
		v, known := fields[name]
		if !known {
			return false
		}
		ok := false
		for _, want := range values {
			if want == v {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (s *Server) serveEC2(w http.ResponseWriter, r *http.Request) {
	id := s.requestID()
	if err := r.ParseForm(); err != nil {
		writeEC2Error(w, id, http.StatusBadRequest, "InvalidParameterValue", "cannot parse request: "+err.Error())
		return
	}
	f := form(r.PostForm)
	action := f.get("Action")
	op := "ec2:" + action
	if action != "DescribeVpcs" && action != "DescribeSubnets" {
		op = "ec2:Unsupported"
	}
	switch s.injectFaults(w, r, op) {
	case FaultDrop:
		return
	case FaultThrottle:
		s.countCall(op, "RequestLimitExceeded")
		writeEC2Error(w, id, http.StatusServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded.")
		return
	case FaultServerError:
		s.countCall(op, "InternalError")
		writeEC2Error(w, id, http.StatusInternalServerError, "InternalError", "An internal error has occurred")
		return
	}
	filters := ec2Filters(f)
	switch action {
	case "DescribeVpcs":
		s.mu.Lock()
		vpcs := s.vpcsLocked()
		s.mu.Unlock()
		for _, v := range f.list("VpcId") {
			if !slices.ContainsFunc(vpcs, func(x ec2VPC) bool { return x.ID == v }) {
				s.countCall(op, "InvalidVpcID.NotFound")
				writeEC2Error(w, id, http.StatusBadRequest, "InvalidVpcID.NotFound", fmt.Sprintf("The vpc ID '%s' does not exist", v))
				return
			}
		}
		want := setOf(f.list("VpcId"))
		resp := describeVpcsResponse{Xmlns: ec2Namespace, RequestID: id}
		for _, v := range vpcs {
			isDefault := strconv.FormatBool(v.Default)
			fields := map[string]string{"vpc-id": v.ID, "isDefault": isDefault, "is-default": isDefault, "state": "available", "cidr": v.CIDR, "cidr-block": v.CIDR, "owner-id": s.opts.AccountID}
			if len(want) > 0 && !want[v.ID] || !matches(filters, fields) {
				continue
			}
			resp.Vpcs = append(resp.Vpcs, ec2Vpc{VpcID: v.ID, OwnerID: s.opts.AccountID, State: "available", CidrBlock: v.CIDR, DhcpOptionsID: "dopt-0cf10c41000000001", InstanceTenancy: "default", IsDefault: v.Default})
		}
		s.countCall(op, "OK")
		writeEC2Result(w, resp)
	case "DescribeSubnets":
		want := setOf(f.list("SubnetId"))
		s.mu.Lock()
		subnets := s.subnetsLocked()
		s.mu.Unlock()
		resp := describeSubnetsResponse{Xmlns: ec2Namespace, RequestID: id}
		found := map[string]bool{}
		for _, sn := range subnets {
			if len(want) > 0 && !want[sn.ID] {
				continue
			}
			found[sn.ID] = true
			isDefault := strconv.FormatBool(sn.Default)
			fields := map[string]string{"vpc-id": sn.VpcID, "subnet-id": sn.ID, "availability-zone": sn.AZ, "availabilityZone": sn.AZ,
				"default-for-az": isDefault, "defaultForAz": isDefault, "state": "available", "cidr-block": sn.CIDR, "owner-id": s.opts.AccountID}
			if !matches(filters, fields) {
				continue
			}
			resp.Subnets = append(resp.Subnets, ec2SubnetXML{
				SubnetID: sn.ID, SubnetArn: fmt.Sprintf("arn:aws:ec2:%s:%s:subnet/%s", s.opts.Region, s.opts.AccountID, sn.ID),
				VpcID: sn.VpcID, OwnerID: s.opts.AccountID, State: "available", CidrBlock: sn.CIDR, AvailabilityZone: sn.AZ,
				AvailabilityZoneID: zoneID(s.opts.Region, sn.AZ), AvailableIPAddressCount: availableAddresses(sn.CIDR), DefaultForAz: sn.Default, MapPublicIPOnLaunch: sn.MapPublicIP,
			})
		}
		for v := range want {
			if !found[v] {
				s.countCall(op, "InvalidSubnetID.NotFound")
				writeEC2Error(w, id, http.StatusBadRequest, "InvalidSubnetID.NotFound", fmt.Sprintf("The subnet ID '%s' does not exist", v))
				return
			}
		}
		s.countCall(op, "OK")
		writeEC2Result(w, resp)
	default:
		s.countCall(op, "InvalidAction")
		writeEC2Error(w, id, http.StatusBadRequest, "InvalidAction", fmt.Sprintf("The action %s is not valid for this web service.", action))
	}
}

// availableAddresses is what a new subnet of cidr offers: its addresses less the five AWS reserves.
func availableAddresses(cidr string) int {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() {
		return 0
	}
	return 1<<(32-p.Bits()) - 5
}
