package httpapi

import (
	"context"
	"net/http"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/library"
)

// libraryRoutes are the course library's routes, served by the admin
// function: operators load it, admins of an org search it.
func libraryRoutes(lib *library.Service) map[string]RouteFunc {
	return map[string]RouteFunc{
		"POST /v1/library/items": func(ctx context.Context, r *Request) (int, any, error) {
			var in library.Load
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			res, err := lib.Load(ctx, r.Caller, in)
			return http.StatusOK, res, err
		},
		"GET /v1/orgs/{orgId}/library": func(ctx context.Context, r *Request) (int, any, error) {
			limit, cursor, err := r.Page()
			if err != nil {
				return 0, nil, err
			}
			q := r.Event.QueryStringParameters
			items, next, err := lib.Search(ctx, r.Caller, r.Param("orgId"), q["q"], bo.ItemType(q["type"]), bo.Page{Limit: limit, Cursor: cursor})
			return http.StatusOK, List[bo.CatalogItem]{Items: items, NextCursor: next}, err
		},
	}
}

// withRoutes returns routes with more added. It panics when a route of
// more is in routes already: each route has exactly one handler.
func withRoutes(routes, more map[string]RouteFunc) map[string]RouteFunc {
	for key, fn := range more {
		if _, twice := routes[key]; twice {
			panic("httpapi: route " + key + " has two handlers")
		}
		routes[key] = fn
	}
	return routes
}
