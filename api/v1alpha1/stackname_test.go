package v1alpha1

import (
	"regexp"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var stackNamePattern = regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]{0,127}$`)

func TestDefaultStackName(t *testing.T) {
	pairs := [][2]string{{"a", "b-c"}, {"a-b", "c"}, {"team", "web"}, {"1ns", "x.y.z"}, {strings.Repeat("n", 63), strings.Repeat("m", 253)}}
	seen := map[string][2]string{}
	for _, p := range pairs {
		got := DefaultStackName(p[0], p[1])
		if !stackNamePattern.MatchString(got) {
			t.Errorf("DefaultStackName(%q, %q) = %q: not a valid stack name", p[0], p[1], got)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("%v and %v share the stack name %q", other, p, got)
		}
		seen[got] = p
		if again := DefaultStackName(p[0], p[1]); again != got {
			t.Errorf("DefaultStackName is not stable: %q then %q", got, again)
		}
	}
	if got := DefaultStackName("team", "web"); !strings.HasPrefix(got, "team-web-") {
		t.Errorf("DefaultStackName(team, web) = %q: the readable part is lost", got)
	}
}

func TestStackNameKeepsTheRecordedName(t *testing.T) {
	obj := &ComposeStack{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "b"}}
	if got := obj.StackName(); got != DefaultStackName("a", "b") {
		t.Errorf("new object: StackName = %q", got)
	}
	obj.Status.StackName = "a-b" // recorded under the old default
	if got := obj.StackName(); got != "a-b" {
		t.Errorf("recorded object: StackName = %q, want the recorded a-b", got)
	}
	obj.Spec.Stack.Name = "explicit"
	if got := obj.StackName(); got != "explicit" {
		t.Errorf("StackName = %q, want spec.stack.name", got)
	}
}

func TestNetworkStackNameDiffersFromTheSameNamedStack(t *testing.T) {
	net := &ComposeNetwork{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}}
	got := net.StackName()
	if got == DefaultStackName("shop", "web") {
		t.Errorf("ComposeNetwork shop/web and ComposeStack shop/web share the stack name %q", got)
	}
	if !stackNamePattern.MatchString(got) || !strings.HasPrefix(got, "shop-web-") {
		t.Errorf("ComposeNetwork shop/web: stack name %q is not <namespace>-<name>-<hash>", got)
	}
	net.Status.StackName = "recorded"
	if net.StackName() != "recorded" {
		t.Errorf("StackName = %q, not the recorded name", net.StackName())
	}
	net.Spec.Stack.Name = "given"
	if net.StackName() != "given" {
		t.Errorf("StackName = %q, not spec.stack.name", net.StackName())
	}
}
