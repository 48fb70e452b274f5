package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/audit"
	"github.com/learnops/backoffice/shared/domain/library"
	"github.com/learnops/backoffice/shared/domain/profile"
)

// Pinger answers when the function's table does.
type Pinger interface {
	Ping(ctx context.Context) error
}

// contractView is a contract as the API shows it.
type contractView struct {
	bo.Contract
	Status    bo.ContractStatus `json:"status"`
	Remaining *int              `json:"remaining"`
}

func viewContract(c bo.Contract, now time.Time) contractView {
	v := contractView{Contract: c, Status: c.Status(now)}
	if n, capped := c.Remaining(); capped {
		v.Remaining = &n
	}
	return v
}

// programView is a program as the API shows it, with its learner URL.
type programView struct {
	bo.Program
	URL string `json:"url"`
}

// orgCreated is the answer to creating an organisation.
type orgCreated struct {
	bo.Org
	Admins []bo.Admin `json:"admins"`
}

// NewAdminHandler returns the handler of the admin function: health,
// organisations, admins, contracts, programs, catalogues, the course
// library, the profile claim mapping and the audit log.
func NewAdminHandler(svc *admin.Service, lib *library.Service, profiles *profile.Service, log *audit.Service, db Pinger, logger *slog.Logger) Handler {
	return newHandler(FunctionAdmin, withRoutes(withRoutes(adminRoutes(svc, lib, db, logger), profileRoutes(profiles)), auditRoutes(log)), logger)
}

