package network

import (
	"strconv"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// OutputVPC is the stack output (and export suffix) that holds the VPC ID; the subnets' outputs are
// PublicSubnet<n> and PrivateSubnet<n>, n counting zones from 1.
const OutputVPC = "VpcId"

// PublicSubnetOutput is the stack output that holds the public subnet of zone n (from 1).
func PublicSubnetOutput(n int) string { return "PublicSubnet" + strconv.Itoa(n) }

// PrivateSubnetOutput is the stack output that holds the private subnet of zone n (from 1).
func PrivateSubnetOutput(n int) string { return "PrivateSubnet" + strconv.Itoa(n) }

// ExportNames are the names under which a network stack exports its VPC and subnets: the stack name, a dash and
// the output's name, so they are known before the stack exists and unique in the region as stack names are.
// zones is the spec's; 0 is DefaultZones, as in Input.
func ExportNames(stackName string, zones int) csv1.NetworkExports {
	if zones == 0 {
		zones = DefaultZones
	}
	out := csv1.NetworkExports{
		VPC:            exportName(stackName, OutputVPC),
		PublicSubnets:  make([]string, 0, zones),
		PrivateSubnets: make([]string, 0, zones),
	}
	for n := 1; n <= zones; n++ {
		out.PublicSubnets = append(out.PublicSubnets, exportName(stackName, PublicSubnetOutput(n)))
		out.PrivateSubnets = append(out.PrivateSubnets, exportName(stackName, PrivateSubnetOutput(n)))
	}
	return out
}

func exportName(stackName, output string) string { return stackName + "-" + output }
