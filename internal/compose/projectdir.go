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
	key, root, err := openInProject(dir, path)
	if err != nil {
		return nil, err
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

// openInProject cleans path into its key in the project and opens the project directory dir as a root, through
// which nothing outside dir can be reached.
func openInProject(dir, path string) (string, *os.Root, error) {
	key, err := cleanPath(path)
	if err != nil {
		return "", nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return "", nil, fmt.Errorf("opening the project directory: %w", err)
	}
	return key, root, nil
}

// ReadProjectTree reads path from the project directory dir as ReadProjectFile does, and, when it is a directory,
// every file under it, for a bind mount of a project directory whose files the task receives. The files are
// named by their cleaned path in the project. Following the rules of ReadProjectFile, nothing outside dir is
// read; the walk stops with an error past limits.ConfigDirectoryFiles entries or limits.ConfigDirectoryBytes
// bytes; links to directories are refused (one could lead back to its parent). Entries that are neither files nor directories
// (sockets, devices) are left out.
func ReadProjectTree(dir, path string) ([]File, error) {
	key, root, err := openInProject(dir, path)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	st, err := root.Stat(key)
	if err != nil || !st.IsDir() {
		data, err := ReadProjectFile(dir, key)
		if err != nil {
			return nil, err
		}
		return []File{{Name: key, Content: data}}, nil
	}
	w := treeWalk{dir: dir, root: root, top: path}
	if err := w.walk(key); err != nil {
		return nil, err
	}
	return w.files, nil
}

// treeWalk is one ReadProjectTree walk and what it has spent of its bounds.
type treeWalk struct {
	dir     string
	root    *os.Root
	top     string
	entries int
	bytes   int
	files   []File
}

func (w *treeWalk) walk(key string) error {
	d, err := w.root.Open(key)
	if err != nil {
		return fmt.Errorf("%q: %w", key, err)
	}
	// One more than the budget left is enough to know it is exceeded.
	entries, err := d.ReadDir(limits.ConfigDirectoryFiles - w.entries + 1)
	d.Close()
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%q: %w", key, err)
	}
	for _, e := range entries {
		if w.entries++; w.entries > limits.ConfigDirectoryFiles {
			return fmt.Errorf("directory %q holds more than %d entries: its files travel in a task definition of at most 64 KiB; mount a smaller directory, or bake the files into the image", w.top, limits.ConfigDirectoryFiles)
		}
		child := key + "/" + e.Name()
		st, err := w.root.Stat(child) // follows links that stay inside the project
		if err != nil {
			if pe := (*fs.PathError)(nil); errors.As(err, &pe) && pe.Err.Error() == "path escapes from parent" {
				return fmt.Errorf("path %q %w, following symbolic links: keep the file, and any link to it, inside the project directory", child, ErrOutsideProject)
			}
			return fmt.Errorf("%q: %w", child, err)
		}
		switch {
		case st.IsDir() && !e.IsDir():
			// A link to a directory could lead back to its parent, round and round.
			return fmt.Errorf("%q is a symbolic link to a directory, which is not followed: put the directory itself there", child)
		case st.IsDir():
			if err := w.walk(child); err != nil {
				return err
			}
		case st.Mode().IsRegular():
			data, err := ReadProjectFile(w.dir, child)
			if err != nil {
				return err
			}
			if w.bytes += len(data); w.bytes > limits.ConfigDirectoryBytes {
				return fmt.Errorf("directory %q holds more than %d bytes: its files travel in a task definition of at most 64 KiB; mount a smaller directory, or bake the files into the image", w.top, limits.ConfigDirectoryBytes)
			}
			w.files = append(w.files, File{Name: child, Content: data})
		}
	}
	return nil
}
