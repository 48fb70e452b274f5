// Package wire is the composition root of the functions: for each function
// it reads the configuration from the environment and builds its handler
// from an AWS configuration. The Lambdas' main packages and the local dev
// runner both use it, so the handler that runs locally is wired exactly as
// the one that runs in AWS.
package wire

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/learnops/backoffice/shared/adapters/awsconfig"
	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/adapters/files"
	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/invite"
	"github.com/learnops/backoffice/shared/domain/members"
)

// startTimeout bounds what a function does at cold start before serving.
const startTimeout = 10 * time.Second

// Main is the whole of a function's main: it reads the configuration with
// read (whose error names every missing or invalid variable), builds the
// SDK's default configuration and the handler with build, and starts
// Lambda. It logs and exits 1 when any step fails.
func Main[C any](read func(*env.Reader) (C, string, error), build func(ctx context.Context, awsCfg aws.Config, c C, logger *slog.Logger) (any, error)) {
	c, level, err := read(env.New())
	logger := env.Logger(level)
	fail := func(step string, err error) {
		logger.Error(step, slog.String("error", err.Error()))
		os.Exit(1)
	}
	if err != nil {
		fail("configuration", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	awsCfg, err := awsconfig.Load(ctx)
	if err != nil {
		fail("aws configuration", err)
	}
	handler, err := build(ctx, awsCfg, c, logger)
	if err != nil {
		fail("start-up", err)
	}
	lambda.Start(handler)
}

// Base is the configuration every function reads.
type Base struct {
	Table    string
	LogLevel string
}

func readBase(vars *env.Reader) Base {
	return Base{Table: vars.Required("TABLE_NAME"), LogLevel: vars.Optional("LOG_LEVEL", "info")}
}

// Learners is the configuration of the functions that write learners and
// queue their emails.
type Learners struct {
	Base
	LearnerAppURL string
	MailQueueURL  string
	// FilesBucket is read only by the functions that need it.
	FilesBucket string
	// WorkQueueURL is the queue of long-running work (program deletions,
	// member exports).
	WorkQueueURL string
}

// ReadAdmin reads the admin function's configuration: TABLE_NAME,
// LEARNER_APP_URL, LOG_LEVEL and WORK_QUEUE_URL (optional: without it a
// program with members cannot be deleted).
func ReadAdmin(vars *env.Reader) (Learners, string, error) {
	c := Learners{Base: readBase(vars), LearnerAppURL: vars.Required("LEARNER_APP_URL"), WorkQueueURL: vars.Optional("WORK_QUEUE_URL", "")}
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
// function and MAIL_QUEUE_URL.
func ReadJoin(vars *env.Reader) (Learners, string, error) {
	c := Learners{Base: readBase(vars), LearnerAppURL: vars.Required("LEARNER_APP_URL"), MailQueueURL: vars.Required("MAIL_QUEUE_URL")}
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
	store := dynamo.NewStore(dynamodb.NewFromConfig(awsCfg), c.Table)
	cfg := admin.Config{LearnerAppURL: c.LearnerAppURL}
	if c.WorkQueueURL != "" {
		cfg.Deletion = members.NewDeletions(store, queue.NewWork(sqs.NewFromConfig(awsCfg), c.WorkQueueURL))
	}
	admins := admin.NewService(store, cfg)
	s := services{store: store, admin: admins}
	if c.MailQueueURL != "" {
		outbox := queue.NewPublisher(sqs.NewFromConfig(awsCfg), c.MailQueueURL)
		s.invite = invite.NewService(store, admins, outbox, invite.Config{LearnerAppURL: c.LearnerAppURL})
		s.invite.Log = logger
		s.invite.Erasures = store
	}
	return s
}

func bucket(awsCfg aws.Config, name string) *files.Store {
	return files.New(s3.NewFromConfig(awsCfg, awsconfig.S3Options), name)
}
