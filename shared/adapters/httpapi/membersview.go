package httpapi

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/members"
)

// memberCSV is a CSV of learners picked by hand.
type memberCSV struct {
	Emails  []string `json:"emails"`
	Columns []string `json:"columns"`
}

// viewQuery reads the members view's selection from the query string (the
// paging aside). It returns EINVALID naming a bad undeliverable or order.
func viewQuery(r *Request) (bo.MemberQuery, error) {
	p := r.Event.QueryStringParameters
	q := bo.MemberQuery{Status: bo.MemberStatus(p["status"]), Sort: bo.MemberSort(p["sort"]), Search: p["search"],
		ContractIDs: members.SplitIDs(p["contractId"]), CourseIDs: members.SplitIDs(p["courseId"])}
	switch p["undeliverable"] {
	case "", "false":
	case "true":
		q.Undeliverable = true
	default:
		return q, bo.Invalid("undeliverable must be true or false", bo.FieldError{Field: "undeliverable", Message: "must be true or false"})
	}
	var err error
	q.Desc, err = members.ParseOrder(p["order"])
	return q, err
}

// memberViewRoutes are the members view's routes beyond its pages: the
// count of a selection, one learner with their progress, a CSV of learners
// picked by hand, and the org-wide users page.
func memberViewRoutes(svc *members.Service, users *members.Users) map[Route]RouteFunc {
	return map[Route]RouteFunc{
		routeMemberCount: func(ctx context.Context, r *Request) (int, any, error) {
			q, err := viewQuery(r)
			if err != nil {
				return 0, nil, err
			}
			c, err := svc.Count(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), q)
			return http.StatusOK, c, err
		},
		routeGetMember: func(ctx context.Context, r *Request) (int, any, error) {
			l, err := svc.Learner(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), r.Param("email"))
			return http.StatusOK, l, err
		},
		routeMemberCSV: func(ctx context.Context, r *Request) (int, any, error) {
			var in memberCSV
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			var buf bytes.Buffer
			if err := svc.ExportSelected(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), in.Emails, in.Columns, csv.NewWriter(&buf)); err != nil {
				return 0, nil, err
			}
			return http.StatusOK, File{ContentType: "text/csv; charset=utf-8", Name: "members.csv", Body: buf.Bytes()}, nil
		},
		routeListUsers: func(ctx context.Context, r *Request) (int, any, error) {
			limit, cursor, err := r.Page()
			if err != nil {
				return 0, nil, err
			}
			p := r.Event.QueryStringParameters
			page, err := users.List(ctx, r.Caller, r.Param("orgId"), members.UserQuery{Sort: members.UserSort(p["sort"]), Search: p["search"],
				Limit: limit, Cursor: cursor})
			return http.StatusOK, page, err
		},
	}
}
