package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// platforms are the architectures the image is built for, in the order the index lists them.
var platforms = []v1.Platform{
	{OS: "linux", Architecture: "amd64"},
	{OS: "linux", Architecture: "arm64"},
}

// buildOptions say what to build and where.
type buildOptions struct {
	// moduleDir is the root of the composestack module.
	moduleDir string
	// out is the OCI image layout directory to write; it must not exist, or be an image layout already.
	out string
	// created stamps the config and every file in the layer.
	created time.Time
}

// buildLayout builds the manager for every platform, writes the multi-platform image to o.out as an OCI
// image layout, and returns the index's digest (what a registry will name it by).
func buildLayout(ctx context.Context, o buildOptions) (v1.Hash, error) {
	if err := clearLayout(o.out); err != nil {
		return v1.Hash{}, err
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range platforms {
		img, err := buildImage(ctx, o, p)
		if err != nil {
			return v1.Hash{}, err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &p},
		})
	}
	if _, err := layout.Write(o.out, idx); err != nil {
		return v1.Hash{}, fmt.Errorf("writing the image layout %s: %w", o.out, err)
	}
	return idx.Digest()
}

// clearLayout removes a previous image layout at dir before a build, so that blobs of an older build do not
// pile up; it refuses to remove a directory that is anything else, before any time is spent compiling.
func clearLayout(dir string) error {
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "oci-layout")); err != nil {
		return fmt.Errorf("%s exists and is not an OCI image layout; not overwriting it: %w", dir, err)
	}
	return os.RemoveAll(dir)
}

// buildImage builds the manager for p and wraps it in a one-layer image.
func buildImage(ctx context.Context, o buildOptions, p v1.Platform) (v1.Image, error) {
	manager, err := goBuild(ctx, o.moduleDir, p.Architecture)
	if err != nil {
		return nil, err
	}
	tarData, err := layerTar(manager, o.created)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(tarData)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, fmt.Errorf("making the %s layer: %w", p.Architecture, err)
	}
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{
		Layer:   layer,
		History: v1.History{Created: v1.Time{Time: o.created}, CreatedBy: "hack/image", Comment: "manager, CA certificates, nonroot user"},
	})
	if err != nil {
		return nil, fmt.Errorf("adding the %s layer: %w", p.Architecture, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = p.OS, p.Architecture
	cf.Created = v1.Time{Time: o.created}
	cf.Config.Entrypoint = []string{entrypoint}
	cf.Config.User = fmt.Sprintf("%d:%d", nonRootUID, nonRootUID)
	cf.Config.WorkingDir = "/"
	return mutate.ConfigFile(img, cf)
}

// goBuild compiles cmd/manager for linux/arch, without symbol tables (-s -w, for size), and returns the
// binary. Everything that could differ between two machines building the same commit with the same Go is
// fixed: no cgo, no paths (-trimpath), no VCS stamp, the baseline instruction set.
func goBuild(ctx context.Context, moduleDir, arch string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "image-manager-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	bin := filepath.Join(tmp, "manager")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", bin, "./cmd/manager")
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(),
		"CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch, "GOAMD64=v1", "GOARM64=v8.0",
		// A GOFLAGS of the caller's (-race, -cover, ...) would change the binary.
		"GOFLAGS=")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("building the manager for linux/%s: %w", arch, err)
	}
	return os.ReadFile(bin)
}
