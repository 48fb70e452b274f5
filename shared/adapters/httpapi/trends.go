package httpapi

import (
	"context"
	"net/http"

	"github.com/learnops/backoffice/shared/domain/trends"
)

// trendRoutes serve the home page's trends: an org's or a program's daily
// roll-ups over a range, in day, week or month buckets.
func trendRoutes(svc *trends.Service) map[Route]RouteFunc {
	return map[Route]RouteFunc{
		routeTrends: func(ctx context.Context, r *Request) (int, any, error) {
			q := r.Event.QueryStringParameters
			s, err := svc.Series(ctx, r.Caller, r.Param("orgId"), trends.Query{
				From: q["from"], To: q["to"], Bucket: q["bucket"], ProgramID: q["programId"]})
			return http.StatusOK, s, err
		},
	}
}
