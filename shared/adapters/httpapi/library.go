package httpapi

import (
	"context"
	"net/http"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/library"
)

// libraryRoutes are the course library's routes, served by the admin
// function: operators load it, admins of an org search it.
func libraryRoutes(lib *library.Service) map[Route]RouteFunc {
	return map[Route]RouteFunc{
		routeLoadLibrary: func(ctx context.Context, r *Request) (int, any, error) {
			var in library.Load
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			res, err := lib.Load(ctx, r.Caller, in)
			return http.StatusOK, res, err
		},
		routeSearchLibrary: func(ctx context.Context, r *Request) (int, any, error) {
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
func withRoutes(routes, more map[Route]RouteFunc) map[Route]RouteFunc {
	for r, fn := range more {
		if _, twice := routes[r]; twice {
			panic("httpapi: route " + r.Key() + " has two handlers")
		}
		routes[r] = fn
	}
	return routes
}
