package wire

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/adapters/files"
	"github.com/learnops/backoffice/shared/adapters/httpapi"
	"github.com/learnops/backoffice/shared/adapters/queue"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/activity"
	"github.com/learnops/backoffice/shared/domain/audit"
	"github.com/learnops/backoffice/shared/domain/enroll"
	"github.com/learnops/backoffice/shared/domain/invite"
	"github.com/learnops/backoffice/shared/domain/library"
	"github.com/learnops/backoffice/shared/domain/members"
	"github.com/learnops/backoffice/shared/domain/messaging"
	"github.com/learnops/backoffice/shared/domain/privacy"
	"github.com/learnops/backoffice/shared/domain/profile"
	"github.com/learnops/backoffice/shared/domain/whitelist"
)

// Admin returns the admin function's handler.
func Admin(awsCfg aws.Config, c Learners, logger *slog.Logger) httpapi.Handler {
	s := newServices(awsCfg, c, logger)
	return httpapi.NewAdminHandler(s.admin, library.NewService(s.store, s.admin), profile.NewService(s.store, s.admin),
		audit.NewService(s.store, s.admin), s.store, logger)
}

// Invitations returns the invitations function's handler.
func Invitations(awsCfg aws.Config, c Learners, logger *slog.Logger) httpapi.Handler {
	s := newServices(awsCfg, c, logger)
	return httpapi.NewInvitationsHandler(s.invite, invite.NewImporter(s.invite, s.store, bucket(awsCfg, c.FilesBucket)), logger)
}

// Whitelist returns the whitelist function's handler.
func Whitelist(awsCfg aws.Config, c Learners, logger *slog.Logger) httpapi.Handler {
	s := newServices(awsCfg, c, logger)
	return httpapi.NewWhitelistHandler(whitelist.NewService(s.store, s.admin), logger)
}

// Enrollment returns the enrollment function's handler.
func Enrollment(awsCfg aws.Config, c Learners, logger *slog.Logger) httpapi.Handler {
	s := newServices(awsCfg, c, logger)
	outbox := queue.NewPublisher(queue.Open(awsCfg), c.MailQueueURL)
	return httpapi.NewEnrollmentHandler(enroll.NewService(s.store, outbox, c.LearnerAppURL), logger)
}

// Members returns the members function's handler.
func Members(awsCfg aws.Config, c Learners, logger *slog.Logger) httpapi.Handler {
	s := newServices(awsCfg, c, logger)
	m := newMembers(awsCfg, c, s, logger)
	return httpapi.NewMembersHandler(m.svc, m.exports, m.resends, m.users, newPrivacy(awsCfg, c, s, logger), logger)
}

// newPrivacy returns the personal-data service (exports and erasures) on
// the services' store and the configuration's work queue and bucket.
func newPrivacy(awsCfg aws.Config, c Learners, s services, logger *slog.Logger) *privacy.Service {
	svc := privacy.NewService(s.store, bucket(awsCfg, c.FilesBucket), queue.NewWork(queue.Open(awsCfg), c.WorkQueueURL), s.admin)
	svc.Log = logger
	return svc
}

// memberParts are the members capability's services.
type memberParts struct {
	svc     *members.Service
	exports *members.Exporter
	resends *members.Resends
	deleter *members.Deleter
	users   *members.Users
}

// resendRules are the rules of a bulk resend: the table's reachability of
// addresses and the org's per-learner cap.
type resendRules struct {
	*dynamo.Store
	*messaging.Cap
}

// newMembers returns the members service, its exporter, its bulk resends
// and its program deleter, and the org-wide users page, on the
// services' store and the configuration's queues and bucket.
func newMembers(awsCfg aws.Config, c Learners, s services, logger *slog.Logger) memberParts {
	outbox := queue.NewPublisher(queue.Open(awsCfg), c.MailQueueURL)
	svc := members.NewService(s.store, s.admin, outbox, c.LearnerAppURL)
	svc.Log = logger
	work := queue.NewWork(queue.Open(awsCfg), c.WorkQueueURL)
	return memberParts{
		svc:     svc,
		exports: members.NewExporter(svc, s.store, bucket(awsCfg, c.FilesBucket), work),
		resends: members.NewResends(svc, s.store, s.store, s.invite, resendRules{s.store, messaging.NewCap(s.store)}, work),
		deleter: members.NewDeleter(svc, s.store, work),
		users:   members.NewUsers(s.store, s.admin),
	}
}

