package httpapi

import (
	"slices"
	"strconv"
	"strings"
)

// CORS of the API: browsers may call it from the admin console's one origin
// (a setting of the stage), never from any other. The stack configures API
// Gateway with these values and the local gateway answers the same way, so
// that the console meets the same rules under `make dev` as in AWS.

// CORSAllowHeaders are the request headers the console may send.
var CORSAllowHeaders = []string{"authorization", "content-type"}

// CORSMaxAgeSeconds is how long a browser may cache a preflight's answer.
const CORSMaxAgeSeconds = 3600

// CORSAllowMethods are the methods of the routes, sorted: those the console
// may use across origins.
func CORSAllowMethods() []string {
	var methods []string
	for _, r := range Routes {
		if !slices.Contains(methods, r.Method) {
			methods = append(methods, r.Method)
		}
	}
	slices.Sort(methods)
	return methods
}

// CORSPreflightHeaders are the headers of the answer to a preflight
// request from origin: the allowed methods, headers and max age, and the
// origin itself when it is allowedOrigin (compared as API Gateway does,
// without regard to case). For any other origin there are none, and the
// browser refuses the call.
func CORSPreflightHeaders(origin, allowedOrigin string) map[string]string {
	if allowedOrigin == "" || !strings.EqualFold(origin, allowedOrigin) {
		return nil
	}
	return map[string]string{
		"access-control-allow-origin":  origin,
		"access-control-allow-methods": strings.Join(CORSAllowMethods(), ","),
		"access-control-allow-headers": strings.Join(CORSAllowHeaders, ","),
		"access-control-max-age":       strconv.Itoa(CORSMaxAgeSeconds),
	}
}
