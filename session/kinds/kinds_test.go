package kinds

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/lookout-app/lookout/session/config"
)

// TestConfigDocsCoverEveryKind is `make check-docs`: docs/CONFIG.md has a
// section for every kind of the list, and its table of keys names each
// field of the kind (a table field's keys in a table of their own), saying
// "yes" in the required column exactly for the required ones.
func TestConfigDocsCoverEveryKind(t *testing.T) {
	data, err := os.ReadFile("../../docs/CONFIG.md")
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{}
	for _, part := range strings.Split(string(data), "\n## ")[1:] {
		title, body, _ := strings.Cut(part, "\n")
		sections[title] = body
	}
	if len(List()) == 0 {
		t.Fatal("no kinds")
	}
	for _, k := range List() {
		checkDocs(t, k.Config, sections)
	}
}

// checkDocs checks the section of kind k.
func checkDocs(t *testing.T, k config.Kind, sections map[string]string) {
	t.Helper()
	var body string
	for title, b := range sections {
		if strings.HasPrefix(title, "`kind = \""+k.Name+"\"`") {
			body = b
		}
	}
	if body == "" {
		t.Errorf("docs/CONFIG.md does not document kind %s (no `## `kind = \"%s\"`` section)", k.Name, k.Name)
		return
	}
	fields := k.Fields
	for _, f := range k.Fields {
		if f.Type == config.TypeTables {
			if !strings.Contains(body, "| key of `[[account."+f.Key+"]]` |") {
				t.Errorf("docs/CONFIG.md, kind %s: no table of the keys of [[account.%s]]", k.Name, f.Key)
			}
			fields = append(fields, f.Sub...)
		}
	}
	for _, f := range fields {
		if f.Type == config.TypeTables {
			continue
		}
		row := regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(f.Key) + "` \\| ([a-z]+)")
		m := row.FindStringSubmatch(body)
		switch {
		case m == nil:
			t.Errorf("docs/CONFIG.md, kind %s: no row for key %s", k.Name, f.Key)
		case (m[1] == "yes") != f.Required:
			t.Errorf("docs/CONFIG.md, kind %s: key %s says required %q, the kind says %v", k.Name, f.Key, m[1], f.Required)
		}
	}
}
