package httpapi

import (
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// OpenAPI is the OpenAPI 3.0.3 document (YAML) of the HTTP API: every route
// of Routes with its request and response schemas, its error responses and
// who may call it. A test holds its operations and Routes together.
//
//go:embed openapi.yaml
var OpenAPI []byte

// openAPIMethods are the keys of an OpenAPI path item that name operations.
var openAPIMethods = map[string]bool{
	"get": true, "put": true, "post": true, "delete": true,
	"options": true, "head": true, "patch": true, "trace": true,
}

// openAPIDocument is the part of an OpenAPI document that the route
// functions read.
type openAPIDocument struct {
	Security []map[string][]string           `yaml:"security"`
	Paths    map[string]map[string]yaml.Node `yaml:"paths"`
}

// openAPIOperation is the part of an operation that the route functions read.
// Security is nil when the operation does not set it (it inherits the
// document's) and empty for `security: []` (public).
type openAPIOperation struct {
	Security *[]map[string][]string `yaml:"security"`
}

// OpenAPIRoutes returns the operations of the OpenAPI document as sorted
// route keys, "METHOD /path/{param}", as API Gateway and Routes write them.
func OpenAPIRoutes() ([]string, error) {
	public, err := openAPIPublic(OpenAPI)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(public))
	for k := range public {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, nil
}

// OpenAPIPublicRoutes returns every operation of the OpenAPI document by route
// key, true for a public one (`security: []`, no token needed) and false for
// one that needs a bearer token.
func OpenAPIPublicRoutes() (map[string]bool, error) {
	return openAPIPublic(OpenAPI)
}

// openAPIPublic parses an OpenAPI document and returns its operations by
// route key, each true when it is public.
func openAPIPublic(doc []byte) (map[string]bool, error) {
	var d openAPIDocument
	if err := yaml.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("openapi: parse: %w", err)
	}
	if len(d.Paths) == 0 {
		return nil, errors.New("openapi: the document has no paths")
	}
	publicByDefault := anonymous(d.Security)
	out := map[string]bool{}
	for path, item := range d.Paths {
		if _, ok := item["$ref"]; ok {
			return nil, fmt.Errorf("openapi: path %s: a $ref path item is not supported", path)
		}
		for key, node := range item {
			if !openAPIMethods[key] {
				continue // summary, description, parameters, servers
			}
			var op openAPIOperation
			if err := node.Decode(&op); err != nil {
				return nil, fmt.Errorf("openapi: %s %s: %w", key, path, err)
			}
			public := publicByDefault
			if op.Security != nil {
				public = anonymous(*op.Security)
			}
			out[strings.ToUpper(key)+" "+path] = public
		}
	}
	return out, nil
}

// anonymous reports whether security requirements let a caller in without
// credentials: none at all (`security: []`), or an empty requirement among
// them (`- {}`, optional authentication).
func anonymous(reqs []map[string][]string) bool {
	if len(reqs) == 0 {
		return true
	}
	for _, r := range reqs {
		if len(r) == 0 {
			return true
		}
	}
	return false
}