// Join returns the join function's handler.
func Join(awsCfg aws.Config, c Learners, logger *slog.Logger) httpapi.Handler {
	return httpapi.NewJoinHandler(newServices(awsCfg, c, logger).invite, logger)
}

// InvitationImport returns the invitation-import function's handler: it
// runs the import whose file was created, and ignores any other object.
func InvitationImport(awsCfg aws.Config, c Learners, logger *slog.Logger) func(context.Context, events.S3Event) error {
	s := newServices(awsCfg, c, logger)
	runner := invite.NewRunner(s.invite, s.store, s.store, bucket(awsCfg, c.FilesBucket), logger)
	return files.ObjectHandler(func(ctx context.Context, bucketName, key string) error {
		programID, importID, ok := invite.ParseFileKey(key)
		if !ok || bucketName != c.FilesBucket {
			logger.WarnContext(ctx, "not an import file; ignored", slog.String("bucket", bucketName), slog.String("key", key))
			return nil
		}
		return runner.Run(ctx, programID, importID)
	})
}

// Activity returns the activity function's handler: it records each
// learning-activity event, logs and drops events that can never be
// recorded (malformed, or for no enrollment), and returns other errors so
// that EventBridge's delivery to Lambda retries them.
func Activity(awsCfg aws.Config, c Learners, logger *slog.Logger) func(context.Context, events.EventBridgeEvent) error {
	record := ActivityRecorder(awsCfg, c)
	return func(ctx context.Context, ev events.EventBridgeEvent) error {
		err := record(ctx, ev)
		if Dropped(err) {
			logger.WarnContext(ctx, "activity event dropped", slog.String("id", ev.ID), slog.String("error", err.Error()))
			return nil
		}
		return err
	}
}

// ActivityRecorder returns the activity function's work on one event,
// without the decision to drop: nil when the event was recorded, an error
// for which Dropped is true (EINVALID for a detail that is not a valid
// activity event, ENOTFOUND for an unknown program, a non-member or an
// item they are not enrolled in) when retrying cannot help, and any other
// error when recording failed. The local activity route answers with it.
func ActivityRecorder(awsCfg aws.Config, c Learners) func(context.Context, events.EventBridgeEvent) error {
	recorder := activity.NewRecorder(newServices(awsCfg, c, slog.Default()).store)
	return func(ctx context.Context, ev events.EventBridgeEvent) error {
		var e activity.Event
		if err := json.Unmarshal(ev.Detail, &e); err != nil {
			return bo.Invalid("the detail is not an activity event: " + err.Error())
		}
		return recorder.Record(ctx, e)
	}
}

// Dropped reports whether err, from ActivityRecorder, is an event to drop:
// EINVALID or ENOTFOUND.
func Dropped(err error) bool {
	code := bo.ErrorCode(err)
	return code == bo.EINVALID || code == bo.ENOTFOUND
}

// Worker returns the worker's handler: the work queue's items, each by its
// kind (program deletions, a batch of members at a time; member exports;
// personal-data exports and erasures), with partial batch failures.
func Worker(awsCfg aws.Config, c Learners, logger *slog.Logger) queue.Handler {
	s := newServices(awsCfg, c, logger)
	m := newMembers(awsCfg, c, s, logger)
	personal := newPrivacy(awsCfg, c, s, logger)
	return queue.BatchHandler(queue.Kinds{
		members.WorkDeleteProgram:    m.deleter.Handle,
		members.WorkMemberExport:     m.exports.Handle,
		members.WorkInvitationResend: m.resends.Handle,
		privacy.WorkExport:           personal.Handle,
		privacy.WorkErasure:          personal.Handle,
	}.Handle, logger)
}
