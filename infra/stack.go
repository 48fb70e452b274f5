package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3notifications"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/learnops/backoffice/shared/adapters/httpapi"
	"github.com/learnops/backoffice/shared/app/env"
	mailerfn "github.com/learnops/backoffice/shared/app/functions/mailer"
	messagingfn "github.com/learnops/backoffice/shared/app/functions/messaging"
	"github.com/learnops/backoffice/shared/app/resources"
	"github.com/learnops/backoffice/shared/app/start"
	"github.com/learnops/backoffice/shared/app/wire"
	"github.com/learnops/backoffice/shared/domain/activity"
	"github.com/learnops/backoffice/shared/domain/reminders"
)

// DefaultAssetDir is where `make build` writes each function's binary, as
// <DefaultAssetDir>/<name>/bootstrap, relative to the repo top where cdk synth
// runs.
const DefaultAssetDir = ".build/functions"

const (
	functionMemoryMB = 256
	apiTimeoutSecs   = 10
	logRetention     = awslogs.RetentionDays_ONE_MONTH
	// deadLetterRetentionDays is the SQS maximum: a dead letter waits two
	// weeks for someone to look at it.
	deadLetterRetentionDays = 14
	// accessLogRetentionDays keeps the S3 server access logs of the report
	// files for a quarter, long enough to answer "who fetched this report".
	accessLogRetentionDays = 90

	// Default-stage throttling: far above what administrators click, low
	// enough that a runaway client cannot run up the table's bill.
	apiRateLimit  = 100
	apiBurstLimit = 200
)

// BackOfficeStackProps configures the back office stack.
type BackOfficeStackProps struct {
	awscdk.StackProps
	// Config is the stage's settings (LoadConfig).
	Config Config
	// AssetDir holds each function's built binary at <AssetDir>/<name>/bootstrap.
	// Empty means DefaultAssetDir.
	AssetDir string
	// ConsoleDir is the admin console's built bundle (index.html, assets/).
	// Empty means ConsoleBundle(DefaultConsoleBundleDir,
	// DefaultConsolePlaceholderDir): web/dist, else a placeholder.
	ConsoleDir string
	// ReminderHourUTC is the hour of Saturday (UTC, 0 to 23) the invitation
	// reminders go out at. Nil means Config.ReminderHourUTC, else the
	// context value reminderHourUtc (`cdk synth -c reminderHourUtc=7`), and
	// without one reminders.DefaultHourUTC.
	ReminderHourUTC *int
}

// reminderHourContext is the CDK context key of the reminders' hour.
const reminderHourContext = "reminderHourUtc"

// reminderHour returns the hour of the Saturday reminders: the prop, else
// the context value, else reminders.DefaultHourUTC. It panics on an hour
// outside 0 to 23 or a context value that is not a whole number, which
// fails the synth with the reason.
func reminderHour(scope constructs.Construct, prop *int) int {
	hour := reminders.DefaultHourUTC
	switch v := scope.Node().TryGetContext(jsii.String(reminderHourContext)).(type) {
	case nil:
	case float64:
		hour = int(v)
		if float64(hour) != v {
			panic(fmt.Sprintf("context %s=%v: want a whole hour from 0 to 23", reminderHourContext, v))
		}
	case string:
		n, err := strconv.Atoi(v)
		if err != nil {
			panic(fmt.Sprintf("context %s=%q: want a whole hour from 0 to 23", reminderHourContext, v))
		}
		hour = n
	default:
		panic(fmt.Sprintf("context %s=%v: want a whole hour from 0 to 23", reminderHourContext, v))
	}
	if prop != nil {
		hour = *prop
	}
	if hour < 0 || hour > 23 {
		panic(fmt.Sprintf("reminder hour %d: want an hour from 0 to 23 (UTC)", hour))
	}
	return hour
}

// stores are the stateful resources declared in shared/app/resources, and the
// secret that signs unsubscribe links.
type stores struct {
	table  awsdynamodb.TableV2
	queues map[string]awssqs.Queue // by resources.QueueSpec.Name
	bucket awss3.Bucket
	// unsubscribeSecret signs the unsubscribe links of mail that is not
	// transactional (admin messages, reminders).
	unsubscribeSecret awssecretsmanager.Secret
}

// deps is what a function's environment, grants and trigger are made of: the
// stores of shared/app/resources, the stage's settings and the SES
// configuration set the mailer sends under.
type deps struct {
	*stores
	cfg Config
	// reminderHour is the hour of Saturday (UTC) of the reminders.
	reminderHour int
	// mailConfigSet publishes bounces and complaints to the feedback queue.
	mailConfigSet awsses.ConfigurationSet
	// star collects why each function needs Resource "*" (see nag.go).
	star starReasons
}

// mailQueue is the queue of resources.MailQueue.
func (d *deps) mailQueue() awssqs.Queue { return d.queues[resources.MailQueue.Name] }
func (d *deps) workQueue() awssqs.Queue { return d.queues[resources.WorkQueue.Name] }
func (d *deps) feedbackQueue() awssqs.Queue {
	return d.queues[resources.FeedbackQueue.Name]
}
func (d *deps) planQueue() awssqs.Queue { return d.queues[resources.PlanQueue.Name] }

// reportQueue is the queue of resources.ReportQueue.
func (d *deps) reportQueue() awssqs.Queue { return d.queues[resources.ReportQueue.Name] }

// envValues gives the value of each environment variable a function's
// settings may declare (see functionSpec.settings): the stack sets on each
// function exactly the variables of its settings struct.
var envValues = map[string]func(d *deps) *string{
	"TABLE_NAME":       func(d *deps) *string { return d.table.TableName() },
	"LEARNER_APP_URL":  func(d *deps) *string { return jsii.String(d.cfg.LearnerAppURL) },
	"MAIL_QUEUE_URL":   func(d *deps) *string { return d.mailQueue().QueueUrl() },
	"WORK_QUEUE_URL":   func(d *deps) *string { return d.workQueue().QueueUrl() },
	"FILES_BUCKET":     func(d *deps) *string { return d.bucket.BucketName() },
	"MAIL_FROM":        func(d *deps) *string { return jsii.String(d.cfg.MailFrom) },
	"MAIL_CONCURRENCY": func(*deps) *string { return jsii.String(strconv.Itoa(mailerConcurrency)) },
	"PLAN_QUEUE_URL":   func(d *deps) *string { return d.planQueue().QueueUrl() },
	// The one base of the links to the API in emails (Config.LinkBaseURL):
	// never the execute-api endpoint, which a replaced API does not keep.
	"PUBLIC_BASE_URL":        func(d *deps) *string { return jsii.String(d.cfg.LinkBaseURL()) },
	"UNSUBSCRIBE_SECRET_ID":  func(d *deps) *string { return d.unsubscribeSecret.SecretArn() },
	"REMINDER_HOUR_UTC":      func(d *deps) *string { return jsii.String(strconv.Itoa(d.reminderHour)) },
	"MAIL_CONFIGURATION_SET": func(d *deps) *string { return d.mailConfigSet.ConfigurationSetName() },
	"LOG_LEVEL":              func(*deps) *string { return jsii.String("info") },
	// Any function may write an audit record, which expires after the
	// stage's retention.
	"AUDIT_RETENTION_DAYS": func(d *deps) *string { return jsii.String(strconv.Itoa(d.cfg.AuditRetention())) },
	"REPORT_QUEUE_URL":     func(d *deps) *string { return d.reportQueue().QueueUrl() },
}

