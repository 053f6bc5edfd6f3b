// Package spec embeds harbor's OpenAPI descriptions of the vendor APIs and of
// the Harbor API (harbor.yaml, what harbor serve answers), the same files go
// generate turns into the code under generated/, so that tools such as
// conformance/speccheck can check live traffic against exactly the contract
// the code was generated from.
package spec

import (
	"embed"
	"fmt"
	"sort"
	"strings"
)

//go:embed deepseek.yaml ark.yaml qianfan-v1.yaml qianfan-v2.yaml openai.yaml harbor.yaml
var files embed.FS

// Names lists the embedded specs by name ("ark", "deepseek", …), sorted.
func Names() []string {
	entries, _ := files.ReadDir(".")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// Read returns the YAML of the named spec: "deepseek", "ark", "qianfan-v1",
// "qianfan-v2", "openai", or "harbor" (the Harbor API that harbor serve answers).
func Read(name string) ([]byte, error) {
	b, err := files.ReadFile(name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("spec: no spec named %q (have %s)", name, strings.Join(Names(), ", "))
	}
	return b, nil
}
