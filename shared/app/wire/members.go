package wire

import (
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/adapters/httpapi"
	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/start"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/invite"
	"github.com/learnops/backoffice/shared/domain/members"
	"github.com/learnops/backoffice/shared/domain/messaging"
	"github.com/learnops/backoffice/shared/domain/privacy"
)

// MemberSettings are the variables of the members capability, which the
// members function and the worker both run (one queues the work the other
// does), declared once for both.
type MemberSettings struct {
	Base
	// LearnerAppURL is the learner app, which the emails link to.
	LearnerAppURL string `env:"LEARNER_APP_URL"`
	// MailQueueURL is the queue of the emails of removals and resends.
	MailQueueURL string `env:"MAIL_QUEUE_URL"`
	// WorkQueueURL is the queue of member exports, bulk resends, program
	// deletions and personal-data exports and erasures, which the members
	// function fills and the worker consumes.
	WorkQueueURL string `env:"WORK_QUEUE_URL"`
	// FilesBucket keeps the exports: the worker writes them (and erasures
	// rewrite files), the members function links to them.
	FilesBucket string `env:"FILES_BUCKET"`
}

// MembersConfig is the members function's settings: the members
// capability's (MemberSettings). ReadMembers fills it, and the stack sets
// the variables it names.
type MembersConfig struct {
	MemberSettings
}

// ReadMembers reads the members function's settings (MembersConfig). Its
// error names every missing and every invalid variable.
func ReadMembers(vars *env.Reader) (MembersConfig, string, error) {
	return start.Read[MembersConfig](vars)
}

// Members returns the members function's handler.
func Members(awsCfg aws.Config, c MembersConfig, logger *slog.Logger) httpapi.Handler {
	m := newMembers(awsCfg, c.MemberSettings, logger)
	return httpapi.NewMembersHandler(m.svc, m.exports, m.resends, members.NewUsers(m.store, m.admins), m.privacy, logger)
}

// WorkerConfig is the worker's settings: the members capability's
// (MemberSettings). ReadWorker fills it, and the stack sets the variables
// it names.
type WorkerConfig struct {
	MemberSettings
}

// ReadWorker reads the worker's settings (WorkerConfig). Its error names
// every missing and every invalid variable.
func ReadWorker(vars *env.Reader) (WorkerConfig, string, error) {
	return start.Read[WorkerConfig](vars)
}

// Worker returns the worker's handler: the work queue's items, each by its
// kind (program deletions, a batch of members at a time; member exports;
// bulk resends; personal-data exports and erasures), with partial batch
// failures.
func Worker(awsCfg aws.Config, c WorkerConfig, logger *slog.Logger) queue.Handler {
	m := newMembers(awsCfg, c.MemberSettings, logger)
	return queue.BatchHandler(queue.Kinds{
		members.WorkDeleteProgram:    members.NewDeleter(m.svc, m.store, m.work).Handle,
		members.WorkMemberExport:     m.exports.Handle,
		members.WorkInvitationResend: m.resends.Handle,
		privacy.WorkExport:           m.privacy.Handle,
		privacy.WorkErasure:          m.privacy.Handle,
	}.Handle, logger)
}

// memberParts are the services the members function and the worker both
// run, each complete, and what they are built on (for the services only
// one of them runs: the users page, the program deleter).
type memberParts struct {
	svc     *members.Service
	exports *members.Exporter
	resends *members.Resends
	privacy *privacy.Service
	store   *dynamo.Store
	admins  *admin.Service
	work    *queue.Work
}

// resendRules are the rules of a bulk resend: the table's reachability of
// addresses and the org's per-learner cap.
type resendRules struct {
	*dynamo.Store
	*messaging.Cap
}

// newMembers returns the members service, its exporter, its bulk resends
// and the personal-data service, on one store, one queue client and one
// bucket.
func newMembers(awsCfg aws.Config, c MemberSettings, logger *slog.Logger) memberParts {
	store := start.OpenStore(awsCfg, c.Base)
	admins := newAdmins(store)
	client := queue.Open(awsCfg)
	files := bucket(awsCfg, c.FilesBucket)
	work := queue.NewWork(client, c.WorkQueueURL)
	outbox := queue.NewPublisher(client, c.MailQueueURL)
	svc := members.NewService(store, admins, outbox, c.LearnerAppURL)
	svc.Log = logger
	personal := privacy.NewService(store, files, work, admins)
	personal.Log = logger
	invites := newInvite(store, outbox, invite.Config{LearnerAppURL: c.LearnerAppURL}, logger)
	return memberParts{
		svc:     svc,
		exports: members.NewExporter(svc, store, files, work),
		resends: members.NewResends(svc, store, store, invites, resendRules{store, messaging.NewCap(store)}, work),
		privacy: personal,
		store:   store,
		admins:  admins,
		work:    work,
	}
}