// Key prefixes of the files bucket.
const (
	// importsPrefix holds the invitation CSVs: uploaded by browsers with a
	// presigned PUT URL, or written by the invitations function from a CSV
	// given in a request body. Each new .csv object starts an import.
	importsPrefix = resources.ImportsPrefix
	// importResultsPrefix holds each import's per-row results, which admins
	// download with a presigned GET URL.
	importResultsPrefix = resources.ImportResultsPrefix
	// importSuffix is the ending of the objects that start an import.
	importSuffix = ".csv"
	// exportsPrefix holds member exports' CSVs, written by the worker and
	// downloaded with presigned GET URLs that the members function signs.
	// The bucket's lifecycle rule, for every object, deletes them after
	// resources.Bucket.ExpireDays (7 days), when the export's item expires.
	exportsPrefix = resources.ExportsPrefix
)

const (
	// importTimeoutSecs is the Lambda maximum: a large CSV is worked through
	// in one invocation.
	importTimeoutSecs = 900
	// importRetryAttempts is how often Lambda retries a failed asynchronous
	// invocation by S3 (the default is 2 as well; it is stated because the
	// import relies on it). The import is idempotent: a retry skips the rows
	// already invited.
	importRetryAttempts = 2
	// workerTimeoutSecs leaves the work queue's visibility timeout (900 s)
	// more than six times the function's, as AWS recommends. An item is a
	// batch of 100 removals, or a whole member export: 100,000 rows read
	// once each, 500 an index query on 8 shards in parallel, about 30 MB
	// streamed to S3 (README, Numbers); an export that runs out of time
	// records its failure.
	workerTimeoutSecs = 120
	// activityRetryAttempts is how often EventBridge retries delivering an
	// activity event to the function (its maximum is 185).
	activityRetryAttempts = 8
	// remindersTimeoutSecs is the Lambda maximum: a Saturday's run goes on
	// for up to 15 minutes an invocation, and stops 30 s before the end
	// (reminders.DefaultReserve), saving where it is.
	remindersTimeoutSecs = 900
	// remindersRetryAttempts is how often Lambda retries the asynchronous
	// invocation of a run that stopped before its deadline or failed (the
	// Lambda maximum, 2): the retry carries the same event, so it is the
	// same run, and resumes where it stopped. EventBridge's own retries
	// (remindersDeliveryAttempts) cover deliveries that did not reach Lambda.
	remindersRetryAttempts    = 2
	remindersDeliveryAttempts = 8
	// remindersMaxEventAgeHours bounds both: a Saturday's run is not
	// started or resumed more than 6 hours after the schedule fired.
	remindersMaxEventAgeHours = 6
	// unsubscribeSecretLength is the length of the generated signing key of
	// unsubscribe links: 64 letters and digits, about 380 bits.
	unsubscribeSecretLength = 64

	// mailerConcurrency is the most mailer instances the mail queue's event
	// source mapping runs at once (2 is the smallest maximum SQS event
	// sources accept). The mailer reads it from MAIL_CONCURRENCY and paces
	// each instance at the account's SES send rate divided by it, so that
	// all instances together never exceed the account's rate. The two must
	// therefore be the same number, which is why both come from here.
	mailerConcurrency = 2
	// mailerBatchSize is the messages one mailer invocation receives.
	mailerBatchSize = 10
	// mailerTimeoutSecs bounds one batch. The mail queue's visibility
	// timeout (resources.MailQueue, 180 s) must be at least six times it:
	// AWS's advice for SQS event sources, which leaves Lambda time to retry
	// a batch whose invocation was throttled before the messages become
	// visible again. NewBackOfficeStack checks this.
	mailerTimeoutSecs = 30

	// feedbackTimeoutSecs bounds one batch of SES notifications (a few
	// writes each); the feedback queue's visibility timeout
	// (resources.FeedbackQueue, 180 s) is six times it.
	feedbackTimeoutSecs = 30
	// feedbackBatchSize is the notifications one invocation receives.
	feedbackBatchSize = 10
	// messagingTimeoutSecs bounds one plan item of the messaging function
	// (the HTTP API cuts its requests at 30 s anyway); the planner stops
	// starting pages 20 s before it and continues in a new item. The plan
	// queue's visibility timeout (resources.PlanQueue, 360 s) is six times
	// it; NewBackOfficeStack checks this.
	messagingTimeoutSecs = 60
	// reportsTimeoutSecs is the Lambda maximum, for the longest report
	// build (the report queue's visibility timeout is six times it). Its
	// API routes end sooner, at API Gateway's 30 seconds.
	reportsTimeoutSecs = 900
	// reportsDailyHourUTC is when the daily run of the weekly reports
	// fires; its event's time is the day it runs for.
	reportsDailyHourUTC = 6
	// reportsScheduleRetries is how often EventBridge retries a failed
	// daily run; a run is idempotent (one email per admin a day).
	reportsScheduleRetries = 2
)

// kind says what invokes a function.
type kind int

const (
	// api functions serve their routes of httpapi.Routes (and may have a
	// trigger besides, as messaging has its plan queue).
	api kind = iota
	// event functions are invoked by their trigger: S3, SQS, a schedule.
	event
)

// grant gives a function one thing it uses of the stores.
type grant func(fn awslambda.Function, d *deps)

// trigger attaches the event source of an event function.
type trigger func(fn awslambda.Function, d *deps)

// functionSpec is one Lambda of the back office: its own role, log group,
// arm64 binary from <assetDir>/<name>/bootstrap, exactly the environment
// its settings struct declares and exactly the permissions listed.
type functionSpec struct {
	// name is the folder under functions/ and under the asset directory.
	name        string
	kind        kind
	description string
	timeoutSecs float64
	// settings is the function's settings struct (a zero value): its env
	// tags name every variable the function reads, and the stack sets
	// those (settingsEnv), each to its value in envValues.
	settings start.Settings
	grants   []grant
	// trigger attaches an event function's trigger, or an api function's
	// triggers besides its routes, which newHTTPAPI wires.
	trigger trigger
}