func adminRoutes(svc *admin.Service, lib *library.Service, db Pinger, logger *slog.Logger) map[Route]RouteFunc {
	page := func(r *Request) (bo.Page, error) {
		limit, cursor, err := r.Page()
		return bo.Page{Limit: limit, Cursor: cursor}, err
	}
	programs := func(ps []bo.Program) []programView {
		out := make([]programView, len(ps))
		for i, p := range ps {
			out[i] = programView{Program: p, URL: svc.ProgramURL(p.Slug)}
		}
		return out
	}
	collectionResult := func(c bo.Collection, err error) (int, any, error) {
		return http.StatusOK, c, err
	}
	routes := map[Route]RouteFunc{
		RouteHealth: func(ctx context.Context, r *Request) (int, any, error) {
			if err := db.Ping(ctx); err != nil {
				logger.ErrorContext(ctx, "health check failed", slog.String("error", err.Error()))
				return http.StatusServiceUnavailable, map[string]string{"status": "unavailable"}, nil
			}
			return http.StatusOK, map[string]string{"status": "ok"}, nil
		},
		routeCreateOrg: func(ctx context.Context, r *Request) (int, any, error) {
			var in admin.NewOrg
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			org, admins, err := svc.CreateOrg(ctx, r.Caller, in)
			return http.StatusCreated, orgCreated{Org: org, Admins: admins}, err
		},
		routeGetOrg: func(ctx context.Context, r *Request) (int, any, error) {
			org, err := svc.GetOrg(ctx, r.Caller, r.Param("orgId"))
			return http.StatusOK, org, err
		},
		routeListAdmins: func(ctx context.Context, r *Request) (int, any, error) {
			p, err := page(r)
			if err != nil {
				return 0, nil, err
			}
			items, next, err := svc.ListAdmins(ctx, r.Caller, r.Param("orgId"), p)
			return http.StatusOK, List[bo.Admin]{Items: items, NextCursor: next}, err
		},
		routeAddAdmins: func(ctx context.Context, r *Request) (int, any, error) {
			var in admin.NewAdmin
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			a, err := svc.AddAdmin(ctx, r.Caller, r.Param("orgId"), in)
			return http.StatusCreated, a, err
		},
		routeRemoveAdmin: func(ctx context.Context, r *Request) (int, any, error) {
			return http.StatusNoContent, nil, svc.RemoveAdmin(ctx, r.Caller, r.Param("orgId"), r.Param("email"))
		},
		routeListContracts: func(ctx context.Context, r *Request) (int, any, error) {
			p, err := page(r)
			if err != nil {
				return 0, nil, err
			}
			cs, next, err := svc.ListContracts(ctx, r.Caller, r.Param("orgId"), p)
			now := svc.Now()
			views := make([]contractView, len(cs))
			for i, c := range cs {
				views[i] = viewContract(c, now)
			}
			return http.StatusOK, List[contractView]{Items: views, NextCursor: next}, err
		},
		routeCreateContract: func(ctx context.Context, r *Request) (int, any, error) {
			var in admin.NewContract
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			c, err := svc.CreateContract(ctx, r.Caller, r.Param("orgId"), in)
			return http.StatusCreated, viewContract(c, svc.Now()), err
		},
		routeGetContract: func(ctx context.Context, r *Request) (int, any, error) {
			c, err := svc.GetContract(ctx, r.Caller, r.Param("orgId"), r.Param("contractId"))
			return http.StatusOK, viewContract(c, svc.Now()), err
		},
		routeListPrograms: func(ctx context.Context, r *Request) (int, any, error) {
			p, err := page(r)
			if err != nil {
				return 0, nil, err
			}
			ps, next, err := svc.ListPrograms(ctx, r.Caller, r.Param("orgId"), p)
			return http.StatusOK, List[programView]{Items: programs(ps), NextCursor: next}, err
		},
		routeCreateProgram: func(ctx context.Context, r *Request) (int, any, error) {
			var in admin.NewProgram
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			p, err := svc.CreateProgram(ctx, r.Caller, r.Param("orgId"), in)
			return http.StatusCreated, programView{Program: p, URL: svc.ProgramURL(p.Slug)}, err
		},
		routeGetProgram: func(ctx context.Context, r *Request) (int, any, error) {
			p, err := svc.GetProgram(ctx, r.Caller, r.Param("orgId"), r.Param("programId"))
			return http.StatusOK, programView{Program: p, URL: svc.ProgramURL(p.Slug)}, err
		},
		routeUpdateProgram: func(ctx context.Context, r *Request) (int, any, error) {
			var in admin.ProgramChange
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			p, err := svc.UpdateProgram(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), in)
			return http.StatusOK, programView{Program: p, URL: svc.ProgramURL(p.Slug)}, err
		},
		routeDeleteProgram: func(ctx context.Context, r *Request) (int, any, error) {
			background, err := svc.DeleteProgram(ctx, r.Caller, r.Param("orgId"), r.Param("programId"))
			if background {
				return http.StatusAccepted, map[string]string{"status": "deleting"}, err
			}
			return http.StatusNoContent, nil, err
		},
		routeListCollections: func(ctx context.Context, r *Request) (int, any, error) {
			cs, err := svc.Catalog(ctx, r.Caller, r.Param("orgId"), r.Param("programId"))
			return http.StatusOK, List[admin.CountedCollection]{Items: cs}, err
		},
		routeCreateCollection: func(ctx context.Context, r *Request) (int, any, error) {
			var in admin.NewCollection
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			c, err := svc.CreateCollection(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), in)
			return http.StatusCreated, c, err
		},
		routeUpdateCollection: func(ctx context.Context, r *Request) (int, any, error) {
			var in admin.CollectionChange
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			return collectionResult(svc.UpdateCollection(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), r.Param("collectionId"), in))
		},
		routeDeleteCollection: func(ctx context.Context, r *Request) (int, any, error) {
			return http.StatusNoContent, nil, svc.DeleteCollection(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), r.Param("collectionId"))
		},
		routeAddItem: func(ctx context.Context, r *Request) (int, any, error) {
			var in admin.NewItem
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			c, err := svc.AddItem(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), r.Param("collectionId"), in)
			return http.StatusCreated, c, err
		},
		routeRemoveItem: func(ctx context.Context, r *Request) (int, any, error) {
			return collectionResult(svc.RemoveItem(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), r.Param("collectionId"), r.Param("itemId")))
		},
		routeMoveItem: func(ctx context.Context, r *Request) (int, any, error) {
			var in admin.ItemPlacement
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			return collectionResult(svc.MoveItem(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), r.Param("collectionId"), r.Param("itemId"), in))
		},
		routeCopyItem: func(ctx context.Context, r *Request) (int, any, error) {
			var in admin.ItemPlacement
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			c, err := svc.CopyItem(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), r.Param("collectionId"), r.Param("itemId"), in)
			return http.StatusCreated, c, err
		},
	}
	return withRoutes(withRoutes(routes, orgSettingsRoutes(svc)), libraryRoutes(lib))
}
