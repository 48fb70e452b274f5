package httpapi

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// routeKeyLiteral matches a string that starts a route key, "GET /v1/..."
// or "GET " + base.
var routeKeyLiteral = regexp.MustCompile(`^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) `)

// pathTemplate matches a string holding a path template with a parameter,
// "/v1/orgs/{orgId}".
var pathTemplate = regexp.MustCompile(`^/.*\{\w+\}`)

// routeSpellings returns, for one parsed file, where it writes a route's
// method and path itself: a string that starts a route key or holds a path
// template, or a Route built in place.
func routeSpellings(fset *token.FileSet, f *ast.File) []string {
	var found []string
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BasicLit:
			if n.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(n.Value)
			if err == nil && (routeKeyLiteral.MatchString(s) || pathTemplate.MatchString(s)) {
				found = append(found, fset.Position(n.Pos()).String()+": "+n.Value)
			}
		case *ast.CompositeLit:
			if isRouteLiteral(n) {
				found = append(found, fset.Position(n.Pos()).String()+": a Route built in place")
			}
		}
		return true
	})
	return found
}

// isRouteLiteral reports whether n builds a Route: Route{...}, or {...}
// with its type left out (a key of a map[Route]RouteFunc) naming a Method
// or Path.
func isRouteLiteral(n *ast.CompositeLit) bool {
	if id, ok := n.Type.(*ast.Ident); ok {
		return id.Name == "Route"
	}
	if n.Type != nil {
		return false
	}
	for _, e := range n.Elts {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			if k, ok := kv.Key.(*ast.Ident); ok && (k.Name == "Method" || k.Name == "Path") {
				return true
			}
		}
	}
	return false
}

// TestRoutesAreWrittenOnlyInRoutesGo holds the package to writing each
// route's method and path once, in routes.go: every other file keys its
// handler table by the route values declared there (routeGetOrg), never by
// a "METHOD /path" string of its own, a path template or a Route of its own.
func TestRoutesAreWrittenOnlyInRoutesGo(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	scanned := 0
	for _, name := range files {
		if name == "routes.go" || strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		scanned++
		for _, s := range routeSpellings(fset, f) {
			t.Errorf("%s: routes are written in routes.go only; key the handler table by the route's value there", s)
		}
	}
	// The handler tables live in more than a dozen files; finding almost
	// none means the scan looked in the wrong place.
	if scanned < 10 {
		t.Fatalf("scanned %d files; want the package's handler files", scanned)
	}
}

// TestRouteSpellingsFindsEveryForm: the scan above finds each way a file
// could write a route again.
func TestRouteSpellingsFindsEveryForm(t *testing.T) {
	const src = `package httpapi
const base = "/v1/orgs/{orgId}"
var a = map[string]RouteFunc{"GET /v1/health": nil, "POST " + base: nil}
var b = map[Route]RouteFunc{{Method: "GET", Path: "/v1/x"}: nil, Route{Method: "PUT"}: nil}
var fine = []string{"/v1/orgs/" + "o1", "GET", "text/csv"}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := routeSpellings(fset, f)
	want := []string{
		`x.go:2:14: "/v1/orgs/{orgId}"`,
		`x.go:3:30: "GET /v1/health"`,
		`x.go:3:53: "POST "`,
		`x.go:4:29: a Route built in place`,
		`x.go:4:66: a Route built in place`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("found\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
