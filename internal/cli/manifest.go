package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"go.yaml.in/yaml/v4"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/compose"
	"github.com/composestack/composestack/internal/stack"
)

// readManifest reads a ComposeStack manifest (YAML or JSON, the first document) as kubectl would apply it.
// Unknown fields are refused, so a misspelt field fails the pipeline instead of being previewed without.
func readManifest(path string) (*csv1.ComposeStack, error) {
	obj := &csv1.ComposeStack{}
	if err := decodeManifest("--manifest", path, "ComposeStack", obj, &obj.TypeMeta, &obj.ObjectMeta); err != nil {
		return nil, err
	}
	return obj, nil
}

// decodeManifest reads the first document of the manifest at path (YAML or JSON) into obj, whose type and
// object metadata are meta and typ, refusing unknown fields, another kind and an empty name. flag names the
// option that gave path, for errors.
func decodeManifest(flag, path, kind string, obj any, typ *metav1.TypeMeta, meta *metav1.ObjectMeta) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%s %s: %w", flag, path, err)
	}
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%s %s: %w", flag, path, err)
	}
	js, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("%s %s: %w", flag, path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(obj); err != nil {
		return fmt.Errorf("%s %s: not a %s: %w", flag, path, kind, err)
	}
	if typ.Kind != kind || typ.APIVersion != csv1.GroupVersion.String() {
		return fmt.Errorf("%s %s: kind %q of %q, not %s of %s", flag, path, typ.Kind, typ.APIVersion, kind, csv1.GroupVersion)
	}
	if meta.Name == "" {
		return fmt.Errorf("%s %s: metadata.name is empty", flag, path)
	}
	return nil
}

// manifestInputs is what the controller's gatherInputs reads from obj, for the inline values only: the
// ConfigMaps and Secrets a manifest references live in a cluster that diff does not read.
func manifestInputs(obj *csv1.ComposeStack) (*inputs, error) {
	spec := obj.Spec.Compose
	in := &inputs{source: compose.Source{
		ProjectName: obj.ProjectName(),
		Profiles:    spec.Profiles,
		Images:      spec.Images,
		Variables:   map[string]string{},
	}}
	refused := func(field string) error {
		return fmt.Errorf("%s: diff reads no ConfigMaps or Secrets from a cluster; inline the value in the manifest, or give the compose files with -f and the convert flags", field)
	}
	if n := obj.Spec.Network; n != nil && n.NetworkRef != nil {
		return nil, errors.New("spec.network.networkRef: diff reads no ComposeNetwork from a cluster; give the compose files with -f and the network's exports as networkRef uses them: --vpc-import, --subnet-import (private subnets), --lb-subnet-import (public subnets) and --no-public-ip")
	}
	for i, f := range spec.Files {
		if f.Inline == nil {
			return nil, refused(fmt.Sprintf("spec.compose.files[%d]", i))
		}
		in.source.Files = append(in.source.Files, compose.File{Name: f.Name, Content: []byte(*f.Inline)})
	}
	for i, f := range spec.SupportingFiles {
		if f.Inline == nil {
			return nil, refused(fmt.Sprintf("spec.compose.supportingFiles[%d]", i))
		}
		in.source.Supporting = append(in.source.Supporting, compose.File{Name: f.Path, Content: []byte(*f.Inline)})
	}
	for i, v := range spec.Variables {
		if v.Value == nil {
			return nil, refused(fmt.Sprintf("spec.compose.variables[%d]", i))
		}
		in.source.Variables[v.Name] = *v.Value
	}
	for i, o := range obj.Spec.Stack.Overlays {
		if o.Inline == nil {
			return nil, refused(fmt.Sprintf("spec.stack.overlays[%d]", i))
		}
		in.overlays = append(in.overlays, []byte(*o.Inline))
		in.overlayNames = append(in.overlayNames, fmt.Sprintf("spec.stack.overlays[%d]", i))
	}
	return in, nil
}

// manifestOptions are the render options a manifest sets: its network, bind mounts and helpers over o's.
func manifestOptions(obj *csv1.ComposeStack, o *convertOptions) {
	o.network = stack.SpecNetwork(obj.Spec.Network)
	o.efsBinds = obj.Spec.Compose.EFSBindMounts
	if h := obj.Spec.Helpers; h != nil {
		if h.Image != "" {
			o.helpers.Image = h.Image
		}
		if h.DockerCompatible != nil {
			o.helpers.DockerCompatible = *h.DockerCompatible
		}
	}
}
