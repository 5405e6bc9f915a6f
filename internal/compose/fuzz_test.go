package compose

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary compose and env file content to Load: it must return a project or an error, never
// panic, and never both.
func FuzzLoad(f *testing.F) {
	main, err := os.ReadFile(filepath.Join("testdata", "main", "docker-compose.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	eureka, err := os.ReadFile(filepath.Join("testdata", "main", "eureka.env"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(main, eureka, []byte("ENCRYPT_KEY=x\r\n"))
	f.Add([]byte("services:\n  a:\n    image: ${X:-y}\n    env_file: [eureka.env]\n"), []byte("A=\"unterminated"), []byte(""))
	f.Add([]byte("include: [x]\n"), []byte(""), []byte(""))
	f.Add([]byte("services: {a: {image: x}}\nx-aws-cloudformation:\n  Outputs: {O: {Value: !GetAtt A.B, W: &a !Sub x, Z: *a}}\n"), []byte(""), []byte(""))
	f.Add([]byte("services: {a: {extends: {file: f, service: s}}}"), []byte("export A=1 # c"), []byte("K"))
	f.Add([]byte("services:\n  a:\n    build: .\n    env_file: {path: .secret/spring_config_encrypt_key.env, required: false}\n"), []byte("B='q'"), []byte("A=${B:?x}"))
	f.Fuzz(func(t *testing.T, composeFile, envFile, secretFile []byte) {
		src := Source{
			ProjectName: "fuzz",
			Files:       []File{{Name: "docker-compose.yaml", Content: composeFile}},
			Supporting: []File{
				{Name: "./eureka.env", Content: envFile},
				{Name: "./.secret/spring_config_encrypt_key.env", Content: secretFile, Sensitive: true},
			},
			Images: map[string]string{},
		}
		l, err := Load(context.Background(), src)
		if err != nil {
			if l != nil {
				t.Fatal("Load returned a project and an error")
			}
			return
		}
		if l == nil || l.Project == nil {
			t.Fatal("Load returned neither a project nor an error")
		}
	})
}
