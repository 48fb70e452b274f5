package wire

import (
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/adapters/files"
	"github.com/learnops/backoffice/shared/adapters/httpapi"
	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/start"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/audit"
	"github.com/learnops/backoffice/shared/domain/library"
	"github.com/learnops/backoffice/shared/domain/members"
	"github.com/learnops/backoffice/shared/domain/profile"
)

var _ admin.ProgramDeletion = (*members.Deletions)(nil)

// AdminConfig is the admin function's settings, each variable declared
// once in its field's tag: ReadAdmin fills it, and the stack sets the
// variables it names.
type AdminConfig struct {
	Base
	// LearnerAppURL is the learner app: a program's URL is built from it.
	LearnerAppURL string `env:"LEARNER_APP_URL"`
	// WorkQueueURL is the queue the deletion of a program with members
	// goes on.
	WorkQueueURL string `env:"WORK_QUEUE_URL"`
	// FilesBucket keeps organisations' logos.
	FilesBucket string `env:"FILES_BUCKET"`
}

// ReadAdmin reads the admin function's settings (AdminConfig). Its error
// names every missing and every invalid variable.
func ReadAdmin(vars *env.Reader) (AdminConfig, string, error) { return start.Read[AdminConfig](vars) }

// Admin returns the admin function's handler: organisations, admins,
// contracts, programs (deleted in the background when they have members),
// logos, catalogues, the org's profile fields and its audit log.
func Admin(awsCfg aws.Config, c AdminConfig, logger *slog.Logger) httpapi.Handler {
	store := start.OpenStore(awsCfg, c.Base)
	admins := admin.NewService(store, admin.Config{
		LearnerAppURL: c.LearnerAppURL,
		Deletion:      members.NewDeletions(store, queue.NewWork(queue.Open(awsCfg), c.WorkQueueURL)),
		Logos:         files.Logos{Store: bucket(awsCfg, c.FilesBucket)},
	})
	return httpapi.NewAdminHandler(admins, library.NewService(store, admins), profile.NewService(store, admins),
		audit.NewService(store, admins), store, logger)
}
