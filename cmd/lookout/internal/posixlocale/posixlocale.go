// Package posixlocale keeps Fyne from logging "Error parsing user locale C"
// at start-up. Fyne reads the locale in its lang package's init; under
// LANG=C.UTF-8 (usual in containers and CI) go-locale hands it "C", which is
// no BCP 47 tag. go-locale consults LANGUAGE before an LC_ALL/LC_MESSAGES/LANG
// of that form, so this package, initialized before Fyne's lang (Go
// initializes ready packages in import-path order, and this one needs only
// os and strings), sets LANGUAGE=en when it is unset. LANGUAGE affects only
// gettext's choice of message catalogues, never character handling.
package posixlocale

import (
	"os"
	"strings"
)

func init() {
	if os.Getenv("LANGUAGE") != "" {
		return
	}
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		loc := os.Getenv(v)
		if loc == "" {
			continue
		}
		if lang, _, _ := strings.Cut(loc, "."); (lang == "C" || lang == "POSIX") && loc != lang {
			_ = os.Setenv("LANGUAGE", "en")
		}
		return
	}
}
