package compose

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/composestack/composestack/internal/limits"
)

// ErrOutsideProject is returned (wrapped) by ReadProjectFile for a path that leaves the project directory.
var ErrOutsideProject = errors.New("leaves the project directory")

// ReadProjectFile reads path, as a compose file writes it, from the project directory dir on disk. Every front end
// that reads a file a project names (env_file, label_file, secret and config `file:`, include, extends.file)
// reads it through here, so that none can leave dir: `..` and absolute paths are refused, and symbolic links
// are followed only while they stay inside dir (a checkout can carry `d -> /etc`). A file that is not a regular
// file, or is larger than limits.SupportingFileBytes, is refused too. A missing file gives an error matching
// fs.ErrNotExist. Callers prefix the error with the field that names the path.
func ReadProjectFile(dir, path string) ([]byte, error) {
	key, err := cleanPath(path)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("opening the project directory: %w", err)
	}
	defer root.Close()
	f, err := root.Open(key)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%q: %w", path, fs.ErrNotExist)
		}
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) && pe.Err.Error() == "path escapes from parent" {
			// os.Root's escape error has no exported sentinel. Where the link points is not shown: it is
			// outside the project, and naming it would say something about the machine.
			return nil, fmt.Errorf("path %q %w, following symbolic links: keep the file, and any link to it, inside the project directory", path, ErrOutsideProject)
		}
		return nil, fmt.Errorf("%q: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%q: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%q is not a regular file (%s): name a file", path, st.Mode().Type())
	}
	if st.Size() > limits.SupportingFileBytes {
		return nil, fmt.Errorf("%q is %d bytes, over the %d a supporting file may have", path, st.Size(), limits.SupportingFileBytes)
	}
	data, err := io.ReadAll(io.LimitReader(f, limits.SupportingFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading %q: %w", path, err)
	}
	if len(data) > limits.SupportingFileBytes {
		return nil, fmt.Errorf("%q grew over the %d bytes a supporting file may have while it was read", path, limits.SupportingFileBytes)
	}
	return data, nil
}
