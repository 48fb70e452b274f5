// Package resources declares, once, the stateful AWS resources of the back
// office: the single DynamoDB table with its keys and indexes, the queues with
// their dead-letter queues, and the report bucket. The CDK app in infra/ and
// the local start-up that creates them on the emulator both read these
// declarations, so the two cannot drift apart.
package resources

import "slices"

// KeyType is the DynamoDB type of a key attribute.
type KeyType string

// Key attribute types.
const (
	String KeyType = "S"
	Number KeyType = "N"
)

// Attribute is a key attribute of the table or of one of its indexes.
type Attribute struct {
	Name string
	Type KeyType
}

// Index is a global secondary index. It projects all attributes, unless
// Include names the only ones it projects besides the keys of the table
// and of the index.
type Index struct {
	Name         string
	PartitionKey Attribute
	SortKey      Attribute
	// Include, when set, makes the projection INCLUDE: the table's and the
	// index's keys and these attributes. A write to an item then costs the
	// index a write only when one of them (or a key) changes.
	Include []string
}

// TableSpec is the single table.
type TableSpec struct {
	// Name is the table name used locally; in AWS CloudFormation names it.
	Name         string
	PartitionKey Attribute
	SortKey      Attribute
	Indexes      []Index
	// TTLAttribute holds an epoch-seconds expiry; DynamoDB deletes the item
	// some time after it passes.
	TTLAttribute string
}

// QueueSpec is an SQS queue with its dead-letter queue.
type QueueSpec struct {
	Name string
	// DeadLetterName is the queue that receives messages received
	// MaxReceiveCount times without being deleted.
	DeadLetterName  string
	MaxReceiveCount int
	// VisibilityTimeoutSeconds must be at least six times the consuming
	// function's timeout, as AWS recommends for event source mappings.
	VisibilityTimeoutSeconds int
	// RetentionDays is how long a message is kept (the dead-letter queue keeps
	// messages for the SQS maximum of 14 days).
	RetentionDays int
}

// BucketSpec is the S3 bucket for report files and uploaded imports.
type BucketSpec struct {
	Name string
	// ExpireDays is how long an object lives before the lifecycle rule deletes it.
	ExpireDays int
}

// Attribute names of the table's generic keys.
const (
	AttrPK     = "PK"
	AttrSK     = "SK"
	AttrGSI1PK = "GSI1PK"
	AttrGSI1SK = "GSI1SK"
	AttrGSI2PK = "GSI2PK"
	AttrGSI2SK = "GSI2SK"
	AttrGSI3SK = "GSI3SK"
	AttrGSI4SK = "GSI4SK"
	AttrGSI5SK = "GSI5SK"
	AttrGSI6PK = "GSI6PK"
	AttrGSI7SK = "GSI7SK"
	AttrGSI8SK = "GSI8SK"
	AttrGSI6SK = "GSI6SK"
	AttrTTL    = "expiresAt"
)

// Index names, in code after the access pattern each serves; the physical
// names (GSI1 to GSI6) stay, as the key attributes' names do. Every access
// pattern, with its index, is listed in shared/adapters/dynamo/keys.go.
const (
	// IndexLearnersByEmail (GSI1): a program's learners in one state and
	// shard, by email; also the index of every program (PROGRAMS#<n>),
	// which the weekly reminders walk.
	IndexLearnersByEmail = "GSI1"
	// IndexLearnersByName (GSI2): a program's learners in one state and
	// shard, by lower-cased name (name order and prefix search).
	IndexLearnersByName = "GSI2"
	// The next three share GSI1's partition key: the learners of a program
	// in one state and shard, sorted by join date, invitation date and last
	// activity (to the UTC day, so that only a learner's first activity of
	// a day moves their GSI5 key).

	// IndexLearnersByJoined (GSI3): by join date.
	IndexLearnersByJoined = "GSI3"
	// IndexLearnersByInvited (GSI4): by invitation date (the members view,
	// and the reminders' pending invitations sent in a window).
	IndexLearnersByInvited = "GSI4"
	// IndexLearnersByActivity (GSI5): by the day of the last activity.
	IndexLearnersByActivity = "GSI5"
	// IndexProgramsByEmail (GSI6) holds learner items only (a sparse
	// index): one person's standing in every program, by email. It projects
	// what marking their pending invitations needs, so that learning
	// activity, which rewrites learner items often, costs it nothing.
	IndexProgramsByEmail = "GSI6"
	// The next two share GSI1's partition key too: the learners of a
	// program in one state and shard by their count of enrollments (every
	// enrollment made, current or ended) and of completions, then by
	// email. Only the transactions that change a count rewrite its key.

	// IndexLearnersByEnrollments (GSI7): by number of enrollments.
	IndexLearnersByEnrollments = "GSI7"
	// IndexLearnersByCompletions (GSI8): by number of completions.
	IndexLearnersByCompletions = "GSI8"
)

