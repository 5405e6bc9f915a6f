package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"time"
)

// layerTar is the image's single layer: rootFiles and the manager binary, as a tar whose bytes depend on
// nothing but its contents and mtime (fixed order, owners, modes and times), so that the same inputs give
// the same digest.
func layerTar(manager []byte, mtime time.Time) ([]byte, error) {
	files := append(rootFiles(), file{name: entrypoint[1:], mode: 0o755, data: manager})
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range files {
		h := &tar.Header{
			Name:    f.name,
			Mode:    f.mode,
			ModTime: mtime,
			Format:  tar.FormatPAX,
		}
		if f.data == nil {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(f.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("writing %s to the layer: %w", f.name, err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, fmt.Errorf("writing %s to the layer: %w", f.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("closing the layer: %w", err)
	}
	return b.Bytes(), nil
}
