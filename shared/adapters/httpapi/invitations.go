package httpapi

import (
	"context"
	"log/slog"
	"net/http"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/invite"
)

// removalRequest removes several pending invitations at once.
type removalRequest struct {
	Emails []string `json:"emails"`
}

// NewInvitationsHandler returns the handler of the invitations function:
// invite one learner, list, resend and remove invitations, and bulk imports.
func NewInvitationsHandler(svc *invite.Service, imports *invite.Importer, logger *slog.Logger) Handler {
	return newHandler(FunctionInvitations, invitationRoutes(svc, imports), logger)
}

func invitationRoutes(svc *invite.Service, imports *invite.Importer) map[Route]RouteFunc {
	return map[Route]RouteFunc{
		routeListInvitations: func(ctx context.Context, r *Request) (int, any, error) {
			limit, cursor, err := r.Page()
			if err != nil {
				return 0, nil, err
			}
			q := invite.ListQuery{Limit: limit, Cursor: cursor, Prefix: r.Event.QueryStringParameters["search"]}
			switch sort := r.Event.QueryStringParameters["sort"]; sort {
			case "", "email":
			case "name":
				q.ByName = true
			default:
				return 0, nil, bo.Invalid("sort must be email or name", bo.FieldError{Field: "sort", Message: "must be email or name"})
			}
			items, next, err := svc.List(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), q)
			return http.StatusOK, List[bo.Learner]{Items: items, NextCursor: next}, err
		},
		routeInvite: func(ctx context.Context, r *Request) (int, any, error) {
			var in invite.NewInvitation
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			out, err := svc.Invite(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), in)
			return http.StatusCreated, out, err
		},
		routeRevokeInvitation: func(ctx context.Context, r *Request) (int, any, error) {
			return http.StatusNoContent, nil, svc.RemoveOne(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), r.Param("email"))
		},
		routeResendInvitation: func(ctx context.Context, r *Request) (int, any, error) {
			l, err := svc.Resend(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), r.Param("email"))
			return http.StatusOK, l, err
		},
		routeRemoveInvitations: func(ctx context.Context, r *Request) (int, any, error) {
			var in removalRequest
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			out, err := svc.Remove(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), in.Emails)
			return http.StatusOK, List[bo.Removal]{Items: out}, err
		},
		routeInvitationTemplate: func(ctx context.Context, r *Request) (int, any, error) {
			body, err := imports.Template(ctx, r.Caller, r.Param("orgId"), r.Param("programId"))
			return http.StatusOK, File{ContentType: "text/csv; charset=utf-8", Name: "invitations-template.csv", Body: body}, err
		},
		routeImportInvitations: func(ctx context.Context, r *Request) (int, any, error) {
			var in invite.NewImport
			if err := r.DecodeLimit(&in, invite.MaxImportRequestBytes); err != nil {
				return 0, nil, err
			}
			j, err := imports.Create(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), in)
			return http.StatusAccepted, j, err
		},
		routeGetInvitationImport: func(ctx context.Context, r *Request) (int, any, error) {
			j, err := imports.Get(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), r.Param("importId"))
			return http.StatusOK, j, err
		},
	}
}

// NewJoinHandler returns the handler of the join function: the program
// page a learner reaches by its URL, joining it (by invitation, domain or
// return), and accepting an invitation link.
func NewJoinHandler(svc *invite.Service, logger *slog.Logger) Handler {
	return newHandler(FunctionJoin, joinRoutes(svc), logger)
}

func joinRoutes(svc *invite.Service) map[Route]RouteFunc {
	return map[Route]RouteFunc{
		routeAcceptInvitation: func(ctx context.Context, r *Request) (int, any, error) {
			out, err := svc.Accept(ctx, r.Caller, r.Param("token"))
			return http.StatusOK, out, err
		},
		routeGetInvitation: func(ctx context.Context, r *Request) (int, any, error) {
			page, err := svc.Invitation(ctx, r.Caller, r.Param("token"))
			return http.StatusOK, page, err
		},
		routeGetJoinProgram: func(ctx context.Context, r *Request) (int, any, error) {
			out, err := svc.ProgramPage(ctx, r.Caller, r.Param("slug"))
			return http.StatusOK, out, err
		},
		routeJoinProgram: func(ctx context.Context, r *Request) (int, any, error) {
			out, err := svc.Join(ctx, r.Caller, r.Param("slug"))
			return http.StatusOK, out, err
		},
	}
}