// functionSpecs is every function of the back office and what it may touch.
// A new function is a line here; a function named in httpapi.Routes without
// an api entry fails the synth, so no function ships with permissions nobody
// decided on.
var functionSpecs = []functionSpec{
	{
		name: httpapi.FunctionAdmin, kind: api, timeoutSecs: apiTimeoutSecs,
		description: "admin: organisations, admins, contracts, programs and their catalogue",
		settings:    wire.AdminConfig{},
		// The work queue: deleting a program with members goes on there.
		// Logos and programs' banners: presigned uploads act with this
		// role, and it reads the first bytes of an upload to check it and
		// signs links to it.
		grants: []grant{grantTableReadWrite, grantSendWork, grantPutObjects(resources.LogosPrefix), grantGetObjects(resources.LogosPrefix),
			grantPutObjects(resources.BannersPrefix), grantGetObjects(resources.BannersPrefix)},
	},
	{
		name: httpapi.FunctionInvitations, kind: api, timeoutSecs: apiTimeoutSecs,
		description: "invitations: invite learners to programs, one by one or from a CSV",
		settings:    wire.InvitationsConfig{},
		grants: []grant{
			grantTableReadWrite,
			grantSendMail,
			// A CSV given in a request body, and the presigned upload URLs
			// (which act with this role; the browser's upload is one PUT).
			grantPutObjects(importsPrefix),
			// The presigned download links of import results.
			grantGetObjects(importResultsPrefix),
		},
	},
	{
		name: httpapi.FunctionJoin, kind: api, timeoutSecs: apiTimeoutSecs,
		description: "join: learners accept invitations, or join by whitelisted domain or allowed return",
		settings:    wire.JoinConfig{},
		// The program's page signs a link to its banner, which acts with
		// this role.
		grants: []grant{grantTableReadWrite, grantSendMail, grantGetObjects(resources.BannersPrefix)},
	},
	{
		name: httpapi.FunctionWhitelist, kind: api, timeoutSecs: apiTimeoutSecs,
		description: "whitelist: the email domains whose learners may join a program by its URL",
		settings:    wire.WhitelistConfig{},
		grants:      []grant{grantTableReadWrite},
	},
	{
		name: httpapi.FunctionEnrollment, kind: api, timeoutSecs: apiTimeoutSecs,
		description: "enrollment: members enroll in their program's catalogue within its limit",
		settings:    wire.EnrollmentConfig{},
		grants:      []grant{grantTableReadWrite, grantSendMail},
	},
	{
		name: httpapi.FunctionMembers, kind: api, timeoutSecs: apiTimeoutSecs,
		description: "members: the members view and its exports; admins remove learners, with or without return",
		settings:    wire.MembersConfig{},
		grants: []grant{
			grantTableReadWrite,
			grantSendMail,
			// Member exports are written on the work queue's worker.
			grantSendWork,
			// The presigned download links of member exports and
			// personal-data exports, which act with this role.
			grantGetObjects(exportsPrefix),
			grantGetObjects(resources.PersonalDataPrefix),
		},
	},
	{
		name: httpapi.FunctionReminders, kind: api, timeoutSecs: remindersTimeoutSecs,
		description: "reminders: the automated invitation reminders on Saturdays, and the automated messages routes",
		settings:    wire.RemindersConfig{},
		// The table: programs, invitations, reminder records and run
		// records, counts; the mail queue; the unsubscribe signing key.
		grants:  []grant{grantTableReadWrite, grantSendMail, grantReadUnsubscribeSecret},
		trigger: onSaturdays,
	},
	{
		name: httpapi.FunctionMessaging, kind: api, timeoutSecs: messagingTimeoutSecs,
		description: "messaging: admins' messages to learners, fanned out to the mail queue a chunk at a time; unsubscribe links",
		settings:    messagingfn.Config{},
		grants:      []grant{grantTableReadWrite, grantSendMail, grantSendPlan, grantReadUnsubscribeSecret},
		// Besides its routes, its own plan queue: chunks of messages being sent.
		trigger: fromPlanQueue,
	},
	{
		name: httpapi.FunctionReports, kind: api, timeoutSecs: reportsTimeoutSecs,
		description: "reports: email reports and gradebooks built into the files bucket, emailed, and sent weekly",
		settings:    wire.Reports{},
		grants: []grant{
			grantTableReadWrite,
			grantSendMail,
			// Requests and the daily run queue the builds it consumes.
			grantSendReports,
			// Reports are streamed there (multipart), then read through
			// presigned links and checked for existence (HeadObject).
			grantPutObjects(resources.ReportsPrefix),
			grantGetObjects(resources.ReportsPrefix),
		},
		trigger: both(fromReportQueue, dailyReports),
	},
	{
		name: httpapi.FunctionInvitationImport, kind: event, timeoutSecs: importTimeoutSecs,
		description: "invitation-import: invites the learners of an uploaded CSV",
		settings:    wire.InvitationImportConfig{},
		grants: []grant{
			grantTableReadWrite,
			grantGetObjects(importsPrefix),
			grantPutObjects(importResultsPrefix),
			grantSendMail,
		},
		trigger: onUpload(importsPrefix, importSuffix, importRetryAttempts),
	},
	{
		name: httpapi.FunctionActivity, kind: event, timeoutSecs: apiTimeoutSecs,
		description: "activity: records the learning platform's progress, grade and completion events",
		settings:    wire.ActivityConfig{},
		grants:      []grant{grantTableReadWrite},
		trigger:     onActivityEvents,
	},
	{
		name: httpapi.FunctionWorker, kind: event, timeoutSecs: workerTimeoutSecs,
		description: "worker: long-running work in chunks: removing the members of a program being deleted, member exports, personal-data exports and erasures",
		settings:    wire.WorkerConfig{},
		grants: []grant{grantTableReadWrite, grantSendMail, grantSendWork, grantPutObjects(exportsPrefix),
			// An erasure rewrites or removes the files that name the
			// person: reports, member exports, import files and results,
			// and the person's own exports (under reports/).
			grantRewriteObjects(resources.ReportsPrefix), grantRewriteObjects(exportsPrefix),
			grantRewriteObjects(importsPrefix), grantRewriteObjects(importResultsPrefix)},
		trigger: fromWorkQueue,
	},
	{
		name: httpapi.FunctionMailer, kind: event, timeoutSecs: mailerTimeoutSecs,
		description: "mailer: sends the emails of the mail queue with SES, each at most once",
		settings:    mailerfn.Config{},
		grants: []grant{
			// Idempotency claims: one item per email sent; reach checks and
			// campaign counts.
			grantTableReadWrite,
			grantSendRawEmailFromMailFrom,
			grantReadSendQuota,
		},
		trigger: fromMailQueue,
	},
	{
		name: httpapi.FunctionFeedback, kind: event, timeoutSecs: feedbackTimeoutSecs,
		description: "feedback: SES bounces and complaints suppress the address and mark its pending invitations undeliverable",
		settings:    start.Base{},
		// Suppressions, and the marks on learner items found on GSI6.
		grants:  []grant{grantTableReadWrite},
		trigger: fromFeedbackQueue,
	},
}

