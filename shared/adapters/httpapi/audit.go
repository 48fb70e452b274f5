package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
)

// auditRoutes serves an org's audit log (on the admin function): a page
// of JSON, or the CSV export with ?format=csv (or Accept: text/csv). There
// is no route that changes or deletes a record.
func auditRoutes(log *audit.Service) map[Route]RouteFunc {
	return map[Route]RouteFunc{
		routeAuditLog: func(ctx context.Context, r *Request) (int, any, error) {
			f, err := auditFilter(r)
			if err != nil {
				return 0, nil, err
			}
			limit, cursor, err := r.Page()
			if err != nil {
				return 0, nil, err
			}
			q := r.Event.QueryStringParameters
			switch format := q["format"]; {
			case format == "csv" || format == "" && strings.Contains(r.Event.Headers["accept"], "text/csv"):
				body, next, err := log.CSV(ctx, r.Caller, r.Param("orgId"), f, cursor)
				if err != nil {
					return 0, nil, err
				}
				file := File{ContentType: "text/csv; charset=utf-8", Name: "audit.csv", Body: body}
				if next != "" {
					file.Headers = map[string]string{"x-next-cursor": next}
				}
				return http.StatusOK, file, nil
			case format != "" && format != "json":
				return 0, nil, bo.Invalid("format must be json or csv", bo.FieldError{Field: "format", Message: "must be json or csv"})
			}
			recs, next, err := log.List(ctx, r.Caller, r.Param("orgId"), f, bo.Page{Limit: limit, Cursor: cursor})
			return http.StatusOK, List[audit.Record]{Items: recs, NextCursor: next}, err
		},
	}
}

// auditFilter reads the log's filters from the query string: actor,
// action, targetType, targetId, programId, and from and to (RFC 3339). It
// returns EINVALID naming each bad one.
func auditFilter(r *Request) (audit.Filter, error) {
	q := r.Event.QueryStringParameters
	f := audit.Filter{Actor: q["actor"], Action: q["action"], TargetType: q["targetType"], TargetID: q["targetId"], ProgramID: q["programId"]}
	var v bo.Validation
	for name, at := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if s := q[name]; s != "" {
			t, err := time.Parse(time.RFC3339, s)
			v.Check(err == nil, name, "must be an RFC 3339 time (like 2026-01-31T09:00:00Z)")
			*at = t
		}
	}
	return f, v.Err()
}
