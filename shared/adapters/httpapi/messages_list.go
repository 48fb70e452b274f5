package httpapi

import (
	"context"
	"net/http"

	"github.com/learnops/backoffice/shared/domain/messaging"
)

// messageListRoutes are the lists of an org's and a program's messages and
// the discarding of a draft.
func messageListRoutes(svc *messaging.Service) map[Route]RouteFunc {
	list := func(ctx context.Context, r *Request) (int, any, error) {
		limit, cursor, err := r.Page()
		if err != nil {
			return 0, nil, err
		}
		p, err := svc.List(ctx, r.Caller, r.Param("orgId"), messaging.ListQuery{Status: messaging.Status(r.Event.QueryStringParameters["status"]),
			ProgramID: r.Param("programId"), Limit: limit, Cursor: cursor})
		return http.StatusOK, p, err
	}
	return map[Route]RouteFunc{
		routeListOrgMessages:     list,
		routeListProgramMessages: list,
		routeDiscardMessage: func(ctx context.Context, r *Request) (int, any, error) {
			return http.StatusNoContent, nil, svc.Discard(ctx, r.Caller, r.Param("orgId"), r.Param("messageId"))
		},
	}
}