// Functions returns the names of every function of the back office, API and
// event ones, in the order of functionSpecs: the folders under functions/
// that `make build` builds and the stack deploys.
func Functions() []string {
	names := make([]string, len(functionSpecs))
	for i, spec := range functionSpecs {
		names[i] = spec.name
	}
	return names
}

// grantTableReadWrite lets fn read and write the items of the table and of its
// indexes.
func grantTableReadWrite(fn awslambda.Function, d *deps) {
	d.table.GrantReadWriteData(fn)
	suppressTableIndexWildcard(fn, d.table)
}

// grantSend lets fn put messages on the queue of spec, and nothing else of
// it (the queue URL comes from the environment, so no GetQueueUrl).
func grantSend(spec resources.QueueSpec) grant {
	return func(fn awslambda.Function, d *deps) {
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("sqs:SendMessage"),
			Resources: jsii.Strings(*d.queues[spec.Name].QueueArn()),
		}))
	}
}

// The sends the functions are granted.
var (
	grantSendMail    = grantSend(resources.MailQueue)
	grantSendWork    = grantSend(resources.WorkQueue)
	grantSendPlan    = grantSend(resources.PlanQueue)
	grantSendReports = grantSend(resources.ReportQueue)
)

// grantReadUnsubscribeSecret lets fn read the key that signs unsubscribe
// links (at cold start). The secret is encrypted with the AWS-managed key,
// which Secrets Manager uses on the caller's behalf: no KMS grant.
func grantReadUnsubscribeSecret(fn awslambda.Function, d *deps) {
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("secretsmanager:GetSecretValue"),
		Resources: jsii.Strings(*d.unsubscribeSecret.SecretArn()),
	}))
}

// grantPutObjects lets fn write objects under prefix of the files bucket.
// files.Store.Put sends a large body (from 5 MiB) as a multipart upload,
// whose calls s3:PutObject covers, and aborts one that fails, which needs
// s3:AbortMultipartUpload (else its parts wait for the lifecycle rule).
func grantPutObjects(prefix string) grant {
	return grantObjects(prefix, "s3:PutObject", "s3:AbortMultipartUpload")
}

// grantGetObjects lets fn read objects under prefix of the files bucket.
func grantGetObjects(prefix string) grant {
	return grantObjects(prefix, "s3:GetObject")
}

// grantRewriteObjects lets fn read, write and delete objects under prefix
// of the files bucket (an erasure rewrites the files naming a person).
func grantRewriteObjects(prefix string) grant {
	return grantObjects(prefix, "s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject")
}

// grantObjects lets fn do actions on the objects under prefix of the files
// bucket. The bucket is SSE-S3, so no KMS permission goes with it.
func grantObjects(prefix string, actions ...string) grant {
	return func(fn awslambda.Function, d *deps) {
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings(actions...),
			Resources: jsii.Strings(*d.bucket.ArnForObjects(jsii.String(prefix + "*"))),
		}))
		suppressObjectPrefixWildcard(fn, d.bucket, prefix)
	}
}

// grantSendRawEmailFromMailFrom lets fn send raw email with SES, from the
// MailFrom address only, under the stack's configuration set.
//
// The identity resource is every SES identity of the account and region
// rather than the sender's identity alone: SES authorises a send against
// the identity that verifies the From address (the address itself or its
// domain, which the template cannot tell apart) and, while the account is
// in the SES sandbox, against each recipient's identity too. The
// ses:FromAddress condition is what pins the sender. A send under a
// configuration set is authorised against the configuration set too.
func grantSendRawEmailFromMailFrom(fn awslambda.Function, d *deps) {
	stack := awscdk.Stack_Of(fn)
	identities := stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("ses"),
		Resource:     jsii.String("identity"),
		ResourceName: jsii.String("*"),
	})
	configSet := stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("ses"),
		Resource:     jsii.String("configuration-set"),
		ResourceName: d.mailConfigSet.ConfigurationSetName(),
	})
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("ses:SendRawEmail"),
		Resources: jsii.Strings(*identities, *configSet),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"ses:FromAddress": d.cfg.MailFrom},
		},
	}))
	suppressSESIdentityWildcard(fn)
}

// grantReadSendQuota lets fn read the account's SES send rate, which the
// mailer divides among its instances.
func grantReadSendQuota(fn awslambda.Function, d *deps) {
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("ses:GetSendQuota"),
		Resources: jsii.Strings("*"),
	}))
	d.star.add(fn, sendQuotaStarReason)
}

// onUpload invokes fn for each object created in the files bucket under
// prefix with suffix, retrying a failed invocation retries times.
func onUpload(prefix, suffix string, retries int) trigger {
	return func(fn awslambda.Function, d *deps) {
		fn.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
			RetryAttempts: jsii.Number(retries),
		})
		d.bucket.AddEventNotification(awss3.EventType_OBJECT_CREATED, awss3notifications.NewLambdaDestination(fn),
			&awss3.NotificationKeyFilter{Prefix: jsii.String(prefix), Suffix: jsii.String(suffix)})
		suppressBucketNotificationsHandler(awscdk.Stack_Of(fn))
	}
}

// onActivityEvents invokes fn for every learning-activity event on the
// account's default event bus. EventBridge retries a failed delivery for up
// to a day; the function drops events that can never be recorded.
func onActivityEvents(fn awslambda.Function, _ *deps) {
	awsevents.NewRule(fn, jsii.String("ActivityEvents"), &awsevents.RuleProps{
		Description: jsii.String("Learning activity from the learning platform to the activity function"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings(activity.Source),
			DetailType: jsii.Strings(activity.DetailType),
		},
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(fn, &awseventstargets.LambdaFunctionProps{
			RetryAttempts: jsii.Number(activityRetryAttempts),
			MaxEventAge:   awscdk.Duration_Hours(jsii.Number(24)),
		})},
	})
}

