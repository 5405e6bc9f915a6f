package stack_test

import (
	"strings"
	"testing"

	"github.com/composestack/composestack/internal/stack"
)

// What Docker's `up` sent: YAML with short tags.
const dockerLive = `Resources:
  Cluster:
    Type: AWS::ECS::Cluster
  WebService:
    Type: AWS::ECS::Service
    Properties:
      Cluster: !GetAtt Cluster.Arn
  Default80Ingress:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      IpProtocol: TCP
      FromPort: 80
`

func TestKeepSpellingWritesWhatAWSReadsAlikeAsTheLiveStackHasIt(t *testing.T) {
	body := `{"Resources":{"Cluster":{"Type":"AWS::ECS::Cluster"},` +
		`"WebService":{"Type":"AWS::ECS::Service","Properties":{"Cluster":{"Ref":"Cluster"},"DesiredCount":1}},` +
		`"Default80Ingress":{"Type":"AWS::EC2::SecurityGroupIngress","Properties":{"IpProtocol":"tcp","FromPort":80}}}}`
	got, err := stack.KeepSpelling([]byte(body), []byte(dockerLive), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"Cluster":{"Fn::GetAtt":["Cluster","Arn"]}`, `"IpProtocol":"TCP"`, `"DesiredCount":1`, `"FromPort":80`} {
		if !strings.Contains(string(got), want) {
			t.Errorf("respelled template lacks %s:\n%s", want, got)
		}
	}

	// Different meanings are never respelled, and a template with nothing to respell is sent as it is.
	other := strings.NewReplacer(`"tcp"`, `"udp"`, `{"Ref":"Cluster"}`, `"arn:aws:ecs:us-east-1:1:cluster/other"`).Replace(body)
	got, err = stack.KeepSpelling([]byte(other), []byte(dockerLive), false)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != other {
		t.Errorf("a different protocol or cluster was respelled:\n%s", got)
	}
	if got, _ := stack.KeepSpelling([]byte(body), []byte(body), false); string(got) != body {
		t.Errorf("a template matching the live one was rewritten:\n%s", got)
	}
}
