package httpapi

import (
	"context"
	"net/http"

	"github.com/learnops/backoffice/shared/domain/profile"
)

// profileRoutes serve an org's mapping of sign-in claims to learners'
// profile attributes.
func profileRoutes(svc *profile.Service) map[Route]RouteFunc {
	return map[Route]RouteFunc{
		routeGetProfileClaims: func(ctx context.Context, r *Request) (int, any, error) {
			m, err := svc.Get(ctx, r.Caller, r.Param("orgId"))
			return http.StatusOK, m, err
		},
		routeSetProfileClaims: func(ctx context.Context, r *Request) (int, any, error) {
			var in profile.Change
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			m, err := svc.Put(ctx, r.Caller, r.Param("orgId"), in)
			return http.StatusOK, m, err
		},
	}
}
