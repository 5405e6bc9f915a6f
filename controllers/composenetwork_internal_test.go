package controllers

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

func TestUsersPhrase(t *testing.T) {
	many := make([]string, 12)
	for i := range many {
		many[i] = fmt.Sprintf("s%02d", i)
	}
	cases := []struct {
		users []string
		want  string
	}{
		{[]string{"web"}, "ComposeStack web"},
		{[]string{"api", "web"}, "ComposeStacks api and web"},
		{[]string{"api", "db", "web"}, "ComposeStacks api, db and web"},
		{many, "ComposeStacks s00, s01, s02, s03, s04, s05, s06, s07, s08, s09 and 2 more"},
	}
	for _, c := range cases {
		if got := usersPhrase(c.users); got != c.want {
			t.Errorf("usersPhrase(%v) = %q, want %q", c.users, got, c.want)
		}
	}
}

// TestSetUsers checks status.usedBy within the API's bound, and the InUse condition present only while used.
func TestSetUsers(t *testing.T) {
	obj := &csv1.ComposeNetwork{ObjectMeta: metav1.ObjectMeta{Generation: 3}}
	users := make([]string, maxUsedBy+5)
	for i := range users {
		users[i] = fmt.Sprintf("app-%03d", i)
	}
	setUsers(obj, users)
	if len(obj.Status.UsedBy) != maxUsedBy || obj.Status.UsedBy[0] != "app-000" {
		t.Errorf("usedBy has %d entries from %v, want the first %d", len(obj.Status.UsedBy), obj.Status.UsedBy[:1], maxUsedBy)
	}
	c := meta.FindStatusCondition(obj.Status.Conditions, csv1.ConditionInUse)
	if c == nil || c.Status != metav1.ConditionTrue || c.Reason != csv1.ReasonNetworkInUse || c.ObservedGeneration != 3 ||
		!strings.Contains(c.Message, "app-000") || !strings.Contains(c.Message, "and 95 more") {
		t.Errorf("InUse = %+v", c)
	}
	setUsers(obj, nil)
	if obj.Status.UsedBy != nil || meta.FindStatusCondition(obj.Status.Conditions, csv1.ConditionInUse) != nil {
		t.Errorf("an unused network keeps %v and %v", obj.Status.UsedBy, obj.Status.Conditions)
	}
}

// TestNetworkChangedForStacks: the stacks of a network are looked at again when what they read of it changes,
// and not for every change of its status.
func TestNetworkChangedForStacks(t *testing.T) {
	exports := &csv1.NetworkExports{VPC: "n-VpcId", PublicSubnets: []string{"n-PublicSubnet1"}, PrivateSubnets: []string{"n-PrivateSubnet1"}}
	ready := func(reason, msg string) []metav1.Condition {
		return []metav1.Condition{{Type: csv1.ConditionReady, Status: metav1.ConditionFalse, Reason: reason, Message: msg}}
	}
	now := metav1.Now()
	cases := []struct {
		name     string
		old, cur csv1.ComposeNetwork
		want     bool
	}{
		{"exports published",
			csv1.ComposeNetwork{}, csv1.ComposeNetwork{Status: csv1.ComposeNetworkStatus{Exports: exports}}, true},
		{"being deleted",
			csv1.ComposeNetwork{Status: csv1.ComposeNetworkStatus{Exports: exports}},
			csv1.ComposeNetwork{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Status: csv1.ComposeNetworkStatus{Exports: exports}}, true},
		{"usedBy of a published network",
			csv1.ComposeNetwork{Status: csv1.ComposeNetworkStatus{Exports: exports}},
			csv1.ComposeNetwork{Status: csv1.ComposeNetworkStatus{Exports: exports, UsedBy: []string{"web"}}}, false},
		{"progress of a network not Ready yet",
			csv1.ComposeNetwork{Status: csv1.ComposeNetworkStatus{Conditions: ready("Progressing", "creating")}},
			csv1.ComposeNetwork{Status: csv1.ComposeNetworkStatus{Conditions: ready("StackFailed", "NAT gateway failed")}}, true},
		{"progress of a published network",
			csv1.ComposeNetwork{Status: csv1.ComposeNetworkStatus{Exports: exports, Conditions: ready("Progressing", "updating")}},
			csv1.ComposeNetwork{Status: csv1.ComposeNetworkStatus{Exports: exports, Conditions: ready("Progressing", "still updating")}}, false},
	}
	for _, c := range cases {
		if got := networkChangedForStacks(&c.old, &c.cur); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestNetworkExports: a ComposeStack reads the exports of its network once they are published, whatever the
// network does next, and waits, saying why, until then.
func TestNetworkExports(t *testing.T) {
	exports := &csv1.NetworkExports{VPC: "n-VpcId", PublicSubnets: []string{"n-PublicSubnet1"}, PrivateSubnets: []string{"n-PrivateSubnet1"}}
	now := metav1.Now()
	progressing := []metav1.Condition{{Type: csv1.ConditionReady, Status: metav1.ConditionFalse, Reason: csv1.ReasonProgressing,
		Message: "stack n is UPDATE_IN_PROGRESS", LastTransitionTime: now}}
	cases := []struct {
		name    string
		network *csv1.ComposeNetwork // nil: none
		want    string               // the waiting message's telling part; "" for the exports
	}{
		{"missing", nil, `ComposeNetwork "net" does not exist in namespace "ns"`},
		{"not published yet", &csv1.ComposeNetwork{Status: csv1.ComposeNetworkStatus{Conditions: progressing}},
			`waiting for ComposeNetwork "net" to be Ready (Progressing: stack n is UPDATE_IN_PROGRESS)`},
		{"being deleted", &csv1.ComposeNetwork{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now, Finalizers: []string{csv1.Finalizer}},
			Status: csv1.ComposeNetworkStatus{Exports: exports}}, `ComposeNetwork "net" is being deleted`},
		{"updating after publishing", &csv1.ComposeNetwork{Status: csv1.ComposeNetworkStatus{Exports: exports, Conditions: progressing}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			scheme := runtime.NewScheme()
			if err := csv1.AddToScheme(scheme); err != nil {
				t.Fatal(err)
			}
			b := fake.NewClientBuilder().WithScheme(scheme)
			if c.network != nil {
				c.network.Namespace, c.network.Name = "ns", "net"
				b = b.WithObjects(c.network)
			}
			r := &ComposeStackReconciler{Client: b.Build()}
			obj := &csv1.ComposeStack{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "app"},
				Spec: csv1.ComposeStackSpec{Network: &csv1.NetworkSpec{NetworkRef: &csv1.NetworkReference{Name: "net"}}}}
			got, err := r.networkExports(context.Background(), obj)
			var w *waitingError
			switch {
			case c.want == "" && (err != nil || !reflect.DeepEqual(got, exports)):
				t.Fatalf("got %+v, %v; want the exports", got, err)
			case c.want != "" && (!errors.As(err, &w) || w.reason != csv1.ReasonNetworkNotReady || !strings.Contains(w.message, c.want)):
				t.Fatalf("got %+v, %v; want NetworkNotReady saying %q", got, err, c.want)
			}
		})
	}
}