// learnerViewAttributes are the attributes of a learner item that the
// members view's filters read on GSI1 to GSI5, GSI7 and GSI8 (every status, search and
// filter of keys.go's members view table). A page's learners are then read
// whole from the table (BatchGetItem), so nothing else of a learner needs
// projecting: in particular not lastActivityAt or lastActivityMs, which
// every learning activity event rewrites.
var learnerViewAttributes = []string{
	"emailKey", "nameKey", "contractId", "currentEnrollments", "completions", "lastCompletionMs", "currentItems", "undeliverable",
}

// programIndexAttributes are the attributes of a program item that the
// weekly reminders read from GSI1 (the index of every program).
var programIndexAttributes = []string{"orgId", "id", "name", "tagline", "slug", "remindersOff", "deleting"}

// Table is the single table of the back office. Every index projects only
// what its access patterns read (INCLUDE): an item's write costs an index a
// write only when one of its keys or projected attributes changes.
var Table = TableSpec{
	Name:         "backoffice",
	PartitionKey: Attribute{Name: AttrPK, Type: String},
	SortKey:      Attribute{Name: AttrSK, Type: String},
	Indexes: []Index{
		{Name: IndexLearnersByEmail, PartitionKey: Attribute{Name: AttrGSI1PK, Type: String}, SortKey: Attribute{Name: AttrGSI1SK, Type: String},
			Include: slices.Concat(learnerViewAttributes, []string{AttrGSI5SK}, programIndexAttributes)},
		{Name: IndexLearnersByName, PartitionKey: Attribute{Name: AttrGSI2PK, Type: String}, SortKey: Attribute{Name: AttrGSI2SK, Type: String},
			Include: slices.Concat(learnerViewAttributes, []string{AttrGSI5SK})},
		{Name: IndexLearnersByJoined, PartitionKey: Attribute{Name: AttrGSI1PK, Type: String}, SortKey: Attribute{Name: AttrGSI3SK, Type: String},
			Include: slices.Concat(learnerViewAttributes, []string{AttrGSI5SK})},
		{Name: IndexLearnersByInvited, PartitionKey: Attribute{Name: AttrGSI1PK, Type: String}, SortKey: Attribute{Name: AttrGSI4SK, Type: String},
			Include: slices.Concat(learnerViewAttributes, []string{AttrGSI5SK})},
		{Name: IndexLearnersByActivity, PartitionKey: Attribute{Name: AttrGSI1PK, Type: String}, SortKey: Attribute{Name: AttrGSI5SK, Type: String},
			Include: slices.Clone(learnerViewAttributes)},
		{Name: IndexLearnersByEnrollments, PartitionKey: Attribute{Name: AttrGSI1PK, Type: String}, SortKey: Attribute{Name: AttrGSI7SK, Type: String},
			Include: slices.Concat(learnerViewAttributes, []string{AttrGSI5SK})},
		{Name: IndexLearnersByCompletions, PartitionKey: Attribute{Name: AttrGSI1PK, Type: String}, SortKey: Attribute{Name: AttrGSI8SK, Type: String},
			Include: slices.Concat(learnerViewAttributes, []string{AttrGSI5SK})},
		{Name: IndexProgramsByEmail, PartitionKey: Attribute{Name: AttrGSI6PK, Type: String}, SortKey: Attribute{Name: AttrGSI6SK, Type: String},
			Include: []string{"state", "orgId", "programId", "invitationId", "importId"}},
	},
	TTLAttribute: AttrTTL,
}

