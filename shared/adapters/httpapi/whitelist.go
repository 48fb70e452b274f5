package httpapi

import (
	"context"
	"log/slog"
	"net/http"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/whitelist"
)

// NewWhitelistHandler returns the handler of the whitelist function: a
// program's email-domain whitelist and its CSV import.
func NewWhitelistHandler(svc *whitelist.Service, logger *slog.Logger) Handler {
	return newHandler(FunctionWhitelist, whitelistRoutes(svc), logger)
}

func whitelistRoutes(svc *whitelist.Service) map[Route]RouteFunc {
	return map[Route]RouteFunc{
		routeListDomains: func(ctx context.Context, r *Request) (int, any, error) {
			limit, cursor, err := r.Page()
			if err != nil {
				return 0, nil, err
			}
			items, next, err := svc.List(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), r.Event.QueryStringParameters["search"], limit, cursor)
			return http.StatusOK, List[bo.WhitelistedDomain]{Items: items, NextCursor: next}, err
		},
		routeAddDomains: func(ctx context.Context, r *Request) (int, any, error) {
			var in whitelist.NewDomain
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			d, err := svc.Add(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), in)
			return http.StatusCreated, d, err
		},
		routeRemoveDomain: func(ctx context.Context, r *Request) (int, any, error) {
			return http.StatusNoContent, nil, svc.Remove(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), r.Param("domain"))
		},
		routeDomainTemplate: func(ctx context.Context, r *Request) (int, any, error) {
			body, err := svc.Template(ctx, r.Caller, r.Param("orgId"), r.Param("programId"))
			return http.StatusOK, File{ContentType: "text/csv; charset=utf-8", Name: "whitelist-template.csv", Body: body}, err
		},
		routeImportDomains: func(ctx context.Context, r *Request) (int, any, error) {
			var in whitelist.DomainImport
			if err := r.DecodeLimit(&in, whitelist.MaxDomainBytes*5/4+16<<10); err != nil {
				return 0, nil, err
			}
			out, err := svc.Import(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), in)
			return http.StatusOK, out, err
		},
	}
}
