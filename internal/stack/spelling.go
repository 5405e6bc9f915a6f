package stack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"go.yaml.in/yaml/v4"

	"github.com/composestack/composestack/internal/cfnyaml"
)

// liveSpelling returns the template to send for an update of stackName: body, with each value that AWS reads
// alike but that the live template spells differently written as the live template has it. CloudFormation
// compares spellings, not meanings: a service's Cluster given as the name where the stack has the ARN, or an
// ingress rule's IpProtocol "tcp" where it has "TCP", would replace the resource (and the new rule would
// duplicate the live one, which EC2 refuses). So both stacks that Docker Compose for ECS made and stacks that
// earlier composestack versions made keep their resources. It also keeps the task definitions that an adoption
// deferred (deferTaskDefinitions); adopting says this update is the adoption. The live template is read only when
// an update is about to be proposed.
func (d *Driver) liveSpelling(ctx context.Context, stackName string, body []byte, adopting bool) ([]byte, error) {
	out, err := d.cf.GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: aws.String(stackName)})
	if err != nil {
		return nil, fmt.Errorf("reading the template of stack %s: %w", stackName, err)
	}
	return keepSpelling(body, []byte(aws.ToString(out.TemplateBody)), adopting)
}

// keepSpelling is liveSpelling's rewrite: body unchanged when nothing is respelled or kept.
func keepSpelling(body, live []byte, adopting bool) ([]byte, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(live, &n); err != nil {
		return body, nil //nolint:nilerr // a live template that cannot be read is not respelled; CloudFormation has it anyway
	}
	lv, err := cfnyaml.Value(&n, cfnyaml.Options{})
	if err != nil {
		return body, nil //nolint:nilerr // as above
	}
	liveRes := resourcesOf(lv)
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // numbers go back out as they came
	var want map[string]any
	if err := dec.Decode(&want); err != nil {
		return nil, fmt.Errorf("the template is not a JSON object: %w", err)
	}
	wantRes := resourcesOf(want)
	changed := false
	for id, w := range wantRes {
		l, ok := liveRes[id]
		if !ok || l["Type"] != w["Type"] {
			continue
		}
		wp, _ := w["Properties"].(map[string]any)
		lp, _ := l["Properties"].(map[string]any)
		if wp == nil || lp == nil {
			continue
		}
		switch w["Type"] {
		case "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress":
			ws, wok := wp["IpProtocol"].(string)
			ls, lok := lp["IpProtocol"].(string)
			if wok && lok && ws != ls && strings.EqualFold(ws, ls) {
				wp["IpProtocol"], changed = ls, true
			}
		case "AWS::ECS::Service":
			wc, lc := clusterRef(wp["Cluster"]), clusterRef(lp["Cluster"])
			if wc != "" && wc == lc && !jsonEqual(wp["Cluster"], lp["Cluster"]) && isCluster(wantRes[wc]) {
				wp["Cluster"], changed = lp["Cluster"], true
			}
		}
	}
	if deferTaskDefinitions(want, liveRes, adopting) {
		changed = true
	}
	if !changed {
		return body, nil
	}
	out, err := json.Marshal(want)
	if err != nil {
		return nil, fmt.Errorf("writing the template: %w", err)
	}
	return out, nil
}

func resourcesOf(tpl any) map[string]map[string]any {
	out := map[string]map[string]any{}
	m, _ := tpl.(map[string]any)
	res, _ := m["Resources"].(map[string]any)
	for id, r := range res {
		if rm, ok := r.(map[string]any); ok {
			out[id] = rm
		}
	}
	return out
}

// clusterRef is the logical ID a Cluster value names, as {"Ref": id} (the name) or {"Fn::GetAtt": [id, "Arn"]};
// "" for anything else.
func clusterRef(v any) string {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return ""
	}
	if id, ok := m["Ref"].(string); ok {
		return id
	}
	switch ga := m["Fn::GetAtt"].(type) {
	case []any:
		if len(ga) == 2 && ga[1] == "Arn" {
			id, _ := ga[0].(string)
			return id
		}
	case string:
		if id, ok := strings.CutSuffix(ga, ".Arn"); ok {
			return id
		}
	}
	return ""
}

func isCluster(r map[string]any) bool { return r != nil && r["Type"] == "AWS::ECS::Cluster" }

func jsonEqual(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}
