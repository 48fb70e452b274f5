package httpapi

import (
	"context"
	"net/http"
	"net/url"

	"github.com/learnops/backoffice/shared/domain/privacy"
)

// privacyRoutes are the personal-data requests about one person of an org:
// an export (an org admin, or the signed-in person) and an erasure (org
// admins), each a job run by the worker and polled by its route.
func privacyRoutes(svc *privacy.Service) map[Route]RouteFunc {
	located := func(kind string, j privacy.Job, err error) (int, any, error) {
		if err != nil {
			return 0, nil, err
		}
		at := "/v1/orgs/" + url.PathEscape(j.OrgID) + "/" + kind + "/" + url.PathEscape(j.ID)
		return http.StatusAccepted, Located{Location: at, Body: j}, nil
	}
	return map[Route]RouteFunc{
		routeRequestDataExport: func(ctx context.Context, r *Request) (int, any, error) {
			j, err := svc.RequestExport(ctx, r.Caller, r.Param("orgId"), r.Param("email"))
			return located("data-exports", j, err)
		},
		routeGetDataExport: func(ctx context.Context, r *Request) (int, any, error) {
			j, err := svc.GetExport(ctx, r.Caller, r.Param("orgId"), r.Param("exportId"))
			return http.StatusOK, j, err
		},
		routeRequestErasure: func(ctx context.Context, r *Request) (int, any, error) {
			j, err := svc.RequestErasure(ctx, r.Caller, r.Param("orgId"), r.Param("email"))
			return located("erasures", j, err)
		},
		routeGetErasure: func(ctx context.Context, r *Request) (int, any, error) {
			j, err := svc.GetErasure(ctx, r.Caller, r.Param("orgId"), r.Param("erasureId"))
			return http.StatusOK, j, err
		},
	}
}

// withPrivacy adds the personal-data routes to a function's routes.
func withPrivacy(routes map[Route]RouteFunc, svc *privacy.Service) map[Route]RouteFunc {
	return withRoutes(routes, privacyRoutes(svc))
}