// onSaturdays invokes fn every Saturday at the reminders' hour (UTC),
// asynchronously. The function takes the Saturday from the event's time; a
// run that stops before its deadline (or fails) returns an error, and
// Lambda retries the invocation with the same event, which resumes the run
// where it stopped (see remindersRetryAttempts).
func onSaturdays(fn awslambda.Function, d *deps) {
	fn.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
		RetryAttempts: jsii.Number(remindersRetryAttempts),
		MaxEventAge:   awscdk.Duration_Hours(jsii.Number(remindersMaxEventAgeHours)),
	})
	awsevents.NewRule(fn, jsii.String("SaturdayReminders"), &awsevents.RuleProps{
		Description: jsii.String(fmt.Sprintf("Invitation reminders, every Saturday at %02d:00 UTC", d.reminderHour)),
		Schedule:    awsevents.Schedule_Expression(jsii.String(saturdayCron(d.reminderHour))),
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(fn, &awseventstargets.LambdaFunctionProps{
			RetryAttempts: jsii.Number(remindersDeliveryAttempts),
			MaxEventAge:   awscdk.Duration_Hours(jsii.Number(remindersMaxEventAgeHours)),
		})},
	})
}

// saturdayCron is the schedule expression of every Saturday at the hour (UTC).
func saturdayCron(hour int) string { return fmt.Sprintf("cron(0 %d ? * SAT *)", hour) }

// fromWorkQueue feeds fn the work queue one item at a time (an item is a
// chunk of work of up to a few minutes), reporting failures so that only
// those come back.
func fromWorkQueue(fn awslambda.Function, d *deps) {
	fn.AddEventSource(awslambdaeventsources.NewSqsEventSource(d.workQueue(), &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(1),
		ReportBatchItemFailures: jsii.Bool(true),
	}))
}

// fromFeedbackQueue feeds fn SES's notifications in batches, reporting the
// records that failed so that only those come back.
func fromFeedbackQueue(fn awslambda.Function, d *deps) {
	fn.AddEventSource(awslambdaeventsources.NewSqsEventSource(d.feedbackQueue(), &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(feedbackBatchSize),
		ReportBatchItemFailures: jsii.Bool(true),
	}))
}

// fromPlanQueue feeds fn the messaging plan queue one item at a time (an
// item plans a chunk of a message of up to 2,000 recipients), reporting
// failures so that only those come back.
func fromPlanQueue(fn awslambda.Function, d *deps) {
	fn.AddEventSource(awslambdaeventsources.NewSqsEventSource(d.planQueue(), &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(1),
		ReportBatchItemFailures: jsii.Bool(true),
	}))
}

// newMailFeedback declares the path of SES's bounce and complaint
// notifications: the configuration set every email is sent under, whose
// event destination publishes bounces and complaints to an SNS topic
// (encrypted with a key of its own that SES may use, TLS only), to which
// queue, the feedback queue, is subscribed with raw message delivery off (the
// feedback function reads SNS's envelope). It returns the configuration set.
func newMailFeedback(stack awscdk.Stack, queue awssqs.Queue) awsses.ConfigurationSet {
	configSet := awsses.NewConfigurationSet(stack, jsii.String("MailConfigurationSet"), &awsses.ConfigurationSetProps{
		ReputationMetrics: jsii.Bool(true),
	})
	// SES encrypts what it publishes to the topic with the topic's key.
	topic := newEncryptedTopic(stack, "SesFeedback", encryptedTopicProps{
		displayName: "SES bounces and complaints", publisher: "ses.amazonaws.com", sid: "SesPublishesToTheFeedbackTopic",
		conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
			"ArnLike": map[string]any{"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("ses"), Resource: jsii.String("configuration-set"), ResourceName: configSet.ConfigurationSetName(),
			})},
		},
	})
	configSet.AddEventDestination(jsii.String("BouncesAndComplaints"), &awsses.ConfigurationSetEventDestinationOptions{
		Destination: awsses.EventDestination_SnsTopic(topic),
		Events:      &[]awsses.EmailSendingEvent{awsses.EmailSendingEvent_BOUNCE, awsses.EmailSendingEvent_COMPLAINT},
	})
	topic.AddSubscription(awssnssubscriptions.NewSqsSubscription(queue, &awssnssubscriptions.SqsSubscriptionProps{
		RawMessageDelivery: jsii.Bool(false),
	}))
	return configSet
}

// fromMailQueue feeds fn the mail queue in batches, reporting the messages
// that failed so that only those are delivered again, with at most
// mailerConcurrency instances at once.
func fromMailQueue(fn awslambda.Function, d *deps) {
	fn.AddEventSource(awslambdaeventsources.NewSqsEventSource(d.mailQueue(), &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(mailerBatchSize),
		ReportBatchItemFailures: jsii.Bool(true),
		MaxConcurrency:          jsii.Number(mailerConcurrency),
	}))
}

// both attaches several triggers to one function.
func both(triggers ...trigger) trigger {
	return func(fn awslambda.Function, d *deps) {
		for _, t := range triggers {
			t(fn, d)
		}
	}
}

// fromReportQueue feeds fn the report queue one build at a time (a build
// may take the whole function timeout), reporting a failed build so that
// it comes back, up to resources.ReportQueue.MaxReceiveCount times.
func fromReportQueue(fn awslambda.Function, d *deps) {
	fn.AddEventSource(awslambdaeventsources.NewSqsEventSource(d.reportQueue(), &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(1),
		ReportBatchItemFailures: jsii.Bool(true),
	}))
}

// dailyReports invokes fn every day at reportsDailyHourUTC with a
// scheduled event, to send the weekly reports due that day.
func dailyReports(fn awslambda.Function, _ *deps) {
	awsevents.NewRule(fn, jsii.String("DailyReports"), &awsevents.RuleProps{
		Description: jsii.String("Daily run of the weekly reports due that day"),
		Schedule: awsevents.Schedule_Cron(&awsevents.CronOptions{
			Minute: jsii.String("0"), Hour: jsii.String(strconv.Itoa(reportsDailyHourUTC)),
		}),
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(fn, &awseventstargets.LambdaFunctionProps{
			RetryAttempts: jsii.Number(reportsScheduleRetries),
			MaxEventAge:   awscdk.Duration_Hours(jsii.Number(6)),
		})},
	})
}