// MailQueue carries one outbound email per message from the functions that
// decide to send to the mailer.
var MailQueue = QueueSpec{
	Name:                     "backoffice-mail",
	DeadLetterName:           "backoffice-mail-dlq",
	MaxReceiveCount:          5,
	VisibilityTimeoutSeconds: 180,
	RetentionDays:            4,
}

// WorkQueue carries long-running work in chunks (message fan-out, large
// program deletions) so that no invocation races the Lambda timeout.
var WorkQueue = QueueSpec{
	Name:                     "backoffice-work",
	DeadLetterName:           "backoffice-work-dlq",
	MaxReceiveCount:          5,
	VisibilityTimeoutSeconds: 900,
	RetentionDays:            4,
}

// FeedbackQueue carries SES's bounce and complaint notifications (from the
// configuration set's SNS topic) to the feedback function.
var FeedbackQueue = QueueSpec{
	Name:                     "backoffice-feedback",
	DeadLetterName:           "backoffice-feedback-dlq",
	MaxReceiveCount:          5,
	VisibilityTimeoutSeconds: 180,
	RetentionDays:            4,
}

// PlanQueue carries the messaging function's plan items: each plans a
// chunk of a message's audience onto the mail queue and hands the rest to
// the next item. The function's timeout is 60 s.
var PlanQueue = QueueSpec{
	Name:                     "backoffice-messaging-plan",
	DeadLetterName:           "backoffice-messaging-plan-dlq",
	MaxReceiveCount:          5,
	VisibilityTimeoutSeconds: 360,
	RetentionDays:            4,
}

// ReportQueue carries the builds of report jobs to the reports function,
// one at a time: a build may take the function's whole 15 minutes, and
// the visibility timeout is six times that, as AWS advises for SQS event
// sources. A build that fails three times ends in the dead-letter queue.
var ReportQueue = QueueSpec{
	Name:                     "backoffice-reports",
	DeadLetterName:           "backoffice-reports-dlq",
	MaxReceiveCount:          3,
	VisibilityTimeoutSeconds: 5400,
	RetentionDays:            4,
}

// Queues lists every queue, in the order they are created.
var Queues = []QueueSpec{MailQueue, WorkQueue, FeedbackQueue, PlanQueue, ReportQueue}

// Key prefixes of the files bucket. The invitation-import function is
// triggered by CSV objects under ImportsPrefix; each function is granted
// only the prefixes it reads or writes.
const (
	ImportsPrefix       = "imports/"
	ImportResultsPrefix = "import-results/"
	// ExportsPrefix holds member exports' CSVs, written by the worker and
	// downloaded with presigned links; like every object of the bucket
	// they expire after Bucket.ExpireDays.
	ExportsPrefix = "exports/"
	// ReportsPrefix holds report zips and gradebooks, deleted by their own
	// lifecycle rule ReportsExpireDays after they are written.
	ReportsPrefix = "reports/"
	// LogosPrefix holds organisations' logos, uploaded by org admins with
	// presigned links; they are kept (no lifecycle rule expires them).
	LogosPrefix = "logos/"
	// BannersPrefix holds programs' banner images, uploaded by the
	// programs' admins with presigned links; kept like the logos.
	BannersPrefix = "banners/"
	// PersonalDataPrefix holds personal-data exports' zips, under
	// ReportsPrefix so that they go with the reports' lifecycle rule.
	PersonalDataPrefix = ReportsPrefix + "personal-data/"
)

// ExpiringPrefixes are the prefixes whose objects expire after
// Bucket.ExpireDays; reports have a rule of their own, logos and banners none.
var ExpiringPrefixes = []string{ImportsPrefix, ImportResultsPrefix, ExportsPrefix}

// ReportsExpireDays is how long a report file lives: its emailed link
// works for a day, and GET of the report hands out fresh links until the
// file is gone.
const ReportsExpireDays = 3

// Bucket holds report zips, uploaded invitation CSVs, import results and
// member exports.
var Bucket = BucketSpec{
	Name:       "backoffice-files",
	ExpireDays: 7,
}
