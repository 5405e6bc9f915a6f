// Package charts renders this directory's Helm charts with Helm's Go API, as `helm template` does, so that
// tests can check what a chart installs without a helm binary or a download.
package charts

import (
	"fmt"
	"path"

	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// Release names the release a chart is rendered as.
type Release struct {
	Name, Namespace string
}

// Render renders the chart in dir with values as release r, the way `helm template` does (client-side, with
// Helm's default capabilities, the values checked against the chart's schema), and returns its objects in
// Helm's install order. The CRDs in crds/ are not templates and are not returned.
func Render(dir string, r Release, values map[string]any) ([]*unstructured.Unstructured, error) {
	chrt, err := loader.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("loading chart %s: %w", dir, err)
	}
	opts := common.ReleaseOptions{Name: r.Name, Namespace: r.Namespace, Revision: 1, IsInstall: true}
	vals, err := chartutil.ToRenderValues(chrt, values, opts, common.DefaultCapabilities)
	if err != nil {
		return nil, fmt.Errorf("values for chart %s: %w", dir, err)
	}
	files, err := engine.Render(chrt, vals)
	if err != nil {
		return nil, fmt.Errorf("rendering chart %s: %w", dir, err)
	}
	for name := range files {
		// NOTES.txt is text for the person installing, not a manifest.
		if path.Base(name) == "NOTES.txt" {
			delete(files, name)
		}
	}
	hooks, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return nil, fmt.Errorf("sorting chart %s: %w", dir, err)
	}
	if len(hooks) > 0 {
		return nil, fmt.Errorf("chart %s: hooks are not expected, found %s", dir, hooks[0].Path)
	}
	objs := make([]*unstructured.Unstructured, 0, len(manifests))
	for _, m := range manifests {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(m.Content), &u.Object); err != nil {
			return nil, fmt.Errorf("decoding %s of chart %s: %w", m.Name, dir, err)
		}
		objs = append(objs, u)
	}
	return objs, nil
}
