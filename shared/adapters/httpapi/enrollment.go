package httpapi

import (
	"context"
	"log/slog"
	"net/http"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/enroll"
)

// NewEnrollmentHandler returns the handler of the enrollment function: a
// member's enrollments in their program's catalogue.
func NewEnrollmentHandler(svc *enroll.Service, logger *slog.Logger) Handler {
	return newHandler(FunctionEnrollment, enrollmentRoutes(svc), logger)
}

func enrollmentRoutes(svc *enroll.Service) map[Route]RouteFunc {
	return map[Route]RouteFunc{
		routeProgramCatalog: func(ctx context.Context, r *Request) (int, any, error) {
			c, err := svc.Catalog(ctx, r.Caller, r.Param("slug"))
			return http.StatusOK, c, err
		},
		routeListEnrollments: func(ctx context.Context, r *Request) (int, any, error) {
			items, err := svc.List(ctx, r.Caller, r.Param("slug"))
			return http.StatusOK, List[bo.Enrollment]{Items: items}, err
		},
		routeEnroll: func(ctx context.Context, r *Request) (int, any, error) {
			var in enroll.NewEnrollment
			if err := r.Decode(&in); err != nil {
				return 0, nil, err
			}
			e, err := svc.Enroll(ctx, r.Caller, r.Param("slug"), in)
			return http.StatusCreated, e, err
		},
		routeUnenroll: func(ctx context.Context, r *Request) (int, any, error) {
			return http.StatusNoContent, nil, svc.Unenroll(ctx, r.Caller, r.Param("slug"), r.Param("courseId"))
		},
	}
}
