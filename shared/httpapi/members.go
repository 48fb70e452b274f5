package httpapi

import (
	"context"
	"log/slog"
	"net/http"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/members"
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

// NewMembersHandler returns the handler of the members function: removing
// learners from a program.
func NewMembersHandler(svc *members.Service, logger *slog.Logger) Handler {
	return newHandler(FunctionMembers, memberRoutes(svc), logger)
}

func memberRoutes(svc *members.Service) map[string]RouteFunc {
	const base = "/v1/orgs/{orgId}/programs/{programId}"
	return map[string]RouteFunc{
		"POST " + base + "/members/{email}/removal": func(ctx context.Context, r *Request) (int, any, error) {
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
		"POST " + base + "/member-removals": func(ctx context.Context, r *Request) (int, any, error) {
			var in memberRemovals
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			if in.AllowReturn == nil {
				return 0, nil, allowReturnRequired()
			}
			out, err := svc.RemoveMany(ctx, r.Caller, r.Param("orgId"), r.Param("programId"), in.Emails, *in.AllowReturn)
			return http.StatusOK, List[members.Removal]{Items: out}, err
		},
	}
}

// allowReturnRequired is the error of a removal that does not say whether
// the learner may return: the guide makes the admin choose.
func allowReturnRequired() error {
	return bo.Invalid("allowReturn is required: true lets the learner rejoin without an invitation",
		bo.FieldError{Field: "allowReturn", Message: "is required"})
}