// NewBackOfficeStack declares the whole back office of the stage of
// props.Config: the table, queues and bucket of shared/app/resources, one Lambda
// per function, the HTTP API of httpapi.Routes behind a JWT authorizer, the
// sign-in and the sending domain. Without an account and region in
// props.StackProps the stack is environment-agnostic, so it synthesises
// without an AWS account. It panics, failing the synth, when the Config is
// invalid, naming every missing or invalid setting.
func NewBackOfficeStack(scope constructs.Construct, id string, props *BackOfficeStackProps) awscdk.Stack {
	if props == nil {
		props = &BackOfficeStackProps{}
	}
	cfg := props.Config
	if err := cfg.Validate(); err != nil {
		panic(err.Error())
	}
	stackProps := props.StackProps
	assetDir := DefaultAssetDir
	if props.AssetDir != "" {
		assetDir = props.AssetDir
	}
	consoleDir := props.ConsoleDir
	if consoleDir == "" {
		dir, err := ConsoleBundle(DefaultConsoleBundleDir, DefaultConsolePlaceholderDir)
		if err != nil {
			panic(err.Error())
		}
		consoleDir = dir
	}
	hourProp := props.ReminderHourUTC
	if hourProp == nil {
		hourProp = cfg.ReminderHourUTC
	}
	if stackProps.Description == nil {
		stackProps.Description = jsii.String("Back office of the learning platform (stage " + cfg.Stage + "): organisations, contracts, programs, invitations, messaging and reports.")
	}
	stack := awscdk.NewStack(scope, &id, &stackProps)
	cfg.tagResources(stack)

	accessLogs := newAccessLogs(stack)
	s := &stores{
		table:             newTable(stack, resources.Table),
		queues:            map[string]awssqs.Queue{},
		bucket:            newFilesBucket(stack, resources.Bucket, accessLogs),
		unsubscribeSecret: newUnsubscribeSecret(stack),
	}
	for _, spec := range resources.Queues {
		s.queues[spec.Name] = newQueue(stack, spec)
	}

	for _, q := range []struct {
		spec     resources.QueueSpec
		consumer string
		timeout  int
	}{
		{resources.MailQueue, "mailer", mailerTimeoutSecs},
		{resources.PlanQueue, "messaging", messagingTimeoutSecs},
		{resources.FeedbackQueue, "feedback", feedbackTimeoutSecs},
	} {
		if least := 6 * q.timeout; q.spec.VisibilityTimeoutSeconds < least {
			panic(fmt.Sprintf("queue %s: visibility timeout %d s is less than six times the %s function's timeout (%d s)",
				q.spec.Name, q.spec.VisibilityTimeoutSeconds, q.consumer, least))
		}
	}
	checkFunctionSpecs()
	// The console's distribution comes first: the API's CORS and the user
	// pool's callback URLs name its origin.
	console := newConsole(stack, cfg, accessLogs, s.bucket)
	api, stage := newHTTPAPI(stack, console.origin)
	configSet := newMailFeedback(stack, s.queues[resources.FeedbackQueue.Name])
	newSendingDomain(stack, cfg, configSet)
	d := &deps{stores: s, cfg: cfg, reminderHour: reminderHour(stack, hourProp),
		mailConfigSet: configSet, star: starReasons{}}
	functions := map[string]awslambda.Function{}
	for _, spec := range functionSpecs {
		fn := newFunction(stack, assetDir, d, spec)
		functions[spec.name] = fn
		output(stack, functionID(spec.name)+"Name", fn.FunctionName(), "Lambda function "+spec.name)
	}
	signIn := newSignIn(stack, cfg, console.origin)
	console.deploy(stack, cfg, consoleDir, signIn)
	public := addRoutes(api, signIn, functions)
	throttlePublicRoutes(stage, public)
	newAPIDomain(stack, cfg, api, stage)
	NewOperations(stack, "Operations", &OperationsProps{
		AlarmEmail: cfg.AlarmEmail, Functions: functions, Queues: s.queues, APIStage: stage,
	})

	output(stack, "ApiUrl", stage.Url(), "Base URL of the HTTP API")
	output(stack, "TableName", s.table.TableName(), "The single DynamoDB table")
	output(stack, "BucketName", s.bucket.BucketName(), "Bucket of report files and uploaded imports")
	output(stack, "MailConfigurationSetName", configSet.ConfigurationSetName(), "SES configuration set every email is sent under (bounces and complaints go to the feedback queue)")
	for _, spec := range resources.Queues {
		q := s.queues[spec.Name]
		output(stack, constructID(spec.Name)+"Url", q.QueueUrl(), "Queue "+spec.Name)
		output(stack, constructID(spec.DeadLetterName)+"Url", q.DeadLetterQueue().Queue.QueueUrl(), "Dead-letter queue of "+spec.Name)
	}
	return stack
}

// newUnsubscribeSecret declares the secret that signs unsubscribe links:
// generated by Secrets Manager at deployment, never seen by anyone, and
// encrypted with the AWS-managed key. The messaging and reminders functions
// read it at cold start. Rotating it would break the links of every email
// already sent, so it is not rotated (see nag.go).
func newUnsubscribeSecret(stack awscdk.Stack) awssecretsmanager.Secret {
	secret := awssecretsmanager.NewSecret(stack, jsii.String("UnsubscribeSecret"), &awssecretsmanager.SecretProps{
		Description: jsii.String("Signs the one-click unsubscribe links of the emails that are not transactional (HMAC-SHA256)"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength:     jsii.Number(unsubscribeSecretLength),
			ExcludePunctuation: jsii.Bool(true),
		},
		// Links in inboxes stay valid as long as the key does.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	suppressUnsubscribeSecretRotation(secret)
	return secret
}

// newTable declares the single table. CloudFormation names it; the functions
// read the name from TABLE_NAME.
func newTable(stack awscdk.Stack, spec resources.TableSpec) awsdynamodb.TableV2 {
	var indexes []*awsdynamodb.GlobalSecondaryIndexPropsV2
	for _, ix := range spec.Indexes {
		props := &awsdynamodb.GlobalSecondaryIndexPropsV2{
			IndexName:      jsii.String(ix.Name),
			PartitionKey:   keyAttribute(ix.PartitionKey),
			SortKey:        keyAttribute(ix.SortKey),
			ProjectionType: awsdynamodb.ProjectionType_ALL,
		}
		if len(ix.Include) > 0 {
			props.ProjectionType = awsdynamodb.ProjectionType_INCLUDE
			props.NonKeyAttributes = jsii.Strings(ix.Include...)
		}
		indexes = append(indexes, props)
	}
	return awsdynamodb.NewTableV2(stack, jsii.String("Table"), &awsdynamodb.TablePropsV2{
		PartitionKey:           keyAttribute(spec.PartitionKey),
		SortKey:                keyAttribute(spec.SortKey),
		GlobalSecondaryIndexes: &indexes,
		Billing:                awsdynamodb.Billing_OnDemand(nil),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		// The AWS-managed key (aws/dynamodb): no AwsSolutions rule asks for a
		// customer-managed one, and it spares a key policy and KMS grants on
		// every function.
		Encryption:          awsdynamodb.TableEncryptionV2_AwsManagedKey(),
		TimeToLiveAttribute: jsii.String(spec.TTLAttribute),
		DeletionProtection:  jsii.Bool(true),
		RemovalPolicy:       awscdk.RemovalPolicy_RETAIN,
	})
}

// keyAttribute converts a key attribute of the spec; nil for an absent sort key.
func keyAttribute(a resources.Attribute) *awsdynamodb.Attribute {
	if a.Name == "" {
		return nil
	}
	types := map[resources.KeyType]awsdynamodb.AttributeType{
		resources.String: awsdynamodb.AttributeType_STRING,
		resources.Number: awsdynamodb.AttributeType_NUMBER,
	}
	t, ok := types[a.Type]
	if !ok {
		panic(fmt.Sprintf("key attribute %s: unknown type %q", a.Name, a.Type))
	}
	return &awsdynamodb.Attribute{Name: jsii.String(a.Name), Type: t}
}

// newQueue declares the queue of spec with its dead-letter queue.
func newQueue(stack awscdk.Stack, spec resources.QueueSpec) awssqs.Queue {
	dlq := awssqs.NewQueue(stack, jsii.String(constructID(spec.DeadLetterName)), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(deadLetterRetentionDays)),
	})
	return awssqs.NewQueue(stack, jsii.String(constructID(spec.Name)), &awssqs.QueueProps{
		Encryption:        awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(spec.VisibilityTimeoutSeconds)),
		RetentionPeriod:   awscdk.Duration_Days(jsii.Number(spec.RetentionDays)),
		DeadLetterQueue: &awssqs.DeadLetterQueue{
			Queue:           dlq,
			MaxReceiveCount: jsii.Number(spec.MaxReceiveCount),
		},
	})
}

