package main

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// cacheOptions turns --namespaces and --label-selector into the manager's cache options. --namespaces limits
// every object the manager reads (ComposeStacks and the ConfigMaps and Secrets they reference) to those
// namespaces; --label-selector limits only ComposeStacks and ComposeNetworks, so that instances can share them out.
func cacheOptions(o options) (cache.Options, error) {
	opts := cache.Options{}
	if ns := split(o.namespaces); len(ns) > 0 {
		opts.DefaultNamespaces = make(map[string]cache.Config, len(ns))
		for _, n := range ns {
			if errs := validation.IsDNS1123Label(n); len(errs) > 0 {
				return cache.Options{}, fmt.Errorf("--namespaces: %q is not a valid namespace name: %s", n, strings.Join(errs, "; "))
			}
			opts.DefaultNamespaces[n] = cache.Config{}
		}
	}
	if o.selector != "" {
		sel, err := labels.Parse(o.selector)
		if err != nil {
			return cache.Options{}, fmt.Errorf("--label-selector: %w", err)
		}
		// A network is sharded like the stacks: two instances must not both drive its stack, and only the
		// instance that sees the stacks using it can keep it while they do.
		opts.ByObject = map[client.Object]cache.ByObject{&csv1.ComposeStack{}: {Label: sel}, &csv1.ComposeNetwork{}: {Label: sel}}
	}
	return opts, nil
}
