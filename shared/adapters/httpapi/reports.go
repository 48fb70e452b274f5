package httpapi

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/learnops/backoffice/shared/domain/reports"
	"github.com/learnops/backoffice/shared/domain/trends"
)

// NewReportsHandler returns the API handler of the reports function:
// requesting reports and gradebooks, their progress and links, the org's
// weekly report schedule, and the trends.
func NewReportsHandler(svc *reports.Service, trendSvc *trends.Service, logger *slog.Logger) Handler {
	return newHandler(FunctionReports, withRoutes(reportRoutes(svc), trendRoutes(trendSvc)), logger)
}

func reportRoutes(svc *reports.Service) map[Route]RouteFunc {
	return map[Route]RouteFunc{
		routeRequestReport: func(ctx context.Context, r *Request) (int, any, error) {
			var in reports.NewReport
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			j, err := svc.Request(ctx, r.Caller, r.Param("orgId"), in)
			return http.StatusAccepted, j, err
		},
		routeGetReport: func(ctx context.Context, r *Request) (int, any, error) {
			j, err := svc.Get(ctx, r.Caller, r.Param("orgId"), r.Param("reportId"))
			return http.StatusOK, j, err
		},
		routeListReports: func(ctx context.Context, r *Request) (int, any, error) {
			limit, cursor, err := r.Page()
			if err != nil {
				return 0, nil, err
			}
			p, err := svc.List(ctx, r.Caller, r.Param("orgId"), limit, cursor)
			return http.StatusOK, p, err
		},
		routeGetReportSchedule: func(ctx context.Context, r *Request) (int, any, error) {
			sch, err := svc.GetSchedule(ctx, r.Caller, r.Param("orgId"))
			return http.StatusOK, sch, err
		},
		routeSetReportSchedule: func(ctx context.Context, r *Request) (int, any, error) {
			var in reports.ScheduleChange
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			sch, err := svc.PutSchedule(ctx, r.Caller, r.Param("orgId"), in)
			return http.StatusOK, sch, err
		},
	}
}