// newAccessLogs declares the bucket of the S3 server access logs of the
// stack's other buckets, each under a prefix of its own; they expire after
// accessLogRetentionDays.
func newAccessLogs(stack awscdk.Stack) awss3.Bucket {
	return awss3.NewBucket(stack, jsii.String("AccessLogs"), &awss3.BucketProps{
		// Log delivery writes only to SSE-S3 buckets.
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		EnforceSSL:        jsii.Bool(true),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Expiration: awscdk.Duration_Days(jsii.Number(accessLogRetentionDays)),
		}},
	})
}

// privateBucket are the properties every bucket of the stack but
// accessLogs starts from: encrypted with SSE-S3, no public access, no ACLs,
// TLS 1.2 or later only, and its server access logs in accessLogs under
// logPrefix.
func privateBucket(accessLogs awss3.Bucket, logPrefix string) *awss3.BucketProps {
	return &awss3.BucketProps{
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		EnforceSSL:             jsii.Bool(true),
		MinimumTLSVersion:      jsii.Number(1.2),
		ServerAccessLogsBucket: accessLogs,
		ServerAccessLogsPrefix: jsii.String(logPrefix),
	}
}

// newFilesBucket declares the bucket of report files and uploaded imports,
// private and expiring, with its server access logs in accessLogs.
func newFilesBucket(stack awscdk.Stack, spec resources.BucketSpec, accessLogs awss3.Bucket) awss3.Bucket {
	props := privateBucket(accessLogs, spec.Name+"/")
	props.LifecycleRules = filesLifecycle(spec)
	// Browsers upload import CSVs straight to S3 with presigned PUT URLs;
	// the signature, not the origin, is what authorises the upload.
	props.Cors = &[]*awss3.CorsRule{{
		AllowedMethods: &[]awss3.HttpMethods{awss3.HttpMethods_PUT},
		AllowedOrigins: jsii.Strings("*"),
		AllowedHeaders: jsii.Strings("*"),
		MaxAge:         jsii.Number(3600),
	}}
	return awss3.NewBucket(stack, jsii.String("Files"), props)
}

// filesLifecycle is the files bucket's lifecycle: every prefix of
// passing files expires after spec.ExpireDays, report files sooner (their
// links last a day), and organisations' logos never; incomplete uploads
// are aborted after a day.
func filesLifecycle(spec resources.BucketSpec) *[]*awss3.LifecycleRule {
	rules := []*awss3.LifecycleRule{{AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1))}}
	for _, prefix := range resources.ExpiringPrefixes {
		rules = append(rules, &awss3.LifecycleRule{Prefix: jsii.String(prefix), Expiration: awscdk.Duration_Days(jsii.Number(spec.ExpireDays))})
	}
	rules = append(rules, &awss3.LifecycleRule{
		Prefix: jsii.String(resources.ReportsPrefix), Expiration: awscdk.Duration_Days(jsii.Number(resources.ReportsExpireDays)),
	})
	return &rules
}

// newFunction declares the Lambda of spec with its own role and log group.
// The role starts empty: the function may write its own log group and
// traces, spec.grants add what it uses of the stores, and spec.trigger
// attaches its event source.
func newFunction(stack awscdk.Stack, assetDir string, d *deps, spec functionSpec) awslambda.Function {
	code := filepath.Join(assetDir, spec.name)
	if _, err := os.Stat(filepath.Join(code, "bootstrap")); err != nil {
		panic(fmt.Sprintf("function %s: %v (run `make build` first)", spec.name, err))
	}
	id := functionID(spec.name)

	// An explicit role instead of the AWSLambdaBasicExecutionRole managed
	// policy, which would let the function write to every log group.
	role := awsiam.NewRole(stack, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Execution role of the " + spec.name + " function"),
	})
	logs := awslogs.NewLogGroup(stack, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		Retention: logRetention,
	})
	logs.GrantWrite(role)

	fn := awslambda.NewFunction(stack, jsii.String(id), &awslambda.FunctionProps{
		Description:  jsii.String(spec.description),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(code), nil),
		MemorySize:   jsii.Number(functionMemoryMB),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(spec.timeoutSecs)),
		Role:         role,
		LogGroup:     logs,
		Tracing:      awslambda.Tracing_ACTIVE,
		Environment:  environment(d, spec),
	})
	ignoreRedundantRoleDependency(fn.Node().DefaultChild().(awscdk.CfnResource))
	d.star.add(fn, xrayStarReason)
	for _, g := range spec.grants {
		g(fn, d)
	}
	d.star.suppress(fn)
	if spec.trigger != nil {
		spec.trigger(fn, d)
	}
	return fn
}

// settingsEnv returns the variables a function's settings struct declares
// (its main reads them, start.Read) that the stack sets: each that
// envValues has a value for. An optional one without a value is left unset
// (the mailer's MAIL_SEND_RATE: unset, it reads SES's rate); a required one
// without a value panics, as the function could not start.
func settingsEnv(settings any) []string {
	required := env.Required(settings)
	var out []string
	for _, name := range env.Names(settings) {
		_, ok := envValues[name]
		switch {
		case ok:
			out = append(out, name)
		case slices.Contains(required, name):
			panic(fmt.Sprintf("%T requires %s, which envValues has no value for", settings, name))
		}
	}
	return out
}

