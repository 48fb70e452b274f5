package wire

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/adapters/files"
	"github.com/learnops/backoffice/shared/adapters/httpapi"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/start"
	"github.com/learnops/backoffice/shared/domain/invite"
)

// InvitationsConfig is the invitations function's settings, each variable
// declared once in its field's tag: ReadInvitations fills it, and the
// stack sets the variables it names.
type InvitationsConfig struct {
	Base
	// LearnerAppURL is the learner app, which invitation emails link to.
	LearnerAppURL string `env:"LEARNER_APP_URL"`
	// MailQueueURL is the queue invitation emails go on.
	MailQueueURL string `env:"MAIL_QUEUE_URL"`
	// FilesBucket keeps the uploaded CSVs of bulk imports and their results.
	FilesBucket string `env:"FILES_BUCKET"`
}

// ReadInvitations reads the invitations function's settings
// (InvitationsConfig). Its error names every missing and every invalid
// variable.
func ReadInvitations(vars *env.Reader) (InvitationsConfig, string, error) {
	return start.Read[InvitationsConfig](vars)
}

// Invitations returns the invitations function's handler: invitations one
// by one, and bulk imports (uploads and their results).
func Invitations(awsCfg aws.Config, c InvitationsConfig, logger *slog.Logger) httpapi.Handler {
	store := start.OpenStore(awsCfg, c.Base)
	svc := newInvite(store, mailQueue(awsCfg, c.MailQueueURL), invite.Config{LearnerAppURL: c.LearnerAppURL}, logger)
	return httpapi.NewInvitationsHandler(svc, invite.NewImporter(svc, store, bucket(awsCfg, c.FilesBucket)), logger)
}

// InvitationImportConfig is the invitation-import function's settings,
// each variable declared once in its field's tag: ReadInvitationImport
// fills it, and the stack sets the variables it names.
type InvitationImportConfig struct {
	Base
	// LearnerAppURL is the learner app, which invitation emails link to.
	LearnerAppURL string `env:"LEARNER_APP_URL"`
	// MailQueueURL is the queue invitation emails go on.
	MailQueueURL string `env:"MAIL_QUEUE_URL"`
	// FilesBucket is the bucket whose uploaded CSVs the function imports,
	// and where it writes their results; objects of any other bucket are
	// ignored.
	FilesBucket string `env:"FILES_BUCKET"`
}

// ReadInvitationImport reads the invitation-import function's settings
// (InvitationImportConfig). Its error names every missing and every
// invalid variable.
func ReadInvitationImport(vars *env.Reader) (InvitationImportConfig, string, error) {
	return start.Read[InvitationImportConfig](vars)
}

// InvitationImport returns the invitation-import function's handler: it
// runs the import whose file was created, and ignores any other object.
func InvitationImport(awsCfg aws.Config, c InvitationImportConfig, logger *slog.Logger) func(context.Context, events.S3Event) error {
	store := start.OpenStore(awsCfg, c.Base)
	svc := newInvite(store, mailQueue(awsCfg, c.MailQueueURL), invite.Config{LearnerAppURL: c.LearnerAppURL}, logger)
	runner := invite.NewRunner(svc, store, store, bucket(awsCfg, c.FilesBucket), logger)
	return files.ObjectHandler(func(ctx context.Context, bucketName, key string) error {
		programID, importID, ok := invite.ParseFileKey(key)
		if !ok || bucketName != c.FilesBucket {
			logger.WarnContext(ctx, "not an import file; ignored", slog.String("bucket", bucketName), slog.String("key", key))
			return nil
		}
		return runner.Run(ctx, programID, importID)
	})
}
