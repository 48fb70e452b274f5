package httpapi

import (
	"bytes"
	"context"
	"encoding/csv"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/members"
	"github.com/learnops/backoffice/shared/domain/privacy"
)

// removalOptions says whether removed learners may return without an
// invitation.
type removalOptions struct {
	AllowReturn *bool `json:"allowReturn"`
}

// memberRemovals removes several learners at once.
type memberRemovals struct {
	Emails      []string `json:"emails"`
	AllowReturn *bool    `json:"allowReturn"`
}

// membersPage is a page of the members view, with how many learners were
// read to answer it.
type membersPage struct {
	Items      []bo.Learner `json:"items"`
	NextCursor string       `json:"nextCursor,omitempty"`
	Read       int          `json:"read"`
}

// NewMembersHandler returns the handler of the members function: the
// members view, its CSV exports (inline and in the background), removing
// learners from a program, resending the pending invitations of a
// selection in the background, and the personal-data requests about a
// person of the org (exports and erasures).
func NewMembersHandler(svc *members.Service, exports *members.Exporter, resends *members.Resends, users *members.Users, personal *privacy.Service, logger *slog.Logger) Handler {
	return newHandler(FunctionMembers, withPrivacy(memberRoutes(svc, exports, resends, users), personal), logger)
}

func memberRoutes(svc *members.Service, exports *members.Exporter, resends *members.Resends, users *members.Users) map[Route]RouteFunc {
	routes := memberViewRoutes(svc, users)
	return withRoutes(routes, map[Route]RouteFunc{
		routeListMembers: func(ctx context.Context, r *Request) (int, any, error) {
			limit, cursor, err := r.Page()
			if err != nil {
				return 0, nil, err
			}
			p := r.Event.QueryStringParameters
			q := bo.MemberQuery{Status: bo.MemberStatus(p["status"]), Sort: bo.MemberSort(p["sort"]), Search: p["search"],
				ContractIDs: members.SplitIDs(p["contractId"]), CourseIDs: members.SplitIDs(p["courseId"]), Limit: limit, Cursor: cursor}
			switch p["undeliverable"] {
			case "", "false":
			case "true":
				q.Undeliverable = true
			default:
				return 0, nil, bo.Invalid("undeliverable must be true or false", bo.FieldError{Field: "undeliverable", Message: "must be true or false"})
			}
			if q.Desc, err = members.ParseOrder(p["order"]); err != nil {
				return 0, nil, err
			}
			if strings.Contains(r.Event.Headers["accept"], "text/csv") {
				var buf bytes.Buffer
				var columns []string
				if c := strings.TrimSpace(p["columns"]); c != "" {
					columns = strings.Split(c, ",")
				}
				if err := svc.Export(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), q, columns, csv.NewWriter(&buf)); err != nil {
					return 0, nil, err
				}
				return http.StatusOK, File{ContentType: "text/csv; charset=utf-8", Name: "members.csv", Body: buf.Bytes()}, nil
			}
			page, err := svc.List(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), q)
			return http.StatusOK, membersPage{Items: page.Items, NextCursor: page.NextCursor, Read: page.Read}, err
		},
		routeRemoveMember: func(ctx context.Context, r *Request) (int, any, error) {
			var in removalOptions
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			if in.AllowReturn == nil {
				return 0, nil, allowReturnRequired()
			}
			l, err := svc.Remove(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), r.Param("email"), *in.AllowReturn)
			return http.StatusOK, l, err
		},
		routeRemoveMembers: func(ctx context.Context, r *Request) (int, any, error) {
			var in memberRemovals
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			if in.AllowReturn == nil {
				return 0, nil, allowReturnRequired()
			}
			out, err := svc.RemoveMany(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), in.Emails, *in.AllowReturn)
			return http.StatusOK, List[bo.Removal]{Items: out}, err
		},
		routeExportMembers: func(ctx context.Context, r *Request) (int, any, error) {
			var in members.Selection
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			e, err := exports.Create(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), in)
			if err != nil {
				return 0, nil, err
			}
			at := "/v1/orgs/" + url.PathEscape(e.OrgID) + "/programs/" + url.PathEscape(e.ProgramID) + "/member-exports/" + url.PathEscape(e.ID)
			return http.StatusAccepted, Located{Location: at, Body: e}, nil
		},
		routeGetMemberExport: func(ctx context.Context, r *Request) (int, any, error) {
			e, err := exports.Get(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), r.Param("exportId"))
			return http.StatusOK, e, err
		},
		routeResendInvitations: func(ctx context.Context, r *Request) (int, any, error) {
			var in members.ResendSelection
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			j, err := resends.Create(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), in)
			if err != nil {
				return 0, nil, err
			}
			at := "/v1/orgs/" + url.PathEscape(j.OrgID) + "/programs/" + url.PathEscape(j.ProgramID) + "/invitation-resends/" + url.PathEscape(j.ID)
			return http.StatusAccepted, Located{Location: at, Body: j}, nil
		},
		routeGetInvitationResend: func(ctx context.Context, r *Request) (int, any, error) {
			j, err := resends.Get(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), r.Param("resendId"))
			return http.StatusOK, j, err
		},
	})
}

// allowReturnRequired is the error of a removal that does not say whether
// the learner may return: the guide makes the admin choose.
func allowReturnRequired() error {
	return bo.Invalid("allowReturn is required: true lets the learner rejoin without an invitation",
		bo.FieldError{Field: "allowReturn", Message: "is required"})
}
