package httpapi

import (
	"context"
	"log/slog"
	"net/http"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/reminders"
)

// NewRemindersHandler returns the API handler of the reminders function:
// the org's automated messages and the switch of the invitation reminder
// per program.
func NewRemindersHandler(svc *reminders.Service, logger *slog.Logger) Handler {
	return newHandler(FunctionReminders, remindersRoutes(svc), logger)
}

func remindersRoutes(svc *reminders.Service) map[Route]RouteFunc {
	return map[Route]RouteFunc{
		routeListAutomatedMessages: func(ctx context.Context, r *Request) (int, any, error) {
			limit, cursor, err := r.Page()
			if err != nil {
				return 0, nil, err
			}
			items, next, err := svc.List(ctx, r.Caller, r.Param("orgId"), bo.Page{Limit: limit, Cursor: cursor})
			return http.StatusOK, List[reminders.AutomatedMessage]{Items: items, NextCursor: next}, err
		},
		routeSetInvitationReminder: func(ctx context.Context, r *Request) (int, any, error) {
			var in reminders.Switch
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			m, err := svc.SetInvitationReminder(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), in)
			return http.StatusOK, m, err
		},
	}
}
