package diagram

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

const smallTemplate = `{
  "Parameters": {"Subnets": {"Type": "String"}},
  "Resources": {
    "WebService": {"Type": "AWS::ECS::Service", "DependsOn": "WebTCP80Listener",
      "Properties": {"Cluster": {"Ref": "Cluster"}, "TaskDefinition": {"Ref": "WebTaskDefinition"},
        "Tags": [{"Key": "com.docker.compose.project", "Value": "p"}, {"Key": "com.docker.compose.service", "Value": "web"}]}},
    "WebTaskDefinition": {"Type": "AWS::ECS::TaskDefinition",
      "Properties": {"ExecutionRoleArn": {"Fn::GetAtt": ["WebTaskExecutionRole", "Arn"]},
        "Tags": [{"Key": "com.docker.compose.service", "Value": "web"}]}},
    "WebTaskExecutionRole": {"Type": "AWS::IAM::Role", "Properties": {"Tags": [{"Key": "com.docker.compose.service", "Value": "web"}]}},
    "WebScalingPolicy": {"Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties": {"Region": {"Ref": "AWS::Region"}}},
    "WebsocketService": {"Type": "AWS::ECS::Service", "Properties": {"Cluster": {"Ref": "Cluster"}}},
    "WebsocketScalingPolicy": {"Type": "AWS::ApplicationAutoScaling::ScalingPolicy"},
    "WebTCP80TargetGroup": {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": {"Tags": [{"Key": "com.docker.compose.service", "Value": "web"}]}},
    "WebTCP80Listener": {"Type": "AWS::ElasticLoadBalancingV2::Listener",
      "Properties": {"LoadBalancerArn": {"Ref": "LoadBalancer"}, "TargetGroupArn": {"Ref": "WebTCP80TargetGroup"}}},
    "LoadBalancer": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
      "Properties": {"Subnets": {"Ref": "Subnets"}, "Name": {"Fn::Sub": "${AWS::StackName}-${Subnets}"}, "Self": {"Ref": "LoadBalancer"}}},
    "WebSensitiveEnvironmentSecret": {"Type": "AWS::SecretsManager::Secret", "Properties": {"Tags": [{"Key": "com.docker.compose.service", "Value": "web"}]}},
    "DataFilesystem": {"Type": "AWS::EFS::FileSystem"},
    "DefaultNetwork": {"Type": "AWS::EC2::SecurityGroup"},
    "LaunchTemplate": {"Type": "AWS::EC2::LaunchTemplate"},
    "Cluster": {"Type": "AWS::ECS::Cluster"},
    "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"Name": {"Fn::ImportValue": "elsewhere"}}}
  }
}`

func TestFromTemplateGroups(t *testing.T) {
	g, err := FromTemplate([]byte(smallTemplate))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, grp := range g.Groups {
		var ids []string
		for _, n := range grp.Nodes {
			ids = append(ids, n.ID)
		}
		got = append(got, grp.Label()+": "+strings.Join(ids, " "))
	}
	want := []string{
		"network and security groups: DefaultNetwork",
		"load balancer: LoadBalancer WebTCP80Listener WebTCP80TargetGroup",
		"service Websocket: WebsocketScalingPolicy WebsocketService", // untagged: named by its logical-ID prefix
		"service web: WebScalingPolicy WebService WebTaskDefinition WebTaskExecutionRole",
		"storage: DataFilesystem",
		"secrets: WebSensitiveEnvironmentSecret",
		"cluster: Cluster LaunchTemplate",
		"parameters: Subnets",
		"other: Topic",
	}
	if !slices.Equal(got, want) {
		t.Errorf("groups:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestFromTemplateEdges(t *testing.T) {
	g, err := FromTemplate([]byte(smallTemplate))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range g.Edges {
		got = append(got, fmt.Sprintf("%s -%s-> %s", e.From, e.Kind, e.To))
	}
	// No edge to a pseudo parameter, an import or the resource itself.
	want := []string{
		"LoadBalancer -Fn::Sub-> Subnets",
		"LoadBalancer -Ref-> Subnets",
		"WebService -Ref-> Cluster",
		"WebService -DependsOn-> WebTCP80Listener",
		"WebService -Ref-> WebTaskDefinition",
		"WebTCP80Listener -Ref-> LoadBalancer",
		"WebTCP80Listener -Ref-> WebTCP80TargetGroup",
		"WebTaskDefinition -Fn::GetAtt-> WebTaskExecutionRole",
		"WebsocketService -Ref-> Cluster",
	}
	if !slices.Equal(got, want) {
		t.Errorf("edges:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Drawn, the Ref and the Fn::Sub of one resource are one line.
	if n := strings.Count(string(g.DOT()), `"LoadBalancer" -> "Subnets"`); n != 1 {
		t.Errorf("DOT draws LoadBalancer -> Subnets %d times, want once", n)
	}
	if n := strings.Count(string(g.Mermaid()), "r_LoadBalancer --> r_Subnets"); n != 1 {
		t.Errorf("Mermaid draws LoadBalancer --> Subnets %d times, want once", n)
	}
}

func TestFromTemplateRefuses(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":          `Resources: {}`,
		"no resources":      `{"Resources": {}}`,
		"odd logical ID":    `{"Resources": {"a-b": {"Type": "AWS::SNS::Topic"}}}`,
		"odd parameter ID":  `{"Parameters": {"end\"": {}}, "Resources": {"A": {"Type": "AWS::SNS::Topic"}}}`,
		"resources a list":  `{"Resources": []}`,
		"properties a list": `{"Resources": {"A": {"Type": "AWS::SNS::Topic", "Properties": []}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := FromTemplate([]byte(body))
			if name == "properties a list" {
				// Odd but harmless: nothing in it refers to anything, and the resource is still drawn.
				if err != nil {
					t.Errorf("FromTemplate: %v", err)
				}
				return
			}
			if err == nil {
				t.Error("FromTemplate accepted it")
			}
		})
	}
}

func TestQuoting(t *testing.T) {
	if got := dotQuote(`a"b\c`); got != `"a\"b\\c"` {
		t.Errorf("dotQuote = %s", got)
	}
	if got := mermaidQuote(`svc "x"`); got != `"svc #quot;x#quot;"` {
		t.Errorf("mermaidQuote = %s", got)
	}
}
