package controllers_test

import (
	"os"
	"path/filepath"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/runtime"
)

// argoHealth runs config/argocd/health.lua as Argo CD does: the object as the global `obj`, the script's
// returned table read as {status, message}.
func argoHealth(t *testing.T, o runtime.Object) string {
	t.Helper()
	script, err := os.ReadFile(filepath.Join(env.Root, "config", "argocd", "health.lua"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	if err != nil {
		t.Fatal(err)
	}
	ls := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer ls.Close()
	for _, open := range []lua.LGFunction{lua.OpenBase, lua.OpenString, lua.OpenTable} {
		ls.Push(ls.NewFunction(open))
		ls.Call(0, 0)
	}
	ls.SetGlobal("obj", toLua(ls, m))
	if err := ls.DoString(string(script)); err != nil {
		t.Fatalf("health.lua: %v", err)
	}
	res, ok := ls.Get(-1).(*lua.LTable)
	if !ok {
		t.Fatalf("health.lua returned %s, not a table", ls.Get(-1).Type())
	}
	return res.RawGetString("status").String()
}

func toLua(ls *lua.LState, v any) lua.LValue {
	switch x := v.(type) {
	case map[string]any:
		tb := ls.NewTable()
		for k, e := range x {
			tb.RawSetString(k, toLua(ls, e))
		}
		return tb
	case []any:
		tb := ls.NewTable()
		for _, e := range x {
			tb.Append(toLua(ls, e))
		}
		return tb
	case string:
		return lua.LString(x)
	case bool:
		return lua.LBool(x)
	case int64:
		return lua.LNumber(x)
	case float64:
		return lua.LNumber(x)
	case nil:
		return lua.LNil
	}
	return lua.LString("")
}