// environment is the environment of spec's function: the variables of its
// settings (settingsEnv), each with its value.
func environment(d *deps, spec functionSpec) *map[string]*string {
	env := map[string]*string{}
	for _, name := range settingsEnv(spec.settings) {
		env[name] = envValues[name](d)
	}
	return &env
}

// checkFunctionSpecs panics unless functionSpecs and httpapi.Routes agree:
// every function that serves routes is an api function, every api function
// serves routes, event functions have a trigger (api functions may have one
// too), and no name is listed twice.
func checkFunctionSpecs() {
	routed := httpapi.Functions()
	seen := map[string]bool{}
	for _, spec := range functionSpecs {
		if seen[spec.name] {
			panic(fmt.Sprintf("function %q is listed twice in functionSpecs", spec.name))
		}
		seen[spec.name] = true
		switch {
		case spec.kind == api && !slices.Contains(routed, spec.name):
			panic(fmt.Sprintf("function %q is an api function but serves no route of httpapi.Routes", spec.name))
		case spec.kind != api && slices.Contains(routed, spec.name):
			panic(fmt.Sprintf("function %q serves routes of httpapi.Routes but is not an api function", spec.name))
		case spec.kind != api && spec.trigger == nil:
			panic(fmt.Sprintf("event function %q has no trigger", spec.name))
		}
	}
	for _, name := range routed {
		if !seen[name] {
			panic(fmt.Sprintf("function %q serves routes but functionSpecs does not say what it may access", name))
		}
	}
}

// newHTTPAPI declares the HTTP API, with CORS for the console's origin
// alone (corsPreflight), and its default stage; addRoutes adds the routes
// once the functions exist (which may need the stage's URL).
func newHTTPAPI(stack awscdk.Stack, consoleOrigin *string) (awsapigatewayv2.HttpApi, awsapigatewayv2.HttpStage) {
	api := awsapigatewayv2.NewHttpApi(stack, jsii.String("HttpApi"), &awsapigatewayv2.HttpApiProps{
		ApiName:     stack.StackName(),
		Description: jsii.String("Back office API"),
		// The default stage is declared below, with access logs and throttling.
		CreateDefaultStage: jsii.Bool(false),
		CorsPreflight:      corsPreflight(consoleOrigin),
	})
	accessLogs := awslogs.NewLogGroup(stack, jsii.String("HttpApiAccessLogs"), &awslogs.LogGroupProps{
		Retention: logRetention,
	})
	stage := api.AddStage(jsii.String("DefaultStage"), &awsapigatewayv2.HttpStageOptions{
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		AccessLogSettings: &accessLogSettings{
			destination: awsapigatewayv2.NewLogGroupLogDestination(accessLogs),
			format:      awsapigateway.AccessLogFormat_Custom(jsii.String(accessLogFormat())),
		},
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(apiRateLimit),
			BurstLimit: jsii.Number(apiBurstLimit),
		},
	})
	return api, stage
}

// addRoutes adds one route per entry of httpapi.Routes to the API, each to
// its function behind the JWT authorizer of the sign-in (or none, for public
// routes). It returns the public routes by route key.
func addRoutes(api awsapigatewayv2.HttpApi, signIn signIn, functions map[string]awslambda.Function) map[string]awsapigatewayv2.HttpRoute {
	jwt := awsapigatewayv2authorizers.NewHttpJwtAuthorizer(jsii.String("JwtAuthorizer"), signIn.issuer,
		&awsapigatewayv2authorizers.HttpJwtAuthorizerProps{
			JwtAudience: jsii.Strings(signIn.audience...),
		})
	open := map[string]awsapigatewayv2.HttpRoute{}
	public := awsapigatewayv2.NewHttpNoneAuthorizer()

	integrations := map[string]awsapigatewayv2integrations.HttpLambdaIntegration{}
	for _, r := range httpapi.Routes {
		fn, ok := functions[r.Function]
		if !ok {
			panic(fmt.Sprintf("route %s: no function %q", r.Key(), r.Function))
		}
		integration, ok := integrations[r.Function]
		if !ok {
			integration = awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String(constructID(r.Function)+"Integration"), fn, nil)
			integrations[r.Function] = integration
		}
		var authorizer awsapigatewayv2.IHttpRouteAuthorizer = jwt
		if r.Public {
			authorizer = public
		}
		routes := api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(r.Path),
			Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(r.Method)},
			Integration: integration,
			Authorizer:  authorizer,
		})
		if r.Public {
			suppressPublicRoute((*routes)[0], r.Key())
			open[r.Key()] = (*routes)[0]
		}
	}
	return open
}

// accessLogSettings implements awsapigatewayv2.IAccessLogSettings.
type accessLogSettings struct {
	destination awsapigatewayv2.IAccessLogDestination
	format      awsapigateway.AccessLogFormat
}

// Destination is where the access logs go.
func (a *accessLogSettings) Destination() awsapigatewayv2.IAccessLogDestination {
	return a.destination
}

// Format is the format of one access log line.
func (a *accessLogSettings) Format() awsapigateway.AccessLogFormat { return a.format }

// accessLogFormat is one JSON object per request, with HTTP API context
// variables only (some REST API ones, like resourcePath, fail the deployment).
func accessLogFormat() string {
	b, err := json.Marshal(map[string]string{
		"requestId":          "$context.requestId",
		"ip":                 "$context.identity.sourceIp",
		"userAgent":          "$context.identity.userAgent",
		"requestTime":        "$context.requestTime",
		"httpMethod":         "$context.httpMethod",
		"routeKey":           "$context.routeKey",
		"path":               "$context.path",
		"status":             "$context.status",
		"protocol":           "$context.protocol",
		"responseLength":     "$context.responseLength",
		"responseLatency":    "$context.responseLatency",
		"integrationLatency": "$context.integrationLatency",
		"integrationError":   "$context.integrationErrorMessage",
		"authorizerError":    "$context.authorizer.error",
		"sub":                "$context.authorizer.claims.sub",
	})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// output declares a stack output.
func output(stack awscdk.Stack, id string, value *string, description string) {
	awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{
		Value:       value,
		Description: jsii.String(description),
	})
}

// functionID is the construct ID of the function called name; its role and
// log group are functionID(name)+"Role" and functionID(name)+"Logs".
func functionID(name string) string { return constructID(name) + "Function" }

// constructID turns a resource or function name such as "backoffice-mail-dlq"
// into a construct ID such as "BackofficeMailDlq".
func constructID(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		rs := []rune(part)
		b.WriteRune(unicode.ToUpper(rs[0]))
		b.WriteString(string(rs[1:]))
	}
	return b.String()
}
