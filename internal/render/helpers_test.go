package render

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"

	"github.com/composestack/composestack/internal/compose"
)

// caseOptions is testdata/<case>/options.yaml: the Options a golden case renders with.
type caseOptions struct {
	Project  string   `yaml:"project"`
	Overlays []string `yaml:"overlays"` // files in the case directory
	// EFSBindMounts is Options.EFSBindMounts.
	EFSBindMounts []string `yaml:"efsBindMounts"`
	Network       struct {
		VPCID         string   `yaml:"vpcID"`
		VPCImport     string   `yaml:"vpcImport"`
		SubnetIDs     []string `yaml:"subnetIDs"`
		SubnetImports []string `yaml:"subnetImports"`
		// LoadBalancerSubnetImports is Network.LoadBalancerSubnetImports.
		LoadBalancerSubnetImports []string `yaml:"loadBalancerSubnetImports"`
		AssignPublicIP            bool     `yaml:"assignPublicIP"`
		InternalLoadBalancer      bool     `yaml:"internalLoadBalancer"`
		IngressCIDR               string   `yaml:"ingressCIDR"`
		// LoadBalancer is what the controller found for x-aws-loadbalancer.
		LoadBalancer *struct {
			ARN   string `yaml:"arn"`
			Type  string `yaml:"type"`
			VPCID string `yaml:"vpcID"`
		} `yaml:"loadBalancer"`
	} `yaml:"network"`
	Helpers struct {
		Image            string `yaml:"image"`
		DockerCompatible bool   `yaml:"dockerCompatible"`
	} `yaml:"helpers"`
}

// composeFileNames are the names a case's compose file may have.
var composeFileNames = []string{"compose.yaml", "docker-compose.yaml"}

// loadCase loads testdata/<case> with internal/compose, as the controller does, and returns the Options the case
// renders with (options.yaml).
func loadCase(t testing.TB, dir string) (*types.Project, Options) {
	t.Helper()
	var opts caseOptions
	if data, err := os.ReadFile(filepath.Join(dir, "options.yaml")); err == nil {
		if err := yaml.Unmarshal(data, &opts); err != nil {
			t.Fatalf("%s/options.yaml: %v", dir, err)
		}
	}
	if opts.Project == "" {
		opts.Project = filepath.Base(dir)
	}
	o := Options{
		ProjectName:   opts.Project,
		EFSBindMounts: opts.EFSBindMounts,
		Network: Network{
			VPCID: opts.Network.VPCID, VPCImport: opts.Network.VPCImport,
			SubnetIDs: opts.Network.SubnetIDs, SubnetImports: opts.Network.SubnetImports,
			AssignPublicIP: opts.Network.AssignPublicIP, InternalLoadBalancer: opts.Network.InternalLoadBalancer,
			IngressCIDR: opts.Network.IngressCIDR, LoadBalancerSubnetImports: opts.Network.LoadBalancerSubnetImports,
		},
		Helpers: Helpers{Image: opts.Helpers.Image, DockerCompatible: opts.Helpers.DockerCompatible},
	}
	if lb := opts.Network.LoadBalancer; lb != nil {
		o.Network.LoadBalancer = &ExistingLoadBalancer{ARN: lb.ARN, Type: lb.Type, VPCID: lb.VPCID}
	}
	for _, f := range opts.Overlays {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		o.Overlays = append(o.Overlays, data)
	}
	loaded, err := compose.Load(context.Background(), caseSource(t, dir, opts.Project))
	if err != nil {
		t.Fatalf("loading %s: %v", dir, err)
	}
	o.SensitiveEnv, o.Files = loaded.SensitiveEnv, loaded.Files
	return loaded.Project, o
}

// caseSource reads a case directory the way the controller hands files to compose.Load: the compose file, and
// every other file as a supporting file; files under .secret/ stand for Kubernetes Secrets and are sensitive.
func caseSource(t testing.TB, dir, project string) compose.Source {
	t.Helper()
	src := compose.Source{
		ProjectName: project,
		Variables:   map[string]string{"CASE_SECRET_VALUE": "from-the-project-environment"},
	}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		if strings.HasSuffix(rel, ".golden.json") || rel == "options.yaml" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f := compose.File{Name: rel, Content: data, Sensitive: strings.HasPrefix(rel, ".secret/")}
		if slices.Contains(composeFileNames, rel) {
			src.Files = append(src.Files, f)
		} else {
			src.Supporting = append(src.Supporting, f)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return src
}
