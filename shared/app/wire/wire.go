// Package wire is the composition root of the functions: for each function
// it reads the configuration from the environment and builds its handler
// from an AWS configuration. The Lambdas' main packages and the local dev
// runner both use it, so the handler that runs locally is wired exactly as
// the one that runs in AWS.
package wire

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/adapters/files"
	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/start"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/invite"
	"github.com/learnops/backoffice/shared/domain/members"
)

// Main is start.Main, for the functions' mains that still wire here.
func Main[C any](read func(*env.Reader) (C, string, error), build func(ctx context.Context, awsCfg aws.Config, c C, logger *slog.Logger) (any, error)) {
	start.Main(read, build)
}

// Base is the configuration every function reads.
type Base = start.Base

func readBase(vars *env.Reader) Base { return start.ReadBase(vars) }

// Learners is start.Learners.
type Learners = start.Learners

// ReadAdmin reads the admin function's configuration: TABLE_NAME,
// LEARNER_APP_URL, LOG_LEVEL, WORK_QUEUE_URL (optional: without it a
// program with members cannot be deleted) and FILES_BUCKET (optional:
// without it organisations' logos are refused).
func ReadAdmin(vars *env.Reader) (Learners, string, error) {
	c := Learners{Base: readBase(vars), LearnerAppURL: vars.Required("LEARNER_APP_URL"), WorkQueueURL: vars.Optional("WORK_QUEUE_URL", ""),
		FilesBucket: vars.Optional("FILES_BUCKET", "")}
	return c, c.LogLevel, vars.Err()
}

// ReadWorker reads the configuration of the worker and of the members
// function: those of join, WORK_QUEUE_URL and FILES_BUCKET (member exports
// are queued by the one and written by the other).
func ReadWorker(vars *env.Reader) (Learners, string, error) {
	c := Learners{Base: readBase(vars), LearnerAppURL: vars.Required("LEARNER_APP_URL"),
		MailQueueURL: vars.Required("MAIL_QUEUE_URL"), WorkQueueURL: vars.Required("WORK_QUEUE_URL"),
		FilesBucket: vars.Required("FILES_BUCKET")}
	return c, c.LogLevel, vars.Err()
}

// ReadMembers reads the members function's configuration: the worker's.
func ReadMembers(vars *env.Reader) (Learners, string, error) { return ReadWorker(vars) }

// ReadJoin reads the join function's configuration: those of the admin
// function, MAIL_QUEUE_URL and FILES_BUCKET (optional: without it a
// program's page shows no banner).
func ReadJoin(vars *env.Reader) (Learners, string, error) {
	c := Learners{Base: readBase(vars), LearnerAppURL: vars.Required("LEARNER_APP_URL"), MailQueueURL: vars.Required("MAIL_QUEUE_URL"),
		FilesBucket: vars.Optional("FILES_BUCKET", "")}
	return c, c.LogLevel, vars.Err()
}

// ReadInvitations reads the configuration of the invitations and
// invitation-import functions: those of join and FILES_BUCKET.
func ReadInvitations(vars *env.Reader) (Learners, string, error) {
	c := Learners{Base: readBase(vars), LearnerAppURL: vars.Required("LEARNER_APP_URL"),
		MailQueueURL: vars.Required("MAIL_QUEUE_URL"), FilesBucket: vars.Required("FILES_BUCKET")}
	return c, c.LogLevel, vars.Err()
}

var _ admin.ProgramDeletion = (*members.Deletions)(nil)

// services are the domain services over one table.
type services struct {
	store  *dynamo.Store
	admin  *admin.Service
	invite *invite.Service
}

func newServices(awsCfg aws.Config, c Learners, logger *slog.Logger) services {
	store := start.OpenStore(awsCfg, c.Base)
	cfg := admin.Config{LearnerAppURL: c.LearnerAppURL}
	if c.WorkQueueURL != "" {
		cfg.Deletion = members.NewDeletions(store, queue.NewWork(queue.Open(awsCfg), c.WorkQueueURL))
	}
	var images *files.Store
	if c.FilesBucket != "" {
		images = bucket(awsCfg, c.FilesBucket)
		cfg.Logos = files.Logos{Store: images}
	}
	admins := admin.NewService(store, cfg)
	s := services{store: store, admin: admins}
	if c.MailQueueURL != "" {
		outbox := queue.NewPublisher(queue.Open(awsCfg), c.MailQueueURL)
		icfg := invite.Config{LearnerAppURL: c.LearnerAppURL}
		if images != nil {
			icfg.Banners = images
		}
		s.invite = invite.NewService(store, admins, outbox, icfg)
		s.invite.Log = logger
		s.invite.Erasures = store
	}
	return s
}

func bucket(awsCfg aws.Config, name string) *files.Store {
	return files.Open(awsCfg, name)
}
