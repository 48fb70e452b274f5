package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/learnops/backoffice/shared/domain/admin"
)

// LogoCacheAge is how long a client or proxy may keep the logo route's
// redirect: well within the life of the link it points at
// (admin.LogoURLLifetime), so a kept redirect never leads to an expired
// link, and short enough that a new logo shows within minutes.
const LogoCacheAge = 5 * time.Minute

// orgSettingsRoutes are the admin function's routes that change what an
// org admin set up: the org's settings and logo, a program's banner, its
// contracts (edit, renew) and its program admins' programs; and the public
// route of the logo, which the org's emails load.
func orgSettingsRoutes(svc *admin.Service) map[Route]RouteFunc {
	return map[Route]RouteFunc{
		routeUpdateOrg: func(ctx context.Context, r *Request) (int, any, error) {
			var in admin.OrgChange
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			org, err := svc.UpdateOrg(ctx, r.Caller, r.Param("orgId"), in)
			return http.StatusOK, org, err
		},
		routeUploadLogo: func(ctx context.Context, r *Request) (int, any, error) {
			var in admin.NewLogoUpload
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			up, err := svc.StartLogoUpload(ctx, r.Caller, r.Param("orgId"), in)
			return http.StatusCreated, up, err
		},
		RouteGetLogo: func(ctx context.Context, r *Request) (int, any, error) {
			url, err := svc.LogoLink(ctx, r.Param("orgId"))
			return http.StatusFound, Redirect{Location: url, MaxAge: LogoCacheAge}, err
		},
		routeUploadBanner: func(ctx context.Context, r *Request) (int, any, error) {
			var in admin.NewLogoUpload
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			up, err := svc.StartBannerUpload(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), in)
			return http.StatusCreated, up, err
		},
		routeUpdateContract: func(ctx context.Context, r *Request) (int, any, error) {
			var in admin.ContractChange
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			c, err := svc.UpdateContract(ctx, r.Caller, r.Param("orgId"), r.Param("contractId"), in)
			return http.StatusOK, viewContract(c, svc.Now()), err
		},
		routeRenewContract: func(ctx context.Context, r *Request) (int, any, error) {
			var in admin.Renewal
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			c, err := svc.RenewContract(ctx, r.Caller, r.Param("orgId"), r.Param("contractId"), in)
			return http.StatusCreated, viewContract(c, svc.Now()), err
		},
		routeUpdateAdmin: func(ctx context.Context, r *Request) (int, any, error) {
			var in admin.AdminChange
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			a, err := svc.UpdateAdmin(ctx, r.Caller, r.Param("orgId"), r.Param("email"), in)
			return http.StatusOK, a, err
		},
	}
}
