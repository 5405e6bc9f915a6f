package compose

import "github.com/compose-spec/compose-go/v2/types"

// File is one named file given to Load.
type File struct {
	// Name is a compose file's name, or a supporting file's path relative to the project directory
	// ("./eureka.env" and "eureka.env" name the same file).
	Name string
	// Content is the file's bytes, as read.
	Content []byte
	// Sensitive marks a supporting file whose values must not be published (it came from a Kubernetes
	// Secret, or from a .secret/ directory in the CLI).
	Sensitive bool
}

// Source is everything Load needs: no other input is consulted.
type Source struct {
	// ProjectName names the project; required, and already normalised (lower-case letters, digits, '-' and
	// '_', starting with a letter or digit). DefaultProjectName computes the name Docker Compose would pick.
	ProjectName string
	// Files are the compose files, merged in order like `docker compose -f a -f b`.
	Files []File
	// Supporting are the env_file, label_file and secret `file:` sources, by path relative to the project
	// directory.
	Supporting []File
	// Variables are the values for ${VAR} interpolation: the only environment there is.
	Variables map[string]string
	// Profiles are the enabled profiles, as with `docker compose --profile`.
	Profiles []string
	// Images maps a service name to an image reference that replaces the service's image.
	Images map[string]string
	// ReadFile reads a file that `include:` or `extends.file` names and that neither Files nor Supporting
	// holds, by cleaned path relative to the project directory (an error matching fs.ErrNotExist when there is
	// none). The CLI reads the project directory; nil, for the controller, reads nothing.
	ReadFile func(path string) ([]byte, error)
}

// Loaded is a project loaded by Load.
type Loaded struct {
	// Project is the loaded project. Service environments are resolved (env_file entries read and dropped);
	// paths in it (secret and config `file:`) are relative to the project directory, cleaned, as keys of Files.
	Project *types.Project
	// SensitiveEnv holds, per service, the variables read from sensitive env files and not overridden by the
	// service's `environment`. They are absent from the service's Environment.
	SensitiveEnv map[string]map[string]string
	// Files holds every supporting file's content by cleaned relative path, sensitive ones included: the
	// renderer needs secret `file:` contents. Never log or publish it.
	Files map[string][]byte
	// SensitiveFiles are the keys of Files whose content must not be published (from a Secret, or under .secret/
	// with the CLI): the renderer may use them only where the value stays secret.
	SensitiveFiles map[string]bool
	// Warnings are the things Docker Compose would warn about (unset variables, obsolete `version`).
	Warnings []string
}
