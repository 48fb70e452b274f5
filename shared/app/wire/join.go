package wire

import (
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/adapters/httpapi"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/start"
	"github.com/learnops/backoffice/shared/domain/enroll"
	"github.com/learnops/backoffice/shared/domain/invite"
	"github.com/learnops/backoffice/shared/domain/whitelist"
)

// JoinConfig is the join function's settings, each variable declared once
// in its field's tag: ReadJoin fills it, and the stack sets the variables
// it names.
type JoinConfig struct {
	Base
	// LearnerAppURL is the learner app, which the welcome emails link to.
	LearnerAppURL string `env:"LEARNER_APP_URL"`
	// MailQueueURL is the queue the welcome emails go on.
	MailQueueURL string `env:"MAIL_QUEUE_URL"`
	// FilesBucket holds the programs' banners, to which a program's page
	// signs a link.
	FilesBucket string `env:"FILES_BUCKET"`
}

// ReadJoin reads the join function's settings (JoinConfig). Its error
// names every missing and every invalid variable.
func ReadJoin(vars *env.Reader) (JoinConfig, string, error) { return start.Read[JoinConfig](vars) }

// Join returns the join function's handler: accepting invitations,
// self-joining by whitelisted domain, and allowed returns.
func Join(awsCfg aws.Config, c JoinConfig, logger *slog.Logger) httpapi.Handler {
	store := start.OpenStore(awsCfg, c.Base)
	cfg := invite.Config{LearnerAppURL: c.LearnerAppURL, Banners: bucket(awsCfg, c.FilesBucket)}
	return httpapi.NewJoinHandler(newInvite(store, mailQueue(awsCfg, c.MailQueueURL), cfg, logger), logger)
}

// WhitelistConfig is the whitelist function's settings: Base alone (the
// table), declared as its own type so that the function's variables are
// its own.
type WhitelistConfig struct {
	Base
}

// ReadWhitelist reads the whitelist function's settings (WhitelistConfig).
// Its error names every missing and every invalid variable.
func ReadWhitelist(vars *env.Reader) (WhitelistConfig, string, error) {
	return start.Read[WhitelistConfig](vars)
}

// Whitelist returns the whitelist function's handler.
func Whitelist(awsCfg aws.Config, c WhitelistConfig, logger *slog.Logger) httpapi.Handler {
	store := start.OpenStore(awsCfg, c.Base)
	return httpapi.NewWhitelistHandler(whitelist.NewService(store, newAdmins(store)), logger)
}

// EnrollmentConfig is the enrollment function's settings, each variable
// declared once in its field's tag: ReadEnrollment fills it, and the stack
// sets the variables it names.
type EnrollmentConfig struct {
	Base
	// LearnerAppURL is the learner app, which the enrollment emails link to.
	LearnerAppURL string `env:"LEARNER_APP_URL"`
	// MailQueueURL is the queue the enrollment emails go on.
	MailQueueURL string `env:"MAIL_QUEUE_URL"`
}

// ReadEnrollment reads the enrollment function's settings
// (EnrollmentConfig). Its error names every missing and every invalid
// variable.
func ReadEnrollment(vars *env.Reader) (EnrollmentConfig, string, error) {
	return start.Read[EnrollmentConfig](vars)
}

// Enrollment returns the enrollment function's handler.
func Enrollment(awsCfg aws.Config, c EnrollmentConfig, logger *slog.Logger) httpapi.Handler {
	store := start.OpenStore(awsCfg, c.Base)
	outbox := mailQueue(awsCfg, c.MailQueueURL)
	return httpapi.NewEnrollmentHandler(enroll.NewService(store, outbox, c.LearnerAppURL), logger)
}
