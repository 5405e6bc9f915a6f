package compose

import (
	"context"
	"reflect"
	"testing"
)

// Prepare then Prepared.Load runs compose-go once; the result must be what Load alone returns.
func TestPrepareThenLoad(t *testing.T) {
	ctx := context.Background()
	for name, src := range map[string]Source{
		"seed":      seed(t, "main"),
		"unset var": compose("services:\n  app:\n    image: nginx:${TAG}\n"),
	} {
		t.Run(name, func(t *testing.T) {
			want := load(t, src)
			p, err := Prepare(ctx, src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Load(src.Supporting)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Prepare+Load differs from Load:\n%+v\n%+v", got, want)
			}
			if _, err := p.Load(src.Supporting); err == nil {
				t.Error("a second Load of the same Prepared project was accepted; it would reuse a completed project")
			}
		})
	}
}
